//! POSIX shared-memory objects: naming, creation, opening, mapping, locking, removal.
//!
//! This is the only module that calls `libc`. It knows nothing of the table: it hands out a
//! mapping of a known length, which `region` turns into bounds-checked pointers.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use memmap2::{MmapOptions, MmapRaw};

use crate::atomic::AtomicU32;
use crate::error::{Error, Result};

/// The longest segment name the system accepts, leading `/` excluded (`NAME_MAX`).
pub(crate) const MAX_SEGMENT_NAME_LEN: usize = 255;

/// How long `lock` waits for another process's advisory lock before giving up.
const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks a segment name: one leading `/`, then 1 to 255 bytes with no `/` and no NUL, and
/// not `.` or `..`.
///
/// # Errors
///
/// [`Error::InvalidName`] naming the rule broken.
pub(crate) fn check_segment_name(name: &str) -> Result<()> {
    let invalid = |reason| {
        Err(Error::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    let Some(rest) = name.strip_prefix('/') else {
        return invalid("a segment name starts with `/`");
    };
    if rest.is_empty() {
        return invalid("a segment name has at least one character after `/`");
    }
    if rest.len() > MAX_SEGMENT_NAME_LEN {
        return invalid("a segment name has at most 255 bytes after `/`");
    }
    if rest.contains('/') {
        return invalid("a segment name has no `/` after the first");
    }
    if rest.contains('\0') {
        return invalid("a segment name has no NUL byte");
    }
    if rest == "." || rest == ".." {
        return invalid("`/.` and `/..` are not segment names");
    }
    Ok(())
}

/// How a segment is opened, and what its mapping is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// `O_RDWR` and a shared `PROT_READ | PROT_WRITE` mapping of the object.
    ReadWrite,
    /// `O_RDONLY` and a shared `PROT_READ` mapping of the object: writing to it faults.
    ReadOnly,
    /// `O_RDONLY`, and the object's bytes copied with `pread` into private anonymous memory,
    /// which is what is mapped: no other process can change or shrink it, and writes to it
    /// reach nobody.
    Copy,
}

/// An open, mapped shared-memory object.
#[derive(Debug)]
pub(crate) struct Shm {
    name: String,
    /// The object's descriptor, kept open for `flock` and the attachment lock.
    file: File,
    /// The mapping of the whole object as it was when mapped (or of the copy); its length
    /// never changes.
    map: MmapRaw,
    /// The bytes of `map` that hold the segment: all of them, except for a copy of an object
    /// that shrank while it was copied.
    len: usize,
    access: Access,
    /// Serialises `lock` between threads of this process, which share one descriptor and so
    /// one `flock`.
    local_lock: Mutex<()>,
    /// How long `lock` waits for another holder.
    lock_timeout: Duration,
}

/// Where every handle of a segment holds its attachment: a shared (read) lock on this one
/// byte of the segment's file, taken with `fcntl(F_OFD_SETLK)` when the handle is made and
/// held for its whole life. The byte lies far past the end of any segment, and the lock is
/// of another kind than the `flock` that serialises adds, so the two never meet. The kernel
/// drops it when the handle's descriptor is closed, however its process ends.
pub(crate) const ATTACH_OFFSET: i64 = 1 << 62;

/// An open-file-description lock request of `kind` on the attachment byte.
#[cfg(target_os = "linux")]
fn attach_lock(kind: libc::c_short) -> libc::flock {
    // SAFETY: `flock` is a plain C struct of integers, for which all zero bytes are valid;
    // OFD locks require `l_pid` to be 0.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = ATTACH_OFFSET;
    lock.l_len = 1;
    lock
}

/// Takes the lock `kind` (shared or exclusive) on `file`'s attachment byte without waiting;
/// `Ok(false)` if another handle's lock is in the way.
#[cfg(target_os = "linux")]
fn try_attach(file: &File, kind: libc::c_short) -> Result<bool> {
    let lock = attach_lock(kind);
    // SAFETY: `fd` is an open descriptor owned by `file`; `lock` is a valid `flock` that
    // outlives the call; F_OFD_SETLK only reads it.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) };
    if rc == 0 {
        return Ok(true);
    }
    let source = std::io::Error::last_os_error();
    match source.raw_os_error() {
        Some(libc::EAGAIN | libc::EACCES) => Ok(false),
        _ => Err(Error::Io {
            op: "fcntl(F_OFD_SETLK)",
            source,
        }),
    }
}

/// Without open-file-description locks there is no attachment: every handle is alone.
#[cfg(not(target_os = "linux"))]
fn try_attach(_file: &File, _kind: i16) -> Result<bool> {
    Ok(true)
}

#[cfg(target_os = "linux")]
const SHARED: libc::c_short = libc::F_RDLCK as libc::c_short;
#[cfg(target_os = "linux")]
const EXCLUSIVE: libc::c_short = libc::F_WRLCK as libc::c_short;
#[cfg(not(target_os = "linux"))]
const SHARED: i16 = 0;
#[cfg(not(target_os = "linux"))]
const EXCLUSIVE: i16 = 1;

impl Shm {
    /// Creates a new object of `size` bytes (zero-filled by the system) with permissions
    /// `mode`, failing if the name exists. On failure nothing is left behind.
    pub(crate) fn create(name: &str, size: usize, mode: u32) -> Result<Shm> {
        check_segment_name(name)?;
        assert!(size > 0, "a segment has a size above zero");
        let c_name = c_name(name);
        // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
        let fd = unsafe {
            libc::shm_open(
                c_name.as_ptr(),
                libc::O_CREAT | libc::O_EXCL | libc::O_RDWR | libc::O_CLOEXEC,
                0o600 as libc::mode_t,
            )
        };
        if fd < 0 {
            let source = std::io::Error::last_os_error();
            return Err(if source.kind() == std::io::ErrorKind::AlreadyExists {
                Error::AlreadyExists {
                    name: name.to_owned(),
                }
            } else {
                Error::Io {
                    op: "shm_open",
                    source,
                }
            });
        }
        // SAFETY: `fd` was just returned by a successful `shm_open` and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let file = File::from(fd);
        let built = Self::size_new(&file, size, mode)
            .and_then(|()| Self::map(&file, size))
            .and_then(|map| {
                // Nobody else can hold a lock on an object this call just made (O_EXCL).
                if try_attach(&file, SHARED)? {
                    Ok(map)
                } else {
                    Err(Error::corrupt(name, "a new segment's attachment is taken"))
                }
            });
        match built {
            Ok(map) => Ok(Shm {
                name: name.to_owned(),
                len: map.len(),
                file,
                map,
                access: Access::ReadWrite,
                local_lock: Mutex::new(()),
                lock_timeout: LOCK_TIMEOUT,
            }),
            Err(e) => {
                // The object is ours (O_EXCL) and unpublished: remove it so a failed create
                // leaves nothing behind. A failure here cannot be reported better than `e`.
                let _ = unlink(name);
                Err(e)
            }
        }
    }

    fn size_new(file: &File, size: usize, mode: u32) -> Result<()> {
        let fd = file.as_raw_fd();
        // SAFETY: `fd` is an open descriptor owned by `file`; fchmod has no memory effects.
        if unsafe { libc::fchmod(fd, mode as libc::mode_t) } != 0 {
            return Err(Error::io("fchmod"));
        }
        let len = libc::off_t::try_from(size).map_err(|_| Error::OutOfSpace {
            requested: size as u64,
            available: libc::off_t::MAX as u64,
        })?;
        // SAFETY: `fd` is an open descriptor owned by `file`; ftruncate has no memory effects.
        if unsafe { libc::ftruncate(fd, len) } != 0 {
            return Err(Error::io("ftruncate"));
        }
        // Reserve the pages now: on a full /dev/shm a later write into the mapping would
        // raise SIGBUS instead of returning an error.
        // SAFETY: `fd` is an open descriptor owned by `file`; posix_fallocate has no memory
        // effects.
        let err = unsafe { libc::posix_fallocate(fd, 0, len) };
        // Some file systems cannot reserve space in advance (EOPNOTSUPP, EINVAL); there the
        // object keeps its ftruncate size, as the other implementations make it.
        if err != 0 && err != libc::EOPNOTSUPP && err != libc::EINVAL {
            return Err(Error::Io {
                op: "posix_fallocate",
                source: std::io::Error::from_raw_os_error(err),
            });
        }
        Ok(())
    }

    /// Opens an existing object. Its size is taken from the system (`fstat`); while it is
    /// still zero (a creator between `shm_open` and `ftruncate`), this waits up to `timeout`.
    ///
    /// `ReadOnly` and `Copy` open the object `O_RDONLY`, so read permission is enough. Every
    /// access but `Copy` takes the attachment lock (a shared lock needs read access only); a
    /// copy holds nothing of the object once copied, so it does not count as attached.
    pub(crate) fn open(name: &str, timeout: Duration, access: Access) -> Result<Shm> {
        check_segment_name(name)?;
        let c_name = c_name(name);
        let flags = match access {
            Access::ReadWrite => libc::O_RDWR,
            Access::ReadOnly | Access::Copy => libc::O_RDONLY,
        };
        // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
        let fd = unsafe { libc::shm_open(c_name.as_ptr(), flags | libc::O_CLOEXEC, 0) };
        if fd < 0 {
            let source = std::io::Error::last_os_error();
            return Err(if source.kind() == std::io::ErrorKind::NotFound {
                Error::NotFound {
                    name: name.to_owned(),
                }
            } else {
                Error::Io {
                    op: "shm_open",
                    source,
                }
            });
        }
        // SAFETY: `fd` was just returned by a successful `shm_open` and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let file = File::from(fd);
        let deadline = Instant::now() + timeout;
        let size = loop {
            let size = file.metadata().map_err(|source| Error::Io {
                op: "fstat",
                source,
            })?;
            let size = usize::try_from(size.len()).map_err(|_| Error::OutOfSpace {
                requested: size.len(),
                available: usize::MAX as u64,
            })?;
            if size > 0 {
                break size;
            }
            if Instant::now() >= deadline {
                return Err(Error::NotReady {
                    name: name.to_owned(),
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        if access == Access::Copy {
            let (map, len) = Self::copy(&file, size)?;
            return Ok(Shm {
                name: name.to_owned(),
                file,
                map,
                len,
                access,
                local_lock: Mutex::new(()),
                lock_timeout: LOCK_TIMEOUT,
            });
        }
        // Exit: attached, or the time is up while a handle that replaces the segment holds
        // the attachment byte exclusively (it is about to remove this object).
        while !try_attach(&file, SHARED)? {
            if Instant::now() >= deadline {
                return Err(Error::NotReady {
                    name: name.to_owned(),
                });
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let map = if access == Access::ReadOnly {
            MmapOptions::new()
                .len(size)
                .map_raw_read_only(&file)
                .map_err(|source| Error::Io { op: "mmap", source })?
        } else {
            Self::map(&file, size)?
        };
        Ok(Shm {
            name: name.to_owned(),
            len: map.len(),
            file,
            map,
            access,
            local_lock: Mutex::new(()),
            lock_timeout: LOCK_TIMEOUT,
        })
    }

    /// This handle, with `lock` waiting up to `timeout` for another holder.
    pub(crate) fn with_lock_timeout(mut self, timeout: Duration) -> Shm {
        self.lock_timeout = timeout;
        self
    }

    /// The object's descriptor.
    pub(crate) fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        std::os::fd::AsFd::as_fd(&self.file)
    }

    /// Copies the first `size` bytes of `file` with `pread` into new private anonymous
    /// memory: the mapping, and how many bytes were there to copy (fewer than `size` if the
    /// object shrank meanwhile; the rest stays zero). The object is never mapped, so however
    /// another process changes or shrinks it, the copy is all this process touches.
    ///
    /// Runs of zeros are not stored (the new memory is zero already), so the copy of a
    /// large, mostly empty segment costs memory for its written parts only.
    fn copy(file: &File, size: usize) -> Result<(MmapRaw, usize)> {
        use std::os::unix::fs::FileExt;
        const CHUNK: usize = 64 << 10;
        let mut map = MmapOptions::new()
            .len(size)
            .map_anon()
            .map_err(|source| Error::Io { op: "mmap", source })?;
        let mut chunk = vec![0u8; CHUNK.min(size)];
        let mut done = 0;
        // Exit: the copy is full, or the object ended (a read of 0 bytes).
        while done < size {
            let want = chunk.len().min(size - done);
            match file.read_at(&mut chunk[..want], done as u64) {
                Ok(0) => break,
                Ok(n) => {
                    if chunk[..n].iter().any(|&b| b != 0) {
                        map[done..done + n].copy_from_slice(&chunk[..n]);
                    }
                    done += n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(Error::Io {
                        op: "pread",
                        source,
                    })
                }
            }
        }
        Ok((MmapRaw::from(map), done))
    }

    /// Whether any other handle holds the attachment byte: another `Memory` of this segment,
    /// in this process or another, of any implementation that takes the same lock.
    #[cfg(target_os = "linux")]
    pub(crate) fn others_attached(&self) -> Result<bool> {
        let mut lock = attach_lock(EXCLUSIVE);
        // SAFETY: `fd` is an open descriptor owned by `self.file`; `lock` is a valid `flock`
        // that F_OFD_GETLK overwrites with the first conflicting lock, or with F_UNLCK.
        let rc = unsafe { libc::fcntl(self.file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) };
        if rc != 0 {
            return Err(Error::io("fcntl(F_OFD_GETLK)"));
        }
        // A lock of this handle's own open file description never conflicts with it.
        Ok(lock.l_type != libc::F_UNLCK as libc::c_short)
    }

    /// Without open-file-description locks, no other handle can be seen.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn others_attached(&self) -> Result<bool> {
        Ok(false)
    }

    /// Makes this handle the segment's only one for as long as the returned guard lives:
    /// turns its shared lock on the attachment byte into an exclusive one, which the system
    /// grants only while no other open file description holds a lock there (another
    /// `Memory` of this segment in this process or another, of any implementation that
    /// takes the lock). While it is held, an `open` of the segment waits; the guard turns
    /// the lock back into a shared one when dropped. Handles that share this one's
    /// descriptor (clones of its `Memory` and the structures opened on them) cannot be told
    /// apart from it.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] while another handle is attached (the shared lock is kept, nothing
    /// changes); [`Error::Io`] if the system refuses the request.
    pub(crate) fn alone(&self) -> Result<Alone<'_>> {
        if try_attach(&self.file, EXCLUSIVE)? {
            Ok(Alone { shm: self })
        } else {
            Err(Error::InUse {
                name: self.name.clone(),
                reason: "another handle is attached to it (a process that has it open)".to_owned(),
            })
        }
    }

    fn map(file: &File, size: usize) -> Result<MmapRaw> {
        MmapOptions::new()
            .len(size)
            .map_raw(file)
            .map_err(|source| Error::Io { op: "mmap", source })
    }

    /// The segment's name, with its leading `/`.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The mapping's first byte. Page-aligned.
    pub(crate) fn as_ptr(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// The segment's length in bytes: the object's size when it was mapped, or the bytes a
    /// copy found.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// How the object was opened.
    pub(crate) fn access(&self) -> Access {
        self.access
    }

    /// Takes the advisory lock that serialises changes to the table, between processes
    /// (`flock` on the object) and between threads of this one. Gives up with
    /// [`Error::Timeout`] if another holder keeps it for the lock timeout (ten seconds
    /// unless `Options::lock_timeout` said otherwise).
    pub(crate) fn lock(&self) -> Result<ShmLock<'_>> {
        let local = self
            .local_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let fd = self.file.as_raw_fd();
        let deadline = Instant::now() + self.lock_timeout;
        let mut pause = Duration::from_micros(20);
        loop {
            // SAFETY: `fd` is an open descriptor owned by `self.file`; flock has no memory
            // effects.
            if unsafe { libc::flock(fd, libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(ShmLock {
                    shm: self,
                    _local: local,
                });
            }
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                Some(libc::EWOULDBLOCK | libc::EINTR) => {}
                _ => {
                    return Err(Error::Io {
                        op: "flock",
                        source: err,
                    })
                }
            }
            // Exit: the lock was taken above, or the deadline passed here.
            if Instant::now() >= deadline {
                return Err(Error::Timeout);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(2));
        }
    }
}

/// The table lock, held until dropped.
pub(crate) struct ShmLock<'a> {
    shm: &'a Shm,
    _local: MutexGuard<'a, ()>,
}

impl Drop for ShmLock<'_> {
    fn drop(&mut self) {
        // SAFETY: the descriptor is open for as long as `self.shm` lives, which outlives
        // this guard; flock has no memory effects. An unlock failure leaves the lock to be
        // released when the descriptor closes, which is all that could be done anyway.
        unsafe { libc::flock(self.shm.file.as_raw_fd(), libc::LOCK_UN) };
    }
}

/// The exclusive hold of a segment's attachment byte; see [`Shm::alone`].
#[derive(Debug)]
pub(crate) struct Alone<'a> {
    shm: &'a Shm,
}

impl Drop for Alone<'_> {
    fn drop(&mut self) {
        // Turning an exclusive lock of this description into a shared one conflicts with
        // nothing (no other lock can exist beside it), so it does not fail for that; any
        // other failure leaves the lock exclusive until the descriptor closes, which only
        // makes opens of the segment wait for this handle, and cannot be reported from
        // `drop`.
        let _ = try_attach(&self.shm.file, SHARED);
    }
}

/// Removes the object `name` if no handle is attached to it (see [`ATTACH_OFFSET`]): it takes
/// the attachment byte exclusively, which fails while anyone holds it, and removes the object
/// while holding it, so that nobody attaches in between. `Ok(false)` if someone is attached
/// (nothing changes) or the object does not exist.
///
/// # Errors
///
/// [`Error::Io`] if the object cannot be opened, locked or removed.
pub(crate) fn unlink_if_stale(name: &str) -> Result<bool> {
    check_segment_name(name)?;
    let c_name = c_name(name);
    // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
    let fd = unsafe { libc::shm_open(c_name.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC, 0) };
    if fd < 0 {
        let source = std::io::Error::last_os_error();
        return if source.kind() == std::io::ErrorKind::NotFound {
            Ok(false)
        } else {
            Err(Error::Io {
                op: "shm_open",
                source,
            })
        };
    }
    // SAFETY: `fd` was just returned by a successful `shm_open` and is owned by nobody else.
    let file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    if !try_attach(&file, EXCLUSIVE)? {
        return Ok(false);
    }
    unlink(name)?;
    // `file` closes here, dropping the exclusive lock with the removed object.
    Ok(true)
}

/// Removes the object called `name`. Processes that have it mapped keep their mapping.
pub(crate) fn unlink(name: &str) -> Result<()> {
    check_segment_name(name)?;
    let c_name = c_name(name);
    // SAFETY: `c_name` is a valid NUL-terminated string that outlives the call.
    if unsafe { libc::shm_unlink(c_name.as_ptr()) } == 0 {
        return Ok(());
    }
    let source = std::io::Error::last_os_error();
    Err(if source.kind() == std::io::ErrorKind::NotFound {
        Error::NotFound {
            name: name.to_owned(),
        }
    } else {
        Error::Io {
            op: "shm_unlink",
            source,
        }
    })
}

/// Sleeps until `word` no longer holds `expected`, a [`futex_wake`] on it, or `timeout`,
/// whichever comes first; it may also return early for no reason. Returns at once if the
/// word does not hold `expected` when the call starts. The word may live in a mapping
/// shared with other processes: the wait is a shared futex, keyed by the physical page.
#[cfg(target_os = "linux")]
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: libc::c_long::from(timeout.subsec_nanos() as i32),
    };
    // SAFETY: `word` is a live, 4-aligned 32-bit word (it is an atomic) for the whole call;
    // `ts` is a valid timespec that outlives the call. FUTEX_WAIT only reads both. Every
    // outcome (woken, value already changed, timed out, interrupted) sends the caller back
    // to check its condition, so the result is not needed.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            std::ptr::addr_of!(ts),
        )
    };
}

/// Where there is no futex: sleeps for `timeout` unless `word` has already changed.
#[cfg(not(target_os = "linux"))]
pub(crate) fn futex_wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    // Relaxed: a hint only; the caller checks its condition with its own ordering afterwards.
    if word.load(crate::atomic::Ordering::Relaxed) == expected {
        std::thread::sleep(timeout);
    }
}

/// Wakes up to `count` waiters sleeping in [`futex_wait`] on `word`, in any process; returns
/// how many were woken. The queue and stack do not call it (see `wait`); the
/// synchronisation primitives do, where a word changes that someone may sleep on (see `sync`).
#[cfg(target_os = "linux")]
pub(crate) fn futex_wake(word: &AtomicU32, count: i32) -> usize {
    // SAFETY: `word` is a live, 4-aligned 32-bit word for the whole call; FUTEX_WAKE does not
    // touch memory, it only looks the address up among sleeping waiters.
    let woken = unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, count) };
    usize::try_from(woken).unwrap_or(0)
}

/// `name` as a C string. Names are checked before this is called, so a NUL cannot occur.
fn c_name(name: &str) -> CString {
    CString::new(name).unwrap_or_else(|_| unreachable!("names are checked for NUL first"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_holds_every_byte_across_chunks_and_none_after_the_object_ends() {
        struct Unlink(String);
        impl Drop for Unlink {
            fn drop(&mut self) {
                let _ = unlink(&self.0);
            }
        }
        let name = crate::test_util::unique_name();
        let size = 300_000;
        let shm = Shm::create(&name, size, 0o600).unwrap();
        let _guard = Unlink(name.clone());
        let marks = [
            (0, 1u8),
            (65_535, 2),
            (65_536, 3),
            (200_001, 4),
            (size - 1, 5),
        ];
        let region = crate::region::Region::new(shm);
        for (at, v) in marks {
            region.write(at as u64, v).unwrap();
        }
        let copy =
            crate::region::Region::new(Shm::open(&name, Duration::ZERO, Access::Copy).unwrap());
        assert_eq!(copy.len(), size);
        for at in [1, 4096, 65_537, 199_999, size - 2] {
            assert_eq!(copy.read::<u8>(at as u64), Some(0));
        }
        for (at, v) in marks {
            assert_eq!(copy.read::<u8>(at as u64), Some(v), "at {at}");
        }
        assert_eq!(copy.read::<u8>(size as u64), None);
    }

    #[test]
    fn segment_names_follow_the_posix_rules() {
        assert!(check_segment_name("/sensors").is_ok());
        assert!(check_segment_name(&format!("/{}", "a".repeat(255))).is_ok());
        for bad in [
            "sensors",
            "/",
            "/a/b",
            "/.",
            "/..",
            "/a\0b",
            "//a",
            &format!("/{}", "a".repeat(256)),
        ] {
            assert!(
                matches!(check_segment_name(bad), Err(Error::InvalidName { .. })),
                "{bad:?}"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn futex_wait_returns_when_woken_or_when_the_word_differs() {
        use crate::atomic::Ordering;
        use std::sync::Arc;

        // A word that already differs: no sleep at all.
        let word = AtomicU32::new(1);
        let start = Instant::now();
        futex_wait(&word, 0, Duration::from_secs(30));
        assert!(start.elapsed() < Duration::from_secs(30));

        // A sleeper is woken by a change and a wake, long before its timeout.
        let word = Arc::new(AtomicU32::new(0));
        let sleeper = {
            let word = Arc::clone(&word);
            std::thread::spawn(move || {
                let start = Instant::now();
                // Relaxed: the value is the only thing exchanged.
                while word.load(Ordering::Relaxed) == 0 {
                    futex_wait(&word, 0, Duration::from_secs(30));
                }
                start.elapsed()
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        // Relaxed: as above.
        word.store(1, Ordering::Relaxed);
        futex_wake(&word, i32::MAX);
        assert!(sleeper.join().unwrap() < Duration::from_secs(30));
    }

    #[test]
    fn futex_wait_ends_on_its_own_after_its_timeout() {
        let word = AtomicU32::new(0);
        let start = Instant::now();
        futex_wait(&word, 0, Duration::from_millis(5));
        assert!(start.elapsed() >= Duration::from_millis(4));
    }
}
