//! `Stack<T>`: a bounded multi-producer, multi-consumer LIFO stack.
//!
//! Layout (offsets from the structure's start): `i32 top` at 0x00 (index of the top
//! element, -1 when empty), `u32 capacity` at 0x04, `u32 elem_size` at 0x08, `u32 reserved`
//! (0) at 0x0C; `capacity` elements from 16; then `capacity` per-slot `u32` states at
//! `16 + align8(capacity * elem_size)`.
//!
//! A slot's state goes EMPTY 0 → WRITING 1 → READY 2 → READING 3 → EMPTY 0. A push moves
//! `top` up by one with a compare-and-swap, which gives it the index `top + 1`; it then takes
//! that slot from EMPTY to WRITING, writes, and stores READY. A pop moves `top` down, which
//! gives it the index `top`, takes the slot from READY to READING, reads, and stores EMPTY.
//! `top` only hands out indices; the slot states order the elements' hand-over, and make a
//! push wait for a slower pop of the same slot (and the other way round).
//!
//! That wait is the one place where a stack operation depends on a peer: a peer that died
//! between its move of `top` and its last store leaves its slot in WRITING or READING for
//! good. So an operation first looks at the slot it would take, and does not claim one that
//! a peer still holds: the calls that do not wait fail at once, and the `_timeout` calls wait
//! for the slot within the caller's time (a slot busy for the whole of it is reported as a
//! stall). A slot taken by a peer between the look and the claim is waited for
//! within the caller's time too (a few microseconds of spinning for the calls that do not
//! wait); an operation that runs out of it moves `top` back if nobody has moved it since,
//! and fails.
//!
//! The algorithm is written once, over [`StackView`]; the handle [`Stack`] builds the view
//! from a mapping, and the loom tests build it from heap atomics.

use std::marker::PhantomData;

use crate::atomic::{fence, AtomicI32, AtomicU32, Ordering};
use crate::structures::slots::Slots;
use crate::wait::Wait;

#[cfg(not(loom))]
use std::{
    fmt,
    time::{Duration, Instant},
};

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
};

/// Slot state: nothing in it.
pub(crate) const EMPTY: u32 = 0;
/// Slot state: a push is writing it.
pub(crate) const WRITING: u32 = 1;
/// Slot state: holds an element.
pub(crate) const READY: u32 = 2;
/// Slot state: a pop is reading it.
pub(crate) const READING: u32 = 3;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// The largest stack capacity: `top` is an `i32`.
pub const MAX_STACK_CAPACITY: usize = i32::MAX as usize;

/// Offset of a stack's `i32 top` (index of the top element, -1 when empty).
pub const STACK_TOP_OFFSET: usize = 0x00;

/// Offset of a stack's `u32 capacity`.
pub const STACK_CAPACITY_OFFSET: usize = 0x04;

/// Offset of a stack's `u32 elem_size`.
pub const STACK_ELEM_SIZE_OFFSET: usize = 0x08;

/// Offset of a stack's `u32 reserved` (zero).
pub const STACK_RESERVED_OFFSET: usize = 0x0C;

// ---- The algorithm -------------------------------------------------------------------------

/// Why a stack operation did not happen.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackFail {
    /// No room (push).
    Full,
    /// Nothing to pop.
    Empty,
    /// The slot the operation would take was in `state`, still a peer's (in the middle of
    /// an operation on it, or dead there), so the operation did not claim it.
    Busy {
        /// The slot.
        index: usize,
        /// Its state.
        state: u32,
    },
    /// The slot the operation was given stayed in `state` for the whole slot wait: a peer
    /// died, or stopped, in the middle of an operation on it.
    Stuck {
        /// The slot.
        index: usize,
        /// The state it stayed in.
        state: u32,
    },
    /// `top` holds a value no stack of this capacity can have.
    Corrupt {
        /// The value.
        top: i32,
    },
}

/// A stack as the algorithm sees it: its `top`, slot states and slots.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
pub struct StackView<'a, T, S> {
    top: &'a AtomicI32,
    /// One word per slot; its length is the capacity, at most `i32::MAX`.
    state: &'a [AtomicU32],
    /// As many slots as `state` has words (checked in `new`).
    slots: S,
    _elem: PhantomData<T>,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a, T: Copy, S: Slots<T>> StackView<'a, T, S> {
    /// # Panics
    ///
    /// If the capacity (`state.len()`) is zero or above
    /// [`MAX_STACK_CAPACITY`](MAX_STACK_CAPACITY), or `slots` holds another
    /// number of slots. Callers pass geometry they validated.
    #[inline]
    pub fn new(top: &'a AtomicI32, state: &'a [AtomicU32], slots: S) -> StackView<'a, T, S> {
        assert!(
            !state.is_empty() && state.len() <= MAX_STACK_CAPACITY && slots.len() == state.len(),
            "stack geometry is validated before a view is built"
        );
        StackView {
            top,
            state,
            slots,
            _elem: PhantomData,
        }
    }

    /// The capacity, which fits an `i32` (checked in `new`).
    fn capacity(&self) -> i32 {
        self.state.len() as i32
    }

    /// Moves `top` one step, up for a push or down for a pop, and returns the index the step
    /// gives the caller: `top + 1` for a push, `top` for a pop. Every value of `top` read
    /// from the segment is checked against the private capacity before it becomes an index.
    fn claim_index(&self, up: bool) -> Result<usize, StackFail> {
        let cap = self.capacity();
        // Relaxed: `top` only hands out indices; the slot states order the data, and the
        // compare-and-swap below checks the value.
        let mut top = self.top.load(Ordering::Relaxed);
        loop {
            if top < -1 || top >= cap {
                return Err(StackFail::Corrupt { top });
            }
            let next = if up {
                if top == cap - 1 {
                    return Err(StackFail::Full);
                }
                top + 1
            } else {
                if top == -1 {
                    return Err(StackFail::Empty);
                }
                top - 1
            };
            // Relaxed: as the load above.
            match self
                .top
                .compare_exchange_weak(top, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    // In range: `-1 <= top < cap` and the step stays within `-1..cap`, so the
                    // index (the higher of the two) is within `0..cap`.
                    let index = if up { next } else { top };
                    return Ok(index as usize);
                }
                Err(now) => top = now,
            }
        }
    }

    /// Checks that the slot the next push (`up`) or pop would take is in the state that
    /// operation takes it from (EMPTY or READY). If it is not, a peer still has it, and
    /// claiming it would only mean waiting for that peer, or giving up and moving `top`
    /// back, which can leave the stack's count off by one if others moved it meanwhile: so
    /// the operation does not claim it. (The check and the claim are not one step; the wait
    /// in `take_slot` covers a slot that a peer takes in between.)
    fn check_slot(&self, up: bool) -> Result<(), StackFail> {
        // Relaxed: a guess; `claim_index` re-reads `top` and checks it, and `take_slot`
        // takes the slot with its own ordering.
        let mut top = self.top.load(Ordering::Relaxed);
        // Exit: the slot is free, or out of range (full, empty, corrupt: `claim_index` says
        // which), or busy while `top` stayed put; or, after a bounded number of turns with
        // `top` moving under us (a hostile peer could move it for ever), left to the claim.
        for _ in 0..64 {
            let index = if up { top.checked_add(1) } else { Some(top) };
            let Some(index) = index.filter(|i| (0..self.capacity()).contains(i)) else {
                return Ok(());
            };
            let index = index as usize;
            // Acquire: pairs with the AcqRel compare-and-swap in `take_slot` that put the
            // slot in its state, so a peer's move of `top` before it is seen below.
            let state = self.state[index].load(Ordering::Acquire);
            if state == if up { EMPTY } else { READY } {
                return Ok(());
            }
            // Relaxed: ordered after the state's load by its Acquire.
            let now = self.top.load(Ordering::Relaxed);
            if now == top {
                return Err(StackFail::Busy { index, state });
            }
            // A peer moved `top` (and took the slot): look at the slot it points to now.
            top = now;
        }
        Ok(())
    }

    /// Moves `top` back from `from` to `to` after an operation gave up on its slot, unless
    /// someone has moved it since: then the stack's count is off by one, as the peer that
    /// left the slot stuck already made it.
    fn unclaim(&self, from: i32, to: i32) {
        // Relaxed: as in `claim_index`; a failure leaves `top` as the others made it.
        let _ = self
            .top
            .compare_exchange(from, to, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// Takes slot `index` from state `from` to `to`, waiting for the peer that holds it to
    /// finish for as long as `wait` lets it.
    fn take_slot(
        &self,
        index: usize,
        from: u32,
        to: u32,
        wait: &mut Wait,
    ) -> Result<(), StackFail> {
        let word = &self.state[index];
        // Exit: the slot was taken, or the slot wait ran out.
        loop {
            // Acquire: pairs with the Release store that put the slot in `from` (READY in
            // `push`, EMPTY in `pop`), so the element written there, or the read of the slot's
            // last element, happens before what the caller does with the slot next. Release:
            // pairs with the Acquire load in `check_slot`, so a peer that sees the slot taken
            // also sees our move of `top`. Relaxed on failure: nothing is read then.
            match word.compare_exchange_weak(from, to, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return Ok(()),
                Err(seen) => {
                    if !wait.wait(word, seen) {
                        return Err(StackFail::Stuck { index, state: seen });
                    }
                }
            }
        }
    }

    /// Pushes `value`; waits with `slot_wait` for a peer still finishing with the slot.
    ///
    /// # Errors
    ///
    /// Hands `value` back with the reason the push did not happen.
    pub fn push(&self, value: T, slot_wait: &mut Wait) -> Result<(), (T, StackFail)> {
        if let Err(fail) = self.check_slot(true) {
            return Err((value, fail));
        }
        let index = match self.claim_index(true) {
            Ok(index) => index,
            Err(fail) => return Err((value, fail)),
        };
        if let Err(fail) = self.take_slot(index, EMPTY, WRITING, slot_wait) {
            self.unclaim(index as i32, index as i32 - 1);
            return Err((value, fail));
        }
        // SAFETY: `index < capacity == slots.len()` (`claim_index` and `new`), and the slot is
        // ours: we took it from EMPTY to WRITING.
        unsafe { self.slots.write(index, value) };
        // Release: pairs with the Acquire compare-and-swap READY -> READING in `take_slot` by
        // the pop that takes this element, which then sees it.
        self.state[index].store(READY, Ordering::Release);
        Ok(())
    }

    /// Pops the top element; waits with `slot_wait` for a peer still finishing with the
    /// slot.
    ///
    /// # Errors
    ///
    /// The reason the pop did not happen.
    pub fn pop(&self, slot_wait: &mut Wait) -> Result<T, StackFail> {
        self.check_slot(false)?;
        let index = self.claim_index(false)?;
        if let Err(fail) = self.take_slot(index, READY, READING, slot_wait) {
            self.unclaim(index as i32 - 1, index as i32);
            return Err(fail);
        }
        // SAFETY: `index < capacity == slots.len()`, and the slot is ours: we took it from
        // READY to READING.
        let value = unsafe { self.slots.read(index) };
        // Release: pairs with the Acquire compare-and-swap EMPTY -> WRITING in `take_slot` by
        // the next push to this slot, so our read happens before it writes.
        self.state[index].store(EMPTY, Ordering::Release);
        Ok(value)
    }

    /// The number of elements (`top + 1`), clamped to `0..=capacity`; a snapshot.
    #[allow(clippy::len_without_is_empty)] // the handle's `is_empty` is `len() == 0`
    pub fn len(&self) -> usize {
        // Relaxed: an estimate; no data is read on the strength of it.
        let top = self.top.load(Ordering::Relaxed);
        (top.saturating_add(1).max(0) as usize).min(self.state.len())
    }

    /// The slot whose state changes when the next push (`up`) or pop lands, and that state
    /// now: the word a waiting pop (`up`) or push watches.
    pub fn watch(&self, up: bool) -> (&AtomicU32, u32) {
        // Relaxed: only picks the word to sleep on; the retry re-reads everything.
        let top = self.top.load(Ordering::Relaxed);
        let index = if up { top.saturating_add(1) } else { top };
        let word = &self.state[index.clamp(0, self.capacity() - 1) as usize];
        // Relaxed: as above.
        (word, word.load(Ordering::Relaxed))
    }

    /// A copy of slot `index` if it holds an element before and after the copy.
    fn read_ready(&self, index: usize) -> Option<T> {
        // Acquire: pairs with the Release store of READY in `push`, so the element is there.
        if self.state[index].load(Ordering::Acquire) != READY {
            return None;
        }
        // SAFETY: `index < capacity == slots.len()` (callers check). The slot is not ours: a
        // pop may take it, and a push refill it, while we read. `Slots::read` copies by value
        // (per-byte atomic in a mapping), so that race can only tear the copy, and the check below
        // discards a copy made while the state moved.
        let value = unsafe { self.slots.read(index) };
        // Acquire fence: keeps the read above before the load below.
        fence(Ordering::Acquire);
        // Relaxed: ordered by the fence above.
        (self.state[index].load(Ordering::Relaxed) == READY).then_some(value)
    }

    /// A copy of the top element, without popping it. Best-effort: see [`Stack::peek`].
    pub fn peek(&self) -> Option<T> {
        // Relaxed: a guess, checked against the capacity and against the slot's state.
        let top = self.top.load(Ordering::Relaxed);
        if top < 0 || top >= self.capacity() {
            return None;
        }
        let value = self.read_ready(top as usize)?;
        // Relaxed: as above; an unchanged `top` makes it likelier the copy is the top one.
        (self.top.load(Ordering::Relaxed) == top).then_some(value)
    }

    /// Copies of the elements, bottom first, without popping them. Best-effort: see
    /// [`Stack::snapshot`].
    pub fn snapshot(&self) -> Vec<T> {
        (0..self.len()).filter_map(|i| self.read_ready(i)).collect()
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A stack's header, 16 bytes at the structure's start.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct StackHeader {
    /// 0x00: index of the top element, -1 when empty.
    top: i32,
    /// 0x04: slots.
    capacity: u32,
    /// 0x08: bytes per element.
    elem_size: u32,
    /// 0x0C: zero.
    reserved: u32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<StackHeader>() == layout::RING_HEADER_SIZE);
    assert!(offset_of!(StackHeader, top) == STACK_TOP_OFFSET);
    assert!(offset_of!(StackHeader, capacity) == STACK_CAPACITY_OFFSET);
    assert!(offset_of!(StackHeader, elem_size) == STACK_ELEM_SIZE_OFFSET);
    assert!(offset_of!(StackHeader, reserved) == STACK_RESERVED_OFFSET);
};

/// A bounded multi-producer, multi-consumer LIFO stack of `T` in a segment.
///
/// Any number of threads and processes, in any language that speaks the format, may push
/// and pop at once; every element pushed is popped exactly once. [`push`](Stack::push) and
/// [`pop`](Stack::pop) do not wait for room or for an element;
/// [`push_timeout`](Stack::push_timeout) and [`pop_timeout`](Stack::pop_timeout) wait up to a
/// time limit, spinning briefly, then yielding, then sleeping in steps of at most a
/// millisecond.
///
/// Order is last in, first out among operations that do not overlap; operations that
/// overlap may complete in either order.
///
/// The stack is not lock-free in one respect, which the format fixes: an operation may have
/// to wait for a peer that is in the middle of an operation on the same slot. That wait is
/// bounded by the caller's time: if the peer died there, the operation fails (`push` hands
/// the value back, `pop` answers `None`, `pop_timeout` reports [`Error::Stalled`]) instead
/// of hanging, and so may later operations that reach the same slot, until
/// [`repair`](Stack::repair), run when nobody else is attached, undoes the dead peer's
/// claim. [`is_stalled`](Stack::is_stalled) tells such a slot from an empty or full stack.
///
/// The handle shares ownership of the mapping: it stays valid after the [`Memory`] it came
/// from is dropped. Geometry is read once, at open; `top` is checked against that private
/// capacity every time it is read, and a value out of range fails the operation.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Stack};
/// # let name = format!("/zeroipc_doc_stack_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let s = Stack::<f64>::create(&mem, "undo", 64)?;
/// s.push(1.0).unwrap();
/// s.push(2.0).unwrap();
///
/// let other = Stack::<f64>::open(&Memory::open(&name)?, "undo")?;
/// assert_eq!(other.peek(), Some(2.0));
/// assert_eq!(other.pop(), Some(2.0));
/// assert_eq!(other.pop(), Some(1.0));
/// assert_eq!(other.pop(), None);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
pub struct Stack<T> {
    /// The `top` word.
    top: Mapped<AtomicI32>,
    /// The `capacity` state words.
    state: Mapped<AtomicU32>,
    /// The `capacity` element slots.
    data: Mapped<T>,
    /// Slots: 1 to `MAX_STACK_CAPACITY`. Read once, never re-read.
    capacity: usize,
    /// The structure's offset in the segment, for `repair`.
    offset: u64,
    name: String,
}

#[cfg(not(loom))]
impl<T: Pod> Stack<T> {
    /// Adds an empty stack called `name` with room for `capacity` elements.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`] if the table has that name, [`Error::TableFull`],
    /// [`Error::OutOfSpace`] (also for a capacity above `i32::MAX`); a validation error if
    /// the table is corrupt. On error the segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Stack<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        assert!(capacity > 0, "a stack has room for at least one element");
        let elem_type = Some(crate::schema::TypeDesc::of::<T>());
        let entry = add_stack(mem, name, capacity, size_of::<T>(), elem_type)?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity)
    }

    /// Opens the stack called `name`.
    ///
    /// The header is checked against the entry and against `T` before anything else is
    /// used: the capacity must be 1 to `i32::MAX`, the element size `size_of::<T>()`, the
    /// entry exactly as large as that geometry implies, and `top` within `-1..capacity`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`] if the stack holds elements of
    /// another size; [`Error::CapacityMismatch`] if the header does not fit its entry;
    /// [`Error::Corrupt`] for a capacity of zero or above `i32::MAX`, or `top` out of range;
    /// a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Stack<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        let region = mem.writable()?;
        crate::schema::expect_type(mem, name, &crate::schema::TypeDesc::of::<T>())?;
        let (entry, header) = ring::read_header::<StackHeader>(mem, name)?;
        let capacity = header.capacity as usize;
        check_capacity(name, capacity)?;
        ring::check_geometry::<T>(name, &entry, capacity, header.elem_size)?;
        let stack = Self::from_parts(region, name, entry.offset(), capacity)?;
        check_top(name, &stack.top, capacity)?;
        Ok(stack)
    }

    /// Builds the handle over a stack whose geometry the caller chose or validated:
    /// `capacity` 1 to `MAX_STACK_CAPACITY`, elements of `size_of::<T>()` bytes, at `offset`.
    fn from_parts(region: &Region, name: &str, offset: u64, capacity: usize) -> Result<Stack<T>> {
        let (top, state, data) = map_stack(
            region,
            name,
            offset,
            capacity,
            size_of::<T>(),
            capacity as u64,
        )?;
        Ok(Stack {
            top,
            state,
            data,
            capacity,
            offset,
            name: name.to_owned(),
        })
    }

    #[inline]
    fn view(&self) -> StackView<'_, T, MappedSlots<'_, T>> {
        StackView::new(
            self.top.atomic(),
            self.state.atomics(),
            MappedSlots::new(&self.data),
        )
    }

    fn top_out_of_range(&self, top: i32) -> Error {
        top_out_of_range(&self.name, top, self.capacity)
    }

    /// The slot a peer holds that the next push (`up`) or pop would take, if any.
    fn busy(view: &StackView<'_, T, MappedSlots<'_, T>>, up: bool) -> Option<usize> {
        match view.check_slot(up) {
            Err(StackFail::Busy { index, .. }) => Some(index),
            _ => None,
        }
    }

    /// The answer of a `_timeout` call whose time ran out: [`Error::Stalled`] if the same
    /// slot was held by a peer at the first look (`held`) and is still, else a time-out.
    fn ran_out(&self, held: Option<usize>, now: Option<usize>) -> Error {
        match (held, now) {
            (Some(first), Some(last)) if first == last => Error::Stalled {
                entry: self.name.clone(),
                position: first as u64,
            },
            _ => Error::Timeout,
        }
    }

    /// The table name of this stack.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of elements (`top + 1`). Other processes may change it at any moment, so
    /// it is a snapshot; it is always between 0 and the capacity.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether the stack held no elements at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every slot was taken at the moment of the call.
    pub fn is_full(&self) -> bool {
        self.len() == self.capacity
    }

    /// Pushes `value` on top.
    ///
    /// Does not wait: not for room, and not for a peer that is still popping the slot the
    /// push lands in, for which it only spins a few microseconds (without yielding or
    /// sleeping) before it gives up.
    ///
    /// # Errors
    ///
    /// Hands `value` back if the stack is full, if its slot was still busy after that spin
    /// (a peer in the middle of a pop, or one that died there), or if `top` is corrupt.
    pub fn push(&self, value: T) -> Result<(), T> {
        self.view()
            .push(value, &mut Wait::spin_only())
            .map_err(|(value, _)| value)
    }

    /// Pops the top element; `None` if the stack is empty.
    ///
    /// Does not wait: not for an element, and not for a peer that is still pushing the
    /// element it takes, for which it only spins a few microseconds before it gives up.
    /// `None` also then, and when `top` is corrupt; [`pop_timeout`](Stack::pop_timeout)
    /// tells these apart.
    pub fn pop(&self) -> Option<T> {
        self.view().pop(&mut Wait::spin_only()).ok()
    }

    /// A copy of the top element, without popping it.
    ///
    /// Best-effort: the stack may change at any moment, so the element may be popped by the
    /// time the caller looks at it; `None` when the stack is empty, and also when its top
    /// slot is being pushed or popped at the moment of the call.
    pub fn peek(&self) -> Option<T> {
        self.view().peek()
    }

    /// Copies of the elements, bottom first, without popping them: for tools that show a
    /// live stack.
    ///
    /// Best-effort: while it runs, other processes may push and pop, so the result may mix
    /// elements from slightly different moments; a slot being pushed or popped, or that
    /// changed while it was copied, is left out.
    pub fn snapshot(&self) -> Vec<T> {
        self.view().snapshot()
    }

    /// Pushes `value`, waiting up to `timeout` for room, and for a peer still popping the
    /// slot the push lands in. Returns within `timeout` (plus scheduling delays).
    ///
    /// # Errors
    ///
    /// Hands `value` back in a [`PushTimeoutError`] whose error is [`Error::Stalled`]
    /// naming the slot if, from the first look to the last, the slot the push lands in was
    /// held by a peer in the middle of a pop there (one that stopped or died there: see
    /// [`repair`](Stack::repair)); [`Error::Timeout`] if the stack stayed full, or its next
    /// slot busy, for the whole `timeout` otherwise; [`Error::Corrupt`] at once if `top` is
    /// out of range.
    pub fn push_timeout(&self, value: T, timeout: Duration) -> Result<(), PushTimeoutError<T>> {
        let view = self.view();
        let mut value = value;
        // One wait for the whole call: for room, and for a slot a peer is finishing with.
        let mut wait = Wait::new(timeout);
        // The busy slot of the first look, kept while every later look sees the same one.
        let mut held: Option<Option<usize>> = None;
        // Exit: the push succeeded, it failed for another reason than a full stack or a busy
        // slot, or the time is up.
        loop {
            let (now, (word, seen)) = match view.push(value, &mut wait) {
                Ok(()) => return Ok(()),
                Err((v, StackFail::Full)) => {
                    value = v;
                    (None, view.watch(false))
                }
                Err((v, StackFail::Busy { index, state })) => {
                    value = v;
                    (Some(index), (&view.state[index], state))
                }
                // The caller's time ran out while a peer finished with the slot it claimed
                // (`Empty` is a pop's answer, never a push's).
                Err((v, StackFail::Stuck { .. } | StackFail::Empty)) => {
                    return Err(PushTimeoutError::new(v, Error::Timeout));
                }
                Err((v, StackFail::Corrupt { top })) => {
                    return Err(PushTimeoutError::new(v, self.top_out_of_range(top)));
                }
            };
            held = Some(match held {
                None => now,
                Some(first) => first.filter(|_| now == first),
            });
            if !wait.wait(word, seen) {
                let error = self.ran_out(held.flatten(), Self::busy(&view, true));
                return Err(PushTimeoutError::new(value, error));
            }
        }
    }

    /// Pops the top element, waiting up to `timeout` for one, and for a peer still pushing
    /// the element it takes. Returns within `timeout` (plus scheduling delays).
    ///
    /// # Errors
    ///
    /// [`Error::Stalled`] naming the slot if, from the first look to the last, the top slot
    /// was held by a peer in the middle of an operation on it (one that stopped or died
    /// there: see [`repair`](Stack::repair)); [`Error::Timeout`] if the stack stayed empty,
    /// or its top slot busy, for the whole `timeout` otherwise; [`Error::Corrupt`] at once if
    /// `top` is out of range.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T> {
        let view = self.view();
        // One wait for the whole call: for an element, and for a slot a peer is finishing
        // with.
        let mut wait = Wait::new(timeout);
        // The busy slot of the first look, kept while every later look sees the same one.
        let mut held: Option<Option<usize>> = None;
        // Exit: an element was popped, the pop failed for another reason than an empty
        // stack, or the time is up.
        loop {
            let (now, (word, seen)) = match view.pop(&mut wait) {
                Ok(value) => return Ok(value),
                Err(StackFail::Empty) => (None, view.watch(true)),
                Err(StackFail::Busy { index, state }) => (Some(index), (&view.state[index], state)),
                // The caller's time ran out while a peer finished with the slot it claimed
                // (`Full` is a push's answer, never a pop's).
                Err(StackFail::Stuck { .. } | StackFail::Full) => return Err(Error::Timeout),
                Err(StackFail::Corrupt { top }) => return Err(self.top_out_of_range(top)),
            };
            held = Some(match held {
                None => now,
                Some(first) => first.filter(|_| now == first),
            });
            if !wait.wait(word, seen) {
                return Err(self.ran_out(held.flatten(), Self::busy(&view, false)));
            }
        }
    }

    /// Whether a peer's unfinished operation holds this stack up at the moment of the call:
    /// the slot the next pop or push would take is in the middle of a push or pop. A live
    /// peer is in that state for a moment during each of its operations; one that stays so
    /// is stopped or dead (see [`repair`](Stack::repair)).
    pub fn is_stalled(&self) -> bool {
        let view = self.view();
        Self::busy(&view, false).is_some() || Self::busy(&view, true).is_some()
    }

    /// Undoes the claims that peers which died in the middle of an operation left in this
    /// stack, and reports what it changed: every element that was fully pushed and not
    /// taken stays, bottom first, including one a pop claimed but never finished taking (it
    /// did not return: the element is put back, and counted in
    /// [`EntryRepair::returned`](crate::EntryRepair)); a slot a push claimed but never
    /// finished writing (it did not return) is dropped
    /// ([`EntryRepair::dropped`](crate::EntryRepair)). The elements kept are moved down to
    /// the bottom slots, in their order, every slot state set to READY below `top` and EMPTY
    /// above it, and `top` to the last element kept. A stack with nothing to undo is left as
    /// it is.
    ///
    /// It must be alone, as [`Queue::repair`](crate::Queue::repair) says: refused while any
    /// other handle is attached.
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
}

/// The repair of the stack at `offset` of `region`, of `capacity` slots (1 to
/// `MAX_STACK_CAPACITY`) of `elem` bytes: see [`Stack::repair`]. The caller holds the
/// segment alone.
///
/// A slot READY holds a pushed element (below `top`, or above it where a pop moved `top`
/// and never took it); READING, an element a pop took and never finished with: both kept.
/// WRITING is a push that never finished, EMPTY at or below `top` a push that claimed its
/// index and never started, and any other state is none an operation leaves: those are
/// dropped.
#[cfg(not(loom))]
fn repair_at(
    region: &Region,
    name: &str,
    offset: u64,
    capacity: usize,
    elem: usize,
) -> Result<crate::EntryRepair> {
    let outside = || Error::corrupt(name, "stack lies outside the segment");
    let top_word = region
        .atomic_i32(offset + STACK_TOP_OFFSET as u64)
        .ok_or_else(outside)?;
    let reserved_word = region
        .atomic_u32(offset + STACK_RESERVED_OFFSET as u64)
        .ok_or_else(outside)?;
    let states_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let state = region
        .atomic_u32_slice(offset + states_offset, capacity as u64)
        .ok_or_else(outside)?;
    let data = region
        .mapped::<u8>(
            offset + layout::RING_HEADER_SIZE as u64,
            (capacity * elem) as u64,
        )
        .ok_or_else(outside)?;

    // Acquire: pairs with the Release stores of the peers' last operations (and of an
    // earlier repair), so that what they wrote is seen; the segment is ours alone now.
    let top = top_word.load(Ordering::Acquire);
    let mut report = crate::EntryRepair::new(name, "stack");
    let mut kept = Vec::new();
    for (index, word) in state.iter().enumerate() {
        let below = index as i64 <= i64::from(top);
        // Acquire: as above, for the element a READY state publishes.
        match word.load(Ordering::Acquire) {
            READY => {
                kept.push(index);
                if !below {
                    report.returned += 1;
                }
            }
            READING => {
                kept.push(index);
                report.returned += 1;
            }
            EMPTY if !below => {}
            _ => report.dropped += 1,
        }
    }
    report.kept = kept.len() as u64;
    // Move the elements kept down, the lowest first: each moves to the same or a lower
    // slot, so none is overwritten before it has moved.
    let mut buf = vec![0u8; elem];
    for (to, &from) in kept.iter().enumerate() {
        if to != from {
            data.load_run(from * elem, &mut buf).ok_or_else(outside)?;
            data.store_run(to * elem, &buf).ok_or_else(outside)?;
        }
    }
    let mut rewritten = 0u64;
    for (index, word) in state.iter().enumerate() {
        let want = if index < kept.len() { READY } else { EMPTY };
        // Relaxed: ours alone; compared only.
        if word.load(Ordering::Relaxed) != want {
            // Release: pairs with the Acquire compare-and-swap of the first operation on the
            // slot after the repair, so the element moved above is seen with its state.
            word.store(want, Ordering::Release);
            rewritten += 1;
        }
    }
    let new_top = kept.len() as i32 - 1; // capacity <= i32::MAX
    if top != new_top {
        // Release: as above.
        top_word.store(new_top, Ordering::Release);
        report.reset.push(format!("top {top} -> {new_top}"));
    }
    if rewritten > 0 {
        report
            .reset
            .push(format!("{rewritten} slot states rewritten"));
    }
    // Relaxed: ours alone; the format wants zero there.
    let reserved = reserved_word.load(Ordering::Relaxed);
    if reserved != 0 {
        // Relaxed: as above.
        reserved_word.store(0, Ordering::Relaxed);
        report.reset.push(format!("reserved {reserved} -> 0"));
    }
    Ok(report)
}

#[cfg(not(loom))]
impl<T> Clone for Stack<T> {
    fn clone(&self) -> Self {
        Stack {
            top: self.top.clone(),
            state: self.state.clone(),
            data: self.data.clone(),
            capacity: self.capacity,
            offset: self.offset,
            name: self.name.clone(),
        }
    }
}

/// Adds an empty stack called `name` of `capacity` slots (1 to `MAX_STACK_CAPACITY`) of
/// `elem` bytes. With an element type its schema line is recorded
/// ([`Memory::add_described`]); without, a binding's pending line, if any ([`Memory::add`]).
///
/// # Errors
///
/// As [`Stack::create`].
#[cfg(not(loom))]
fn add_stack(
    mem: &Memory,
    name: &str,
    capacity: usize,
    elem: usize,
    elem_type: Option<crate::schema::TypeDesc>,
) -> Result<crate::table::Entry> {
    let size = layout::checked_ring_size(capacity, elem)
        .filter(|_| capacity <= MAX_STACK_CAPACITY)
        .ok_or(Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        })?;
    let states_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let init = |region: &Region, offset: u64| {
        let header = StackHeader {
            top: -1,
            capacity: capacity as u32,
            elem_size: elem as u32,
            reserved: 0,
        };
        region.write(offset, header)?;
        // The format wants unused slots zero; see `add_queue`.
        region.write_bytes(
            offset + layout::RING_HEADER_SIZE as u64,
            &vec![0; layout::align8(capacity * elem)],
        )?;
        for word in region.atomic_u32_slice(offset + states_offset, capacity as u64)? {
            // Relaxed: published with the entry by the table's Release store.
            word.store(EMPTY, Ordering::Relaxed);
        }
        Some(())
    };
    match elem_type {
        Some(ty) => {
            let line = crate::schema::EntryDesc {
                params: &[("capacity", capacity as u64)],
                ty: Some(ty),
                ..crate::schema::EntryDesc::new(name, "stack")
            };
            mem.add_described(size as u64, init, &line)
        }
        None => mem.add(name, size as u64, init),
    }
}

/// The `top` word, the slot states and the data (`data_len` values of `D`) of the stack at
/// `offset` of `region`, of `capacity` slots of `elem` bytes.
///
/// # Errors
///
/// [`Error::Corrupt`] if any of them lies outside the segment.
#[cfg(not(loom))]
fn map_stack<D>(
    region: &Region,
    name: &str,
    offset: u64,
    capacity: usize,
    elem: usize,
    data_len: u64,
) -> Result<(Mapped<AtomicI32>, Mapped<AtomicU32>, Mapped<D>)> {
    let outside = || Error::corrupt(name, "stack lies outside the segment");
    let states_offset = layout::ring_slots_offset(capacity, elem) as u64;
    let top = region
        .mapped(offset + STACK_TOP_OFFSET as u64, 1)
        .ok_or_else(outside)?;
    let state = region
        .mapped(offset + states_offset, capacity as u64)
        .ok_or_else(outside)?;
    let data = region
        .mapped::<D>(offset + layout::RING_HEADER_SIZE as u64, data_len)
        .ok_or_else(outside)?;
    Ok((top, state, data))
}

/// The error for a `top` outside `-1..capacity`.
#[cfg(not(loom))]
fn top_out_of_range(name: &str, top: i32, capacity: usize) -> Error {
    Error::corrupt(name, format!("stack top is {top}, outside -1..{capacity}"))
}

/// Checks a stack's `top` word, at open, against its `capacity`: `-1..capacity`.
///
/// # Errors
///
/// [`Error::Corrupt`] naming the value.
#[cfg(not(loom))]
fn check_top(name: &str, top: &Mapped<AtomicI32>, capacity: usize) -> Result<()> {
    // Relaxed: a validity check of the value only.
    let top = top.atomic().load(Ordering::Relaxed);
    if top < -1 || top >= capacity as i32 {
        return Err(top_out_of_range(name, top, capacity));
    }
    Ok(())
}

/// Checks a stack header's `capacity`: 1 to `MAX_STACK_CAPACITY` (2^31 - 1).
///
/// # Errors
///
/// [`Error::Corrupt`] naming the capacity.
#[cfg(not(loom))]
fn check_capacity(name: &str, capacity: usize) -> Result<()> {
    if capacity == 0 || capacity > MAX_STACK_CAPACITY {
        return Err(Error::corrupt(
            name,
            format!("stack capacity {capacity} is not between 1 and 2^31 - 1"),
        ));
    }
    Ok(())
}

#[cfg(not(loom))]
impl<T> fmt::Debug for Stack<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stack")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("segment", &self.data.region().shm().name())
            .finish_non_exhaustive()
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

#[cfg(not(loom))]
impl<T: Pod> Stack<T> {
    /// Opens the stack called `name` for reading only, on any segment: the one way to read
    /// a stack of a segment opened read-only
    /// ([`Options::read_only`](crate::Options::read_only), [`Memory::open_copy`]), where
    /// [`Stack::open`] is refused. The checks are those of [`Stack::open`].
    ///
    /// # Errors
    ///
    /// As [`Stack::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<StackReader<T>> {
        Ok(StackReader {
            stack: Stack::open(&mem.for_reading(), name)?,
        })
    }
}

/// A stack opened for reading only ([`Stack::open_read`]): the methods of a [`Stack`]
/// that leave it as it is, and no others, so it can live on a `PROT_READ` mapping.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Stack};
/// # let name = format!("/zeroipc_doc_stack_reader_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// Stack::<u32>::create(&mem, "undo", 8)?.push(7).unwrap();
///
/// let seen = Memory::open_copy(&name)?;
/// let undo = Stack::<u32>::open_read(&seen, "undo")?;
/// assert_eq!(undo.peek(), Some(7));
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
pub struct StackReader<T> {
    /// Kept private: only its reading methods are called.
    stack: Stack<T>,
}

#[cfg(not(loom))]
impl<T: Pod> StackReader<T> {
    /// The table name of this stack.
    pub fn name(&self) -> &str {
        self.stack.name()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.stack.capacity()
    }

    /// The number of elements at the moment of the call; see [`Stack::len`].
    pub fn len(&self) -> usize {
        self.stack.len()
    }

    /// Whether the stack held no elements at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }

    /// Whether every slot was taken at the moment of the call.
    pub fn is_full(&self) -> bool {
        self.stack.is_full()
    }

    /// A copy of the top element, without popping it; see [`Stack::peek`].
    pub fn peek(&self) -> Option<T> {
        self.stack.peek()
    }

    /// Copies of the elements, bottom first, without popping them; see [`Stack::snapshot`].
    pub fn snapshot(&self) -> Vec<T> {
        self.stack.snapshot()
    }
}

#[cfg(not(loom))]
impl<T> Clone for StackReader<T> {
    fn clone(&self) -> Self {
        StackReader {
            stack: self.stack.clone(),
        }
    }
}

#[cfg(not(loom))]
impl<T> fmt::Debug for StackReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackReader")
            .field("stack", &self.stack)
            .finish()
    }
}

// ---- A stack of elements whose size is known at run time ----------------------------------

/// A [`Stack`] whose element size is known only at run time: elements are byte strings of
/// [`elem_size`](RawStack::elem_size) bytes. For bindings to languages whose element types
/// are dynamic (the Python package); the algorithm is [`Stack`]'s view, over the same words,
/// and the calls answer with the view's own reason ([`StackFail`]) when they fail, so that a
/// binding can report a slot a peer left busy.
#[doc(hidden)]
#[cfg(not(loom))]
pub struct RawStack {
    top: Mapped<AtomicI32>,
    state: Mapped<AtomicU32>,
    /// `capacity * elem_size` bytes.
    data: Mapped<u8>,
    capacity: usize,
    elem_size: usize,
    name: String,
}

/// Where a waiting operation of a [`RawStack`] first found a slot busy, and when: kept by
/// the caller across calls, so that the patience for a busy slot spans them.
#[doc(hidden)]
#[cfg(not(loom))]
pub type BusySince = Option<(usize, Instant)>;

#[cfg(not(loom))]
impl RawStack {
    /// As [`Stack::create`], for elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Stack::create`]; [`Error::OutOfSpace`] also for a capacity or an `elem_size` of
    /// zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize, elem_size: usize) -> Result<RawStack> {
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        if elem_size == 0 || elem_size > u32::MAX as usize || capacity == 0 {
            return Err(too_big());
        }
        let entry = add_stack(mem, name, capacity, elem_size, None)?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity, elem_size)
    }

    /// As [`Stack::open`], for elements of any size; the size is the header's.
    ///
    /// # Errors
    ///
    /// As [`Stack::open`], less the element size check; [`Error::Corrupt`] for an element
    /// size of zero.
    pub fn open(mem: &Memory, name: &str) -> Result<RawStack> {
        // A handle that writes: refused on a read-only segment before anything is read.
        mem.writable()?;
        let (entry, header) = ring::read_header::<StackHeader>(mem, name)?;
        let capacity = header.capacity as usize;
        let elem_size = header.elem_size as usize;
        check_capacity(name, capacity)?;
        if elem_size == 0 {
            return Err(Error::corrupt(name, "stack element size is 0"));
        }
        ring::check_size(name, &entry, capacity, elem_size)?;
        let stack = Self::from_parts(mem.region(), name, entry.offset(), capacity, elem_size)?;
        check_top(name, &stack.top, capacity)?;
        Ok(stack)
    }

    fn from_parts(
        region: &Region,
        name: &str,
        offset: u64,
        capacity: usize,
        elem_size: usize,
    ) -> Result<RawStack> {
        let data_len = (capacity * elem_size) as u64;
        let (top, state, data) = map_stack(region, name, offset, capacity, elem_size, data_len)?;
        Ok(RawStack {
            top,
            state,
            data,
            capacity,
            elem_size,
            name: name.to_owned(),
        })
    }

    #[inline]
    fn view<'a>(
        &'a self,
        src: &'a [u8],
        dst: &'a mut [u8],
    ) -> StackView<'a, (), ByteSlots<'a, 'a>> {
        StackView::new(
            self.top.atomic(),
            self.state.atomics(),
            ByteSlots::new(&self.data, self.elem_size, src, dst),
        )
    }

    /// The table name of this stack.
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

    /// As [`Stack::len`].
    pub fn len(&self) -> usize {
        self.view(&[], &mut []).len()
    }

    /// As [`Stack::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits for a busy slot: `false` once it has been busy for `patience` (counted from
    /// when `busy` first saw this slot busy) or the wait ran out.
    fn wait_busy(
        &self,
        index: usize,
        state: u32,
        patience: Duration,
        busy: &mut BusySince,
    ) -> bool {
        let now = Instant::now();
        let since = match *busy {
            Some((i, since)) if i == index => since,
            _ => {
                *busy = Some((index, now));
                now
            }
        };
        let left = patience.saturating_sub(now.saturating_duration_since(since));
        !left.is_zero() && Wait::new(left).wait(&self.state.atomics()[index], state)
    }

    /// Pushes the element `src` (its first `elem_size` bytes), waiting up to `timeout` for
    /// room, and for a slot a peer is still finishing with up to `patience` (counted across
    /// calls in `busy`).
    ///
    /// # Errors
    ///
    /// [`StackFail::Full`] if there was no room for the whole `timeout`;
    /// [`StackFail::Busy`] or [`StackFail::Stuck`] (with the slot and its state) if a slot
    /// stayed a peer's for `patience`; [`StackFail::Corrupt`] for a `top` out of range.
    /// [`StackFail::Empty`] stands for a `src` shorter than an element.
    pub fn push_bytes(
        &self,
        src: &[u8],
        timeout: Duration,
        patience: Duration,
        busy: &mut BusySince,
    ) -> Result<(), StackFail> {
        let Some(src) = src.get(..self.elem_size) else {
            return Err(StackFail::Empty);
        };
        let view = self.view(src, &mut []);
        let mut room = Wait::new(timeout);
        // Exit: pushed, or a failure that waiting does not mend, or the time is up.
        loop {
            match view.push((), &mut Wait::new(patience)) {
                Ok(()) => return Ok(()),
                Err(((), StackFail::Full)) => {
                    let (word, seen) = view.watch(false);
                    if !room.wait(word, seen) {
                        return Err(StackFail::Full);
                    }
                }
                Err(((), StackFail::Busy { index, state })) => {
                    if !self.wait_busy(index, state, patience, busy) {
                        return Err(StackFail::Busy { index, state });
                    }
                }
                Err(((), fail)) => return Err(fail),
            }
        }
    }

    /// Pops the top element into the front of `dst`, waiting up to `timeout` for one, and
    /// for a slot a peer is still finishing with up to `patience` (counted across calls in
    /// `busy`).
    ///
    /// # Errors
    ///
    /// As [`push_bytes`](RawStack::push_bytes), with [`StackFail::Empty`] for a stack that
    /// stayed empty (or a `dst` shorter than an element).
    pub fn pop_bytes(
        &self,
        dst: &mut [u8],
        timeout: Duration,
        patience: Duration,
        busy: &mut BusySince,
    ) -> Result<(), StackFail> {
        let elem = self.elem_size;
        let Some(dst) = dst.get_mut(..elem) else {
            return Err(StackFail::Empty);
        };
        let mut room = Wait::new(timeout);
        // Exit: popped, or a failure that waiting does not mend, or the time is up.
        loop {
            let view = self.view(&[], &mut *dst);
            let fail = match view.pop(&mut Wait::new(patience)) {
                Ok(()) => return Ok(()),
                Err(fail) => fail,
            };
            match fail {
                StackFail::Empty => {
                    let (word, seen) = view.watch(true);
                    if !room.wait(word, seen) {
                        return Err(StackFail::Empty);
                    }
                }
                StackFail::Busy { index, state } => {
                    if !self.wait_busy(index, state, patience, busy) {
                        return Err(fail);
                    }
                }
                _ => return Err(fail),
            }
        }
    }

    /// Copies the top element into the front of `dst` without popping it; `Ok(false)` if
    /// the stack is empty. Waits up to `patience` for a top slot a peer is finishing with.
    ///
    /// # Errors
    ///
    /// [`StackFail::Stuck`] if the top slot stayed a peer's for `patience`;
    /// [`StackFail::Corrupt`] for a `top` out of range; [`StackFail::Empty`] for a `dst`
    /// shorter than an element.
    pub fn peek_bytes(&self, dst: &mut [u8], patience: Duration) -> Result<bool, StackFail> {
        let elem = self.elem_size;
        let Some(dst) = dst.get_mut(..elem) else {
            return Err(StackFail::Empty);
        };
        let started = Instant::now();
        // Exit: a copy, an empty stack, or the patience ran out.
        loop {
            if self.view(&[], &mut *dst).peek().is_some() {
                return Ok(true);
            }
            // Relaxed: a guess, checked against the capacity; the slot's state orders the rest.
            let top = self.top.atomic().load(Ordering::Relaxed);
            if top < -1 || top >= self.capacity as i32 {
                return Err(StackFail::Corrupt { top });
            }
            if top == -1 {
                return Ok(false);
            }
            let index = top as usize;
            let word = &self.state.atomics()[index];
            // Relaxed: only picks what to wait for; the next peek re-reads everything.
            let state = word.load(Ordering::Relaxed);
            let left = patience.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(StackFail::Stuck { index, state });
            }
            if state != READY {
                Wait::new(left).wait(word, state);
            }
        }
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RawStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawStack")
            .field("name", &self.name)
            .field("capacity", &self.capacity)
            .field("elem_size", &self.elem_size)
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{layout, ring, Error, Memory, Pod, Stack};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    crate::declare::declare_elements!(Stack, capacity, false, layout::ring_size);

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("stack", read_entry)
            .hints(&["stack", "lifo", "undo"])
            .check(|mem, name, r| {
                crate::structures::with_element_size!(r.elem_size?, check_as(mem, name))
            })
            .repair(repair_entry)
            .example(|mem| crate::Stack::<u16>::create(mem, "s", 5).map(|_| "s".to_owned()));

    /// The repair of an entry read as a stack: its geometry checked as `Stack::open` checks
    /// it (whatever the element type; `top` is what repair sets right), then
    /// [`super::repair_at`].
    fn repair_entry(
        mem: &Memory,
        entry: &crate::table::Entry,
    ) -> crate::Result<crate::EntryRepair> {
        let name = entry.name();
        let bytes: Option<[u8; layout::RING_HEADER_SIZE]> = mem.region().read(entry.offset());
        let header = bytes
            .and_then(|b| crate::inspect::RawRingHeader::read(&b))
            .map(|h| h.as_stack());
        let fits = header.filter(|s| {
            let capacity = s.capacity as usize;
            super::check_capacity(name, capacity).is_ok()
                && s.elem_size > 0
                && ring::check_size(name, entry, capacity, s.elem_size as usize).is_ok()
        });
        let Some(s) = fits else {
            return Err(Error::corrupt(
                name,
                "not repaired: the stack's capacity and element size do not fit its entry",
            ));
        };
        super::repair_at(
            mem.region(),
            name,
            entry.offset(),
            s.capacity as usize,
            s.elem_size as usize,
        )
    }

    /// A stack: a capacity and an element size whose geometry is exactly the entry's size.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        use std::fmt::Write as _;
        let s = crate::inspect::RawRingHeader::read(p.head)?.as_stack();
        let mut r = ring::reading(
            p,
            "stack",
            (s.capacity, s.elem_size, s.capacity > 0),
            format!(
                "stack of {} slots of {} bytes: top {}",
                s.capacity, s.elem_size, s.top
            ),
        )?;
        if s.top >= -1 && i64::from(s.top) < i64::from(s.capacity) {
            let items = u64::try_from(i64::from(s.top) + 1).unwrap_or(0);
            let _ = write!(r.description, ", {items} stacked");
            r.items = Some(items);
        } else {
            r.inconsistent = Some(format!(
                "top {} is outside -1..{}",
                s.top,
                i64::from(s.capacity) - 1
            ));
        }
        if s.reserved != 0 {
            r.inconsistent = Some(format!("reserved word is {}, not 0", s.reserved));
        }
        Some(r)
    }

    fn check_as<T: Pod>(mem: &Memory, name: &str) -> std::result::Result<String, String> {
        Stack::<T>::open(mem, name)
            .map(|s| {
                format!(
                    "Stack of {} slots of {} bytes, {} stacked",
                    s.capacity(),
                    size_of::<T>(),
                    s.len()
                )
            })
            .map_err(|e| format!("Stack::open: {e}"))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::STRUCTURE;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::Segment;
    use std::time::Instant;

    /// A stack of 4 whose element 0 is pushed and whose slot 1 a peer claimed (moving `top`
    /// to 1) and left in `state`, as a peer that died mid-operation does.
    fn stack_with_a_stuck_slot(seg: &Segment, state: u32) -> Stack<u32> {
        let s = Stack::<u32>::create(&seg.mem, "s", 4).unwrap();
        s.push(7).unwrap();
        let view = s.view();
        view.top.store(1, Ordering::Relaxed);
        view.state[1].store(state, Ordering::Relaxed);
        s
    }

    /// Far above what the calls below take when they keep their word (microseconds to
    /// milliseconds).
    const PROMPT: Duration = Duration::from_millis(400);

    #[test]
    fn push_and_pop_do_not_wait_for_a_stuck_slot() {
        let seg = Segment::new(1 << 16);
        let s = stack_with_a_stuck_slot(&seg, WRITING);
        let start = Instant::now();
        assert_eq!(s.pop(), None);
        assert!(start.elapsed() < PROMPT, "pop took {:?}", start.elapsed());
        // A push lands on slot 2; make a pop be still reading it.
        s.view().state[2].store(READING, Ordering::Relaxed);
        let start = Instant::now();
        assert_eq!(s.push(9), Err(9));
        assert!(start.elapsed() < PROMPT, "push took {:?}", start.elapsed());
        // Nothing was claimed: `top` is where the peer left it.
        assert_eq!(s.view().top.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn the_timeout_calls_keep_to_the_callers_time_on_a_stuck_slot() {
        let seg = Segment::new(1 << 16);
        let s = stack_with_a_stuck_slot(&seg, WRITING);
        let start = Instant::now();
        assert!(matches!(
            s.pop_timeout(Duration::from_millis(1)),
            Err(Error::Stalled { position: 1, .. })
        ));
        assert!(
            start.elapsed() < PROMPT,
            "pop_timeout took {:?}",
            start.elapsed()
        );
        s.view().state[2].store(READING, Ordering::Relaxed);
        let start = Instant::now();
        let stalled = s.push_timeout(9, Duration::from_millis(1)).unwrap_err();
        assert!(
            matches!(stalled.error(), Error::Stalled { position: 2, .. }),
            "{stalled:?}"
        );
        assert_eq!(stalled.into_inner(), 9);
        assert!(
            start.elapsed() < PROMPT,
            "push_timeout took {:?}",
            start.elapsed()
        );
        assert_eq!(s.view().top.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_slot_freed_within_the_timeout_is_taken() {
        let seg = Segment::new(1 << 16);
        let s = stack_with_a_stuck_slot(&seg, WRITING);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(20));
                s.view().state[1].store(READY, Ordering::Release);
            });
            // Slot 1 holds whatever the "peer" wrote: zero.
            assert_eq!(s.pop_timeout(Duration::from_secs(10)).unwrap(), 0);
        });
        assert_eq!(s.pop(), Some(7));
    }

    #[test]
    fn a_slot_left_busy_for_the_whole_wait_is_a_stall_and_claims_nothing() {
        let seg = Segment::new(1 << 16);
        let s = Stack::<u32>::create(&seg.mem, "s", 4).unwrap();
        s.push(1).unwrap();
        // A peer claimed index 1 and died before finishing its push.
        let view = s.view();
        view.top.store(1, Ordering::Relaxed);
        view.state[1].store(WRITING, Ordering::Relaxed);
        assert!(s.is_stalled());
        match s.pop_timeout(Duration::from_millis(50)) {
            Err(Error::Stalled { entry, position }) => {
                assert_eq!((entry.as_str(), position), ("s", 1));
            }
            other => panic!("{other:?}"),
        }
        // The pop claimed nothing: the stuck slot is still on top, and the element below it
        // is still there.
        assert_eq!(view.top.load(Ordering::Relaxed), 1);
        view.state[1].store(READY, Ordering::Relaxed);
        assert_eq!(s.pop(), Some(0));
        assert_eq!(s.pop(), Some(1));
    }

    #[test]
    fn a_corrupt_top_fails_every_operation_without_indexing() {
        let seg = Segment::new(1 << 16);
        let s = Stack::<u32>::create(&seg.mem, "s", 4).unwrap();
        for bad in [4, i32::MAX, -2, i32::MIN] {
            s.view().top.store(bad, Ordering::Relaxed);
            assert_eq!(s.push(7), Err(7));
            assert_eq!(s.pop(), None);
            assert_eq!(s.peek(), None);
            assert!(matches!(
                s.pop_timeout(Duration::from_secs(5)),
                Err(Error::Corrupt { .. })
            ));
            let refused = s.push_timeout(8, Duration::from_secs(5)).unwrap_err();
            assert!(
                matches!(refused.error(), Error::Corrupt { .. }),
                "{refused:?}"
            );
            assert_eq!(refused.into_inner(), 8);
            assert!(s.len() <= 4);
            assert!(s.snapshot().len() <= 4);
        }
    }
}
