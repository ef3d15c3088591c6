//! `Pool<T>`: a fixed pool of nodes handed out and taken back through a tagged free list,
//! as the C++ implementation lays it out.
//!
//! Layout (offsets from the structure's start): `u64 free_head` at 0x00 (low 32 bits: the
//! first free node's index; high 32 bits: a generation every successful compare-and-swap
//! bumps), `u32 allocated` at 0x08, `u32` padding (0) at 0x0C, `u32 capacity` at 0x10,
//! `u32 elem_size` at 0x14; nodes from 24, node `i` at `24 + i * N`, each the C layout of
//! `{ T data; u32 next; }` (see [`pool_node_size`]). `0xFFFFFFFF` is the null index.
//!
//! The free list is a Treiber stack: `allocate` pops its head, `free` pushes; the generation
//! in the head word makes a compare-and-swap fail when the head was popped and pushed back
//! in between (the ABA problem), so a stale `next` is never installed.
//!
//! The algorithm is written once, over [`PoolView`]; the handle [`Pool`] builds the view from
//! a mapping, and the loom tests build it from heap atomics.

use crate::atomic::{AtomicU32, AtomicU64, Ordering};
use crate::structures::slots::Records;

#[cfg(not(loom))]
use std::{fmt, marker::PhantomData};

#[cfg(not(loom))]
use bytemuck::{Pod, Zeroable};

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    region::Mapped,
    schema::TypeDesc,
    structures::slots::MappedRecords,
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a pool's header; the nodes start here.
pub const POOL_HEADER_SIZE: usize = 24;
/// Offset of a pool's `u64 free_head` (index in the low half, generation in the high half).
pub const POOL_FREE_HEAD_OFFSET: usize = 0x00;
/// Offset of a pool's `u32 allocated`.
pub const POOL_ALLOCATED_OFFSET: usize = 0x08;
/// Offset of a pool's `u32` padding (0).
pub const POOL_PADDING_OFFSET: usize = 0x0C;
/// Offset of a pool's `u32 capacity` (nodes).
pub const POOL_CAPACITY_OFFSET: usize = 0x10;
/// Offset of a pool's `u32 elem_size`.
pub const POOL_ELEM_SIZE_OFFSET: usize = 0x14;
/// The null node index: the end of the free list.
pub const POOL_NULL: u32 = u32::MAX;
/// The largest capacity: every index below it, and the null index, fit a `u32`.
pub const MAX_POOL_CAPACITY: usize = u32::MAX as usize;

/// Offset of `next` in a node: after the data, aligned to 4.
pub const fn pool_next_offset(elem_size: usize) -> usize {
    crate::layout::unwrap_size(crate::layout::checked_align(elem_size, 4))
}

/// The alignment of a node.
pub const fn pool_node_align(elem_align: usize) -> usize {
    if elem_align > 4 {
        elem_align
    } else {
        4
    }
}

/// Size of a node `{ T data; u32 next; }` in C layout, padding included.
///
/// ```
/// assert_eq!(zeroipc::layout::pool_node_size(8, 8), 16); // Pool<i64>
/// assert_eq!(zeroipc::layout::pool_node_size(4, 4), 8); // Pool<i32>
/// ```
pub const fn pool_node_size(elem_size: usize, elem_align: usize) -> usize {
    let end = pool_next_offset(elem_size) + 4;
    crate::layout::unwrap_size(crate::layout::checked_align(
        end,
        pool_node_align(elem_align),
    ))
}

/// Size of a pool of `capacity` nodes of `node_size` bytes: `24 + capacity * N`.
pub const fn pool_size(capacity: usize, node_size: usize) -> usize {
    crate::layout::unwrap_size(checked_pool_size(capacity, node_size))
}

/// [`pool_size`], or `None` on overflow.
pub const fn checked_pool_size(capacity: usize, node_size: usize) -> Option<usize> {
    match capacity.checked_mul(node_size) {
        Some(nodes) => nodes.checked_add(POOL_HEADER_SIZE),
        None => None,
    }
}

// ---- The algorithm -------------------------------------------------------------------------

/// Why a pool operation did not happen.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolFail {
    /// The index is not below the capacity.
    OutOfRange {
        /// The index.
        index: u32,
    },
    /// The node is the head of the free list: it is free already.
    AlreadyFree {
        /// The index.
        index: u32,
    },
    /// The free list holds an index no pool of this capacity has.
    Corrupt {
        /// Where it was found: `None` for `free_head`, else the node whose `next` it is.
        at: Option<u32>,
        /// The index found.
        index: u32,
    },
}

/// A pool as the algorithm sees it: its head word, its count, and its nodes' `next` words.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
pub struct PoolView<'a, R> {
    free_head: &'a AtomicU64,
    allocated: &'a AtomicU32,
    /// The nodes; at least one, at most `MAX_POOL_CAPACITY` (checked in `new`).
    nodes: R,
    next_offset: usize,
}

fn split(head: u64) -> (u32, u32) {
    // Truncations meant: the low half is the index, the high half the generation.
    (head as u32, (head >> 32) as u32)
}

fn join(index: u32, generation: u32) -> u64 {
    u64::from(generation) << 32 | u64::from(index)
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[allow(clippy::len_without_is_empty)] // the handles have `is_empty`
impl<'a, R: Records> PoolView<'a, R> {
    /// # Panics
    ///
    /// If `nodes` is empty or longer than `MAX_POOL_CAPACITY`. Callers pass geometry they
    /// validated.
    pub fn new(
        free_head: &'a AtomicU64,
        allocated: &'a AtomicU32,
        nodes: R,
        next_offset: usize,
    ) -> PoolView<'a, R> {
        assert!(
            nodes.len() > 0 && nodes.len() <= MAX_POOL_CAPACITY,
            "pool geometry is validated before a view is built"
        );
        PoolView {
            free_head,
            allocated,
            nodes,
            next_offset,
        }
    }

    fn capacity(&self) -> u32 {
        // In range: checked in `new`.
        self.nodes.len() as u32
    }

    /// The `allocated` word, within `0..=capacity`.
    pub fn len(&self) -> usize {
        // Relaxed: a count for people; no data is reached through it.
        (self.allocated.load(Ordering::Relaxed) as usize).min(self.nodes.len())
    }

    fn next(&self, index: u32) -> &AtomicU32 {
        self.nodes.word(index as usize, self.next_offset)
    }

    /// Takes a free node; `Ok(None)` when none is free.
    ///
    /// # Errors
    ///
    /// [`PoolFail::Corrupt`] when the head, or the head's `next`, is an index past the
    /// capacity (and not null); nothing is changed then.
    pub fn allocate(&self) -> Result<Option<u32>, PoolFail> {
        // Acquire: pairs with the Release compare-and-swap of `free` that pushed this head,
        // so its `next` link (and the last owner's use of the node) are seen.
        let mut head = self.free_head.load(Ordering::Acquire);
        // Exit: a node was taken, or the list is empty or corrupt; a failed exchange means a
        // peer moved the head, which only happens when a peer made progress.
        loop {
            let (index, generation) = split(head);
            if index == POOL_NULL {
                return Ok(None);
            }
            if index >= self.capacity() {
                return Err(PoolFail::Corrupt { at: None, index });
            }
            // Relaxed: the link was published by the Release exchange the Acquire above saw;
            // if a peer popped the node since, the generation makes the exchange fail.
            let next = self.next(index).load(Ordering::Relaxed);
            if next != POOL_NULL && next >= self.capacity() {
                return Err(PoolFail::Corrupt {
                    at: Some(index),
                    index: next,
                });
            }
            // AcqRel: Acquire as the load above (for the value a failure returns); Release so
            // that a later allocator reading this head sees the links this pop passed on.
            match self.free_head.compare_exchange_weak(
                head,
                join(next, generation.wrapping_add(1)),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // Relaxed: a count; the node is ours whatever it says.
                    self.allocated.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(index));
                }
                Err(now) => head = now,
            }
        }
    }

    /// Gives node `index` back.
    ///
    /// # Errors
    ///
    /// [`PoolFail::OutOfRange`] for an index past the capacity; [`PoolFail::AlreadyFree`]
    /// when the node is the head of the free list (a double free the format can tell); the
    /// pool is unchanged then.
    pub fn free(&self, index: u32) -> Result<(), PoolFail> {
        if index >= self.capacity() {
            return Err(PoolFail::OutOfRange { index });
        }
        // Relaxed: only the first guess for the exchange, which checks it.
        let mut head = self.free_head.load(Ordering::Relaxed);
        // Exit: the node was pushed, or found to be free already.
        loop {
            let (first, generation) = split(head);
            if first == index {
                return Err(PoolFail::AlreadyFree { index });
            }
            // Relaxed: published by the Release exchange below.
            self.next(index).store(first, Ordering::Relaxed);
            // Release: pairs with the Acquire load (and exchange) of `allocate`, so the next
            // owner sees this link and everything this owner wrote in the node.
            match self.free_head.compare_exchange_weak(
                head,
                join(index, generation.wrapping_add(1)),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // Relaxed: a count.
                    self.allocated.fetch_sub(1, Ordering::Relaxed);
                    return Ok(());
                }
                Err(now) => head = now,
            }
        }
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A pool's header, 24 bytes at the structure's start.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct PoolHeader {
    /// 0x00: the tagged head of the free list.
    free_head: u64,
    /// 0x08: nodes handed out.
    allocated: u32,
    /// 0x0C: zero.
    padding: u32,
    /// 0x10: nodes.
    capacity: u32,
    /// 0x14: bytes per element.
    elem_size: u32,
}

#[cfg(not(loom))]
const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<PoolHeader>() == POOL_HEADER_SIZE);
    assert!(offset_of!(PoolHeader, free_head) == POOL_FREE_HEAD_OFFSET);
    assert!(offset_of!(PoolHeader, allocated) == POOL_ALLOCATED_OFFSET);
    assert!(offset_of!(PoolHeader, padding) == POOL_PADDING_OFFSET);
    assert!(offset_of!(PoolHeader, capacity) == POOL_CAPACITY_OFFSET);
    assert!(offset_of!(PoolHeader, elem_size) == POOL_ELEM_SIZE_OFFSET);
};

/// A node of a [`Pool`], as [`Pool::allocate`] hands it out: not `Copy` or `Clone`, so that
/// [`Pool::free`], which takes it, cannot be called twice with it. An index that crossed a
/// process boundary comes back with [`PoolIndex::from_raw`].
#[cfg(not(loom))]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PoolIndex(u32);

#[cfg(not(loom))]
impl PoolIndex {
    /// The node's index, to send to another process.
    pub fn get(&self) -> u32 {
        self.0
    }

    /// An index received from another process (or read from a segment). Nothing here
    /// proves the node is allocated: [`Pool::free`] checks what the format lets it.
    pub fn from_raw(index: u32) -> PoolIndex {
        PoolIndex(index)
    }
}

/// A fixed pool of `T` nodes in a segment, laid out as the C++ implementation's `Pool<T>`:
/// [`allocate`](Pool::allocate) takes a free node and [`free`](Pool::free) gives it back,
/// lock-free, from any number of threads and processes.
///
/// A node's data is read and written by index ([`get`](Pool::get), [`set`](Pool::set)); as
/// for an [`Array`](crate::Array), nothing orders those accesses between processes: the
/// owner of a node arranges who reads it when. A node's data is not cleared when it is
/// freed or allocated.
///
/// # Examples
///
/// ```
/// use zeroipc::{Memory, Pool};
/// # let name = format!("/zeroipc_doc_pool_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let pool = Pool::<u64>::create(&mem, "buffers", 4)?;
/// let node = pool.allocate()?.expect("a free node");
/// pool.set(&node, 99)?;
/// assert_eq!(pool.get(&node)?, 99);
/// assert_eq!(pool.len(), 1);
/// pool.free(node)?;
/// assert_eq!(pool.len(), 0);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Pool<T> {
    free_head: Mapped<AtomicU64>,
    allocated: Mapped<AtomicU32>,
    /// `capacity * NODE_SIZE` bytes, aligned for a node (checked when made).
    nodes: Mapped<u8>,
    /// Read once, never re-read: from 1 to `MAX_POOL_CAPACITY`.
    capacity: usize,
    /// Its nodes' geometry: that of `T`, or a [`RawPool`]'s.
    node: Node,
    name: String,
    _elem: PhantomData<fn() -> T>,
}

/// A pool node's geometry.
#[cfg(not(loom))]
#[derive(Clone, Copy, Debug)]
struct Node {
    elem_size: usize,
    size: usize,
    align: usize,
    next_offset: usize,
}

#[cfg(not(loom))]
impl Node {
    const fn of(elem_size: usize, elem_align: usize) -> Node {
        Node {
            elem_size,
            size: pool_node_size(elem_size, elem_align),
            align: pool_node_align(elem_align),
            next_offset: pool_next_offset(elem_size),
        }
    }
}

#[cfg(not(loom))]
impl<T: Pod> Pool<T> {
    const NODE: Node = Node::of(size_of::<T>(), align_of::<T>());

    /// Adds a pool called `name` of `capacity` free nodes (the free list in index order;
    /// data bytes zero).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`], [`Error::TableFull`], [`Error::OutOfSpace`] (also for a
    /// capacity of `u32::MAX` or more); a validation error if the table is corrupt. On
    /// error the segment is unchanged.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(mem: &Memory, name: &str, capacity: usize) -> Result<Pool<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Self::create_sized(mem, name, capacity, Self::NODE, TypeDesc::of::<T>())
    }

    /// [`create`](Pool::create) with nodes of the geometry `node`, recorded in the schema
    /// with elements of type `ty`.
    fn create_sized(
        mem: &Memory,
        name: &str,
        capacity: usize,
        node: Node,
        ty: TypeDesc,
    ) -> Result<Pool<T>> {
        assert!(capacity > 0, "a pool has at least one node");
        let too_big = || Error::OutOfSpace {
            requested: u64::MAX,
            available: mem.size(),
        };
        if capacity >= MAX_POOL_CAPACITY {
            return Err(too_big());
        }
        let size = checked_pool_size(capacity, node.size).ok_or_else(too_big)?;
        let line = crate::schema::EntryDesc {
            params: &[("capacity", capacity as u64)],
            ty: Some(ty),
            ..crate::schema::EntryDesc::new(name, "pool")
        };
        let entry = mem.add_described(
            size as u64,
            |region, offset| {
                let header = PoolHeader {
                    free_head: join(0, 0),
                    allocated: 0,
                    padding: 0,
                    capacity: capacity as u32,
                    elem_size: node.elem_size as u32,
                };
                region.write(offset, header)?;
                let mut nodes = vec![0u8; size - POOL_HEADER_SIZE];
                for i in 0..capacity {
                    let next = if i + 1 == capacity {
                        POOL_NULL
                    } else {
                        i as u32 + 1
                    };
                    let at = i * node.size + node.next_offset;
                    nodes[at..at + 4].copy_from_slice(&next.to_le_bytes());
                }
                region.write_bytes(offset + POOL_HEADER_SIZE as u64, &nodes)
            },
            &line,
        )?;
        Self::from_parts(mem, name, entry.offset(), capacity, node)
    }

    /// Opens the pool called `name`.
    ///
    /// Checked before anything is used: the element size against `T`, a capacity of at
    /// least 1 whose nodes fill the entry exactly, `allocated` within the capacity, the
    /// padding word 0, and the head of the free list a node or null. The links of the free
    /// list are checked as `allocate` meets them.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::ElementSizeMismatch`]; [`Error::CapacityMismatch`] if
    /// the nodes do not fill the entry; [`Error::Corrupt`] for any other broken rule, each
    /// with its own message; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Pool<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        Self::open_sized(mem, name, Self::NODE)
    }

    /// [`open`](Pool::open) with nodes of the geometry `node`.
    fn open_sized(mem: &Memory, name: &str, node: Node) -> Result<Pool<T>> {
        let (offset, capacity) = check_header(mem, name, node.elem_size, node.size)?;
        Self::from_parts(mem, name, offset, capacity, node)
    }

    fn from_parts(
        mem: &Memory,
        name: &str,
        offset: u64,
        capacity: usize,
        node: Node,
    ) -> Result<Pool<T>> {
        // A handle writes (allocate, free, set): refused on a read-only segment, whose
        // readers come through `for_reading`.
        let region = mem.writable()?;
        let outside = || Error::corrupt(name, "pool lies outside the segment");
        let free_head = region
            .mapped::<AtomicU64>(offset + POOL_FREE_HEAD_OFFSET as u64, 1)
            .ok_or_else(outside)?;
        let allocated = region
            .mapped::<AtomicU32>(offset + POOL_ALLOCATED_OFFSET as u64, 1)
            .ok_or_else(outside)?;
        let nodes = region
            .mapped::<u8>(
                offset + POOL_HEADER_SIZE as u64,
                (capacity * node.size) as u64,
            )
            .ok_or_else(outside)?;
        MappedRecords::new(&nodes, node.size, capacity, node.align)
            .ok_or_else(|| Error::corrupt(name, "pool nodes are misaligned"))?;
        Ok(Pool {
            free_head,
            allocated,
            nodes,
            capacity,
            node,
            name: name.to_owned(),
            _elem: PhantomData,
        })
    }

    fn records(&self) -> MappedRecords<'_> {
        MappedRecords::new(&self.nodes, self.node.size, self.capacity, self.node.align)
            .expect("checked in `from_parts`")
    }

    fn view(&self) -> PoolView<'_, MappedRecords<'_>> {
        PoolView::new(
            self.free_head.atomic(),
            self.allocated.atomic(),
            self.records(),
            self.node.next_offset,
        )
    }

    fn error(&self, fail: PoolFail) -> Error {
        match fail {
            PoolFail::OutOfRange { index } => Error::IndexOutOfBounds {
                index: index as usize,
                len: self.capacity,
            },
            PoolFail::AlreadyFree { index } => Error::corrupt(
                &self.name,
                format!("pool node {index} is free already (a double free); nothing was changed"),
            ),
            PoolFail::Corrupt { at: None, index } => Error::corrupt(
                &self.name,
                format!(
                    "pool free list starts at node {index}, past the capacity {}",
                    self.capacity
                ),
            ),
            PoolFail::Corrupt {
                at: Some(at),
                index,
            } => Error::corrupt(
                &self.name,
                format!(
                    "pool node {at} links to node {index}, past the capacity {}",
                    self.capacity
                ),
            ),
        }
    }

    /// The table name of this pool.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The number of nodes.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of nodes handed out, as `allocated` says at the moment of the call (within
    /// the capacity).
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether no node was handed out at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes a free node; `None` when every node is handed out. Its data is whatever the last
    /// owner left.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] when the free list holds an index past the capacity; nothing is
    /// changed then.
    pub fn allocate(&self) -> Result<Option<PoolIndex>> {
        self.view()
            .allocate()
            .map(|i| i.map(PoolIndex))
            .map_err(|f| self.error(f))
    }

    /// Gives `index` back to the pool.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] for an index past the capacity; [`Error::Corrupt`] for a
    /// node that is the head of the free list (freed already). A node freed twice is caught
    /// only then: the format keeps no mark on a free node, so freeing a node that is free
    /// but deeper in the list corrupts it (a later `allocate` hands the node out twice).
    #[allow(clippy::needless_pass_by_value)] // taken, so the caller's handle is gone
    pub fn free(&self, index: PoolIndex) -> Result<()> {
        self.view().free(index.0).map_err(|f| self.error(f))
    }

    /// A copy of node `index`'s data.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] past the capacity.
    pub fn get(&self, index: &PoolIndex) -> Result<T> {
        let records = self.records();
        self.check(index)?;
        // SAFETY: `index < capacity` (checked) and the data field at 0 is a `T`; the copy is
        // per-byte atomic (ordering between owners is the user's, see the type's docs).
        Ok(unsafe { records.read(index.0 as usize, 0) })
    }

    /// Copies `value` into node `index`'s data.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] past the capacity.
    pub fn set(&self, index: &PoolIndex, value: T) -> Result<()> {
        let records = self.records();
        self.check(index)?;
        // SAFETY: as in `get`, for a write of the mapping, which is writable.
        unsafe { records.write(index.0 as usize, 0, value) };
        Ok(())
    }

    fn check(&self, index: &PoolIndex) -> Result<()> {
        if (index.0 as usize) < self.capacity {
            Ok(())
        } else {
            Err(Error::IndexOutOfBounds {
                index: index.0 as usize,
                len: self.capacity,
            })
        }
    }
}

/// The checks of a pool's `open`, for elements of `elem_size` bytes in nodes of `node_size`:
/// the structure's offset and its capacity.
#[cfg(not(loom))]
fn check_header(
    mem: &Memory,
    name: &str,
    elem_size: usize,
    node_size: usize,
) -> Result<(u64, usize)> {
    let (entry, header) = crate::structures::read_header::<PoolHeader>(mem, name)?;
    crate::structures::expect_elem_size(name, elem_size, header.elem_size)?;
    let capacity = header.capacity as usize;
    if capacity == 0 || capacity >= MAX_POOL_CAPACITY {
        return Err(Error::corrupt(
            name,
            format!("pool capacity {capacity} is not from 1 to 2^32 - 2"),
        ));
    }
    if checked_pool_size(capacity, node_size).map(|s| s as u64) != Some(entry.size()) {
        return Err(Error::CapacityMismatch {
            name: name.to_owned(),
            capacity: capacity as u64,
            entry_size: entry.size(),
        });
    }
    if header.allocated as usize > capacity {
        return Err(Error::corrupt(
            name,
            format!(
                "pool allocated count {} is above its capacity {capacity}",
                header.allocated
            ),
        ));
    }
    if header.padding != 0 {
        return Err(Error::corrupt(
            name,
            format!("pool padding word is {}, not 0", header.padding),
        ));
    }
    let (head, _) = split(header.free_head);
    if head != POOL_NULL && head as usize >= capacity {
        return Err(Error::corrupt(
            name,
            format!("pool free list starts at node {head}, past the capacity {capacity}"),
        ));
    }
    Ok((entry.offset(), capacity))
}

#[cfg(not(loom))]
impl<T> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let region = self.nodes.region();
        crate::structures::debug_handle(f, "Pool", &self.name, self.capacity, region)
    }
}

/// A [`Pool`] of elements of a size and alignment known only at run time, read and written
/// as bytes: for bindings to languages whose element types are run-time values (numpy
/// dtypes). The same pool, nodes and free list as `Pool<T>`.
#[cfg(not(loom))]
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct RawPool {
    pool: Pool<u8>,
    /// The segment's name when opened by [`open_read`](RawPool::open_read): then only
    /// `get_bytes` reads it.
    reading: Option<String>,
}

#[cfg(not(loom))]
impl RawPool {
    fn node(elem_size: usize, elem_align: usize) -> Option<Node> {
        let ok = elem_size > 0
            && elem_align.is_power_of_two()
            && elem_align <= crate::structures::MAX_ELEMENT_ALIGN
            && elem_size % elem_align == 0;
        ok.then(|| Node::of(elem_size, elem_align))
    }

    fn bad_type(name: &str) -> Error {
        Error::corrupt(
            name,
            "pool elements need a size that is a non-zero multiple of an alignment of at most 8",
        )
    }

    /// [`Pool::create`] for elements of `elem_size` bytes aligned to `elem_align`.
    ///
    /// # Errors
    ///
    /// As [`Pool::create`]; [`Error::Corrupt`] for a size or alignment no type has.
    ///
    /// # Panics
    ///
    /// If `capacity` is zero.
    pub fn create(
        mem: &Memory,
        name: &str,
        capacity: usize,
        elem_size: usize,
        elem_align: usize,
    ) -> Result<RawPool> {
        let node = Self::node(elem_size, elem_align).ok_or_else(|| Self::bad_type(name))?;
        Pool::create_sized(
            mem,
            name,
            capacity,
            node,
            TypeDesc::Opaque { size: elem_size },
        )
        .map(|pool| RawPool {
            pool,
            reading: None,
        })
    }

    /// [`Pool::open`] for elements of `elem_size` bytes aligned to `elem_align`.
    ///
    /// # Errors
    ///
    /// As [`Pool::open`].
    pub fn open(mem: &Memory, name: &str, elem_size: usize, elem_align: usize) -> Result<RawPool> {
        let node = Self::node(elem_size, elem_align).ok_or_else(|| Self::bad_type(name))?;
        Pool::open_sized(mem, name, node).map(|pool| RawPool {
            pool,
            reading: None,
        })
    }

    /// [`Pool::open_read`]'s pool: only the reading methods work, the others answer
    /// [`Error::ReadOnly`].
    ///
    /// # Errors
    ///
    /// As [`Pool::open_read`].
    pub fn open_read(
        mem: &Memory,
        name: &str,
        elem_size: usize,
        elem_align: usize,
    ) -> Result<RawPool> {
        let node = Self::node(elem_size, elem_align).ok_or_else(|| Self::bad_type(name))?;
        Pool::open_sized(&mem.for_reading(), name, node).map(|pool| RawPool {
            pool,
            reading: Some(mem.name().to_owned()),
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

    /// See [`Pool::name`].
    pub fn name(&self) -> &str {
        self.pool.name()
    }

    /// See [`Pool::capacity`].
    pub fn capacity(&self) -> usize {
        self.pool.capacity()
    }

    /// See [`Pool::len`].
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// See [`Pool::is_empty`].
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// The bytes of an element.
    pub fn elem_size(&self) -> usize {
        self.pool.node.elem_size
    }

    /// See [`Pool::allocate`]; the node's index.
    ///
    /// # Errors
    ///
    /// As [`Pool::allocate`]; [`Error::ReadOnly`] for a reader.
    pub fn allocate(&self) -> Result<Option<u32>> {
        self.writer()?;
        Ok(self.pool.allocate()?.map(|i| i.get()))
    }

    /// See [`Pool::free`].
    ///
    /// # Errors
    ///
    /// As [`Pool::free`]; [`Error::ReadOnly`] for a reader.
    pub fn free(&self, index: u32) -> Result<()> {
        self.writer()?;
        self.pool.free(PoolIndex(index))
    }

    /// Copies node `index`'s data into `out` (of [`elem_size`](RawPool::elem_size) bytes).
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] past the capacity.
    ///
    /// # Panics
    ///
    /// If `out` is not of the element's size.
    pub fn get_bytes(&self, index: u32, out: &mut [u8]) -> Result<()> {
        assert_eq!(out.len(), self.elem_size(), "one element's bytes");
        let index = PoolIndex(index);
        self.pool.check(&index)?;
        let records = self.pool.records();
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `index < capacity` (checked) and byte `i` of the data field, within the
            // node; the copy is per-byte atomic, as `Pool::get`'s.
            *b = unsafe { records.read::<u8>(index.0 as usize, i) };
        }
        Ok(())
    }

    /// Copies `bytes` (of [`elem_size`](RawPool::elem_size) bytes) into node `index`'s data.
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] past the capacity; [`Error::ReadOnly`] for a reader.
    ///
    /// # Panics
    ///
    /// If `bytes` is not of the element's size.
    pub fn set_bytes(&self, index: u32, bytes: &[u8]) -> Result<()> {
        assert_eq!(bytes.len(), self.elem_size(), "one element's bytes");
        self.writer()?;
        let index = PoolIndex(index);
        self.pool.check(&index)?;
        let records = self.pool.records();
        for (i, &b) in bytes.iter().enumerate() {
            // SAFETY: as in `get_bytes`, for a write of the mapping, which is writable (not
            // a reader's, checked above).
            unsafe { records.write::<u8>(index.0 as usize, i, b) };
        }
        Ok(())
    }
}

// ---- Its reader, for read-only segments ----------------------------------------------

#[cfg(not(loom))]
impl<T: Pod> Pool<T> {
    /// Opens the pool called `name` for reading only, on any segment: the one way to read a
    /// pool of a segment opened read-only
    /// ([`Options::read_only`](crate::Options::read_only), [`Memory::open_copy`]), where
    /// [`Pool::open`] is refused. The checks are those of [`Pool::open`].
    ///
    /// # Errors
    ///
    /// As [`Pool::open`], but never [`Error::ReadOnly`].
    pub fn open_read(mem: &Memory, name: &str) -> Result<PoolReader<T>> {
        Ok(PoolReader {
            pool: Pool::open(&mem.for_reading(), name)?,
        })
    }
}

/// A pool opened for reading only ([`Pool::open_read`]): the methods of a [`Pool`] that
/// leave it as it is, and no others, so it can live on a `PROT_READ` mapping.
#[cfg(not(loom))]
#[derive(Clone, Debug)]
pub struct PoolReader<T> {
    /// Kept private: only its reading methods are called.
    pool: Pool<T>,
}

#[cfg(not(loom))]
impl<T: Pod> PoolReader<T> {
    /// The table name of this pool.
    pub fn name(&self) -> &str {
        self.pool.name()
    }

    /// The number of nodes.
    pub fn capacity(&self) -> usize {
        self.pool.capacity()
    }

    /// The number of nodes allocated at the moment of the call; see [`Pool::len`].
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether no node was allocated at the moment of the call.
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }

    /// A copy of node `index`'s data, allocated or not; see [`Pool::get`].
    ///
    /// # Errors
    ///
    /// [`Error::IndexOutOfBounds`] past the capacity.
    pub fn get(&self, index: u32) -> Result<T> {
        self.pool.get(&PoolIndex::from_raw(index))
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{
        checked_pool_size, pool_node_size, pool_size, split, Memory, Pod, Pool, POOL_NULL,
    };

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    // A node's size depends on the element's alignment as well as its size.
    crate::declare::declare_elements!(Pool, capacity, false, declared_size::<T>);

    /// The size of a declared pool of `capacity` nodes of `T` (of `elem_size` bytes).
    const fn declared_size<T>(capacity: usize, elem_size: usize) -> usize {
        pool_size(capacity, pool_node_size(elem_size, align_of::<T>()))
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("pool", read_entry)
            .hints(&["pool", "nodes", "free"])
            .check(|mem, name, r| {
                crate::structures::with_element_size!(r.elem_size?, check_as(mem, name))
            })
            .example(|mem| Pool::<u64>::create(mem, "p", 8).map(|_| "p".to_owned()));

    /// A pool: an element size whose nodes (for some alignment up to 8), `capacity` of them,
    /// fill the entry exactly, and a zero padding word.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        let head = p.head.get(..super::POOL_HEADER_SIZE)?;
        let free_head = u64::from_le_bytes(head[0..8].try_into().ok()?);
        let w = crate::inspect::words(&head[8..]);
        let (allocated, padding, capacity, elem) = (w[0], w[1], w[2], w[3]);
        if elem == 0 || padding != 0 || capacity == 0 {
            return None;
        }
        let fits = [1usize, 2, 4, 8].into_iter().any(|align| {
            elem as usize % align == 0
                && checked_pool_size(capacity as usize, pool_node_size(elem as usize, align))
                    .map(|s| s as u64)
                    == Some(p.size)
        });
        if !fits {
            return None;
        }
        let (index, generation) = split(free_head);
        let first = if index == POOL_NULL {
            "none free".to_owned()
        } else {
            format!("first free node {index}")
        };
        let mut r = crate::inspect::Reading::new(
            "pool",
            format!(
                "pool of {capacity} nodes of {elem} bytes: {allocated} allocated, {first} (generation {generation})"
            ),
        );
        r.capacity = Some(u64::from(capacity));
        r.elem_size = Some(u64::from(elem));
        r.items = Some(u64::from(allocated));
        if allocated > capacity {
            r.inconsistent = Some(format!(
                "allocated {allocated} is above the capacity {capacity}"
            ));
        } else if index != POOL_NULL && index >= capacity {
            r.inconsistent = Some(format!(
                "free list starts at node {index}, past the capacity"
            ));
        }
        Some(r)
    }

    fn check_as<T: Pod>(mem: &Memory, name: &str) -> std::result::Result<String, String> {
        // Stand-in elements are byte arrays (alignment 1); the real type may be aligned more,
        // which changes the node size: try the stored element size with each alignment.
        let mut last = None;
        for align in [1usize, 2, 4, 8] {
            if size_of::<T>() % align != 0 {
                continue;
            }
            match super::check_header(
                mem,
                name,
                size_of::<T>(),
                pool_node_size(size_of::<T>(), align),
            ) {
                Ok((_, capacity)) => {
                    return Ok(format!(
                        "Pool of {capacity} nodes of {} bytes",
                        size_of::<T>()
                    ));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(format!(
            "Pool::open: {}",
            last.map_or_else(String::new, |e| e.to_string())
        ))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::STRUCTURE;
