//! `Latch`: a single-use countdown shared between processes.
//!
//! Layout (16 bytes): `i32 count` at 0x00 (counts down to 0 and stays there),
//! `i32 initial_count` at 0x04, then two `i32`s of padding.
//!
//! A count-down moves `count` from `c > 0` to `max(c - n, 0)` with a compare-and-swap; the
//! latch is open once the count is 0 (or below, in a segment someone else wrote). The one
//! that brings it to 0 wakes the waiters.
//!
//! The algorithm is written once, over [`LatchView`]; the handle [`Latch`] builds the view
//! from a mapping, and the loom tests build it from heap atomics.

use crate::atomic::{AtomicU32, Ordering};
use crate::sync::{wake_all, I32};
use crate::wait::Wait;

#[cfg(not(loom))]
use std::{fmt, time::Duration};

#[cfg(not(loom))]
use bytemuck::{Pod, Zeroable};

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    words::Words,
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a latch: `i32 count, i32 initial_count, [i32; 2] pad`.
pub const LATCH_SIZE: usize = 16;

/// Offset of a latch's `i32 count` (counts down to 0 and stays there).
pub const LATCH_COUNT_OFFSET: usize = 0x00;

/// Offset of a latch's `i32 initial_count`.
pub const LATCH_INITIAL_COUNT_OFFSET: usize = 0x04;

// ---- The algorithm -------------------------------------------------------------------------

/// A latch as the algorithm sees it: its count.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct LatchView<'a> {
    count: I32<'a>,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> LatchView<'a> {
    /// The view of the latch whose `count` word is `count`.
    pub fn new(count: &'a AtomicU32) -> LatchView<'a> {
        LatchView {
            count: I32::new(count),
        }
    }

    /// Lowers the count by `n`, stopping at 0; wakes the waiters if it reached 0.
    pub fn count_down(&self, n: u32) {
        if n == 0 {
            return;
        }
        // Relaxed: a first guess; the exchange below decides.
        let mut count = self.count.load(Ordering::Relaxed);
        // Exit: the count moved down, or it was already 0. A failed exchange means a peer
        // moved it meanwhile.
        while count > 0 {
            // `n` may exceed any i32; compare in i64 to stop at 0 without overflow.
            let next = if i64::from(n) >= i64::from(count) {
                0
            } else {
                count - n as i32
            };
            // Release: pairs with the Acquire load in `is_open` of a waiter that sees this
            // value or a later one in the chain of exchanges, so what every counter did
            // before counting down happens before what the waiter does next. Relaxed on
            // failure: only retried.
            match self
                .count
                .compare_exchange(count, next, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => {
                    if next == 0 {
                        wake_all(self.count.word());
                    }
                    return;
                }
                Err(now) => count = now,
            }
        }
    }

    /// Whether the count has reached 0; `Err(count)` with the count found otherwise.
    #[inline]
    fn is_open(&self) -> Result<(), i32> {
        // Acquire: pairs with the Release exchange in `count_down` (see there).
        let count = self.count.load(Ordering::Acquire);
        if count <= 0 {
            Ok(())
        } else {
            Err(count)
        }
    }

    /// Whether the count has reached 0, without waiting.
    pub fn try_wait(&self) -> bool {
        self.is_open().is_ok()
    }

    /// Waits with `wait` for the count to reach 0; `false` once `wait` gives up.
    pub fn wait(&self, wait: &mut Wait) -> bool {
        // Exit: the count is 0, or the time is up.
        loop {
            match self.is_open() {
                Ok(()) => return true,
                Err(seen) => {
                    if !wait.wait(self.count.word(), seen as u32) {
                        return false;
                    }
                }
            }
        }
    }

    /// The count now: a snapshot.
    pub fn count(&self) -> i32 {
        // Relaxed: a snapshot for display; nothing is read on the strength of it.
        self.count.load(Ordering::Relaxed)
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A latch's 16 bytes.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct LatchHeader {
    /// 0x00: the count, down to 0.
    count: i32,
    /// 0x04: the count it started from.
    initial_count: i32,
    /// 0x08: zero.
    pad: [i32; 2],
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<LatchHeader>() == LATCH_SIZE);
    assert!(offset_of!(LatchHeader, count) == LATCH_COUNT_OFFSET);
    assert!(offset_of!(LatchHeader, initial_count) == LATCH_INITIAL_COUNT_OFFSET);
};

/// A countdown in a segment that opens once, when it reaches 0: for "wait until N things
/// have happened", across threads and processes in any language that speaks the format.
///
/// [`count_down`](Latch::count_down) lowers the count; [`wait`](Latch::wait) and
/// [`wait_timeout`](Latch::wait_timeout) wait for 0, spinning briefly, then yielding, then
/// sleeping on the count's futex in steps of at most a millisecond (the last count-down
/// wakes the sleepers). A latch does not reset: once open it stays open.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Latch, Memory};
/// # let name = format!("/zeroipc_doc_latch_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let ready = Latch::create(&mem, "workers_ready", 2)?;
///
/// // Each worker, in its own process, counts down once it is ready...
/// let worker = Latch::open(&Memory::open(&name)?, "workers_ready")?;
/// worker.count_down(1);
/// worker.count_down(1);
///
/// // ...and the coordinator waits for all of them.
/// ready.wait_timeout(Duration::from_secs(10))?;
/// assert!(ready.try_wait());
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Latch {
    words: Words,
    /// `initial_count` as validated at open (or chosen at create): 0 or more.
    initial_count: i32,
}

#[cfg(not(loom))]
impl Latch {
    /// Adds a latch called `name` that opens after `count` count-downs (at once if 0).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`] if the table has that name, [`Error::TableFull`],
    /// [`Error::OutOfSpace`]; a validation error if the table is corrupt. On error the
    /// segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `count` is negative.
    pub fn create(mem: &Memory, name: &str, count: i32) -> Result<Latch> {
        assert!(count >= 0, "a latch's count is not negative");
        let header = LatchHeader {
            count,
            initial_count: count,
            pad: [0; 2],
        };
        let line = crate::schema::EntryDesc {
            params: &[("count", count as u64)],
            ..crate::schema::EntryDesc::new(name, "latch")
        };
        let words = Words::create_described(mem, header, &line)?;
        Ok(Latch {
            words,
            initial_count: count,
        })
    }

    /// Opens the latch called `name`, checking its entry (16 bytes), its initial count (not
    /// negative) and its count (from 0 to the initial count).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::Corrupt`] naming the entry for an entry of another size
    /// or counts out of range; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Latch> {
        let words = Words::open(mem, name, LATCH_SIZE, "latch")?;
        // Relaxed: the table's Acquire load of `entry_count` in `find` made the creator's
        // initialisation visible; `initial_count` never changes after it.
        let initial_count = words
            .i32(LATCH_INITIAL_COUNT_OFFSET)
            .load(Ordering::Relaxed);
        // Relaxed: a check of the value now, nothing more.
        let count = words.i32(LATCH_COUNT_OFFSET).load(Ordering::Relaxed);
        if initial_count < 0 {
            return Err(Error::corrupt(
                name,
                format!("latch initial_count {initial_count} is negative"),
            ));
        }
        if !(0..=initial_count).contains(&count) {
            return Err(Error::corrupt(
                name,
                format!("latch count {count} is not from 0 to its initial_count {initial_count}"),
            ));
        }
        Ok(Latch {
            words,
            initial_count,
        })
    }

    #[inline]
    fn view(&self) -> LatchView<'_> {
        LatchView::new(self.words.word(LATCH_COUNT_OFFSET))
    }

    /// The table name of this latch.
    pub fn name(&self) -> &str {
        self.words.name()
    }

    /// The count the latch started from.
    pub fn initial_count(&self) -> i32 {
        self.initial_count
    }

    /// The count now (0 once open). Other processes may change it at any moment: a snapshot.
    pub fn count(&self) -> i32 {
        self.view().count()
    }

    /// Lowers the count by `n`, stopping at 0 (nothing changes for `n = 0` or an open
    /// latch); the count-down that reaches 0 wakes every waiter.
    pub fn count_down(&self, n: u32) {
        self.view().count_down(n);
    }

    /// Whether the latch is open (its count is 0), without waiting.
    pub fn try_wait(&self) -> bool {
        self.view().try_wait()
    }

    /// Waits for the latch to open, as long as it takes. A count-down that a dead process
    /// owed never comes: where that can happen, use [`wait_timeout`](Latch::wait_timeout).
    pub fn wait(&self) {
        let open = self.view().wait(&mut Wait::new(Duration::MAX));
        debug_assert!(
            open,
            "a wait without a time limit only ends when the latch opens"
        );
    }

    /// Waits up to `timeout` for the latch to open.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if it was still closed after `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<()> {
        if self.view().wait(&mut Wait::new(timeout)) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }
}

#[cfg(not(loom))]
impl fmt::Debug for Latch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latch")
            .field("name", &self.name())
            .field("count", &self.count())
            .field("initial_count", &self.initial_count)
            .field("segment", &self.words.segment())
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{Latch, Memory, Result, LATCH_SIZE};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    use crate::declare::{declare_sync, expect_i32, Declare, Mode, Params};

    declare_sync!(
        Latch,
        LATCH_SIZE,
        &["count"],
        &["count"],
        &[],
        &[],
        declare_latch,
    );
    /// A latch of `count` (required; its initial count, checked on open).
    fn declare_latch(mem: &Memory, name: &str, mode: Mode, params: &Params) -> Result<Latch> {
        let count = params.i32_or("count", 0);
        match mode {
            Mode::Create => Latch::create(mem, name, count),
            Mode::Open => {
                let latch = Latch::open(mem, name)?;
                expect_i32(name, "count", count, latch.initial_count())?;
                Ok(latch)
            }
        }
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("latch", read_entry)
            .hints(&["latch"])
            .check(|mem, name, _| {
                Some(crate::structures::opened(
                    "Latch",
                    Latch::open(mem, name),
                    |l| format!("count {} of {}", l.count(), l.initial_count()),
                ))
            })
            .example(|mem| Latch::create(mem, "latch", 4).map(|_| "latch".to_owned()));

    /// A latch: a count between 0 and a positive initial count, and zero padding.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        let [count, initial, pad0, pad1] = crate::sync::words16(p)?;
        if pad0 != 0 || pad1 != 0 || initial <= 0 || !(0..=initial).contains(&count) {
            return None;
        }
        Some(crate::inspect::Reading::new(
            "latch",
            format!("latch: count {count} of {initial}"),
        ))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::STRUCTURE;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn the_count_stops_at_zero_and_the_latch_stays_open() {
        let seg = Segment::new(1 << 16);
        let l = Latch::create(&seg.mem, "l", 3).unwrap();
        assert!(!l.try_wait());
        assert!(matches!(
            l.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        l.count_down(0);
        assert_eq!(l.count(), 3);
        l.count_down(2);
        assert_eq!(l.count(), 1);
        l.count_down(u32::MAX);
        assert_eq!(l.count(), 0);
        l.count_down(1);
        assert_eq!(l.count(), 0);
        l.wait();
        assert_eq!(l.initial_count(), 3);
    }

    #[test]
    fn a_latch_of_zero_is_open_from_the_start() {
        let seg = Segment::new(1 << 16);
        let l = Latch::create(&seg.mem, "l", 0).unwrap();
        assert!(l.try_wait());
    }
}
