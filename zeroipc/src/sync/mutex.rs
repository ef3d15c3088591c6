//! `Mutex`: mutual exclusion between processes, as the format defines it: a semaphore of
//! count 1 and maximum 1 stored under the mutex's own name.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::layout;
use crate::memory::Memory;
use crate::sync::semaphore::Semaphore;

/// A lock in a segment, shared by threads and processes in any language that speaks the
/// format: a [`Semaphore`] of count 1 and maximum 1.
///
/// [`lock`](Mutex::lock), [`lock_timeout`](Mutex::lock_timeout) and
/// [`try_lock`](Mutex::try_lock) return a [`MutexGuard`] that unlocks when dropped. The lock
/// guards no data of its own: it orders what processes do to other entries of the segment
/// (an array, say) while they hold it.
///
/// A process that dies holding the lock never unlocks it. [`lock`](Mutex::lock) would then
/// wait for ever; [`lock_timeout`](Mutex::lock_timeout) reports [`Error::Timeout`] instead.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Array, Memory, Mutex};
/// # let name = format!("/zeroipc_doc_mutex_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let lock = Mutex::create(&mem, "totals_lock")?;
/// let totals = Array::<u64>::create(&mem, "totals", 4)?;
///
/// {
///     let _guard = lock.lock_timeout(Duration::from_secs(1))?;
///     totals.set(0, totals.get(0)? + 1)?; // no other process changes it meanwhile
/// } // unlocked here
/// assert!(lock.try_lock().is_some());
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Mutex {
    sem: Semaphore,
}

impl Mutex {
    /// Adds an unlocked mutex called `name`.
    ///
    /// # Errors
    ///
    /// As [`Semaphore::create`].
    pub fn create(mem: &Memory, name: &str) -> Result<Mutex> {
        Ok(Mutex {
            sem: Semaphore::create_described(
                mem,
                1,
                1,
                &crate::schema::EntryDesc::new(name, "mutex"),
            )?,
        })
    }

    /// Opens the mutex called `name`: a semaphore entry whose maximum is 1 (and whose count
    /// is 0, locked, or 1, unlocked).
    ///
    /// # Errors
    ///
    /// As [`Semaphore::open`], and [`Error::Corrupt`] naming the entry if its maximum is not 1.
    pub fn open(mem: &Memory, name: &str) -> Result<Mutex> {
        let sem = Semaphore::open(mem, name)?;
        if sem.max_count() != 1 {
            return Err(Error::corrupt(
                name,
                format!(
                    "a mutex is a semaphore of max_count 1, and this one has {}",
                    sem.max_count()
                ),
            ));
        }
        Ok(Mutex { sem })
    }

    /// The table name of this mutex.
    pub fn name(&self) -> &str {
        self.sem.name()
    }

    /// Whether someone held the lock at the moment of the call.
    pub fn is_locked(&self) -> bool {
        self.sem.count() <= 0
    }

    /// Takes the lock, waiting as long as it takes.
    pub fn lock(&self) -> MutexGuard<'_> {
        self.sem.wait();
        MutexGuard { mutex: self }
    }

    /// Takes the lock, waiting up to `timeout` for it.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if someone held it for the whole `timeout`.
    pub fn lock_timeout(&self, timeout: Duration) -> Result<MutexGuard<'_>> {
        self.sem.wait_timeout(timeout)?;
        Ok(MutexGuard { mutex: self })
    }

    /// Takes the lock if it is free, without waiting.
    pub fn try_lock(&self) -> Option<MutexGuard<'_>> {
        self.sem.try_wait().then(|| MutexGuard { mutex: self })
    }

    /// Unlocks a mutex whose holder died holding it, and sets its count of waiters back to
    /// 0; reports what it changed. With nobody else attached, nobody holds the lock or
    /// waits for it, so unlocked is the only right state; whatever the dead holder was
    /// doing to the data the lock guards is not undone.
    ///
    /// It must be alone, as [`Memory::repair`] says: refused while any other handle is
    /// attached, and so while a [`MutexGuard`] of another handle is held. Do not call it
    /// while a guard of this handle is held.
    ///
    /// # Errors
    ///
    /// [`Error::InUse`] while another handle is attached (nothing is changed);
    /// [`Error::Io`] if the system refuses the lock.
    pub fn repair(&self) -> Result<crate::EntryRepair> {
        self.sem.repair_as_mutex()
    }

    /// The guard of a lock that the caller took earlier and whose guard it let go of
    /// (`std::mem::forget`): for bindings to languages that lock and unlock in separate
    /// calls. Dropping it unlocks. Using it for a lock the caller does not hold unlocks
    /// someone else's lock, as a stray `post` of the semaphore would.
    #[doc(hidden)]
    pub fn guard_of_held(&self) -> MutexGuard<'_> {
        MutexGuard { mutex: self }
    }
}

impl fmt::Debug for Mutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mutex")
            .field("name", &self.name())
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// The lock of a [`Mutex`], held until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a> {
    mutex: &'a Mutex,
}

impl MutexGuard<'_> {
    /// The mutex this guard holds.
    pub fn mutex(&self) -> &Mutex {
        self.mutex
    }
}

impl Drop for MutexGuard<'_> {
    fn drop(&mut self) {
        // Refused only if the count is already 1: someone else (another process writing the
        // segment, or a peer that unlocked a lock it did not hold) unlocked it. Unlocked is
        // what this guard leaves it in either way.
        let _ = self.mutex.sem.post();
    }
}

impl fmt::Debug for MutexGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexGuard")
            .field("mutex", &self.mutex.name())
            .finish()
    }
}

const _: () = assert!(MUTEX_SIZE == layout::SEMAPHORE_SIZE);

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a mutex: a semaphore of count 1 and maximum 1.
pub const MUTEX_SIZE: usize = crate::sync::semaphore::SEMAPHORE_SIZE;

// ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

#[cfg(not(loom))]
use crate::declare::{declare_sync, Declare, Mode, Params};

#[cfg(not(loom))]
declare_sync!(Mutex, MUTEX_SIZE, &[], &[], &[], &[], declare_mutex);
#[cfg(not(loom))]
fn declare_mutex(mem: &Memory, name: &str, mode: Mode, _params: &Params) -> Result<Mutex> {
    match mode {
        Mode::Create => Mutex::create(mem, name),
        Mode::Open => Mutex::open(mem, name),
    }
}

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("mutex", read_entry)
        .hints(&["mtx", "mutex", "lock"])
        .check(|mem, name, _| {
            Some(crate::structures::opened(
                "Mutex",
                Mutex::open(mem, name),
                |m| (if m.is_locked() { "locked" } else { "unlocked" }).to_owned(),
            ))
        })
        .repair(|mem, entry| {
            let words = crate::words::Words::open(mem, entry.name(), MUTEX_SIZE, "mutex")?;
            Ok(crate::sync::semaphore::repair_words(&words, "mutex"))
        })
        .example(|mem| Mutex::create(mem, "mtx").map(|_| "mtx".to_owned()));

/// A mutex: a semaphore whose maximum is 1.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    let [count, waiting, max, pad] = crate::sync::words16(p)?;
    if pad != 0 || count < 0 || waiting < 0 || max != 1 || count > max {
        return None;
    }
    let state = if count == 0 { "locked" } else { "unlocked" };
    Some(crate::inspect::Reading::new(
        "mutex",
        format!("mutex: {state}, {waiting} waiting"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn a_guard_unlocks_when_dropped() {
        let seg = Segment::new(1 << 16);
        let m = Mutex::create(&seg.mem, "m").unwrap();
        let g = m.try_lock().unwrap();
        assert!(m.is_locked());
        assert!(m.try_lock().is_none());
        assert!(matches!(
            m.lock_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        drop(g);
        assert!(!m.is_locked());
        drop(m.lock());
    }

    #[test]
    fn a_semaphore_of_another_maximum_is_not_a_mutex() {
        let seg = Segment::new(1 << 16);
        Semaphore::create(&seg.mem, "s", 1, 2).unwrap();
        let err = Mutex::open(&seg.mem, "s").unwrap_err();
        assert!(err.to_string().contains("max_count 1"), "{err}");
        Mutex::create(&seg.mem, "m").unwrap();
        assert!(Mutex::open(&seg.mem, "m").is_ok());
        assert_eq!(Semaphore::open(&seg.mem, "m").unwrap().max_count(), 1);
    }
}
