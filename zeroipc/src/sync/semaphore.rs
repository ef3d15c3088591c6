//! `Semaphore`: a counting semaphore shared between processes.
//!
//! Layout (16 bytes): `i32 count` at 0x00 (permits free), `i32 waiting` at 0x04 (processes and
//! threads waiting for a permit), `i32 max_count` at 0x08 (0: unbounded), `i32` padding.
//!
//! A waiter takes a permit by moving `count` from `c > 0` to `c - 1` with a compare-and-swap;
//! a poster gives one back by moving it from `c < max` to `c + 1`. A waiter that finds no
//! permit adds itself to `waiting` while it waits, as the other implementations do, and a
//! poster that sees a waiter there wakes one.
//!
//! The algorithm is written once, over [`SemaphoreView`]; the handle [`Semaphore`] builds the
//! view from a mapping, and the loom tests build it from heap atomics.

use crate::atomic::{AtomicU32, Ordering};
use crate::sync::{wake_one, I32};
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

/// Size of a semaphore (and so of a mutex): `i32 count, i32 waiting, i32 max_count, i32 pad`.
pub const SEMAPHORE_SIZE: usize = 16;

/// Offset of a semaphore's `i32 count` (permits free now).
pub const SEMAPHORE_COUNT_OFFSET: usize = 0x00;

/// Offset of a semaphore's `i32 waiting` (processes and threads waiting for a permit).
pub const SEMAPHORE_WAITING_OFFSET: usize = 0x04;

/// Offset of a semaphore's `i32 max_count` (0: unbounded).
pub const SEMAPHORE_MAX_COUNT_OFFSET: usize = 0x08;

// ---- The algorithm -------------------------------------------------------------------------

/// A semaphore as the algorithm sees it: its two live words and its bound.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct SemaphoreView<'a> {
    count: I32<'a>,
    waiting: I32<'a>,
    /// The largest count a post may leave: `max_count`, or `i32::MAX` when that is 0
    /// (unbounded). Private: read once, validated, never re-read from the segment.
    limit: i32,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> SemaphoreView<'a> {
    /// # Panics
    ///
    /// If `max_count` is negative. Callers pass a value they validated.
    pub fn new(count: &'a AtomicU32, waiting: &'a AtomicU32, max_count: i32) -> SemaphoreView<'a> {
        assert!(
            max_count >= 0,
            "max_count is validated before a view is built"
        );
        SemaphoreView {
            count: I32::new(count),
            waiting: I32::new(waiting),
            limit: if max_count == 0 { i32::MAX } else { max_count },
        }
    }

    /// Takes a permit if one is free, without waiting.
    #[inline]
    pub fn try_wait(&self) -> bool {
        // Relaxed: a first guess; the compare-and-swap below decides.
        let mut count = self.count.load(Ordering::Relaxed);
        // Exit: a permit is taken, or none is free. A failed exchange means that a peer
        // changed the count meanwhile, so every turn of the loop is someone's progress.
        while count > 0 {
            // Acquire: pairs with the Release of the exchange in `post` that made this permit
            // (or a later one in the chain of exchanges), so what the poster did before
            // posting happens before what this waiter does next. Relaxed on failure: the loop
            // only retries with the value found.
            match self.count.compare_exchange(
                count,
                count - 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
        false
    }

    /// Takes a permit, waiting with `wait` while none is free; `false` once `wait` gives up.
    pub fn wait(&self, wait: &mut Wait) -> bool {
        if self.try_wait() {
            return true;
        }
        // SeqCst: with the SeqCst exchange and the SeqCst load of `waiting` in `post`: either
        // this waiter's next look at the count finds the permit, or the poster finds this
        // waiter and wakes it. (A missed wake would cost one sleep step, not the permit.)
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let taken = loop {
            if self.try_wait() {
                break true;
            }
            // Relaxed: only the value to sleep on; the futex sleeps only while the word still
            // holds it, and the next turn looks again with `try_wait`.
            let seen = self.count.load(Ordering::Relaxed);
            if seen > 0 {
                // A permit appeared since `try_wait` looked: try again at once.
                continue;
            }
            // Exit: a permit taken above, or the time is up here.
            if !wait.wait(self.count.word(), seen as u32) {
                break false;
            }
        };
        // Relaxed: `waiting` only tells posters whether to wake someone; no data hangs on it.
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        taken
    }

    /// Gives a permit back.
    ///
    /// # Errors
    ///
    /// The limit (`max_count`, or `i32::MAX` when unbounded), without changing anything,
    /// when the count is already at it.
    pub fn post(&self) -> Result<(), i32> {
        // Relaxed: a first guess; the exchange below decides.
        let mut count = self.count.load(Ordering::Relaxed);
        // Exit: the count moved up by one, or it is at its limit.
        loop {
            if count >= self.limit {
                return Err(self.limit);
            }
            // SeqCst: its Release half pairs with the Acquire exchange in `try_wait` of the
            // waiter that takes this permit; the whole is ordered with the SeqCst increment of
            // `waiting` in `wait` (see there). Relaxed on failure: only retried.
            match self
                .count
                .compare_exchange(count, count + 1, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => count = now,
            }
        }
        // SeqCst: pairs with the SeqCst increment of `waiting` in `wait`.
        if self.waiting.load(Ordering::SeqCst) > 0 {
            wake_one(self.count.word());
        }
        Ok(())
    }

    /// Permits free now: a snapshot.
    pub fn count(&self) -> i32 {
        // Relaxed: a snapshot for display; nothing is read on the strength of it.
        self.count.load(Ordering::Relaxed)
    }

    /// Waiters now, as the `waiting` word says: a snapshot.
    pub fn waiting(&self) -> i32 {
        // Relaxed: as in `count`.
        self.waiting.load(Ordering::Relaxed)
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A semaphore's 16 bytes.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub(crate) struct SemaphoreHeader {
    /// 0x00: permits free.
    count: i32,
    /// 0x04: processes and threads waiting.
    waiting: i32,
    /// 0x08: the largest count, 0 for unbounded.
    max_count: i32,
    /// 0x0C: zero.
    pad: i32,
}

#[cfg(not(loom))]
impl SemaphoreHeader {
    /// A semaphore holding `count` permits, at most `max_count` (0: unbounded), and no waiter.
    pub(crate) fn new(count: i32, max_count: i32) -> SemaphoreHeader {
        SemaphoreHeader {
            count,
            waiting: 0,
            max_count,
            pad: 0,
        }
    }
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<SemaphoreHeader>() == SEMAPHORE_SIZE);
    assert!(offset_of!(SemaphoreHeader, count) == SEMAPHORE_COUNT_OFFSET);
    assert!(offset_of!(SemaphoreHeader, waiting) == SEMAPHORE_WAITING_OFFSET);
    assert!(offset_of!(SemaphoreHeader, max_count) == SEMAPHORE_MAX_COUNT_OFFSET);
};

/// A counting semaphore in a segment, shared by threads and processes in any language that
/// speaks the format.
///
/// [`wait`](Semaphore::wait) takes a permit, waiting while there is none;
/// [`post`](Semaphore::post) gives one back. Waiting spins briefly, then yields, then sleeps
/// on the count's futex in steps of at most a millisecond; a post wakes a sleeper. Every
/// blocking call has a form with a time limit, [`wait_timeout`](Semaphore::wait_timeout):
/// a process that dies holding a permit never gives it back, and only a time limit gets the
/// others out of such a wait.
///
/// The handle shares ownership of the mapping: it stays valid after the [`Memory`] it came
/// from is dropped. The maximum is read once, at open, and kept in this process.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Memory, Semaphore};
/// # let name = format!("/zeroipc_doc_semaphore_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let slots = Semaphore::create(&mem, "slots", 2, 2)?;
///
/// // Another process (here, another mapping) opens it by name.
/// let other = Semaphore::open(&Memory::open(&name)?, "slots")?;
/// assert!(other.try_wait());
/// other.wait_timeout(Duration::from_secs(1))?;
/// assert!(!slots.try_wait()); // both permits taken
/// slots.post()?;
/// assert_eq!(other.count(), 1);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Semaphore {
    words: Words,
    /// `max_count` as validated at open (or chosen at create): 0 or more, 0 for unbounded.
    max_count: i32,
}

#[cfg(not(loom))]
impl Semaphore {
    /// Adds a semaphore called `name` holding `initial` permits, at most `max_count` of them
    /// (0: unbounded).
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
    /// If `initial` or `max_count` is negative, or `initial` is above a `max_count` other
    /// than 0.
    pub fn create(mem: &Memory, name: &str, initial: i32, max_count: i32) -> Result<Semaphore> {
        assert!(
            initial >= 0 && max_count >= 0,
            "a semaphore's initial count and maximum are not negative"
        );
        assert!(
            max_count == 0 || initial <= max_count,
            "a semaphore's initial count is not above its maximum"
        );
        let line = crate::schema::EntryDesc {
            params: &[("count", initial as u64), ("max", max_count as u64)],
            ..crate::schema::EntryDesc::new(name, "semaphore")
        };
        Self::create_described(mem, initial, max_count, &line)
    }

    /// [`Semaphore::create`], described in the schema by `line` (a mutex's says "mutex").
    pub(crate) fn create_described(
        mem: &Memory,
        initial: i32,
        max_count: i32,
        line: &crate::schema::EntryDesc<'_>,
    ) -> Result<Semaphore> {
        let words = Words::create_described(mem, SemaphoreHeader::new(initial, max_count), line)?;
        Ok(Semaphore { words, max_count })
    }

    /// Opens the semaphore called `name`, checking its entry (16 bytes), its maximum (not
    /// negative) and its count (from 0 to the maximum, when there is one).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::Corrupt`] naming the entry for an entry of another size,
    /// a negative maximum, or a count out of range; a validation error if the table is
    /// corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Semaphore> {
        let words = Words::open(mem, name, SEMAPHORE_SIZE, "semaphore")?;
        // Relaxed: the table's Acquire load of `entry_count` in `find` made the creator's
        // initialisation visible; `max_count` never changes after it.
        let max_count = words
            .i32(SEMAPHORE_MAX_COUNT_OFFSET)
            .load(Ordering::Relaxed);
        // Relaxed: a check of the value now, nothing more.
        let count = words.i32(SEMAPHORE_COUNT_OFFSET).load(Ordering::Relaxed);
        check_counts(name, "semaphore", count, max_count)?;
        Ok(Semaphore { words, max_count })
    }

    #[inline]
    pub(crate) fn view(&self) -> SemaphoreView<'_> {
        SemaphoreView::new(
            self.words.word(SEMAPHORE_COUNT_OFFSET),
            self.words.word(SEMAPHORE_WAITING_OFFSET),
            self.max_count,
        )
    }

    /// The table name of this semaphore.
    pub fn name(&self) -> &str {
        self.words.name()
    }

    /// The largest count a post may reach; 0 when unbounded.
    pub fn max_count(&self) -> i32 {
        self.max_count
    }

    /// Permits free now. Other processes may change it at any moment: a snapshot.
    pub fn count(&self) -> i32 {
        self.view().count()
    }

    /// Waiters now, as the shared `waiting` word counts them: a snapshot. A process that
    /// died while waiting may have left its count there.
    pub fn waiting(&self) -> i32 {
        self.view().waiting()
    }

    /// Takes a permit if one is free, without waiting; whether it took one.
    #[inline]
    pub fn try_wait(&self) -> bool {
        self.view().try_wait()
    }

    /// Takes a permit, waiting as long as it takes. A permit that a dead process held is
    /// never given back: where that can happen, use
    /// [`wait_timeout`](Semaphore::wait_timeout).
    pub fn wait(&self) {
        let taken = self.view().wait(&mut Wait::new(Duration::MAX));
        debug_assert!(taken, "a wait without a time limit only ends with a permit");
    }

    /// Takes a permit, waiting up to `timeout` for one.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if no permit came free within `timeout`; nothing was taken.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<()> {
        if self.view().wait(&mut Wait::new(timeout)) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }

    /// Gives a permit back, and wakes a waiter if there is one.
    ///
    /// A post that would take the count past the maximum is refused rather than clamped, as
    /// the other implementations refuse it: it means more posts than waits somewhere.
    ///
    /// # Errors
    ///
    /// [`Error::CountAtMaximum`] if the count is already at its maximum (`i32::MAX` for an
    /// unbounded semaphore); nothing was changed.
    pub fn post(&self) -> Result<()> {
        self.view().post().map_err(|max| Error::CountAtMaximum {
            name: self.name().to_owned(),
            max,
        })
    }

    /// Sets back what processes that died while using this semaphore can be known to have
    /// left, and reports it: the `waiting` count goes to 0 (with nobody else attached,
    /// nobody waits), and a count outside `0..=max_count` into it.
    ///
    /// What it cannot know: the format keeps no record of who holds a permit, so a permit
    /// taken by a process that died is not given back; the count stays as the dead holder
    /// left it. Give it back with [`post`](Semaphore::post) if the program knows it (a
    /// [`Mutex`](crate::Mutex), which has one permit, is unlocked by its own
    /// [`repair`](crate::Mutex::repair)).
    ///
    /// It must be alone, as [`Memory::repair`] says: refused while any other handle is
    /// attached.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] while another handle is attached (nothing is changed);
    /// [`Error::Io`] if the system refuses the lock.
    pub fn repair(&self) -> Result<crate::EntryRepair> {
        let _alone = self.words.alone()?;
        Ok(repair_words(&self.words, "semaphore"))
    }

    /// [`Mutex::repair`](crate::Mutex::repair).
    pub(crate) fn repair_as_mutex(&self) -> Result<crate::EntryRepair> {
        let _alone = self.words.alone()?;
        Ok(repair_words(&self.words, "mutex"))
    }
}

/// The repair of a semaphore's (`kind` "semaphore") or a mutex's (`kind` "mutex") words,
/// whose caller holds the segment alone: see [`Semaphore::repair`] and
/// [`Mutex::repair`](crate::Mutex::repair).
#[cfg(not(loom))]
pub(crate) fn repair_words(words: &Words, kind: &'static str) -> crate::EntryRepair {
    let mut report = crate::EntryRepair::new(words.name(), kind);
    words.reset_i32(
        &mut report,
        (SEMAPHORE_WAITING_OFFSET, "waiting"),
        0,
        "nobody is attached, so nobody waits",
    );
    // Relaxed: the segment is the caller's alone.
    let max = words
        .i32(SEMAPHORE_MAX_COUNT_OFFSET)
        .load(Ordering::Relaxed);
    // Relaxed: as above.
    let count = words.i32(SEMAPHORE_COUNT_OFFSET).load(Ordering::Relaxed);
    let count_field = (SEMAPHORE_COUNT_OFFSET, "count");
    if kind == "mutex" {
        words.reset_i32(&mut report, count_field, 1, "unlocked, its holder is gone");
    } else if count < 0 {
        words.reset_i32(&mut report, count_field, 0, "a count is never negative");
    } else if max > 0 && count > max {
        words.reset_i32(
            &mut report,
            count_field,
            max,
            "a count is at most max_count",
        );
    }
    report
}

/// Checks the count and maximum of a semaphore (or mutex) read at open.
#[cfg(not(loom))]
pub(crate) fn check_counts(name: &str, kind: &str, count: i32, max_count: i32) -> Result<()> {
    if max_count < 0 {
        return Err(Error::corrupt(
            name,
            format!("{kind} max_count {max_count} is negative"),
        ));
    }
    if count < 0 || (max_count > 0 && count > max_count) {
        let range = if max_count > 0 {
            format!("from 0 to its max_count {max_count}")
        } else {
            "0 or more".to_owned()
        };
        return Err(Error::corrupt(
            name,
            format!("{kind} count {count} is not {range}"),
        ));
    }
    Ok(())
}

#[cfg(not(loom))]
impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("name", &self.name())
            .field("count", &self.count())
            .field("max_count", &self.max_count)
            .field("segment", &self.words.segment())
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{Memory, Result, Semaphore, SEMAPHORE_SIZE};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    use crate::declare::{declare_sync, expect_i32, Declare, Mode, Params};

    declare_sync!(
        Semaphore,
        SEMAPHORE_SIZE,
        &["count", "max"],
        &[],
        &[],
        &[("count", "max")],
        declare_semaphore,
    );
    /// A semaphore of `count` permits (default 0) and maximum `max` (default 0, no bound).
    fn declare_semaphore(
        mem: &Memory,
        name: &str,
        mode: Mode,
        params: &Params,
    ) -> Result<Semaphore> {
        let max = params.i32_or("max", 0);
        match mode {
            Mode::Create => Semaphore::create(mem, name, params.i32_or("count", 0), max),
            Mode::Open => {
                let sem = Semaphore::open(mem, name)?;
                expect_i32(name, "max", max, sem.max_count())?;
                Ok(sem)
            }
        }
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("semaphore", read_entry)
            .hints(&["sem", "cond"])
            .check(|mem, name, _| {
                Some(crate::structures::opened(
                    "Semaphore",
                    Semaphore::open(mem, name),
                    |s| {
                        format!(
                            "count {}, max_count {}, {} waiting",
                            s.count(),
                            s.max_count(),
                            s.waiting()
                        )
                    },
                ))
            })
            .repair(|mem, entry| {
                let words =
                    crate::words::Words::open(mem, entry.name(), SEMAPHORE_SIZE, "semaphore")?;
                Ok(super::repair_words(&words, "semaphore"))
            })
            .example(|mem| Semaphore::create(mem, "sem", 2, 5).map(|_| "sem".to_owned()));

    /// A semaphore: a count within its maximum (or any count when unbounded), nobody waiting
    /// a negative number of times, and zero padding.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        let [count, waiting, max, pad] = crate::sync::words16(p)?;
        if pad != 0 || count < 0 || waiting < 0 || max < 0 || (max != 0 && count > max) {
            return None;
        }
        let max = if max == 0 {
            "unbounded".to_owned()
        } else {
            format!("max {max}")
        };
        Some(crate::inspect::Reading::new(
            "semaphore",
            format!("semaphore: count {count}, {max}, {waiting} waiting"),
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
    fn permits_are_taken_and_given_back_within_the_bounds() {
        let seg = Segment::new(1 << 16);
        let s = Semaphore::create(&seg.mem, "s", 2, 3).unwrap();
        assert!(s.try_wait());
        assert!(s.try_wait());
        assert!(!s.try_wait());
        assert!(matches!(
            s.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        assert_eq!(s.waiting(), 0, "a waiter that gave up is no longer counted");
        for _ in 0..3 {
            s.post().unwrap();
        }
        assert!(matches!(
            s.post(),
            Err(Error::CountAtMaximum { max: 3, .. })
        ));
        assert_eq!(s.count(), 3);
    }

    #[test]
    fn an_unbounded_semaphore_stops_at_the_largest_i32() {
        let seg = Segment::new(1 << 16);
        let s = Semaphore::create(&seg.mem, "s", i32::MAX - 1, 0).unwrap();
        s.post().unwrap();
        assert!(matches!(
            s.post(),
            Err(Error::CountAtMaximum { max: i32::MAX, .. })
        ));
    }

    #[test]
    fn a_negative_count_written_by_someone_else_holds_no_permit() {
        let seg = Segment::new(1 << 16);
        let s = Semaphore::create(&seg.mem, "s", 0, 0).unwrap();
        s.view().count.store(-5, Ordering::Relaxed);
        assert!(!s.try_wait());
        s.post().unwrap();
        assert_eq!(s.count(), -4);
    }
}
