//! Typed, zero-copy data structures in POSIX shared memory, in the `ZeroIPC` format v2.
//!
//! Processes on one machine, written in any language that speaks the format (there are C++,
//! C, Go and Python implementations), share named arrays, queues, stacks and
//! synchronisation primitives through one shared-memory segment: no copies, no
//! serialisation, no broker. A segment starts with a table of `(name, offset, size)`
//! entries; each entry is a structure laid out as the format fixes, byte for byte.
//!
//! Nothing in a segment is trusted. Another process may write anything there, at any time;
//! this crate validates every number it reads before it becomes a pointer, and reports what
//! is wrong as an [`Error`], never a panic or undefined behaviour.
//!
//! # Example
//!
//! ```
//! use zeroipc::{Array, Memory};
//!
//! # let name = format!("/zeroipc_doc_crate_{}", std::process::id());
//! // One process creates the segment and an array in it...
//! let mem = Memory::create(&name, 10 << 20)?;
//! let temps = Array::<f32>::create(&mem, "temperature", 1000)?;
//! temps.set(0, 23.5)?;
//!
//! // ...another opens both by name; the table says where the array is, and the
//! // array's size is checked against `f32`.
//! let mem2 = Memory::open(&name)?;
//! let temps2 = Array::<f32>::open(&mem2, "temperature")?;
//! assert_eq!(temps2.get(0)?, 23.5);
//!
//! Memory::unlink(&name)?;
//! # Ok::<(), zeroipc::Error>(())
//! ```
//!
//! The format is described in the repository's `SPECIFICATION.md`; [`layout`] holds its
//! arithmetic.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(target_endian = "big")]
compile_error!("zeroipc: format v2 is little-endian; big-endian targets are not supported");

#[cfg(not(loom))]
#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod atomic;
#[cfg(not(loom))]
mod declare;
mod error;
#[cfg(not(loom))]
pub mod inspect;
pub mod layout;
#[cfg(not(loom))]
mod memory;
#[cfg(not(loom))]
mod parts;
#[cfg(not(loom))]
mod region;
#[cfg(not(loom))]
mod repair;
#[cfg(not(loom))]
pub mod schema;
#[cfg(not(loom))]
mod shm;
mod structures;
mod sync;
#[cfg(not(loom))]
mod table;
#[cfg(all(test, not(loom)))]
mod test_util;
mod wait;
#[cfg(not(loom))]
mod words;

#[cfg(not(loom))]
pub use declare::{DeclaredEntry, SegmentOptions};
pub use error::{Error, PushTimeoutError, Result};
#[cfg(not(loom))]
pub use memory::{Entries, Memory, Options, DEFAULT_LOCK_TIMEOUT, DEFAULT_OPEN_TIMEOUT};
#[cfg(not(loom))]
pub use repair::{EntryRepair, RepairReport, Skipped};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::array::RawArray;
#[cfg(not(loom))]
pub use structures::array::{Array, ArrayReader, Iter};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::bytes_ring::RawRing;
#[cfg(not(loom))]
pub use structures::bytes_ring::{Ring, RingReader};
pub use structures::map::{hash_bytes, MapKey};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::map::{KeyKind, RawKey, RawMap};
#[cfg(not(loom))]
pub use structures::map::{Map, MapIter, MapReader};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::pool::RawPool;
#[cfg(not(loom))]
pub use structures::pool::{Pool, PoolIndex, PoolReader};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::queue::RawQueue;
#[cfg(not(loom))]
pub use structures::queue::{Queue, QueueReader};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::set::RawSet;
#[cfg(not(loom))]
pub use structures::set::{Set, SetIter, SetReader};
#[cfg(not(loom))]
#[doc(hidden)]
pub use structures::stack::{BusySince, RawStack, StackFail};
#[cfg(not(loom))]
pub use structures::stack::{Stack, StackReader};
#[cfg(not(loom))]
pub use sync::{
    barrier::Barrier,
    event::Event,
    latch::Latch,
    monitor::{Monitor, MonitorGuard},
    mutex::{Mutex, MutexGuard},
    once::Once,
    rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard},
    semaphore::Semaphore,
    signal::Signal,
};
#[cfg(not(loom))]
pub use table::Entry;

/// Declares a segment as a struct whose fields are the typed handles of its entries.
///
/// ```
/// use zeroipc::{Array, Barrier, Mutex, Queue, Stack};
///
/// #[zeroipc::segment]
/// pub struct Plant {
///     #[zeroipc(len = 1000, name = "sensor_data")]
///     pub temps: Array<f32>,
///     #[zeroipc(len = 16)]
///     pub counters: Array<u64>,
///     #[zeroipc(capacity = 128)]
///     pub events: Queue<i32>,
///     #[zeroipc(capacity = 64)]
///     pub stack: Stack<f64>,
///     #[zeroipc(participants = 2)]
///     pub phase: Barrier,
///     pub lock: Mutex,
/// }
///
/// # let name = format!("/zeroipc_doc_segment_{}", std::process::id());
/// let plant = Plant::create(&name)?; // sized exactly, entries added in field order
/// plant.temps.set(0, 1.5)?;
///
/// let other = Plant::open(&name)?; // every entry checked against the declaration
/// assert_eq!(other.temps.get(0)?, 1.5);
/// assert_eq!(Plant::ENTRIES[0].name, "sensor_data");
/// zeroipc::Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
///
/// The segment carries a schema entry ([`schema`]), added last and written before the
/// segment is published: each field's kind, parameters, element type (a
/// `#[derive(Record)]` struct with its fields) and doc comment, so that every reader, in any
/// language, and `zeroipc show`, know what the declaration says; `open` compares it with the
/// declaration. It takes one table slot besides the fields' and is part of `SIZE`.
///
/// Arguments: `#[zeroipc::segment(max_entries = N)]` sets the table's slots (default 64, what
/// the other implementations expect; at least the field count plus one, for the schema);
/// `crate = "path"` names this crate where it is
/// re-exported under another path. Field keys: `len = N` for an [`Array`], `capacity = N`
/// for a [`Queue`] (a power of two), a [`Stack`], a [`Map`], a [`Set`], a [`Pool`] or a
/// [`Ring`] (in elements), where `N` is an integer or a constant expression of type `usize`
/// (`len = SENSORS`, `capacity = 2 * SLOTS`), checked at compile time with the same
/// messages; `count = N` and `max = N` for a
/// [`Semaphore`] (both optional: 0 permits, no bound), `count = N` for a [`Latch`],
/// `participants = N` for a [`Barrier`] (at least 1); none for a [`Mutex`] or a [`Once`],
/// nor for the composites, which take a table entry for each of their parts: an [`Event`]
/// (auto-reset), a [`RwLock`], a [`Monitor`], a [`Signal`] (its value starts zeroed);
/// and `name = "..."` for a table name other than the field's. A field's doc comment is its
/// description in the schema.
///
/// Generated: `create(name)`, `create_with(name, &SegmentOptions)`, `open(name)`,
/// `open_with(name, &SegmentOptions)`, `memory()`, and the constants `MAX_ENTRIES`, `SIZE`
/// and `ENTRIES` ([`DeclaredEntry`] for each field: name, offset, size), computed with
/// [`layout`]'s `const fn`s. `open` accepts segments with other entries besides the declared
/// ones, and reports a missing or different entry as [`Error::Field`] naming the field.
///
/// Mistakes are compile errors: every one the macro detects has a case in the repository's
/// `zeroipc/tests/ui/` (names over 31 bytes, duplicate names, missing, zero or unknown keys,
/// a key the field's type does not take, a queue capacity that is not a power of two, a
/// barrier of zero participants, a semaphore's count above its maximum, field
/// types that are not structures, elements that are not plain old data or are aligned above
/// 8, generics, tuple structs, enums, a table too small for the fields).
pub use zeroipc_derive::segment;

/// Makes a `#[repr(C)]` struct an element type that describes itself: plain old data
/// (`bytemuck::Zeroable` and `bytemuck::Pod` are derived with it; derive `Clone` and `Copy`
/// yourself), and [`schema::Describe`], so that a declared segment's schema records the
/// struct's name, size and each field's name, offset and type, and numpy (or any reader)
/// rebuilds it exactly.
///
/// ```
/// #[derive(Clone, Copy, Debug, PartialEq, zeroipc::Record)]
/// #[repr(C)]
/// pub struct Reading {
///     pub t: f64,
///     pub xyz: [f32; 3],
///     pub id: u32,
/// }
///
/// use zeroipc::schema::{Describe, TypeDesc};
/// let TypeDesc::Record { size, fields, .. } = Reading::TYPE else { unreachable!() };
/// assert_eq!((size, fields[1].name, fields[1].offset), (24, "xyz", 8));
/// ```
///
/// Refused at compile time: a struct without `#[repr(C)]` (or with `packed`, `align(..)`),
/// with padding, with generics, or with a field whose type does not describe itself (the
/// primitives, arrays of described types and other records do). In the dynamic API
/// (`Array::<Reading>::create`) a record is recorded as opaque bytes of its size, since a
/// generic function cannot ask whether its type describes itself; a declared segment
/// records it whole.
#[cfg(not(loom))]
pub use zeroipc_derive::Record;

/// What the loom tests build the algorithms' views from: the views themselves, the atomics
/// they are made of (loom's, under `--cfg loom`), the heap slots of a queue or a stack, and
/// what the views take and answer. The tests allocate the words on the heap and call the
/// views' methods: the code the handles run, with nothing in between.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::atomic::{AtomicI32, AtomicU32, AtomicU64, AtomicUsize};
    pub use crate::structures::map::{MapFail, MapView};
    pub use crate::structures::pool::{PoolFail, PoolView};
    pub use crate::structures::queue::{Hints, QueueView};
    pub use crate::structures::slots::{CellRecords, CellSlots, Records, Slots};
    pub use crate::structures::stack::{StackFail, StackView};
    pub use crate::sync::barrier::{BarrierView, Passage};
    pub use crate::sync::event::EventView;
    pub use crate::sync::latch::LatchView;
    pub use crate::sync::once::{OnceView, Stuck};
    pub use crate::sync::rwlock::RwLockView;
    pub use crate::sync::semaphore::SemaphoreView;
    pub use crate::wait::Wait;
}
