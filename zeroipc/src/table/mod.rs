//! The table at the start of every segment: its header, its entries, their validation and
//! the allocation of new entries.
//!
//! The table is read through atomics and per-byte atomic copies, because other processes may change
//! it at any time: they add entries (bumping `entry_count` last), and a hostile or broken one
//! may write anything. Geometry that never changes after creation (`max_entries`,
//! `memory_size`) is read once, validated, and kept here; what can change (`entry_count`,
//! `next_offset`, the entries) is re-read and re-validated on every use.
//!
//! The rules a table must keep live in [`rules`], over the table as stored; here they are
//! applied to what was read from the mapping, stopping at the first broken one. Tools get
//! the same rules, every finding at once, through [`crate::inspect`], which re-exports them.

use std::time::{Duration, Instant};

use bytemuck::{Pod, Zeroable};

use crate::atomic::Ordering;
use crate::error::{Error, Result};
use crate::layout::{self, MAGIC, NAME_FIELD_SIZE, VERSION};
use crate::region::Region;

mod rules;

pub use rules::{Finding, RawEntry, RawHeader, RawTable, Rule};

/// The table header, 32 bytes at offset 0 of a segment.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub(crate) struct TableHeader {
    /// 0x00: [`MAGIC`] once the segment is published.
    pub(crate) magic: u32,
    /// 0x04: [`VERSION`].
    pub(crate) version: u32,
    /// 0x08: entries in use.
    pub(crate) entry_count: u32,
    /// 0x0C: entry slots in the table.
    pub(crate) max_entries: u32,
    /// 0x10: size of the whole segment.
    pub(crate) memory_size: u64,
    /// 0x18: where the next structure may start.
    pub(crate) next_offset: u64,
}

/// One table entry, 48 bytes.
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub(crate) struct TableEntry {
    /// 0x00: UTF-8 name, NUL-terminated and NUL-padded.
    pub(crate) name: [u8; NAME_FIELD_SIZE],
    /// 0x20: offset of the structure from the segment start.
    pub(crate) offset: u64,
    /// 0x28: size of the structure in bytes.
    pub(crate) size: u64,
}

const _: () = {
    use core::mem::offset_of;
    assert!(size_of::<TableHeader>() == layout::TABLE_HEADER_SIZE);
    assert!(offset_of!(TableHeader, magic) == 0x00);
    assert!(offset_of!(TableHeader, version) == 0x04);
    assert!(offset_of!(TableHeader, entry_count) == 0x08);
    assert!(offset_of!(TableHeader, max_entries) == 0x0C);
    assert!(offset_of!(TableHeader, memory_size) == 0x10);
    assert!(offset_of!(TableHeader, next_offset) == 0x18);
    assert!(size_of::<TableEntry>() == layout::TABLE_ENTRY_SIZE);
    assert!(offset_of!(TableEntry, name) == 0x00);
    assert!(offset_of!(TableEntry, offset) == 0x20);
    assert!(offset_of!(TableEntry, size) == 0x28);
};

const MAGIC_OFFSET: u64 = 0x00;
const ENTRY_COUNT_OFFSET: u64 = 0x08;
const NEXT_OFFSET_OFFSET: u64 = 0x18;

/// A table entry, as read from a segment and validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    name: String,
    offset: u64,
    size: u64,
}

impl Entry {
    /// The entry's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its structure starts, from the segment's start.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The size of its structure in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// One past its last byte.
    pub fn end(&self) -> u64 {
        // Cannot overflow: validation checked `offset + size` against the segment's size.
        self.offset + self.size
    }
}

/// The parts of a table that never change after creation, validated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Table {
    /// Entry slots; `table_end` fits in the segment.
    max_entries: u32,
    /// The header's segment size, no larger than the mapping. Everything lies below it.
    memory_size: u64,
}

impl Table {
    /// Publishes a table made by [`Table::create_unpublished`] (and entries added to it
    /// since): stores the magic, with release ordering.
    pub(crate) fn publish(region: &Region) {
        // Release: pairs with the Acquire load of the magic in `Table::open`, so an opener that
        // sees the magic sees the whole header and every entry added before.
        atomic_u32(region, MAGIC_OFFSET).store(MAGIC, Ordering::Release);
    }

    /// Writes a fresh table into a zero-filled mapping, its magic still zero: openers wait
    /// until [`Table::publish`].
    pub(crate) fn create_unpublished(region: &Region, max_entries: u32) -> Result<Table> {
        let table_end = layout::table_size(max_entries);
        let memory_size = region.len() as u64;
        if table_end > memory_size {
            return Err(Error::OutOfSpace {
                requested: table_end,
                available: memory_size,
            });
        }
        let header = TableHeader {
            magic: 0,
            version: VERSION,
            entry_count: 0,
            max_entries,
            memory_size,
            next_offset: table_end,
        };
        region
            .write(0, header)
            .unwrap_or_else(|| unreachable!("the header fits: checked against table_end"));
        Ok(Table {
            max_entries,
            memory_size,
        })
    }

    /// Reads and validates the table of a mapped segment. Waits up to `timeout` for a segment
    /// whose magic is still zero (its creator has not published it yet).
    pub(crate) fn open(region: &Region, name: &str, timeout: Duration) -> Result<Table> {
        let segment_size = region.len() as u64;
        if segment_size < layout::TABLE_HEADER_SIZE as u64 {
            return Err(Error::TableTooLarge {
                table_size: layout::TABLE_HEADER_SIZE as u64,
                segment_size,
            });
        }
        let deadline = Instant::now() + timeout;
        // Exit: the magic is non-zero (published, or garbage), or the deadline passed.
        loop {
            // Acquire: pairs with the Release store of the magic in `Table::create`.
            let magic = atomic_u32(region, MAGIC_OFFSET).load(Ordering::Acquire);
            if magic == MAGIC {
                break;
            }
            if magic != 0 {
                return Err(Error::BadMagic { found: magic });
            }
            if Instant::now() >= deadline {
                return Err(Error::NotReady {
                    name: name.to_owned(),
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let header: TableHeader = region
            .read(0)
            .unwrap_or_else(|| unreachable!("the header fits: checked above"));
        RawHeader::from(header).check(segment_size)?;
        let table = Table {
            max_entries: header.max_entries,
            memory_size: header.memory_size,
        };
        table.read(region)?;
        Ok(table)
    }

    pub(crate) fn max_entries(&self) -> u32 {
        self.max_entries
    }

    pub(crate) fn memory_size(&self) -> u64 {
        self.memory_size
    }

    /// Every entry in use, validated by the table's rules (see [`rules`]): names
    /// NUL-terminated UTF-8, offsets 8-aligned and past the table, ends within the segment,
    /// no two overlapping, `next_offset` past them all.
    pub(crate) fn entries(&self, region: &Region) -> Result<Vec<Entry>> {
        Ok(self.read(region)?.entries.iter().map(to_entry).collect())
    }

    /// The table as it is now (entries in use, `next_offset`), validated. The geometry that
    /// never changes comes from `self` (validated at open), never from the segment again.
    fn read(&self, region: &Region) -> Result<RawTable> {
        // Acquire: pairs with the Release store of `entry_count` in `Table::add` (and the
        // equivalent store of other implementations), so the entries below it are written.
        let entry_count = atomic_u32(region, ENTRY_COUNT_OFFSET).load(Ordering::Acquire);
        // Relaxed: `next_offset` is written before `entry_count` is released, and read after
        // it is acquired; any newer value is only larger, which the rules accept.
        let next_offset = atomic_u64(region, NEXT_OFFSET_OFFSET).load(Ordering::Relaxed);
        let header = RawHeader {
            magic: MAGIC,
            version: VERSION,
            entry_count,
            max_entries: self.max_entries,
            memory_size: self.memory_size,
            next_offset,
        };
        let entries = (0..header.entries_in_use())
            .map(|index| {
                let raw: TableEntry = region
                    .read(layout::table_entry_offset(index) as u64)
                    .unwrap_or_else(|| unreachable!("entries below max_entries lie in the table"));
                RawEntry::from_table_entry(index, &raw)
            })
            .collect();
        let table = RawTable {
            header,
            entries,
            missing_entries: 0,
        };
        table.check(region.len() as u64)?;
        Ok(table)
    }

    /// Bytes in use: the table and every structure, up to `next_offset`.
    pub(crate) fn used(&self, region: &Region) -> Result<u64> {
        Ok(self.read(region)?.header.next_offset)
    }

    /// The entry called `name`.
    pub(crate) fn find(&self, region: &Region, name: &str) -> Result<Entry> {
        self.read(region)?
            .entries
            .iter()
            .find(|e| e.name() == Some(name))
            .map(to_entry)
            .ok_or_else(|| Error::NotFound {
                name: name.to_owned(),
            })
    }

    /// Adds an entry of `size` bytes called `name`, under the segment's lock.
    ///
    /// `init` writes the structure's own header at the offset it is given, before the entry
    /// becomes visible: other processes see the entry (through `entry_count`, stored last
    /// with release ordering) only once its structure is initialised. Nothing in the segment
    /// changes unless the whole call succeeds.
    #[allow(dead_code)] // through `Memory::add`
    pub(crate) fn add(
        &self,
        region: &Region,
        name: &str,
        size: u64,
        init: impl FnOnce(u64) -> Option<()>,
    ) -> Result<Entry> {
        let mut init = Some(init);
        let mut once = |offset| init.take().and_then(|f| f(offset));
        let mut entries = self.add_all(region, &mut [(name, size, &mut once)])?;
        Ok(entries.remove(0))
    }

    /// Adds the entries `parts` (`(name, size, init)` each, in that order) under one hold of
    /// the segment's lock: all of them, or none.
    ///
    /// Every rule is checked for all of them before anything is written (names valid, new
    /// and distinct, a slot for each, room for all); then each part's `init` writes its
    /// structure at its offset, the entries are written, and `entry_count` is stored last,
    /// once (release ordering), so other processes see all the parts at once, initialised.
    /// An `init` that fails leaves the segment as it was.
    pub(crate) fn add_all(
        &self,
        region: &Region,
        parts: &mut [NewEntry<'_>],
    ) -> Result<Vec<Entry>> {
        self.add_all_recorded(region, parts, None)
    }

    /// [`Table::add_all`], and where the segment has a schema entry with room for it, `line`
    /// appended to the schema: written before anything else and published (its new length
    /// stored) after the entries, under the same hold of the lock.
    pub(crate) fn add_all_recorded(
        &self,
        region: &Region,
        parts: &mut [NewEntry<'_>],
        line: Option<&[u8]>,
    ) -> Result<Vec<Entry>> {
        for (i, (name, _, _)) in parts.iter().enumerate() {
            check_entry_name(name)?;
            if parts[..i].iter().any(|(earlier, _, _)| earlier == name) {
                return Err(Error::AlreadyExists {
                    name: (*name).to_owned(),
                });
            }
        }
        let _lock = region.shm().lock()?;
        let table = self.read(region)?;
        if let Some((name, _, _)) = parts
            .iter()
            .find(|(name, _, _)| table.entries.iter().any(|e| e.name() == Some(name)))
        {
            return Err(Error::AlreadyExists {
                name: (*name).to_owned(),
            });
        }
        let first = table.entries.len() as u32;
        if u64::from(first) + parts.len() as u64 > u64::from(self.max_entries) {
            return Err(Error::TableFull {
                max_entries: self.max_entries,
            });
        }
        // Where each part goes: `next <= memory_size` (validated), and each step is checked.
        let start = table.header.next_offset;
        let mut next = start;
        let mut placed = Vec::with_capacity(parts.len());
        for (_, size, _) in parts.iter() {
            let offset = next
                .checked_add(7)
                .map(|n| n & !7)
                .ok_or(Error::BadNextOffset { next_offset: start })?;
            let end = offset.checked_add(*size).filter(|&e| e <= self.memory_size);
            let Some(end) = end else {
                let available = self.memory_size.saturating_sub(start);
                return Err(Error::OutOfSpace {
                    requested: offset.saturating_add(*size).saturating_sub(start),
                    available,
                });
            };
            placed.push(offset);
            next = end;
        }
        let schema_entry = table
            .entries
            .iter()
            .find(|e| e.name() == Some(crate::schema::ENTRY_NAME));
        let append = match (line, schema_entry) {
            (Some(line), Some(e)) => crate::schema::append(region, e.offset, e.size, line)?,
            _ => None,
        };
        // The structures, before any entry names them: nobody looks past `next_offset`.
        for ((name, _, init), &offset) in parts.iter_mut().zip(&placed) {
            init(offset).ok_or_else(|| Error::corrupt(name, "structure does not fit its entry"))?;
        }
        let mut added = Vec::with_capacity(parts.len());
        for (i, ((name, size, _), &offset)) in parts.iter().zip(&placed).enumerate() {
            let raw = TableEntry {
                name: layout::encode_name(name),
                offset,
                size: *size,
            };
            region
                .write(layout::table_entry_offset(first + i as u32) as u64, raw)
                .unwrap_or_else(|| unreachable!("index < max_entries lies in the table"));
            added.push(Entry {
                name: (*name).to_owned(),
                offset,
                size: *size,
            });
        }
        // Relaxed: ordered before the entry_count store below, which is Release.
        atomic_u64(region, NEXT_OFFSET_OFFSET).store(next, Ordering::Relaxed);
        // Release: pairs with the Acquire load of `entry_count` in `Table::entries`, publishing
        // the entries and the structures the `init`s wrote.
        atomic_u32(region, ENTRY_COUNT_OFFSET).store(first + parts.len() as u32, Ordering::Release);
        if let Some(append) = &append {
            crate::schema::publish(region, append);
        }
        Ok(added)
    }
}

/// An entry to add: its name, its size, and what writes its structure at the offset given
/// (`None` if the structure does not fit there).
pub(crate) type NewEntry<'a> = (&'a str, u64, &'a mut dyn FnMut(u64) -> Option<()>);

/// A validated raw entry as the public type; its name was checked by the table's rules.
fn to_entry(raw: &RawEntry) -> Entry {
    Entry {
        name: raw.name().unwrap_or_default().to_owned(),
        offset: raw.offset,
        size: raw.size,
    }
}

/// Checks an entry name: 1 to 31 bytes, no NUL.
pub(crate) fn check_entry_name(name: &str) -> Result<()> {
    if name.len() > layout::MAX_NAME_LEN {
        return Err(Error::NameTooLong {
            name: name.to_owned(),
            len: name.len(),
        });
    }
    if !layout::is_valid_entry_name(name) {
        return Err(Error::InvalidName {
            name: name.to_owned(),
            reason: "an entry name has 1 to 31 bytes and no NUL",
        });
    }
    Ok(())
}

// Header words live below `TABLE_HEADER_SIZE`, and every mapping that reaches `Table` holds
// at least that many bytes (checked in `create` and `open`), so these lookups cannot fail.

fn atomic_u32(region: &Region, offset: u64) -> &crate::atomic::AtomicU32 {
    region
        .atomic_u32(offset)
        .unwrap_or_else(|| unreachable!("header words lie in the mapping"))
}

fn atomic_u64(region: &Region, offset: u64) -> &crate::atomic::AtomicU64 {
    region
        .atomic_u64(offset)
        .unwrap_or_else(|| unreachable!("header words lie in the mapping"))
}
