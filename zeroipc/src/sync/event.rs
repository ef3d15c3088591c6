//! `Event`: a flag that processes wait for, set by another; auto-reset or manual-reset.
//!
//! Layout: a 12-byte entry `<name>` holding `u32 signaled` at 0x00, `u32 mode` at 0x04
//! (0 auto-reset, 1 manual-reset) and `u32 waiting` at 0x08; then a semaphore entry
//! `<name>_sem` (count 0, unbounded), created after it.
//!
//! A manual-reset event is its `signaled` word: waiters watch it until it is 1. An
//! auto-reset event hands each set to one waiter through the semaphore: a waiter takes a
//! permit (counting itself in the semaphore's `waiting` word while it has to wait) and then
//! lowers the flag, as the other implementations' waiters do. A set raises the flag and adds a
//! permit unless one is already pending beyond those of the blocked waiters: so each set
//! while waiters are blocked releases one of them, and sets that nobody waited for count
//! once, as an event's should. (The other implementations post on every set, so their sets
//! pile up.) A reset lowers the flag and takes back every permit beyond those of the blocked
//! waiters. Set and reset decide on the semaphore's two words, with one exchange of the
//! count, so they agree whatever their order: the flag is only kept up to date for the other
//! implementations, which read it. (A waiter that died left its count in `waiting`: later
//! sets then leave that many permits more, which the next waiters take.)
//!
//! The algorithm is written once, over [`EventView`] (its two live words and its
//! semaphore's two); the handle [`Event`] builds the view from a mapping, and the loom tests build
//! it from heap atomics.

use crate::atomic::{AtomicU32, Ordering};
use crate::sync::semaphore::SemaphoreView;
use crate::sync::{wake_all, wake_one, I32};
use crate::wait::Wait;

#[cfg(not(loom))]
use std::fmt;
#[cfg(not(loom))]
use std::time::Duration;

#[cfg(not(loom))]
use bytemuck::{Pod, Zeroable};

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    layout,
    memory::Memory,
    parts::{part_name, Parts},
    sync::semaphore::Semaphore,
    words::Words,
};

/// Offset of `signaled` in the event's entry.
#[cfg(not(loom))]
const SIGNALED_OFFSET: usize = 0x00;
/// Offset of `mode`.
#[cfg(not(loom))]
const MODE_OFFSET: usize = 0x04;
/// Offset of `waiting`.
#[cfg(not(loom))]
const WAITING_OFFSET: usize = 0x08;

/// `mode` of an auto-reset event.
#[cfg(not(loom))]
const AUTO_RESET: u32 = 0;
/// `mode` of a manual-reset event.
#[cfg(not(loom))]
const MANUAL_RESET: u32 = 1;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of an event's own entry: `u32 signaled, u32 mode, u32 waiting`.
pub const EVENT_SIZE: usize = 12;

/// Suffix of an event's semaphore entry.
pub const EVENT_SEM_SUFFIX: &str = "_sem";

// ---- The algorithm -------------------------------------------------------------------------

/// An event as the algorithm sees it: its `signaled` and `waiting` words, its semaphore's
/// `count` and `waiting` words (and the view of the semaphore over them), and its mode.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct EventView<'a> {
    signaled: &'a AtomicU32,
    waiting: &'a AtomicU32,
    /// The semaphore's `count`: the permits, granted to blocked waiters or pending.
    sem_count: I32<'a>,
    /// The semaphore's `waiting`: the waiters blocked on it, in any implementation.
    sem_waiting: I32<'a>,
    sem: SemaphoreView<'a>,
    /// Whether the event is manual-reset: `mode` as validated at open, never re-read.
    manual: bool,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> EventView<'a> {
    /// The view of the event whose words are `signaled` and `waiting`, with the semaphore
    /// whose words are `sem_count` and `sem_waiting`; manual-reset if `manual`.
    pub fn new(
        signaled: &'a AtomicU32,
        waiting: &'a AtomicU32,
        sem_count: &'a AtomicU32,
        sem_waiting: &'a AtomicU32,
        manual: bool,
    ) -> EventView<'a> {
        EventView {
            signaled,
            waiting,
            sem_count: I32::new(sem_count),
            sem_waiting: I32::new(sem_waiting),
            sem: SemaphoreView::new(sem_count, sem_waiting, 0),
            manual,
        }
    }

    /// Whether the event is set now: a snapshot. An auto-reset event is set when its
    /// semaphore holds a permit beyond those of the blocked waiters: the next wait would pass.
    pub fn is_set(&self) -> bool {
        if self.manual {
            // Relaxed: a snapshot; nothing is read on the strength of it.
            self.signaled.load(Ordering::Relaxed) != 0
        } else {
            // Relaxed, both: as above.
            let permits = self.sem_count.load(Ordering::Relaxed);
            permits > self.sem_waiting.load(Ordering::Relaxed).max(0)
        }
    }

    /// Sets the event (see `Event::set`).
    pub fn set(&self) {
        if self.manual {
            // Release: pairs with the Acquire load of `signaled` in `try_wait`, so what the
            // setter did before the set happens before what a waiter does after it.
            self.signaled.swap(1, Ordering::Release);
            wake_all(self.signaled);
            return;
        }
        // Relaxed: the flag is kept for the other implementations (whose waiters lower it
        // after taking a permit, and whose readers show it); this one decides on the
        // semaphore's words below, which carry the ordering.
        self.signaled.store(1, Ordering::Relaxed);
        // Relaxed: a first guess; the exchange below decides.
        let mut permits = self.sem_count.load(Ordering::Relaxed);
        // Exit: the exchange wrote the count (one more, or the same); a failed exchange means
        // that a peer changed it meanwhile, so every turn is someone's progress.
        loop {
            // SeqCst: with the SeqCst increment of `waiting` in the semaphore's `wait` and
            // the SeqCst exchange below: a waiter that counted itself before this set is
            // counted here.
            let waiters = self.sem_waiting.load(Ordering::SeqCst).max(0);
            // A permit for each blocked waiter and one pending: a set adds one unless a
            // pending one is there already (sets nobody waited for count once). Never past
            // i32::MAX, which only another process could have brought near.
            let post = permits <= waiters && permits < i32::MAX;
            let new = if post { permits + 1 } else { permits };
            // SeqCst: its Release half pairs with the Acquire exchange in the semaphore's
            // `try_wait` of the waiter that takes this permit, or, for a set that adds none,
            // of the waiter that takes the pending one (the exchange writes the count even
            // then, so that waiter reads from it or from a later exchange): either way what
            // the setter did before the set happens before what the waiter does after. With
            // the SeqCst load of `waiting` above and below (see there).
            match self
                .sem_count
                .compare_exchange(permits, new, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => {
                    // SeqCst: pairs with the SeqCst increment of `waiting` in the semaphore's
                    // `wait`: either that waiter's next look finds the permit, or this finds
                    // the waiter and wakes it.
                    if post && self.sem_waiting.load(Ordering::SeqCst) > 0 {
                        wake_one(self.sem_count.word());
                    }
                    return;
                }
                // Relaxed: only retried with the value found.
                Err(now) => permits = now,
            }
        }
    }

    /// Resets the event (see `Event::reset`).
    pub fn reset(&self) {
        // Relaxed: lowering the flag publishes nothing; waiters only act on a raised one.
        self.signaled.store(0, Ordering::Relaxed);
        if self.manual {
            return;
        }
        // Relaxed: a first guess; the exchange below decides.
        let mut permits = self.sem_count.load(Ordering::Relaxed);
        // Exit: no permit is left beyond those of the blocked waiters. Each turn takes one,
        // or fails because a peer changed the count meanwhile: someone's progress.
        loop {
            // SeqCst: as in `set`: a waiter that counted itself before this look keeps the
            // permit a set made for it.
            let waiters = self.sem_waiting.load(Ordering::SeqCst).max(0);
            if permits <= waiters {
                return;
            }
            // SeqCst: ordered with the exchanges of `set` and the increments of `waiting`,
            // as there; taking a pending permit back reads nothing the setter wrote.
            match self.sem_count.compare_exchange(
                permits,
                permits - 1,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => permits -= 1,
                // Relaxed: only retried with the value found.
                Err(now) => permits = now,
            }
        }
    }

    /// Whether the event is set, consuming the set of an auto-reset event; never waits.
    pub fn try_wait(&self) -> bool {
        if self.manual {
            // Acquire: pairs with the Release swap in `set`.
            self.signaled.load(Ordering::Acquire) != 0
        } else if self.sem.try_wait() {
            self.consumed();
            true
        } else {
            false
        }
    }

    /// Waits with `wait` until the event is set (consuming the set of an auto-reset event);
    /// `false` once `wait` gives up, with nothing consumed.
    pub fn wait(&self, wait: &mut Wait) -> bool {
        if !self.manual {
            let taken = self.sem.wait(wait);
            if taken {
                self.consumed();
            }
            return taken;
        }
        if self.try_wait() {
            return true;
        }
        // Relaxed: `waiting` is a count for display and for peers' pulses; no data hangs on
        // it, and the futex wait below looks at `signaled` itself.
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let set = loop {
            if self.try_wait() {
                break true;
            }
            // Exit: the flag raised (above), or the time is up. The futex sleeps only while
            // the word is still 0, and `set` wakes sleepers after raising it.
            if !wait.wait(self.signaled, 0) {
                break false;
            }
        };
        // Relaxed: as the increment.
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        set
    }

    /// After an auto-reset waiter took the permit: lowers the flag, as the other
    /// implementations' waiters do.
    fn consumed(&self) {
        // Relaxed: the semaphore's Acquire exchange that took the permit already ordered this
        // waiter after the set; lowering the flag publishes nothing.
        self.signaled.store(0, Ordering::Relaxed);
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

#[cfg(not(loom))]
/// An event's 12 bytes.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct EventHeader {
    /// 0x00: 1 when set.
    signaled: u32,
    /// 0x04: 0 auto-reset, 1 manual-reset.
    mode: u32,
    /// 0x08: manual-reset waiters.
    waiting: u32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<EventHeader>() == EVENT_SIZE);
    assert!(offset_of!(EventHeader, signaled) == SIGNALED_OFFSET);
    assert!(offset_of!(EventHeader, mode) == MODE_OFFSET);
    assert!(offset_of!(EventHeader, waiting) == WAITING_OFFSET);
};

#[cfg(not(loom))]
/// An event in a segment, shared by threads and processes in any language that speaks the
/// format.
///
/// A **manual-reset** event, once [`set`](Event::set), lets every waiter through until someone
/// [`reset`](Event::reset)s it. An **auto-reset** event lets one waiter through per set, and
/// that waiter resets it.
///
/// An event is two table entries, `<name>` and `<name>_sem`, so `name` must leave room for the
/// suffix (27 bytes at most). The [`segment`](crate::segment) macro does not declare events:
/// it declares one entry per field, and an event is two.
///
/// A process that dies never sets the event it meant to set: [`wait`](Event::wait) would
/// then wait for ever; [`wait_timeout`](Event::wait_timeout) reports [`Error::Timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Event, Memory};
/// # let name = format!("/zeroipc_doc_event_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let ready = Event::create(&mem, "ready", true)?; // manual-reset
/// let other = Event::open(&Memory::open(&name)?, "ready")?;
/// assert!(!other.try_wait());
/// ready.set();
/// other.wait_timeout(Duration::from_secs(1))?;
/// assert!(other.try_wait()); // still set: manual reset
/// ready.reset();
/// assert!(!other.is_set());
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Event {
    words: Words,
    /// The words of the semaphore `<name>_sem`, checked at open as [`Semaphore::open`] does.
    sem: Words,
    /// Whether the event is manual-reset: `mode` as validated at open, never re-read.
    manual: bool,
}

#[cfg(not(loom))]
impl Event {
    /// Adds an event called `name`, not set: manual-reset if `manual_reset`, auto-reset
    /// otherwise. Adds the entries `name` and then `name_sem`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] if `name_sem` would be longer than 31 bytes,
    /// [`Error::InvalidName`], [`Error::AlreadyExists`] if either name is taken,
    /// [`Error::TableFull`] or [`Error::OutOfSpace`] if the two entries do not both fit; a
    /// validation error if the table is corrupt. Each is found before anything is added, so
    /// the segment is unchanged (unless another process adds entries at the same moment and
    /// takes the last room: then the entries added so far stay).
    pub fn create(mem: &Memory, name: &str, manual_reset: bool) -> Result<Event> {
        let sem_name = part_name(name, EVENT_SEM_SUFFIX);
        let header = EventHeader {
            signaled: 0,
            mode: if manual_reset {
                MANUAL_RESET
            } else {
                AUTO_RESET
            },
            waiting: 0,
        };
        Parts::default()
            .words(name, header)
            .semaphore(&sem_name, 0, 0)
            .add_described(
                mem,
                &crate::schema::EntryDesc {
                    params: &[("manual_reset", u64::from(manual_reset))],
                    parts: &[&sem_name],
                    ..crate::schema::EntryDesc::new(name, "event")
                },
            )?;
        Event::open(mem, name)
    }

    /// Opens the event called `name`, checking its entry (12 bytes, `mode` 0 or 1,
    /// `signaled` 0 or 1, `waiting` not above `i32::MAX`) and its semaphore `name_sem` (as
    /// [`Semaphore::open`] does, and unbounded).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] naming whichever entry is missing; [`Error::Corrupt`] naming the
    /// entry at fault; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Event> {
        let words = Words::open(mem, name, EVENT_SIZE, "event")?;
        // Relaxed, all three: the table's Acquire load of `entry_count` in `find` made the
        // creator's initialisation visible; these are checks of the values now.
        let mode = words.word(MODE_OFFSET).load(Ordering::Relaxed);
        let signaled = words.word(SIGNALED_OFFSET).load(Ordering::Relaxed);
        let waiting = words.word(WAITING_OFFSET).load(Ordering::Relaxed);
        if mode != AUTO_RESET && mode != MANUAL_RESET {
            return Err(Error::corrupt(
                name,
                format!("event mode {mode} is neither 0 (auto-reset) nor 1 (manual-reset)"),
            ));
        }
        if signaled > 1 {
            return Err(Error::corrupt(
                name,
                format!("event signaled flag {signaled} is neither 0 nor 1"),
            ));
        }
        if waiting > i32::MAX as u32 {
            return Err(Error::corrupt(
                name,
                format!("event waiting count {waiting} is above i32::MAX"),
            ));
        }
        let sem_name = part_name(name, EVENT_SEM_SUFFIX);
        let sem = Semaphore::open(mem, &sem_name)?;
        if sem.max_count() != 0 {
            return Err(Error::corrupt(
                &sem_name,
                format!(
                    "an event's semaphore is unbounded (max_count 0), and this one has {}",
                    sem.max_count()
                ),
            ));
        }
        let sem = sem_words(mem, &sem_name)?;
        Ok(Event {
            words,
            sem,
            manual: mode == MANUAL_RESET,
        })
    }

    /// The table name of this event.
    pub fn name(&self) -> &str {
        self.words.name()
    }

    /// Whether the event is manual-reset.
    pub fn is_manual_reset(&self) -> bool {
        self.manual
    }

    /// Whether the event was set at the moment of the call: a snapshot. For an auto-reset
    /// event: whether a set is pending that no blocked waiter is about to take, so that the
    /// next wait would pass.
    pub fn is_set(&self) -> bool {
        self.view().is_set()
    }

    #[inline]
    fn view(&self) -> EventView<'_> {
        EventView::new(
            self.words.word(SIGNALED_OFFSET),
            self.words.word(WAITING_OFFSET),
            self.sem.word(layout::fields::SEMAPHORE_COUNT_OFFSET),
            self.sem.word(layout::fields::SEMAPHORE_WAITING_OFFSET),
            self.manual,
        )
    }

    /// Sets the event: lets every waiter through (manual-reset) or one waiter (auto-reset).
    ///
    /// Each set of an auto-reset event while waiters are blocked releases one of them; a set
    /// that finds nobody waiting leaves the event set for the next waiter, and setting an
    /// event that is set already (with nobody waiting) changes nothing.
    pub fn set(&self) {
        self.view().set();
    }

    /// Resets the event, so that waiters wait again. For an auto-reset event, takes back
    /// what sets left pending for no waiter (also the permits that the other
    /// implementations' sets pile up); waiters that a set already released stay released.
    /// After a reset returns, no wait passes without a later set. (A set at the same moment as
    /// a reset may leave the event set: one of them comes first.)
    pub fn reset(&self) {
        self.view().reset();
    }

    /// Whether the event is set, consuming the set of an auto-reset event; never waits.
    pub fn try_wait(&self) -> bool {
        self.view().try_wait()
    }

    /// Waits until the event is set, as long as it takes (consuming the set of an auto-reset
    /// event). Where the setter may die, use [`wait_timeout`](Event::wait_timeout).
    pub fn wait(&self) {
        let done = self.view().wait(&mut Wait::new(Duration::MAX));
        debug_assert!(
            done,
            "a wait without a time limit only ends when the event is set"
        );
    }

    /// Waits up to `timeout` for the event to be set (consuming the set of an auto-reset
    /// event).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if it was not set within `timeout`; nothing was consumed.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<()> {
        if self.view().wait(&mut Wait::new(timeout)) {
            Ok(())
        } else {
            Err(Error::Timeout)
        }
    }
}

/// The words of an event's semaphore, which `Semaphore::create` or `Semaphore::open` has
/// just checked.
#[cfg(not(loom))]
fn sem_words(mem: &Memory, sem_name: &str) -> Result<Words> {
    Words::open(mem, sem_name, layout::SEMAPHORE_SIZE, "semaphore")
}

#[cfg(not(loom))]
impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("name", &self.name())
            .field("manual_reset", &self.manual)
            .field("set", &self.is_set())
            .field("segment", &self.words.segment())
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{Event, EVENT_SIZE};

    // ---- Its declaration, for `#[zeroipc::segment]`: auto-reset --------------------------

    crate::declare::declare_composite!(
        Event,
        "event",
        [EVENT_SIZE, crate::layout::SEMAPHORE_SIZE],
        0,
        |mem, name| Event::create(mem, name, false),
    );

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("event", read_entry)
            .example(|mem| Event::create(mem, "ev", true).map(|_| "ev".to_owned()));

    /// An event's own entry: 12 bytes, a flag and a mode of 0 or 1, a waiter count.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        if p.size != EVENT_SIZE as u64 {
            return None;
        }
        let w = crate::inspect::words(p.head.get(..12)?);
        if w[0] > 1 || w[1] > 1 || (w[2] as i32) < 0 {
            return None;
        }
        let signaled = if w[0] == 1 { "set" } else { "clear" };
        let mode = if w[1] == 1 {
            "manual-reset"
        } else {
            "auto-reset"
        };
        Some(crate::inspect::Reading::new(
            "event",
            format!("event: {signaled}, {mode}, {} waiting", w[2]),
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
    fn an_auto_reset_event_lets_one_waiter_through_per_set() {
        let seg = Segment::new(1 << 16);
        let e = Event::create(&seg.mem, "e", false).unwrap();
        assert!(!e.try_wait());
        e.set();
        e.set();
        assert!(e.is_set());
        assert!(e.try_wait());
        assert!(!e.is_set());
        assert!(!e.try_wait(), "two sets before a wait count once");
        e.set();
        e.reset();
        assert!(matches!(
            e.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
    }

    #[test]
    fn two_sets_with_two_waiters_blocked_release_both() {
        let seg = Segment::new(1 << 16);
        let e = Event::create(&seg.mem, "e", false).unwrap();
        let sem = Semaphore::open(&seg.mem, "e_sem").unwrap();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let e = e.clone();
                std::thread::spawn(move || e.wait_timeout(Duration::from_secs(10)))
            })
            .collect();
        // Exit: both waiters found no permit and counted themselves in the semaphore.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while sem.waiting() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the waiters never blocked"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        e.set();
        e.set();
        for w in waiters {
            w.join()
                .unwrap()
                .expect("each set releases one of the blocked waiters");
        }
        assert!(!e.is_set());
        assert!(!e.try_wait(), "both sets went to the waiters");
    }

    #[test]
    fn a_reset_takes_back_what_sets_left_and_nothing_passes_after_it() {
        let seg = Segment::new(1 << 16);
        let e = Event::create(&seg.mem, "e", false).unwrap();
        let sem = Semaphore::open(&seg.mem, "e_sem").unwrap();
        e.set();
        e.set();
        assert_eq!(sem.count(), 1, "two sets with nobody waiting count once");
        e.reset();
        assert_eq!(sem.count(), 0);
        assert!(!e.is_set());
        // A permit that another implementation's sets piled up is taken back too.
        sem.post().unwrap();
        sem.post().unwrap();
        assert!(e.is_set());
        e.reset();
        assert!(!e.is_set());
        assert!(!e.try_wait());
    }

    #[test]
    fn a_manual_reset_event_stays_set_until_reset() {
        let seg = Segment::new(1 << 16);
        let e = Event::create(&seg.mem, "e", true).unwrap();
        assert!(matches!(
            e.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        e.set();
        e.wait();
        assert!(e.try_wait());
        e.reset();
        assert!(!e.try_wait());
    }
}
