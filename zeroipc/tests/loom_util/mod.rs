//! What the loom models share: the runner with its preemption bound, a value shared
//! without atomics, whose unordered or overlapping accesses loom reports, and the
//! structures' words on the heap, from which the models build the algorithms' views
//! ([`heap`]).

#![allow(dead_code, unreachable_pub)]

pub mod heap;

use loom::cell::UnsafeCell;

/// Runs `f` under loom with a preemption bound that keeps these models to seconds.
pub fn check(f: impl Fn() + Sync + Send + 'static) {
    check_bounded(3, f);
}

/// Runs `f` under loom with at most `preemptions` preemptions per execution.
pub fn check_bounded(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(f);
}

/// A value handed between threads without atomics: loom checks that every access is
/// ordered after the previous one, and that no two overlap.
pub struct Shared(UnsafeCell<u32>);

// SAFETY: every access goes through loom's `UnsafeCell`, which reports unordered or
// overlapping accesses (the point of these tests) instead of allowing them.
unsafe impl Sync for Shared {}

impl Shared {
    pub fn new() -> Shared {
        Shared(UnsafeCell::new(0))
    }

    pub fn set(&self, v: u32) {
        // SAFETY: loom's cell checks that no other access is concurrent with this one.
        self.0.with_mut(|p| unsafe { *p = v });
    }

    pub fn add(&self, n: u32) {
        // SAFETY: as in `set`.
        self.0.with_mut(|p| unsafe { *p += n });
    }

    pub fn get(&self) -> u32 {
        // SAFETY: as in `set`.
        self.0.with(|p| unsafe { *p })
    }
}
