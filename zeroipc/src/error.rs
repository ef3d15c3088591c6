//! The one error type of the crate.
//!
//! Every failure, whether a caller's mistake, a system call that failed or a segment that
//! another process filled with something unexpected, comes back as an [`Error`] value that
//! names what is wrong. The library never prints, logs or exits.

use std::fmt;
use std::io;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, with the data needed to act on it.
///
/// The variants that describe a segment's contents (`BadMagic` to `Corrupt`) come from
/// validation: the bytes of a shared-memory segment are never trusted, so a segment that
/// another process wrote badly, or on purpose, is reported here instead of being read.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A segment name or entry name breaks the naming rules; nothing was done.
    InvalidName {
        /// The name as given.
        name: String,
        /// Which rule it breaks.
        reason: &'static str,
    },
    /// An entry name is longer than the 31 bytes a table entry holds.
    NameTooLong {
        /// The name as given.
        name: String,
        /// Its length in bytes.
        len: usize,
    },
    /// No segment, or no table entry, of that name exists.
    NotFound {
        /// The segment or entry name.
        name: String,
    },
    /// A segment, or a table entry, of that name exists already.
    AlreadyExists {
        /// The segment or entry name.
        name: String,
    },
    /// Every entry slot of the table is in use.
    TableFull {
        /// The number of slots in the table.
        max_entries: u32,
    },
    /// The segment has too little room left for a new structure, or the size asked for
    /// cannot hold what it must.
    OutOfSpace {
        /// Bytes needed.
        requested: u64,
        /// Bytes available.
        available: u64,
    },
    /// The segment exists but its creator has not published it (stored its magic) within the
    /// time allowed.
    NotReady {
        /// The segment name.
        name: String,
    },
    /// The segment does not start with the format's magic number.
    BadMagic {
        /// The value found at offset 0.
        found: u32,
    },
    /// The segment is of a format version this crate does not read.
    UnsupportedVersion {
        /// The version found at offset 4.
        found: u32,
    },
    /// The header claims more entries in use than the table has slots.
    TooManyEntries {
        /// `entry_count` from the header.
        entry_count: u32,
        /// `max_entries` from the header.
        max_entries: u32,
    },
    /// The table, as the header describes it, does not fit in the segment.
    TableTooLarge {
        /// Bytes the table needs (`32 + 48 * max_entries`).
        table_size: u64,
        /// The segment's real size.
        segment_size: u64,
    },
    /// The header's `memory_size` is larger than the segment really is.
    SizeMismatch {
        /// `memory_size` from the header.
        header: u64,
        /// The segment's real size, from the operating system.
        actual: u64,
    },
    /// The header's `next_offset` lies inside the table, past the segment, or before the end
    /// of an existing entry.
    BadNextOffset {
        /// `next_offset` from the header.
        next_offset: u64,
    },
    /// A table entry's name has no terminating NUL within its 32 bytes, or is not UTF-8.
    BadEntryName {
        /// The index of the entry in the table.
        index: u32,
    },
    /// A table entry reaches past the end of the segment (or its end overflows).
    EntryOutOfBounds {
        /// The entry's name.
        name: String,
        /// Its offset.
        offset: u64,
        /// Its size.
        size: u64,
        /// The segment's size.
        segment_size: u64,
    },
    /// A table entry's offset is not a multiple of 8.
    MisalignedEntry {
        /// The entry's name.
        name: String,
        /// Its offset.
        offset: u64,
    },
    /// A table entry starts inside the table itself.
    EntryInTable {
        /// The entry's name.
        name: String,
        /// Its offset.
        offset: u64,
        /// Where the table ends.
        table_end: u64,
    },
    /// Two table entries share bytes.
    OverlappingEntries {
        /// The entry that starts first.
        first: String,
        /// The entry that starts inside it.
        second: String,
    },
    /// A structure's stored capacity does not match the size of its table entry.
    CapacityMismatch {
        /// The entry's name.
        name: String,
        /// The capacity stored in the structure's header.
        capacity: u64,
        /// The entry's size in the table.
        entry_size: u64,
    },
    /// A structure holds elements of another size than the type it is opened as.
    ElementSizeMismatch {
        /// The entry's name.
        name: String,
        /// `size_of::<T>()` of the type asked for.
        expected: u64,
        /// The element size the segment records or implies.
        found: u64,
    },
    /// A structure's own header is inconsistent in some other way.
    Corrupt {
        /// The entry's name.
        name: String,
        /// What is wrong.
        what: String,
    },
    /// An entry differs from what a `#[zeroipc::segment]` declaration says it is.
    DeclarationMismatch {
        /// The entry's name.
        name: String,
        /// What differs: `"len"`, `"capacity"` or `"size"` (of the entry, in bytes).
        what: &'static str,
        /// The value the declaration implies.
        expected: u64,
        /// The value found in the segment.
        found: u64,
    },
    /// The segment's schema entry (`zeroipc.schema`) is damaged: the schema, like every
    /// byte of a segment, is untrusted input.
    BadSchema {
        /// What is wrong.
        what: String,
    },
    /// A structure holds elements of another type than the one it is opened or declared
    /// with, as the segment's schema records it.
    TypeMismatch {
        /// The entry's name.
        name: String,
        /// The type asked for.
        expected: String,
        /// The type the schema records.
        found: String,
    },
    /// An entry is of another kind than declared, as the segment's schema records it.
    KindMismatch {
        /// The entry's name.
        name: String,
        /// The kind declared.
        expected: String,
        /// The kind the schema records.
        found: String,
    },
    /// A declared field of a `#[zeroipc::segment]` struct did not match the segment.
    Field {
        /// The field's name in the Rust struct.
        field: &'static str,
        /// What was wrong with its entry.
        source: Box<Error>,
    },
    /// An index past the end of a structure.
    IndexOutOfBounds {
        /// The index asked for.
        index: usize,
        /// The structure's length.
        len: usize,
    },
    /// A wait ran out of time.
    Timeout,
    /// A map or set has no free slot for a new key on the key's probe path.
    Full {
        /// The entry's name.
        name: String,
    },
    /// A semaphore's count is already at its maximum (`max_count`, or `i32::MAX` for an
    /// unbounded one), so a post would break the bound; nothing was changed.
    CountAtMaximum {
        /// The semaphore's entry name.
        name: String,
        /// The maximum it is at.
        max: i32,
    },
    /// A writing call on a segment opened read-only ([`Options::read_only`](crate::Options::read_only)
    /// or [`Memory::open_copy`](crate::Memory::open_copy)): creating a structure, or opening
    /// one of the handles that can write. Refused before anything was written; read with the
    /// structures' readers instead.
    ReadOnly {
        /// The segment's name.
        segment: String,
    },
    /// A queue's or stack's next slot was claimed by a peer that had not finished with it
    /// for the whole of the caller's wait: its counters say there is an item (or room), and
    /// the slot says not yet. The peer may be slow, stopped, or dead; a dead one's claim
    /// stays until a repair (see `Queue::repair`) undoes it.
    Stalled {
        /// The entry's name.
        entry: String,
        /// The position (a queue's free-running position, a stack's slot index) whose claim
        /// did not finish.
        position: u64,
    },
    /// A repair was refused because the segment is not the caller's alone; nothing was
    /// changed.
    InUse {
        /// The segment's name.
        name: String,
        /// Why it is not alone.
        reason: String,
    },
    /// A system call failed.
    Io {
        /// What was being done.
        op: &'static str,
        /// The operating system's error.
        source: io::Error,
    },
}

impl Error {
    /// Wraps an error so that it names the declared field it happened in.
    #[must_use]
    pub fn in_field(self, field: &'static str) -> Error {
        Error::Field {
            field,
            source: Box::new(self),
        }
    }

    #[cfg(not(loom))]
    pub(crate) fn io(op: &'static str) -> Error {
        Error::Io {
            op,
            source: io::Error::last_os_error(),
        }
    }

    #[cfg(not(loom))]
    pub(crate) fn corrupt(name: &str, what: impl Into<String>) -> Error {
        Error::Corrupt {
            name: name.to_owned(),
            what: what.into(),
        }
    }
}

impl fmt::Display for Error {
    #[allow(clippy::too_many_lines)] // one arm per variant
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidName { name, reason } => write!(f, "invalid name {name:?}: {reason}"),
            Error::NameTooLong { name, len } => write!(
                f,
                "entry name {name:?} is {len} bytes long; a table entry holds at most 31"
            ),
            Error::NotFound { name } => write!(f, "{name:?} does not exist"),
            Error::AlreadyExists { name } => write!(
                f,
                "{name:?} already exists; open it, or remove it first if it is stale"
            ),
            Error::TableFull { max_entries } => write!(
                f,
                "the segment's table is full ({max_entries} entries); create the segment with a larger table"
            ),
            Error::OutOfSpace {
                requested,
                available,
            } => write!(
                f,
                "not enough room in the segment: {requested} bytes needed, {available} available"
            ),
            Error::NotReady { name } => write!(
                f,
                "segment {name:?} exists but its creator has not finished initialising it"
            ),
            Error::BadMagic { found } => write!(
                f,
                "not a zeroipc segment: magic is {found:#010x}, expected 0x5a49504d"
            ),
            Error::UnsupportedVersion { found } => {
                write!(f, "segment has format version {found}; this crate reads version 2")
            }
            Error::TooManyEntries {
                entry_count,
                max_entries,
            } => write!(
                f,
                "corrupt table: entry_count {entry_count} is larger than max_entries {max_entries}"
            ),
            Error::TableTooLarge {
                table_size,
                segment_size,
            } => write!(
                f,
                "corrupt table: the table needs {table_size} bytes but the segment has {segment_size}"
            ),
            Error::SizeMismatch { header, actual } => write!(
                f,
                "corrupt header: memory_size is {header} bytes but the segment has {actual}"
            ),
            Error::BadNextOffset { next_offset } => write!(
                f,
                "corrupt header: next_offset {next_offset} is inside the table, past the segment, or before an entry's end"
            ),
            Error::BadEntryName { index } => write!(
                f,
                "corrupt table: the name of entry {index} is not NUL-terminated UTF-8"
            ),
            Error::EntryOutOfBounds {
                name,
                offset,
                size,
                segment_size,
            } => write!(
                f,
                "corrupt entry {name:?}: offset {offset} + size {size} reaches past the segment's {segment_size} bytes"
            ),
            Error::MisalignedEntry { name, offset } => write!(
                f,
                "corrupt entry {name:?}: offset {offset} is not a multiple of 8"
            ),
            Error::EntryInTable {
                name,
                offset,
                table_end,
            } => write!(
                f,
                "corrupt entry {name:?}: offset {offset} lies inside the table, which ends at {table_end}"
            ),
            Error::OverlappingEntries { first, second } => {
                write!(f, "corrupt table: entries {first:?} and {second:?} overlap")
            }
            Error::CapacityMismatch {
                name,
                capacity,
                entry_size,
            } => write!(
                f,
                "corrupt entry {name:?}: a capacity of {capacity} does not fit its entry size of {entry_size} bytes"
            ),
            Error::ElementSizeMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "entry {name:?} holds elements of {found} bytes, not {expected}; open it with the element type it was created with"
            ),
            Error::Corrupt { name, what } => write!(f, "corrupt entry {name:?}: {what}"),
            Error::DeclarationMismatch {
                name,
                what,
                expected,
                found,
            } => write!(
                f,
                "entry {name:?} has {what} {expected} in the declaration but {found} in the segment"
            ),
            Error::BadSchema { what } => write!(f, "bad schema entry \"zeroipc.schema\": {what}"),
            Error::TypeMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "entry {name:?} holds elements of type {found} but is used as {expected}"
            ),
            Error::KindMismatch {
                name,
                expected,
                found,
            } => write!(
                f,
                "entry {name:?} is a {found} in the segment's schema but a {expected} in the declaration"
            ),
            Error::Field { field, source } => write!(f, "field `{field}`: {source}"),
            Error::IndexOutOfBounds { index, len } => {
                write!(f, "index {index} is out of bounds for length {len}")
            }
            Error::Timeout => write!(f, "the wait timed out"),
            Error::ReadOnly { segment } => write!(
                f,
                "segment {segment:?} is open read-only: it can be read, not written"
            ),
            Error::Full { name } => write!(
                f,
                "{name:?} is full: every slot on the key's probe path holds another key (size the structure for every key it will ever hold)"
            ),
            Error::CountAtMaximum { name, max } => write!(
                f,
                "semaphore {name:?} is already at its maximum count {max}; post only what was waited for"
            ),
            Error::Stalled { entry, position } => write!(
                f,
                "entry {entry:?} is stalled at position {position}: a peer claimed it and did not finish within the wait (a dead peer's claim stays until a repair)"
            ),
            Error::InUse { name, reason } => write!(f, "segment {name:?} is in use: {reason}"),
            Error::Io { op, source } => write!(f, "{op} failed: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Field { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Why a push that waits ([`Queue::push_timeout`](crate::Queue::push_timeout),
/// [`Stack::push_timeout`](crate::Stack::push_timeout)) gave up: the value it hands back, and
/// the reason, an [`Error`]: [`Error::Timeout`] when the structure stayed full for the whole
/// wait, [`Error::Stalled`] when there was room by the counters but the slot the push needs
/// stayed claimed by a peer that had not finished with it (a slow, stopped or dead peer), or
/// a validation error for a header found corrupt.
///
/// `?` turns it into its [`Error`], dropping the value.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Error, Memory, Queue};
/// # let name = format!("/zeroipc_doc_push_timeout_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let jobs = Queue::<u32>::create(&mem, "jobs", 2)?;
/// jobs.push_timeout(1, Duration::ZERO)?;
/// jobs.push_timeout(2, Duration::ZERO)?;
///
/// let full = jobs.push_timeout(3, Duration::from_millis(1)).unwrap_err();
/// assert!(matches!(full.error(), Error::Timeout));
/// assert_eq!(full.into_inner(), 3);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Debug)]
pub struct PushTimeoutError<T> {
    value: T,
    error: Error,
}

impl<T> PushTimeoutError<T> {
    #[cfg(not(loom))]
    pub(crate) fn new(value: T, error: Error) -> PushTimeoutError<T> {
        PushTimeoutError { value, error }
    }

    /// The value that was not pushed.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Why it was not pushed.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// Whether a peer's unfinished claim held the push up (the error is
    /// [`Error::Stalled`]), rather than a full structure or a corrupt one.
    pub fn is_stalled(&self) -> bool {
        matches!(self.error, Error::Stalled { .. })
    }

    /// The value that was not pushed, taken back.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The value and the reason, apart.
    pub fn into_parts(self) -> (T, Error) {
        (self.value, self.error)
    }
}

impl<T> fmt::Display for PushTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the value was not pushed: {}", self.error)
    }
}

impl<T: fmt::Debug> std::error::Error for PushTimeoutError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl<T> From<PushTimeoutError<T>> for Error {
    fn from(e: PushTimeoutError<T>) -> Error {
        e.error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_lower_case_line() {
        let errors = [
            Error::NotFound { name: "/x".into() },
            Error::BadMagic { found: 7 },
            Error::Timeout,
            Error::Stalled {
                entry: "jobs".into(),
                position: 7,
            },
            Error::InUse {
                name: "/x".into(),
                reason: "another handle is attached".into(),
            },
            Error::Field {
                field: "temps",
                source: Box::new(Error::NotFound {
                    name: "sensor_data".into(),
                }),
            },
        ];
        for e in errors {
            let text = e.to_string();
            assert!(!text.contains('\n'), "{text}");
            assert!(!text.ends_with('.'), "{text}");
            let first = text.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{text}");
        }
    }

    #[test]
    fn field_error_names_field_and_entry() {
        let e = Error::NotFound {
            name: "sensor_data".into(),
        }
        .in_field("temps");
        assert_eq!(
            e.to_string(),
            "field `temps`: \"sensor_data\" does not exist"
        );
        assert!(std::error::Error::source(&e).is_some());
    }
}
