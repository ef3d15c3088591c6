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
use crate::region::Mapped;

/// The element storage of a ring (queue or stack): `len()` slots of `T`, indexed from 0.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[allow(clippy::len_without_is_empty)] // a ring always has slots
pub trait Slots<T> {
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
#[derive(Debug)]
pub(crate) struct MappedSlots<'a, T> {
    data: &'a Mapped<T>,
}

#[cfg(not(loom))]
impl<'a, T> MappedSlots<'a, T> {
    /// The slots `data`.
    pub(crate) fn new(data: &'a Mapped<T>) -> MappedSlots<'a, T> {
        MappedSlots { data }
    }
}

#[cfg(not(loom))]
impl<T: bytemuck::Pod> Slots<T> for MappedSlots<'_, T> {
    fn len(&self) -> usize {
        self.data.len()
    }

    #[inline]
    unsafe fn write(&self, index: usize, value: T) {
        // SAFETY: `index < len` (the caller's promise). The copy is per-byte atomic: a
        // process that breaks the algorithm and touches the slot at the same time can only
        // leave a torn element, and any bytes are a valid `T` (`Pod`).
        unsafe { self.data.store_unchecked(index, value) };
    }

    #[inline]
    unsafe fn read(&self, index: usize) -> T {
        // SAFETY: `index < len` (the caller's promise); a torn copy is still a `T`, as above.
        unsafe { self.data.load_unchecked(index) }
    }
}

/// Slots on the heap whose every access loom checks for a data race: what the loom tests
/// give a queue's or a stack's view.
#[cfg(loom)]
#[derive(Debug)]
pub struct CellSlots<T> {
    cells: Box<[loom::cell::UnsafeCell<T>]>,
}

#[cfg(loom)]
impl<T: bytemuck::Pod> CellSlots<T> {
    /// `len` zeroed slots.
    pub fn new(len: usize) -> CellSlots<T> {
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
