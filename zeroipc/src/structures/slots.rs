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

use crate::atomic::AtomicU32;
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

// ---- Records: slots with a word of their own (maps, sets, pools) ---------------------------

/// The storage of a structure whose slots are records: `len()` records of `stride` bytes,
/// each with one atomic `u32` (a map's slot state, a pool node's `next`) beside plain fields
/// (a key, a value, a node's data), as the C++ implementation lays them out. The record's
/// word is reached atomically; a field moves by copy, in or out, only while the algorithm
/// gives the caller the record (or, for a map's key, once the key can no longer change).
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[allow(clippy::len_without_is_empty)] // a structure of records has at least one
pub trait Records {
    /// The number of records.
    fn len(&self) -> usize;

    /// The atomic word at byte `offset` of record `index`.
    ///
    /// # Panics
    ///
    /// If `index` is not below `len()`, or `offset` is not the word's offset: the algorithms
    /// reduce indices modulo `len()`, so neither depends on what a segment holds.
    fn word(&self, index: usize, offset: usize) -> &AtomicU32;

    /// Copies the field of type `F` at byte `offset` of record `index` out.
    ///
    /// # Safety
    ///
    /// - `index < self.len()`, and `offset` is the offset of a field of type `F`;
    /// - no one writes the field meanwhile, as the algorithm arranges.
    unsafe fn read<F: bytemuck::Pod>(&self, index: usize, offset: usize) -> F;

    /// Copies `value` into the field of type `F` at byte `offset` of record `index`.
    ///
    /// # Safety
    ///
    /// - `index < self.len()`, and `offset` is the offset of a field of type `F`;
    /// - the algorithm has given the caller record `index` for writing.
    unsafe fn write<F: bytemuck::Pod>(&self, index: usize, offset: usize, value: F);
}

/// Records in a mapping: `len` records of `stride` bytes from the start of `bytes`.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct MappedRecords<'a> {
    /// At least `len * stride` bytes (checked in `new`).
    bytes: &'a Mapped<u8>,
    /// A multiple of `align` (checked in `new`).
    stride: usize,
    len: usize,
    /// Every field's alignment divides it, and the address of `bytes` is a multiple of it
    /// (checked in `new`), so every field of every record is aligned.
    align: usize,
}

#[cfg(not(loom))]
impl<'a> MappedRecords<'a> {
    /// The `len` records of `stride` bytes at the start of `bytes`, whose fields are aligned
    /// to at most `align` (a power of two, 4 or more: the record's own alignment); `None`
    /// unless they fit in `bytes`, `stride` is a multiple of `align` and `bytes` starts at an
    /// address aligned to it.
    pub(crate) fn new(
        bytes: &'a Mapped<u8>,
        stride: usize,
        len: usize,
        align: usize,
    ) -> Option<MappedRecords<'a>> {
        let fits = len.checked_mul(stride)? <= bytes.len()
            && align.is_power_of_two()
            && align >= 4
            && stride % align == 0
            && (bytes.as_ptr() as usize) % align == 0;
        fits.then_some(MappedRecords {
            bytes,
            stride,
            len,
            align,
        })
    }

    /// The address of byte `offset` of record `index`, for a field of `size` bytes aligned
    /// to `align`.
    ///
    /// # Panics
    ///
    /// If the field would not lie inside record `index`, or would be misaligned (see
    /// [`Records::word`]: never because of what a segment holds).
    #[inline]
    fn at(&self, index: usize, offset: usize, size: usize, align: usize) -> *mut u8 {
        assert!(
            index < self.len
                && offset
                    .checked_add(size)
                    .is_some_and(|end| end <= self.stride)
                && align <= self.align
                && offset % align == 0,
            "record fields are addressed by the structure's own layout"
        );
        // `wrapping_add`: in bounds, since `index * stride + offset + size <= len * stride`,
        // which `new` checked against the mapped bytes.
        self.bytes
            .as_ptr()
            .wrapping_add(index * self.stride + offset)
    }
}

#[cfg(not(loom))]
impl Records for MappedRecords<'_> {
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn word(&self, index: usize, offset: usize) -> &AtomicU32 {
        let at = self.at(index, offset, 4, 4);
        // SAFETY: `at` is 4 in-bounds, 4-aligned bytes of the mapping (`at` checked the field
        // against the record, and `new` the records against the mapping and its alignment),
        // which lives as long as `self.bytes`; the word is only ever reached atomically.
        unsafe { AtomicU32::from_ptr(at.cast()) }
    }

    #[inline]
    unsafe fn read<F: bytemuck::Pod>(&self, index: usize, offset: usize) -> F {
        let at = self.at(index, offset, size_of::<F>(), align_of::<F>());
        // SAFETY: `at` is an in-bounds, aligned `F` in the live mapping (checked by `at`); the
        // copy is per-byte atomic, so a peer that breaks the algorithm can only tear it, and
        // any bytes are an `F` (`Pod`).
        unsafe { crate::atomic::load(at.cast::<F>()) }
    }

    #[inline]
    unsafe fn write<F: bytemuck::Pod>(&self, index: usize, offset: usize, value: F) {
        let at = self.at(index, offset, size_of::<F>(), align_of::<F>());
        // SAFETY: as in `read`; the mapping is writable.
        unsafe { crate::atomic::store(at.cast::<F>(), value) };
    }
}

/// Records on the heap for the loom models: one atomic word per record at `word_offset`,
/// and one cell per field (the offsets given to `new`), whose every access loom checks for
/// a data race.
#[cfg(loom)]
#[derive(Debug)]
pub struct CellRecords {
    word_offset: usize,
    fields: Vec<usize>,
    words: Box<[AtomicU32]>,
    cells: Box<[loom::cell::UnsafeCell<[u8; 16]>]>,
}

#[cfg(loom)]
impl CellRecords {
    /// `len` records, zeroed, each with its word at `word_offset` and fields (of at most 16
    /// bytes) at `fields`.
    pub fn new(len: usize, word_offset: usize, fields: &[usize]) -> CellRecords {
        CellRecords {
            word_offset,
            fields: fields.to_vec(),
            words: (0..len).map(|_| AtomicU32::new(0)).collect(),
            cells: (0..len * fields.len())
                .map(|_| loom::cell::UnsafeCell::new([0; 16]))
                .collect(),
        }
    }

    fn cell(&self, index: usize, offset: usize) -> &loom::cell::UnsafeCell<[u8; 16]> {
        let field = self.fields.iter().position(|&f| f == offset).unwrap();
        &self.cells[index * self.fields.len() + field]
    }
}

// SAFETY: as for `CellSlots`: the cells are reached only through `Records`, and loom fails
// the model on any access that races.
#[cfg(loom)]
unsafe impl Sync for CellRecords {}

#[cfg(loom)]
impl Records for &CellRecords {
    fn len(&self) -> usize {
        self.words.len()
    }

    fn word(&self, index: usize, offset: usize) -> &AtomicU32 {
        assert_eq!(offset, self.word_offset);
        &self.words[index]
    }

    unsafe fn read<F: bytemuck::Pod>(&self, index: usize, offset: usize) -> F {
        let bytes = self.cell(index, offset).with(|p| {
            // SAFETY: `with` hands out a pointer to the live cell; loom checks the access.
            unsafe { p.read() }
        });
        bytemuck::pod_read_unaligned(&bytes[..size_of::<F>()])
    }

    unsafe fn write<F: bytemuck::Pod>(&self, index: usize, offset: usize, value: F) {
        self.cell(index, offset).with_mut(|p| {
            let mut bytes = [0; 16];
            bytes[..size_of::<F>()].copy_from_slice(bytemuck::bytes_of(&value));
            // SAFETY: as in `read`, for a write.
            unsafe { p.write(bytes) };
        });
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
