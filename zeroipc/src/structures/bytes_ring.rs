//! `Ring<T>`: a single-producer, single-consumer ring of bytes, as the C++ implementation
//! lays it out (not the queue's and stack's shared helpers, which live in `ring.rs`).
//!
//! Layout (offsets from the structure's start): `u64 write_pos` at 0x00 (bytes ever
//! written), `u64 read_pos` at 0x08 (bytes ever read), `u32 capacity` at 0x10 (in BYTES, a
//! multiple of `elem_size`), `u32 elem_size` at 0x14; data from 24, `capacity` bytes; size
//! `24 + capacity`, not padded. The byte at position `p` lives at `24 + p mod capacity`.
//!
//! The producer alone moves `write_pos`, the consumer alone `read_pos`; each publishes the
//! bytes it wrote, or the room it made, with a Release store of its position, which the
//! other reads with Acquire. Positions come from the segment, so each is checked (the
//! difference within the capacity, whole elements) before it places a byte.

use std::fmt;
use std::marker::PhantomData;

use bytemuck::{Pod, Zeroable};

use crate::atomic::{AtomicU64, Ordering};
use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::region::Mapped;
use crate::schema::TypeDesc;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a ring's header; the data starts here.
pub const BYTES_RING_HEADER_SIZE: usize = 24;
/// Offset of a ring's `u64 write_pos`.
pub const BYTES_RING_WRITE_POS_OFFSET: usize = 0x00;
/// Offset of a ring's `u64 read_pos`.
pub const BYTES_RING_READ_POS_OFFSET: usize = 0x08;
/// Offset of a ring's `u32 capacity` (bytes).
pub const BYTES_RING_CAPACITY_OFFSET: usize = 0x10;
/// Offset of a ring's `u32 elem_size`.
pub const BYTES_RING_ELEM_SIZE_OFFSET: usize = 0x14;

/// Size of a ring of `capacity_bytes` data bytes: `24 + capacity_bytes`.
pub const fn bytes_ring_size(capacity_bytes: usize) -> usize {
    crate::layout::unwrap_size(checked_bytes_ring_size(capacity_bytes))
}

/// [`bytes_ring_size`], or `None` on overflow.
pub const fn checked_bytes_ring_size(capacity_bytes: usize) -> Option<usize> {
    capacity_bytes.checked_add(BYTES_RING_HEADER_SIZE)
}

/// A ring's header, 24 bytes at the structure's start.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct RingHeader {
    /// 0x00: bytes ever written.
    write_pos: u64,
    /// 0x08: bytes ever read.
    read_pos: u64,
    /// 0x10: data bytes.
    capacity: u32,
    /// 0x14: bytes per element.
    elem_size: u32,
}

const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<RingHeader>() == BYTES_RING_HEADER_SIZE);
    assert!(offset_of!(RingHeader, write_pos) == BYTES_RING_WRITE_POS_OFFSET);
    assert!(offset_of!(RingHeader, read_pos) == BYTES_RING_READ_POS_OFFSET);
    assert!(offset_of!(RingHeader, capacity) == BYTES_RING_CAPACITY_OFFSET);
    assert!(offset_of!(RingHeader, elem_size) == BYTES_RING_ELEM_SIZE_OFFSET);
};

/// A single-producer, single-consumer ring of `T` in a segment, laid out as the C++
/// implementation's `Ring<T>`: its capacity is stored in bytes.
///
/// One process (or thread) writes, one reads; [`write`](Ring::write) and
/// [`read`](Ring::read) move as many whole elements as fit, or are there, and never wait.
/// Two writers (or two readers) at once break the ring: that is the format's protocol.
///
/// Positions written by a peer that break the ring's rules (more unread bytes than the
/// capacity, or a position inside an element) make `write` and `read` move nothing and
/// [`check`](Ring::check) say why; `open` refuses them.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Ring};
/// # let name = format!("/zeroipc_doc_ring_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let ring = Ring::<f32>::create(&mem, "samples", 64)?; // 64 elements, 256 bytes
/// assert_eq!(ring.capacity(), 64);
/// assert_eq!(ring.write(&[0.5, 1.5, 2.5]), 3);
/// let mut out = [0.0; 8];
/// assert_eq!(ring.read(&mut out), 3);
/// assert_eq!(&out[..3], &[0.5, 1.5, 2.5]);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Ring<T> {
    write_pos: Mapped<AtomicU64>,
    read_pos: Mapped<AtomicU64>,
    /// `capacity` bytes.
    data: Mapped<u8>,
    /// In bytes: a multiple of `size_of::<T>()`, at least one element, at most `u32::MAX`.
    /// Read once, never re-read.
    capacity: u64,
    /// Bytes per element: `size_of::<T>()`, or a [`RawRing`]'s element size (at least 1).
    elem: u64,
    name: String,
    _elem: PhantomData<fn() -> T>,
}

impl<T: Pod> Ring<T> {
    /// Adds an empty ring called `name` with room for `capacity` elements
    /// (`capacity * size_of::<T>()` bytes, which the header stores).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`], [`Error::TableFull`], [`Error::OutOfSpace`] (also for more
    /// than `u32::MAX` bytes); a validation error if the table is corrupt. On error the
    /// segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Ring<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Self::create_sized(mem, name, capacity, size_of::<T>(), TypeDesc::of::<T>())
    }

    /// [`create`](Ring::create) for elements of `elem` bytes (`size_of::<T>()`, or a
    /// [`RawRing`]'s).
    /// The schema records it with elements of type `ty`.
    fn create_sized(
        mem: &Memory,
        name: &str,
        capacity: usize,
        elem: usize,
        ty: TypeDesc,
    ) -> Result<Ring<T>> {
        assert!(capacity > 0, "a ring has room for at least one element");
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        let bytes = capacity
            .checked_mul(elem)
            .filter(|&b| u32::try_from(b).is_ok())
            .ok_or_else(too_big)?;
        let size = checked_bytes_ring_size(bytes).ok_or_else(too_big)?;
        let line = crate::schema::EntryDesc {
            params: &[("capacity", capacity as u64)],
            ty: Some(ty),
            ..crate::schema::EntryDesc::new(name, "ring")
        };
        let entry = mem.add_described(
            size as u64,
            |region, offset| {
                let header = RingHeader {
                    write_pos: 0,
                    read_pos: 0,
                    capacity: bytes as u32,
                    elem_size: elem as u32,
                };
                region.write(offset, header)?;
                region.write_bytes(offset + BYTES_RING_HEADER_SIZE as u64, &vec![0; bytes])
            },
            &line,
        )?;
        Self::from_parts(mem, name, entry.offset(), bytes as u64, elem)
    }

    /// Opens the ring called `name`.
    ///
    /// Checked before anything is used: the element size against `T`, a capacity of at
    /// least one element, a whole number of them, filling the entry exactly, and positions
    /// that make sense (see [`check`](Ring::check)).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`]; [`Error::CapacityMismatch`] if
    /// the data does not fill the entry; [`Error::Corrupt`] for any other broken rule, each
    /// with its own message; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Ring<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Self::open_sized(mem, name, size_of::<T>())
    }

    /// [`open`](Ring::open) for elements of `elem` bytes.
    fn open_sized(mem: &Memory, name: &str, elem: usize) -> Result<Ring<T>> {
        let (offset, capacity) = check_header(mem, name, elem)?;
        let ring = Self::from_parts(mem, name, offset, capacity, elem)?;
        ring.check()?;
        Ok(ring)
    }

    fn from_parts(
        mem: &Memory,
        name: &str,
        offset: u64,
        capacity: u64,
        elem: usize,
    ) -> Result<Ring<T>> {
        // A handle writes (write, read): refused on a read-only segment, whose readers come
        // through `for_reading`.
        let region = mem.writable()?;
        let outside = || Error::corrupt(name, "ring lies outside the segment");
        Ok(Ring {
            write_pos: region
                .mapped(offset + BYTES_RING_WRITE_POS_OFFSET as u64, 1)
                .ok_or_else(outside)?,
            read_pos: region
                .mapped(offset + BYTES_RING_READ_POS_OFFSET as u64, 1)
                .ok_or_else(outside)?,
            data: region
                .mapped(offset + BYTES_RING_HEADER_SIZE as u64, capacity)
                .ok_or_else(outside)?,
            capacity,
            elem: elem as u64,
            name: name.to_owned(),
            _elem: PhantomData,
        })
    }

    /// The table name of this ring.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of elements it holds when full.
    pub fn capacity(&self) -> usize {
        (self.capacity / self.elem) as usize
    }

    /// The capacity in bytes, as the header stores it.
    pub fn capacity_bytes(&self) -> usize {
        self.capacity as usize
    }

    /// The unread bytes, if the positions make sense: within the capacity, whole elements.
    fn unread(&self, write: u64, read: u64) -> Option<u64> {
        let used = write.wrapping_sub(read);
        (used <= self.capacity && used % self.elem == 0 && read % self.elem == 0).then_some(used)
    }

    /// The number of unread elements at the moment of the call (0 if the positions do not
    /// make sense).
    pub fn len(&self) -> usize {
        // Acquire: pairs with the Release stores of both positions (any order is fine for a
        // count, but the two reads must not be from before the ring was set up).
        let read = self.read_pos.atomic().load(Ordering::Acquire);
        // Acquire: as above.
        let write = self.write_pos.atomic().load(Ordering::Acquire);
        self.unread(write, read)
            .map_or(0, |u| (u / self.elem) as usize)
    }

    /// Whether nothing was unread at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the positions: at most `capacity` bytes unread, and both on element
    /// boundaries.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] saying which rule the positions break.
    pub fn check(&self) -> Result<()> {
        // Relaxed: a look at both words for a diagnosis; nothing is reached through them.
        let read = self.read_pos.atomic().load(Ordering::Relaxed);
        // Relaxed: as above.
        let write = self.write_pos.atomic().load(Ordering::Relaxed);
        if self.unread(write, read).is_some() {
            return Ok(());
        }
        Err(Error::corrupt(
            &self.name,
            format!(
                "ring positions write {write}, read {read} break its rules: at most {} bytes unread, on {}-byte element boundaries",
                self.capacity, self.elem
            ),
        ))
    }

    /// Writes as many of `values` as there is room for, in order; returns how many. The
    /// producer's call: one writer at a time.
    pub fn write(&self, values: &[T]) -> usize {
        self.write_bytes(bytemuck::cast_slice(values))
    }

    /// Writes the longest prefix of whole elements of `bytes` there is room for; how many
    /// elements.
    fn write_bytes(&self, bytes: &[u8]) -> usize {
        // Relaxed: only the producer (this caller) stores `write_pos`.
        let write = self.write_pos.atomic().load(Ordering::Relaxed);
        // Acquire: pairs with the consumer's Release store in `read`, so its reads of the
        // bytes it gave back happen before this call overwrites them.
        let read = self.read_pos.atomic().load(Ordering::Acquire);
        let Some(used) = self.unread(write, read) else {
            return 0;
        };
        let n = (bytes.len() as u64 / self.elem).min((self.capacity - used) / self.elem);
        let bytes = &bytes[..(n * self.elem) as usize];
        self.copy(write, bytes.len(), |data, at, range| {
            data.store_run(at, &bytes[range]);
        });
        // Release: pairs with the consumer's Acquire load in `read`, which then sees the
        // bytes copied above.
        self.write_pos
            .atomic()
            .store(write.wrapping_add(bytes.len() as u64), Ordering::Release);
        n as usize
    }

    /// Reads up to `out.len()` elements, oldest first, into the front of `out`; returns how
    /// many. The consumer's call: one reader at a time.
    pub fn read(&self, out: &mut [T]) -> usize {
        self.read_bytes(bytemuck::cast_slice_mut(out))
    }

    /// Reads whole elements into the front of `out`, as many as are there and fit; how
    /// many elements.
    fn read_bytes(&self, out: &mut [u8]) -> usize {
        // Relaxed: only the consumer (this caller) stores `read_pos`.
        let read = self.read_pos.atomic().load(Ordering::Relaxed);
        // Acquire: pairs with the producer's Release store in `write`, so the bytes it wrote
        // are seen.
        let write = self.write_pos.atomic().load(Ordering::Acquire);
        let Some(used) = self.unread(write, read) else {
            return 0;
        };
        let n = (out.len() as u64 / self.elem).min(used / self.elem);
        let bytes = &mut out[..(n * self.elem) as usize];
        let len = bytes.len();
        self.copy(read, len, |data, at, range| {
            data.load_run(at, &mut bytes[range]);
        });
        // Release: pairs with the producer's Acquire load in `write`, so the reads above
        // happen before it overwrites these bytes.
        self.read_pos
            .atomic()
            .store(read.wrapping_add(len as u64), Ordering::Release);
        n as usize
    }

    /// Copies of the unread elements, oldest first, without reading them: for tools that
    /// show a live ring. Best-effort: if the consumer reads meanwhile and the producer
    /// refills the space, a copy may mix old and new bytes.
    pub fn snapshot(&self) -> Vec<T> {
        // Acquire: as in `read`, so the producer's bytes are seen.
        let write = self.write_pos.atomic().load(Ordering::Acquire);
        // Acquire: pairs with the consumer's Release store; where reading starts.
        let read = self.read_pos.atomic().load(Ordering::Acquire);
        let Some(used) = self.unread(write, read) else {
            return Vec::new();
        };
        let mut out = vec![T::zeroed(); used as usize / size_of::<T>()];
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
        let len = bytes.len();
        self.copy(read, len, |data, at, range| {
            data.load_run(at, &mut bytes[range]);
        });
        out
    }

    /// Runs `step(data, at, range)` for the one or two runs of `len` bytes from position
    /// `pos`: `range` of the caller's bytes go to (or come from) data offset `at`.
    fn copy(
        &self,
        pos: u64,
        len: usize,
        mut step: impl FnMut(&Mapped<u8>, usize, std::ops::Range<usize>),
    ) {
        // In range: below the capacity, which fits a `u32`.
        let at = (pos % self.capacity) as usize;
        let first = len.min(self.capacity as usize - at);
        step(&self.data, at, 0..first);
        if first < len {
            step(&self.data, 0, first..len);
        }
    }
}

/// The checks of a ring's `open` for elements of `elem_size` bytes: its offset and its
/// capacity in bytes.
fn check_header(mem: &Memory, name: &str, elem_size: usize) -> Result<(u64, u64)> {
    let (entry, header) = crate::structures::read_header::<RingHeader>(mem, name)?;
    crate::structures::expect_elem_size(name, elem_size, header.elem_size)?;
    if elem_size == 0 {
        // Only a run-time size (`RawRing`) can be 0, and then the header's is 0 too.
        return Err(Error::corrupt(name, "ring elements of 0 bytes"));
    }
    let capacity = u64::from(header.capacity);
    if capacity == 0 || capacity % elem_size as u64 != 0 {
        return Err(Error::corrupt(
            name,
            format!("ring capacity {capacity} bytes is not a whole, non-zero number of {elem_size}-byte elements"),
        ));
    }
    if capacity + BYTES_RING_HEADER_SIZE as u64 != entry.size() {
        return Err(Error::CapacityMismatch {
            name: name.to_owned(),
            capacity,
            entry_size: entry.size(),
        });
    }
    Ok((entry.offset(), capacity))
}

impl<T> fmt::Debug for Ring<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let region = self.data.region();
        crate::structures::debug_handle(f, "Ring", &self.name, self.capacity as usize, region)
    }
}

/// A [`Ring`] of elements of a size known only at run time, moved as bytes: for bindings to
/// languages whose element types are run-time values (numpy dtypes). The same ring and
/// algorithm as `Ring<T>`, whose element size it takes from the caller.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawRing {
    ring: Ring<u8>,
    /// The segment's name when opened by [`open_read`](RawRing::open_read): then only
    /// `snapshot` reads it.
    reading: Option<String>,
}

impl RawRing {
    /// [`Ring::create`] with room for `capacity` elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Ring::create`].
    ///
    /// # Panics
    ///
    /// If `capacity` or `elem_size` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize, elem_size: usize) -> Result<RawRing> {
        assert!(elem_size > 0, "a ring's elements have at least one byte");
        Ring::create_sized(
            mem,
            name,
            capacity,
            elem_size,
            TypeDesc::Opaque { size: elem_size },
        )
        .map(|ring| RawRing {
            ring,
            reading: None,
        })
    }

    /// [`Ring::open`] for elements of `elem_size` bytes.
    ///
    /// # Errors
    ///
    /// As [`Ring::open`]; [`Error::ElementSizeMismatch`] for another element size.
    pub fn open(mem: &Memory, name: &str, elem_size: usize) -> Result<RawRing> {
        Self::open_as(mem, name, elem_size, None)
    }

    /// [`Ring::open_read`]'s ring: [`write_bytes`](RawRing::write_bytes) and
    /// [`read_bytes`](RawRing::read_bytes) are refused, [`snapshot`](RawRing::snapshot) reads.
    ///
    /// # Errors
    ///
    /// As [`RawRing::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str, elem_size: usize) -> Result<RawRing> {
        Self::open_as(
            &mem.for_reading(),
            name,
            elem_size,
            Some(mem.name().to_owned()),
        )
    }

    fn open_as(
        mem: &Memory,
        name: &str,
        elem_size: usize,
        reading: Option<String>,
    ) -> Result<RawRing> {
        Ring::open_sized(mem, name, elem_size).map(|ring| RawRing { ring, reading })
    }

    /// The bytes of an element.
    pub fn elem_size(&self) -> usize {
        self.ring.elem as usize
    }

    /// See [`Ring::name`].
    pub fn name(&self) -> &str {
        self.ring.name()
    }

    /// See [`Ring::capacity`].
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// See [`Ring::len`].
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// See [`Ring::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// [`Ring::write`] of the whole elements of `bytes`; how many elements.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] for a ring opened with [`open_read`](RawRing::open_read).
    pub fn write_bytes(&self, bytes: &[u8]) -> Result<usize> {
        self.writer()?;
        Ok(self.ring.write_bytes(bytes))
    }

    /// [`Ring::read`] into the whole elements of `out`; how many elements.
    ///
    /// # Errors
    ///
    /// As [`write_bytes`](RawRing::write_bytes).
    pub fn read_bytes(&self, out: &mut [u8]) -> Result<usize> {
        self.writer()?;
        Ok(self.ring.read_bytes(out))
    }

    fn writer(&self) -> Result<()> {
        match &self.reading {
            Some(segment) => Err(Error::ReadOnly {
                segment: segment.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The bytes of [`Ring::snapshot`].
    pub fn snapshot(&self) -> Vec<u8> {
        self.ring.snapshot()
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

impl<T: Pod> Ring<T> {
    /// Opens the ring called `name` for reading only, on any segment: the one way to read a
    /// ring of a segment opened read-only
    /// ([`Options::read_only`](crate::Options::read_only), [`Memory::open_copy`]), where
    /// [`Ring::open`] is refused. The checks are those of [`Ring::open`].
    ///
    /// # Errors
    ///
    /// As [`Ring::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<RingReader<T>> {
        Ok(RingReader {
            ring: Ring::open(&mem.for_reading(), name)?,
        })
    }
}

/// A ring opened for reading only ([`Ring::open_read`]): the methods of a [`Ring`] that
/// leave it as it is, and no others, so it can live on a `PROT_READ` mapping.
#[derive(Clone, Debug)]
pub struct RingReader<T> {
    /// Kept private: only its reading methods are called.
    ring: Ring<T>,
}

impl<T: Pod> RingReader<T> {
    /// The table name of this ring.
    pub fn name(&self) -> &str {
        self.ring.name()
    }

    /// The room, in elements.
    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    /// The number of unread elements at the moment of the call; see [`Ring::len`].
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether the ring held no unread element at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// Copies of the unread elements, oldest first; see [`Ring::snapshot`].
    pub fn snapshot(&self) -> Vec<T> {
        self.ring.snapshot()
    }
}

// ---- Its declaration, for `#[zeroipc::segment]` --------------------------------------------

// `capacity` counts elements, as `create` does.
crate::declare::declare_elements!(Ring, capacity, false, declared_size);

/// The size of a declared ring of `capacity` elements of `elem_size` bytes.
const fn declared_size(capacity: usize, elem_size: usize) -> usize {
    match capacity.checked_mul(elem_size) {
        Some(bytes) => bytes_ring_size(bytes),
        None => panic!("zeroipc: size overflows usize"),
    }
}

// ---- Its reading, for tools (`zeroipc::inspect`) -------------------------------------------

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("ring", read_entry)
        .hints(&["ring", "buffer", "stream"])
        .check(|mem, name, r| {
            crate::structures::with_element_size!(r.elem_size?, check_as(mem, name))
        })
        .example(|mem| Ring::<u32>::create(mem, "r", 16).map(|_| "r".to_owned()));

/// A ring: a byte capacity of whole elements that fills the entry exactly.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    let head = p.head.get(..BYTES_RING_HEADER_SIZE)?;
    let header: RingHeader = bytemuck::pod_read_unaligned(head);
    let (capacity, elem) = (u64::from(header.capacity), u64::from(header.elem_size));
    if elem == 0
        || capacity == 0
        || capacity % elem != 0
        || capacity + BYTES_RING_HEADER_SIZE as u64 != p.size
    {
        return None;
    }
    let used = header.write_pos.wrapping_sub(header.read_pos);
    let mut r = crate::inspect::Reading::new(
        "ring",
        format!(
            "ring of {capacity} bytes ({} elements of {elem} bytes): written {}, read {}",
            capacity / elem,
            header.write_pos,
            header.read_pos
        ),
    );
    r.capacity = Some(capacity / elem);
    r.elem_size = Some(elem);
    if used <= capacity && used % elem == 0 && header.read_pos % elem == 0 {
        r.items = Some(used / elem);
    } else {
        r.inconsistent = Some(format!(
            "write {} - read {} is not a whole number of elements within the capacity",
            header.write_pos, header.read_pos
        ));
    }
    Some(r)
}

fn check_as<T: Pod>(mem: &Memory, name: &str) -> std::result::Result<String, String> {
    Ring::<T>::open(mem, name)
        .map(|r| {
            format!(
                "Ring of {} elements of {} bytes, {} unread",
                r.capacity(),
                size_of::<T>(),
                r.len()
            )
        })
        .map_err(|e| format!("Ring::open: {e}"))
}
