//! Waiting for another thread or process without burning a core.
//!
//! A waiter spins a few times, watching the shared word that will change when its peer is
//! done (the peer is probably running on another core and about to finish), then yields its
//! time slice (the peer may be waiting for this core), then sleeps in short steps on that
//! word (a futex wait on Linux, which returns at once if the word has already changed).
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
/// How long to keep yielding before sleeping. A yield gives the core to a peer that is
/// waiting for it, and costs nothing else when there is none; sleeping too early makes a
/// stream that pauses for a moment (a full queue being drained, say) pay a sleep's latency.
#[cfg(not(loom))]
const YIELD_FOR: Duration = Duration::from_micros(500);
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

/// Under loom, the waits a slot gets before its claimant gives up. Loom explores schedules
/// in which a live peer does not run for that long, so the models see operations give up
/// too, and check that this loses nothing it should not.
#[cfg(loom)]
const LOOM_SLOT_STEPS: u32 = 4;

/// A bounded wait: call [`Wait::wait`] after each failed attempt.
///
/// The clock is not read while spinning (a read costs as much as a push): the time limit is
/// counted from the end of the first, spinning, phase, which lasts microseconds, so a wait
/// may overrun its limit by that much. A zero limit gives up at once.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct Wait {
    /// Waits so far.
    step: u32,
    /// How long to keep trying after the spinning phase.
    #[cfg(not(loom))]
    timeout: Duration,
    /// When the spinning phase ended; set by the first wait after it.
    #[cfg(not(loom))]
    spun: Option<Instant>,
    /// Sleeps so far, saturating (a wait without a limit may sleep for ever).
    #[cfg(not(loom))]
    sleeps: u32,
    /// Whether to spin before giving up even when `timeout` is zero.
    #[cfg(not(loom))]
    spin_anyway: bool,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl Wait {
    /// A wait that gives up about `timeout` after its first [`wait`](Wait::wait).
    #[cfg(not(loom))]
    pub fn new(timeout: Duration) -> Wait {
        Wait {
            step: 0,
            timeout,
            spun: None,
            sleeps: 0,
            spin_anyway: false,
        }
    }

    /// A wait that only spins (a few microseconds, without yielding, sleeping or reading the
    /// clock) and then gives up: for the calls that do not wait, when a live peer is that
    /// close to done with a slot.
    pub fn spin_only() -> Wait {
        #[cfg(not(loom))]
        return Wait {
            spin_anyway: true,
            ..Wait::new(Duration::ZERO)
        };
        #[cfg(loom)]
        Wait::for_slot()
    }

    /// A wait for a peer to finish with a slot: [`SLOT_PATIENCE`], or a few steps under loom.
    pub fn for_slot() -> Wait {
        #[cfg(not(loom))]
        return Wait::new(SLOT_PATIENCE);
        #[cfg(loom)]
        return Wait { step: 0 };
    }

    /// Waits a little for `word` to change from `seen`: spins, then yields, then sleeps on
    /// the word in steps that double up to [`MAX_SLEEP`]. Returns `false` at once, without
    /// waiting, when the time is up.
    pub fn wait(&mut self, word: &AtomicU32, seen: u32) -> bool {
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
            if self.timeout.is_zero() && !(self.spin_anyway && self.step < SPIN_STEPS) {
                return false;
            }
            if self.step < SPIN_STEPS {
                // Exit: the word changed (retry at once), or this step's spins are done.
                for _ in 0..1u32 << self.step {
                    atomic::spin_loop();
                    // Relaxed: only a cue to retry; the retry reads with its own ordering.
                    // A word nobody writes stays in this core's cache while it is polled.
                    if word.load(atomic::Ordering::Relaxed) != seen {
                        break;
                    }
                }
                self.step += 1;
                return true;
            }
            let now = Instant::now();
            let spun = *self.spun.get_or_insert(now);
            let waited = now.saturating_duration_since(spun);
            let Some(left) = self.timeout.checked_sub(waited).filter(|l| !l.is_zero()) else {
                return false;
            };
            if waited < YIELD_FOR {
                atomic::yield_now();
            } else {
                let sleep = MIN_SLEEP
                    .saturating_mul(1 << self.sleeps.min(8))
                    .min(MAX_SLEEP);
                self.sleeps = self.sleeps.saturating_add(1);
                crate::shm::futex_wait(word, seen, sleep.min(left));
            }
            true
        }
    }
}

/// When a wait of `timeout` from now ends; `None` when it never does (or lies past what the
/// clock can say).
#[cfg(not(loom))]
pub(crate) fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

/// What is left of a wait that ends at `deadline`: zero once it has passed.
#[cfg(not(loom))]
pub(crate) fn remaining(deadline: Option<Instant>) -> Duration {
    deadline.map_or(Duration::MAX, |d| {
        d.saturating_duration_since(Instant::now())
    })
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
        assert!(waits > SPIN_STEPS, "{waits}");
    }

    #[test]
    fn a_spinning_wait_spins_and_then_gives_up() {
        let word = AtomicU32::new(0);
        let mut w = Wait::spin_only();
        let mut waits = 0;
        while w.wait(&word, 0) {
            waits += 1;
            assert!(waits <= SPIN_STEPS, "it only spins");
        }
        assert_eq!(waits, SPIN_STEPS);
    }

    #[test]
    fn a_wait_without_end_counts_its_sleeps_without_overflow() {
        // Past 2^32 sleeps of at most a millisecond: about 50 days of waiting.
        let word = AtomicU32::new(0);
        let mut w = Wait::new(Duration::from_millis(5));
        w.step = SPIN_STEPS;
        w.spun = Instant::now().checked_sub(YIELD_FOR);
        w.sleeps = u32::MAX;
        assert!(w.wait(&word, 0));
        assert_eq!(w.sleeps, u32::MAX);
    }
}
