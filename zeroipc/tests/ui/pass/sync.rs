// Every synchronisation primitive as a field, with its keys: the golden scenario's `sem`,
// `latch` and `barrier`, and the keyless `Mutex` and `Once`; optional keys left out; a
// count of 0 where a type allows it.
#![deny(missing_docs)]
//! Synchronisation primitives in a declared segment.

use zeroipc::{Barrier, Latch, Mutex, Once, Semaphore};

/// A declared segment of synchronisation primitives.
#[zeroipc::segment]
pub struct Sync {
    /// Three permits of at most ten.
    #[zeroipc(count = 3, max = 10)]
    pub sem: Semaphore,
    /// Opens after four count-downs.
    #[zeroipc(count = 4)]
    pub latch: Latch,
    /// Two participants per generation.
    #[zeroipc(participants = 2)]
    pub barrier: Barrier,
    /// A lock; no keys.
    pub mutex: Mutex,
    /// One-time initialisation; no keys.
    #[zeroipc(name = "init")]
    pub once: Once,
    /// No keys: no permits, no bound.
    pub signal: zeroipc::Semaphore,
    /// A count equal to the maximum; a maximum of 0 (no bound) below the count.
    #[zeroipc(max = 2, count = 2)]
    pub full: Semaphore,
    #[zeroipc(count = 5, max = 0)]
    unbounded: Semaphore,
    /// Open from the start.
    #[zeroipc(count = 0)]
    pub open: Latch,
}

const _: () = assert!(Sync::ENTRIES[0].size == 16);
const _: () = assert!(Sync::ENTRIES[4].size == 4);

fn main() {
    assert_eq!(Sync::ENTRIES[4].name, "init");
    // The once flag's 4 bytes are followed by an 8-aligned entry.
    assert_eq!(Sync::ENTRIES[5].offset % 8, 0);
    let _ = |s: &Sync| (s.sem.count(), s.unbounded.max_count());
}
