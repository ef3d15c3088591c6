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
//! in the same order and with the same [`Error`] variants, without stopping at the first.
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

use crate::error::Error;
use crate::layout::{self, MAGIC, NAME_FIELD_SIZE, TABLE_ENTRY_SIZE, TABLE_HEADER_SIZE, VERSION};
use crate::table::{TableEntry, TableHeader};

/// The table header's fields as stored, unvalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawHeader {
    /// Offset 0x00: should be [`MAGIC`]; zero while unpublished.
    pub magic: u32,
    /// Offset 0x04: should be [`VERSION`].
    pub version: u32,
    /// Offset 0x08: entries in use.
    pub entry_count: u32,
    /// Offset 0x0C: entry slots in the table.
    pub max_entries: u32,
    /// Offset 0x10: the size of the segment, as its creator recorded it.
    pub memory_size: u64,
    /// Offset 0x18: where the next structure may start.
    pub next_offset: u64,
}

impl RawHeader {
    /// Reads the header from the first 32 bytes of `bytes`; `None` if there are fewer.
    pub fn read(bytes: &[u8]) -> Option<RawHeader> {
        let raw: TableHeader = read_pod(bytes, 0)?;
        Some(raw.into())
    }

    /// Where the table ends, as the header describes it: `32 + 48 * max_entries`.
    pub fn table_end(&self) -> u64 {
        layout::table_size_u64(self.max_entries)
    }

    /// The number of entries a reader looks at: `entry_count`, but never more than there
    /// are slots.
    pub fn entries_in_use(&self) -> u32 {
        self.entry_count.min(self.max_entries)
    }

    /// How many bytes from the segment's start hold the header and the entries in use: what
    /// a caller must copy for [`RawTable::read`] to see every entry.
    pub fn bytes_in_use(&self) -> u64 {
        TABLE_HEADER_SIZE as u64 + TABLE_ENTRY_SIZE as u64 * u64::from(self.entries_in_use())
    }
}

/// A table entry as stored, unvalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEntry {
    /// The entry's index in the table.
    pub index: u32,
    /// The 32-byte name field, as stored.
    pub name_field: [u8; NAME_FIELD_SIZE],
    /// Offset of the structure from the segment start.
    pub offset: u64,
    /// Size of the structure in bytes.
    pub size: u64,
}

impl RawEntry {
    /// The name, if the field holds NUL-terminated UTF-8 (what a valid entry holds).
    pub fn name(&self) -> Option<&str> {
        layout::decode_name(&self.name_field)
    }

    /// The name for display: the bytes before the first NUL (all 32 if there is none), with
    /// anything that is not UTF-8 replaced.
    pub fn name_lossy(&self) -> String {
        let end = self
            .name_field
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(NAME_FIELD_SIZE);
        String::from_utf8_lossy(&self.name_field[..end]).into_owned()
    }

    /// One past the structure's last byte, or `None` if `offset + size` overflows.
    pub fn end(&self) -> Option<u64> {
        self.offset.checked_add(self.size)
    }
}

/// A segment's table as stored: its header and the entries in use, unvalidated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawTable {
    /// The header.
    pub header: RawHeader,
    /// The entries in use (`min(entry_count, max_entries)` of them) whose bytes were in the
    /// slice read, in table order.
    pub entries: Vec<RawEntry>,
    /// Entries in use whose bytes lay past the end of the slice read.
    pub missing_entries: u32,
}

impl RawTable {
    /// Reads the header and the entries in use from the start of a segment's bytes.
    ///
    /// `bytes` is a copy of the segment's start; it need not be the whole segment, only the
    /// first [`RawHeader::bytes_in_use`] bytes for every entry to be read. Entries past the
    /// end of `bytes` are counted in `missing_entries`. Returns `None` if `bytes` is shorter
    /// than the 32-byte header. Reads no more entries than fit in `bytes`, whatever the
    /// header claims.
    pub fn read(bytes: &[u8]) -> Option<RawTable> {
        let header = RawHeader::read(bytes)?;
        let in_use = header.entries_in_use();
        let fit = (bytes.len() - TABLE_HEADER_SIZE) / TABLE_ENTRY_SIZE;
        let readable = u32::try_from(fit).unwrap_or(u32::MAX).min(in_use);
        let entries = (0..readable)
            .map(|index| {
                let raw: TableEntry = read_pod(bytes, layout::table_entry_offset(index))
                    .unwrap_or_else(|| unreachable!("entries below `fit` lie in the slice"));
                RawEntry::from_table_entry(index, &raw)
            })
            .collect();
        Some(RawTable {
            header,
            entries,
            missing_entries: in_use - readable,
        })
    }

    /// Every problem [`Memory::open`](crate::Memory::open) would find in this table, in the
    /// order it looks for them, each as the [`Error`] it would return.
    ///
    /// `segment_size` is the segment's real size (from the operating system). Where
    /// `Memory::open` stops at the first problem, this goes on as far as the rest still
    /// means something: past a wrong magic number, a version it does not read, or a segment
    /// smaller than a header, nothing else is looked at. Two differences: a zero magic
    /// (an unpublished segment, which `open` waits for and then reports as
    /// [`Error::NotReady`]) is reported as [`Error::BadMagic`] with `found: 0`; and entries
    /// are checked against the smaller of `memory_size` and `segment_size`. Entries in use
    /// that were not in the bytes read are not checked (see [`RawTable::missing_entries`]).
    ///
    /// An empty list means the table is sound. The structures the entries hold are not
    /// looked at: their types are not stored, so only an `open` that names a type can check
    /// them.
    pub fn findings(&self, segment_size: u64) -> Vec<Finding> {
        let mut out = self.header.findings(segment_size);
        if out
            .iter()
            .any(|f| matches!(f.rule, Rule::Magic | Rule::Version))
        {
            return out;
        }
        let h = &self.header;
        let table_end = h.table_end();
        let limit = h.memory_size.min(segment_size);
        for e in &self.entries {
            check_entry(e, limit, table_end, &mut out);
        }
        check_overlaps(&self.entries, &mut out);
        let used = self
            .entries
            .iter()
            .filter_map(RawEntry::end)
            .max()
            .unwrap_or(table_end);
        let next = h.next_offset;
        if next < table_end || next > limit || next < used {
            out.push(Finding::table(
                Rule::NextOffset,
                Error::BadNextOffset { next_offset: next },
            ));
        }
        out
    }
}

impl RawHeader {
    /// The problems [`Memory::open`](crate::Memory::open) would find in this header alone,
    /// before it reads any entry (the rules from [`Rule::Magic`] to [`Rule::MemorySize`]),
    /// in the order it looks for them. `segment_size` is the segment's real size. A wrong
    /// magic or version ends the list: nothing after them means anything.
    pub fn findings(&self, segment_size: u64) -> Vec<Finding> {
        let mut out = Vec::new();
        let h = self;
        if h.magic != MAGIC {
            out.push(Finding::table(
                Rule::Magic,
                Error::BadMagic { found: h.magic },
            ));
            return out;
        }
        if h.version != VERSION {
            out.push(Finding::table(
                Rule::Version,
                Error::UnsupportedVersion { found: h.version },
            ));
            return out;
        }
        let table_end = h.table_end();
        if table_end > segment_size {
            out.push(Finding::table(
                Rule::TableFits,
                Error::TableTooLarge {
                    table_size: table_end,
                    segment_size,
                },
            ));
        }
        if h.entry_count > h.max_entries {
            out.push(Finding::table(
                Rule::EntryCount,
                Error::TooManyEntries {
                    entry_count: h.entry_count,
                    max_entries: h.max_entries,
                },
            ));
        }
        if h.memory_size > segment_size {
            out.push(Finding::table(
                Rule::MemorySize,
                Error::SizeMismatch {
                    header: h.memory_size,
                    actual: segment_size,
                },
            ));
        }
        if table_end <= segment_size && table_end > h.memory_size {
            out.push(Finding::table(
                Rule::TableFits,
                Error::TableTooLarge {
                    table_size: table_end,
                    segment_size: h.memory_size,
                },
            ));
        }
        out
    }
}

impl From<TableHeader> for RawHeader {
    fn from(raw: TableHeader) -> RawHeader {
        RawHeader {
            magic: raw.magic,
            version: raw.version,
            entry_count: raw.entry_count,
            max_entries: raw.max_entries,
            memory_size: raw.memory_size,
            next_offset: raw.next_offset,
        }
    }
}

impl RawEntry {
    pub(crate) fn from_table_entry(index: u32, raw: &TableEntry) -> RawEntry {
        RawEntry {
            index,
            name_field: raw.name,
            offset: raw.offset,
            size: raw.size,
        }
    }
}

fn check_entry(e: &RawEntry, limit: u64, table_end: u64, out: &mut Vec<Finding>) {
    if e.name().is_none() {
        out.push(Finding::entry(
            Rule::EntryName,
            e.index,
            Error::BadEntryName { index: e.index },
        ));
    }
    if !matches!(e.end(), Some(end) if end <= limit) {
        out.push(Finding::entry(
            Rule::EntryBounds,
            e.index,
            Error::EntryOutOfBounds {
                name: e.name_lossy(),
                offset: e.offset,
                size: e.size,
                segment_size: limit,
            },
        ));
    }
    if e.offset % 8 != 0 {
        out.push(Finding::entry(
            Rule::EntryAlignment,
            e.index,
            Error::MisalignedEntry {
                name: e.name_lossy(),
                offset: e.offset,
            },
        ));
    }
    if e.offset < table_end {
        out.push(Finding::entry(
            Rule::EntryInTable,
            e.index,
            Error::EntryInTable {
                name: e.name_lossy(),
                offset: e.offset,
                table_end,
            },
        ));
    }
}

/// Sweeps the entries by offset, as `Memory::open` does, and reports each entry that starts
/// before the furthest end seen so far (zero-sized entries hold no bytes and overlap
/// nothing; entries whose end overflows are reported by the bounds rule instead).
fn check_overlaps(entries: &[RawEntry], out: &mut Vec<Finding>) {
    let mut by_offset: Vec<(&RawEntry, u64)> = entries
        .iter()
        .filter(|e| e.size > 0)
        .filter_map(|e| Some((e, e.end()?)))
        .collect();
    by_offset.sort_by_key(|(e, _)| (e.offset, e.size));
    let mut furthest: Option<(&RawEntry, u64)> = None;
    for &(e, end) in &by_offset {
        if let Some((first, first_end)) = furthest {
            if first_end > e.offset {
                out.push(Finding {
                    rule: Rule::Overlap,
                    entries: vec![first.index, e.index],
                    error: Error::OverlappingEntries {
                        first: first.name_lossy(),
                        second: e.name_lossy(),
                    },
                });
            }
        }
        match furthest {
            Some((_, f)) if f >= end => {}
            _ => furthest = Some((e, end)),
        }
    }
}

/// One rule of the table's validation at open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// The segment starts with the format's magic number.
    Magic,
    /// The format version is the one this crate reads.
    Version,
    /// The table (`32 + 48 * max_entries` bytes) fits in the segment and in `memory_size`.
    TableFits,
    /// `entry_count` is at most `max_entries`.
    EntryCount,
    /// `memory_size` is at most the segment's real size.
    MemorySize,
    /// An entry's name is NUL-terminated UTF-8.
    EntryName,
    /// An entry lies within the segment.
    EntryBounds,
    /// An entry's offset is a multiple of 8.
    EntryAlignment,
    /// An entry starts past the table.
    EntryInTable,
    /// No two entries share bytes.
    Overlap,
    /// `next_offset` is past the table and every entry, and within the segment.
    NextOffset,
}

impl Rule {
    /// Every rule, in the order `Memory::open` applies them.
    pub const ALL: [Rule; 11] = [
        Rule::Magic,
        Rule::Version,
        Rule::TableFits,
        Rule::EntryCount,
        Rule::MemorySize,
        Rule::EntryName,
        Rule::EntryBounds,
        Rule::EntryAlignment,
        Rule::EntryInTable,
        Rule::Overlap,
        Rule::NextOffset,
    ];

    /// Whether the rule is checked once per entry.
    pub fn per_entry(self) -> bool {
        matches!(
            self,
            Rule::EntryName | Rule::EntryBounds | Rule::EntryAlignment | Rule::EntryInTable
        )
    }

    /// What the rule requires, in a few words.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::Magic => "magic number is 0x5a49504d",
            Rule::Version => "format version is 2",
            Rule::TableFits => "table fits in the segment",
            Rule::EntryCount => "entry_count is at most max_entries",
            Rule::MemorySize => "memory_size is at most the segment's real size",
            Rule::EntryName => "name is NUL-terminated UTF-8",
            Rule::EntryBounds => "lies within the segment",
            Rule::EntryAlignment => "offset is a multiple of 8",
            Rule::EntryInTable => "starts past the table",
            Rule::Overlap => "no two entries overlap",
            Rule::NextOffset => "next_offset is past the table and every entry, within the segment",
        }
    }
}

/// A problem found in a table: the rule broken, the entries concerned, and the error
/// `Memory::open` returns for it.
#[derive(Debug)]
pub struct Finding {
    /// The rule broken.
    pub rule: Rule,
    /// Indices of the entries concerned (none for a header rule, two for an overlap).
    pub entries: Vec<u32>,
    /// The error, as `Memory::open` reports it.
    pub error: Error,
}

impl Finding {
    fn table(rule: Rule, error: Error) -> Finding {
        Finding {
            rule,
            entries: Vec::new(),
            error,
        }
    }

    fn entry(rule: Rule, index: u32, error: Error) -> Finding {
        Finding {
            rule,
            entries: vec![index],
            error,
        }
    }
}

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
            capacity: read_pod(bytes, 0)?,
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
            words: read_pod(bytes, 0)?,
        })
    }

    /// The words read as a queue's header.
    pub fn as_queue(&self) -> RawQueueHeader {
        RawQueueHeader {
            head: self.word(layout::QUEUE_HEAD_OFFSET),
            tail: self.word(layout::QUEUE_TAIL_OFFSET),
            capacity: self.word(layout::QUEUE_CAPACITY_OFFSET),
            elem_size: self.word(layout::QUEUE_ELEM_SIZE_OFFSET),
        }
    }

    /// The words read as a stack's header.
    pub fn as_stack(&self) -> RawStackHeader {
        RawStackHeader {
            top: self.word(layout::STACK_TOP_OFFSET) as i32,
            capacity: self.word(layout::STACK_CAPACITY_OFFSET),
            elem_size: self.word(layout::STACK_ELEM_SIZE_OFFSET),
            reserved: self.word(layout::STACK_RESERVED_OFFSET),
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

/// Copies a `T` out of `bytes` at `at`, whatever the slice's alignment; `None` if it does not
/// fit.
fn read_pod<T: bytemuck::Pod>(bytes: &[u8], at: usize) -> Option<T> {
    let end = at.checked_add(size_of::<T>())?;
    let src = bytes.get(at..end)?;
    let mut value = T::zeroed();
    bytemuck::bytes_of_mut(&mut value).copy_from_slice(src);
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An image with a table of `max` slots and the given `(name, offset, size)` entries.
    fn image(size: usize, max: u32, entries: &[(&str, u64, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; size];
        let table_end = layout::table_size_u64(max);
        let next = entries
            .iter()
            .map(|&(_, o, s)| o + s)
            .max()
            .unwrap_or(table_end);
        b[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        b[4..8].copy_from_slice(&VERSION.to_le_bytes());
        b[8..12].copy_from_slice(&(entries.len() as u32).to_le_bytes());
        b[12..16].copy_from_slice(&max.to_le_bytes());
        b[16..24].copy_from_slice(&(size as u64).to_le_bytes());
        b[24..32].copy_from_slice(&next.to_le_bytes());
        for (i, &(name, offset, len)) in entries.iter().enumerate() {
            let at = layout::table_entry_offset(i as u32);
            b[at..at + name.len()].copy_from_slice(name.as_bytes());
            b[at + 32..at + 40].copy_from_slice(&offset.to_le_bytes());
            b[at + 40..at + 48].copy_from_slice(&len.to_le_bytes());
        }
        b
    }

    fn rules(b: &[u8]) -> Vec<(Rule, Vec<u32>)> {
        RawTable::read(b)
            .unwrap()
            .findings(b.len() as u64)
            .into_iter()
            .map(|f| (f.rule, f.entries))
            .collect()
    }

    #[test]
    fn a_sound_table_has_no_findings() {
        let b = image(4096, 4, &[("a", 224, 16), ("b", 240, 8)]);
        let t = RawTable::read(&b).unwrap();
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[1].name(), Some("b"));
        assert_eq!(t.entries[1].end(), Some(248));
        assert_eq!(t.header.table_end(), 224);
        assert!(rules(&b).is_empty());
    }

    #[test]
    fn fewer_than_32_bytes_is_no_table() {
        assert!(RawTable::read(&[0u8; 31]).is_none());
    }

    #[test]
    fn a_bad_magic_stops_the_findings() {
        let mut b = image(4096, 4, &[("a", 224, 16)]);
        b[0] = 0;
        b[8] = 99; // would be TooManyEntries, but nothing past the magic means anything
        let f = RawTable::read(&b).unwrap().findings(4096);
        assert_eq!(f.len(), 1);
        assert!(matches!(f[0].error, Error::BadMagic { .. }));
    }

    #[test]
    fn every_problem_is_reported_not_just_the_first() {
        // "a" misaligned and in the table; "b" past the end; "c" overlapping "d".
        let mut b = image(
            1024,
            4,
            &[
                ("a", 100, 8),
                ("b", 1000, 100),
                ("c", 400, 64),
                ("d", 432, 8),
            ],
        );
        b[24..32].copy_from_slice(&500u64.to_le_bytes());
        let found = rules(&b);
        assert_eq!(
            found,
            [
                (Rule::EntryAlignment, vec![0]),
                (Rule::EntryInTable, vec![0]),
                (Rule::EntryBounds, vec![1]),
                (Rule::Overlap, vec![2, 3]),
                (Rule::NextOffset, vec![]),
            ]
        );
    }

    #[test]
    fn an_entry_inside_a_large_one_overlaps_even_past_a_neighbour() {
        let b = image(4096, 4, &[("big", 224, 400), ("x", 240, 8), ("y", 304, 8)]);
        let found = rules(&b);
        assert_eq!(
            found,
            [(Rule::Overlap, vec![0, 1]), (Rule::Overlap, vec![0, 2])]
        );
    }

    #[test]
    fn header_rules_are_reported_with_the_runtime_errors() {
        let mut b = image(4096, 4, &[]);
        b[8..12].copy_from_slice(&5u32.to_le_bytes());
        b[16..24].copy_from_slice(&8192u64.to_le_bytes());
        let f = RawTable::read(&b).unwrap().findings(4096);
        assert!(matches!(
            f[0].error,
            Error::TooManyEntries {
                entry_count: 5,
                max_entries: 4
            }
        ));
        assert!(matches!(
            f[1].error,
            Error::SizeMismatch {
                header: 8192,
                actual: 4096
            }
        ));
    }

    #[test]
    fn entries_past_the_bytes_read_are_counted_missing() {
        let b = image(4096, 4, &[("a", 224, 8), ("b", 232, 8)]);
        let t = RawTable::read(&b[..100]).unwrap();
        assert_eq!(t.entries.len(), 1);
        assert_eq!(t.missing_entries, 1);
        assert_eq!(t.header.bytes_in_use(), 128);
    }

    #[test]
    fn names_without_nul_are_shown_lossily_and_found_bad() {
        let mut b = image(4096, 4, &[("a", 224, 8)]);
        b[32..64].fill(b'x');
        b[33] = 0xff;
        let t = RawTable::read(&b).unwrap();
        assert_eq!(t.entries[0].name(), None);
        assert_eq!(t.entries[0].name_lossy().chars().count(), 32);
        assert_eq!(rules(&b), [(Rule::EntryName, vec![0])]);
    }

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
