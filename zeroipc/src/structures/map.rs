//! `Map<K, V>`: a fixed-capacity hash map with open addressing, as the C++ implementation
//! lays it out (a [`Set`](crate::Set) is the same table without values).
//!
//! Layout (offsets from the structure's start): `u32 size` at 0x00 (occupied slots),
//! `u32 capacity` at 0x04, `u32 key_size` at 0x08, `u32 value_size` at 0x0C; then `capacity`
//! slots from 16, slot `i` at `16 + i * E`. A slot is the C layout of
//! `{ u32 state; K key; V value; }` (see [`map_slot_size`]). States: EMPTY 0, OCCUPIED 1,
//! DELETED 2 (a tombstone, key and value left in place), INSERTING 3 (a peer owns the slot).
//!
//! Keys hash as the C++ implementation hashes them ([`MapKey`]): integers by a
//! multiplication, anything else by libstdc++'s byte hash. The probe path of a key is slot
//! `(h + i) mod capacity` for `i = 0 .. capacity - 1`.
//!
//! This implementation's protocol, which keeps one slot per key among its own peers (the
//! upstream one does not, see SPECIFICATION.md):
//!
//! - a slot's key is written once, when the slot leaves EMPTY, and never again: a tombstone
//!   keeps its key, and only an insert of that same key brings it back;
//! - a scan waits for an INSERTING slot to settle instead of passing it (its key may be the
//!   one sought), within the caller's time;
//! - an insert takes, on its key's path, the slot holding the key (OCCUPIED: an update;
//!   DELETED: the key comes back), or else the first EMPTY slot; a slot's state goes through
//!   INSERTING for every write of its key or value, and reads of a value claim it the same way,
//!   so a value is never read while it is written.
//!
//! The algorithm is written once, over [`MapView`]; the handles [`Map`] and
//! [`Set`](crate::Set) build the view from a mapping, and the loom tests build it from heap
//! atomics.

use std::marker::PhantomData;

use bytemuck::Pod;

use crate::atomic::{AtomicU32, Ordering};
use crate::structures::slots::Records;
use crate::wait::Wait;

#[cfg(not(loom))]
use std::{fmt, time::Duration};

#[cfg(not(loom))]
use bytemuck::Zeroable;

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    region::{Mapped, Region},
    structures::slots::MappedRecords,
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a map's (or a set's) header; the slots start here.
pub const MAP_HEADER_SIZE: usize = 16;

/// Offset of a map's `u32 size` (occupied slots).
pub const MAP_SIZE_OFFSET: usize = 0x00;
/// Offset of a map's `u32 capacity` (slots).
pub const MAP_CAPACITY_OFFSET: usize = 0x04;
/// Offset of a map's `u32 key_size`.
pub const MAP_KEY_SIZE_OFFSET: usize = 0x08;
/// Offset of a map's `u32 value_size`.
pub const MAP_VALUE_SIZE_OFFSET: usize = 0x0C;

/// Slot state: never used.
pub const MAP_EMPTY: u32 = 0;
/// Slot state: holds a key and its value.
pub const MAP_OCCUPIED: u32 = 1;
/// Slot state: a tombstone; the key and value stay in the slot.
pub const MAP_DELETED: u32 = 2;
/// Slot state: a peer owns the slot while it writes (or, here, reads) it.
pub const MAP_INSERTING: u32 = 3;

/// The largest capacity: the header's `capacity` is a `u32`.
pub const MAX_MAP_CAPACITY: usize = u32::MAX as usize;

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Offset of the key in a slot: after the `u32` state, aligned for the key.
pub const fn map_key_offset(key_align: usize) -> usize {
    max(4, key_align)
}

/// Offset of the value in a slot: after the key, aligned for the value.
pub const fn map_value_offset(key_size: usize, key_align: usize, value_align: usize) -> usize {
    crate::layout::unwrap_size(crate::layout::checked_align(
        map_key_offset(key_align) + key_size,
        value_align,
    ))
}

/// The alignment of a slot: that of its most aligned field, the `u32` state included.
pub const fn map_slot_align(key_align: usize, value_align: usize) -> usize {
    max(4, max(key_align, value_align))
}

/// Size of a slot `{ u32 state; K key; V value; }` in C layout, padding included.
///
/// ```
/// use zeroipc::layout::map_slot_size;
/// assert_eq!(map_slot_size(4, 4, 4, 4), 12); // Map<i32, i32>
/// assert_eq!(map_slot_size(8, 8, 4, 4), 24); // Map<f64, i32>
/// assert_eq!(map_slot_size(4, 4, 0, 1), 8); // Set<i32>
/// ```
pub const fn map_slot_size(
    key_size: usize,
    key_align: usize,
    value_size: usize,
    value_align: usize,
) -> usize {
    let end = map_value_offset(key_size, key_align, value_align) + value_size;
    crate::layout::unwrap_size(crate::layout::checked_align(
        end,
        map_slot_align(key_align, value_align),
    ))
}

/// Size of a map (or set) of `capacity` slots of `slot_size` bytes: `16 + capacity * E`.
pub const fn map_size(capacity: usize, slot_size: usize) -> usize {
    crate::layout::unwrap_size(checked_map_size(capacity, slot_size))
}

/// [`map_size`], or `None` on overflow.
pub const fn checked_map_size(capacity: usize, slot_size: usize) -> Option<usize> {
    match capacity.checked_mul(slot_size) {
        Some(slots) => slots.checked_add(MAP_HEADER_SIZE),
        None => None,
    }
}

// ---- The hash and the keys ------------------------------------------------------------------

/// The multiplier of the C++ implementation's hash of integer keys.
const INTEGER_MULTIPLIER: u64 = 2_654_435_761;

/// libstdc++'s `_Hash_bytes` for a 64-bit `size_t` (`MurmurHash64A`, little-endian) with the
/// seed `std::hash<std::string_view>` passes, `0xc70f6907`: how the C++ implementation,
/// built with GCC's standard library, hashes keys that are not integers.
///
/// ```
/// // The eight bytes of 0.5f64 (vectors/README-ext.md).
/// assert_eq!(zeroipc::hash_bytes(&0.5f64.to_le_bytes()), 0xd8bc_8bed_05d5_2714);
/// ```
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const SEED: u64 = 0xc70f_6907;
    let mut h = SEED ^ (bytes.len() as u64).wrapping_mul(M);
    let mut blocks = bytes.chunks_exact(8);
    for block in &mut blocks {
        let mut w = u64::from_le_bytes(block.try_into().unwrap_or([0; 8]));
        w = w.wrapping_mul(M);
        w ^= w >> 47;
        w = w.wrapping_mul(M);
        h ^= w;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut t = 0u64;
        for (i, &b) in tail.iter().enumerate() {
            t |= u64::from(b) << (8 * i);
        }
        h ^= t;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 47;
    h = h.wrapping_mul(M);
    h ^ (h >> 47)
}

/// How the C++ implementation hashes and compares a key type.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A signed integer: sign-extended to 64 bits and multiplied; compared by value.
    Signed,
    /// An unsigned integer: zero-extended and multiplied; compared by value.
    Unsigned,
    /// A floating-point number: its bytes hashed; compared by value (`==`).
    Float,
    /// Anything else: its bytes hashed and compared.
    Bytes,
}

/// A type a [`Map`] or a [`Set`](crate::Set) can key on: hashed and compared as the C++
/// implementation hashes and compares it, so that both find a key in the same slot.
///
/// Implemented for the integers (hashed by a multiplication, compared by value), `f32` and
/// `f64` (their bytes hashed, compared by value) and arrays of plain old data (bytes hashed
/// and compared). For a record of your own, write `impl zeroipc::MapKey for Pair {}`: its
/// bytes are hashed and compared, padding included (so a key type without padding, as
/// [`Pod`] requires, is the only kind that can be found again).
///
/// Comparing floating-point keys by value, as C++ does, has two consequences: a NaN key
/// never equals itself, so it can be inserted (once per free slot) but never found, updated
/// or removed; and `-0.0 == 0.0`, but the two hash differently (different bytes), so each
/// is found only through its own bytes' home slot, and one of them is found only when the
/// other happens to lie on its probe path.
#[diagnostic::on_unimplemented(
    message = "zeroipc: `{Self}` cannot be a map key or set element",
    label = "not `zeroipc::MapKey`",
    note = "keys are hashed and compared as the C++ implementation does: integers, `f32`, `f64` and arrays are keys already; for a `#[repr(C)]` record that derives `Pod`, write an empty `impl zeroipc::MapKey for YourType` block (its bytes are hashed and compared)"
)]
pub trait MapKey: Pod {
    /// How the C++ implementation hashes and compares it: by bytes, unless it is a number.
    #[doc(hidden)]
    const KIND: KeyKind = KeyKind::Bytes;

    /// The C++ implementation's hash of the key (`detail::trivial_hash` with libstdc++).
    fn cpp_hash(&self) -> u64 {
        let bytes = bytemuck::bytes_of(self);
        match Self::KIND {
            KeyKind::Signed | KeyKind::Unsigned => {
                let mut word = [0u8; 8];
                let n = bytes.len().min(8);
                word[..n].copy_from_slice(&bytes[..n]);
                let negative = Self::KIND == KeyKind::Signed && n > 0 && bytes[n - 1] & 0x80 != 0;
                if negative {
                    for b in &mut word[n..] {
                        *b = 0xff;
                    }
                }
                u64::from_le_bytes(word).wrapping_mul(INTEGER_MULTIPLIER)
            }
            KeyKind::Float | KeyKind::Bytes => hash_bytes(bytes),
        }
    }

    /// Whether two keys are the same key, as the C++ implementation compares them.
    fn cpp_eq(&self, other: &Self) -> bool {
        let (a, b) = (bytemuck::bytes_of(self), bytemuck::bytes_of(other));
        if Self::KIND == KeyKind::Float {
            if let (Ok(a), Ok(b)) = (<[u8; 8]>::try_from(a), <[u8; 8]>::try_from(b)) {
                return f64::from_le_bytes(a) == f64::from_le_bytes(b);
            }
            if let (Ok(a), Ok(b)) = (<[u8; 4]>::try_from(a), <[u8; 4]>::try_from(b)) {
                return f32::from_le_bytes(a) == f32::from_le_bytes(b);
            }
        }
        a == b
    }
}

macro_rules! map_keys {
    ($kind:ident: $($t:ty)*) => {
        $(impl MapKey for $t {
            const KIND: KeyKind = KeyKind::$kind;
        })*
    };
}
map_keys!(Signed: i8 i16 i32 i64 isize);
map_keys!(Unsigned: u8 u16 u32 u64 usize);
map_keys!(Float: f32 f64);
impl<T: Pod, const N: usize> MapKey for [T; N] where [T; N]: Pod {}

// ---- The algorithm -------------------------------------------------------------------------

/// Why a map operation did not happen.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapFail {
    /// Every slot on the key's probe path holds another key.
    Full,
    /// The slot at `index` stayed INSERTING for the whole wait: a peer is slow, or died
    /// in the middle of writing it.
    Stuck {
        /// The slot.
        index: usize,
    },
    /// The slot at `index` holds a state no peer writes.
    Corrupt {
        /// The slot.
        index: usize,
        /// Its state.
        state: u32,
    },
}

/// Where a key is, or would go, on its probe path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// An OCCUPIED slot holding the key.
    Occupied(usize),
    /// A tombstone holding the key.
    Deleted(usize),
    /// The first EMPTY slot: the key is in no slot.
    Empty(usize),
    /// The key is in no slot, and the path has no EMPTY slot.
    Nowhere,
}

/// A map as the algorithm sees it: its `size` word and its slots.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
pub struct MapView<'a, K, V, R> {
    size: &'a AtomicU32,
    /// The slots; at least one (checked in `new`).
    slots: R,
    key_offset: usize,
    value_offset: usize,
    _types: PhantomData<fn() -> (K, V)>,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[allow(clippy::len_without_is_empty)] // the handles have `is_empty`
impl<'a, K: MapKey, V: Pod, R: Records> MapView<'a, K, V, R> {
    /// Offset of the state word in a slot.
    pub const STATE_OFFSET: usize = 0;
    /// Offset of the key in a slot.
    pub const KEY_OFFSET: usize = map_key_offset(align_of::<K>());
    /// Offset of the value in a slot.
    pub const VALUE_OFFSET: usize =
        map_value_offset(size_of::<K>(), align_of::<K>(), align_of::<V>());
    /// Size of a slot.
    pub const SLOT_SIZE: usize = map_slot_size(
        size_of::<K>(),
        align_of::<K>(),
        size_of::<V>(),
        align_of::<V>(),
    );
    /// Alignment of a slot.
    pub const SLOT_ALIGN: usize = map_slot_align(align_of::<K>(), align_of::<V>());

    /// # Panics
    ///
    /// If `slots` is empty. Callers pass geometry they validated.
    pub fn new(size: &'a AtomicU32, slots: R) -> MapView<'a, K, V, R> {
        assert!(
            slots.len() > 0 && slots.len() <= MAX_MAP_CAPACITY,
            "map geometry is validated before a view is built"
        );
        MapView {
            size,
            slots,
            key_offset: Self::KEY_OFFSET,
            value_offset: Self::VALUE_OFFSET,
            _types: PhantomData,
        }
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The `size` word, within `0..=capacity` (a peer may have written anything there).
    pub fn len(&self) -> usize {
        // Relaxed: a count for people; no data is reached through it.
        (self.size.load(Ordering::Relaxed) as usize).min(self.capacity())
    }

    fn state(&self, index: usize) -> &AtomicU32 {
        self.slots.word(index, Self::STATE_OFFSET)
    }

    /// Where `key` is, or would go: the scan of its probe path, waiting (with `wait`) for
    /// every INSERTING slot on the way to settle, since its key may be this one.
    fn place(&self, key: &K, wait: &mut Wait) -> Result<Place, MapFail> {
        let capacity = self.capacity() as u64;
        let home = key.cpp_hash();
        for i in 0..capacity {
            // In range: the remainder of a division by the capacity.
            let index = (home.wrapping_add(i) % capacity) as usize;
            let word = self.state(index);
            // Exit: the slot settled (any state but INSERTING), or the wait ran out.
            loop {
                // Acquire: pairs with the Release stores that end a peer's claim
                // (`release`), so the key (and value) written before them are seen.
                let state = word.load(Ordering::Acquire);
                match state {
                    MAP_EMPTY => return Ok(Place::Empty(index)),
                    MAP_OCCUPIED | MAP_DELETED => {
                        // SAFETY: `index < capacity`; a slot's key is written only while it
                        // leaves EMPTY, before the Release store the load above saw, and
                        // never again (see the module docs).
                        let found: K = unsafe { self.slots.read(index, self.key_offset) };
                        if found.cpp_eq(key) {
                            return Ok(if state == MAP_OCCUPIED {
                                Place::Occupied(index)
                            } else {
                                Place::Deleted(index)
                            });
                        }
                        break;
                    }
                    MAP_INSERTING => {
                        if !wait.wait(word, state) {
                            return Err(MapFail::Stuck { index });
                        }
                    }
                    _ => return Err(MapFail::Corrupt { index, state }),
                }
            }
        }
        Ok(Place::Nowhere)
    }

    /// Takes slot `index` from `from` to INSERTING; `false` if its state was not `from`.
    fn claim(&self, index: usize, from: u32) -> bool {
        // Acquire: pairs with the Release store that last set the state (`release`), so the
        // previous owner's writes of the slot happen before ours (and its key is seen).
        // Relaxed on failure: the caller scans again, with its own Acquire loads.
        self.state(index)
            .compare_exchange(from, MAP_INSERTING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Ends a claim of slot `index`, leaving it in `to`.
    fn release(&self, index: usize, to: u32) {
        // Release: pairs with the Acquire loads of `place` and the Acquire of `claim`, so the
        // next reader or owner of the slot sees what this owner wrote.
        self.state(index).store(to, Ordering::Release);
    }

    /// The value of the claimed slot `index`.
    fn value(&self, index: usize) -> V {
        // SAFETY: `index < capacity` (from `place`), the field is the value, and the caller
        // holds the slot's claim, so no peer of this protocol writes it meanwhile.
        unsafe { self.slots.read(index, self.value_offset) }
    }

    /// Inserts `key` with `value`, or updates its value; the old value if it had one.
    ///
    /// # Errors
    ///
    /// [`MapFail::Full`] when the key's path has no room; [`MapFail::Stuck`] when a slot on
    /// it stayed INSERTING for the whole `wait`; [`MapFail::Corrupt`] for a state no peer
    /// writes. The map is unchanged then.
    pub fn insert(&self, key: K, value: V, wait: &mut Wait) -> Result<Option<V>, MapFail> {
        self.insert_with(key, wait, |slots, index, occupied| {
            let old = occupied.then(|| self.value(index));
            // SAFETY: in bounds (from `place`), the value field, and the slot is ours (the
            // caller holds its claim).
            unsafe { slots.write(index, self.value_offset, value) };
            old
        })
    }

    /// As [`insert`](Self::insert), with the value written by `write(slots, index,
    /// occupied)` while the slot is claimed (`occupied`: the key was there, an update):
    /// for handles whose values are bytes of a size known at run time.
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    pub fn insert_with<X>(
        &self,
        key: K,
        wait: &mut Wait,
        write: impl FnOnce(&R, usize, bool) -> X,
    ) -> Result<X, MapFail> {
        // Exit: the key was written, or an error; a lost claim (a peer changed the slot
        // between the scan and the claim) scans again, after a wait on that slot.
        loop {
            let (index, from) = match self.place(&key, wait)? {
                Place::Occupied(index) => (index, MAP_OCCUPIED),
                Place::Deleted(index) => (index, MAP_DELETED),
                Place::Empty(index) => (index, MAP_EMPTY),
                Place::Nowhere => return Err(MapFail::Full),
            };
            if !self.claim(index, from) {
                let word = self.state(index);
                // Relaxed: only what to wait on; the scan re-reads with Acquire.
                if !wait.wait(word, word.load(Ordering::Relaxed)) {
                    return Err(MapFail::Stuck { index });
                }
                continue;
            }
            if from == MAP_EMPTY {
                // SAFETY: in bounds (from `place`), the key field, and the slot is ours; the
                // only write of this slot's key (see the module docs).
                unsafe { self.slots.write(index, self.key_offset, key) };
            }
            let got = write(&self.slots, index, from == MAP_OCCUPIED);
            if from != MAP_OCCUPIED {
                // Relaxed: a count; counted before the slot is published, so a remover,
                // which can only take the key after the Release below, never counts below
                // zero.
                self.size.fetch_add(1, Ordering::Relaxed);
            }
            self.release(index, MAP_OCCUPIED);
            return Ok(got);
        }
    }

    /// Runs `take(slots, index)` on the claimed OCCUPIED slot holding `key` and leaves it
    /// in `to` (OCCUPIED: a read; DELETED: a removal); `None` if the key is in no slot.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub fn with_key<X>(
        &self,
        key: &K,
        to: u32,
        wait: &mut Wait,
        take: impl FnOnce(&R, usize) -> X,
    ) -> Result<Option<X>, MapFail> {
        // Exit: as in `insert`.
        loop {
            let Place::Occupied(index) = self.place(key, wait)? else {
                return Ok(None);
            };
            if !self.claim(index, MAP_OCCUPIED) {
                let word = self.state(index);
                // Relaxed: as in `insert`.
                if !wait.wait(word, word.load(Ordering::Relaxed)) {
                    return Err(MapFail::Stuck { index });
                }
                continue;
            }
            let got = take(&self.slots, index);
            if to == MAP_DELETED {
                // Relaxed: as in `insert`; the key was counted before it was published.
                self.size.fetch_sub(1, Ordering::Relaxed);
            }
            self.release(index, to);
            return Ok(Some(got));
        }
    }

    /// The value of `key`, if it is in the map.
    ///
    /// # Errors
    ///
    /// [`MapFail::Stuck`] and [`MapFail::Corrupt`], as for [`insert`](Self::insert).
    pub fn get(&self, key: &K, wait: &mut Wait) -> Result<Option<V>, MapFail> {
        self.with_key(key, MAP_OCCUPIED, wait, |_, index| self.value(index))
    }

    /// Removes `key`; its value if it was in the map.
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn remove(&self, key: &K, wait: &mut Wait) -> Result<Option<V>, MapFail> {
        self.with_key(key, MAP_DELETED, wait, |_, index| self.value(index))
    }

    /// Whether `key` is in the map. Reads no value, so claims no slot.
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn contains_key(&self, key: &K, wait: &mut Wait) -> Result<bool, MapFail> {
        Ok(matches!(self.place(key, wait)?, Place::Occupied(_)))
    }

    /// The key and value of slot `index` if it is OCCUPIED now, read under a claim; `None`
    /// for any other state, or when a peer has the slot.
    pub fn entry_at(&self, index: usize) -> Option<(K, V)> {
        self.entry_with(index, |_, index| self.value(index))
    }

    /// The key of slot `index` and what `take(slots, index)` reads of its value, under a
    /// claim, if the slot is OCCUPIED now; `None` for any other state, or when a peer has
    /// the slot.
    pub fn entry_with<X>(&self, index: usize, take: impl FnOnce(&R, usize) -> X) -> Option<(K, X)> {
        if !self.claim(index, MAP_OCCUPIED) {
            return None;
        }
        // SAFETY: `index < capacity` (`claim` reached its word, which checks), the key field;
        // the slot is ours.
        let key: K = unsafe { self.slots.read(index, self.key_offset) };
        let value = take(&self.slots, index);
        self.release(index, MAP_OCCUPIED);
        Some((key, value))
    }

    /// The key and value of slot `index` if it is OCCUPIED now, read without a claim: for a
    /// reader that cannot write (a read-only mapping). A value a peer rewrites meanwhile may
    /// be read torn; the copy is per-byte atomic, so that is all it can be.
    pub fn entry_unclaimed(&self, index: usize) -> Option<(K, V)> {
        let key = self.key_at(index)?;
        // SAFETY: in bounds (`key_at` reached the slot's state, which checks), the value
        // field; a peer may write it meanwhile, which the per-byte atomic copy allows.
        let value = unsafe { self.slots.read(index, self.value_offset) };
        Some((key, value))
    }

    /// What `read(slots, index)` reads of slot `index`'s value without a claim: for a reader
    /// that cannot write, as [`entry_unclaimed`](Self::entry_unclaimed).
    pub fn read_unclaimed<X>(&self, index: usize, read: impl FnOnce(&R, usize) -> X) -> X {
        read(&self.slots, index)
    }

    /// The key of slot `index` if it is OCCUPIED now (no claim: keys never change).
    pub fn key_at(&self, index: usize) -> Option<K> {
        // Acquire: as in `place`.
        if self.state(index).load(Ordering::Acquire) != MAP_OCCUPIED {
            return None;
        }
        // SAFETY: in bounds (`state` checked), the key field, written once before the Release
        // store the load above saw (see `place`).
        Some(unsafe { self.slots.read(index, self.key_offset) })
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A map's (or set's) header, 16 bytes at the structure's start.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct MapHeader {
    /// 0x00: occupied slots.
    size: u32,
    /// 0x04: slots.
    capacity: u32,
    /// 0x08: bytes per key (a set's element).
    key_size: u32,
    /// 0x0C: bytes per value (a set's `reserved`, 0).
    value_size: u32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<MapHeader>() == MAP_HEADER_SIZE);
    assert!(offset_of!(MapHeader, size) == MAP_SIZE_OFFSET);
    assert!(offset_of!(MapHeader, capacity) == MAP_CAPACITY_OFFSET);
    assert!(offset_of!(MapHeader, key_size) == MAP_KEY_SIZE_OFFSET);
    assert!(offset_of!(MapHeader, value_size) == MAP_VALUE_SIZE_OFFSET);
};

/// The slots and `size` word of a map or a set, whichever handle holds them: what the two
/// share, from creation to the view.
#[cfg(not(loom))]
pub(crate) struct Table<K, V> {
    size: Mapped<AtomicU32>,
    /// `capacity * SLOT_SIZE` bytes, aligned for a slot (checked when made).
    slots: Mapped<u8>,
    /// Read once, never re-read: from 1 to `MAX_MAP_CAPACITY`.
    capacity: usize,
    /// Its slots' geometry: that of `K` and `V`, or a [`RawMap`]'s.
    slot: Slot,
    pub(crate) name: String,
    /// `"map"` or `"set"`, for errors.
    kind: &'static str,
    _types: PhantomData<fn() -> (K, V)>,
}

/// The geometry of a map's slots: their size and alignment, and the value's offset and size.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    size: usize,
    align: usize,
    value_offset: usize,
    value_size: usize,
}

#[cfg(not(loom))]
impl Slot {
    /// The slots of keys `(size, align)` and values `(size, align)`.
    const fn of(key: (usize, usize), value: (usize, usize)) -> Slot {
        Slot {
            size: map_slot_size(key.0, key.1, value.0, value.1),
            align: map_slot_align(key.1, value.1),
            value_offset: map_value_offset(key.0, key.1, value.1),
            value_size: value.0,
        }
    }
}

#[cfg(not(loom))]
impl<K, V> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        Table {
            size: self.size.clone(),
            slots: self.slots.clone(),
            capacity: self.capacity,
            slot: self.slot,
            name: self.name.clone(),
            kind: self.kind,
            _types: PhantomData,
        }
    }
}

#[cfg(not(loom))]
type View<'a, K, V> = MapView<'a, K, V, MappedRecords<'a>>;

#[cfg(not(loom))]
impl<K: MapKey, V: Pod> Table<K, V> {
    const SLOT: Slot = Slot {
        size: View::<K, V>::SLOT_SIZE,
        align: View::<K, V>::SLOT_ALIGN,
        value_offset: View::<K, V>::VALUE_OFFSET,
        value_size: size_of::<V>(),
    };

    /// Adds an empty table called `name` of `capacity` slots (every state EMPTY).
    pub(crate) fn create(
        mem: &Memory,
        name: &str,
        capacity: usize,
        kind: &'static str,
    ) -> Result<Table<K, V>> {
        // A set's values are `()`: no value type.
        let value_ty = (size_of::<V>() > 0).then(crate::schema::TypeDesc::of::<V>);
        Self::create_sized(mem, name, capacity, kind, Self::SLOT, value_ty)
    }

    /// [`create`](Table::create) with slots of the geometry `layout`, recorded in the
    /// schema with keys of type `K` and values of type `value_ty`.
    fn create_sized(
        mem: &Memory,
        name: &str,
        capacity: usize,
        kind: &'static str,
        layout: Slot,
        value_ty: Option<crate::schema::TypeDesc>,
    ) -> Result<Table<K, V>> {
        assert!(capacity > 0, "a {kind} has room for at least one key");
        let slot = layout.size;
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        if capacity > MAX_MAP_CAPACITY {
            return Err(too_big());
        }
        let size = checked_map_size(capacity, slot).ok_or_else(too_big)?;
        let line = crate::schema::EntryDesc {
            params: &[("capacity", capacity as u64)],
            ty: Some(crate::schema::TypeDesc::of::<K>()),
            value_ty,
            ..crate::schema::EntryDesc::new(name, kind)
        };
        let entry = mem.add_described(
            size as u64,
            |region, offset| {
                let header = MapHeader {
                    size: 0,
                    capacity: capacity as u32,
                    key_size: size_of::<K>() as u32,
                    value_size: layout.value_size as u32,
                };
                region.write(offset, header)?;
                // Unused space is zero unless someone wrote past `next_offset`; the format's
                // creator zeroes every slot (EMPTY states, zero keys and values).
                region.write_bytes(
                    offset + MAP_HEADER_SIZE as u64,
                    &vec![0; size - MAP_HEADER_SIZE],
                )
            },
            &line,
        )?;
        Self::from_parts(mem.region(), name, entry.offset(), capacity, kind, layout)
    }

    /// Opens the table called `name`, checking its header against the entry, `K` and `V`.
    pub(crate) fn open(mem: &Memory, name: &str, kind: &'static str) -> Result<Table<K, V>> {
        Self::open_sized(mem, name, kind, Self::SLOT)
    }

    /// [`open`](Table::open) with slots of the geometry `layout`.
    fn open_sized(
        mem: &Memory,
        name: &str,
        kind: &'static str,
        layout: Slot,
    ) -> Result<Table<K, V>> {
        let (offset, capacity) = check_header(
            mem,
            name,
            kind,
            (size_of::<K>(), layout.value_size),
            layout.size,
        )?;
        // Reads of a value claim its slot: a handle writes, so a read-only segment is
        // refused here (readers go through `for_reading`).
        Self::from_parts(mem.writable()?, name, offset, capacity, kind, layout)
    }

    fn from_parts(
        region: &Region,
        name: &str,
        offset: u64,
        capacity: usize,
        kind: &'static str,
        layout: Slot,
    ) -> Result<Table<K, V>> {
        let outside = || Error::corrupt(name, format!("{kind} lies outside the segment"));
        let size = region
            .mapped::<AtomicU32>(offset + MAP_SIZE_OFFSET as u64, 1)
            .ok_or_else(outside)?;
        let bytes = (capacity as u64)
            .checked_mul(layout.size as u64)
            .ok_or_else(outside)?;
        let slots = region
            .mapped::<u8>(offset + MAP_HEADER_SIZE as u64, bytes)
            .ok_or_else(outside)?;
        let table = Table {
            size,
            slots,
            capacity,
            slot: layout,
            name: name.to_owned(),
            kind,
            _types: PhantomData,
        };
        // Checks that the slots' geometry and alignment make a view (every structure starts
        // 8-aligned, and a slot's alignment is at most 8, so this holds for any entry that
        // passed the table's checks).
        MappedRecords::new(&table.slots, layout.size, capacity, layout.align)
            .ok_or_else(|| Error::corrupt(name, format!("{kind} slots are misaligned")))?;
        Ok(table)
    }

    pub(crate) fn view(&self) -> View<'_, K, V> {
        let records =
            MappedRecords::new(&self.slots, self.slot.size, self.capacity, self.slot.align)
                .expect("checked in `from_parts`");
        MapView::new(self.size.atomic(), records)
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Runs `op` on the view with a wait of `timeout` for each slot a peer is writing, and
    /// turns its failure into this table's error.
    pub(crate) fn run<X>(
        &self,
        timeout: Duration,
        op: impl FnOnce(&View<'_, K, V>, &mut Wait) -> Result<X, MapFail>,
    ) -> Result<X> {
        op(&self.view(), &mut Wait::new(timeout)).map_err(|f| self.error(f))
    }

    /// The error for a failed operation.
    pub(crate) fn error(&self, fail: MapFail) -> Error {
        match fail {
            MapFail::Full => Error::Full {
                name: self.name.clone(),
            },
            MapFail::Stuck { .. } => Error::Timeout,
            MapFail::Corrupt { index, state } => Error::corrupt(
                &self.name,
                format!(
                    "{} slot {index} has state {state}, which no writer leaves",
                    self.kind
                ),
            ),
        }
    }
}

/// The checks of a map's or set's `open`, for keys and values of `sizes` in slots of
/// `slot_size` bytes: the sizes stored, a capacity of at least 1 whose slots fill the entry
/// exactly, and a `size` within the capacity. The structure's offset and its capacity.
#[cfg(not(loom))]
pub(crate) fn check_header(
    mem: &Memory,
    name: &str,
    kind: &'static str,
    sizes: (usize, usize),
    slot_size: usize,
) -> Result<(u64, usize)> {
    let (entry, header) = crate::structures::read_header::<MapHeader>(mem, name)?;
    crate::structures::expect_elem_size(name, sizes.0, header.key_size)?;
    crate::structures::expect_elem_size(name, sizes.1, header.value_size)?;
    let capacity = header.capacity as usize;
    if capacity == 0 {
        return Err(Error::corrupt(name, format!("{kind} capacity is 0")));
    }
    if checked_map_size(capacity, slot_size).map(|s| s as u64) != Some(entry.size()) {
        return Err(Error::CapacityMismatch {
            name: name.to_owned(),
            capacity: capacity as u64,
            entry_size: entry.size(),
        });
    }
    if header.size as usize > capacity {
        return Err(Error::corrupt(
            name,
            format!(
                "{kind} size {} is above its capacity {capacity}",
                header.size
            ),
        ));
    }
    Ok((entry.offset(), capacity))
}

#[cfg(not(loom))]
impl<K, V> Table<K, V> {
    pub(crate) fn debug(&self, f: &mut fmt::Formatter<'_>, ty: &str) -> fmt::Result {
        let region = self.slots.region();
        crate::structures::debug_handle(f, ty, &self.name, self.capacity, region)
    }
}

/// A fixed-capacity hash map from `K` to `V` in a segment, laid out, hashed and probed as
/// the C++ implementation's `Map<K, V>`.
///
/// Keys and values are plain old data with an alignment of at most 8; keys are hashed and
/// compared as [`MapKey`] says. A C++ peer also needs `size_of::<V>() <= 8` (its `Map`
/// refuses larger values); this crate does not.
///
/// There is no resize, and removed keys leave tombstones, which only the same key reuses:
/// once every slot has held a key, a new key is refused with [`Error::Full`]. Size the map
/// for every key it will ever hold.
///
/// Any number of threads and processes may use one map at once. Each call that scans waits
/// for a slot another peer is writing (for a second; the `_timeout`
/// forms take the time to wait), since that slot may hold the key; a peer that died in the
/// middle of a write leaves its slot INSERTING, and calls whose key's path crosses it fail
/// with [`Error::Timeout`] rather than hang.
///
/// # Examples
///
/// ```
/// use zeroipc::{Map, Memory};
/// # let name = format!("/zeroipc_doc_map_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let ages = Map::<u32, u16>::create(&mem, "ages", 64)?;
/// assert_eq!(ages.insert(7, 30)?, None);
/// assert_eq!(ages.insert(7, 31)?, Some(30)); // an update
///
/// let other = Map::<u32, u16>::open(&Memory::open(&name)?, "ages")?;
/// assert_eq!(other.get(&7)?, Some(31));
/// assert_eq!(other.remove(&7)?, Some(31));
/// assert!(!ages.contains_key(&7)?);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Map<K, V> {
    table: Table<K, V>,
}

#[cfg(not(loom))]
impl<K: MapKey, V: Pod> Map<K, V> {
    /// Adds an empty map called `name` with `capacity` slots (exactly: no rounding).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`], [`Error::TableFull`], [`Error::OutOfSpace`] (also for a
    /// capacity above `u32::MAX`); a validation error if the table is corrupt. On error the
    /// segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Map<K, V>> {
        let () = crate::structures::ElementType::<K>::OK;
        let () = crate::structures::ElementType::<V>::ALIGN_OK;
        Table::create(mem, name, capacity, "map").map(|table| Map { table })
    }

    /// Opens the map called `name`.
    ///
    /// Checked before anything is used: the key and value sizes against `K` and `V`, a
    /// capacity of at least 1 whose slots fill the entry exactly, and a `size` within the
    /// capacity. Slot states are checked as scans meet them.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`] for a key or value of another
    /// size; [`Error::CapacityMismatch`] if the slots do not fill the entry;
    /// [`Error::Corrupt`] for a zero capacity or a size above it; a validation error if the
    /// table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Map<K, V>> {
        let () = crate::structures::ElementType::<K>::OK;
        let () = crate::structures::ElementType::<V>::ALIGN_OK;
        Table::open(mem, name, "map").map(|table| Map { table })
    }

    /// The table name of this map.
    pub fn name(&self) -> &str {
        &self.table.name
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The number of keys, as the `size` word says at the moment of the call (within the
    /// capacity).
    pub fn len(&self) -> usize {
        self.table.view().len()
    }

    /// Whether the map held no key at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inserts `key` with `value`; the previous value if the key was there (an update).
    ///
    /// # Errors
    ///
    /// [`Error::Full`] when no slot on the key's path is free; [`Error::Timeout`] when a
    /// peer kept a slot on it for a second; [`Error::Corrupt`] for a slot state no writer
    /// leaves. The map is unchanged then.
    pub fn insert(&self, key: K, value: V) -> Result<Option<V>> {
        self.insert_timeout(key, value, crate::wait::SLOT_PATIENCE)
    }

    /// As [`insert`](Map::insert), waiting at most `timeout` for each slot a peer is writing.
    ///
    /// # Errors
    ///
    /// As [`insert`](Map::insert), [`Error::Timeout`] after `timeout`.
    pub fn insert_timeout(&self, key: K, value: V, timeout: Duration) -> Result<Option<V>> {
        self.table.run(timeout, |v, w| v.insert(key, value, w))
    }

    /// The value of `key`, if the map holds it.
    ///
    /// # Errors
    ///
    /// As [`insert`](Map::insert), but never [`Error::Full`].
    pub fn get(&self, key: &K) -> Result<Option<V>> {
        self.get_timeout(key, crate::wait::SLOT_PATIENCE)
    }

    /// As [`get`](Map::get), waiting at most `timeout` for each slot a peer is writing.
    ///
    /// # Errors
    ///
    /// As [`get`](Map::get).
    pub fn get_timeout(&self, key: &K, timeout: Duration) -> Result<Option<V>> {
        self.table.run(timeout, |v, w| v.get(key, w))
    }

    /// Removes `key`; its value if the map held it.
    ///
    /// # Errors
    ///
    /// As [`get`](Map::get).
    pub fn remove(&self, key: &K) -> Result<Option<V>> {
        self.remove_timeout(key, crate::wait::SLOT_PATIENCE)
    }

    /// As [`remove`](Map::remove), waiting at most `timeout` for each slot a peer is writing.
    ///
    /// # Errors
    ///
    /// As [`get`](Map::get).
    pub fn remove_timeout(&self, key: &K, timeout: Duration) -> Result<Option<V>> {
        self.table.run(timeout, |v, w| v.remove(key, w))
    }

    /// Whether the map holds `key`.
    ///
    /// # Errors
    ///
    /// As [`get`](Map::get).
    pub fn contains_key(&self, key: &K) -> Result<bool> {
        self.contains_key_timeout(key, crate::wait::SLOT_PATIENCE)
    }

    /// As [`contains_key`](Map::contains_key), waiting at most `timeout` for each slot a
    /// peer is writing.
    ///
    /// # Errors
    ///
    /// As [`get`](Map::get).
    pub fn contains_key_timeout(&self, key: &K, timeout: Duration) -> Result<bool> {
        self.table.run(timeout, |v, w| v.contains_key(key, w))
    }

    /// The keys and values, by value, in slot order. Best-effort under concurrent writers:
    /// a slot a peer is writing when the iterator reaches it is left out.
    pub fn iter(&self) -> MapIter<'_, K, V> {
        MapIter { map: self, next: 0 }
    }
}

#[cfg(not(loom))]
impl<K, V> fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.table.debug(f, "Map")
    }
}

#[cfg(not(loom))]
impl<'a, K: MapKey, V: Pod> IntoIterator for &'a Map<K, V> {
    type Item = (K, V);
    type IntoIter = MapIter<'a, K, V>;

    fn into_iter(self) -> MapIter<'a, K, V> {
        self.iter()
    }
}

/// An iterator over copies of a [`Map`]'s keys and values. See [`Map::iter`].
#[cfg(not(loom))]
#[derive(Debug)]
pub struct MapIter<'a, K, V> {
    map: &'a Map<K, V>,
    next: usize,
}

#[cfg(not(loom))]
impl<K: MapKey, V: Pod> Iterator for MapIter<'_, K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        let view = self.map.table.view();
        while self.next < view.capacity() {
            let index = self.next;
            self.next += 1;
            if let Some(entry) = view.entry_at(index) {
                return Some(entry);
            }
        }
        None
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

#[cfg(not(loom))]
impl<K: MapKey, V: Pod> Map<K, V> {
    /// Opens the map called `name` for reading only, on any segment: the one way to read a
    /// map of a segment opened read-only ([`Options::read_only`](crate::Options::read_only),
    /// [`Memory::open_copy`]), where [`Map::open`] is refused (a handle's reads claim the
    /// slot they read, which writes). The checks are those of [`Map::open`].
    ///
    /// # Errors
    ///
    /// As [`Map::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<MapReader<K, V>> {
        Ok(MapReader {
            map: Map::open(&mem.for_reading(), name)?,
        })
    }
}

/// A map opened for reading only ([`Map::open_read`]): reads that claim nothing, so it can
/// live on a `PROT_READ` mapping. A value that a peer rewrites while it is read may come out
/// torn (a mix of old and new bytes); keys never change once written.
#[cfg(not(loom))]
#[derive(Clone, Debug)]
pub struct MapReader<K, V> {
    /// Kept private: only methods that do not write are called.
    map: Map<K, V>,
}

#[cfg(not(loom))]
impl<K: MapKey, V: Pod> MapReader<K, V> {
    /// The table name of this map.
    pub fn name(&self) -> &str {
        self.map.name()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// The number of keys at the moment of the call; see [`Map::len`].
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the map held no key at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether `key` is in the map (reads no value, so claims nothing); see
    /// [`Map::contains_key`].
    ///
    /// # Errors
    ///
    /// As [`Map::contains_key`].
    pub fn contains_key(&self, key: &K) -> Result<bool> {
        self.map.contains_key(key)
    }

    /// Copies of the keys and values, in slot order, read without claims.
    pub fn snapshot(&self) -> Vec<(K, V)> {
        let view = self.map.table.view();
        (0..view.capacity())
            .filter_map(|index| view.entry_unclaimed(index))
            .collect()
    }
}

// ---- Run-time-typed handles, for bindings ----------------------------------------------

/// The key types a [`RawMap`] takes: each a `MapKey`, so that the map's one algorithm is
/// run for it. Bytes keys (records, arrays) are arrays of their alignment's integer.
#[cfg(not(loom))]
macro_rules! raw_keys {
    ($($variant:ident: $t:ty,)*) => {
        #[derive(Clone)]
        enum RawTable {
            $($variant(Table<$t, ()>),)*
        }

        /// Calls `$body` with `$t` bound to the table (of key type `K`).
        macro_rules! with_table {
            ($table:expr, |$tb:ident: $k:ident| $body:expr) => {
                match $table {
                    $(RawTable::$variant($tb) => {
                        #[allow(dead_code)] // not every body names the key type
                        type $k = $t;
                        $body
                    })*
                }
            };
        }

        /// `(kind, size, align)` of each key type, in the order of the variants.
        const RAW_KEYS: &[(KeyKind, usize, usize)] = &[
            $((<$t as MapKey>::KIND, size_of::<$t>(), align_of::<$t>()),)*
        ];

        /// Calls `$make::<K>()` for the key type of `$key` (kind, size, align); `None` if no
        /// variant has it.
        macro_rules! for_key {
            ($key:expr, |$k2:ident| $make:expr) => {{
                let key: RawKey = $key;
                let mut found = None;
                $(
                    if found.is_none()
                        && (<$t as MapKey>::KIND, size_of::<$t>(), align_of::<$t>())
                            == (key.kind, key.size, key.align)
                    {
                        type $k2 = $t;
                        found = Some($make.map(RawTable::$variant));
                    }
                )*
                found
            }};
        }
    };
}

#[cfg(not(loom))]
raw_keys! {
    I8: i8, I16: i16, I32: i32, I64: i64,
    U8: u8, U16: u16, U32: u32, U64: u64,
    F32: f32, F64: f64,
    B1x1: [u8; 1], B1x2: [u8; 2], B1x3: [u8; 3], B1x4: [u8; 4], B1x5: [u8; 5], B1x6: [u8; 6],
    B1x7: [u8; 7], B1x8: [u8; 8], B1x12: [u8; 12], B1x16: [u8; 16],
    B2x1: [u16; 1], B2x2: [u16; 2], B2x3: [u16; 3], B2x4: [u16; 4], B2x6: [u16; 6], B2x8: [u16; 8],
    B4x1: [u32; 1], B4x2: [u32; 2], B4x3: [u32; 3], B4x4: [u32; 4], B4x6: [u32; 6], B4x8: [u32; 8],
    B8x1: [u64; 1], B8x2: [u64; 2], B8x3: [u64; 3], B8x4: [u64; 4],
}

/// A [`RawMap`]'s key type: how it hashes and compares, its size and its alignment.
#[cfg(not(loom))]
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawKey {
    /// How it hashes and compares.
    pub kind: KeyKind,
    /// Its bytes.
    pub size: usize,
    /// Its alignment.
    pub align: usize,
}

/// A [`Map`] (or, with values of no bytes, a [`Set`](crate::Set)) whose key and value types
/// are known only at run time, keys and values given as bytes: for bindings to languages
/// whose element types are run-time values (numpy dtypes). Each key type is one of a list of
/// `MapKey` types, so the map's one algorithm runs for it; a key type outside the list
/// (a record of an unusual size) is refused.
#[cfg(not(loom))]
#[doc(hidden)]
#[derive(Clone)]
pub struct RawMap {
    table: RawTable,
    key: RawKey,
    /// The segment's name when opened by [`open_read`](RawMap::open_read): then only the
    /// reading methods work.
    reading: Option<String>,
}

#[cfg(not(loom))]
impl RawMap {
    /// The key types a `RawMap` takes: `(kind, size, align)`.
    pub fn key_types() -> &'static [(KeyKind, usize, usize)] {
        RAW_KEYS
    }

    fn slot(name: &str, key: RawKey, value: (usize, usize)) -> Result<Slot> {
        let (size, align) = value;
        let ok = align.is_power_of_two()
            && align <= crate::structures::MAX_ELEMENT_ALIGN
            && size % align == 0;
        if !ok {
            return Err(Error::corrupt(
                name,
                "map values need a size that is a multiple of an alignment of at most 8",
            ));
        }
        Ok(Slot::of((key.size, key.align), value))
    }

    fn unsupported(name: &str, key: RawKey) -> Error {
        Error::corrupt(
            name,
            format!(
                "no map key type of {} bytes aligned to {} hashed as {:?}",
                key.size, key.align, key.kind
            ),
        )
    }

    /// [`Map::create`] (`kind` "map") or [`Set::create`](crate::Set::create) (`kind` "set",
    /// `value` `(0, 1)`) for keys of type `key` and values of `value` = `(size, align)`.
    ///
    /// # Errors
    ///
    /// As [`Map::create`]; [`Error::Corrupt`] for a key type outside the list, or a value
    /// type no type has.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(
        mem: &Memory,
        name: &str,
        kind: &'static str,
        capacity: usize,
        key: RawKey,
        value: (usize, usize),
    ) -> Result<RawMap> {
        let slot = Self::slot(name, key, value)?;
        // A set's values are none: no value type; a map's, bytes of their size.
        let value_ty = (value.0 > 0).then_some(crate::schema::TypeDesc::Opaque { size: value.0 });
        let table = for_key!(key, |K| Table::<K, ()>::create_sized(
            mem, name, capacity, kind, slot, value_ty
        ))
        .ok_or_else(|| Self::unsupported(name, key))??;
        Ok(RawMap {
            table,
            key,
            reading: None,
        })
    }

    /// [`Map::open`] or [`Set::open`](crate::Set::open) (by `kind`) for keys of type `key`
    /// and values of `value` = `(size, align)`.
    ///
    /// # Errors
    ///
    /// As [`Map::open`]; as [`create`](RawMap::create) for the types.
    pub fn open(
        mem: &Memory,
        name: &str,
        kind: &'static str,
        key: RawKey,
        value: (usize, usize),
    ) -> Result<RawMap> {
        Self::open_as(mem, name, kind, key, value, None)
    }

    /// [`Map::open_read`]'s map: reading methods only (`contains` and `entries`); the
    /// others answer [`Error::ReadOnly`].
    ///
    /// # Errors
    ///
    /// As [`open`](RawMap::open), but never [`Error::ReadOnly`].
    pub fn open_read(
        mem: &Memory,
        name: &str,
        kind: &'static str,
        key: RawKey,
        value: (usize, usize),
    ) -> Result<RawMap> {
        let segment = Some(mem.name().to_owned());
        Self::open_as(&mem.for_reading(), name, kind, key, value, segment)
    }

    fn open_as(
        mem: &Memory,
        name: &str,
        kind: &'static str,
        key: RawKey,
        value: (usize, usize),
        reading: Option<String>,
    ) -> Result<RawMap> {
        let slot = Self::slot(name, key, value)?;
        let table = for_key!(key, |K| Table::<K, ()>::open_sized(mem, name, kind, slot))
            .ok_or_else(|| Self::unsupported(name, key))??;
        Ok(RawMap {
            table,
            key,
            reading,
        })
    }

    fn writer(&self) -> Result<()> {
        match &self.reading {
            Some(segment) => Err(Error::ReadOnly {
                segment: segment.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The table name.
    pub fn name(&self) -> &str {
        with_table!(&self.table, |t: K| &t.name)
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        with_table!(&self.table, |t: K| t.capacity())
    }

    /// The number of keys at the moment of the call; see [`Map::len`].
    pub fn len(&self) -> usize {
        with_table!(&self.table, |t: K| t.view().len())
    }

    /// Whether the map held no key at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key type.
    pub fn key(&self) -> RawKey {
        self.key
    }

    /// The bytes of a value (0 for a set).
    pub fn value_size(&self) -> usize {
        with_table!(&self.table, |t: K| t.slot.value_size)
    }

    /// The key of `bytes`, which must be of the key's size.
    fn key_of<K: MapKey>(bytes: &[u8]) -> K {
        assert_eq!(bytes.len(), size_of::<K>(), "one key's bytes");
        bytemuck::pod_read_unaligned(bytes)
    }

    /// The value bytes of claimed slot `index`.
    fn read_value<R: Records>(slot: Slot, slots: &R, index: usize) -> Vec<u8> {
        (0..slot.value_size)
            // SAFETY: in bounds (the caller's slot), byte `i` of the value field, within the
            // slot; the slot is claimed, or (a reader) its copy is per-byte atomic.
            .map(|i| unsafe { slots.read::<u8>(index, slot.value_offset + i) })
            .collect()
    }

    /// [`Map::insert_timeout`] of the bytes `key` and `value`; the old value's bytes if the
    /// key was there (an update).
    ///
    /// # Errors
    ///
    /// As [`Map::insert`]; [`Error::ReadOnly`] for a reader.
    ///
    /// # Panics
    ///
    /// If `key` or `value` is not of its type's size.
    pub fn insert(&self, key: &[u8], value: &[u8], timeout: Duration) -> Result<Option<Vec<u8>>> {
        self.writer()?;
        with_table!(&self.table, |t: K| {
            let slot = t.slot;
            assert_eq!(value.len(), slot.value_size, "one value's bytes");
            t.run(timeout, |v, w| {
                v.insert_with(Self::key_of::<K>(key), w, |slots, index, occupied| {
                    let old = occupied.then(|| Self::read_value(slot, slots, index));
                    for (i, &b) in value.iter().enumerate() {
                        // SAFETY: in bounds, byte `i` of the value field; the slot is ours.
                        unsafe { slots.write::<u8>(index, slot.value_offset + i, b) };
                    }
                    old
                })
            })
        })
    }

    /// [`Map::get_timeout`]: the value's bytes, if the map holds `key`.
    ///
    /// # Errors
    ///
    /// As [`Map::get`]; [`Error::ReadOnly`] for a reader (reads claim the slot).
    pub fn get(&self, key: &[u8], timeout: Duration) -> Result<Option<Vec<u8>>> {
        self.writer()?;
        self.take(key, MAP_OCCUPIED, timeout)
    }

    /// [`Map::remove_timeout`]: the value's bytes, if the map held `key`.
    ///
    /// # Errors
    ///
    /// As [`Map::remove`]; [`Error::ReadOnly`] for a reader.
    pub fn remove(&self, key: &[u8], timeout: Duration) -> Result<Option<Vec<u8>>> {
        self.writer()?;
        self.take(key, MAP_DELETED, timeout)
    }

    fn take(&self, key: &[u8], to: u32, timeout: Duration) -> Result<Option<Vec<u8>>> {
        with_table!(&self.table, |t: K| {
            let slot = t.slot;
            t.run(timeout, |v, w| {
                v.with_key(&Self::key_of::<K>(key), to, w, |slots, index| {
                    Self::read_value(slot, slots, index)
                })
            })
        })
    }

    /// [`Map::contains_key_timeout`] (claims nothing, so a reader may call it too).
    ///
    /// # Errors
    ///
    /// As [`Map::contains_key`].
    pub fn contains(&self, key: &[u8], timeout: Duration) -> Result<bool> {
        with_table!(&self.table, |t: K| t
            .run(timeout, |v, w| v.contains_key(&Self::key_of::<K>(key), w)))
    }

    /// The keys' and values' bytes, in slot order: read under claims ([`Map::iter`]), or,
    /// for a reader, without ([`MapReader::snapshot`]).
    pub fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        with_table!(&self.table, |t: K| {
            let slot = t.slot;
            let view = t.view();
            (0..view.capacity())
                .filter_map(|index| {
                    let (key, value) = if self.reading.is_some() {
                        let key = view.key_at(index)?;
                        (
                            key,
                            view.read_unclaimed(index, |slots, index| {
                                Self::read_value(slot, slots, index)
                            }),
                        )
                    } else {
                        view.entry_with(index, |slots, index| Self::read_value(slot, slots, index))?
                    };
                    Some((bytemuck::bytes_of(&key).to_vec(), value))
                })
                .collect()
        })
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RawMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        with_table!(&self.table, |t: K| t.debug(f, "RawMap"))
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{
        map_size, map_slot_size, Map, MapKey, Memory, MAP_CAPACITY_OFFSET, MAP_HEADER_SIZE,
        MAP_KEY_SIZE_OFFSET, MAP_SIZE_OFFSET, MAP_VALUE_SIZE_OFFSET,
    };
    use crate::declare::{Declare, Element, Mode, Params};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    // Only for keys and values a map takes: a declared `Map<String, u32>` fails to compile
    // on the missing `MapKey` (or `Element`), with that trait's message.
    impl<K, V> crate::schema::DeclaredValue for Map<K, V> {
        type Value = V;
    }

    impl<K: MapKey, V: Element, const N: usize> Declare<N> for Map<K, V> {
        type Element = K;
        const KIND: &'static str = STRUCTURE.kind;
        const SIZE_KEY: &'static str = "capacity";
        const ELEMENT_SIZE: usize = size_of::<K>();
        const VALUE_SIZE: usize = size_of::<V>();
        const KEYS: &'static [&'static str] = &["capacity"];
        const REQUIRED_KEYS: &'static [&'static str] = &["capacity"];
        const POWER_OF_TWO_KEYS: &'static [&'static str] = &[];
        const ELEMENT_ALIGN_OK: bool = align_of::<K>() <= crate::structures::MAX_ELEMENT_ALIGN
            && align_of::<V>() <= crate::structures::MAX_ELEMENT_ALIGN;
        const SIZE: usize = {
            let () = crate::structures::ElementType::<K>::NOT_ZERO_SIZED;
            map_size(
                N,
                map_slot_size(
                    size_of::<K>(),
                    align_of::<K>(),
                    size_of::<V>(),
                    align_of::<V>(),
                ),
            )
        };

        fn declare(mem: &Memory, name: &str, mode: Mode, _params: &Params) -> crate::Result<Self>
        where
            K: Element,
        {
            declare_table(mem, name, mode, N, Map::create, Map::open, Map::capacity)
        }
    }

    /// The `declare` of a map or a set: create with `n` slots, or open and compare.
    pub(crate) fn declare_table<H>(
        mem: &Memory,
        name: &str,
        mode: Mode,
        n: usize,
        create: fn(&Memory, &str, usize) -> crate::Result<H>,
        open: fn(&Memory, &str) -> crate::Result<H>,
        capacity: fn(&H) -> usize,
    ) -> crate::Result<H> {
        match mode {
            Mode::Create => create(mem, name, n),
            Mode::Open => {
                let opened = open(mem, name)?;
                crate::declare::expect(name, "capacity", n, capacity(&opened))?;
                Ok(opened)
            }
        }
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("map", read_entry)
            .hints(&["map", "dict", "table", "index"])
            .check(check_sizes)
            .example(|mem| Map::<u64, u32>::create(mem, "m", 16).map(|_| "m".to_owned()));

    /// The header words of a map or set: `(size, capacity, key_size, value_size)`.
    pub(crate) fn header(p: &crate::inspect::Probe<'_>) -> Option<(u32, u32, u32, u32)> {
        let w = crate::inspect::words(p.head.get(..MAP_HEADER_SIZE)?);
        Some((
            w[MAP_SIZE_OFFSET / 4],
            w[MAP_CAPACITY_OFFSET / 4],
            w[MAP_KEY_SIZE_OFFSET / 4],
            w[MAP_VALUE_SIZE_OFFSET / 4],
        ))
    }

    /// The slot sizes a key and a value of these sizes can have (their alignments are not
    /// stored: every power of two up to the size, and at most 8, is tried); the first whose
    /// slots fill the entry exactly.
    pub(crate) fn slot_size_for(
        entry_size: u64,
        capacity: u32,
        key: u32,
        value: u32,
    ) -> Option<u64> {
        if capacity == 0 {
            return None;
        }
        let aligns = |size: u32| {
            [1usize, 2, 4, 8]
                .into_iter()
                .filter(move |&a| size == 0 && a == 1 || size as usize % a == 0 && size > 0)
        };
        for ka in aligns(key) {
            for va in aligns(value) {
                let slot = super::map_value_offset(key as usize, ka, va)
                    .checked_add(value as usize)
                    .and_then(|end| {
                        crate::layout::checked_align(end, super::map_slot_align(ka, va))
                    })?;
                if super::checked_map_size(capacity as usize, slot).map(|s| s as u64)
                    == Some(entry_size)
                {
                    return Some(slot as u64);
                }
            }
        }
        None
    }

    /// A map: key and value sizes whose slots, `capacity` of them, fill the entry exactly.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        let (size, capacity, key, value) = header(p)?;
        if key == 0 || value == 0 {
            return None;
        }
        slot_size_for(p.size, capacity, key, value)?;
        let mut r = crate::inspect::Reading::new(
            "map",
            format!("map of {capacity} slots, keys of {key} bytes, values of {value} bytes: {size} keys"),
        );
        r.capacity = Some(u64::from(capacity));
        r.elem_size = Some(u64::from(key));
        r.value_size = Some(u64::from(value));
        r.items = Some(u64::from(size));
        if size > capacity {
            r.inconsistent = Some(format!("size {size} is above the capacity {capacity}"));
        }
        Some(r)
    }

    /// Checks a map as its `open` does, with the slot size its reading found.
    fn check_sizes(
        mem: &Memory,
        name: &str,
        r: &crate::inspect::Reading,
    ) -> Option<Result<String, String>> {
        let (key, value) = (r.elem_size?, r.value_size?);
        let entry_size = match mem.find(name) {
            Ok(entry) => entry.size(),
            Err(e) => return Some(Err(format!("map::open: {e}"))),
        };
        let slot = slot_size_for(
            entry_size,
            u32::try_from(r.capacity?).ok()?,
            key as u32,
            value as u32,
        )?;
        let opened = super::check_header(
            mem,
            name,
            "map",
            (key as usize, value as usize),
            slot as usize,
        );
        Some(crate::structures::opened(
            "map",
            opened,
            |&(_, capacity)| format!("{capacity} slots of {slot} bytes"),
        ))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::{declare_table, header, slot_size_for, STRUCTURE};

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn slot_layouts_are_the_cpp_ones() {
        type V<K, W> = MapView<'static, K, W, MappedRecords<'static>>;
        assert_eq!(
            (
                V::<i32, i32>::KEY_OFFSET,
                V::<i32, i32>::VALUE_OFFSET,
                V::<i32, i32>::SLOT_SIZE
            ),
            (4, 8, 12)
        );
        assert_eq!(
            (
                V::<u64, f64>::KEY_OFFSET,
                V::<u64, f64>::VALUE_OFFSET,
                V::<u64, f64>::SLOT_SIZE
            ),
            (8, 16, 24)
        );
        assert_eq!(
            (
                V::<f64, i32>::KEY_OFFSET,
                V::<f64, i32>::VALUE_OFFSET,
                V::<f64, i32>::SLOT_SIZE
            ),
            (8, 16, 24)
        );
        assert_eq!(V::<[i32; 2], u32>::SLOT_SIZE, 16);
        assert_eq!(V::<i32, ()>::SLOT_SIZE, 8);
        assert_eq!(V::<u64, ()>::SLOT_SIZE, 16);
        assert_eq!(V::<u8, u8>::SLOT_SIZE, 8);
        assert_eq!(V::<[u8; 3], u16>::VALUE_OFFSET, 8);
    }

    #[test]
    fn integer_keys_sign_or_zero_extend_before_the_multiplication() {
        assert_eq!((-1i32).cpp_hash(), 0xffff_ffff_61c8_864f);
        assert_eq!((-1i8).cpp_hash(), 0xffff_ffff_61c8_864f);
        assert_eq!(u32::MAX.cpp_hash(), 0x9e37_79b0_61c8_864f);
        assert_eq!(100i32.cpp_hash(), 265_443_576_100);
        assert_eq!((1u64 << 40).cpp_hash(), 0x3779_b100_0000_0000);
    }

    #[test]
    fn float_keys_compare_by_value_and_other_keys_by_bytes() {
        assert!((-0.0f64).cpp_eq(&0.0));
        assert!(!f64::NAN.cpp_eq(&f64::NAN));
        assert!(!(-0.0f32).cpp_eq(&1.0));
        assert!((-0.0f32).cpp_eq(&0.0));
        assert!(![0u8, 0].cpp_eq(&[0, 1]));
        assert_ne!((-0.0f64).cpp_hash(), 0.0f64.cpp_hash());
    }
}
