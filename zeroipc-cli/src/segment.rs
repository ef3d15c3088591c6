//! Finding segments and copying bytes out of them, read-only.
//!
//! A segment is read through its file in `/dev/shm` with plain `pread`s, never mapped: a
//! snapshot in private memory cannot change under the reader, and a file that shrinks while
//! it is read gives a short read, not a crash. Every length read is bounded, whatever the
//! segment's header claims.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use zeroipc::inspect::{RawHeader, RawTable};
use zeroipc::layout;

/// Where POSIX shared-memory objects live on Linux.
pub(crate) const SHM_DIR: &str = "/dev/shm";

/// The most bytes of a table this tool copies (over a million entries); a header that claims
/// more is reported as such, not read.
pub(crate) const MAX_TABLE_BYTES: u64 = 64 << 20;

/// Never follow a link planted in `/dev/shm`, and never block opening a FIFO left there.
const OPEN_FLAGS: i32 = libc::O_NOFOLLOW | libc::O_NONBLOCK;

/// A segment name as the user gave it, with or without its leading `/`, checked.
#[derive(Clone, Debug)]
pub(crate) struct SegmentName {
    /// The name with its leading `/`, as `shm_open` and the runtime take it.
    pub(crate) posix: String,
}

impl SegmentName {
    /// Checks `given` (`sensors` or `/sensors`): one path component, not `.` or `..`, no NUL,
    /// at most 255 bytes.
    pub(crate) fn parse(given: &str) -> Result<SegmentName, String> {
        let bare = given.strip_prefix('/').unwrap_or(given);
        let reason = if bare.is_empty() {
            Some("it is empty")
        } else if bare.contains('/') {
            Some("a segment name has no `/` after the first")
        } else if bare.contains('\0') {
            Some("a segment name has no NUL byte")
        } else if bare == "." || bare == ".." {
            Some("`.` and `..` are not segment names")
        } else if bare.len() > 255 {
            Some("a segment name has at most 255 bytes")
        } else {
            None
        };
        match reason {
            Some(r) => Err(format!("invalid segment name {given:?}: {r}")),
            None => Ok(SegmentName {
                posix: format!("/{bare}"),
            }),
        }
    }

    /// The name without its leading `/`: the file's name in `/dev/shm`.
    pub(crate) fn bare(&self) -> &str {
        &self.posix[1..]
    }

    pub(crate) fn path(&self) -> PathBuf {
        Path::new(SHM_DIR).join(self.bare())
    }
}

/// An open segment file, read-only.
#[derive(Debug)]
pub(crate) struct SegmentFile {
    pub(crate) name: SegmentName,
    pub(crate) path: PathBuf,
    file: File,
    pub(crate) meta: Metadata,
}

impl SegmentFile {
    /// Opens the segment's file for reading.
    pub(crate) fn open(name: &SegmentName) -> Result<SegmentFile, String> {
        let path = name.path();
        let file = open_regular(&path).map_err(|e| open_error(name, &e))?;
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot read segment {}: {e}", name.posix))?;
        Ok(SegmentFile {
            name: name.clone(),
            path,
            file,
            meta,
        })
    }

    /// The file's size, from the system.
    pub(crate) fn len(&self) -> u64 {
        self.meta.len()
    }

    /// Copies up to `len` bytes at `offset`: fewer if the file ends first (or shrank).
    pub(crate) fn read_at(&self, offset: u64, len: u64) -> Vec<u8> {
        read_at(&self.file, offset, len)
    }

    /// Copies the table: its header and the entries in use (at most [`MAX_TABLE_BYTES`]).
    /// `None` if the file is shorter than a header.
    pub(crate) fn table(&self) -> Option<RawTable> {
        let head = self.read_at(0, layout::TABLE_HEADER_SIZE as u64);
        let header = RawHeader::read(&head)?;
        let want = header.bytes_in_use().min(MAX_TABLE_BYTES);
        RawTable::read(&self.read_at(0, want))
    }
}

/// Says why a segment's file could not be opened.
pub(crate) fn open_error(name: &SegmentName, e: &io::Error) -> String {
    match (e.kind(), e.raw_os_error()) {
        (io::ErrorKind::NotFound, _) => format!("segment {} does not exist", name.posix),
        (_, Some(libc::ELOOP)) => format!(
            "{} is a symbolic link, which this tool does not follow",
            name.path().display()
        ),
        _ => format!("cannot read segment {}: {e}", name.posix),
    }
}

/// Opens a regular file for reading without following a link or blocking on a FIFO; other
/// kinds of file are refused.
pub(crate) fn open_regular(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file",
        ));
    }
    Ok(file)
}

/// Copies up to `len` bytes at `offset` from `file`, stopping early at its end.
pub(crate) fn read_at(file: &File, offset: u64, len: u64) -> Vec<u8> {
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..], offset.saturating_add(done as u64)) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    buf.truncate(done);
    buf
}

/// Whether `file` starts with the format's magic number.
pub(crate) fn has_magic(file: &File) -> bool {
    let head = read_at(file, 0, 4);
    head.len() == 4 && u32::from_le_bytes([head[0], head[1], head[2], head[3]]) == layout::MAGIC
}

/// The owner's user name, from `/etc/passwd`, or the number.
pub(crate) fn user_name(uid: u32) -> String {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let id = fields.nth(1)?.parse::<u32>().ok()?;
            (id == uid).then(|| name.to_owned())
        })
        .unwrap_or_else(|| uid.to_string())
}

/// Permission bits as `rw-r-----`.
pub(crate) fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// Owner and permission bits of a file.
pub(crate) fn owner_and_mode(meta: &Metadata) -> (u32, String, u32) {
    (meta.uid(), user_name(meta.uid()), meta.mode() & 0o7777)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_taken_with_or_without_the_slash() {
        assert_eq!(SegmentName::parse("sensors").unwrap().posix, "/sensors");
        assert_eq!(SegmentName::parse("/sensors").unwrap().posix, "/sensors");
        assert_eq!(
            SegmentName::parse("/sensors").unwrap().path(),
            Path::new("/dev/shm/sensors")
        );
        for bad in ["", "/", "a/b", "/../etc/passwd", "..", "/.", "a\0b"] {
            assert!(SegmentName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(SegmentName::parse(&"a".repeat(256)).is_err());
    }

    #[test]
    fn modes_read_like_ls() {
        assert_eq!(mode_string(0o600), "rw-------");
        assert_eq!(mode_string(0o755), "rwxr-xr-x");
    }

    #[test]
    fn root_is_named() {
        assert_eq!(user_name(0), "root");
    }
}
