//! `Array<T>`: a fixed number of elements, read and written in place.
//!
//! Layout (offsets from the structure's start): `u64 capacity` at 0, then `capacity`
//! elements of `size_of::<T>()` bytes at 8.

use std::fmt;

use bytemuck::Pod;

use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::region::{Mapped, Region};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of an array's header: `u64 capacity`.
pub const ARRAY_HEADER_SIZE: usize = 8;

/// Size of an array of `capacity` elements of `elem_size` bytes: `8 + capacity * elem_size`.
pub const fn array_size(capacity: usize, elem_size: usize) -> usize {
    crate::layout::unwrap_size(checked_array_size(capacity, elem_size))
}

/// [`array_size`], or `None` on overflow.
pub const fn checked_array_size(capacity: usize, elem_size: usize) -> Option<usize> {
    match capacity.checked_mul(elem_size) {
        Some(data) => data.checked_add(ARRAY_HEADER_SIZE),
        None => None,
    }
}

/// A fixed-size array of `T` in a segment.
///
/// Elements move by copy: [`get`](Array::get) and [`set`](Array::set) for one,
/// [`copy_to_slice`](Array::copy_to_slice) and [`copy_from_slice`](Array::copy_from_slice)
/// for runs, [`iter`](Array::iter) by value. Nothing orders these accesses between
/// processes: a read that races another process's write of the same element may see a torn
/// element (a mix of old and new bytes), and which writes a reader sees when is for the user
/// to arrange, with a synchronisation primitive or a queue. `T` is
/// [`Pod`](bytemuck::Pod), so a torn element is still a valid value.
///
/// The handle shares ownership of the mapping: it stays valid after the [`Memory`] it came
/// from is dropped.
///
/// # Examples
///
/// ```
/// use zeroipc::{Array, Memory};
/// # let name = format!("/zeroipc_doc_array_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let temps = Array::<f32>::create(&mem, "temperature", 4)?;
/// temps.copy_from_slice(0, &[20.0, 20.5, 21.0, 21.5])?;
/// assert_eq!(temps.get(2)?, 21.0);
/// assert_eq!(temps.iter().sum::<f32>(), 83.0);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
pub struct Array<T> {
    /// The elements; their count was read once from the segment at open (or chosen at
    /// create) and is never re-read.
    data: Mapped<T>,
    name: String,
}

impl<T: Pod> Array<T> {
    /// Adds an array of `len` zeroed elements called `name` to the segment.
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
    /// If `len` is zero.
    pub fn create(mem: &Memory, name: &str, len: usize) -> Result<Array<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        assert!(len > 0, "an array has at least one element");
        let size = checked_array_size(len, size_of::<T>()).ok_or(Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        })?;
        let elem_type = crate::schema::TypeDesc::of::<T>();
        let line = crate::schema::EntryDesc {
            params: &[("len", len as u64)],
            ty: Some(elem_type),
            ..crate::schema::EntryDesc::new(name, "array")
        };
        let entry = mem.add_described(
            size as u64,
            |region, offset| region.write(offset, len as u64),
            &line,
        )?;
        Self::from_parts(mem.region(), name, entry.offset(), len)
    }

    /// Opens the array called `name`, checking that its entry holds exactly
    /// `8 + capacity * size_of::<T>()` bytes.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`] if the entry holds elements of
    /// another size; [`Error::CapacityMismatch`] if the stored capacity does not fit the
    /// entry at all; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Array<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        let region = mem.writable()?;
        crate::schema::expect_type(mem, name, &crate::schema::TypeDesc::of::<T>())?;
        let entry = mem.find(name)?;
        let len = checked_len(region, name, &entry, size_of::<T>())?;
        Self::from_parts(region, name, entry.offset(), len)
    }

    fn from_parts(region: &Region, name: &str, offset: u64, len: usize) -> Result<Array<T>> {
        let data = region
            .mapped::<T>(offset + ARRAY_HEADER_SIZE as u64, len as u64)
            .ok_or_else(|| Error::corrupt(name, "array data lies outside the segment"))?;
        Ok(Array {
            data,
            name: name.to_owned(),
        })
    }

    /// The table name of this array.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the array has no elements (only possible for one another implementation made).
    pub fn is_empty(&self) -> bool {
        self.data.len() == 0
    }

    /// A copy of element `index`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`].
    #[inline]
    pub fn get(&self, index: usize) -> Result<T> {
        self.data
            .load(index)
            .ok_or_else(|| Error::IndexOutOfBounds {
                index,
                len: self.len(),
            })
    }

    /// Stores `value` in element `index`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`].
    #[inline]
    pub fn set(&self, index: usize, value: T) -> Result<()> {
        self.data
            .store(index, value)
            .ok_or_else(|| Error::IndexOutOfBounds {
                index,
                len: self.len(),
            })
    }

    /// Copies `dst.len()` elements, starting at element `start`, into `dst`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] if the run reaches past the end; `dst` is then untouched.
    pub fn copy_to_slice(&self, start: usize, dst: &mut [T]) -> Result<()> {
        let count = dst.len();
        self.data
            .load_run(start, dst)
            .ok_or_else(|| self.run_error(start, count))
    }

    /// Copies `src` into the array, starting at element `start`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] if the run reaches past the end; the array is then
    /// untouched.
    pub fn copy_from_slice(&self, start: usize, src: &[T]) -> Result<()> {
        self.data
            .store_run(start, src)
            .ok_or_else(|| self.run_error(start, src.len()))
    }

    /// Stores `value` in every element.
    pub fn fill(&self, value: T) {
        for i in 0..self.len() {
            let _ = self.data.store(i, value);
        }
    }

    /// A copy of every element.
    pub fn to_vec(&self) -> Vec<T> {
        let mut out = vec![T::zeroed(); self.len()];
        self.copy_to_slice(0, &mut out)
            .unwrap_or_else(|_| unreachable!("a run of `len` elements from 0 fits"));
        out
    }

    /// An iterator over copies of the elements, read one at a time as it advances.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            array: self,
            next: 0,
        }
    }

    /// The elements as a shared slice, without copying.
    ///
    /// # Safety
    ///
    /// For as long as the slice lives, the caller promises that:
    /// - no process (this one included, through any handle) writes to this array's elements;
    /// - the elements are initialised as `T` wants (always true: `T` is `Pod`).
    ///
    /// The type cannot check the first point: another process may write at any time, and a
    /// shared slice over bytes that change is undefined behaviour. Arrange it with a
    /// synchronisation primitive, or use [`copy_to_slice`](Array::copy_to_slice).
    pub unsafe fn as_slice(&self) -> &[T] {
        // SAFETY: the caller promises no writes while the slice lives.
        unsafe { self.data.as_slice() }
    }

    /// The elements as a mutable slice, without copying.
    ///
    /// # Safety
    ///
    /// For as long as the slice lives, the caller promises that:
    /// - no process (this one included, through any handle or any other slice) reads or
    ///   writes this array's elements;
    /// - no other slice from `as_slice` or `as_mut_slice` of this array is alive.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn as_mut_slice(&self) -> &mut [T] {
        // SAFETY: the caller promises exclusive access while the slice lives.
        unsafe { self.data.as_mut_slice() }
    }

    /// The error for a run of `count` elements from `start` that reaches past the end.
    fn run_error(&self, start: usize, count: usize) -> Error {
        Error::IndexOutOfBounds {
            index: start.saturating_add(count).saturating_sub(1),
            len: self.len(),
        }
    }
}

impl<T> Clone for Array<T> {
    fn clone(&self) -> Self {
        Array {
            data: self.data.clone(),
            name: self.name.clone(),
        }
    }
}

impl<T> fmt::Debug for Array<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Array")
            .field("name", &self.name)
            .field("len", &self.data.len())
            .field("segment", &self.data.region().shm().name())
            .finish_non_exhaustive()
    }
}

impl<'a, T: Pod> IntoIterator for &'a Array<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// An iterator over copies of an [`Array`]'s elements. See [`Array::iter`].
#[derive(Debug)]
pub struct Iter<'a, T> {
    array: &'a Array<T>,
    next: usize,
}

impl<T: Pod> Iterator for Iter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let value = self.array.get(self.next).ok()?;
        self.next += 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.array.len() - self.next.min(self.array.len());
        (left, Some(left))
    }
}

impl<T: Pod> ExactSizeIterator for Iter<'_, T> {}

/// The length of the array of `elem`-byte elements at `entry`: its stored
/// capacity, which must give exactly the entry's size (`8 + capacity * elem`).
///
/// # Errors
///
/// [`Error::ElementSizeMismatch`] if the entry holds whole elements of another size;
/// [`Error::CapacityMismatch`] if the capacity does not fit the entry at all (or `elem` is 0).
fn checked_len(
    region: &Region,
    name: &str,
    entry: &crate::table::Entry,
    elem: usize,
) -> Result<usize> {
    let capacity_mismatch = |capacity| Error::CapacityMismatch {
        name: name.to_owned(),
        capacity,
        entry_size: entry.size(),
    };
    if entry.size() < ARRAY_HEADER_SIZE as u64 || elem == 0 {
        return Err(capacity_mismatch(0));
    }
    let capacity: u64 = region
        .read(entry.offset())
        .ok_or_else(|| capacity_mismatch(0))?;
    let data_bytes = entry.size() - ARRAY_HEADER_SIZE as u64;
    let elem = elem as u64;
    if capacity.checked_mul(elem) != Some(data_bytes) {
        return Err(match data_bytes.checked_div(capacity) {
            Some(found) if data_bytes % capacity == 0 => Error::ElementSizeMismatch {
                name: name.to_owned(),
                expected: elem,
                found,
            },
            _ => capacity_mismatch(capacity),
        });
    }
    usize::try_from(capacity).map_err(|_| capacity_mismatch(capacity))
}

// ---- Its reader, for read-only segments ----------------------------------------------

impl<T: Pod> Array<T> {
    /// Opens the array called `name` for reading only, on any segment: the one way to read
    /// an array of a segment opened read-only ([`Options::read_only`](crate::Options::read_only),
    /// [`Memory::open_copy`]), where [`Array::open`] is refused. The checks are those of
    /// [`Array::open`].
    ///
    /// # Errors
    ///
    /// As [`Array::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<ArrayReader<T>> {
        Ok(ArrayReader {
            array: Array::open(&mem.for_reading(), name)?,
        })
    }
}

/// An array opened for reading only ([`Array::open_read`]): the reading methods of an
/// [`Array`], and no others, so it can live on a `PROT_READ` mapping.
///
/// # Examples
///
/// ```
/// use zeroipc::{Array, Memory};
/// # let name = format!("/zeroipc_doc_array_reader_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// Array::<u32>::create(&mem, "counts", 3)?.copy_from_slice(0, &[1, 2, 3])?;
///
/// let seen = Memory::options().read_only(true).open(&name)?;
/// assert!(Array::<u32>::open(&seen, "counts").is_err()); // a handle that could write
/// let counts = Array::<u32>::open_read(&seen, "counts")?;
/// assert_eq!(counts.to_vec(), [1, 2, 3]);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
pub struct ArrayReader<T> {
    /// Kept private: only its reading methods are called.
    array: Array<T>,
}

impl<T: Pod> ArrayReader<T> {
    /// The table name of this array.
    pub fn name(&self) -> &str {
        self.array.name()
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// A copy of element `index`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`].
    pub fn get(&self, index: usize) -> Result<T> {
        self.array.get(index)
    }

    /// Copies `dst.len()` elements, starting at element `start`, into `dst`.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] if the run reaches past the end; `dst` is then untouched.
    pub fn copy_to_slice(&self, start: usize, dst: &mut [T]) -> Result<()> {
        self.array.copy_to_slice(start, dst)
    }

    /// A copy of every element.
    pub fn to_vec(&self) -> Vec<T> {
        self.array.to_vec()
    }

    /// An iterator over copies of the elements, read one at a time as it advances.
    pub fn iter(&self) -> Iter<'_, T> {
        self.array.iter()
    }
}

impl<'a, T: Pod> IntoIterator for &'a ArrayReader<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T> Clone for ArrayReader<T> {
    fn clone(&self) -> Self {
        ArrayReader {
            array: self.array.clone(),
        }
    }
}

impl<T> fmt::Debug for ArrayReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArrayReader")
            .field("array", &self.array)
            .finish()
    }
}

// ---- An array of elements whose size is known at run time ----------------------------------

/// Where an array of elements whose size is known only at run time lies: for bindings that
/// view the elements in their own mapping of the segment (the Python package's numpy
/// views). Made by the same checks as [`Array::create`] and [`Array::open`].
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawArray {
    data_offset: u64,
    len: usize,
    elem_size: usize,
    name: String,
}

impl RawArray {
    /// As [`Array::create`], for `len` elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Array::create`]; [`Error::OutOfSpace`] also for a `len` or an `elem_size` of 0.
    pub fn create(mem: &Memory, name: &str, len: usize, elem_size: usize) -> Result<RawArray> {
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        if len == 0 || elem_size == 0 {
            return Err(too_big());
        }
        let size = checked_array_size(len, elem_size).ok_or_else(too_big)?;
        let entry = mem.add(name, size as u64, |region, offset| {
            region.write(offset, len as u64)
        })?;
        Self::checked(mem.region(), name, entry.offset(), len, elem_size)
    }

    /// As [`Array::open`], for elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Array::open`].
    pub fn open(mem: &Memory, name: &str, elem_size: usize) -> Result<RawArray> {
        // A handle that writes: refused on a read-only segment before anything is read.
        mem.writable()?;
        Self::open_read(mem, name, elem_size)
    }

    /// As [`open`](RawArray::open), on any segment, for [`read`](RawArray::read) only.
    ///
    /// # Errors
    ///
    /// As [`Array::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str, elem_size: usize) -> Result<RawArray> {
        let entry = mem.find(name)?;
        let len = checked_len(mem.region(), name, &entry, elem_size)?;
        Self::checked(mem.region(), name, entry.offset(), len, elem_size)
    }

    fn checked(
        region: &Region,
        name: &str,
        offset: u64,
        len: usize,
        elem_size: usize,
    ) -> Result<RawArray> {
        let data_offset = offset + ARRAY_HEADER_SIZE as u64;
        let bytes = (len as u64).checked_mul(elem_size as u64);
        bytes
            .and_then(|b| region.check(data_offset, b, 1))
            .ok_or_else(|| Error::corrupt(name, "array data lies outside the segment"))?;
        Ok(RawArray {
            data_offset,
            len,
            elem_size,
            name: name.to_owned(),
        })
    }

    /// Copies the elements from index `start` on into `dst` (a whole number of elements),
    /// per-byte atomically, from `mem`, the segment the array was opened on.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] if `dst` is not a whole number of elements that lie in
    /// the array (or lie outside `mem`'s mapping: another segment than the array's).
    pub fn read(&self, mem: &Memory, start: usize, dst: &mut [u8]) -> Result<()> {
        let out_of_bounds = || Error::IndexOutOfBounds {
            index: start,
            len: self.len,
        };
        let count = dst.len() / self.elem_size;
        if dst.len() % self.elem_size != 0
            || start.checked_add(count).map_or(true, |end| end > self.len)
        {
            return Err(out_of_bounds());
        }
        let offset = self.data_offset + (start * self.elem_size) as u64;
        mem.region()
            .read_bytes(offset, dst)
            .ok_or_else(out_of_bounds)
    }

    /// The offset of the first element in the segment.
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The table name of this array.
    pub fn name(&self) -> &str {
        &self.name
    }
}

// ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

crate::declare::declare_elements!(Array, len, false, array_size);

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("array", read_entry)
        .check(|mem, name, r| {
            crate::structures::with_element_size!(r.elem_size?, check_as(mem, name))
        })
        .example(|mem| crate::Array::<f32>::create(mem, "a", 10).map(|_| "a".to_owned()));

/// An array: a count whose elements fill the rest of the entry exactly.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    let raw = crate::inspect::RawArrayHeader::read(p.head)?;
    let elem = raw.element_size(p.size)?;
    let plural = if raw.capacity == 1 { "" } else { "s" };
    let mut r = crate::inspect::Reading::new(
        "array",
        format!("array of {} element{plural} of {elem} bytes", raw.capacity),
    );
    r.capacity = Some(raw.capacity);
    r.elem_size = Some(elem);
    Some(r)
}

fn check_as<T: Pod>(mem: &Memory, name: &str) -> std::result::Result<String, String> {
    Array::<T>::open(mem, name)
        .map(|a| format!("Array of {} elements of {} bytes", a.len(), size_of::<T>()))
        .map_err(|e| format!("Array::open: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn elements_start_zeroed_and_round_trip() {
        let seg = Segment::new(1 << 16);
        let a = Array::<u32>::create(&seg.mem, "a", 10).unwrap();
        assert_eq!(a.to_vec(), vec![0; 10]);
        a.set(3, 7).unwrap();
        assert_eq!(a.get(3).unwrap(), 7);
        assert!(matches!(
            a.get(10),
            Err(Error::IndexOutOfBounds { index: 10, len: 10 })
        ));
        assert!(a.set(10, 1).is_err());
    }

    #[test]
    fn runs_past_the_end_are_refused_untouched() {
        let seg = Segment::new(1 << 16);
        let a = Array::<u8>::create(&seg.mem, "a", 4).unwrap();
        assert!(a.copy_from_slice(2, &[1, 2, 3]).is_err());
        assert_eq!(a.to_vec(), vec![0; 4]);
        a.copy_from_slice(1, &[1, 2, 3]).unwrap();
        let mut out = [9u8; 2];
        assert!(a.copy_to_slice(usize::MAX, &mut out).is_err());
        assert_eq!(out, [9, 9]);
        a.copy_to_slice(2, &mut out).unwrap();
        assert_eq!(out, [2, 3]);
    }

    #[test]
    fn opening_with_another_element_size_names_both_sizes() {
        let seg = Segment::new(1 << 16);
        Array::<u32>::create(&seg.mem, "a", 10).unwrap();
        match Array::<u64>::open(&seg.mem, "a") {
            Err(Error::ElementSizeMismatch {
                name,
                expected: 8,
                found: 4,
            }) => assert_eq!(name, "a"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn iterator_yields_every_element_in_order() {
        let seg = Segment::new(1 << 16);
        let a = Array::<i16>::create(&seg.mem, "a", 5).unwrap();
        for i in 0..5 {
            a.set(i, i as i16 * 3).unwrap();
        }
        let seen: Vec<i16> = a.iter().collect();
        assert_eq!(seen, [0, 3, 6, 9, 12]);
        assert_eq!(a.iter().len(), 5);
    }
}
