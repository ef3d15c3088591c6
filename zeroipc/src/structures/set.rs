//! `Set<T>`: a fixed-capacity hash set, as the C++ implementation lays it out.
//!
//! Layout (offsets from the structure's start): `u32 size` at 0x00, `u32 capacity` at 0x04,
//! `u32 elem_size` at 0x08, `u32 reserved` (0) at 0x0C; then `capacity` slots from 16, slot
//! `i` at `16 + i * E`, each the C layout of `{ u32 state; T value; }`.
//!
//! Those are exactly the bytes of a [`Map<T, ()>`](crate::Map): the same header words (a
//! value size of 0 where the set keeps `reserved`), the same slots, states, hash and probing.
//! So a set is a map without values here too: its handle holds the map's table, and every
//! operation is the map's.

use std::fmt;
use std::time::Duration;

use crate::error::Result;
use crate::memory::Memory;
use crate::structures::map::{MapKey, RawKey, RawMap, Table};
use crate::wait::SLOT_PATIENCE;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Offset of a set's `u32 elem_size`.
pub const SET_ELEM_SIZE_OFFSET: usize = 0x08;
/// Offset of a set's `u32 reserved` (0; a map's `value_size`).
pub const SET_RESERVED_OFFSET: usize = 0x0C;

/// Size of a set's slot `{ u32 state; T value; }`: a map slot with a value of no bytes.
pub const fn set_slot_size(elem_size: usize, elem_align: usize) -> usize {
    super::map::map_slot_size(elem_size, elem_align, 0, 1)
}

/// Size of a set of `capacity` elements of `T`.
pub const fn set_size<T>(capacity: usize) -> usize {
    super::map::map_size(capacity, set_slot_size(size_of::<T>(), align_of::<T>()))
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A fixed-capacity hash set of `T` in a segment, laid out, hashed and probed as the C++
/// implementation's `Set<T>`; see [`Map`](crate::Map) for the rules it shares: elements
/// compare and hash as [`MapKey`] says, removed elements leave tombstones, a set whose
/// every slot has held an element refuses new ones with [`Error::Full`](crate::Error::Full),
/// and each call waits (a second, or the `_timeout` forms' time) for a slot a peer is
/// writing.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Set};
/// # let name = format!("/zeroipc_doc_set_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let seen = Set::<u64>::create(&mem, "seen", 32)?;
/// assert!(seen.insert(42)?);
/// assert!(!seen.insert(42)?); // already there
/// assert!(seen.contains(&42)?);
/// assert!(seen.remove(&42)?);
/// assert_eq!(seen.len(), 0);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Set<T> {
    table: Table<T, ()>,
}

impl<T: MapKey> Set<T> {
    /// Adds an empty set called `name` with `capacity` slots (exactly: no rounding).
    ///
    /// # Errors
    ///
    /// As [`Map::create`](crate::Map::create).
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Set<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Table::create(mem, name, capacity, "set").map(|table| Set { table })
    }

    /// Opens the set called `name`, with the checks of [`Map::open`](crate::Map::open) (the
    /// `reserved` word must be 0, as a map's value size of 0).
    ///
    /// # Errors
    ///
    /// As [`Map::open`](crate::Map::open).
    pub fn open(mem: &Memory, name: &str) -> Result<Set<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Table::open(mem, name, "set").map(|table| Set { table })
    }

    /// The table name of this set.
    pub fn name(&self) -> &str {
        &self.table.name
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The number of elements at the moment of the call (within the capacity).
    pub fn len(&self) -> usize {
        self.table.view().len()
    }

    /// Whether the set held no element at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `value`; `false` (and nothing changed) if the set already holds it.
    ///
    /// # Errors
    ///
    /// As [`Map::insert`](crate::Map::insert).
    pub fn insert(&self, value: T) -> Result<bool> {
        self.insert_timeout(value, SLOT_PATIENCE)
    }

    /// As [`insert`](Set::insert), waiting at most `timeout` for each slot a peer is writing.
    ///
    /// # Errors
    ///
    /// As [`Map::insert`](crate::Map::insert).
    pub fn insert_timeout(&self, value: T, timeout: Duration) -> Result<bool> {
        let old = self.table.run(timeout, |v, w| v.insert(value, (), w))?;
        Ok(old.is_none())
    }

    /// Whether the set holds `value`.
    ///
    /// # Errors
    ///
    /// As [`Map::get`](crate::Map::get).
    pub fn contains(&self, value: &T) -> Result<bool> {
        self.contains_timeout(value, SLOT_PATIENCE)
    }

    /// As [`contains`](Set::contains), waiting at most `timeout` for each slot a peer is
    /// writing.
    ///
    /// # Errors
    ///
    /// As [`Map::get`](crate::Map::get).
    pub fn contains_timeout(&self, value: &T, timeout: Duration) -> Result<bool> {
        self.table.run(timeout, |v, w| v.contains_key(value, w))
    }

    /// Removes `value`; `false` if the set did not hold it.
    ///
    /// # Errors
    ///
    /// As [`Map::get`](crate::Map::get).
    pub fn remove(&self, value: &T) -> Result<bool> {
        self.remove_timeout(value, SLOT_PATIENCE)
    }

    /// As [`remove`](Set::remove), waiting at most `timeout` for each slot a peer is writing.
    ///
    /// # Errors
    ///
    /// As [`Map::get`](crate::Map::get).
    pub fn remove_timeout(&self, value: &T, timeout: Duration) -> Result<bool> {
        let old = self.table.run(timeout, |v, w| v.remove(value, w))?;
        Ok(old.is_some())
    }

    /// The elements, by value, in slot order; best-effort under concurrent writers, as
    /// [`Map::iter`](crate::Map::iter).
    pub fn iter(&self) -> SetIter<'_, T> {
        SetIter { set: self, next: 0 }
    }
}

impl<T> fmt::Debug for Set<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.table.debug(f, "Set")
    }
}

impl<'a, T: MapKey> IntoIterator for &'a Set<T> {
    type Item = T;
    type IntoIter = SetIter<'a, T>;

    fn into_iter(self) -> SetIter<'a, T> {
        self.iter()
    }
}

/// An iterator over copies of a [`Set`]'s elements. See [`Set::iter`].
#[derive(Debug)]
pub struct SetIter<'a, T> {
    set: &'a Set<T>,
    next: usize,
}

impl<T: MapKey> Iterator for SetIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let view = self.set.table.view();
        while self.next < view.capacity() {
            let index = self.next;
            self.next += 1;
            if let Some(value) = view.key_at(index) {
                return Some(value);
            }
        }
        None
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

impl<T: MapKey> Set<T> {
    /// Opens the set called `name` for reading only, on any segment: the one way to read a
    /// set of a segment opened read-only ([`Options::read_only`](crate::Options::read_only),
    /// [`Memory::open_copy`]), where [`Set::open`] is refused. The checks are those of
    /// [`Set::open`].
    ///
    /// # Errors
    ///
    /// As [`Set::open`], but never [`Error::ReadOnly`](crate::Error::ReadOnly).
    pub fn open_read(mem: &Memory, name: &str) -> Result<SetReader<T>> {
        Ok(SetReader {
            set: Set::open(&mem.for_reading(), name)?,
        })
    }
}

/// A set opened for reading only ([`Set::open_read`]): the methods of a [`Set`] that leave
/// it as it is, and no others, so it can live on a `PROT_READ` mapping.
#[derive(Clone, Debug)]
pub struct SetReader<T> {
    /// Kept private: only its reading methods are called.
    set: Set<T>,
}

impl<T: MapKey> SetReader<T> {
    /// The table name of this set.
    pub fn name(&self) -> &str {
        self.set.name()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.set.capacity()
    }

    /// The number of elements at the moment of the call.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set held no element at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Whether the set holds `value`; see [`Set::contains`].
    ///
    /// # Errors
    ///
    /// As [`Set::contains`].
    pub fn contains(&self, value: &T) -> Result<bool> {
        self.set.contains(value)
    }

    /// The elements, by value, in slot order; see [`Set::iter`].
    pub fn iter(&self) -> SetIter<'_, T> {
        self.set.iter()
    }
}

impl<'a, T: MapKey> IntoIterator for &'a SetReader<T> {
    type Item = T;
    type IntoIter = SetIter<'a, T>;

    fn into_iter(self) -> SetIter<'a, T> {
        self.iter()
    }
}

// ---- Its run-time-typed handle, for bindings ------------------------------------------------

/// A [`Set`] whose element type is known only at run time: a
/// [`RawMap`](crate::structures::map::RawMap) of values of no bytes, checked and laid out as
/// a set (the same bytes, see the module docs). For bindings.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawSet {
    map: RawMap,
}

impl RawSet {
    /// [`Set::create`] for elements of type `elem`.
    ///
    /// # Errors
    ///
    /// As [`RawMap::create`].
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize, elem: RawKey) -> Result<RawSet> {
        RawMap::create(mem, name, "set", capacity, elem, (0, 1)).map(|map| RawSet { map })
    }

    /// [`Set::open`] for elements of type `elem`.
    ///
    /// # Errors
    ///
    /// As [`RawMap::open`].
    pub fn open(mem: &Memory, name: &str, elem: RawKey) -> Result<RawSet> {
        RawMap::open(mem, name, "set", elem, (0, 1)).map(|map| RawSet { map })
    }

    /// [`Set::open_read`]'s set: `contains`, `elements` and the counts only.
    ///
    /// # Errors
    ///
    /// As [`RawMap::open_read`].
    pub fn open_read(mem: &Memory, name: &str, elem: RawKey) -> Result<RawSet> {
        RawMap::open_read(mem, name, "set", elem, (0, 1)).map(|map| RawSet { map })
    }

    /// The table name.
    pub fn name(&self) -> &str {
        self.map.name()
    }

    /// The number of slots.
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// The number of elements at the moment of the call.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set held no element at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// [`Set::insert_timeout`] of the element's bytes.
    ///
    /// # Errors
    ///
    /// As [`RawMap::insert`].
    pub fn insert(&self, elem: &[u8], timeout: Duration) -> Result<bool> {
        Ok(self.map.insert(elem, &[], timeout)?.is_none())
    }

    /// [`Set::contains_timeout`] of the element's bytes.
    ///
    /// # Errors
    ///
    /// As [`RawMap::contains`].
    pub fn contains(&self, elem: &[u8], timeout: Duration) -> Result<bool> {
        self.map.contains(elem, timeout)
    }

    /// [`Set::remove_timeout`] of the element's bytes.
    ///
    /// # Errors
    ///
    /// As [`RawMap::remove`].
    pub fn remove(&self, elem: &[u8], timeout: Duration) -> Result<bool> {
        Ok(self.map.remove(elem, timeout)?.is_some())
    }

    /// The elements' bytes, in slot order.
    pub fn elements(&self) -> Vec<Vec<u8>> {
        self.map.entries().into_iter().map(|(k, _)| k).collect()
    }
}

// ---- Its declaration, for `#[zeroipc::segment]` --------------------------------------------

impl<T: MapKey, const N: usize> crate::declare::Declare<N> for Set<T> {
    type Element = T;
    const KIND: &'static str = STRUCTURE.kind;
    const SIZE_KEY: &'static str = "capacity";
    const ELEMENT_SIZE: usize = size_of::<T>();
    const KEYS: &'static [&'static str] = &["capacity"];
    const REQUIRED_KEYS: &'static [&'static str] = &["capacity"];
    const POWER_OF_TWO_KEYS: &'static [&'static str] = &[];
    const ELEMENT_ALIGN_OK: bool = align_of::<T>() <= crate::structures::MAX_ELEMENT_ALIGN;
    const SIZE: usize = {
        let () = crate::structures::ElementType::<T>::NOT_ZERO_SIZED;
        set_size::<T>(N)
    };

    fn declare(
        mem: &Memory,
        name: &str,
        mode: crate::declare::Mode,
        _params: &crate::declare::Params,
    ) -> Result<Self>
    where
        T: crate::declare::Element,
    {
        crate::structures::map::declare_table(
            mem,
            name,
            mode,
            N,
            Set::create,
            Set::open,
            Set::capacity,
        )
    }
}

// ---- Its reading, for tools (`zeroipc::inspect`) -------------------------------------------

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("set", read_entry)
        .hints(&["set", "seen", "members"])
        .check(check)
        .example(|mem| Set::<u32>::create(mem, "s", 16).map(|_| "s".to_owned()));

/// A set: an element size whose slots, `capacity` of them, fill the entry exactly, and a
/// `reserved` word of 0.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    let (size, capacity, elem, reserved) = crate::structures::map::header(p)?;
    if elem == 0 || reserved != 0 {
        return None;
    }
    crate::structures::map::slot_size_for(p.size, capacity, elem, 0)?;
    let mut r = crate::inspect::Reading::new(
        "set",
        format!("set of {capacity} slots, elements of {elem} bytes: {size} elements"),
    );
    r.capacity = Some(u64::from(capacity));
    r.elem_size = Some(u64::from(elem));
    r.items = Some(u64::from(size));
    if size > capacity {
        r.inconsistent = Some(format!("size {size} is above the capacity {capacity}"));
    }
    Some(r)
}

fn check(
    mem: &Memory,
    name: &str,
    r: &crate::inspect::Reading,
) -> Option<std::result::Result<String, String>> {
    let elem = r.elem_size?;
    let entry_size = match mem.find(name) {
        Ok(entry) => entry.size(),
        Err(e) => return Some(Err(format!("set::open: {e}"))),
    };
    let capacity = u32::try_from(r.capacity?).ok()?;
    let slot = crate::structures::map::slot_size_for(entry_size, capacity, elem as u32, 0)?;
    let opened =
        crate::structures::map::check_header(mem, name, "set", (elem as usize, 0), slot as usize);
    Some(crate::structures::opened(
        "set",
        opened,
        |&(_, capacity)| format!("{capacity} slots of {slot} bytes"),
    ))
}
