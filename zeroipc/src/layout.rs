//! The byte arithmetic of format v2, in one place.
//!
//! Every offset and size the crate, the `#[zeroipc::segment]` macro's output and the tests
//! use comes from these `const fn`s, so a declared segment is laid out by exactly the code
//! that lays out one built at run time. The numbers follow the format's facts: all integers
//! little-endian, every structure and every section inside one starting 8-aligned.
//!
//! The table's arithmetic and the layout of segments laid out in advance are written here;
//! each structure's own sizes, offsets and name suffixes are written in the structure's file
//! and re-exported here, so this module stays the one public place for byte arithmetic.
//!
//! The plain functions panic on arithmetic overflow, which in a `const` context is a compile
//! error; the `checked_` forms return `None` instead and are what run-time callers use with
//! sizes that come from a user or from a segment.
//!
//! # Panics
//!
//! The functions without `checked_` panic when a size overflows `usize`.

/// The magic number at offset 0 of every segment (`b"MPIZ"` in memory order).
pub const MAGIC: u32 = 0x5A49_504D;
/// The format version this crate reads and writes.
pub const VERSION: u32 = 2;
/// Size of the table header.
pub const TABLE_HEADER_SIZE: usize = 32;
/// Size of one table entry.
pub const TABLE_ENTRY_SIZE: usize = 48;
/// Bytes of the name field of a table entry, terminating NUL included.
pub const NAME_FIELD_SIZE: usize = 32;
/// The longest entry name, in bytes.
pub const MAX_NAME_LEN: usize = NAME_FIELD_SIZE - 1;
/// The number of table entries the other implementations create and some of them assume.
pub const DEFAULT_MAX_ENTRIES: u32 = 64;

/// Rounds `n` up to the next multiple of 8.
///
/// # Panics
///
/// If the result overflows `usize`.
///
/// ```
/// assert_eq!(zeroipc::layout::align8(13), 16);
/// assert_eq!(zeroipc::layout::align8(16), 16);
/// ```
pub const fn align8(n: usize) -> usize {
    match checked_align8(n) {
        Some(v) => v,
        None => panic!("zeroipc: size overflows usize"),
    }
}

/// `n` rounded up to a multiple of `align` (a power of two), or `None` on overflow.
///
/// ```
/// assert_eq!(zeroipc::layout::checked_align(13, 4), Some(16));
/// assert_eq!(zeroipc::layout::checked_align(usize::MAX, 8), None);
/// ```
pub const fn checked_align(n: usize, align: usize) -> Option<usize> {
    match n.checked_add(align - 1) {
        Some(v) => Some(v / align * align),
        None => None,
    }
}

/// [`align8`], or `None` on overflow.
pub const fn checked_align8(n: usize) -> Option<usize> {
    checked_align(n, 8)
}

/// Size of a table with `max_entries` slots, header included: where the first structure may
/// start. A `u64`, which cannot overflow for any `u32` slot count (a segment may claim any).
pub const fn table_size(max_entries: u32) -> u64 {
    TABLE_HEADER_SIZE as u64 + TABLE_ENTRY_SIZE as u64 * max_entries as u64
}

/// Offset of table entry `index` from the segment start.
pub const fn table_entry_offset(index: u32) -> usize {
    TABLE_HEADER_SIZE + TABLE_ENTRY_SIZE * index as usize
}

// ---- Each structure's sizes, defined in the structure's own file -------------------------

#[cfg(not(loom))]
pub use crate::parts::MARKER_SIZE;
#[cfg(not(loom))]
pub use crate::structures::array::{array_size, checked_array_size, ARRAY_HEADER_SIZE};
#[cfg(not(loom))]
pub use crate::structures::bytes_ring::{
    bytes_ring_size, checked_bytes_ring_size, BYTES_RING_HEADER_SIZE,
};
pub use crate::structures::map::{
    checked_map_size, map_key_offset, map_size, map_slot_align, map_slot_size, map_value_offset,
    MAP_HEADER_SIZE, MAX_MAP_CAPACITY,
};
pub use crate::structures::pool::{
    checked_pool_size, pool_next_offset, pool_node_align, pool_node_size, pool_size,
    MAX_POOL_CAPACITY, POOL_HEADER_SIZE,
};
pub use crate::structures::queue::{queue_capacity, MAX_QUEUE_CAPACITY, MIN_QUEUE_CAPACITY};
#[cfg(not(loom))]
pub use crate::structures::ring::{
    checked_ring_size, checked_ring_slots_offset, ring_size, ring_slots_offset, RING_HEADER_SIZE,
};
#[cfg(not(loom))]
pub use crate::structures::set::{set_size, set_slot_size};
pub use crate::structures::stack::MAX_STACK_CAPACITY;
pub use crate::sync::barrier::BARRIER_SIZE;
pub use crate::sync::event::EVENT_SIZE;
pub use crate::sync::latch::LATCH_SIZE;
#[cfg(not(loom))]
pub use crate::sync::monitor::MONITOR_COUNT_SIZE;
#[cfg(not(loom))]
pub use crate::sync::mutex::MUTEX_SIZE;
pub use crate::sync::once::ONCE_SIZE;
pub use crate::sync::rwlock::RWLOCK_STATE_SIZE;
pub use crate::sync::semaphore::SEMAPHORE_SIZE;
#[cfg(not(loom))]
pub use crate::sync::signal::signal_state_size;

/// Where each field of a structure lies, the values of its state words, and the suffixes
/// of a composite structure's part names: what a tool or another implementation needs to
/// reach inside a structure, and what a program using the structures through their types
/// never does. Each is defined in its structure's file.
pub mod fields {
    #[cfg(not(loom))]
    pub use crate::structures::bytes_ring::{
        BYTES_RING_CAPACITY_OFFSET, BYTES_RING_ELEM_SIZE_OFFSET, BYTES_RING_READ_POS_OFFSET,
        BYTES_RING_WRITE_POS_OFFSET,
    };
    pub use crate::structures::map::{
        MAP_CAPACITY_OFFSET, MAP_DELETED, MAP_EMPTY, MAP_INSERTING, MAP_KEY_SIZE_OFFSET,
        MAP_OCCUPIED, MAP_SIZE_OFFSET, MAP_VALUE_SIZE_OFFSET,
    };
    pub use crate::structures::pool::{
        POOL_ALLOCATED_OFFSET, POOL_CAPACITY_OFFSET, POOL_ELEM_SIZE_OFFSET, POOL_FREE_HEAD_OFFSET,
        POOL_NULL, POOL_PADDING_OFFSET,
    };
    pub use crate::structures::queue::{
        QUEUE_CAPACITY_OFFSET, QUEUE_ELEM_SIZE_OFFSET, QUEUE_HEAD_OFFSET, QUEUE_TAIL_OFFSET,
    };
    #[cfg(not(loom))]
    pub use crate::structures::set::{SET_ELEM_SIZE_OFFSET, SET_RESERVED_OFFSET};
    pub use crate::structures::stack::{
        STACK_CAPACITY_OFFSET, STACK_ELEM_SIZE_OFFSET, STACK_RESERVED_OFFSET, STACK_TOP_OFFSET,
    };
    pub use crate::sync::barrier::{
        BARRIER_ARRIVED_OFFSET, BARRIER_GENERATION_OFFSET, BARRIER_PARTICIPANTS_OFFSET,
    };
    pub use crate::sync::event::EVENT_SEM_SUFFIX;
    pub use crate::sync::latch::{LATCH_COUNT_OFFSET, LATCH_INITIAL_COUNT_OFFSET};
    #[cfg(not(loom))]
    pub use crate::sync::monitor::{
        MONITOR_COND_SUFFIX, MONITOR_COUNT_SUFFIX, MONITOR_MUTEX_SUFFIX,
    };
    pub use crate::sync::once::{ONCE_DONE, ONCE_PENDING, ONCE_RUNNING, ONCE_STATE_OFFSET};
    pub use crate::sync::rwlock::{
        RWLOCK_READ_MUTEX_SUFFIX, RWLOCK_STATE_SUFFIX, RWLOCK_WRITE_MUTEX_SUFFIX,
    };
    pub use crate::sync::semaphore::{
        SEMAPHORE_COUNT_OFFSET, SEMAPHORE_MAX_COUNT_OFFSET, SEMAPHORE_WAITING_OFFSET,
    };
    #[cfg(not(loom))]
    pub use crate::sync::signal::{SIGNAL_MUTEX_SUFFIX, SIGNAL_STATE_SUFFIX, SIGNAL_VALUE_OFFSET};
}

// ---- Segments laid out in advance ----------------------------------------------------------

/// Where each of a list of structures starts when they are added, in order, to a fresh
/// segment whose table has `max_entries` slots.
///
/// ```
/// use zeroipc::layout::{array_size, entry_offsets};
/// let offsets = entry_offsets(64, [array_size(1000, 4), array_size(16, 8)]);
/// assert_eq!(offsets, [3104, 7112]);
/// ```
pub const fn entry_offsets<const N: usize>(max_entries: u32, sizes: [usize; N]) -> [usize; N] {
    let mut offsets = [0; N];
    let mut next = table_size(max_entries) as usize;
    let mut i = 0;
    while i < N {
        let offset = align8(next);
        offsets[i] = offset;
        next = unwrap_size(offset.checked_add(sizes[i]));
        i += 1;
    }
    offsets
}

/// The smallest segment that holds a table of `max_entries` slots and the given structures,
/// added in order: the end of the last one.
///
/// ```
/// use zeroipc::layout::{array_size, segment_size};
/// assert_eq!(segment_size(64, [array_size(1000, 4)]), 7112);
/// ```
pub const fn segment_size<const N: usize>(max_entries: u32, sizes: [usize; N]) -> usize {
    let offsets = entry_offsets(max_entries, sizes);
    if N == 0 {
        table_size(max_entries) as usize
    } else {
        unwrap_size(offsets[N - 1].checked_add(sizes[N - 1]))
    }
}

/// Where each declared field's entry (the one called by its table name) starts, when the
/// fields are added in order to a fresh segment whose table has `max_entries` slots: a field
/// of one entry takes `sizes[i]` bytes; a composite (`parts[i]` not empty) adds the entries
/// of `parts[i]` in order, and its own is the one at index `named[i]`.
pub const fn declared_offsets<const N: usize>(
    max_entries: u32,
    sizes: [usize; N],
    parts: [&[usize]; N],
    named: [usize; N],
) -> [usize; N] {
    let mut offsets = [0; N];
    let mut next = table_size(max_entries) as usize;
    let mut i = 0;
    while i < N {
        if parts[i].is_empty() {
            offsets[i] = align8(next);
            next = unwrap_size(offsets[i].checked_add(sizes[i]));
        } else {
            let mut j = 0;
            while j < parts[i].len() {
                let offset = align8(next);
                if j == named[i] {
                    offsets[i] = offset;
                }
                next = unwrap_size(offset.checked_add(parts[i][j]));
                j += 1;
            }
        }
        i += 1;
    }
    offsets
}

/// The smallest segment that holds the declared fields (see [`declared_offsets`]) and then
/// one more entry of `last` bytes (the schema): the end of that entry.
pub const fn declared_size<const N: usize>(
    max_entries: u32,
    sizes: [usize; N],
    parts: [&[usize]; N],
    last: usize,
) -> usize {
    let mut next = table_size(max_entries) as usize;
    let mut i = 0;
    while i < N {
        if parts[i].is_empty() {
            next = unwrap_size(align8(next).checked_add(sizes[i]));
        } else {
            let mut j = 0;
            while j < parts[i].len() {
                next = unwrap_size(align8(next).checked_add(parts[i][j]));
                j += 1;
            }
        }
        i += 1;
    }
    unwrap_size(align8(next).checked_add(last))
}

/// The table entries the declared fields take: one each, and a composite's parts.
pub const fn declared_entry_count<const N: usize>(parts: [&[usize]; N]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < N {
        count += if parts[i].is_empty() {
            1
        } else {
            parts[i].len()
        };
        i += 1;
    }
    count
}

// ---- Names ---------------------------------------------------------------------------------

/// Whether `name` may be stored in a table entry: 1 to 31 bytes, no NUL.
pub const fn is_valid_entry_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_NAME_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0 {
            return false;
        }
        i += 1;
    }
    true
}

/// The 32-byte name field for `name`, NUL-padded. `name` must satisfy
/// [`is_valid_entry_name`].
#[cfg(not(loom))]
pub(crate) fn encode_name(name: &str) -> [u8; NAME_FIELD_SIZE] {
    debug_assert!(is_valid_entry_name(name));
    let mut field = [0u8; NAME_FIELD_SIZE];
    field[..name.len()].copy_from_slice(name.as_bytes());
    field
}

/// The name stored in a 32-byte name field, or `None` if it has no NUL or is not UTF-8.
#[cfg(not(loom))]
pub(crate) fn decode_name(field: &[u8; NAME_FIELD_SIZE]) -> Option<&str> {
    let end = field.iter().position(|&b| b == 0)?;
    std::str::from_utf8(&field[..end]).ok()
}

pub(crate) const fn unwrap_size(size: Option<usize>) -> usize {
    match size {
        Some(s) => s,
        None => panic!("zeroipc: structure size overflows usize"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The figures below are those of the golden segment in the format's test vectors.

    #[test]
    fn table_of_64_entries_ends_at_3104() {
        assert_eq!(table_size(64), 3104);
        assert_eq!(table_size(u32::MAX), 32 + 48 * u64::from(u32::MAX));
        assert_eq!(table_entry_offset(0), 32);
        assert_eq!(table_entry_offset(7), 368);
    }

    #[test]
    fn array_sizes_match_the_golden_segment() {
        assert_eq!(array_size(1000, 4), 4008);
        assert_eq!(array_size(16, 8), 136);
        assert_eq!(array_size(10, 16), 168);
    }

    #[test]
    fn queue_and_stack_sizes_match_the_golden_segment() {
        assert_eq!(queue_capacity(100), Some(128));
        assert_eq!(ring_size(128, 4), 1040);
        assert_eq!(ring_slots_offset(128, 4), 528);
        assert_eq!(ring_size(64, 8), 784);
        assert_eq!(ring_slots_offset(64, 8), 528);
    }

    #[test]
    fn ring_data_section_is_padded_to_8() {
        // 3 slots of 4 bytes: 12 bytes of data, padded to 16.
        assert_eq!(ring_slots_offset(3, 4), 32);
        assert_eq!(ring_size(3, 4), 44);
    }

    #[test]
    fn sync_sizes_match_the_format() {
        assert_eq!(SEMAPHORE_SIZE, 16);
        assert_eq!(LATCH_SIZE, 16);
        assert_eq!(BARRIER_SIZE, 16);
        assert_eq!(ONCE_SIZE, 4);
        assert_eq!(EVENT_SIZE, 12);
        assert_eq!(RWLOCK_STATE_SIZE, 8);
        assert_eq!(signal_state_size(4), 12);
    }

    #[test]
    fn golden_scenario_offsets_and_next_offset() {
        let sizes = [
            array_size(1000, 4),
            array_size(16, 8),
            array_size(10, 16),
            ring_size(128, 4),
            ring_size(64, 8),
            SEMAPHORE_SIZE,
            LATCH_SIZE,
            BARRIER_SIZE,
        ];
        assert_eq!(
            entry_offsets(64, sizes),
            [3104, 7112, 7248, 7416, 8456, 9240, 9256, 9272]
        );
        assert_eq!(segment_size(64, sizes), 9288);
    }

    #[test]
    fn offsets_are_realigned_after_odd_sizes() {
        assert_eq!(entry_offsets(1, [MARKER_SIZE, 8]), [80, 88]);
        assert_eq!(segment_size(1, [MARKER_SIZE]), 81);
        assert_eq!(segment_size(2, []), 128);
    }

    #[test]
    fn overflow_is_none_in_checked_forms() {
        assert_eq!(checked_array_size(usize::MAX, 2), None);
        assert_eq!(checked_ring_size(usize::MAX / 4, 1), None);
        assert_eq!(checked_align8(usize::MAX), None);
        assert_eq!(queue_capacity(usize::MAX), None);
        assert_eq!(queue_capacity((1 << 32) + 1), None);
    }

    #[test]
    fn the_largest_queue_capacity_is_the_largest_power_of_two_in_a_u32() {
        assert_eq!(queue_capacity(MAX_QUEUE_CAPACITY), Some(MAX_QUEUE_CAPACITY));
        assert_eq!(queue_capacity(MAX_QUEUE_CAPACITY + 1), None);
        assert_eq!(queue_capacity(0), Some(MIN_QUEUE_CAPACITY));
        assert_eq!(queue_capacity(1), Some(MIN_QUEUE_CAPACITY));
        assert_eq!(queue_capacity(3), Some(4));
        assert_eq!(MAX_STACK_CAPACITY, (1 << 31) - 1);
    }

    #[test]
    fn entry_names_are_1_to_31_bytes_without_nul() {
        assert!(is_valid_entry_name("sensor_data"));
        assert!(is_valid_entry_name(&"x".repeat(31)));
        assert!(!is_valid_entry_name(&"x".repeat(32)));
        assert!(!is_valid_entry_name(""));
        assert!(!is_valid_entry_name("a\0b"));
    }

    #[test]
    #[cfg(not(loom))]
    fn names_round_trip_through_the_field() {
        let field = encode_name("events");
        assert_eq!(&field[..7], b"events\0");
        assert!(field[6..].iter().all(|&b| b == 0));
        assert_eq!(decode_name(&field), Some("events"));
        assert_eq!(decode_name(&[b'x'; 32]), None);
        let mut bad = [0u8; 32];
        bad[0] = 0xff;
        assert_eq!(decode_name(&bad), None);
    }
}
