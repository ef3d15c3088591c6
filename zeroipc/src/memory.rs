//! `Memory`: a mapped segment and its table.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::layout;
use crate::region::Region;
use crate::shm::{self, Access, Shm};
use crate::table::{Entry, Table};

/// How long [`Memory::open`] waits for a segment whose creator has not published it yet.
pub const DEFAULT_OPEN_TIMEOUT: Duration = Duration::from_secs(1);

/// How long adding an entry waits for the segment's table lock by default.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// A shared-memory segment in format v2, mapped into this process.
///
/// A `Memory` is cheap to clone: clones, and every structure handle made from it, share one
/// mapping, which is unmapped when the last of them is dropped. Dropping never removes the
/// segment itself; [`Memory::unlink`] does.
///
/// # Reading only
///
/// A segment opened with [`Options::read_only`] is opened `O_RDONLY` and mapped
/// `PROT_READ`, so read permission on it is enough (a segment of mode `0o644` of another
/// user). [`Memory::open_copy`] reads the segment into private memory instead of mapping it
/// (see below). On either, the writing calls are refused with [`Error::ReadOnly`] before they
/// touch anything: creating a structure, and opening any handle that has writing methods
/// ([`Array::open`](crate::Array::open), [`Queue::open`](crate::Queue::open), a
/// [`Mutex`](crate::Mutex)...), since most of those methods cannot return an error. Reading
/// goes through types that have no writing methods:
/// [`Array::open_read`](crate::Array::open_read), [`Queue::open_read`](crate::Queue::open_read)
/// and [`Stack::open_read`](crate::Stack::open_read), and for any entry (the synchronisation
/// primitives' states included) [`inspect::read`](crate::inspect::read) and
/// [`inspect::check`](crate::inspect::check). A read-only `Memory` holds the attachment lock
/// like any other (a shared lock needs read access only), so it counts as attached; a copy
/// does not.
///
/// # A peer that shrinks the segment
///
/// A mapping is only as long as the object under it: if a process shrinks the segment with
/// `ftruncate` (or replaces its pages), the kernel raises `SIGBUS` in every process that then
/// touches a mapped page past the new end, which kills it unless it handles the signal. No
/// check in this crate can prevent that: the pages vanish between two instructions. Only a
/// process with write permission on the segment can shrink it, so a segment of mode `0o600`
/// (the default) confines this to processes of its owner. A process that must survive any
/// peer, such as a tool that inspects segments of others, reads a private copy with
/// [`Memory::open_copy`]: that copy is made with `pread`, which returns short where the
/// segment ended, and no other process can shrink it.
///
/// # Examples
///
/// ```
/// use zeroipc::{Array, Memory};
/// # let name = format!("/zeroipc_doc_memory_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 20)?;
/// let temps = Array::<f32>::create(&mem, "temperature", 1000)?;
/// temps.set(0, 23.5)?;
///
/// // Another process (here, another mapping) opens it by name.
/// let other = Memory::open(&name)?;
/// let seen = Array::<f32>::open(&other, "temperature")?;
/// assert_eq!(seen.get(0)?, 23.5);
/// Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Memory {
    region: Region,
    table: Table,
    /// Whether the writing calls are refused ([`Error::ReadOnly`]).
    read_only: bool,
}

/// The segment's descriptor: for bindings that map the segment a second time (the Python
/// package's numpy views) or take part in its locks.
#[doc(hidden)]
impl std::os::fd::AsFd for Memory {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.region.shm().as_fd()
    }
}

impl Memory {
    /// Creates a segment of `size` bytes with a table of 64 entries and mode `0o600`.
    ///
    /// The segment must not exist: an existing one, live or stale, is never replaced (see
    /// [`Options::replace`]). The whole segment starts zeroed; the table's magic is written
    /// last, so a process that opens the segment meanwhile waits rather than reads a
    /// half-written table.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`] for a bad name (before any system call),
    /// [`Error::AlreadyExists`] if the name is taken, [`Error::OutOfSpace`] if `size` cannot
    /// hold the table, [`Error::Io`] if the system refuses. On error nothing is left behind.
    pub fn create(name: &str, size: usize) -> Result<Memory> {
        Options::new().create(name, size)
    }

    /// Options for creating (or opening) a segment: table size, permissions, wait time.
    pub fn options() -> Options {
        Options::new()
    }

    /// Opens an existing segment and validates its table.
    ///
    /// Nothing in the segment is trusted: the magic, version, table size, `memory_size`
    /// (against the real size from `fstat`), `next_offset` and every entry (name, alignment,
    /// bounds, overlap) are checked before anything is used. A segment whose magic is still
    /// zero is waited for, up to [`DEFAULT_OPEN_TIMEOUT`].
    ///
    /// The rules are applied in the order [`Rule::ALL`](crate::inspect::Rule::ALL) lists
    /// them (the entries' rules entry by entry, in table order), and the first broken one is
    /// the error; a tool that wants every broken rule of a segment lists them with
    /// [`RawTable::findings`](crate::inspect::RawTable::findings).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], [`Error::InvalidName`], [`Error::NotReady`], and one variant for
    /// each validation rule: [`Error::BadMagic`], [`Error::UnsupportedVersion`],
    /// [`Error::TooManyEntries`], [`Error::TableTooLarge`], [`Error::SizeMismatch`],
    /// [`Error::BadNextOffset`], [`Error::BadEntryName`], [`Error::EntryOutOfBounds`],
    /// [`Error::MisalignedEntry`], [`Error::EntryInTable`], [`Error::OverlappingEntries`].
    pub fn open(name: &str) -> Result<Memory> {
        Options::new().open(name)
    }

    /// Opens a private copy of the segment `name`, read-only: the segment is opened
    /// `O_RDONLY` (read permission is enough), its bytes are copied with `pread` into private
    /// memory of this process, and the copy is validated and read as [`Memory::open`] would
    /// the segment. Nothing another process does to the segment afterwards, shrinking it
    /// included, reaches the copy; a segment that changes while it is copied can give an
    /// inconsistent copy, which validation reports like any other damage.
    ///
    /// The copy takes memory for the segment's bytes that are not zero, is never written
    /// back, and holds no attachment. Its writing calls are refused as those of [`Options::read_only`].
    ///
    /// # Errors
    ///
    /// As [`Memory::open`].
    pub fn open_copy(name: &str) -> Result<Memory> {
        Options::new().private_copy(true).open(name)
    }

    /// Whether this segment was opened read-only ([`Options::read_only`] or
    /// [`Memory::open_copy`]), so that its writing calls are refused.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Removes the segment called `name`. Processes that have it mapped keep using it; the
    /// memory is freed when the last of them unmaps it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidName`], [`Error::NotFound`], [`Error::Io`].
    pub fn unlink(name: &str) -> Result<()> {
        shm::unlink(name)
    }

    /// The segment's name, with its leading `/`.
    pub fn name(&self) -> &str {
        self.region.shm().name()
    }

    /// The segment's size in bytes, as its header records it (never more than the mapping).
    pub fn size(&self) -> u64 {
        self.table.memory_size()
    }

    /// The number of entry slots in the table.
    pub fn max_entries(&self) -> u32 {
        self.table.max_entries()
    }

    /// Bytes in use: the table and every structure so far (the header's `next_offset`).
    ///
    /// # Errors
    ///
    /// A validation error if another process has corrupted the table since it was opened.
    pub fn used(&self) -> Result<u64> {
        self.table.used(&self.region)
    }

    /// The table's entries in table order, read and validated now (other processes may have
    /// added entries since this segment was opened).
    ///
    /// # Errors
    ///
    /// A validation error if another process has corrupted the table.
    ///
    /// # Examples
    ///
    /// ```
    /// # use zeroipc::{Array, Memory};
    /// # let name = format!("/zeroipc_doc_entries_{}", std::process::id());
    /// let mem = Memory::create(&name, 1 << 16)?;
    /// Array::<u64>::create(&mem, "counters", 16)?;
    /// for entry in mem.entries()? {
    ///     println!("{} at {} ({} bytes)", entry.name(), entry.offset(), entry.size());
    /// }
    /// # Memory::unlink(&name)?;
    /// # Ok::<(), zeroipc::Error>(())
    /// ```
    pub fn entries(&self) -> Result<Entries> {
        Ok(Entries {
            inner: self.table.entries(&self.region)?.into_iter(),
        })
    }

    /// Whether any other handle has this segment open: another `Memory` of it in this
    /// process or in another, alive (the kernel drops a handle's attachment when its
    /// process ends, however it ends).
    ///
    /// Every `Memory` holds a shared lock on one byte of the segment's file (an
    /// open-file-description lock, `fcntl(F_OFD_SETLK)`; see SPECIFICATION.md) for as long
    /// as it or a structure opened on it lives, and this asks whether another holds one.
    /// Processes of implementations that do not take that lock (the upstream C++, Go and C
    /// ones) are invisible to it; this crate and its Python package take it.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the system refuses the question.
    pub fn others_attached(&self) -> Result<bool> {
        self.region.shm().others_attached()
    }

    /// Repairs every structure of the segment that peers which died in the middle of an
    /// operation left half-way, and reports what it changed: queues and stacks keep every
    /// item that was fully published, in order, and drop only slots that were never
    /// finished ([`Queue::repair`](crate::Queue::repair),
    /// [`Stack::repair`](crate::Stack::repair)); a mutex held by a dead holder is unlocked;
    /// a barrier's arrivals, and a semaphore's count of waiters, go back to zero.
    ///
    /// The format stores no types, so each entry is repaired as what its bytes and its name
    /// say it is: an entry whose bytes fit several structures that repair differently (a
    /// semaphore's four words can also read as a mutex or a barrier) and whose name hints
    /// at none is not touched and is listed in [`RepairReport::skipped`](crate::RepairReport::skipped); repair it through
    /// its type (`Semaphore::repair`, ...). Entries of structures with nothing to repair
    /// (arrays, and the rest) are left out of the report.
    ///
    /// Repair must be alone: it takes the segment's attachment byte exclusively for the whole
    /// pass, which the system grants only while no other handle is attached (see
    /// [`others_attached`](Memory::others_attached)); meanwhile an `open` of the segment
    /// waits. Handles that share this `Memory`'s mapping (its clones, and the structures
    /// opened on them) cannot be told apart from it: do not use them while it runs. Processes
    /// of implementations that do not take the attachment lock are invisible to it, and a
    /// repair under one of them that is alive may lose what it is doing.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] on a segment opened read-only or a private copy;
    /// [`Error::InUse`] while another handle is attached (nothing is changed); a validation
    /// error if the table is corrupt; [`Error::Corrupt`] for a structure whose header cannot
    /// be repaired (its geometry does not fit its entry), after the entries before it were
    /// repaired; [`Error::Io`] if the system refuses the lock.
    pub fn repair(&self) -> Result<crate::RepairReport> {
        crate::repair::segment(self, None)
    }

    /// As [`repair`](Memory::repair), for the entry called `name` only.
    ///
    /// # Errors
    ///
    /// As [`repair`](Memory::repair), and [`Error::NotFound`] if there is no such entry.
    pub fn repair_entry(&self, name: &str) -> Result<crate::RepairReport> {
        crate::repair::segment(self, Some(name))
    }

    /// The entry called `name`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`], or a validation error if the table is corrupt.
    pub fn find(&self, name: &str) -> Result<Entry> {
        self.table.find(&self.region, name)
    }

    /// Adds an entry of `size` zeroed bytes called `name`, with no structure in it: for
    /// bindings and tools that lay out their own bytes.
    ///
    /// # Errors
    ///
    /// As a structure's `create`: a bad or taken name, a full table, too little room, the
    /// table lock's timeout; on error the segment is unchanged.
    #[doc(hidden)]
    pub fn allocate(&self, name: &str, size: u64) -> Result<Entry> {
        self.add(name, size, |region, offset| {
            // The space was never used, so it is zero unless someone wrote past the table's
            // `next_offset`; make it so in any case, in bounded steps.
            let mut at = 0;
            while at < size {
                let n = (size - at).min(1 << 16);
                region.write_bytes(offset + at, &vec![0; n as usize])?;
                at += n;
            }
            Some(())
        })
    }

    /// The segment's size as the operating system reported it when it was mapped: the
    /// length of the mapping (the header's `memory_size` is [`size`](Memory::size)).
    #[doc(hidden)]
    pub fn mapped_len(&self) -> usize {
        self.region.len()
    }

    /// Adds a table entry of `size` bytes; `init` writes the structure's header at the
    /// offset it is given before the entry is published.
    pub(crate) fn add(
        &self,
        name: &str,
        size: u64,
        init: impl FnOnce(&Region, u64) -> Option<()>,
    ) -> Result<Entry> {
        self.writable()?;
        crate::schema::check_user_name(name)?;
        // A binding's run-time description, if it set one (`schema::recording`).
        let line = crate::schema::take_pending(name);
        let mut init = Some(init);
        let mut once = |offset| init.take().and_then(|f| f(&self.region, offset));
        let mut entries = self.table.add_all_recorded(
            &self.region,
            &mut [(name, size, &mut once)],
            line.as_deref(),
        )?;
        Ok(entries.remove(0))
    }

    /// [`Memory::add`], recording `line` in the segment's schema if it has one (see
    /// [`crate::schema`]).
    pub(crate) fn add_described(
        &self,
        size: u64,
        init: impl FnOnce(&Region, u64) -> Option<()>,
        line: &crate::schema::EntryDesc<'_>,
    ) -> Result<Entry> {
        self.writable()?;
        crate::schema::check_user_name(line.name)?;
        let text = crate::schema::line_text(line);
        let mut init = Some(init);
        let mut once = |offset| init.take().and_then(|f| f(&self.region, offset));
        let mut entries = self.table.add_all_recorded(
            &self.region,
            &mut [(line.name, size, &mut once)],
            Some(&text),
        )?;
        Ok(entries.remove(0))
    }

    /// Adds the schema entry, holding `text` and `spare` bytes of room.
    pub(crate) fn add_schema(&self, text: &[u8], spare: usize) -> Result<Entry> {
        self.writable()?;
        let bytes = crate::schema::entry_bytes(text, spare);
        let mut init = |offset| self.region.write_bytes(offset, &bytes);
        let mut entries = self.table.add_all(
            &self.region,
            &mut [(crate::schema::ENTRY_NAME, bytes.len() as u64, &mut init)],
        )?;
        Ok(entries.remove(0))
    }

    /// Publishes a segment created [`Options::unpublished`].
    pub(crate) fn publish(&self) {
        Table::publish(&self.region);
    }

    /// Adds the entries of a composite structure, each `(name, first bytes, size)` with the
    /// rest of its `size` zero, all or none, under one hold of the table's lock.
    pub(crate) fn add_parts(
        &self,
        parts: &[(&str, &[u8], usize)],
        line: Option<&crate::schema::EntryDesc<'_>>,
    ) -> Result<Vec<Entry>> {
        self.writable()?;
        for &(name, _, _) in parts {
            crate::schema::check_user_name(name)?;
        }
        let mut inits: Vec<_> = parts
            .iter()
            .map(|&(_, bytes, _)| move |offset| self.region.write_bytes(offset, bytes))
            .collect();
        let mut list: Vec<crate::table::NewEntry<'_>> = parts
            .iter()
            .zip(inits.iter_mut())
            .map(|(&(name, _, size), init)| {
                (name, size as u64, init as &mut dyn FnMut(u64) -> Option<()>)
            })
            .collect();
        let text = line.map(crate::schema::line_text);
        self.table
            .add_all_recorded(&self.region, &mut list, text.as_deref())
    }

    /// The mapping, for reading: what a reader, the table and the tools' readings use.
    pub(crate) fn region(&self) -> &Region {
        &self.region
    }

    /// The mapping, for a handle that can write: every writing call of the crate gets its
    /// mapping here (the handles' `open` and `create`) or through [`Memory::add`], and so is
    /// refused on a read-only segment before it touches anything.
    ///
    /// # Errors
    ///
    /// [`Error::ReadOnly`] on a segment opened read-only.
    pub(crate) fn writable(&self) -> Result<&Region> {
        if self.read_only {
            return Err(Error::ReadOnly {
                segment: self.name().to_owned(),
            });
        }
        Ok(&self.region)
    }

    /// The same segment, for a reader to open a handle over it: the handle's `open` only
    /// validates, and the reader that keeps it calls only its reading methods, so neither
    /// writes, whatever the mapping. Never handed out, and never used to add entries.
    pub(crate) fn for_reading(&self) -> Memory {
        Memory {
            read_only: false,
            ..self.clone()
        }
    }
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("name", &self.name())
            .field("size", &self.size())
            .field("max_entries", &self.max_entries())
            .finish_non_exhaustive()
    }
}

/// The entries of a segment's table, in table order. See [`Memory::entries`].
#[derive(Debug)]
pub struct Entries {
    inner: std::vec::IntoIter<Entry>,
}

impl Iterator for Entries {
    type Item = Entry;

    fn next(&mut self) -> Option<Entry> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for Entries {}

/// How to create or open a segment.
///
/// # Examples
///
/// ```
/// # use zeroipc::Memory;
/// # let name = format!("/zeroipc_doc_options_{}", std::process::id());
/// let mem = Memory::options().max_entries(128).mode(0o640).create(&name, 1 << 20)?;
/// assert_eq!(mem.max_entries(), 128);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone, Debug)]
#[allow(clippy::struct_excessive_bools)] // independent switches of a builder
pub struct Options {
    max_entries: u32,
    mode: u32,
    timeout: Duration,
    lock_timeout: Duration,
    replace_if_stale: bool,
    read_only: bool,
    private_copy: bool,
    /// Room for schema text in a schema entry made at create, if any.
    schema: Option<usize>,
    /// Whether `create` publishes the segment (stores its magic); the creator of a declared
    /// segment publishes it itself once every entry is in.
    publish: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// 64 table entries, mode `0o600`, a wait of [`DEFAULT_OPEN_TIMEOUT`].
    pub fn new() -> Options {
        Options {
            max_entries: layout::DEFAULT_MAX_ENTRIES,
            mode: 0o600,
            timeout: DEFAULT_OPEN_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            replace_if_stale: false,
            read_only: false,
            private_copy: false,
            schema: None,
            publish: true,
        }
    }

    /// Whether `create` gives the segment a schema entry (see [`crate::schema`]), with room
    /// for `bytes` of schema text: then every structure this crate creates in it records its
    /// kind, parameters and element type there (one line of about 60 to 200 bytes each; a
    /// schema that is full leaves later entries undescribed). The entry is written before the
    /// segment is published. `None` (the default): no schema entry.
    #[must_use]
    pub fn schema(mut self, bytes: Option<usize>) -> Options {
        self.schema = bytes;
        self
    }

    /// `create` leaves the segment unpublished (its magic zero, so openers wait), for
    /// [`Memory::publish`] once its entries are in.
    pub(crate) fn unpublished(mut self) -> Options {
        self.publish = false;
        self
    }

    /// The number of entry slots of a segment to create. Segments meant for the other
    /// implementations keep the default, 64: some of them assume it.
    #[must_use]
    pub fn max_entries(mut self, max_entries: u32) -> Options {
        self.max_entries = max_entries;
        self
    }

    /// The permission bits of a segment to create, applied exactly (the umask does not
    /// narrow them).
    #[must_use]
    pub fn mode(mut self, mode: u32) -> Options {
        self.mode = mode & 0o7777;
        self
    }

    /// How long `open` waits for a segment whose creator has not published it yet.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Options {
        self.timeout = timeout;
        self
    }

    /// How long adding an entry through the handle waits for the table lock, which another
    /// process holds while it adds one (default [`DEFAULT_LOCK_TIMEOUT`]); past it the add
    /// fails with [`Error::Timeout`] and changes nothing.
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Duration) -> Options {
        self.lock_timeout = timeout;
        self
    }

    /// Whether [`create`](Options::create) replaces an existing segment of the same name
    /// that nobody is attached to (see [`Memory::others_attached`]): the restart after a
    /// crash. While any handle is attached, `create` still fails with
    /// [`Error::AlreadyExists`] and the segment is left as it is.
    ///
    /// Only handles of implementations that take the attachment lock count (this crate and
    /// its Python package); a process of another implementation that has the segment open
    /// is invisible, and its segment can be replaced under it.
    #[must_use]
    pub fn replace_if_stale(mut self, replace_if_stale: bool) -> Options {
        self.replace_if_stale = replace_if_stale;
        self
    }

    /// Whether [`open`](Options::open) opens the segment read-only: `O_RDONLY` and a
    /// `PROT_READ` mapping, so that read permission on it is enough, with every writing call
    /// refused ([`Error::ReadOnly`]); see [`Memory`]'s "Reading only". `create` and `replace`
    /// with this option fail with [`Error::ReadOnly`].
    #[must_use]
    pub fn read_only(mut self, read_only: bool) -> Options {
        self.read_only = read_only;
        self
    }

    /// Whether [`open`](Options::open) opens a private copy of the segment (read-only), as
    /// [`Memory::open_copy`] does: for tools that must survive whatever a peer does to the
    /// segment.
    #[must_use]
    pub fn private_copy(mut self, private_copy: bool) -> Options {
        self.private_copy = private_copy;
        self
    }

    fn access(&self) -> Access {
        if self.private_copy {
            Access::Copy
        } else if self.read_only {
            Access::ReadOnly
        } else {
            Access::ReadWrite
        }
    }

    /// Creates a segment; see [`Memory::create`].
    ///
    /// # Errors
    ///
    /// As [`Memory::create`]; [`Error::ReadOnly`] with [`read_only`](Options::read_only) or
    /// [`private_copy`](Options::private_copy).
    pub fn create(&self, name: &str, size: usize) -> Result<Memory> {
        if self.access() != Access::ReadWrite {
            return Err(Error::ReadOnly {
                segment: name.to_owned(),
            });
        }
        match self.create_new(name, size) {
            Err(Error::AlreadyExists { .. }) if self.replace_if_stale => {
                shm::unlink_if_stale(name)?;
                self.create_new(name, size)
            }
            other => other,
        }
    }

    fn create_new(&self, name: &str, size: usize) -> Result<Memory> {
        shm::check_segment_name(name)?;
        let table_size = layout::table_size(self.max_entries);
        if (size as u64) < table_size {
            return Err(Error::OutOfSpace {
                requested: table_size,
                available: size as u64,
            });
        }
        let region =
            Region::new(Shm::create(name, size, self.mode)?.with_lock_timeout(self.lock_timeout));
        let table = Table::create_unpublished(&region, self.max_entries)
            .unwrap_or_else(|_| unreachable!("the size was checked against the table above"));
        let mem = Memory {
            region,
            table,
            read_only: false,
        };
        if let Some(spare) = self.schema {
            if let Err(e) = mem.add_schema(&[], spare) {
                // The segment is ours (created above with O_EXCL) and unpublished: remove it.
                let _ = shm::unlink(name);
                return Err(e);
            }
        }
        if self.publish {
            mem.publish();
        }
        Ok(mem)
    }

    /// Removes any segment called `name`, then creates a new one: for replacing a stale
    /// segment left by a process that died. Processes that still have the old one mapped
    /// keep it, and no longer share anything with the new one.
    ///
    /// # Errors
    ///
    /// As [`Memory::create`], and [`Error::Io`] if the old segment cannot be removed.
    pub fn replace(&self, name: &str, size: usize) -> Result<Memory> {
        if self.access() != Access::ReadWrite {
            return Err(Error::ReadOnly {
                segment: name.to_owned(),
            });
        }
        match shm::unlink(name) {
            Ok(()) | Err(Error::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        self.create(name, size)
    }

    /// Opens a segment; see [`Memory::open`].
    ///
    /// # Errors
    ///
    /// As [`Memory::open`].
    pub fn open(&self, name: &str) -> Result<Memory> {
        let access = self.access();
        let region = Region::new(
            Shm::open(name, self.timeout, access)?.with_lock_timeout(self.lock_timeout),
        );
        let table = Table::open(&region, name, self.timeout)?;
        Ok(Memory {
            region,
            table,
            read_only: access != Access::ReadWrite,
        })
    }
}
