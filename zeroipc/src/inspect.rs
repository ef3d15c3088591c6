//! Read-only inspection of a segment's raw bytes, for tools that look inside segments (the
//! `zeroipc` command uses it).
//!
//! [`Memory::open`](crate::Memory::open) validates a segment and stops at the first problem,
//! which is right for a program that wants to use the segment. A tool that shows a segment
//! wants more: the header and entries as they are, even when they are wrong, and every
//! problem, not just the first. This module gives that, over a byte slice the caller copied
//! out of the segment (a snapshot: it never touches a mapping, so nothing here is `unsafe`).
//!
//! Nothing read here is trusted or used as a pointer: the raw values are reported as they
//! are, and [`RawTable::findings`] applies the rules `Memory::open` applies to the table,
//! in the same order and with the same [`Error`](crate::Error) variants, without stopping
//! at the first. Those rules are the table's own, not a copy: the runtime applies the same
//! code, stopping at the first broken rule, and this module re-exports the table's types
//! ([`RawHeader`], [`RawEntry`], [`RawTable`], [`Rule`], [`Finding`]) for tools.
//! The structure readers ([`RawArrayHeader`], [`RawRingHeader`]) decode a structure's
//! header words; the format stores no types, so what a structure *is* remains a guess for
//! the caller to make.
//!
//! # Examples
//!
//! ```
//! use zeroipc::inspect::RawTable;
//!
//! // A 4 KiB segment image with a table of 2 slots, one entry in use.
//! let mut bytes = vec![0u8; 4096];
//! bytes[0..4].copy_from_slice(&0x5A49_504D_u32.to_le_bytes()); // magic
//! bytes[4..8].copy_from_slice(&2u32.to_le_bytes()); // version
//! bytes[8..12].copy_from_slice(&1u32.to_le_bytes()); // entry_count
//! bytes[12..16].copy_from_slice(&2u32.to_le_bytes()); // max_entries
//! bytes[16..24].copy_from_slice(&4096u64.to_le_bytes()); // memory_size
//! bytes[24..32].copy_from_slice(&164u64.to_le_bytes()); // next_offset
//! bytes[32..37].copy_from_slice(b"temps"); // entry 0: name, offset 128, size 36
//! bytes[64..72].copy_from_slice(&128u64.to_le_bytes());
//! bytes[72..80].copy_from_slice(&36u64.to_le_bytes());
//!
//! let table = RawTable::read(&bytes).expect("32 bytes or more");
//! assert_eq!(table.header.entry_count, 1);
//! assert_eq!(table.entries[0].name(), Some("temps"));
//! assert!(table.findings(4096).is_empty());
//! ```

use crate::layout;
pub use crate::table::{Finding, RawEntry, RawHeader, RawTable, Rule};

/// The header of an array: its element count, unvalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawArrayHeader {
    /// Offset 0x00: the element count.
    pub capacity: u64,
}

impl RawArrayHeader {
    /// Reads the header from the start of a structure's bytes; `None` if there are fewer
    /// than [`ARRAY_HEADER_SIZE`](crate::layout::ARRAY_HEADER_SIZE).
    pub fn read(bytes: &[u8]) -> Option<RawArrayHeader> {
        Some(RawArrayHeader {
            capacity: read_pod(bytes)?,
        })
    }

    /// The element size an array of this capacity in an entry of `entry_size` bytes would
    /// have: `(entry_size - 8) / capacity` when that divides exactly and is not zero.
    pub fn element_size(&self, entry_size: u64) -> Option<u64> {
        let data = entry_size.checked_sub(layout::ARRAY_HEADER_SIZE as u64)?;
        if self.capacity == 0 || data % self.capacity != 0 || data == 0 {
            return None;
        }
        Some(data / self.capacity)
    }
}

/// The four header words of a queue or a stack, unvalidated.
///
/// The two share a size formula but not a header: a queue stores `u32 head, u32 tail,
/// u32 capacity, u32 elem_size`; a stack stores `i32 top, u32 capacity, u32 elem_size,
/// u32 reserved`. [`RawRingHeader::as_queue`] and [`RawRingHeader::as_stack`] read the
/// words both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawRingHeader {
    /// The words at offsets 0x00, 0x04, 0x08 and 0x0C.
    pub words: [u32; 4],
}

/// A queue's header fields, unvalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawQueueHeader {
    /// Offset 0x00: the free-running pop counter.
    pub head: u32,
    /// Offset 0x04: the free-running push counter.
    pub tail: u32,
    /// Offset 0x08: slots; a power of two in a valid queue.
    pub capacity: u32,
    /// Offset 0x0C: bytes per element.
    pub elem_size: u32,
}

/// A stack's header fields, unvalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawStackHeader {
    /// Offset 0x00: index of the top element, −1 when empty.
    pub top: i32,
    /// Offset 0x04: slots.
    pub capacity: u32,
    /// Offset 0x08: bytes per element.
    pub elem_size: u32,
    /// Offset 0x0C: zero.
    pub reserved: u32,
}

impl RawRingHeader {
    /// Reads the header from the start of a structure's bytes; `None` if there are fewer
    /// than [`RING_HEADER_SIZE`](crate::layout::RING_HEADER_SIZE).
    pub fn read(bytes: &[u8]) -> Option<RawRingHeader> {
        Some(RawRingHeader {
            words: read_pod(bytes)?,
        })
    }

    /// The words read as a queue's header.
    pub fn as_queue(&self) -> RawQueueHeader {
        RawQueueHeader {
            head: self.word(layout::fields::QUEUE_HEAD_OFFSET),
            tail: self.word(layout::fields::QUEUE_TAIL_OFFSET),
            capacity: self.word(layout::fields::QUEUE_CAPACITY_OFFSET),
            elem_size: self.word(layout::fields::QUEUE_ELEM_SIZE_OFFSET),
        }
    }

    /// The words read as a stack's header.
    pub fn as_stack(&self) -> RawStackHeader {
        RawStackHeader {
            top: self.word(layout::fields::STACK_TOP_OFFSET) as i32,
            capacity: self.word(layout::fields::STACK_CAPACITY_OFFSET),
            elem_size: self.word(layout::fields::STACK_ELEM_SIZE_OFFSET),
            reserved: self.word(layout::fields::STACK_RESERVED_OFFSET),
        }
    }

    /// The word at byte `offset` of the header (a multiple of 4 below 16).
    fn word(&self, offset: usize) -> u32 {
        self.words[offset / 4]
    }
}

/// The size a queue or stack of `capacity` slots of `elem_size` bytes occupies, and the
/// offset of its per-slot word array: `(16 + align8(capacity * elem_size) + 4 * capacity,
/// 16 + align8(capacity * elem_size))`, or `None` on overflow.
pub fn ring_geometry(capacity: u32, elem_size: u32) -> Option<(u64, u64)> {
    let cap = usize::try_from(capacity).ok()?;
    let elem = usize::try_from(elem_size).ok()?;
    let size = layout::checked_ring_size(cap, elem)?;
    let slots = layout::checked_ring_slots_offset(cap, elem)?;
    Some((size as u64, slots as u64))
}

/// Reads the little-endian words of a small structure (a semaphore, latch, barrier, event,
/// once flag...): one `u32` per 4 bytes of `bytes`, a trailing partial word left out.
pub fn words(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect()
}

// ---- What an entry's bytes could be ------------------------------------------------------

/// How many bytes of an entry [`readings`] looks at: its first words.
pub const BYTES_NEEDED: u64 = 24;

/// One reading of an entry's bytes as one kind of structure.
///
/// The format stores no types: an entry is a name, an offset and a size. A reading is made
/// only where the bytes are consistent with the structure's layout (a queue header whose
/// capacity is a power of two and whose geometry gives exactly the entry's size, and so on),
/// so it is a plausible guess, not a fact; several can fit the same bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reading {
    /// The kind, in `snake_case`: `"array"`, `"queue"`, `"semaphore"`, `"rwlock_state"`...
    pub kind: &'static str,
    /// One line, for people.
    pub description: String,
    /// Element count (arrays) or slot count (queues, stacks).
    pub capacity: Option<u64>,
    /// Bytes per element (a map's key).
    pub elem_size: Option<u64>,
    /// Bytes per value, for a map.
    pub value_size: Option<u64>,
    /// Elements a queue or stack holds now.
    pub items: Option<u64>,
    /// What in the bytes does not fit the layout, if anything.
    pub inconsistent: Option<String>,
}

impl Reading {
    pub(crate) fn new(kind: &'static str, description: String) -> Reading {
        Reading {
            kind,
            description,
            capacity: None,
            elem_size: None,
            value_size: None,
            items: None,
            inconsistent: None,
        }
    }
}

/// The names of a table's entries, sorted, for the readings that look at an entry's
/// neighbours (a composite structure's parts) without a scan per entry.
#[derive(Clone, Debug, Default)]
pub struct Names(Vec<String>);

impl Names {
    /// The names, in any order.
    pub fn new(mut names: Vec<String>) -> Names {
        names.sort_unstable();
        Names(names)
    }

    /// Whether `name` is one of them.
    pub fn contains(&self, name: &str) -> bool {
        self.0.binary_search_by(|n| n.as_str().cmp(name)).is_ok()
    }

    /// The suffixes of the names that start with `prefix`, the first `limit` of them.
    pub fn suffixes<'a>(&'a self, prefix: &'a str, limit: usize) -> Vec<&'a str> {
        let from = self.0.partition_point(|n| n.as_str() < prefix);
        self.0[from..]
            .iter()
            .map_while(|n| n.strip_prefix(prefix))
            .take(limit)
            .collect()
    }
}

/// An entry as one structure's reading sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe<'a> {
    /// The entry's name.
    pub(crate) name: &'a str,
    /// The entry's size.
    pub(crate) size: u64,
    /// Its first bytes: at least `min(size, BYTES_NEEDED)` of them.
    pub(crate) head: &'a [u8],
    /// The names of every entry in the table.
    pub(crate) names: &'a Names,
}

/// Every structure's reading of the entry `name` of `size` bytes, whose first bytes are
/// `head` (up to [`BYTES_NEEDED`]), in a table holding `names`: most plausible first (a
/// reading whose kind the name hints at, such as `lock` for a mutex, before the others).
/// Empty when `head` is shorter than `min(size, BYTES_NEEDED)` or nothing fits.
pub fn readings(name: &str, size: u64, head: &[u8], names: &Names) -> Vec<Reading> {
    if (head.len() as u64) < size.min(BYTES_NEEDED) {
        return Vec::new();
    }
    // The schema entry is the schema, whatever else its bytes could be.
    if name == crate::schema::ENTRY_NAME {
        return crate::schema::reading(size, head).into_iter().collect();
    }
    let probe = Probe {
        name,
        size,
        head,
        names,
    };
    let lower = name.to_ascii_lowercase();
    let mut found: Vec<(bool, Reading)> = crate::structures::STRUCTURES
        .iter()
        .filter_map(|s| {
            let hinted = s.hints.iter().any(|h| lower.contains(h));
            Some((hinted, (s.read)(&probe)?))
        })
        .collect();
    // Stable: hinted kinds first, the rest in the registry's order.
    found.sort_by_key(|(hinted, _)| !hinted);
    found.into_iter().map(|(_, r)| r).collect()
}

/// Every structure's reading of the entry `name` of an open segment, as [`readings`] gives
/// them for its first bytes (copied out now): for any entry of any segment, a read-only one
/// included, what it could be and what state it is in (a semaphore's count, a latch's, a
/// queue's length...).
///
/// # Errors
///
/// [`Error::NotFound`](crate::Error::NotFound), or a validation error if the table is
/// corrupt.
///
/// # Examples
///
/// ```
/// use zeroipc::{inspect, Memory, Semaphore};
/// # let name = format!("/zeroipc_doc_inspect_read_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// Semaphore::create(&mem, "slots", 3, 8)?;
///
/// let seen = Memory::options().read_only(true).open(&name)?;
/// let readings = inspect::read(&seen, "slots")?;
/// assert!(readings.iter().any(|r| r.kind == "semaphore"));
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
pub fn read(mem: &crate::Memory, name: &str) -> crate::Result<Vec<Reading>> {
    let entry = mem.find(name)?;
    let names = Names::new(mem.entries()?.map(|e| e.name().to_owned()).collect());
    let head: Vec<u8> = (0..entry.size().min(BYTES_NEEDED))
        .map_while(|i| mem.region().read::<u8>(entry.offset() + i))
        .collect();
    Ok(readings(name, entry.size(), &head, &names))
}

/// Opens the entry `name` of `mem` as the structure `reading` names, with the runtime's own
/// `open` (for a structure of elements, with a stand-in element type of the reading's
/// element size): what it finds (`Ok`, one line) or the error (`Err`, one line). `None`
/// where the crate has no `open` for that kind, or no stand-in type of that size.
///
/// The check only validates and reads, so it works on a segment opened read-only too.
pub fn check(mem: &crate::Memory, name: &str, reading: &Reading) -> Option<Result<String, String>> {
    let structure = crate::structures::STRUCTURES
        .iter()
        .find(|s| s.kind == reading.kind)?;
    (structure.check?)(&mem.for_reading(), name, reading)
}

/// Copies a `T` out of the start of `bytes`, whatever the slice's alignment; `None` if it
/// does not fit.
fn read_pod<T: bytemuck::Pod>(bytes: &[u8]) -> Option<T> {
    bytes
        .get(..size_of::<T>())
        .map(bytemuck::pod_read_unaligned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_headers_read_both_ways() {
        let mut s = [0u8; 16];
        s[0..4].copy_from_slice(&19i32.to_le_bytes());
        s[4..8].copy_from_slice(&64u32.to_le_bytes());
        s[8..12].copy_from_slice(&8u32.to_le_bytes());
        let r = RawRingHeader::read(&s).unwrap();
        assert_eq!(r.as_stack().top, 19);
        assert_eq!(r.as_stack().capacity, 64);
        assert_eq!(r.as_queue().capacity, 8);
        assert_eq!(ring_geometry(64, 8), Some((784, 528)));
        assert_eq!(ring_geometry(u32::MAX, u32::MAX), None);
        let a = RawArrayHeader::read(&1000u64.to_le_bytes()).unwrap();
        assert_eq!(a.element_size(4008), Some(4));
        assert_eq!(a.element_size(4009), None);
        assert_eq!(RawArrayHeader { capacity: 0 }.element_size(8), None);
        assert_eq!(words(&[1, 0, 0, 0, 2, 0, 0, 0, 9]), [1, 2]);
    }
}
