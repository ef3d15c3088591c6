//! `Barrier`: a reusable meeting point for a fixed number of participants.
//!
//! Layout (16 bytes): `i32 arrived` at 0x00 (participants waiting in this generation),
//! `i32 generation` at 0x04 (times the barrier has opened, wrapping), `i32 num_participants`
//! at 0x08, `i32` padding.
//!
//! A participant reads `generation`, then adds itself to `arrived`. The one whose arrival
//! makes `num_participants` is the leader: it resets `arrived` to 0 and bumps `generation`,
//! which releases the others, who wait for `generation` to change. The same algorithm as
//! the other implementations', so they can meet at one barrier.
//!
//! A waiter that runs out of time takes its arrival back, unless the barrier is opening: once
//! `arrived` has reached `num_participants` (or the leader has reset it) the arrival counted,
//! and the waiter waits for the new generation instead (up to a second more), so that a
//! timed-out participant does not report a failure for a barrier that opened with it. Only a
//! leader that dies (or stalls for that second) between reaching the count and bumping the
//! generation makes an arrival that counted report a time-out.
//!
//! A limit of the format's two-word algorithm, in every implementation: an arrival made
//! between the leader's reset of `arrived` and its bump of `generation` reads the old
//! generation, so it is released by this opening although it counts towards the next. Only a
//! participant that is not held at the barrier can arrive then: one whose wait timed out and
//! that tries again, or a process that is not one of the participants.
//!
//! The algorithm is written once, over [`BarrierView`]; the handle [`Barrier`] builds the
//! view from a mapping, and the loom tests build it from heap atomics.

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

/// Size of a barrier: `i32 arrived, i32 generation, i32 num_participants, i32 pad`.
pub const BARRIER_SIZE: usize = 16;

/// Offset of a barrier's `i32 arrived` (participants waiting in this generation).
pub const BARRIER_ARRIVED_OFFSET: usize = 0x00;

/// Offset of a barrier's `i32 generation` (times the barrier has opened, wrapping).
pub const BARRIER_GENERATION_OFFSET: usize = 0x04;

/// Offset of a barrier's `i32 num_participants`.
pub const BARRIER_PARTICIPANTS_OFFSET: usize = 0x08;

// ---- The algorithm -------------------------------------------------------------------------

/// How a participant left the barrier.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passage {
    /// Its arrival opened the barrier.
    Leader,
    /// Another participant's arrival opened it.
    Follower,
    /// The wait gave up and the arrival was taken back.
    TimedOut,
}

/// A barrier as the algorithm sees it: its two live words and its size.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct BarrierView<'a> {
    arrived: I32<'a>,
    generation: I32<'a>,
    /// `num_participants`: 1 or more. Private: read once, validated, never re-read.
    participants: i32,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> BarrierView<'a> {
    /// # Panics
    ///
    /// If `participants` is below 1. Callers pass a value they validated.
    pub fn new(
        arrived: &'a AtomicU32,
        generation: &'a AtomicU32,
        participants: i32,
    ) -> BarrierView<'a> {
        assert!(
            participants >= 1,
            "num_participants is validated before a view is built"
        );
        BarrierView {
            arrived: I32::new(arrived),
            generation: I32::new(generation),
            participants,
        }
    }

    /// Arrives and waits, with `wait`, for the others.
    pub fn wait(&self, wait: &mut Wait) -> Passage {
        // Acquire: pairs with the Release bump of `generation` in `open` by the previous
        // generation's leader, so its reset of `arrived` comes before the increment below.
        let generation = self.generation.load(Ordering::Acquire);
        // AcqRel: the Release half hands what this participant did before arriving to the
        // leader, whose increment reads this one (or a later one in the chain of increments);
        // the Acquire half, for the leader, takes in what every participant did.
        let arrived = self.arrived.fetch_add(1, Ordering::AcqRel).wrapping_add(1);
        // At or past the participants: a count past them (a segment someone else wrote, or a
        // peer that died while opening) opens the barrier rather than hangs it.
        if arrived >= self.participants {
            self.open();
            return Passage::Leader;
        }
        // Exit: the generation changed, or the time is up and the arrival is settled.
        loop {
            if self.has_opened(generation) {
                return Passage::Follower;
            }
            if !wait.wait(self.generation.word(), generation as u32) {
                return self.withdraw(generation);
            }
        }
    }

    /// Whether the barrier has opened since `generation`.
    #[inline]
    fn has_opened(&self, generation: i32) -> bool {
        // Acquire: pairs with the Release bump in `open`, so what every participant did before
        // arriving happens before what this one does next. Generations wrap; the leader adds
        // exactly one, so any difference means "opened".
        self.generation.load(Ordering::Acquire) != generation
    }

    /// Resets the count and releases this generation.
    fn open(&self) {
        // Relaxed: published by the Release bump below; the next generation's arrivals read
        // the generation (Acquire) before they increment.
        self.arrived.store(0, Ordering::Relaxed);
        // Release: pairs with the Acquire loads of `generation` in `has_opened` (this
        // generation's waiters) and at the start of `wait` (the next generation's arrivals).
        self.generation.fetch_add(1, Ordering::Release);
        wake_all(self.generation.word());
    }

    /// After a wait for `generation` gave up: takes the arrival back, or, if the barrier is
    /// opening with it, waits (a bounded time) for it to open.
    fn withdraw(&self, generation: i32) -> Passage {
        let mut patience = Wait::for_slot();
        // Exit: opened, taken back, or the leader took too long to open it.
        loop {
            if self.has_opened(generation) {
                return Passage::Follower;
            }
            // Relaxed: the exchange below checks it.
            let arrived = self.arrived.load(Ordering::Relaxed);
            if arrived >= self.participants || arrived <= 0 {
                // The last participant has arrived (or reset the count): this arrival counted
                // and the barrier is opening. Give the leader time to bump the generation; if
                // it died in between, report the time-out. (A caller that then arrives again
                // while a live but slow leader is still opening would be counted in the next
                // generation too: the patience is long enough that only a dead leader runs it
                // out.)
                if !patience.wait(self.generation.word(), generation as u32) {
                    return Passage::TimedOut;
                }
                continue;
            }
            // Relaxed: taking an arrival back publishes nothing.
            if self
                .arrived
                .compare_exchange(arrived, arrived - 1, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                return Passage::TimedOut;
            }
        }
    }

    /// Participants waiting now: a snapshot.
    pub fn arrived(&self) -> i32 {
        // Relaxed: a snapshot for display; nothing is read on the strength of it.
        self.arrived.load(Ordering::Relaxed)
    }

    /// Times the barrier has opened (wrapping): a snapshot.
    pub fn generation(&self) -> i32 {
        // Relaxed: as in `arrived`.
        self.generation.load(Ordering::Relaxed)
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A barrier's 16 bytes.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct BarrierHeader {
    /// 0x00: participants waiting.
    arrived: i32,
    /// 0x04: openings so far.
    generation: i32,
    /// 0x08: participants per generation.
    num_participants: i32,
    /// 0x0C: zero.
    pad: i32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<BarrierHeader>() == BARRIER_SIZE);
    assert!(offset_of!(BarrierHeader, arrived) == BARRIER_ARRIVED_OFFSET);
    assert!(offset_of!(BarrierHeader, generation) == BARRIER_GENERATION_OFFSET);
    assert!(offset_of!(BarrierHeader, num_participants) == BARRIER_PARTICIPANTS_OFFSET);
};

/// A reusable barrier in a segment: `num_participants` threads or processes, in any language
/// that speaks the format, wait at it until all have arrived, then all go on; then it is
/// ready for the next round (a new generation).
///
/// Waiting spins briefly, then yields, then sleeps on the generation's futex in steps of at
/// most a millisecond; the last arrival wakes the sleepers. A participant that dies never
/// arrives: [`wait`](Barrier::wait) would then wait for ever, and
/// [`wait_timeout`](Barrier::wait_timeout) reports [`Error::Timeout`] after taking its own
/// arrival back, so the barrier is as it was before it came.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Barrier, Memory};
/// # let name = format!("/zeroipc_doc_barrier_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let phase = Barrier::create(&mem, "phase", 2)?;
///
/// let other = Barrier::open(&Memory::open(&name)?, "phase")?;
/// let peer = std::thread::spawn(move || other.wait_timeout(Duration::from_secs(10)));
/// let leader_here = phase.wait_timeout(Duration::from_secs(10))?;
/// let leader_there = peer.join().unwrap()?;
/// assert!(leader_here != leader_there); // exactly one leader per generation
/// assert_eq!(phase.generation(), 1);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Barrier {
    words: Words,
    /// `num_participants` as validated at open (or chosen at create): 1 or more.
    participants: i32,
}

#[cfg(not(loom))]
impl Barrier {
    /// Adds a barrier called `name` for `participants` participants.
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
    /// If `participants` is below 1.
    pub fn create(mem: &Memory, name: &str, participants: i32) -> Result<Barrier> {
        assert!(participants >= 1, "a barrier has at least one participant");
        let header = BarrierHeader {
            arrived: 0,
            generation: 0,
            num_participants: participants,
            pad: 0,
        };
        let line = crate::schema::EntryDesc {
            params: &[("participants", participants as u64)],
            ..crate::schema::EntryDesc::new(name, "barrier")
        };
        let words = Words::create_described(mem, header, &line)?;
        Ok(Barrier {
            words,
            participants,
        })
    }

    /// Opens the barrier called `name`, checking its entry (16 bytes), its participants (1 or
    /// more) and its arrivals (from 0 to the participants).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::Corrupt`] naming the entry for an entry of another size
    /// or counts out of range; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Barrier> {
        let words = Words::open(mem, name, BARRIER_SIZE, "barrier")?;
        // Relaxed: the table's Acquire load of `entry_count` in `find` made the creator's
        // initialisation visible; `num_participants` never changes after it.
        let participants = words
            .i32(BARRIER_PARTICIPANTS_OFFSET)
            .load(Ordering::Relaxed);
        // Relaxed: a check of the value now, nothing more.
        let arrived = words.i32(BARRIER_ARRIVED_OFFSET).load(Ordering::Relaxed);
        if participants < 1 {
            return Err(Error::corrupt(
                name,
                format!("barrier num_participants {participants} is not 1 or more"),
            ));
        }
        // Up to and including `participants`: the leader holds the count there for a moment
        // before it resets it.
        if !(0..=participants).contains(&arrived) {
            return Err(Error::corrupt(
                name,
                format!("barrier arrived {arrived} is not from 0 to its num_participants {participants}"),
            ));
        }
        Ok(Barrier {
            words,
            participants,
        })
    }

    #[inline]
    fn view(&self) -> BarrierView<'_> {
        BarrierView::new(
            self.words.word(BARRIER_ARRIVED_OFFSET),
            self.words.word(BARRIER_GENERATION_OFFSET),
            self.participants,
        )
    }

    /// The table name of this barrier.
    pub fn name(&self) -> &str {
        self.words.name()
    }

    /// The participants of each generation.
    pub fn participants(&self) -> i32 {
        self.participants
    }

    /// Participants waiting now: a snapshot.
    pub fn arrived(&self) -> i32 {
        self.view().arrived()
    }

    /// Times the barrier has opened (wrapping at the ends of `i32`): a snapshot.
    pub fn generation(&self) -> i32 {
        self.view().generation()
    }

    /// Arrives and waits for the other participants, as long as it takes; returns whether
    /// this caller was the leader (the last to arrive, which opened the barrier): exactly one
    /// participant of each generation is.
    pub fn wait(&self) -> bool {
        // A wait without a time limit never gives up, so never times out.
        self.view().wait(&mut Wait::new(Duration::MAX)) == Passage::Leader
    }

    /// Arrives and waits up to `timeout` for the other participants; returns whether this
    /// caller was the leader.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the others did not all arrive within `timeout`. This caller's
    /// arrival has then been taken back (unless the barrier was opening at that moment, in
    /// which case the call waits a little longer and succeeds).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool> {
        match self.view().wait(&mut Wait::new(timeout)) {
            Passage::Leader => Ok(true),
            Passage::Follower => Ok(false),
            Passage::TimedOut => Err(Error::Timeout),
        }
    }

    /// Takes back the arrivals of the current generation, and reports it: with nobody else
    /// attached, nobody waits at the barrier, so they are the arrivals of participants that
    /// died waiting (or of a leader that died opening it). The generation is not changed.
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
        Ok(repair_words(&self.words))
    }
}

/// The repair of a barrier's words, whose caller holds the segment alone: see
/// [`Barrier::repair`].
#[cfg(not(loom))]
fn repair_words(words: &Words) -> crate::EntryRepair {
    let mut report = crate::EntryRepair::new(words.name(), "barrier");
    words.reset_i32(
        &mut report,
        (BARRIER_ARRIVED_OFFSET, "arrived"),
        0,
        "nobody is attached, so nobody waits",
    );
    report
}

#[cfg(not(loom))]
impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("name", &self.name())
            .field("arrived", &self.arrived())
            .field("participants", &self.participants)
            .field("generation", &self.generation())
            .field("segment", &self.words.segment())
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{Barrier, Memory, Result, BARRIER_SIZE};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    use crate::declare::{declare_sync, expect_i32, Declare, Mode, Params};

    declare_sync!(
        Barrier,
        BARRIER_SIZE,
        &["participants"],
        &["participants"],
        &["participants"],
        &[],
        declare_barrier,
    );
    /// A barrier of `participants` (required, at least 1; checked on open).
    fn declare_barrier(mem: &Memory, name: &str, mode: Mode, params: &Params) -> Result<Barrier> {
        let participants = params.i32_or("participants", 1);
        match mode {
            Mode::Create => Barrier::create(mem, name, participants),
            Mode::Open => {
                let barrier = Barrier::open(mem, name)?;
                expect_i32(name, "participants", participants, barrier.participants())?;
                Ok(barrier)
            }
        }
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("barrier", read_entry)
            .hints(&["barrier"])
            .check(|mem, name, _| {
                Some(crate::structures::opened(
                    "Barrier",
                    Barrier::open(mem, name),
                    |b| {
                        format!(
                            "{} of {} arrived, generation {}",
                            b.arrived(),
                            b.participants(),
                            b.generation()
                        )
                    },
                ))
            })
            .repair(|mem, entry| {
                let words = crate::words::Words::open(mem, entry.name(), BARRIER_SIZE, "barrier")?;
                Ok(super::repair_words(&words))
            })
            .example(|mem| Barrier::create(mem, "barrier", 3).map(|_| "barrier".to_owned()));

    /// A barrier: fewer arrivals than its positive number of participants, and zero padding.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        let [arrived, generation, participants, pad] = crate::sync::words16(p)?;
        if pad != 0 || participants <= 0 || !(0..participants).contains(&arrived) || generation < 0
        {
            return None;
        }
        Some(crate::inspect::Reading::new(
            "barrier",
            format!("barrier: {arrived} of {participants} arrived, generation {generation}"),
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
    fn a_lone_participant_leads_every_generation() {
        let seg = Segment::new(1 << 16);
        let b = Barrier::create(&seg.mem, "b", 1).unwrap();
        assert!(b.wait());
        assert!(b.wait_timeout(Duration::ZERO).unwrap());
        assert_eq!(b.generation(), 2);
        assert_eq!(b.arrived(), 0);
    }

    #[test]
    fn a_participant_that_times_out_takes_its_arrival_back() {
        let seg = Segment::new(1 << 16);
        let b = Barrier::create(&seg.mem, "b", 2).unwrap();
        assert!(matches!(
            b.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        assert_eq!(b.arrived(), 0);
        assert_eq!(b.generation(), 0);
    }

    #[test]
    fn a_withdrawal_while_the_barrier_opens_counts_as_passing() {
        let seg = Segment::new(1 << 16);
        let b = Barrier::create(&seg.mem, "b", 2).unwrap();
        let view = b.view();
        // As if this participant arrived in generation 0, and the leader then reached the
        // count but has not bumped the generation yet.
        view.arrived.store(2, Ordering::Relaxed);
        let opener = std::thread::spawn({
            let b = b.clone();
            move || {
                std::thread::sleep(Duration::from_millis(20));
                b.view().open();
            }
        });
        assert_eq!(view.withdraw(0), Passage::Follower);
        opener.join().unwrap();
        assert_eq!((b.arrived(), b.generation()), (0, 1));
    }

    #[test]
    fn a_leader_that_died_before_opening_times_the_withdrawal_out() {
        let seg = Segment::new(1 << 16);
        let b = Barrier::create(&seg.mem, "b", 2).unwrap();
        b.view().arrived.store(2, Ordering::Relaxed);
        assert_eq!(b.view().withdraw(0), Passage::TimedOut);
        // The next arrival finds the count at the participants and opens the barrier.
        assert!(b.wait_timeout(Duration::ZERO).unwrap());
        assert_eq!((b.arrived(), b.generation()), (0, 1));
    }
}
