//! Where a queue's or a stack's elements live, as their algorithms see them.
//!
//! The algorithms in `queue` and `stack` decide which thread or process owns a slot at any
//! moment; moving an element into or out of a slot goes through [`Slots`]. In a real segment
//! the slots are the structure's data section in the mapping ([`MappedSlots`]). Under loom
//! they are heap cells that loom watches ([`CellSlots`]), so the model checker proves that
//! every hand-over of a slot, as the algorithm orders it, happens before the next access.
//!
//! `unsafe` lives here because element data is reached through raw pointers: another process
//! may write a mapping at any time, so no reference to element data is ever formed.

#[cfg(not(loom))]
use std::ptr::NonNull;

/// The element storage of a ring (queue or stack): `len()` slots of `T`, indexed from 0.
pub(crate) trait Slots<T> {
    /// The number of slots.
    fn len(&self) -> usize;

    /// Copies `value` into slot `index`.
    ///
    /// # Safety
    ///
    /// - `index < self.len()`;
    /// - the algorithm has given the caller slot `index` for writing.
    unsafe fn write(&self, index: usize, value: T);

    /// Copies the value out of slot `index`.
    ///
    /// # Safety
    ///
    /// - `index < self.len()`;
    /// - the algorithm has given the caller slot `index` for reading.
    unsafe fn read(&self, index: usize) -> T;
}

/// The data section of a queue or stack in a mapping.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct MappedSlots<T> {
    /// First slot. Aligned for `T` and followed by `len` slots inside a live mapping; set
    /// once in `new`, whose caller promises it.
    ptr: NonNull<T>,
    len: usize,
}

#[cfg(not(loom))]
impl<T> MappedSlots<T> {
    /// The `len` slots at `ptr`.
    ///
    /// # Safety
    ///
    /// - `ptr` is aligned for `T` and valid for reads and writes of `len` values of `T`;
    /// - it stays so for as long as the returned value (or a copy of it) is used.
    pub(crate) unsafe fn new(ptr: NonNull<T>, len: usize) -> MappedSlots<T> {
        MappedSlots { ptr, len }
    }
}

#[cfg(not(loom))]
impl<T: bytemuck::Pod> Slots<T> for MappedSlots<T> {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    unsafe fn write(&self, index: usize, value: T) {
        debug_assert!(index < self.len);
        // SAFETY: `index < len` (the caller's promise), and `ptr` is followed by `len`
        // aligned slots in a live mapping (invariant of `ptr`), so the slot is in bounds.
        let slot = unsafe { self.ptr.as_ptr().add(index) };
        // SAFETY: `slot` is in bounds, aligned and writable (above). The copy is per-byte
        // atomic: a process that breaks the algorithm and touches the slot at the same time
        // can only leave a torn element, and any bytes are a valid `T` (`Pod`).
        unsafe { crate::atomic::store(slot, value) };
    }

    #[inline]
    unsafe fn read(&self, index: usize) -> T {
        debug_assert!(index < self.len);
        // SAFETY: as in `write`.
        let slot = unsafe { self.ptr.as_ptr().add(index) };
        // SAFETY: `slot` is in bounds, aligned and readable; the copy is per-byte atomic and
        // by value, and any bytes are a valid `T` (`Pod`), torn or not.
        unsafe { crate::atomic::load(slot) }
    }
}

/// Slots on the heap whose every access loom checks for a data race.
#[cfg(loom)]
#[derive(Debug)]
pub(crate) struct CellSlots<T> {
    cells: Box<[loom::cell::UnsafeCell<T>]>,
}

#[cfg(loom)]
impl<T: bytemuck::Pod> CellSlots<T> {
    /// `len` zeroed slots.
    pub(crate) fn new(len: usize) -> CellSlots<T> {
        CellSlots {
            cells: (0..len)
                .map(|_| loom::cell::UnsafeCell::new(T::zeroed()))
                .collect(),
        }
    }
}

// SAFETY: the cells are reached only through `Slots`, whose callers own the slot they touch;
// loom checks every access and fails the model if two of them race, which is what the loom
// tests are for. `T: Send` because values cross threads through the cells.
#[cfg(loom)]
unsafe impl<T: Send> Sync for CellSlots<T> {}

#[cfg(loom)]
impl<T: Copy> Slots<T> for &CellSlots<T> {
    fn len(&self) -> usize {
        self.cells.len()
    }

    unsafe fn write(&self, index: usize, value: T) {
        self.cells[index].with_mut(|p| {
            // SAFETY: `with_mut` hands out a pointer to the live cell; the caller owns the
            // slot, and loom fails the model on any access not ordered with this one.
            unsafe { p.write(value) }
        });
    }

    unsafe fn read(&self, index: usize) -> T {
        self.cells[index].with(|p| {
            // SAFETY: as in `write`, for a read.
            unsafe { p.read() }
        })
    }
}
