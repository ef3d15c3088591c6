//! The synchronisation primitives of the format: [`Semaphore`](semaphore::Semaphore),
//! [`Mutex`](mutex::Mutex), [`Latch`](latch::Latch), [`Barrier`](barrier::Barrier) and
//! [`Once`](once::Once); and the composite ones, several table entries each:
//! [`Event`](event::Event), [`RwLock`](rwlock::RwLock), [`Monitor`](monitor::Monitor) and
//! [`Signal`](signal::Signal).
//!
//! Each is a few 32-bit words in one table entry (FORMAT.md fixes which), changed only with
//! atomic instructions, so processes in every language that speaks the format share them.
//! Each algorithm is written once, over a small view of `&AtomicU32`s; the handles build the
//! view from a mapping, and the loom tests from heap atomics.
//!
//! Waiting never burns a core: a waiter spins briefly, yields, then sleeps on a futex on the
//! word it watches, in steps of at most a millisecond (see `wait`). The format's
//! `i32` words are reached as the `AtomicU32` at their address (the same bytes and the same
//! instructions; the futex calls take unsigned words) through [`I32`]. Whoever changes a
//! word that someone may sleep on wakes the sleepers: a post wakes one waiter when the
//! semaphore's `waiting` word says there is one, the last count-down of a latch, the opening
//! of a barrier and the end of a once-function wake them all. The other implementations
//! never wake anyone; their waiters poll, and ours, when those peers change a word, notice
//! at their next sleep step. A missed wake costs latency, never liveness.

use crate::atomic::{AtomicU32, Ordering};

pub(crate) mod barrier;
pub(crate) mod event;
pub(crate) mod latch;
#[cfg(not(loom))]
pub(crate) mod monitor;
#[cfg(not(loom))]
pub(crate) mod mutex;
pub(crate) mod once;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
#[cfg(not(loom))]
pub(crate) mod signal;

#[cfg(not(loom))]
use crate::error::Result;

/// An `i32` field of the format, reached through the `AtomicU32` at its address: the same
/// four bytes and the same atomic instructions, read and written as two's complement.
///
/// Each method passes its orderings through unchanged; the comment that justifies them is at
/// the call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct I32<'a>(&'a AtomicU32);

impl<'a> I32<'a> {
    pub(crate) fn new(word: &'a AtomicU32) -> I32<'a> {
        I32(word)
    }

    /// The word, for the futex calls.
    pub(crate) fn word(self) -> &'a AtomicU32 {
        self.0
    }

    #[inline]
    pub(crate) fn load(self, order: Ordering) -> i32 {
        self.0.load(order) as i32
    }

    #[inline]
    pub(crate) fn store(self, value: i32, order: Ordering) {
        self.0.store(value as u32, order);
    }

    #[inline]
    pub(crate) fn compare_exchange(
        self,
        current: i32,
        new: i32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<i32, i32> {
        self.0
            .compare_exchange(current as u32, new as u32, success, failure)
            .map(|v| v as i32)
            .map_err(|v| v as i32)
    }

    /// Adds `delta`, wrapping at the ends of `i32` (as the other implementations' atomics
    /// do); returns the previous value.
    #[inline]
    pub(crate) fn fetch_add(self, delta: i32, order: Ordering) -> i32 {
        self.0.fetch_add(delta as u32, order) as i32
    }

    /// Subtracts `delta`, wrapping; returns the previous value.
    #[inline]
    pub(crate) fn fetch_sub(self, delta: i32, order: Ordering) -> i32 {
        self.0.fetch_sub(delta as u32, order) as i32
    }
}

/// Wakes one waiter sleeping on `word`, in any process. Nothing under loom, where waits
/// yield instead of sleeping, and where there is no futex.
#[inline]
pub(crate) fn wake_one(word: &AtomicU32) {
    #[cfg(all(not(loom), target_os = "linux"))]
    crate::shm::futex_wake(word, 1);
    #[cfg(not(all(not(loom), target_os = "linux")))]
    let _ = word;
}

/// Wakes every waiter sleeping on `word`, in any process; as [`wake_one`] otherwise.
#[inline]
pub(crate) fn wake_all(word: &AtomicU32) {
    #[cfg(all(not(loom), target_os = "linux"))]
    crate::shm::futex_wake(word, i32::MAX);
    #[cfg(not(all(not(loom), target_os = "linux")))]
    let _ = word;
}

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

/// The four `i32` words of a 16-byte entry (a semaphore, mutex, latch or barrier), if the
/// entry is 16 bytes.
#[cfg(not(loom))]
pub(crate) fn words16(p: &crate::inspect::Probe<'_>) -> Option<[i32; 4]> {
    if p.size != 16 {
        return None;
    }
    let w = crate::inspect::words(p.head.get(..16)?);
    Some([w[0] as i32, w[1] as i32, w[2] as i32, w[3] as i32])
}
