//! `RwLock` (the format's RWLock): many readers or one writer, between processes.
//!
//! Layout: an 8-byte entry `<name>_state` holding `i32 readers` at 0x00 (readers inside) and
//! `i32 writer_active` at 0x04 (1 while a writer holds or is taking the lock); mutexes
//! `<name>_rmtx` (readers enter one at a time under it) and `<name>_wmtx` (held by the
//! writer); then a 1-byte marker entry `<name>`, created last.
//!
//! A writer takes `<name>_wmtx`, then raises `writer_active` while holding `<name>_rmtx`,
//! releases `<name>_rmtx`, and waits for `readers` to reach 0. A reader, under
//! `<name>_rmtx`, counts itself in `readers` and then looks at `writer_active`: if a writer
//! is there it counts itself out again, releases the mutex and waits for the writer to
//! leave. A reader counts itself out without the mutex.
//!
//! The readers of the other implementations look at `writer_active` first and count
//! themselves in after, under `<name>_rmtx`: against them only the mutex keeps a writer out,
//! which is why the writer raises the flag holding it (one that did not would let such a
//! reader in while it writes). This implementation's readers count in before they look,
//! both sides with sequentially consistent operations, so that either the reader sees the
//! writer or the writer sees the reader even without the mutex: they are also safe against
//! a writer that raises the flag without it, as long as that writer's store and load are
//! sequentially consistent.
//!
//! Nobody waits while holding `<name>_rmtx`: readers hold it to count in and look, writers to
//! raise the flag, and the wait for readers comes after it is released, so readers, which
//! leave without it, are never kept from leaving. The order is `<name>_wmtx` then
//! `<name>_rmtx`; readers never take `<name>_wmtx`.
//!
//! The part on the two words is written once, over [`RwLockView`]; the handle [`RwLock`]
//! builds the view from a mapping, and the loom tests build it from heap atomics. The loom
//! tests keep `<name>_rmtx` (a semaphore view of one permit) for their writers and for a
//! reader of the other implementations' protocol, and leave it out of this implementation's
//! readers, so that they check both that the mutex keeps such a reader out and that this
//! implementation's readers need only the two words. They leave `<name>_wmtx` out (writers
//! excluding each other is its job, a [`Mutex`] whose semaphore is checked on its own) and
//! run one writer at a time.

use crate::atomic::{fence, AtomicU32, Ordering};
use crate::sync::{wake_all, I32};
use crate::wait::Wait;

#[cfg(not(loom))]
use std::fmt;
#[cfg(not(loom))]
use std::time::{Duration, Instant};

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    parts::{open_marker, part_name, Parts},
    sync::mutex::{Mutex, MutexGuard},
    wait::{deadline, remaining},
    words::Words,
};

/// Offset of `readers` in the state entry.
#[cfg(not(loom))]
const READERS_OFFSET: usize = 0x00;
/// Offset of `writer_active`.
#[cfg(not(loom))]
const WRITER_ACTIVE_OFFSET: usize = 0x04;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a read-write lock's state entry: `i32 readers, i32 writer_active`.
pub const RWLOCK_STATE_SIZE: usize = 8;

/// Suffix of a read-write lock's state entry.
pub const RWLOCK_STATE_SUFFIX: &str = "_state";

/// Suffix of a read-write lock's reader mutex entry.
pub const RWLOCK_READ_MUTEX_SUFFIX: &str = "_rmtx";

/// Suffix of a read-write lock's writer mutex entry.
pub const RWLOCK_WRITE_MUTEX_SUFFIX: &str = "_wmtx";

// ---- The algorithm -------------------------------------------------------------------------

/// A reader-writer lock as the algorithm sees it: its two words. The mutexes are the
/// caller's: readers enter under `<name>_rmtx`; a writer holds `<name>_wmtx` from before
/// [`raise_write`](RwLockView::raise_write) until after
/// [`leave_write`](RwLockView::leave_write), and `<name>_rmtx` around `raise_write`.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug)]
pub struct RwLockView<'a> {
    readers: I32<'a>,
    writer: I32<'a>,
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> RwLockView<'a> {
    /// The view of the lock whose state words are `readers` and `writer_active`.
    pub fn new(readers: &'a AtomicU32, writer_active: &'a AtomicU32) -> RwLockView<'a> {
        RwLockView {
            readers: I32::new(readers),
            writer: I32::new(writer_active),
        }
    }

    /// Readers inside now, as the shared count says: a snapshot.
    pub fn readers(self) -> i32 {
        // Relaxed: a snapshot; nothing is read on the strength of it.
        self.readers.load(Ordering::Relaxed)
    }

    /// Whether `writer_active` is raised now: a snapshot.
    pub fn is_write_locked(self) -> bool {
        // Relaxed: as in `readers`.
        self.writer.load(Ordering::Relaxed) != 0
    }

    /// Counts this reader in (under the readers' mutex); counts it out again and answers
    /// `false` if a writer is there.
    pub fn enter_read(self) -> bool {
        // SeqCst: with the SeqCst store of `writer_active` and load of `readers` in
        // `enter_write` (and the fences between them, here and there): either this reader
        // sees the writer below, or the writer sees this reader. Its Acquire half pairs with
        // the Release decrement in `leave_read` of the readers before; what matters for data
        // is the load below.
        self.readers.fetch_add(1, Ordering::SeqCst);
        // SeqCst fence: pairs with the SeqCst fence in `enter_write`. Whichever of the two
        // comes first in the single order of SeqCst fences, the load after the other sees
        // the store before it (or a later value). This says again what the SeqCst accesses
        // say, in the form loom checks: loom takes SeqCst accesses for AcqRel ones, and
        // checks SeqCst fences.
        fence(Ordering::SeqCst);
        // SeqCst: see above. Acquire half: pairs with the Release store of 0 in
        // `leave_write`, so what the last writer did happens before this reader reads.
        if self.writer.load(Ordering::SeqCst) == 0 {
            return true;
        }
        self.leave_read();
        false
    }

    /// Counts a reader out, waking a writer waiting for the last one.
    pub fn leave_read(self) {
        // Release: pairs with the Acquire (SeqCst) loads of `readers` in `enter_write`, so
        // what this reader read happens before the writer writes.
        let before = self.readers.fetch_sub(1, Ordering::Release);
        if before <= 1 {
            wake_all(self.readers.word());
        }
    }

    /// Waits with `wait` until no writer is there; `false` once `wait` gives up.
    pub fn wait_for_writer(self, wait: &mut Wait) -> bool {
        // Exit: `writer_active` lowered, or the time up.
        loop {
            // Relaxed: only a hint to try again; the next `enter_read` decides.
            let writer = self.writer.load(Ordering::Relaxed);
            if writer == 0 {
                return true;
            }
            if !wait.wait(self.writer.word(), writer as u32) {
                return false;
            }
        }
    }

    /// Raises `writer_active`. The caller holds the writers' mutex, and the readers' mutex
    /// around this call (so that readers of the other implementations, which look before
    /// they count themselves in, see the flag or are counted before the writer looks); then,
    /// without the readers' mutex, it waits for the readers with
    /// [`wait_for_readers`](RwLockView::wait_for_readers).
    pub fn raise_write(self) {
        // SeqCst: pairs with the SeqCst increment of `readers` and load of `writer_active`
        // in `enter_read`, as the fences below pair (see there). Against readers that look
        // before they count in, the readers' mutex orders this store instead: their
        // critical section comes wholly before or after the caller's.
        self.writer.store(1, Ordering::SeqCst);
        // SeqCst fence: pairs with the SeqCst fence in `enter_read` (see there).
        fence(Ordering::SeqCst);
    }

    /// Whether no reader is inside, once `writer_active` is raised.
    pub fn no_readers(self) -> bool {
        // SeqCst: with the store and fence in `raise_write` (see there). Its Acquire half
        // pairs with the Release decrement in `leave_read` (ours and the other
        // implementations'), so what the readers read happens before this writer writes.
        self.readers.load(Ordering::SeqCst) <= 0
    }

    /// Waits with `wait` until no reader is inside, after
    /// [`raise_write`](RwLockView::raise_write); `false` once `wait` gives up, and the
    /// caller then lowers the flag with [`leave_write`](RwLockView::leave_write). The caller
    /// holds the writers' mutex, not the readers' one: readers leave without it, and
    /// readers of the other implementations that find the flag raised release it to wait.
    pub fn wait_for_readers(self, wait: &mut Wait) -> bool {
        // Exit: the readers gone, or the time up.
        while !self.no_readers() {
            // Relaxed: only the value to sleep on; `no_readers` looks again.
            let readers = self.readers.load(Ordering::Relaxed);
            if readers <= 0 {
                continue;
            }
            if !wait.wait(self.readers.word(), readers as u32) {
                return false;
            }
        }
        true
    }

    /// Lowers `writer_active` and wakes readers waiting for it. The caller still holds the
    /// writers' mutex, and releases it after.
    pub fn leave_write(self) {
        // Release: pairs with the Acquire (SeqCst) load of `writer_active` in `enter_read`,
        // so what this writer wrote happens before the next reader reads.
        self.writer.store(0, Ordering::Release);
        wake_all(self.writer.word());
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A reader-writer lock in a segment, shared by threads and processes in any language that
/// speaks the format.
///
/// [`read`](RwLock::read) and its `try_`/`_timeout` forms return an [`RwLockReadGuard`]; any
/// number of them may be held at once. [`write`](RwLock::write) and its forms return an
/// [`RwLockWriteGuard`], held by one at a time and never together with a read guard. Like
/// [`Mutex`], the lock guards no data of its own: it orders what processes do to other
/// entries while they hold it.
///
/// The lock is four table entries, `<name>_state`, `<name>_rmtx`, `<name>_wmtx` and the
/// marker `<name>`, so `name` must leave room for the longest suffix (25 bytes at most).
/// The [`segment`](crate::segment) macro does not declare reader-writer locks: it declares
/// one entry per field.
///
/// A process that dies holding the lock never releases it: the blocking forms would then
/// wait for ever; the `_timeout` forms report [`Error::Timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Memory, RwLock};
/// # let name = format!("/zeroipc_doc_rwlock_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let lock = RwLock::create(&mem, "table_lock")?;
/// let other = RwLock::open(&Memory::open(&name)?, "table_lock")?;
/// {
///     let _a = lock.read_timeout(Duration::from_secs(1))?;
///     let _b = other.try_read().expect("readers share the lock");
///     assert!(other.try_write().is_none());
/// }
/// let _w = other.write_timeout(Duration::from_secs(1))?;
/// assert!(lock.try_read().is_none());
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct RwLock {
    state: Words,
    rmtx: Mutex,
    wmtx: Mutex,
    name: String,
}

#[cfg(not(loom))]
impl RwLock {
    /// Adds an unlocked reader-writer lock called `name`: the entries `name_state`,
    /// `name_rmtx`, `name_wmtx`, then the marker `name`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] if `name_state` would be longer than 31 bytes,
    /// [`Error::InvalidName`], [`Error::AlreadyExists`] if any of the four names is taken,
    /// [`Error::TableFull`] or [`Error::OutOfSpace`] if the four entries do not all fit; a
    /// validation error if the table is corrupt. Each is found before anything is added, so
    /// the segment is unchanged (unless another process adds entries at the same moment and
    /// takes the last room: then the entries added so far stay, without the marker, and
    /// [`open`](RwLock::open) does not see a lock).
    pub fn create(mem: &Memory, name: &str) -> Result<RwLock> {
        let state_name = part_name(name, RWLOCK_STATE_SUFFIX);
        let rmtx_name = part_name(name, RWLOCK_READ_MUTEX_SUFFIX);
        let wmtx_name = part_name(name, RWLOCK_WRITE_MUTEX_SUFFIX);
        Parts::default()
            .words(&state_name, [0i32; 2])
            .semaphore(&rmtx_name, 1, 1)
            .semaphore(&wmtx_name, 1, 1)
            .marker(name)
            .add_described(
                mem,
                &crate::schema::EntryDesc {
                    parts: &[&state_name, &rmtx_name, &wmtx_name],
                    ..crate::schema::EntryDesc::new(name, "rwlock")
                },
            )?;
        RwLock::open(mem, name)
    }

    /// Opens the reader-writer lock called `name`: its marker must exist; then checks its
    /// state (8 bytes, `readers` 0 or more, `writer_active` 0 or 1) and opens its two
    /// mutexes as [`Mutex::open`] does.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] naming whichever entry is missing (the marker `name` first);
    /// [`Error::Corrupt`] naming the entry at fault; a validation error if the table is
    /// corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<RwLock> {
        open_marker(mem, name, "reader-writer lock")?;
        let state_name = part_name(name, RWLOCK_STATE_SUFFIX);
        let state = Words::open(
            mem,
            &state_name,
            RWLOCK_STATE_SIZE,
            "reader-writer lock state",
        )?;
        // Relaxed, both: the table's Acquire load of `entry_count` in `find` made the
        // creator's initialisation visible; these are checks of the values now.
        let readers = state.i32(READERS_OFFSET).load(Ordering::Relaxed);
        let writer = state.i32(WRITER_ACTIVE_OFFSET).load(Ordering::Relaxed);
        if readers < 0 {
            return Err(Error::corrupt(
                &state_name,
                format!("reader count {readers} is negative"),
            ));
        }
        if writer != 0 && writer != 1 {
            return Err(Error::corrupt(
                &state_name,
                format!("writer_active {writer} is neither 0 nor 1"),
            ));
        }
        let rmtx = Mutex::open(mem, &part_name(name, RWLOCK_READ_MUTEX_SUFFIX))?;
        let wmtx = Mutex::open(mem, &part_name(name, RWLOCK_WRITE_MUTEX_SUFFIX))?;
        Ok(RwLock {
            state,
            rmtx,
            wmtx,
            name: name.to_owned(),
        })
    }

    /// The table name of this lock (its marker's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Readers inside now, as the shared count says: a snapshot. A reader that died inside
    /// is still counted.
    pub fn readers(&self) -> i32 {
        self.view().readers()
    }

    /// Whether a writer held (or was taking) the lock at the moment of the call.
    pub fn is_write_locked(&self) -> bool {
        self.view().is_write_locked()
    }

    #[inline]
    fn view(&self) -> RwLockView<'_> {
        RwLockView::new(
            self.state.word(READERS_OFFSET),
            self.state.word(WRITER_ACTIVE_OFFSET),
        )
    }

    /// Takes a read lock, waiting as long as it takes.
    pub fn read(&self) -> RwLockReadGuard<'_> {
        self.read_until(None)
            .unwrap_or_else(|_| unreachable!("a wait without a time limit does not time out"))
    }

    /// Takes a read lock, waiting up to `timeout` for writers to leave. Returns within
    /// `timeout` (give or take the scheduler's delays), however often writers come and go
    /// meanwhile: every wait, for the readers' mutex and for the writer, ends at the one
    /// deadline.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if no read lock was taken by the end of `timeout`: a writer held
    /// (or was taking) the lock, or someone held `<name>_rmtx`; nothing is held.
    pub fn read_timeout(&self, timeout: Duration) -> Result<RwLockReadGuard<'_>> {
        self.read_until(deadline(timeout))
    }

    /// Takes a read lock if no writer holds the lock, without waiting.
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_>> {
        let entry = self.rmtx.try_lock()?;
        let entered = self.view().enter_read();
        drop(entry);
        // `then`, not `then_some`: a guard built and dropped would count a reader out.
        entered.then(|| RwLockReadGuard { lock: self })
    }

    fn read_until(&self, end: Option<Instant>) -> Result<RwLockReadGuard<'_>> {
        // Exit: the lock taken, or the deadline passed (in the mutex, in the wait for the
        // writer, or between two tries: a writer that leaves and comes back does not keep
        // this loop going past it).
        loop {
            let entry = self.rmtx.lock_timeout(remaining(end))?;
            let entered = self.view().enter_read();
            drop(entry);
            if entered {
                return Ok(RwLockReadGuard { lock: self });
            }
            let left = remaining(end);
            if left.is_zero() || !self.view().wait_for_writer(&mut Wait::new(left)) {
                return Err(Error::Timeout);
            }
        }
    }

    /// The guard of a read lock that the caller took earlier and whose guard it let go of:
    /// for bindings that lock and unlock in separate calls (see `Mutex::guard_of_held`).
    /// Dropping it leaves the read lock.
    #[doc(hidden)]
    pub fn read_guard_of_held(&self) -> RwLockReadGuard<'_> {
        RwLockReadGuard { lock: self }
    }

    /// As [`read_guard_of_held`](RwLock::read_guard_of_held), for the write lock.
    #[doc(hidden)]
    pub fn write_guard_of_held(&self) -> RwLockWriteGuard<'_> {
        RwLockWriteGuard {
            lock: self,
            _wmtx: self.wmtx.guard_of_held(),
        }
    }

    /// Takes the write lock, waiting as long as it takes.
    pub fn write(&self) -> RwLockWriteGuard<'_> {
        self.write_until(None)
            .unwrap_or_else(|_| unreachable!("a wait without a time limit does not time out"))
    }

    /// Takes the write lock, waiting up to `timeout` for the other writer and the readers
    /// to leave. Returns within `timeout` (give or take the scheduler's delays): the waits
    /// for `<name>_wmtx`, for `<name>_rmtx` and for the readers all end at the one deadline.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if they did not within `timeout`; nothing is held, and
    /// `writer_active` is lowered again if it was raised.
    pub fn write_timeout(&self, timeout: Duration) -> Result<RwLockWriteGuard<'_>> {
        self.write_until(deadline(timeout))
    }

    /// Takes the write lock if nobody holds the lock, without waiting. Also answers `None`
    /// while a reader is entering (holding `<name>_rmtx` for a moment).
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_>> {
        let guard = self.wmtx.try_lock()?;
        let entry = self.rmtx.try_lock()?;
        self.view().raise_write();
        drop(entry);
        if self.view().no_readers() {
            return Some(RwLockWriteGuard {
                lock: self,
                _wmtx: guard,
            });
        }
        self.view().leave_write();
        None
    }

    fn write_until(&self, end: Option<Instant>) -> Result<RwLockWriteGuard<'_>> {
        let guard = self.wmtx.lock_timeout(remaining(end))?;
        // The flag is raised under the readers' mutex (see the module docs); on a timeout
        // here, `guard` releases the writers' mutex as it drops.
        let entry = self.rmtx.lock_timeout(remaining(end))?;
        self.view().raise_write();
        drop(entry);
        if !self.view().wait_for_readers(&mut Wait::new(remaining(end))) {
            self.view().leave_write();
            return Err(Error::Timeout);
        }
        Ok(RwLockWriteGuard {
            lock: self,
            _wmtx: guard,
        })
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RwLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLock")
            .field("name", &self.name)
            .field("readers", &self.readers())
            .field("write_locked", &self.is_write_locked())
            .field("segment", &self.state.segment())
            .finish_non_exhaustive()
    }
}

#[cfg(not(loom))]
/// A read lock of an [`RwLock`], held until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a> {
    lock: &'a RwLock,
}

#[cfg(not(loom))]
impl Drop for RwLockReadGuard<'_> {
    fn drop(&mut self) {
        self.lock.view().leave_read();
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RwLockReadGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockReadGuard")
            .field("lock", &self.lock.name)
            .finish()
    }
}

#[cfg(not(loom))]
/// The write lock of an [`RwLock`], held until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a> {
    lock: &'a RwLock,
    /// The writers' mutex, released (as a field, after `drop` ran) once `writer_active` is
    /// lowered.
    _wmtx: MutexGuard<'a>,
}

#[cfg(not(loom))]
impl Drop for RwLockWriteGuard<'_> {
    fn drop(&mut self) {
        self.lock.view().leave_write();
    }
}

#[cfg(not(loom))]
impl fmt::Debug for RwLockWriteGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWriteGuard")
            .field("lock", &self.lock.name)
            .finish()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{RwLock, RWLOCK_STATE_SIZE, RWLOCK_STATE_SUFFIX};

    // ---- Its declaration, for `#[zeroipc::segment]` --------------------------------------

    crate::declare::declare_composite!(
        RwLock,
        "rwlock",
        [
            RWLOCK_STATE_SIZE,
            crate::layout::MUTEX_SIZE,
            crate::layout::MUTEX_SIZE,
            crate::layout::MARKER_SIZE,
        ],
        3,
        RwLock::create,
    );

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("rwlock_state", read_entry)
            .example(|mem| RwLock::create(mem, "rw").map(|_| "rw_state".to_owned()));

    /// A reader-writer lock's state entry: 8 bytes named `<name>_state`, readers not negative,
    /// a writer flag of 0 or 1.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        if p.size != RWLOCK_STATE_SIZE as u64 || !p.name.ends_with(RWLOCK_STATE_SUFFIX) {
            return None;
        }
        let w = crate::inspect::words(p.head.get(..8)?);
        let (readers, writer) = (w[0] as i32, w[1] as i32);
        if readers < 0 || !(0..=1).contains(&writer) {
            return None;
        }
        Some(crate::inspect::Reading::new(
            "rwlock_state",
            format!(
                "read-write lock state: {readers} readers, writer {}",
                if writer == 1 { "active" } else { "inactive" }
            ),
        ))
    }
}
#[cfg(not(loom))]
pub(crate) use tools::STRUCTURE;

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn readers_share_the_lock_and_a_writer_excludes_them() {
        let seg = Segment::new(1 << 16);
        let l = RwLock::create(&seg.mem, "l").unwrap();
        let a = l.try_read().unwrap();
        let b = l.read();
        assert_eq!(l.readers(), 2);
        assert!(l.try_write().is_none());
        assert!(!l.is_write_locked(), "a refused writer leaves no trace");
        assert!(matches!(
            l.write_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        drop((a, b));
        let w = l.write();
        assert!(l.try_read().is_none());
        assert_eq!(l.readers(), 0, "a refused reader counted itself out");
        assert!(matches!(
            l.read_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        assert!(l.try_write().is_none());
        drop(w);
        assert!(!l.is_write_locked());
        drop(l.try_write().unwrap());
        drop(l.read_timeout(Duration::from_millis(5)).unwrap());
    }
}
