//! `zeroipc ls` and `zeroipc rm`.

use std::fmt::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::Serialize;
use zeroipc::inspect::RawHeader;
use zeroipc::{layout, Memory};

use crate::segment::{
    has_magic, mode_string, open_error, open_regular, read_at, user_name, SegmentName, SHM_DIR,
};

/// One segment in `/dev/shm`.
#[derive(Debug, Serialize)]
pub(crate) struct Listed {
    pub(crate) name: String,
    pub(crate) size: u64,
    /// The header's fields; absent if the file ends before the 32-byte header.
    pub(crate) entries: Option<u32>,
    pub(crate) max_entries: Option<u32>,
    pub(crate) version: Option<u32>,
    /// Bytes in use: the header's `next_offset`.
    pub(crate) used: Option<u64>,
    pub(crate) owner: String,
    pub(crate) uid: u32,
    /// Permission bits, in octal.
    pub(crate) mode: String,
}

/// The segments in `dir` that start with the format's magic, sorted by name. Anything that
/// cannot be read, is not a regular file, or lacks the magic is skipped without a word.
pub(crate) fn list(dir: &Path) -> Result<Vec<Listed>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Only the first 4 bytes are read from a file that does not carry the magic.
        let Ok(file) = open_regular(&entry.path()) else {
            continue;
        };
        if !has_magic(&file) {
            continue;
        }
        let Ok(meta) = file.metadata() else {
            continue;
        };
        let header = RawHeader::read(&read_at(&file, 0, layout::TABLE_HEADER_SIZE as u64));
        out.push(Listed {
            name: format!("/{name}"),
            size: meta.len(),
            entries: header.map(|h| h.entry_count),
            max_entries: header.map(|h| h.max_entries),
            version: header.map(|h| h.version),
            used: header.map(|h| h.next_offset),
            owner: user_name(meta.uid()),
            uid: meta.uid(),
            mode: format!("{:04o}", meta.mode() & 0o7777),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub(crate) fn text(listed: &[Listed]) -> String {
    let mut s = String::new();
    if listed.is_empty() {
        let _ = writeln!(s, "no zeroipc segments in {SHM_DIR}");
        return s;
    }
    let width = listed
        .iter()
        .map(|l| l.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let owner_width = listed
        .iter()
        .map(|l| l.owner.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        s,
        "{:<width$}  {:>12}  {:>9}  {:>20}  {:<owner_width$}  mode",
        "name", "size", "entries", "used", "owner"
    );
    for l in listed {
        let entries = match (l.entries, l.max_entries) {
            (Some(n), Some(m)) => format!("{n}/{m}"),
            _ => "?".to_owned(),
        };
        let used = match l.used {
            Some(u) if l.size > 0 && u <= l.size => {
                // Display only: one decimal of a percentage.
                #[allow(clippy::cast_precision_loss)]
                let pct = u as f64 * 100.0 / l.size as f64;
                format!("{u} ({pct:.1}%)")
            }
            Some(u) => format!("{u} (past the end)"),
            None => "?".to_owned(),
        };
        let mode = u32::from_str_radix(&l.mode, 8).unwrap_or(0);
        let _ = writeln!(
            s,
            "{:<width$}  {:>12}  {:>9}  {:>20}  {:<owner_width$}  {}",
            l.name,
            l.size,
            entries,
            used,
            l.owner,
            mode_string(mode)
        );
    }
    s
}

/// Removes one segment: only one that carries the magic, unless `force`.
pub(crate) fn remove(given: &str, force: bool) -> Result<String, String> {
    let name = SegmentName::parse(given)?;
    if !force {
        let file = open_regular(&name.path()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                open_error(&name, &e)
            } else {
                format!(
                    "{} (use --force to remove it anyway)",
                    open_error(&name, &e)
                )
            }
        })?;
        if !has_magic(&file) {
            return Err(format!(
                "refusing to remove {}: it does not start with the zeroipc magic (use --force to remove it anyway)",
                name.posix
            ));
        }
    }
    Memory::unlink(&name.posix).map_err(|e| format!("cannot remove {}: {e}", name.posix))?;
    Ok(format!("removed {}", name.posix))
}
