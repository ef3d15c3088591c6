//! Structures made of several table entries (an event, a reader-writer lock, a monitor, a
//! signal): their parts are added all or none, their marker entry is written last and
//! looked for first.

use bytemuck::Pod;

use crate::error::{Error, Result};
use crate::memory::Memory;

/// Size of the marker entry that composite structures write last.
pub const MARKER_SIZE: usize = 1;

/// The entries of a composite structure, gathered before any is added and then added all
/// or none, under one hold of the table's lock ([`Memory::add_parts`]): a failure, or
/// another process adding entries at the same moment, never leaves some of them behind.
#[derive(Default)]
pub(crate) struct Parts {
    /// `(name, first bytes, entry size)` in creation order; the rest of each entry is zero.
    parts: Vec<(String, Vec<u8>, usize)>,
}

impl Parts {
    /// A part of `size` bytes called `name` that starts with `first`.
    pub(crate) fn bytes(mut self, name: &str, first: Vec<u8>, size: usize) -> Parts {
        debug_assert!(first.len() <= size);
        self.parts.push((name.to_owned(), first, size));
        self
    }

    /// A part called `name` that is `header` and nothing more.
    pub(crate) fn words<H: Pod>(self, name: &str, header: H) -> Parts {
        self.bytes(name, bytemuck::bytes_of(&header).to_vec(), size_of::<H>())
    }

    /// A semaphore called `name` holding `count` permits, at most `max` (0: unbounded); a
    /// mutex is one of at most one permit, free.
    pub(crate) fn semaphore(self, name: &str, count: i32, max: i32) -> Parts {
        self.words(
            name,
            crate::sync::semaphore::SemaphoreHeader::new(count, max),
        )
    }

    /// The 1-byte marker `name` that a composite structure's openers look for; last.
    pub(crate) fn marker(self, name: &str) -> Parts {
        self.bytes(name, vec![0], MARKER_SIZE)
    }

    /// Adds every part to `mem`, the composite described in the segment's schema by `line`
    /// (its kind, parameters, and the names of its other parts, which `line.parts` lists).
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`], [`Error::InvalidName`], [`Error::AlreadyExists`] (naming the
    /// first part whose name is taken), [`Error::TableFull`], [`Error::OutOfSpace`] for all
    /// the parts together; a validation error if the table is corrupt. On error the segment
    /// is unchanged.
    pub(crate) fn add_described(
        self,
        mem: &Memory,
        line: &crate::schema::EntryDesc<'_>,
    ) -> Result<()> {
        let list: Vec<(&str, &[u8], usize)> = self
            .parts
            .iter()
            .map(|(name, first, size)| (name.as_str(), first.as_slice(), *size))
            .collect();
        mem.add_parts(&list, Some(line)).map(drop)
    }
}

/// `name` followed by `suffix`: the name of one part of a composite structure.
pub(crate) fn part_name(name: &str, suffix: &str) -> String {
    format!("{name}{suffix}")
}

/// Checks that the marker entry `name` of a composite structure exists and is 1 byte.
pub(crate) fn open_marker(mem: &Memory, name: &str, kind: &str) -> Result<()> {
    mem.writable()?;
    let entry = mem.find(name)?;
    if entry.size() != MARKER_SIZE as u64 {
        return Err(Error::corrupt(
            name,
            format!(
                "entry size {} is not the {}-byte marker of a {kind}",
                entry.size(),
                MARKER_SIZE
            ),
        ));
    }
    Ok(())
}

// ---- The marker's reading, for tools (`zeroipc::inspect`) --------------------------------

/// The marker entry of a composite structure: one byte, named as the structure, whose
/// parts are the entries named `<name>_...`.
pub(crate) const MARKER: crate::structures::Structure =
    crate::structures::Structure::new("marker", read_marker)
        .example(|mem| crate::RwLock::create(mem, "lock").map(|_| "lock".to_owned()));

fn read_marker(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    if p.size != MARKER_SIZE as u64 {
        return None;
    }
    let prefix = format!("{}_", p.name);
    let parts = p.names.suffixes(&prefix, 8);
    let description = if parts.is_empty() {
        "marker byte of a composite structure (no parts found)".to_owned()
    } else {
        format!(
            "marker of a composite structure with parts _{}",
            parts.join(", _")
        )
    };
    Some(crate::inspect::Reading::new("marker", description))
}
