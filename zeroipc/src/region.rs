//! A bounds-checked view of a mapping: the only place where offsets become pointers.
//!
//! Every number read from a segment is untrusted. Here it meets checked arithmetic against
//! the mapping's real length (from the operating system, never from the segment) and the
//! alignment the pointee needs; what does not fit comes back as `None`, which callers turn
//! into an error that names the entry. A pointer handed out by this module points into the
//! mapping, is aligned for its type, and stays valid while any clone of the `Region` lives,
//! because every clone shares ownership of the mapping.

use std::ptr::NonNull;
use std::sync::Arc;

use bytemuck::Pod;

use crate::atomic::{self, AtomicI32, AtomicU32, AtomicU64};
use crate::shm::{Access, Shm};

/// A mapping, shared by the `Memory` that made it and every handle into it.
#[derive(Clone, Debug)]
pub(crate) struct Region {
    /// The mapping. Its base is page-aligned and its length fixed, so an offset's alignment
    /// is the pointer's alignment.
    shm: Arc<Shm>,
}

impl Region {
    pub(crate) fn new(shm: Shm) -> Region {
        Region { shm: Arc::new(shm) }
    }

    pub(crate) fn shm(&self) -> &Shm {
        &self.shm
    }

    /// The mapping's length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.shm.len()
    }

    /// Checks that `len` bytes at `offset` lie inside the mapping and that `offset` is a
    /// multiple of `align`; returns the offset as a `usize`.
    pub(crate) fn check(&self, offset: u64, len: u64, align: usize) -> Option<usize> {
        let end = offset.checked_add(len)?;
        if end > self.len() as u64 || offset % align as u64 != 0 {
            return None;
        }
        usize::try_from(offset).ok()
    }

    /// A pointer to `count` values of `T` at `offset`, after checking bounds and alignment.
    pub(crate) fn ptr<T>(&self, offset: u64, count: u64) -> Option<NonNull<T>> {
        let len = count.checked_mul(size_of::<T>() as u64)?;
        let offset = self.check(offset, len, align_of::<T>())?;
        // SAFETY: `check` proved `offset + len <= self.len()`, so the result stays within
        // (or one past the end of) the mapping, one allocation.
        let ptr = unsafe { self.shm.as_ptr().add(offset) };
        NonNull::new(ptr.cast::<T>())
    }

    /// Copies the `T` at `offset` out of the mapping.
    ///
    /// Another thread or process may write these bytes at any time, so the value is copied
    /// once, into private memory, with per-byte atomic loads (`atomic::load`): a racing
    /// write may tear it, and `T: Pod` accepts whatever bytes it finds.
    pub(crate) fn read<T: Pod>(&self, offset: u64) -> Option<T> {
        let ptr = self.ptr::<T>(offset, 1)?;
        // SAFETY: `ptr` is in bounds and aligned for `T` (checked by `ptr`) and the mapping
        // is alive (we hold it); this crate reaches mapped bytes only through atomics, and
        // other processes with their own machine accesses.
        let value = unsafe { atomic::load(ptr.as_ptr()) };
        Some(value)
    }

    /// Whether the mapping takes writes: `false` for a `PROT_READ` mapping, where a write
    /// would fault. The writing calls of `Memory` refuse first (`Error::ReadOnly`); the two
    /// writes here check again.
    pub(crate) fn writable(&self) -> bool {
        self.shm.access() != Access::ReadOnly
    }

    /// Copies the bytes at `offset` into `dst`, with per-byte atomic loads as in `read`;
    /// `None` if they do not lie in the mapping.
    pub(crate) fn read_bytes(&self, offset: u64, dst: &mut [u8]) -> Option<()> {
        let ptr = self.ptr::<u8>(offset, dst.len() as u64)?;
        // SAFETY: the source range is in bounds (checked by `ptr`) and the mapping is alive;
        // it is reached atomically, as in `read`; the destination is a private slice, so the
        // two cannot overlap.
        unsafe { atomic::load_bytes(ptr.as_ptr(), dst.as_mut_ptr(), dst.len()) };
        Some(())
    }

    /// Copies `value` into the mapping at `offset`; `None` if it does not fit there, or the
    /// mapping is read-only.
    pub(crate) fn write<T: Pod>(&self, offset: u64, value: T) -> Option<()> {
        if !self.writable() {
            return None;
        }
        let ptr = self.ptr::<T>(offset, 1)?;
        // SAFETY: `ptr` is in bounds and aligned for `T` (checked by `ptr`), the mapping is
        // alive and writable (mapped read-write); accesses to it are atomic, as in `read`.
        unsafe { atomic::store(ptr.as_ptr(), value) };
        Some(())
    }

    /// Copies `bytes` into the mapping at `offset`; `None` if they do not fit there, or the
    /// mapping is read-only.
    #[allow(dead_code)] // used by the structures that write names and blobs
    pub(crate) fn write_bytes(&self, offset: u64, bytes: &[u8]) -> Option<()> {
        if !self.writable() {
            return None;
        }
        let ptr = self.ptr::<u8>(offset, bytes.len() as u64)?;
        // SAFETY: the destination range is in bounds (checked by `ptr`) and writable, and
        // reached atomically, as in `read`; the source is a private slice, so the two cannot
        // overlap.
        unsafe { atomic::store_bytes(bytes.as_ptr(), ptr.as_ptr(), bytes.len()) };
        Some(())
    }

    /// The atomic `u32` at `offset`.
    #[cfg(not(loom))]
    pub(crate) fn atomic_u32(&self, offset: u64) -> Option<&AtomicU32> {
        let ptr = self.ptr::<AtomicU32>(offset, 1)?;
        // SAFETY: in bounds and aligned (checked by `ptr`), readable and writable; every bit
        // pattern is a valid `u32`; the reference lives no longer than `&self`, which keeps
        // the mapping; the word is only ever accessed atomically by this crate, and other
        // processes reach it with their own atomic instructions.
        Some(unsafe { AtomicU32::from_ptr(ptr.as_ptr().cast()) })
    }

    /// The atomic `i32` at `offset`.
    #[cfg(not(loom))]
    #[allow(dead_code)] // used by the structures that hold i32 words
    pub(crate) fn atomic_i32(&self, offset: u64) -> Option<&AtomicI32> {
        let ptr = self.ptr::<AtomicI32>(offset, 1)?;
        // SAFETY: as in `atomic_u32`.
        Some(unsafe { AtomicI32::from_ptr(ptr.as_ptr().cast()) })
    }

    /// The atomic `u64` at `offset`.
    #[cfg(not(loom))]
    pub(crate) fn atomic_u64(&self, offset: u64) -> Option<&AtomicU64> {
        let ptr = self.ptr::<AtomicU64>(offset, 1)?;
        // SAFETY: as in `atomic_u32`; `ptr` checked the 8-byte alignment.
        Some(unsafe { AtomicU64::from_ptr(ptr.as_ptr().cast()) })
    }

    /// The `count` atomic `u32`s starting at `offset`, as a slice of atomics.
    #[cfg(not(loom))]
    #[allow(dead_code)] // used by the structures that hold per-slot words
    pub(crate) fn atomic_u32_slice(&self, offset: u64, count: u64) -> Option<&[AtomicU32]> {
        let ptr = self.ptr::<AtomicU32>(offset, count)?;
        let len = usize::try_from(count).ok()?;
        // SAFETY: `count` atomics at `ptr` are in bounds and aligned (checked by `ptr`);
        // `AtomicU32` has the layout of `u32` and any bit pattern is valid; the slice lives
        // no longer than `&self`; the words are only accessed atomically.
        Some(unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) })
    }
}

/// The crate's atomic integers: values that other processes change at any time, but that
/// this crate only ever reaches with atomic operations, so a shared reference to one in a
/// mapping is sound.
///
/// # Safety
///
/// An implementor has the size and alignment of an integer, accepts every bit pattern, and
/// allows only atomic operations through `&self`.
pub(crate) unsafe trait SharedAtomic {}

// SAFETY: `repr(transparent)` wrappers of the atomics of the same name (see `atomic`): the
// size and alignment of the integer, any bit pattern, only atomic operations.
unsafe impl SharedAtomic for AtomicU32 {}
// SAFETY: as for `AtomicU32`.
unsafe impl SharedAtomic for AtomicI32 {}
// SAFETY: as for `AtomicU32`.
unsafe impl SharedAtomic for AtomicU64 {}

/// `len` values of `T` inside a mapping, and the share of the mapping that keeps them there:
/// the one owner, in this crate, of the argument that a pointer into a mapping stays valid.
///
/// The values are reached in two ways only: atomics ([`SharedAtomic`]) by shared reference,
/// anything else (`Pod` elements and headers) by per-byte atomic copies in and out. Either is
/// sound while other threads and processes change the same bytes, so a `Mapped` may be shared
/// between threads as freely as the segment is shared between processes.
pub(crate) struct Mapped<T> {
    /// Keeps the mapping alive for `ptr`.
    region: Region,
    /// The first value: in the mapping, aligned for `T`, followed by `len` values in bounds;
    /// set once in `Region::mapped`, after `Region::ptr` checked all of that.
    ptr: NonNull<T>,
    /// How many values; never re-read from the segment.
    len: usize,
}

// SAFETY: a `Mapped` is a share of the mapping (`Region`, itself `Send` and `Sync`) plus a
// pointer into it; its values are reached only atomically (see the type's docs), so another
// thread using it is the same as another process using the segment. `T: Send + Sync`
// because values of `T` are copied out on one thread after another stored them.
unsafe impl<T: Send + Sync> Send for Mapped<T> {}
// SAFETY: as for `Send`: `&Mapped` allows only atomic operations and per-byte atomic copies.
unsafe impl<T: Send + Sync> Sync for Mapped<T> {}

impl<T> Clone for Mapped<T> {
    fn clone(&self) -> Self {
        Mapped {
            region: self.region.clone(),
            ptr: self.ptr,
            len: self.len,
        }
    }
}

impl<T> std::fmt::Debug for Mapped<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mapped")
            .field("segment", &self.region.shm().name())
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Region {
    /// The `count` values of `T` at `offset`, after checking bounds and alignment.
    pub(crate) fn mapped<T>(&self, offset: u64, count: u64) -> Option<Mapped<T>> {
        let ptr = self.ptr::<T>(offset, count)?;
        let len = usize::try_from(count).ok()?;
        Some(Mapped {
            region: self.clone(),
            ptr,
            len,
        })
    }
}

impl<T> Mapped<T> {
    /// How many values.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The mapping the values live in.
    pub(crate) fn region(&self) -> &Region {
        &self.region
    }

    /// The first value's address: followed by `len` values of `T` in bounds, aligned for
    /// `T`, in a mapping that lives while `self` does. Reaching through it is the caller's
    /// `unsafe`, under the rules of the type's docs.
    #[allow(dead_code)] // used by the structures of strided records (map, set, pool)
    pub(crate) fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T: SharedAtomic> Mapped<T> {
    /// The values, as a slice of atomics.
    pub(crate) fn atomics(&self) -> &[T] {
        // SAFETY: `ptr` is followed by `len` in-bounds, aligned values (invariant of `ptr`)
        // in a mapping that lives as long as `&self`; `T` accepts any bits and allows only
        // atomic operations through the shared reference (`SharedAtomic`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The first value.
    ///
    /// # Panics
    ///
    /// If there is none: callers map at least one (a bug here, not a fact of the segment).
    pub(crate) fn atomic(&self) -> &T {
        &self.atomics()[0]
    }
}

impl<T: bytemuck::Pod> Mapped<T> {
    /// A copy of value `index`; `None` past the end.
    #[inline]
    pub(crate) fn load(&self, index: usize) -> Option<T> {
        if index >= self.len {
            return None;
        }
        // SAFETY: `index < len` (checked).
        Some(unsafe { self.load_unchecked(index) })
    }

    /// Stores `value` at `index`; `None` past the end.
    #[inline]
    pub(crate) fn store(&self, index: usize, value: T) -> Option<()> {
        if index >= self.len {
            return None;
        }
        // SAFETY: `index < len` (checked).
        unsafe { self.store_unchecked(index, value) };
        Some(())
    }

    /// A copy of value `index`.
    ///
    /// # Safety
    ///
    /// `index < self.len()`.
    #[inline]
    pub(crate) unsafe fn load_unchecked(&self, index: usize) -> T {
        debug_assert!(index < self.len);
        // `wrapping_add`: `index < len` (the caller's promise), so in bounds.
        let at = self.ptr.as_ptr().wrapping_add(index);
        // SAFETY: `at` is one of the `len` aligned values in the live mapping (invariant of
        // `ptr`); this crate reaches mapped bytes only atomically; any bytes are a `T`.
        unsafe { atomic::load(at) }
    }

    /// Stores `value` at `index`.
    ///
    /// # Safety
    ///
    /// `index < self.len()`.
    #[inline]
    pub(crate) unsafe fn store_unchecked(&self, index: usize, value: T) {
        debug_assert!(index < self.len);
        let at = self.ptr.as_ptr().wrapping_add(index);
        // SAFETY: as in `load_unchecked`; the mapping is writable.
        unsafe { atomic::store(at, value) };
    }

    /// Copies `dst.len()` values from `start` into `dst`; `None` (and `dst` untouched) if
    /// the run reaches past the end.
    pub(crate) fn load_run(&self, start: usize, dst: &mut [T]) -> Option<()> {
        let end = start.checked_add(dst.len())?;
        if end > self.len {
            return None;
        }
        let from = self.ptr.as_ptr().wrapping_add(start);
        // SAFETY: `start..end` lies within the `len` aligned values of the live mapping
        // (checked); `dst` is private memory, so the two cannot overlap.
        unsafe { atomic::load_run(from, dst.as_mut_ptr(), dst.len()) };
        Some(())
    }

    /// Copies `src` into the values from `start`; `None` (and nothing written) if the run
    /// reaches past the end.
    pub(crate) fn store_run(&self, start: usize, src: &[T]) -> Option<()> {
        let end = start.checked_add(src.len())?;
        if end > self.len {
            return None;
        }
        let to = self.ptr.as_ptr().wrapping_add(start);
        // SAFETY: as in `load_run`, with the writable mapping as the destination.
        unsafe { atomic::store_run(src.as_ptr(), to, src.len()) };
        Some(())
    }

    /// The values as a shared slice.
    ///
    /// # Safety
    ///
    /// While the slice lives, nothing (no thread, no process) writes the values.
    pub(crate) unsafe fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr` is followed by `len` in-bounds aligned values in a mapping that
        // lives as long as `&self`; nothing writes them meanwhile (the caller's promise).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The values as a mutable slice.
    ///
    /// # Safety
    ///
    /// While the slice lives, nothing else (no thread, no process, no other slice) reads or
    /// writes the values.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn as_mut_slice(&self) -> &mut [T] {
        // SAFETY: as in `as_slice`, with exclusive access (the caller's promise).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::unique_name;

    fn region(size: usize) -> (Region, String) {
        let name = unique_name();
        let shm = Shm::create(&name, size, 0o600).unwrap();
        crate::shm::unlink(&name).unwrap();
        (Region::new(shm), name)
    }

    #[test]
    fn ranges_past_the_end_or_misaligned_are_refused() {
        let (r, _) = region(4096);
        assert_eq!(r.check(0, 4096, 8), Some(0));
        assert_eq!(r.check(4096, 0, 8), Some(4096));
        assert_eq!(r.check(4096, 1, 1), None);
        assert_eq!(r.check(4, 4, 8), None);
        assert_eq!(r.check(u64::MAX, 2, 1), None);
        assert!(r.ptr::<u64>(4088, 1).is_some());
        assert!(r.ptr::<u64>(4089, 1).is_none());
        assert!(r.ptr::<u64>(8, u64::MAX).is_none());
    }

    #[test]
    fn values_round_trip() {
        let (r, _) = region(4096);
        r.write(16u64, 0xdead_beef_u64).unwrap();
        assert_eq!(r.read::<u64>(16), Some(0xdead_beef));
        assert_eq!(
            r.atomic_u64(16)
                .unwrap()
                .load(crate::atomic::Ordering::Relaxed),
            0xdead_beef
        );
        assert!(r.write(4092, 1u64).is_none());
        r.write_bytes(100, b"abc").unwrap();
        assert_eq!(r.read::<[u8; 3]>(100), Some(*b"abc"));
    }
}
