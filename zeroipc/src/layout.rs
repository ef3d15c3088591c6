//! The byte arithmetic of format v2, in one place.
//!
//! Every offset and size the crate, the `#[zeroipc::segment]` macro's output and the tests
//! use comes from these `const fn`s, so a declared segment is laid out by exactly the code
//! that lays out one built at run time. The numbers follow the format's facts: all integers
//! little-endian, every structure and every section inside one starting 8-aligned.
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

/// [`align8`], or `None` on overflow.
pub const fn checked_align8(n: usize) -> Option<usize> {
    match n.checked_add(7) {
        Some(v) => Some(v & !7),
        None => None,
    }
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

// ---- Array ---------------------------------------------------------------------------------

/// Size of an array's header: `u64 capacity`.
pub const ARRAY_HEADER_SIZE: usize = 8;

/// Size of an array of `capacity` elements of `elem_size` bytes: `8 + capacity * elem_size`.
pub const fn array_size(capacity: usize, elem_size: usize) -> usize {
    unwrap_size(checked_array_size(capacity, elem_size))
}

/// [`array_size`], or `None` on overflow.
pub const fn checked_array_size(capacity: usize, elem_size: usize) -> Option<usize> {
    match capacity.checked_mul(elem_size) {
        Some(data) => data.checked_add(ARRAY_HEADER_SIZE),
        None => None,
    }
}

// ---- Queue and Stack -----------------------------------------------------------------------

/// Size of a queue's or stack's header (four 32-bit words); the data starts here.
pub const RING_HEADER_SIZE: usize = 16;

/// Offset, within a queue or stack, of the per-slot word array (sequence numbers or slot
/// states): `16 + align8(capacity * elem_size)`.
pub const fn ring_slots_offset(capacity: usize, elem_size: usize) -> usize {
    unwrap_size(checked_ring_slots_offset(capacity, elem_size))
}

/// [`ring_slots_offset`], or `None` on overflow.
pub const fn checked_ring_slots_offset(capacity: usize, elem_size: usize) -> Option<usize> {
    let Some(data) = capacity.checked_mul(elem_size) else {
        return None;
    };
    let Some(data) = checked_align8(data) else {
        return None;
    };
    data.checked_add(RING_HEADER_SIZE)
}

/// Size of a queue or a stack (a ring, both): `16 + align8(capacity * elem_size) + 4 * capacity`.
pub const fn ring_size(capacity: usize, elem_size: usize) -> usize {
    unwrap_size(checked_ring_size(capacity, elem_size))
}

/// [`ring_size`], or `None` on overflow.
pub const fn checked_ring_size(capacity: usize, elem_size: usize) -> Option<usize> {
    let Some(slots) = checked_ring_slots_offset(capacity, elem_size) else {
        return None;
    };
    let Some(words) = capacity.checked_mul(4) else {
        return None;
    };
    slots.checked_add(words)
}

/// The capacity a queue created with `requested` slots stores: the next power of two, and
/// at least [`MIN_QUEUE_CAPACITY`]; `None` above [`MAX_QUEUE_CAPACITY`].
///
/// ```
/// assert_eq!(zeroipc::layout::queue_capacity(100), Some(128));
/// assert_eq!(zeroipc::layout::queue_capacity(128), Some(128));
/// assert_eq!(zeroipc::layout::queue_capacity(1), Some(2));
/// ```
pub const fn queue_capacity(requested: usize) -> Option<usize> {
    if requested <= MIN_QUEUE_CAPACITY {
        return Some(MIN_QUEUE_CAPACITY);
    }
    match requested.checked_next_power_of_two() {
        Some(c) if c <= MAX_QUEUE_CAPACITY => Some(c),
        _ => None,
    }
}

/// The smallest queue capacity. With one slot, the sequence number a consumer leaves
/// (`position + capacity`) equals the one a producer leaves (`position + 1`), so a full
/// queue could not be told from an empty one.
pub const MIN_QUEUE_CAPACITY: usize = 2;

/// The largest queue capacity: counters are `u32`, and positions are compared through a
/// signed 32-bit difference, which must tell "ahead" from "behind" across the whole ring.
pub const MAX_QUEUE_CAPACITY: usize = 1 << 31;

/// The largest stack capacity: `top` is an `i32`.
pub const MAX_STACK_CAPACITY: usize = i32::MAX as usize;

/// Offset of a queue's `u32 head` (the next position to pop).
pub const QUEUE_HEAD_OFFSET: usize = 0x00;
/// Offset of a queue's `u32 tail` (the next position to push).
pub const QUEUE_TAIL_OFFSET: usize = 0x04;
/// Offset of a queue's `u32 capacity`.
pub const QUEUE_CAPACITY_OFFSET: usize = 0x08;
/// Offset of a queue's `u32 elem_size`.
pub const QUEUE_ELEM_SIZE_OFFSET: usize = 0x0C;
/// Offset of a stack's `i32 top` (index of the top element, -1 when empty).
pub const STACK_TOP_OFFSET: usize = 0x00;
/// Offset of a stack's `u32 capacity`.
pub const STACK_CAPACITY_OFFSET: usize = 0x04;
/// Offset of a stack's `u32 elem_size`.
pub const STACK_ELEM_SIZE_OFFSET: usize = 0x08;
/// Offset of a stack's `u32 reserved` (zero).
pub const STACK_RESERVED_OFFSET: usize = 0x0C;

// ---- Synchronisation primitives ------------------------------------------------------------

/// Size of a semaphore (and so of a mutex): `i32 count, i32 waiting, i32 max_count, i32 pad`.
pub const SEMAPHORE_SIZE: usize = 16;
/// Size of a mutex: a semaphore of count 1 and maximum 1.
pub const MUTEX_SIZE: usize = SEMAPHORE_SIZE;
/// Size of a barrier: `i32 arrived, i32 generation, i32 num_participants, i32 pad`.
pub const BARRIER_SIZE: usize = 16;
/// Size of a latch: `i32 count, i32 initial_count, [i32; 2] pad`.
pub const LATCH_SIZE: usize = 16;
/// Size of a once flag: `u32 state`.
pub const ONCE_SIZE: usize = 4;
/// Size of an event's own entry: `u32 signaled, u32 mode, u32 waiting`.
pub const EVENT_SIZE: usize = 12;
/// Size of a read-write lock's state entry: `i32 readers, i32 writer_active`.
pub const RWLOCK_STATE_SIZE: usize = 8;
/// Size of a monitor's waiter count entry: `u32`.
pub const MONITOR_COUNT_SIZE: usize = 4;
/// Size of the marker entry that composite structures write last.
pub const MARKER_SIZE: usize = 1;
/// Offset of a signal's value within its state entry, after the `u64 version`.
pub const SIGNAL_VALUE_OFFSET: usize = 8;

/// Offset of a semaphore's `i32 count` (permits free now).
pub const SEMAPHORE_COUNT_OFFSET: usize = 0x00;
/// Offset of a semaphore's `i32 waiting` (processes and threads waiting for a permit).
pub const SEMAPHORE_WAITING_OFFSET: usize = 0x04;
/// Offset of a semaphore's `i32 max_count` (0: unbounded).
pub const SEMAPHORE_MAX_COUNT_OFFSET: usize = 0x08;
/// Offset of a barrier's `i32 arrived` (participants waiting in this generation).
pub const BARRIER_ARRIVED_OFFSET: usize = 0x00;
/// Offset of a barrier's `i32 generation` (times the barrier has opened, wrapping).
pub const BARRIER_GENERATION_OFFSET: usize = 0x04;
/// Offset of a barrier's `i32 num_participants`.
pub const BARRIER_PARTICIPANTS_OFFSET: usize = 0x08;
/// Offset of a latch's `i32 count` (counts down to 0 and stays there).
pub const LATCH_COUNT_OFFSET: usize = 0x00;
/// Offset of a latch's `i32 initial_count`.
pub const LATCH_INITIAL_COUNT_OFFSET: usize = 0x04;
/// Offset of a once flag's `u32 state`.
pub const ONCE_STATE_OFFSET: usize = 0x00;
/// A once flag's state before anyone has run its function.
pub const ONCE_PENDING: u32 = 0;
/// A once flag's state while one process runs its function.
pub const ONCE_RUNNING: u32 = 1;
/// A once flag's state once its function has completed.
pub const ONCE_DONE: u32 = 2;

/// Size this crate records for a signal's state entry: `8 + size_of::<T>()`. (Another
/// implementation records `align8` of that; both are accepted when opening.)
pub const fn signal_state_size(elem_size: usize) -> usize {
    unwrap_size(SIGNAL_VALUE_OFFSET.checked_add(elem_size))
}

/// Suffix of an event's semaphore entry.
pub const EVENT_SEM_SUFFIX: &str = "_sem";
/// Suffix of a read-write lock's state entry.
pub const RWLOCK_STATE_SUFFIX: &str = "_state";
/// Suffix of a read-write lock's reader mutex entry.
pub const RWLOCK_READ_MUTEX_SUFFIX: &str = "_rmtx";
/// Suffix of a read-write lock's writer mutex entry.
pub const RWLOCK_WRITE_MUTEX_SUFFIX: &str = "_wmtx";
/// Suffix of a monitor's mutex entry.
pub const MONITOR_MUTEX_SUFFIX: &str = "_mtx";
/// Suffix of a monitor's condition semaphore entry.
pub const MONITOR_COND_SUFFIX: &str = "_cond";
/// Suffix of a monitor's waiter count entry.
pub const MONITOR_COUNT_SUFFIX: &str = "_count";
/// Suffix of a signal's state entry.
pub const SIGNAL_STATE_SUFFIX: &str = "_state";
/// Suffix of a signal's writer mutex entry.
pub const SIGNAL_MUTEX_SUFFIX: &str = "_mtx";

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

const fn unwrap_size(size: Option<usize>) -> usize {
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
