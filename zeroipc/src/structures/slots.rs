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

/// The data section of a queue or stack whose element size is known only at run time, as
/// slots of `()`: each `write` copies the next element of a caller's source buffer into the
/// slot, each `read` copies the slot into the next element of a caller's destination buffer.
///
/// The algorithms hand over slots one element at a time and in the order of the caller's
/// run (`QueueView::push_slice` writes, and `pop_into` reads, positions in order; a stack
/// moves one element per call), so a cursor that advances by one element per call pairs
/// each slot with the right element of the buffer. A call past the end of the buffer copies
/// nothing (never happens: the callers pass as many `()` as the buffer has elements).
#[cfg(not(loom))]
pub(crate) struct ByteSlots<'a, 'b> {
    /// `len * elem` bytes.
    data: &'a Mapped<u8>,
    elem: usize,
    len: usize,
    src: &'b [u8],
    dst: std::cell::RefCell<&'b mut [u8]>,
    /// The element of `src` or `dst` the next call copies.
    next: std::cell::Cell<usize>,
}

#[cfg(not(loom))]
impl<'a, 'b> ByteSlots<'a, 'b> {
    /// Slots of `elem` bytes over `data` (`data.len() / elem` of them), taking elements from
    /// `src` (a push) or giving them to `dst` (a pop).
    pub(crate) fn new(
        data: &'a Mapped<u8>,
        elem: usize,
        src: &'b [u8],
        dst: &'b mut [u8],
    ) -> ByteSlots<'a, 'b> {
        ByteSlots {
            data,
            elem,
            len: data.len().checked_div(elem).unwrap_or(0),
            src,
            dst: std::cell::RefCell::new(dst),
            next: std::cell::Cell::new(0),
        }
    }

    /// The byte range of the cursor's element, and the cursor moved on past it.
    fn take(&self) -> std::ops::Range<usize> {
        let i = self.next.get();
        self.next.set(i + 1);
        i * self.elem..(i + 1) * self.elem
    }
}

#[cfg(not(loom))]
impl Slots<()> for ByteSlots<'_, '_> {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    unsafe fn write(&self, index: usize, (): ()) {
        let range = self.take();
        if let Some(from) = self.src.get(range) {
            // In bounds: `index < len`, so `(index + 1) * elem <= data.len()`; `store_run`
            // checks it again and copies per-byte atomically.
            let _ = self.data.store_run(index * self.elem, from);
        }
    }

    #[inline]
    unsafe fn read(&self, index: usize) {
        let range = self.take();
        if let Some(to) = self.dst.borrow_mut().get_mut(range) {
            // As in `write`.
            let _ = self.data.load_run(index * self.elem, to);
        }
    }
}
