//! The atomics every algorithm in the crate uses.
//!
//! Normally these are `core`'s. Under `--cfg loom` they are loom's, so the same algorithm
//! code runs under the model checker; the parts of the crate that reach atomics inside a
//! mapping are compiled out then. Nothing else in the crate names `core::sync::atomic`
//! types (clippy's `disallowed-types` enforces it), so the swap cannot be bypassed.

#![allow(clippy::disallowed_types)]

#[cfg(not(loom))]
pub(crate) use core::sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU64};
#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicI32, AtomicU32, AtomicU64};

pub(crate) use core::sync::atomic::Ordering;

/// A hint that the caller is spinning on a value another thread or process will change.
#[inline]
pub(crate) fn spin_loop() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::hint::spin_loop();
}

/// Gives up the rest of this thread's time slice.
#[inline]
pub(crate) fn yield_now() {
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
}
