//! `Queue<T>`: a bounded multi-producer, multi-consumer FIFO queue (Vyukov's algorithm).
//!
//! Layout (offsets from the structure's start): `u32 head` at 0x00, `u32 tail` at 0x04,
//! `u32 capacity` at 0x08, `u32 elem_size` at 0x0C; `capacity` elements from 16; then
//! `capacity` per-slot `u32` sequence numbers at `16 + align8(capacity * elem_size)`.
//!
//! `head` and `tail` are free-running positions that wrap at 2^32; position `p` lives in slot
//! `p % capacity` (capacity is a power of two, so that is `p & (capacity - 1)`). The sequence
//! number of a slot says whose turn it is:
//!
//! - `sequence == p`: empty, waiting for the producer of position `p`;
//! - `sequence == p + 1`: holds the element pushed at `p`, waiting for its consumer;
//! - a consumer that takes `p` stores `p + capacity`: the turn of the producer one lap later.
//!
//! A producer claims position `tail` by moving `tail` on with a compare-and-swap, writes the
//! element, then publishes it by storing the slot's sequence number; consumers do the same
//! with `head`. The batched calls claim a run of positions with one compare-and-swap of the
//! same counter, after checking that every slot in the run is ready, so they are exactly a
//! series of single claims made at once, and mix with single-item peers in any language.
//!
//! The algorithm is written once, over [`QueueView`]; the handle [`Queue`] builds the view
//! from a mapping, and the loom tests build it from heap atomics.

use std::marker::PhantomData;

use crate::atomic::{fence, AtomicU32, Ordering};
use crate::structures::slots::Slots;

#[cfg(not(loom))]
use std::{fmt, time::Duration};

#[cfg(not(loom))]
use bytemuck::{Pod, Zeroable};

#[cfg(not(loom))]
use crate::structures::slots::ByteSlots;
#[cfg(not(loom))]
use crate::{
    error::{Error, PushTimeoutError, Result},
    layout,
    memory::Memory,
    region::{Mapped, Region},
    structures::{ring, slots::MappedSlots},
    wait::Wait,
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// The capacity a queue created with `requested` slots stores: the next power of two, and
/// at least [`MIN_QUEUE_CAPACITY`]; `None` above [`MAX_QUEUE_CAPACITY`].
///
/// ```
/// assert_eq!(zeroipc::layout::queue_capacity(100), Some(128));
/// assert_eq!(zeroipc::layout::queue_capacity(128), Some(128));
/// assert_eq!(zeroipc::layout::queue_capacity(1), Some(2));
/// ```
pub const fn queue_capacity(requested: usize) -> Option<usize> {
    if requested <= MIN_QUEUE_CAPACITY {
        return Some(MIN_QUEUE_CAPACITY);
    }
    match requested.checked_next_power_of_two() {
        Some(c) if c <= MAX_QUEUE_CAPACITY => Some(c),
        _ => None,
    }
}

/// The smallest queue capacity. With one slot, the sequence number a consumer leaves
/// (`position + capacity`) equals the one a producer leaves (`position + 1`), so a full
/// queue could not be told from an empty one.
pub const MIN_QUEUE_CAPACITY: usize = 2;

/// The largest queue capacity: counters are `u32`, and positions are compared through a
/// signed 32-bit difference, which must tell "ahead" from "behind" across the whole ring.
pub const MAX_QUEUE_CAPACITY: usize = 1 << 31;

/// Offset of a queue's `u32 head` (the next position to pop).
pub const QUEUE_HEAD_OFFSET: usize = 0x00;

/// Offset of a queue's `u32 tail` (the next position to push).
pub const QUEUE_TAIL_OFFSET: usize = 0x04;

/// Offset of a queue's `u32 capacity`.
pub const QUEUE_CAPACITY_OFFSET: usize = 0x08;

/// Offset of a queue's `u32 elem_size`.
pub const QUEUE_ELEM_SIZE_OFFSET: usize = 0x0C;

// ---- The algorithm -------------------------------------------------------------------------

/// A queue as the algorithm sees it: its counters, sequence numbers and slots.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
pub struct QueueView<'a, T, S> {
    head: &'a AtomicU32,
    tail: &'a AtomicU32,
    /// One word per slot; its length is the capacity, a power of two.
    sequence: &'a [AtomicU32],
    /// As many slots as `sequence` has words (checked in `new`).
    slots: S,
    /// The handle's guesses at `head` and `tail` (see `claim`).
    hints: &'a Hints,
    /// `capacity - 1`.
    mask: u32,
    _elem: PhantomData<T>,
}

/// Where a handle's last claims on `head` and `tail` ended: its guesses at their next values.
/// Private to the handle, never in the segment; any value is safe (see `QueueView::claim`).
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct Hints {
    head: AtomicU32,
    tail: AtomicU32,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl Hints {
    /// Hints that the counters are at `head` and `tail`.
    pub fn new(head: u32, tail: u32) -> Hints {
        Hints {
            head: AtomicU32::new(head),
            tail: AtomicU32::new(tail),
        }
    }

    /// A copy of the hints as they are now: a clone of a handle starts with its guesses.
    #[must_use]
    pub fn snapshot(&self) -> Hints {
        // Relaxed: guesses only.
        let head = self.head.load(Ordering::Relaxed);
        // Relaxed: guesses only.
        let tail = self.tail.load(Ordering::Relaxed);
        Hints::new(head, tail)
    }
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a, T: Copy, S: Slots<T>> QueueView<'a, T, S> {
    /// # Panics
    ///
    /// If the capacity (`sequence.len()`) is not a power of two from
    /// [`MIN_QUEUE_CAPACITY`](MIN_QUEUE_CAPACITY) to
    /// [`MAX_QUEUE_CAPACITY`](MAX_QUEUE_CAPACITY), or `slots` holds another
    /// number of slots. Callers pass geometry they validated.
    #[inline]
    pub fn new(
        head: &'a AtomicU32,
        tail: &'a AtomicU32,
        sequence: &'a [AtomicU32],
        slots: S,
        hints: &'a Hints,
    ) -> QueueView<'a, T, S> {
        let capacity = sequence.len();
        assert!(
            capacity.is_power_of_two()
                && (MIN_QUEUE_CAPACITY..=MAX_QUEUE_CAPACITY).contains(&capacity)
                && slots.len() == capacity,
            "queue geometry is validated before a view is built"
        );
        QueueView {
            head,
            tail,
            sequence,
            slots,
            hints,
            mask: (capacity - 1) as u32,
            _elem: PhantomData,
        }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.sequence.len()
    }

    /// The slot of position `pos`: always below the capacity.
    #[inline]
    fn slot(&self, pos: u32) -> usize {
        (pos & self.mask) as usize
    }

    /// Claims up to `want` consecutive positions of `counter` (`tail` for producers, `head`
    /// for consumers) whose slots are ready: position `p` is ready when its sequence number
    /// is `p + lag` (lag 0 for a producer, 1 for a consumer). Returns the first position and
    /// how many were claimed, or `None` when not even the first is ready (full, or empty).
    ///
    /// One compare-and-swap moves the counter over the whole run, so a run is claimed
    /// exactly as that many single claims would be, and no peer can claim a position in it.
    ///
    /// The first guess at the position is `hint`, where this handle's last claim on the
    /// counter ended, rather than the counter itself: when this handle is the only one
    /// claiming, the guess is right, and the shared cache line of `head` and `tail` is then
    /// touched once (by the compare-and-swap) instead of twice. Any guess is safe: the
    /// compare-and-swap only succeeds at the counter's real value, and "full"/"empty" is only
    /// answered after a look at the real counter.
    #[inline]
    fn claim(
        &self,
        counter: &AtomicU32,
        hint: &AtomicU32,
        lag: u32,
        want: usize,
    ) -> Option<(u32, u32)> {
        let want = want.min(self.capacity()) as u32;
        if want == 0 {
            return None;
        }
        // Relaxed: a guess; the sequence numbers below say whether the position is ready,
        // and the compare-and-swap checks that it is the counter's value.
        let mut pos = hint.load(Ordering::Relaxed);
        let mut guessing = true;
        loop {
            let mut ready = 0;
            let mut first_seq = 0;
            while ready < want {
                let p = pos.wrapping_add(ready);
                // Acquire: pairs with the Release stores of `sequence` in `publish` and
                // `release`, so the element (for a consumer), or the previous consumer's read
                // of the slot (for a producer), happens before what this claim does next.
                let seq = self.sequence[self.slot(p)].load(Ordering::Acquire);
                if ready == 0 {
                    first_seq = seq;
                }
                if seq != p.wrapping_add(lag) {
                    break;
                }
                ready += 1;
            }
            if ready == 0 {
                // Positions wrap at 2^32: compare through the signed difference, which is
                // right while the two are less than 2^31 apart (capacity <= 2^31 sees to it).
                let diff = first_seq.wrapping_sub(pos.wrapping_add(lag)) as i32;
                if diff < 0 && !guessing {
                    // The slot at the counter still holds the previous lap: full (producer)
                    // or empty (consumer).
                    return None;
                }
                // Relaxed: as the hint's load; the counter is only compared with `pos`.
                let now = counter.load(Ordering::Relaxed);
                // Relaxed: the best guess there is, for the next claim and for a waiter.
                hint.store(now, Ordering::Relaxed);
                if now == pos {
                    // `diff < 0`: the guess was right, and the answer is full (or empty).
                    // `diff > 0`: the slot is a lap ahead of the counter, which only a peer
                    // that claimed `pos` could have made it; the Acquire above saw that
                    // peer's store, made after its compare-and-swap, so the counter would
                    // read past `pos`. The segment was written by something that does not
                    // follow the algorithm: report "nothing to claim" rather than spin on
                    // bytes that never change.
                    return None;
                }
                // A stale guess, or a peer claimed `pos` meanwhile: retry at the counter.
                pos = now;
                guessing = false;
                continue;
            }
            // Relaxed: the compare-and-swap only decides who owns the positions; the element
            // hand-over is ordered by the sequence numbers (Acquire above, Release after).
            match counter.compare_exchange_weak(
                pos,
                pos.wrapping_add(ready),
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // Relaxed: a guess for this handle's next claim, nothing more.
                    hint.store(pos.wrapping_add(ready), Ordering::Relaxed);
                    return Some((pos, ready));
                }
                Err(now) => {
                    pos = now;
                    guessing = false;
                }
            }
        }
    }

    /// Writes `value` into the claimed position `pos` and hands it to consumers.
    #[inline]
    fn publish(&self, pos: u32, value: T) {
        let slot = self.slot(pos);
        // SAFETY: `slot < capacity == slots.len()` (`slot` masks with `capacity - 1`, and
        // `new` checked the lengths), and the caller claimed `pos`, so the slot is ours.
        unsafe { self.slots.write(slot, value) };
        // Release: pairs with the Acquire load in `claim` by the consumer of `pos`, which
        // then sees the element.
        self.sequence[slot].store(pos.wrapping_add(1), Ordering::Release);
    }

    /// Reads the element at the claimed position `pos` and hands its slot to the producer
    /// one lap later.
    #[inline]
    fn release(&self, pos: u32) -> T {
        let slot = self.slot(pos);
        // SAFETY: as in `publish`: in bounds, and the caller claimed `pos`.
        let value = unsafe { self.slots.read(slot) };
        // Release: pairs with the Acquire load in `claim` by the producer one lap later, so
        // the read above happens before it overwrites the slot.
        self.sequence[slot].store(pos.wrapping_add(self.mask + 1), Ordering::Release);
        value
    }

    /// Pushes `value`.
    ///
    /// # Errors
    ///
    /// Hands `value` back if the queue is full.
    #[inline]
    pub fn push(&self, value: T) -> Result<(), T> {
        match self.claim(self.tail, &self.hints.tail, 0, 1) {
            Some((pos, _)) => {
                self.publish(pos, value);
                Ok(())
            }
            None => Err(value),
        }
    }

    /// Pops the oldest element, or `None` if the queue is empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        let (pos, _) = self.claim(self.head, &self.hints.head, 1, 1)?;
        Some(self.release(pos))
    }

    /// Pushes the longest prefix of `values` that has room, claimed in one step.
    pub fn push_slice(&self, values: &[T]) -> usize {
        let Some((pos, n)) = self.claim(self.tail, &self.hints.tail, 0, values.len()) else {
            return 0;
        };
        for (i, &value) in (0..n).zip(values) {
            self.publish(pos.wrapping_add(i), value);
        }
        n as usize
    }

    /// Pops up to `out.len()` elements, oldest first, claimed in one step.
    pub fn pop_into(&self, out: &mut [T]) -> usize {
        let Some((pos, n)) = self.claim(self.head, &self.hints.head, 1, out.len()) else {
            return 0;
        };
        for (i, dst) in (0..n).zip(out.iter_mut()) {
            *dst = self.release(pos.wrapping_add(i));
        }
        n as usize
    }

    /// The number of elements, clamped to `0..=capacity`; a snapshot that may be stale.
    #[allow(clippy::len_without_is_empty)] // the handle's `is_empty` is `len() == 0`
    pub fn len(&self) -> usize {
        // Relaxed: an estimate; no data is read on the strength of it.
        let head = self.head.load(Ordering::Relaxed);
        // Relaxed: as above.
        let tail = self.tail.load(Ordering::Relaxed);
        // Signed difference of wrapping positions (see `claim`); negative only while the two
        // loads straddle a pop, or in a corrupt segment.
        let diff = tail.wrapping_sub(head) as i32;
        (diff.max(0) as usize).min(self.capacity())
    }

    /// The position a consumer is held at by a producer that claimed it and has not
    /// published it (the counters say there is an item, the slot says not yet), or `None`.
    /// A snapshot: a live producer is in that state for a moment during every push.
    pub fn pop_stall(&self) -> Option<u32> {
        // Relaxed: a snapshot for a report; nothing is read on the strength of it.
        let head = self.head.load(Ordering::Relaxed);
        // Relaxed: as above.
        let tail = self.tail.load(Ordering::Relaxed);
        // Relaxed: as above. The producer of `head` found the slot at `head` (its lag-0
        // turn) and has not stored `head + 1`.
        let seq = self.sequence[self.slot(head)].load(Ordering::Relaxed);
        (tail.wrapping_sub(head) as i32 > 0 && seq == head).then_some(head)
    }

    /// The position whose consumer holds a producer up: the counters say there is room at
    /// `tail`, but the consumer of the item one lap before it (`tail - capacity`) claimed it
    /// and has not handed the slot back. `None` otherwise; a snapshot, as
    /// [`pop_stall`](Self::pop_stall).
    pub fn push_stall(&self) -> Option<u32> {
        // Relaxed: a snapshot for a report, as in `pop_stall`.
        let head = self.head.load(Ordering::Relaxed);
        // Relaxed: as above.
        let tail = self.tail.load(Ordering::Relaxed);
        let before = tail.wrapping_sub(self.mask + 1);
        // Relaxed: as above.
        let seq = self.sequence[self.slot(tail)].load(Ordering::Relaxed);
        let len = tail.wrapping_sub(head) as i32;
        ((0..=self.mask as i32).contains(&len) && seq == before.wrapping_add(1)).then_some(before)
    }

    /// The word a producer waiting for room watches, and its value now: the sequence number
    /// of the slot a few positions past its guess of `tail`, which changes once consumers
    /// have freed that many slots. Waking only then, rather than at the first free slot,
    /// lets the producer push a run while the consumers work on other cache lines, instead
    /// of chasing them slot by slot over the same ones. Watching a slot, rather than `tail`,
    /// also keeps a waiter off the cache line that every push and pop writes.
    pub fn push_watch(&self) -> (&AtomicU32, u32) {
        let ahead = (self.mask / 4).min(32);
        self.watch(&self.hints.tail, ahead)
    }

    /// The word a consumer waiting for an element watches, and its value now: the sequence
    /// number of the slot at its guess of `head`, which changes when that element arrives.
    pub fn pop_watch(&self) -> (&AtomicU32, u32) {
        self.watch(&self.hints.head, 0)
    }

    fn watch(&self, hint: &AtomicU32, ahead: u32) -> (&AtomicU32, u32) {
        // Relaxed: only picks the word to wait on; the retry re-reads everything.
        let pos = hint.load(Ordering::Relaxed).wrapping_add(ahead);
        let word = &self.sequence[self.slot(pos)];
        // Relaxed: as above.
        (word, word.load(Ordering::Relaxed))
    }

    /// Copies of the elements between `head` and `tail` that are published, oldest first,
    /// without consuming them. Best-effort: see [`Queue::snapshot`].
    pub fn snapshot(&self) -> Vec<T> {
        // Relaxed: a starting point only; each slot's sequence number is checked below.
        let head = self.head.load(Ordering::Relaxed);
        let count = self.len();
        let mut out = Vec::with_capacity(count);
        for i in 0..count as u32 {
            let pos = head.wrapping_add(i);
            let slot = self.slot(pos);
            let published = pos.wrapping_add(1);
            // Acquire: pairs with the Release store in `publish`, so the element is there.
            if self.sequence[slot].load(Ordering::Acquire) != published {
                continue;
            }
            // SAFETY: `slot` is in bounds (as in `publish`). The slot is not ours: a consumer
            // may take it, and a producer refill it, while we read. `Slots::read` copies by
            // value (per-byte atomic in a mapping), so that race can only tear the copy, which the
            // check below then discards.
            let value = unsafe { self.slots.read(slot) };
            // Acquire fence: keeps the read above before the load below, so an unchanged
            // sequence number means the slot was not refilled during the read.
            fence(Ordering::Acquire);
            // Relaxed: ordered by the fence above.
            if self.sequence[slot].load(Ordering::Relaxed) == published {
                out.push(value);
            }
        }
        out
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A queue's header, 16 bytes at the structure's start.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct QueueHeader {
    /// 0x00: the next position to pop.
    head: u32,
    /// 0x04: the next position to push.
    tail: u32,
    /// 0x08: slots, a power of two.
    capacity: u32,
    /// 0x0C: bytes per element.
    elem_size: u32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<QueueHeader>() == layout::RING_HEADER_SIZE);
    assert!(offset_of!(QueueHeader, head) == QUEUE_HEAD_OFFSET);
    assert!(offset_of!(QueueHeader, tail) == QUEUE_TAIL_OFFSET);
    assert!(offset_of!(QueueHeader, capacity) == QUEUE_CAPACITY_OFFSET);
    assert!(offset_of!(QueueHeader, elem_size) == QUEUE_ELEM_SIZE_OFFSET);
};

/// A bounded, lock-free, multi-producer multi-consumer FIFO queue of `T` in a segment.
///
/// Any number of threads and processes, in any language that speaks the format, may push
/// and pop at once; every element pushed is popped exactly once, and the elements of one
/// producer come out in the order it pushed them. [`push`](Queue::push) and
/// [`pop`](Queue::pop) never wait; [`push_timeout`](Queue::push_timeout) and
/// [`pop_timeout`](Queue::pop_timeout) wait up to a time limit, spinning briefly, then
/// yielding, then sleeping in steps of at most a millisecond. The batched
/// [`push_slice`](Queue::push_slice) and [`pop_into`](Queue::pop_into) move a run of
/// elements with one atomic claim, which is much cheaper per element when traffic is heavy.
///
/// A process that dies between claiming a position and publishing it leaves a hole that
/// consumers cannot pass, and one that dies between claiming an element and handing its
/// slot back leaves a slot producers cannot pass. [`pop`](Queue::pop) and
/// [`push`](Queue::push) answer "empty" and "full" there, as for a live peer that has not
/// finished yet ([`is_stalled`](Queue::is_stalled) tells the two apart);
/// [`pop_timeout`](Queue::pop_timeout) reports [`Error::Stalled`] once the same claim has
/// held it up for its whole wait. No operation hangs on it, and
/// [`repair`](Queue::repair), run when nobody else is attached, undoes such claims.
///
/// The handle shares ownership of the mapping: it stays valid after the [`Memory`] it came
/// from is dropped. Geometry (capacity, element size) is read once, at open, and kept in
/// this process; `head` and `tail` are reduced modulo that private capacity before they
/// select a slot.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Queue};
/// # let name = format!("/zeroipc_doc_queue_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let q = Queue::<u64>::create(&mem, "jobs", 100)?;
/// assert_eq!(q.capacity(), 128); // rounded up to a power of two
///
/// q.push(1).unwrap();
/// assert_eq!(q.push_slice(&[2, 3, 4]), 3);
///
/// // Another process (here, another mapping) opens it by name.
/// let other = Queue::<u64>::open(&Memory::open(&name)?, "jobs")?;
/// assert_eq!(other.pop(), Some(1));
/// let mut out = [0; 8];
/// assert_eq!(other.pop_into(&mut out), 3);
/// assert_eq!(&out[..3], &[2, 3, 4]);
/// assert_eq!(other.pop(), None);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
pub struct Queue<T> {
    /// The `head` word.
    head: Mapped<AtomicU32>,
    /// The `tail` word.
    tail: Mapped<AtomicU32>,
    /// The `capacity` sequence words.
    sequence: Mapped<AtomicU32>,
    /// The `capacity` element slots.
    data: Mapped<T>,
    /// Slots: a power of two from `MIN_QUEUE_CAPACITY` to `MAX_QUEUE_CAPACITY`. Read once,
    /// never re-read.
    capacity: usize,
    /// This handle's guesses at `head` and `tail`; each clone has its own.
    hints: Hints,
    /// The structure's offset in the segment, for `repair`.
    offset: u64,
    name: String,
}

#[cfg(not(loom))]
impl<T: Pod> Queue<T> {
    /// Adds an empty queue called `name` with room for `capacity` elements, rounded up to a
    /// power of two, and to at least 2 ([`capacity`](Queue::capacity) reports the stored
    /// one).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`] if the table has that name, [`Error::TableFull`],
    /// [`Error::OutOfSpace`] (also for a capacity above 2^31); a validation error if the
    /// table is corrupt. On error the segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Queue<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Self::create_at(mem, name, capacity, 0)
    }

    /// As [`create`](Queue::create), with `head` and `tail` at `start` instead of 0 (and each
    /// slot's sequence number to match), as if `start` elements had already passed through.
    ///
    /// The counters are free-running and wrap at 2^32, so any start is a sound queue of the
    /// format; this one reaches the wrap after `2^32 - start` elements instead of 2^32, which
    /// is what tests of the wrap (in this and other implementations) need.
    ///
    /// # Errors
    ///
    /// As [`create`](Queue::create).
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create_at(mem: &Memory, name: &str, capacity: usize, start: u32) -> Result<Queue<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        assert!(capacity > 0, "a queue has room for at least one element");
        let elem_type = Some(crate::schema::TypeDesc::of::<T>());
        let (entry, capacity) = add_queue(mem, name, capacity, size_of::<T>(), start, elem_type)?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity)
    }

    /// Opens the queue called `name`.
    ///
    /// The header is checked against the entry and against `T` before anything else is
    /// used: the capacity must be a power of two from 2 to 2^31 (one slot cannot tell full
    /// from empty), the element
    /// size must be `size_of::<T>()`, and the entry must be exactly as large as that
    /// geometry implies.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`] if the queue holds elements of
    /// another size; [`Error::CapacityMismatch`] if the header does not fit its entry;
    /// [`Error::Corrupt`] for a capacity below 2, not a power of two, or above 2^31, each
    /// with its own message; a validation error
    /// if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Queue<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        let region = mem.writable()?;
        crate::schema::expect_type(mem, name, &crate::schema::TypeDesc::of::<T>())?;
        let (entry, header) = ring::read_header::<QueueHeader>(mem, name)?;
        let capacity = header.capacity as usize;
        if let Some(what) = capacity_problem(capacity) {
            return Err(Error::corrupt(name, what));
        }
        ring::check_geometry::<T>(name, &entry, capacity, header.elem_size)?;
        Self::from_parts(region, name, entry.offset(), capacity)
    }

    /// Builds the handle over a queue whose geometry the caller chose or validated:
    /// `capacity` a power of two, elements of `size_of::<T>()` bytes, at `offset`.
    fn from_parts(region: &Region, name: &str, offset: u64, capacity: usize) -> Result<Queue<T>> {
        let QueueParts {
            head,
            tail,
            sequence,
            data,
            hints,
        } = map_queue(
            region,
            name,
            offset,
            capacity,
            size_of::<T>(),
            capacity as u64,
        )?;
        Ok(Queue {
            head,
            tail,
            sequence,
            data,
            capacity,
            hints,
            offset,
            name: name.to_owned(),
        })
    }

    #[inline]
    fn view(&self) -> QueueView<'_, T, MappedSlots<'_, T>> {
        QueueView::new(
            self.head.atomic(),
            self.tail.atomic(),
            self.sequence.atomics(),
            MappedSlots::new(&self.data),
            &self.hints,
        )
    }

    /// The table name of this queue.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of slots: the capacity stored in the segment, a power of two of at least 2.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of elements in the queue. Other processes may change it at any moment, so
    /// it is a snapshot; it is always between 0 and the capacity.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether the queue held no elements at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every slot was taken at the moment of the call.
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity
    }

    /// Pushes `value` at the back, without waiting.
    ///
    /// # Errors
    ///
    /// Hands `value` back if the queue is full.
    #[inline]
    pub fn push(&self, value: T) -> Result<(), T> {
        self.view().push(value)
    }

    /// Pops the element at the front, without waiting; `None` if the queue is empty.
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.view().pop()
    }

    /// Pushes as many of `values` as there is room for, in order, claiming their slots with
    /// one atomic step; returns how many were pushed (at most the capacity, and 0 when the
    /// queue is full). The elements pushed are the first ones of `values`.
    ///
    /// Only slots that are free *now* are claimed: the run stops at the first slot that a
    /// consumer has not finished with yet.
    pub fn push_slice(&self, values: &[T]) -> usize {
        self.view().push_slice(values)
    }

    /// Pops up to `out.len()` elements, oldest first, into the front of `out`, claiming them
    /// with one atomic step; returns how many were popped (0 when the queue is empty).
    pub fn pop_into(&self, out: &mut [T]) -> usize {
        self.view().pop_into(out)
    }

    /// Pushes `value`, waiting up to `timeout` for room.
    ///
    /// # Errors
    ///
    /// Hands `value` back in a [`PushTimeoutError`] whose error is [`Error::Stalled`]
    /// naming the position if, from the first look to the last, the slot the push needs was
    /// claimed by a consumer that had not handed it back (a peer that stopped, or died, in
    /// the middle of a pop: see [`repair`](Queue::repair)), or [`Error::Timeout`] if the
    /// queue stayed full for the whole `timeout` otherwise.
    pub fn push_timeout(&self, value: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        let view = self.view();
        let mut value = value;
        let mut wait = Wait::new(timeout);
        // The stall of the first look, kept while every later look sees the same one.
        let mut held: Option<Option<u32>> = None;
        // Exit: the push succeeded, or the time is up.
        loop {
            match view.push(value) {
                Ok(()) => return Ok(()),
                Err(v) => value = v,
            }
            let now = view.push_stall();
            held = Some(match held {
                None => now,
                Some(first) => first.filter(|_| now == first),
            });
            let (word, seen) = view.push_watch();
            if !wait.wait(word, seen) {
                let error = self.ran_out(held.flatten(), view.push_stall());
                return Err(PushTimeoutError::new(value, error));
            }
        }
    }

    /// Pops the element at the front, waiting up to `timeout` for one.
    ///
    /// # Errors
    ///
    /// [`Error::Stalled`] naming the position if, from the first look to the last, the
    /// element at the front was claimed by a producer that had not published it (a peer
    /// that stopped, or died, in the middle of a push: see [`repair`](Queue::repair));
    /// [`Error::Timeout`] if the queue stayed empty for the whole `timeout` otherwise.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T> {
        let view = self.view();
        let mut wait = Wait::new(timeout);
        // The stall of the first look, kept while every later look sees the same one.
        let mut held: Option<Option<u32>> = None;
        // Exit: an element was popped, or the time is up.
        loop {
            if let Some(value) = view.pop() {
                return Ok(value);
            }
            let now = view.pop_stall();
            held = Some(match held {
                None => now,
                Some(first) => first.filter(|_| now == first),
            });
            let (word, seen) = view.pop_watch();
            if !wait.wait(word, seen) {
                return Err(self.ran_out(held.flatten(), view.pop_stall()));
            }
        }
    }

    /// The answer of a `_timeout` call whose time ran out: [`Error::Stalled`] if the same
    /// position was held up by a peer at the first look (`held`) and still is (`now`), else
    /// a time-out.
    fn ran_out(&self, held: Option<u32>, now: Option<u32>) -> Error {
        match (held, now) {
            (Some(first), Some(last)) if first == last => Error::Stalled {
                entry: self.name.clone(),
                position: u64::from(first),
            },
            _ => Error::Timeout,
        }
    }

    /// Whether a peer's unfinished claim holds this queue up at the moment of the call: the
    /// element at the front claimed by a producer that has not published it, or the slot
    /// the next push needs claimed by a consumer that has not handed it back. A live peer
    /// is in that state for a moment during each of its operations; one that stays so is
    /// stopped or dead (see [`repair`](Queue::repair)).
    pub fn is_stalled(&self) -> bool {
        let view = self.view();
        view.pop_stall().is_some() || view.push_stall().is_some()
    }

    /// Undoes the claims that peers which died in the middle of an operation left in this
    /// queue, and reports what it changed: every element that was fully published and not
    /// taken stays, in order, including one a consumer claimed but never finished taking
    /// (its pop did not return: it is put back, and counted in
    /// [`EntryRepair::returned`](crate::EntryRepair)); a slot a producer claimed but never
    /// finished publishing (its push did not return) is dropped
    /// ([`EntryRepair::dropped`](crate::EntryRepair)). The elements kept are moved together
    /// to end at `tail`, which does not change; `head` is set before them, and every
    /// sequence number to what it is in a queue that was never interrupted. A queue with
    /// nothing to undo is left as it is.
    ///
    /// It must be alone: it takes the segment's attachment byte exclusively, as
    /// [`Memory::repair`] does, and is refused while any other handle is attached. Handles
    /// that share this one's mapping (clones, and the `Memory` it came from) are not seen:
    /// do not use them while it runs. Processes of implementations that do not take the
    /// attachment lock are invisible to it.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] while another handle is attached (nothing is changed);
    /// [`Error::Io`] if the system refuses the lock.
    pub fn repair(&self) -> Result<crate::EntryRepair> {
        let region = self.data.region();
        let _alone = region.shm().alone()?;
        repair_at(
            region,
            &self.name,
            self.offset,
            self.capacity,
            size_of::<T>(),
        )
    }

    /// Copies of the elements in the queue, oldest first, without consuming them: for tools
    /// that show a live queue.
    ///
    /// Best-effort: while it runs, other processes may push and pop, so the result may mix
    /// elements from slightly different moments; an element whose slot changed while it was
    /// being copied is left out, and so is one whose producer has not finished publishing it.
    pub fn snapshot(&self) -> Vec<T> {
        self.view().snapshot()
    }
}

#[cfg(not(loom))]
impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Queue {
            head: self.head.clone(),
            tail: self.tail.clone(),
            sequence: self.sequence.clone(),
            data: self.data.clone(),
            capacity: self.capacity,
            hints: self.hints.snapshot(),
            offset: self.offset,
            name: self.name.clone(),
        }
    }
}

/// Adds an empty queue called `name` of `capacity` slots (rounded up to a power of two,
/// and to at least 2) of `elem` bytes, `head`, `tail` and the sequence numbers as if `start`
/// elements had passed through; returns its entry and its stored capacity. With an element
/// type its schema line is recorded ([`Memory::add_described`]); without, a binding's
/// pending line, if any ([`Memory::add`]).
///
/// # Errors
///
/// As [`Queue::create`].
#[cfg(not(loom))]
fn add_queue(
    mem: &Memory,
    name: &str,
    capacity: usize,
    elem: usize,
    start: u32,
    elem_type: Option<crate::schema::TypeDesc>,
) -> Result<(crate::table::Entry, usize)> {
    let too_big = || Error::OutOfSpace {
        requested: u64::MAX,
        available: mem.size(),
    };
    let capacity = queue_capacity(capacity).ok_or_else(too_big)?;
    let size = layout::checked_ring_size(capacity, elem).ok_or_else(too_big)?;
    let slots_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let init = |region: &Region, offset: u64| {
        let header = QueueHeader {
            head: start,
            tail: start,
            capacity: capacity as u32,
            elem_size: elem as u32,
        };
        region.write(offset, header)?;
        // The space was never used, so it is zero unless someone wrote past the table's
        // `next_offset`; the format wants it zero (unused slots read as zero).
        region.write_bytes(
            offset + layout::RING_HEADER_SIZE as u64,
            &vec![0; layout::align8(capacity * elem)],
        )?;
        let sequence = region.atomic_u32_slice(offset + slots_offset, capacity as u64)?;
        for i in 0..capacity as u32 {
            // Position `start + i` uses slot `(start + i) mod capacity` (a power of two)
            // and finds it free when its sequence number is the position.
            let position = start.wrapping_add(i);
            // Relaxed: the entry is not published yet; the table's Release store of
            // `entry_count` publishes these words with it.
            sequence[position as usize & (capacity - 1)].store(position, Ordering::Relaxed);
        }
        Some(())
    };
    let entry = match elem_type {
        Some(ty) => {
            let line = crate::schema::EntryDesc {
                params: &[("capacity", capacity as u64)],
                ty: Some(ty),
                ..crate::schema::EntryDesc::new(name, "queue")
            };
            mem.add_described(size as u64, init, &line)?
        }
        None => mem.add(name, size as u64, init)?,
    };
    Ok((entry, capacity))
}

/// The mapped parts of a queue, as [`map_queue`] finds them.
#[cfg(not(loom))]
struct QueueParts<D> {
    head: Mapped<AtomicU32>,
    tail: Mapped<AtomicU32>,
    sequence: Mapped<AtomicU32>,
    data: Mapped<D>,
    hints: Hints,
}

/// The parts of the queue at `offset` of `region`, of `capacity` slots (a power of two) of
/// `elem` bytes, whose data section is `data_len` values of `D`: `head`, `tail`, the
/// sequence numbers, the data, and first hints at the counters.
///
/// # Errors
///
/// [`Error::Corrupt`] if any of them lies outside the segment.
#[cfg(not(loom))]
fn map_queue<D>(
    region: &Region,
    name: &str,
    offset: u64,
    capacity: usize,
    elem: usize,
    data_len: u64,
) -> Result<QueueParts<D>> {
    let outside = || Error::corrupt(name, "queue lies outside the segment");
    let slots_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let head = region
        .mapped::<AtomicU32>(offset + QUEUE_HEAD_OFFSET as u64, 1)
        .ok_or_else(outside)?;
    let tail = region
        .mapped::<AtomicU32>(offset + QUEUE_TAIL_OFFSET as u64, 1)
        .ok_or_else(outside)?;
    let sequence = region
        .mapped(offset + slots_offset, capacity as u64)
        .ok_or_else(outside)?;
    let data = region
        .mapped::<D>(offset + layout::RING_HEADER_SIZE as u64, data_len)
        .ok_or_else(outside)?;
    // Relaxed: a first guess at each counter, nothing more.
    let hints = Hints::new(
        head.atomic().load(Ordering::Relaxed),
        tail.atomic().load(Ordering::Relaxed),
    );
    Ok(QueueParts {
        head,
        tail,
        sequence,
        data,
        hints,
    })
}

/// What is wrong with a queue header's `capacity`, if anything: below 2 (one slot cannot
/// tell a full queue from an empty one), not a power of two, or above 2^31.
#[cfg(not(loom))]
fn capacity_problem(capacity: usize) -> Option<String> {
    if capacity < MIN_QUEUE_CAPACITY {
        Some(format!(
            "queue capacity {capacity} is below {MIN_QUEUE_CAPACITY}: one slot cannot tell a full queue from an empty one (such a queue loses items)"
        ))
    } else if !capacity.is_power_of_two() {
        Some(format!("queue capacity {capacity} is not a power of two"))
    } else if capacity > MAX_QUEUE_CAPACITY {
        Some(format!("queue capacity {capacity} is above 2^31"))
    } else {
        None
    }
}

#[cfg(not(loom))]
impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("segment", &self.data.region().shm().name())
            .finish_non_exhaustive()
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

#[cfg(not(loom))]
impl<T: Pod> Queue<T> {
    /// Opens the queue called `name` for reading only, on any segment: the one way to read
    /// a queue of a segment opened read-only
    /// ([`Options::read_only`](crate::Options::read_only), [`Memory::open_copy`]), where
    /// [`Queue::open`] is refused. The checks are those of [`Queue::open`].
    ///
    /// # Errors
    ///
    /// As [`Queue::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<QueueReader<T>> {
        Ok(QueueReader {
            queue: Queue::open(&mem.for_reading(), name)?,
        })
    }
}

/// A queue opened for reading only ([`Queue::open_read`]): the methods of a [`Queue`]
/// that leave it as it is, and no others, so it can live on a `PROT_READ` mapping.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Queue};
/// # let name = format!("/zeroipc_doc_queue_reader_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// Queue::<u32>::create(&mem, "jobs", 8)?.push(7).unwrap();
///
/// let seen = Memory::options().read_only(true).open(&name)?;
/// let jobs = Queue::<u32>::open_read(&seen, "jobs")?;
/// assert_eq!(jobs.snapshot(), [7]);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
pub struct QueueReader<T> {
    /// Kept private: only its reading methods are called.
    queue: Queue<T>,
}

#[cfg(not(loom))]
impl<T: Pod> QueueReader<T> {
    /// The table name of this queue.
    pub fn name(&self) -> &str {
        self.queue.name()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// The number of elements at the moment of the call; see [`Queue::len`].
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether the queue held no elements at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether every slot was taken at the moment of the call.
    pub fn is_full(&self) -> bool {
        self.queue.is_full()
    }

    /// Copies of the elements, oldest first, without popping them; see [`Queue::snapshot`].
    pub fn snapshot(&self) -> Vec<T> {
        self.queue.snapshot()
    }
}

#[cfg(not(loom))]
impl<T> Clone for QueueReader<T> {
    fn clone(&self) -> Self {
        QueueReader {
            queue: self.queue.clone(),
        }
    }
}

#[cfg(not(loom))]
impl<T> fmt::Debug for QueueReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueReader")
            .field("queue", &self.queue)
            .finish()
    }
}

/// The repair of the queue at `offset` of `region`, of `capacity` slots (a power of two
/// from 2 to 2^31) of `elem` bytes: see [`Queue::repair`]. The caller holds the segment
/// alone.
///
/// Every position a claim can be pending at lies in the lap before `tail`
/// (`tail - capacity .. tail`): a producer cannot claim past `p + capacity` while the
/// element of `p` is still in its slot, so each slot is looked at once, at its position in
/// that lap. There, a sequence number of `p + 1` is an element published at `p` (still
/// queued, or claimed by a consumer that did not finish: kept either way), `p + capacity`
/// a slot consumed and free, and `p` a slot a producer claimed and never published
/// (dropped); any other value no operation leaves (dropped).
#[cfg(not(loom))]
fn repair_at(
    region: &Region,
    name: &str,
    offset: u64,
    capacity: usize,
    elem: usize,
) -> Result<crate::EntryRepair> {
    let outside = || Error::corrupt(name, "queue lies outside the segment");
    let head_word = region
        .atomic_u32(offset + QUEUE_HEAD_OFFSET as u64)
        .ok_or_else(outside)?;
    let tail_word = region
        .atomic_u32(offset + QUEUE_TAIL_OFFSET as u64)
        .ok_or_else(outside)?;
    let slots_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let sequence = region
        .atomic_u32_slice(offset + slots_offset, capacity as u64)
        .ok_or_else(outside)?;
    let data = region
        .mapped::<u8>(
            offset + layout::RING_HEADER_SIZE as u64,
            (capacity * elem) as u64,
        )
        .ok_or_else(outside)?;
    let cap = capacity as u32; // 2^31 at most
    let slot = |p: u32| (p & (cap - 1)) as usize;

    // Acquire: pairs with the Release stores of the peers' last operations (and of an
    // earlier repair), so that what they wrote is seen; the segment is ours alone now.
    let head = head_word.load(Ordering::Acquire);
    // Acquire: as above.
    let tail = tail_word.load(Ordering::Acquire);
    let start = tail.wrapping_sub(cap);
    let mut report = crate::EntryRepair::new(name, "queue");
    let mut kept = Vec::new();
    for p in (0..cap).map(|i| start.wrapping_add(i)) {
        // Acquire: as above, for the element the sequence number publishes.
        let seq = sequence[slot(p)].load(Ordering::Acquire);
        if seq == p.wrapping_add(1) {
            kept.push(p);
            if (p.wrapping_sub(head) as i32) < 0 {
                report.returned += 1;
            }
        } else if seq != p.wrapping_add(cap) {
            report.dropped += 1;
        }
    }
    let new_head = tail.wrapping_sub(kept.len() as u32);
    report.kept = kept.len() as u64;

    // Move the elements kept to the end of the lap, the newest first: each moves to the same
    // or a later position in the lap, so none is overwritten before it has moved.
    let mut buf = vec![0u8; elem];
    for (j, &from) in kept.iter().enumerate().rev() {
        let to = new_head.wrapping_add(j as u32);
        if to != from {
            data.load_run(slot(from) * elem, &mut buf)
                .ok_or_else(outside)?;
            data.store_run(slot(to) * elem, &buf).ok_or_else(outside)?;
        }
    }
    // Each slot's sequence number as a queue with `head` at `new_head` has it: positions
    // from `new_head` to `tail` published, the rest of the lap free for their producers.
    let mut rewritten = 0u64;
    for i in 0..cap {
        let p = start.wrapping_add(i);
        let want = if (p.wrapping_sub(new_head) as i32) < 0 {
            p.wrapping_add(cap)
        } else {
            p.wrapping_add(1)
        };
        // Relaxed: ours alone; compared only.
        if sequence[slot(p)].load(Ordering::Relaxed) != want {
            // Release: pairs with the Acquire load of a claim after the repair, so the
            // element moved above is seen with its sequence number.
            sequence[slot(p)].store(want, Ordering::Release);
            rewritten += 1;
        }
    }
    if head != new_head {
        // Release: as above; the next opener reads the counters after the segment's lock
        // hand-over anyway.
        head_word.store(new_head, Ordering::Release);
        report.reset.push(format!("head {head} -> {new_head}"));
    }
    if rewritten > 0 {
        report
            .reset
            .push(format!("{rewritten} slot sequence numbers rewritten"));
    }
    Ok(report)
}

// ---- A queue of elements whose size is known at run time ----------------------------------

/// A [`Queue`] whose element size is known only at run time: elements are byte strings of
/// [`elem_size`](RawQueue::elem_size) bytes. For bindings to languages whose element types
/// are dynamic (the Python package); the algorithm is the same view as [`Queue`]'s, over
/// the same words, so the two mix freely on one queue.
#[doc(hidden)]
#[cfg(not(loom))]
pub struct RawQueue {
    head: Mapped<AtomicU32>,
    tail: Mapped<AtomicU32>,
    sequence: Mapped<AtomicU32>,
    /// `capacity * elem_size` bytes.
    data: Mapped<u8>,
    capacity: usize,
    elem_size: usize,
    hints: Hints,
    name: String,
}

#[cfg(not(loom))]
impl RawQueue {
    /// As [`Queue::create`], for elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Queue::create`]; [`Error::OutOfSpace`] also for an `elem_size` of zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize, elem_size: usize) -> Result<RawQueue> {
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        if elem_size == 0 || elem_size > u32::MAX as usize || capacity == 0 {
            return Err(too_big());
        }
        let (entry, capacity) = add_queue(mem, name, capacity, elem_size, 0, None)?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity, elem_size)
    }

    /// As [`Queue::open`], for elements of any size; the size is the header's.
    ///
    /// # Errors
    ///
    /// As [`Queue::open`], less the element size check; [`Error::Corrupt`] for an element
    /// size of zero.
    pub fn open(mem: &Memory, name: &str) -> Result<RawQueue> {
        // A handle that writes: refused on a read-only segment before anything is read.
        mem.writable()?;
        let (entry, header) = ring::read_header::<QueueHeader>(mem, name)?;
        let capacity = header.capacity as usize;
        let elem_size = header.elem_size as usize;
        let wrong = capacity_problem(capacity)
            .or_else(|| (elem_size == 0).then(|| "queue element size is 0".to_owned()));
        if let Some(what) = wrong {
            return Err(Error::corrupt(name, what));
        }
        ring::check_size(name, &entry, capacity, elem_size)?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity, elem_size)
    }

    fn from_parts(
        region: &Region,
        name: &str,
        offset: u64,
        capacity: usize,
        elem_size: usize,
    ) -> Result<RawQueue> {
        let data_len = (capacity * elem_size) as u64;
        let QueueParts {
            head,
            tail,
            sequence,
            data,
            hints,
        } = map_queue(region, name, offset, capacity, elem_size, data_len)?;
        Ok(RawQueue {
            head,
            tail,
            sequence,
            data,
            capacity,
            elem_size,
            hints,
            name: name.to_owned(),
        })
    }

    #[inline]
    fn view<'a>(
        &'a self,
        src: &'a [u8],
        dst: &'a mut [u8],
    ) -> QueueView<'a, (), ByteSlots<'a, 'a>> {
        QueueView::new(
            self.head.atomic(),
            self.tail.atomic(),
            self.sequence.atomics(),
            ByteSlots::new(&self.data, self.elem_size, src, dst),
            &self.hints,
        )
    }

    /// The table name of this queue.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The size of an element in bytes.
    pub fn elem_size(&self) -> usize {
        self.elem_size
    }

    /// As [`Queue::len`].
    pub fn len(&self) -> usize {
        self.view(&[], &mut []).len()
    }

    /// As [`Queue::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pushes the longest prefix of the whole elements in `src` that has room, claimed in
    /// one step (as [`Queue::push_slice`]); returns how many elements were pushed.
    pub fn push_bytes(&self, src: &[u8]) -> usize {
        let units = vec![(); src.len() / self.elem_size];
        self.view(src, &mut []).push_slice(&units)
    }

    /// Pops up to as many elements as `dst` holds whole, oldest first, into the front of
    /// `dst`, claimed in one step (as [`Queue::pop_into`]); returns how many were popped.
    pub fn pop_bytes(&self, dst: &mut [u8]) -> usize {
        let mut units = vec![(); dst.len() / self.elem_size];
        self.view(&[], dst).pop_into(&mut units)
    }

    /// Pushes the element `src` (its first `elem_size` bytes), waiting up to `timeout` for
    /// room; whether it was pushed. `false` at once if `src` is shorter than an element.
    pub fn push_bytes_timeout(&self, src: &[u8], timeout: Duration) -> bool {
        let Some(src) = src.get(..self.elem_size) else {
            return false;
        };
        let view = self.view(src, &mut []);
        let mut wait = Wait::new(timeout);
        // Exit: the push succeeded, or the time is up.
        loop {
            if view.push_slice(&[()]) == 1 {
                return true;
            }
            let (word, seen) = view.push_watch();
            if !wait.wait(word, seen) {
                return false;
            }
        }
    }

    /// Pops one element into the front of `dst`, waiting up to `timeout` for one; whether
    /// one was popped. `false` at once if `dst` is shorter than an element.
    pub fn pop_bytes_timeout(&self, dst: &mut [u8], timeout: Duration) -> bool {
        let Some(dst) = dst.get_mut(..self.elem_size) else {
            return false;
        };
        let view = self.view(&[], dst);
        let mut wait = Wait::new(timeout);
        // Exit: an element was popped, or the time is up.
        loop {
            if view.pop_into(&mut [()]) == 1 {
                return true;
            }
            let (word, seen) = view.pop_watch();
            if !wait.wait(word, seen) {
                return false;
            }
        }
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RawQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawQueue")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("elem_size", &self.elem_size)
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{layout, ring, Error, Memory, Pod, Queue, MIN_QUEUE_CAPACITY};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    // Slots are found by masking a free-running counter: openers reject any other capacity.
    crate::declare::declare_elements!(Queue, capacity, true, declared_size);

    /// The size of a declared queue of `capacity` slots: as `ring_size`, and a compile error for
    /// a capacity of 1, since one slot cannot tell full from empty and the runtime stores at least
    /// two (a declaration of one would not match the queue `create` makes; a zero or missing
    /// capacity has the macro's own error).
    const fn declared_size(capacity: usize, elem_size: usize) -> usize {
        assert!(
            capacity == 0 || capacity >= MIN_QUEUE_CAPACITY,
            "zeroipc: a queue's `capacity` is at least 2 (one slot cannot tell full from empty); use `capacity = 2`"
        );
        layout::ring_size(capacity, elem_size)
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("queue", read_entry)
            .hints(&["queue", "jobs", "events", "tasks", "inbox", "fifo"])
            .check(|mem, name, r| {
                crate::structures::with_element_size!(r.elem_size?, check_as(mem, name))
            })
            .repair(repair_entry)
            .example(|mem| crate::Queue::<u64>::create(mem, "q", 16).map(|_| "q".to_owned()));

    /// The repair of an entry read as a queue: its header checked as `Queue::open` checks it
    /// (whatever the element type), then [`super::repair_at`].
    fn repair_entry(
        mem: &Memory,
        entry: &crate::table::Entry,
    ) -> crate::Result<crate::EntryRepair> {
        let name = entry.name();
        let bytes: Option<[u8; layout::RING_HEADER_SIZE]> = mem.region().read(entry.offset());
        let header = bytes
            .and_then(|b| crate::inspect::RawRingHeader::read(&b))
            .map(|h| h.as_queue());
        let fits = header.filter(|q| {
            let capacity = q.capacity as usize;
            super::capacity_problem(capacity).is_none()
                && q.elem_size > 0
                && ring::check_size(name, entry, capacity, q.elem_size as usize).is_ok()
        });
        let Some(q) = fits else {
            return Err(Error::corrupt(
                name,
                "not repaired: the queue's capacity and element size do not fit its entry",
            ));
        };
        super::repair_at(
            mem.region(),
            name,
            entry.offset(),
            q.capacity as usize,
            q.elem_size as usize,
        )
    }

    /// A queue: a power-of-two capacity and an element size whose geometry is exactly the
    /// entry's size; its fill level is the wrapping difference of the free-running counters.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        use std::fmt::Write as _;
        let q = crate::inspect::RawRingHeader::read(p.head)?.as_queue();
        let mut r = ring::reading(
            p,
            "queue",
            (q.capacity, q.elem_size, q.capacity.is_power_of_two()),
            format!(
                "queue of {} slots of {} bytes: head {}, tail {}",
                q.capacity, q.elem_size, q.head, q.tail
            ),
        )?;
        let len = q.tail.wrapping_sub(q.head);
        if len <= q.capacity {
            let _ = write!(r.description, ", {len} queued");
            r.items = Some(u64::from(len));
        } else {
            r.inconsistent = Some(format!(
                "tail - head is {len}, more than the capacity {}",
                q.capacity
            ));
        }
        Some(r)
    }

    fn check_as<T: Pod>(mem: &Memory, name: &str) -> std::result::Result<String, String> {
        Queue::<T>::open(mem, name)
            .map(|q| {
                format!(
                    "Queue of {} slots of {} bytes, {} queued",
                    q.capacity(),
                    size_of::<T>(),
                    q.len()
                )
            })
            .map_err(|e| format!("Queue::open: {e}"))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::STRUCTURE;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn positions_keep_their_order_across_the_wrap_of_the_counters() {
        let seg = Segment::new(1 << 16);
        let q = Queue::<u32>::create_at(&seg.mem, "q", 4, u32::MAX - 1).unwrap();
        for round in 0..3u32 {
            for i in 0..4 {
                q.push(round * 10 + i).unwrap();
            }
            assert!(q.is_full());
            assert_eq!(q.push(99), Err(99));
            for i in 0..4 {
                assert_eq!(q.pop(), Some(round * 10 + i));
            }
            assert_eq!(q.pop(), None);
        }
    }

    #[test]
    fn a_counter_stuck_behind_its_slot_reads_as_full_or_empty_instead_of_spinning() {
        let seg = Segment::new(1 << 16);
        let q = Queue::<u32>::create(&seg.mem, "q", 4).unwrap();
        // Slot 0's sequence number a lap ahead of both counters: no algorithm leaves this.
        let view = q.view();
        view.sequence[0].store(4, Ordering::Relaxed);
        assert_eq!(q.push(1), Err(1));
        view.sequence[0].store(5, Ordering::Relaxed);
        assert_eq!(q.pop(), None);
    }
}
