//! Repair: puts the structures that dead peers left half-way through an operation back into a
//! state every implementation reads as sound, and says what it changed.
//!
//! Each structure's repair lives in its own file, registered as its `Structure`'s `repair`
//! hook; this module holds the report types and the walk over a segment's table
//! ([`Memory::repair`]). Every repair runs while its caller holds the segment alone (see
//! `Shm::alone`): a peer that is alive could be in the middle of any operation, and only
//! when none is attached is every unfinished claim a dead one.

use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::structures::STRUCTURES;
use crate::table::Entry;

/// What a repair found and changed in one entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EntryRepair {
    /// The entry's name.
    pub entry: String,
    /// What it was repaired as: `"queue"`, `"stack"`, `"mutex"`, `"semaphore"`, `"barrier"`.
    pub kind: &'static str,
    /// Items the structure holds after the repair (a queue or stack): every item that was
    /// fully published and not taken, in their order.
    pub kept: u64,
    /// Of the `kept` items, those a consumer had claimed but never finished taking (it died
    /// before its pop returned): put back, since nobody received them.
    pub returned: u64,
    /// Slots dropped: claimed by a producer that never finished writing them (its push did
    /// not return), or holding a state no operation leaves.
    pub dropped: u64,
    /// Each word set back, in words (`"head 12 -> 10"`, `"count 0 -> 1: unlocked"`).
    pub reset: Vec<String>,
}

impl EntryRepair {
    pub(crate) fn new(entry: &str, kind: &'static str) -> EntryRepair {
        EntryRepair {
            entry: entry.to_owned(),
            kind,
            ..EntryRepair::default()
        }
    }

    /// Whether the repair changed anything.
    pub fn changed(&self) -> bool {
        self.returned > 0 || self.dropped > 0 || !self.reset.is_empty()
    }
}

/// An entry that [`Memory::repair`] left alone, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Skipped {
    /// The entry's name.
    pub entry: String,
    /// Why it was not repaired.
    pub reason: String,
}

/// What [`Memory::repair`] did to a segment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairReport {
    /// The segment's name.
    pub segment: String,
    /// Every entry repaired (changed or found sound), in table order.
    pub repaired: Vec<EntryRepair>,
    /// Entries whose kind could not be told from their bytes, so that a repair could have
    /// been the wrong one.
    pub skipped: Vec<Skipped>,
}

impl RepairReport {
    /// Whether the repair changed anything.
    pub fn changed(&self) -> bool {
        self.repaired.iter().any(EntryRepair::changed)
    }

    /// Slots dropped in all entries.
    pub fn dropped(&self) -> u64 {
        self.repaired.iter().map(|r| r.dropped).sum()
    }
}

/// The walk of [`Memory::repair`]: every entry (or only `only`), repaired as the structure its
/// bytes and name say it is, while the caller's handle is the segment's only one.
pub(crate) fn segment(mem: &Memory, only: Option<&str>) -> Result<RepairReport> {
    // A read-only segment or a private copy is refused before any lock is asked for.
    mem.writable()?;
    let _alone = mem.region().shm().alone()?;
    let entries: Vec<Entry> = mem.entries()?.collect();
    if let Some(name) = only {
        if !entries.iter().any(|e| e.name() == name) {
            return Err(Error::NotFound {
                name: name.to_owned(),
            });
        }
    }
    let names = crate::inspect::Names::new(entries.iter().map(|e| e.name().to_owned()).collect());
    let mut report = RepairReport {
        segment: mem.name().to_owned(),
        ..RepairReport::default()
    };
    for entry in entries
        .iter()
        .filter(|e| only.map_or(true, |n| e.name() == n))
    {
        match choose(mem, entry, &names) {
            Choice::Nothing => {}
            Choice::Skip(reason) => report.skipped.push(Skipped {
                entry: entry.name().to_owned(),
                reason,
            }),
            Choice::Repair(repair) => report.repaired.push(repair(mem, entry)?),
        }
    }
    Ok(report)
}

/// See [`crate::structures::Structure::repair`].
pub(crate) type Repair = fn(&Memory, &Entry) -> Result<EntryRepair>;

enum Choice {
    /// No structure with a repair fits the entry.
    Nothing,
    /// Several fit, and the name does not say which.
    Skip(String),
    Repair(Repair),
}

/// Which repair, if any, applies to `entry`. The format stores no types, so this goes by the
/// tools' readings (`inspect::readings`): the most plausible reading is used if the entry's
/// name hints at it (`lock` for a mutex, say) or if it is the only one. An `array` reading
/// does not count against another: an array fits nearly any bytes, and has nothing to
/// repair. Where several others fit (a semaphore's four words can read as a mutex or a
/// barrier too), a wrong repair would break the structure, so the entry is skipped, and
/// the typed calls (`Semaphore::repair`, ...) are the way to repair it.
fn choose(mem: &Memory, entry: &Entry, names: &crate::inspect::Names) -> Choice {
    let head: Vec<u8> = (0..entry.size().min(crate::inspect::BYTES_NEEDED))
        .map_while(|i| mem.region().read::<u8>(entry.offset() + i))
        .collect();
    let readings: Vec<_> = crate::inspect::readings(entry.name(), entry.size(), &head, names)
        .into_iter()
        .filter(|r| r.kind != "array")
        .collect();
    let structure = |kind: &str| STRUCTURES.iter().find(|s| s.kind == kind);
    let Some(first) = readings.first() else {
        return Choice::Nothing;
    };
    let lower = entry.name().to_ascii_lowercase();
    let hinted = structure(first.kind).is_some_and(|s| s.hints.iter().any(|h| lower.contains(h)));
    if hinted || readings.len() == 1 {
        return match structure(first.kind).and_then(|s| s.repair) {
            Some(repair) => Choice::Repair(repair),
            None => Choice::Nothing,
        };
    }
    if readings
        .iter()
        .all(|r| structure(r.kind).map_or(true, |s| s.repair.is_none()))
    {
        return Choice::Nothing;
    }
    let kinds: Vec<&str> = readings.iter().map(|r| r.kind).collect();
    Choice::Skip(format!(
        "its bytes fit several structures ({}) and its name hints at none; repair it through its type",
        kinds.join(", ")
    ))
}
