//! Everything `show` and `check` learn from a segment's bytes, without trusting them.

use std::collections::HashMap;

use serde::Serialize;
use zeroipc::inspect::{Finding, RawEntry, RawHeader, RawTable, Rule};
use zeroipc::layout;

use crate::declared::{self, Declared, SchemaRead};
use crate::guess::{self, Guess, Names};
use crate::map::{self, Claim, Owner, Range};
use crate::segment::{owner_and_mode, SegmentFile};

/// A segment as read: its file, its table as stored, what is wrong with it, and what its
/// entries look like.
pub(crate) struct View {
    pub(crate) file: SegmentFile,
    /// The table, if the file holds a header; without its entries when the header is too
    /// far from the format's for them to mean anything.
    pub(crate) table: Option<RawTable>,
    /// What `Memory::open` would object to, in its order.
    pub(crate) findings: Vec<Finding>,
    /// Whether the entries were left unread because the header is not a zeroipc header.
    pub(crate) entries_skipped: bool,
    /// Whether the header looks like a zeroipc header: the magic, or a wrong magic with a
    /// version and a table that still make sense (a damaged segment).
    pub(crate) plausible: bool,
    /// With an `entry_count` above `max_entries`, the all-zero slots at the end of the table
    /// (never written), left out of `table`.
    pub(crate) blank_slots: u32,
    /// The segment's schema entry, if it has one: what it declares, or what is wrong with it.
    pub(crate) schema: Option<SchemaRead>,
}

impl View {
    pub(crate) fn read(file: SegmentFile) -> View {
        let len = file.len();
        let head = file.read_at(0, layout::TABLE_HEADER_SIZE as u64);
        let Some(header) = RawHeader::read(&head) else {
            return View {
                file,
                table: None,
                findings: Vec::new(),
                entries_skipped: false,
                plausible: false,
                blank_slots: 0,
                schema: None,
            };
        };
        // With a wrong magic or version the fields may be anything: read entries only if
        // the rest of the header still describes a table that fits the file.
        let plausible = header.magic == layout::MAGIC
            || (header.version == layout::VERSION
                && header.entry_count <= header.max_entries
                && header.table_end() <= len);
        let mut table = if plausible {
            file.table()
        } else {
            RawTable::read(&head)
        };
        // An `entry_count` past the slots says nothing about which slots are in use; the
        // blank ones at the end were never written and would only repeat one finding.
        let mut blank_slots = 0;
        if let Some(t) = table
            .as_mut()
            .filter(|t| t.header.entry_count > t.header.max_entries)
        {
            while t.entries.last().is_some_and(|e| {
                e.offset == 0 && e.size == 0 && e.name_field.iter().all(|&b| b == 0)
            }) {
                t.entries.pop();
                blank_slots += 1;
            }
        }
        let mut findings = table.as_ref().map(|t| t.findings(len)).unwrap_or_default();
        let entries_skipped = !plausible && header.entry_count > 0;
        if let (Some(t), true) = (&table, plausible && header.magic != layout::MAGIC) {
            // A corrupt copy of a real segment: say what else is wrong too, past the magic.
            let mut fixed = t.clone();
            fixed.header.magic = layout::MAGIC;
            findings.extend(
                fixed
                    .findings(len)
                    .into_iter()
                    .filter(|f| f.rule != Rule::Magic),
            );
        }
        let schema = table
            .as_ref()
            .filter(|_| plausible)
            .and_then(|t| declared::read(&file, t));
        View {
            file,
            table,
            findings,
            entries_skipped,
            plausible,
            blank_slots,
            schema,
        }
    }

    pub(crate) fn header(&self) -> Option<&RawHeader> {
        self.table.as_ref().map(|t| &t.header)
    }

    pub(crate) fn is_zeroipc(&self) -> bool {
        self.header().is_some_and(|h| h.magic == layout::MAGIC)
    }

    /// Each entry with its problems and guesses.
    pub(crate) fn entries(&self) -> Vec<EntryView> {
        let Some(table) = &self.table else {
            return Vec::new();
        };
        let names = Names::new(table.entries.iter().map(RawEntry::name_lossy).collect());
        let mut problems: HashMap<u32, Vec<String>> = HashMap::new();
        for f in &self.findings {
            for &i in &f.entries {
                problems.entry(i).or_default().push(f.error.to_string());
            }
        }
        if let Some(SchemaRead {
            index,
            result: Err(why),
        }) = &self.schema
        {
            problems.entry(*index).or_default().push(why.clone());
        }
        let schema = self.schema.as_ref().and_then(|s| s.result.as_ref().ok());
        table
            .entries
            .iter()
            .map(|e| {
                let problems = problems.remove(&e.index).unwrap_or_default();
                let is_schema = e.name() == Some(zeroipc::schema::ENTRY_NAME);
                let declared = if is_schema {
                    schema.map(|s| Declared::schema(s.entries().len()))
                } else {
                    e.name()
                        .and_then(|name| schema.and_then(|s| s.get(name)))
                        .map(Declared::of)
                };
                let head_len = e.size.min(guess::BYTES_NEEDED);
                let in_file = e
                    .offset
                    .checked_add(head_len)
                    .is_some_and(|end| end <= self.file.len());
                let guesses = if in_file && !is_schema {
                    let head = self.file.read_at(e.offset, head_len);
                    guess::guess(&e.name_lossy(), e.size, &head, &names)
                } else {
                    Vec::new()
                };
                EntryView {
                    index: e.index,
                    name: e.name_lossy(),
                    name_valid: e.name().is_some(),
                    offset: e.offset,
                    size: e.size,
                    end: e.end(),
                    problems,
                    declared,
                    guesses,
                }
            })
            .collect()
    }

    /// The segment's bytes split by what holds them.
    pub(crate) fn ranges(&self) -> Vec<Range> {
        let len = self.file.len();
        let Some(table) = &self.table else {
            return map::ranges(len, len, len, &[]);
        };
        let h = &table.header;
        let mut claims = vec![Claim {
            start: 0,
            end: h.table_end(),
            owner: Owner::Table,
        }];
        for e in &table.entries {
            claims.push(Claim {
                start: e.offset,
                end: e.end().unwrap_or(u64::MAX),
                owner: Owner::Entry {
                    index: e.index,
                    name: e.name_lossy(),
                },
            });
        }
        map::ranges(len, h.memory_size, h.next_offset, &claims)
    }
}

/// One table entry as `show` presents it.
#[derive(Debug, Serialize)]
pub(crate) struct EntryView {
    pub(crate) index: u32,
    /// The name, with anything that is not UTF-8 replaced.
    pub(crate) name: String,
    /// Whether the stored name is NUL-terminated UTF-8.
    pub(crate) name_valid: bool,
    pub(crate) offset: u64,
    pub(crate) size: u64,
    /// `offset + size`, or `None` where that overflows.
    pub(crate) end: Option<u64>,
    /// What is wrong with the entry, in the runtime's words.
    pub(crate) problems: Vec<String>,
    /// What the segment's schema declares it is, if it describes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) declared: Option<Declared>,
    /// What the bytes look like, most plausible first: a guess, the format stores no types.
    pub(crate) guesses: Vec<Guess>,
}

/// A short, stable name for a rule, for JSON and for text.
pub(crate) fn rule_id(rule: Rule) -> &'static str {
    match rule {
        Rule::Magic => "magic",
        Rule::Version => "version",
        Rule::TableFits => "table_fits",
        Rule::EntryCount => "entry_count",
        Rule::MemorySize => "memory_size",
        Rule::EntryName => "entry_name",
        Rule::EntryBounds => "entry_bounds",
        Rule::EntryAlignment => "entry_alignment",
        Rule::EntryInTable => "entry_in_table",
        Rule::Overlap => "overlap",
        Rule::NextOffset => "next_offset",
        _ => "other",
    }
}

/// The words for a finding: the runtime's error, but a zero magic said as what it means.
pub(crate) fn finding_text(f: &Finding) -> String {
    match f.error {
        zeroipc::Error::BadMagic { found: 0 } => {
            "magic is 0: the segment was never published (its creator has not finished, or died)"
                .to_owned()
        }
        ref e => e.to_string(),
    }
}

/// Owner, uid and mode of the segment's file.
#[derive(Debug, Serialize)]
pub(crate) struct FileInfo {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) size: u64,
    pub(crate) owner: String,
    pub(crate) uid: u32,
    pub(crate) mode: String,
}

impl FileInfo {
    pub(crate) fn of(file: &SegmentFile) -> FileInfo {
        let (uid, owner, mode) = owner_and_mode(&file.meta);
        FileInfo {
            name: file.name.posix.clone(),
            path: file.path.display().to_string(),
            size: file.len(),
            owner,
            uid,
            mode: format!("{mode:04o}"),
        }
    }
}
