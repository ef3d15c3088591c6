//! Waiting for another thread or process without burning a core.
//!
//! A waiter spins a few times (the peer is probably running on another core and about to
//! finish), then yields its time slice (the peer may be waiting for this core), then sleeps
//! in short steps on the shared word it watches (a futex wait on Linux, which returns at
//! once if the word has already changed).
//!
//! Nothing wakes those words, in this implementation or in the others: a wake on every push
//! and pop would cost a system call each, and the format has no waiter count that would let
//! a writer skip it. So every sleep ends on its own after at most [`MAX_SLEEP`]: a peer that
//! never wakes anyone costs latency, never liveness. (The synchronisation primitives, whose
//! words change rarely, do wake their sleepers; see `sync`. The bound still covers peers in
//! other implementations, which never do.)

use crate::atomic::{self, AtomicU32};
#[cfg(not(loom))]
use std::time::{Duration, Instant};

/// Spin steps before yielding: 1 + 2 + ... + 64 spin hints in all.
#[cfg(not(loom))]
const SPIN_STEPS: u32 = 7;
/// Yields before sleeping.
#[cfg(not(loom))]
const YIELD_STEPS: u32 = 10;
/// The first sleep; each later one doubles, up to [`MAX_SLEEP`].
#[cfg(not(loom))]
const MIN_SLEEP: Duration = Duration::from_micros(50);
/// The longest single sleep.
#[cfg(not(loom))]
const MAX_SLEEP: Duration = Duration::from_millis(1);

/// How long an operation that has claimed a slot waits for a peer to finish with that slot
/// before it gives up: long enough for any live process to be scheduled again, short enough
/// that a peer that died mid-operation fails its successors rather than hangs them.
#[cfg(not(loom))]
pub(crate) const SLOT_PATIENCE: Duration = Duration::from_secs(1);

/// Under loom, the waits a slot gets before its claimant gives up. Loom runs the other
/// threads while one yields, so a live peer always finishes well within this.
#[cfg(loom)]
const LOOM_SLOT_STEPS: u32 = 8;

/// A bounded wait: call [`Wait::wait`] after each failed attempt.
#[derive(Debug)]
pub(crate) struct Wait {
    /// Waits so far.
    step: u32,
    /// How long to keep trying, counted from the first `wait`.
    #[cfg(not(loom))]
    timeout: Duration,
    /// `None` until the first `wait`, and when `timeout` reaches past the clock's range.
    #[cfg(not(loom))]
    deadline: Option<Instant>,
    /// Whether `deadline` has been computed.
    #[cfg(not(loom))]
    started: bool,
}

impl Wait {
    /// A wait that gives up `timeout` after its first [`wait`](Wait::wait).
    #[cfg(not(loom))]
    pub(crate) fn new(timeout: Duration) -> Wait {
        Wait {
            step: 0,
            timeout,
            deadline: None,
            started: false,
        }
    }

    /// A wait for a peer to finish with a slot: [`SLOT_PATIENCE`], or a few steps under loom.
    pub(crate) fn for_slot() -> Wait {
        #[cfg(not(loom))]
        return Wait::new(SLOT_PATIENCE);
        #[cfg(loom)]
        return Wait { step: 0 };
    }

    /// Waits a little for `word` to change from `seen`; each call waits longer than the
    /// last, up to sleeps of [`MAX_SLEEP`]. Returns `false` at once, without waiting, when the
    /// time is up.
    pub(crate) fn wait(&mut self, word: &AtomicU32, seen: u32) -> bool {
        #[cfg(loom)]
        {
            let _ = (word, seen);
            if self.step >= LOOM_SLOT_STEPS {
                return false;
            }
            self.step += 1;
            atomic::yield_now();
            true
        }
        #[cfg(not(loom))]
        {
            if !self.started {
                self.started = true;
                self.deadline = Instant::now().checked_add(self.timeout);
            }
            let left = match self.deadline {
                Some(end) => match end.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return false,
                },
                None => Duration::MAX,
            };
            let step = self.step;
            self.step = self.step.saturating_add(1);
            if step < SPIN_STEPS {
                for _ in 0..1u32 << step {
                    atomic::spin_loop();
                }
            } else if step < SPIN_STEPS + YIELD_STEPS {
                atomic::yield_now();
            } else {
                let doublings = (step - SPIN_STEPS - YIELD_STEPS).min(8);
                let sleep = MIN_SLEEP.saturating_mul(1 << doublings).min(MAX_SLEEP);
                crate::shm::futex_wait(word, seen, sleep.min(left));
            }
            true
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_zero_timeout_gives_up_at_once() {
        let word = AtomicU32::new(0);
        let mut w = Wait::new(Duration::ZERO);
        assert!(!w.wait(&word, 0));
    }

    #[test]
    fn a_wait_gives_up_after_its_timeout_and_not_before() {
        let word = AtomicU32::new(0);
        let timeout = Duration::from_millis(20);
        let start = Instant::now();
        let mut w = Wait::new(timeout);
        let mut waits = 0;
        while w.wait(&word, 0) {
            waits += 1;
        }
        assert!(start.elapsed() >= timeout);
        // Spins and yields first, then sleeps.
        assert!(waits > SPIN_STEPS + YIELD_STEPS, "{waits}");
    }
}
