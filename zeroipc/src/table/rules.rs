//! The rules a table must keep, over the table as stored (unvalidated), and the two ways of
//! applying them: stop at the first broken one (what [`Memory::open`](crate::Memory::open)
//! and every later read of the table do), or note every broken one and go on (what a tool
//! that shows a damaged segment wants, through [`crate::inspect`]).
//!
//! The rules are written once, in [`RawTable::apply`] and [`RawHeader::apply`]; the two
//! uses differ only in the [`Verdict`] they pass. A broken rule costs nothing until its
//! error is wanted: the error (which may copy an entry's name) is made by a closure, and the
//! first-broken verdict calls it once and stops.
//!
//! Nothing here touches a mapping: the values are copies, so nothing here is `unsafe`.

use std::ops::ControlFlow;

use crate::error::{Error, Result};
use crate::layout::{self, MAGIC, NAME_FIELD_SIZE, TABLE_ENTRY_SIZE, TABLE_HEADER_SIZE, VERSION};

use super::{TableEntry, TableHeader};

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
        layout::table_size(self.max_entries)
    }

    /// The number of entries a reader looks at: `entry_count`, but never more than there
    /// are slots.
    pub(crate) fn entries_in_use(&self) -> u32 {
        self.entry_count.min(self.max_entries)
    }

    /// How many bytes from the segment's start hold the header and the entries in use: what
    /// a caller must copy for [`RawTable::read`] to see every entry.
    pub fn bytes_in_use(&self) -> u64 {
        TABLE_HEADER_SIZE as u64 + TABLE_ENTRY_SIZE as u64 * u64::from(self.entries_in_use())
    }

    /// The header's rules alone ([`Rule::Magic`] to [`Rule::MemorySize`]), stopping at the
    /// first broken one: what `Memory::open` checks before it reads any entry.
    /// `segment_size` is the segment's real size.
    pub(crate) fn check(&self, segment_size: u64) -> Result<()> {
        let mut first = First(None);
        let _ = self.apply(segment_size, &mut first);
        first.into_result()
    }

    /// Applies the header's rules in `Memory::open`'s order, telling `verdict` of each
    /// broken one. `Break` when `verdict` stops, or when the magic or the version is wrong:
    /// past those, no other field means anything.
    fn apply(&self, segment_size: u64, verdict: &mut impl Verdict) -> ControlFlow<()> {
        let h = self;
        if h.magic != MAGIC {
            let _ = verdict.broken(Rule::Magic, &[], || Error::BadMagic { found: h.magic });
            return ControlFlow::Break(());
        }
        if h.version != VERSION {
            let _ = verdict.broken(Rule::Version, &[], || Error::UnsupportedVersion {
                found: h.version,
            });
            return ControlFlow::Break(());
        }
        let table_end = h.table_end();
        if table_end > segment_size {
            verdict.broken(Rule::TableFits, &[], || Error::TableTooLarge {
                table_size: table_end,
                segment_size,
            })?;
        }
        if h.entry_count > h.max_entries {
            verdict.broken(Rule::EntryCount, &[], || Error::TooManyEntries {
                entry_count: h.entry_count,
                max_entries: h.max_entries,
            })?;
        }
        if h.memory_size > segment_size {
            verdict.broken(Rule::MemorySize, &[], || Error::SizeMismatch {
                header: h.memory_size,
                actual: segment_size,
            })?;
        }
        if table_end <= segment_size && table_end > h.memory_size {
            verdict.broken(Rule::TableFits, &[], || Error::TableTooLarge {
                table_size: table_end,
                segment_size: h.memory_size,
            })?;
        }
        ControlFlow::Continue(())
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
    pub(crate) fn from_table_entry(index: u32, raw: &TableEntry) -> RawEntry {
        RawEntry {
            index,
            name_field: raw.name,
            offset: raw.offset,
            size: raw.size,
        }
    }

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

    /// The entry's own rules, in `Memory::open`'s order: entries lie below `limit` and
    /// past `table_end`.
    fn apply(&self, limit: u64, table_end: u64, verdict: &mut impl Verdict) -> ControlFlow<()> {
        let e = self;
        let at = &[e.index];
        if e.name().is_none() {
            verdict.broken(Rule::EntryName, at, || Error::BadEntryName {
                index: e.index,
            })?;
        }
        if !matches!(e.end(), Some(end) if end <= limit) {
            verdict.broken(Rule::EntryBounds, at, || Error::EntryOutOfBounds {
                name: e.name_lossy(),
                offset: e.offset,
                size: e.size,
                segment_size: limit,
            })?;
        }
        if e.offset % 8 != 0 {
            verdict.broken(Rule::EntryAlignment, at, || Error::MisalignedEntry {
                name: e.name_lossy(),
                offset: e.offset,
            })?;
        }
        if e.offset < table_end {
            verdict.broken(Rule::EntryInTable, at, || Error::EntryInTable {
                name: e.name_lossy(),
                offset: e.offset,
                table_end,
            })?;
        }
        ControlFlow::Continue(())
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
        let mut all = All(Vec::new());
        let _ = self.apply(segment_size, &mut all);
        all.0
    }

    /// The first problem [`RawTable::findings`] would list, as an error; nothing else is
    /// built. What `Memory::open` and every later read of the table apply.
    pub(crate) fn check(&self, segment_size: u64) -> Result<()> {
        let mut first = First(None);
        let _ = self.apply(segment_size, &mut first);
        first.into_result()
    }

    /// Applies every rule in `Memory::open`'s order: the header's, each entry's in table
    /// order, the overlaps, then `next_offset`.
    fn apply(&self, segment_size: u64, verdict: &mut impl Verdict) -> ControlFlow<()> {
        let h = &self.header;
        h.apply(segment_size, verdict)?;
        let table_end = h.table_end();
        let limit = h.memory_size.min(segment_size);
        for e in &self.entries {
            e.apply(limit, table_end, verdict)?;
        }
        overlaps(&self.entries, verdict)?;
        let used = self
            .entries
            .iter()
            .filter_map(RawEntry::end)
            .max()
            .unwrap_or(table_end);
        let next = h.next_offset;
        if next < table_end || next > limit || next < used {
            verdict.broken(Rule::NextOffset, &[], || Error::BadNextOffset {
                next_offset: next,
            })?;
        }
        ControlFlow::Continue(())
    }
}

/// Sweeps the entries by offset and reports each entry that starts before the furthest end
/// seen so far, paired with the entry that reaches that end. Zero-sized entries hold no
/// bytes and overlap nothing; entries whose end overflows are the bounds rule's.
///
/// The spans are sorted once: `O(n log n)` whatever `n` a hostile header claims. Until the
/// first overlap the spans are disjoint, so the furthest end is the previous span's: a
/// verdict that stops at the first overlap has compared neighbours only.
fn overlaps(entries: &[RawEntry], verdict: &mut impl Verdict) -> ControlFlow<()> {
    // (offset, end, position in `entries`): sorted, ties go by size, then by table order.
    let mut spans: Vec<(u64, u64, usize)> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.size > 0)
        .filter_map(|(i, e)| Some((e.offset, e.end()?, i)))
        .collect();
    spans.sort_unstable();
    // The furthest end so far, and the position of the entry that reaches it.
    let mut furthest: Option<(u64, usize)> = None;
    for &(offset, end, i) in &spans {
        match furthest {
            Some((far, f)) if far > offset => {
                let (first, second) = (&entries[f], &entries[i]);
                verdict.broken(Rule::Overlap, &[first.index, second.index], || {
                    Error::OverlappingEntries {
                        first: first.name_lossy(),
                        second: second.name_lossy(),
                    }
                })?;
            }
            _ => {}
        }
        if furthest.map_or(true, |(far, _)| end > far) {
            furthest = Some((end, i));
        }
    }
    ControlFlow::Continue(())
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

/// What applying the rules does with a broken one.
trait Verdict {
    /// Hears of a broken rule: `entries` are the indices of the entries concerned, `error`
    /// makes the error `Memory::open` returns for it. `Break` stops the rules.
    fn broken(
        &mut self,
        rule: Rule,
        entries: &[u32],
        error: impl FnOnce() -> Error,
    ) -> ControlFlow<()>;
}

/// Keeps the first broken rule's error and stops.
struct First(Option<Error>);

impl First {
    fn into_result(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

impl Verdict for First {
    fn broken(&mut self, _: Rule, _: &[u32], error: impl FnOnce() -> Error) -> ControlFlow<()> {
        self.0 = Some(error());
        ControlFlow::Break(())
    }
}

/// Notes every broken rule and goes on.
struct All(Vec<Finding>);

impl Verdict for All {
    fn broken(
        &mut self,
        rule: Rule,
        entries: &[u32],
        error: impl FnOnce() -> Error,
    ) -> ControlFlow<()> {
        self.0.push(Finding {
            rule,
            entries: entries.to_vec(),
            error: error(),
        });
        ControlFlow::Continue(())
    }
}

/// Copies a `T` out of `bytes` at `at`, whatever the slice's alignment; `None` if it does not
/// fit.
fn read_pod<T: bytemuck::Pod>(bytes: &[u8], at: usize) -> Option<T> {
    let end = at.checked_add(size_of::<T>())?;
    bytes.get(at..end).map(bytemuck::pod_read_unaligned)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// An image with a table of `max` slots and the given `(name, offset, size)` entries.
    fn image(size: usize, max: u32, entries: &[(&str, u64, u64)]) -> Vec<u8> {
        let mut b = vec![0u8; size];
        let table_end = layout::table_size(max);
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

    /// What `check` answers, as text (errors hold no `PartialEq`).
    fn first_error(b: &[u8]) -> Option<String> {
        let t = RawTable::read(b).unwrap();
        t.check(b.len() as u64).err().map(|e| format!("{e:?}"))
    }

    /// Counts the broken rules it hears of, and stops at the first.
    struct Count(usize);

    impl Verdict for Count {
        fn broken(&mut self, _: Rule, _: &[u32], _: impl FnOnce() -> Error) -> ControlFlow<()> {
            self.0 += 1;
            ControlFlow::Break(())
        }
    }

    /// Asserts that stopping at the first broken rule gives the first finding, and hears of
    /// nothing after it.
    fn assert_check_is_the_first_finding(b: &[u8]) {
        let t = RawTable::read(b).unwrap();
        let size = b.len() as u64;
        let all = t.findings(size);
        let first = all.first().map(|f| format!("{:?}", f.error));
        assert_eq!(first_error(b), first);
        let mut count = Count(0);
        let _ = t.apply(size, &mut count);
        assert_eq!(count.0, all.len().min(1), "{all:?}");
    }

    #[test]
    fn an_overlap_behind_a_zero_sized_entry_is_found() {
        // "z" holds no bytes: it lies between "a" and "b" by offset but hides nothing.
        let b = image(4096, 4, &[("a", 224, 100), ("z", 240, 0), ("b", 304, 8)]);
        assert_eq!(rules(&b), [(Rule::Overlap, vec![0, 2])]);
        let err = RawTable::read(&b).unwrap().check(4096).unwrap_err();
        assert!(
            matches!(&err, Error::OverlappingEntries { first, second } if first == "a" && second == "b"),
            "{err:?}"
        );
    }

    #[test]
    fn a_zero_sized_entry_inside_another_overlaps_nothing() {
        let b = image(4096, 4, &[("a", 224, 100), ("z", 240, 0), ("y", 240, 0)]);
        assert!(rules(&b).is_empty());
        assert_eq!(first_error(&b), None);
    }

    #[test]
    fn the_first_overlap_is_the_first_in_offset_order() {
        // Table order is not offset order: "c" and "d" come first in the table but lie last.
        let b = image(
            4096,
            4,
            &[("c", 600, 16), ("d", 608, 8), ("a", 224, 64), ("b", 280, 8)],
        );
        assert_eq!(
            rules(&b),
            [(Rule::Overlap, vec![2, 3]), (Rule::Overlap, vec![0, 1])]
        );
        assert_check_is_the_first_finding(&b);
    }

    #[test]
    fn check_stops_at_the_first_of_several_broken_rules() {
        // Header: entry_count above max_entries and memory_size above the segment; entries:
        // misaligned, in the table, out of bounds, overlapping; next_offset before an end.
        let mut several = image(
            1024,
            4,
            &[
                ("a", 100, 8),
                ("b", 1000, 100),
                ("c", 400, 64),
                ("d", 432, 8),
            ],
        );
        several[24..32].copy_from_slice(&500u64.to_le_bytes());
        assert_check_is_the_first_finding(&several);
        assert!(first_error(&several)
            .unwrap()
            .starts_with("MisalignedEntry"));

        let mut header = several.clone();
        header[8..12].copy_from_slice(&9u32.to_le_bytes());
        header[16..24].copy_from_slice(&2048u64.to_le_bytes());
        assert_check_is_the_first_finding(&header);
        assert!(first_error(&header).unwrap().starts_with("TooManyEntries"));

        let mut version = header.clone();
        version[4..8].copy_from_slice(&3u32.to_le_bytes());
        assert_check_is_the_first_finding(&version);
        assert!(first_error(&version)
            .unwrap()
            .starts_with("UnsupportedVersion"));
    }

    #[test]
    fn a_sound_table_passes_check() {
        let b = image(4096, 4, &[("a", 224, 16), ("b", 240, 8), ("z", 248, 0)]);
        assert_check_is_the_first_finding(&b);
        assert_eq!(first_error(&b), None);
    }

    /// Offsets of the table's numeric fields in an image of `max` 4 slots: header words,
    /// entry offsets and sizes.
    fn table_field() -> impl Strategy<Value = usize> {
        prop_oneof![
            (0usize..2).prop_map(|i| 8 + 4 * i),
            (0usize..2).prop_map(|i| 16 + 8 * i),
            (0usize..4, 0usize..2).prop_map(|(e, f)| 32 + 48 * e + 32 + 8 * f),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// Whatever the table's numbers, stopping at the first broken rule answers what the
        /// list of every finding starts with.
        #[test]
        fn check_agrees_with_the_first_finding(
            writes in proptest::collection::vec(
                (table_field(), prop_oneof![
                    any::<u64>(),
                    0u64..600,
                    (0u64..75).prop_map(|k| k * 8),
                    Just(0u64),
                    Just(u64::MAX),
                ]),
                1..6,
            ),
        ) {
            let mut b = image(
                512,
                4,
                &[("a", 224, 16), ("b", 240, 0), ("c", 240, 64), ("d", 304, 8)],
            );
            for (at, value) in writes {
                if (8..16).contains(&at) {
                    b[at..at + 4].copy_from_slice(&(value as u32 % 8).to_le_bytes());
                } else {
                    b[at..at + 8].copy_from_slice(&value.to_le_bytes());
                }
            }
            assert_check_is_the_first_finding(&b);
        }
    }
}
