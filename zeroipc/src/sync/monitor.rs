//! `Monitor`: a mutex with a condition variable, between processes.
//!
//! Layout: a mutex `<name>_mtx`, a semaphore `<name>_cond` (count 0, unbounded), a 4-byte
//! `u32` entry `<name>_count` (waiters), then a 1-byte marker entry `<name>`, created last.
//!
//! A waiter, holding the mutex, counts itself in `<name>_count`, unlocks, takes a permit of
//! `<name>_cond`, locks again and counts itself out. A notifier posts one permit (to wake one)
//! or one per counted waiter (to wake all). This is the other implementations' algorithm, so
//! their waiters and notifiers mix with ours. A permit posted for a waiter that gave up
//! meanwhile stays, and wakes a later waiter early: waits may end without a notification
//! (as condition variables' may anyway), so callers check their condition in a loop.

use std::fmt;
use std::time::Duration;

use crate::atomic::Ordering;
use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::parts::{open_marker, part_name, Parts};
use crate::sync::mutex::{Mutex, MutexGuard};
use crate::sync::semaphore::Semaphore;
use crate::wait::{deadline, remaining};
use crate::words::Words;

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a monitor's waiter count entry: `u32`.
pub const MONITOR_COUNT_SIZE: usize = 4;

/// Suffix of a monitor's mutex entry.
pub const MONITOR_MUTEX_SUFFIX: &str = "_mtx";

/// Suffix of a monitor's condition semaphore entry.
pub const MONITOR_COND_SUFFIX: &str = "_cond";

/// Suffix of a monitor's waiter count entry.
pub const MONITOR_COUNT_SUFFIX: &str = "_count";

/// The most permits one [`Monitor::notify_all`] posts, whatever the shared waiter count says
/// (another process may have written any number there).
const MAX_NOTIFY_ALL: u32 = 1 << 16;

/// A monitor in a segment: a mutex and a condition variable over it, shared by threads and
/// processes in any language that speaks the format.
///
/// [`lock`](Monitor::lock) and its forms return a [`MonitorGuard`];
/// [`wait`](Monitor::wait) gives the lock up while it waits for a
/// [`notify_one`](Monitor::notify_one) or [`notify_all`](Monitor::notify_all), and takes it
/// again before it returns. A wait may also end without a notification (a spurious wake-up):
/// check the condition waited for in a loop. Like [`Mutex`], the monitor guards no data of
/// its own: it orders what processes do to other entries while they hold it.
///
/// The monitor is four table entries, `<name>_mtx`, `<name>_cond`, `<name>_count` and the
/// marker `<name>`, so `name` must leave room for the longest suffix (25 bytes at most). The
/// [`segment`](crate::segment) macro does not declare monitors: it declares one entry per
/// field.
///
/// A process that dies holding the lock never releases it, and one that dies waiting stays
/// in the waiter count: the blocking forms may then wait for ever; the `_timeout` forms
/// report [`Error::Timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Array, Memory, Monitor};
/// # let name = format!("/zeroipc_doc_monitor_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let mon = Monitor::create(&mem, "jobs_mon")?;
/// let jobs = Array::<u32>::create(&mem, "jobs", 1)?;
///
/// let guard = mon.lock_timeout(Duration::from_secs(1))?;
/// // Nobody adds a job here, so the wait ends at its timeout, with the lock taken again.
/// let (guard, notified) = mon.wait_timeout(guard, Duration::from_millis(5))?;
/// assert!(!notified && jobs.get(0)? == 0);
/// jobs.set(0, 1)?;
/// mon.notify_all();
/// drop(guard);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone)]
pub struct Monitor {
    mtx: Mutex,
    cond: Semaphore,
    count: Words,
    name: String,
}

impl Monitor {
    /// Adds a monitor called `name`, unlocked and with no waiters: the entries `name_mtx`,
    /// `name_cond`, `name_count`, then the marker `name`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] if `name_count` would be longer than 31 bytes,
    /// [`Error::InvalidName`], [`Error::AlreadyExists`] if any of the four names is taken,
    /// [`Error::TableFull`] or [`Error::OutOfSpace`] if the four entries do not all fit; a
    /// validation error if the table is corrupt. Each is found before anything is added, so
    /// the segment is unchanged (unless another process adds entries at the same moment and
    /// takes the last room: then the entries added so far stay, without the marker, and
    /// [`open`](Monitor::open) does not see a monitor).
    pub fn create(mem: &Memory, name: &str) -> Result<Monitor> {
        let mtx_name = part_name(name, MONITOR_MUTEX_SUFFIX);
        let cond_name = part_name(name, MONITOR_COND_SUFFIX);
        let count_name = part_name(name, MONITOR_COUNT_SUFFIX);
        Parts::default()
            .semaphore(&mtx_name, 1, 1)
            .semaphore(&cond_name, 0, 0)
            .words(&count_name, 0u32)
            .marker(name)
            .add_described(
                mem,
                &crate::schema::EntryDesc {
                    parts: &[&mtx_name, &cond_name, &count_name],
                    ..crate::schema::EntryDesc::new(name, "monitor")
                },
            )?;
        Monitor::open(mem, name)
    }

    /// Opens the monitor called `name`: its marker must exist; then opens its mutex (as
    /// [`Mutex::open`] does) and its semaphore (as [`Semaphore::open`] does, and unbounded),
    /// and checks its waiter count (4 bytes, not above `i32::MAX`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] naming whichever entry is missing (the marker `name` first);
    /// [`Error::Corrupt`] naming the entry at fault; a validation error if the table is
    /// corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Monitor> {
        open_marker(mem, name, "monitor")?;
        let mtx = Mutex::open(mem, &part_name(name, MONITOR_MUTEX_SUFFIX))?;
        let cond_name = part_name(name, MONITOR_COND_SUFFIX);
        let cond = Semaphore::open(mem, &cond_name)?;
        if cond.max_count() != 0 {
            return Err(Error::corrupt(
                &cond_name,
                format!(
                    "a monitor's semaphore is unbounded (max_count 0), and this one has {}",
                    cond.max_count()
                ),
            ));
        }
        let count_name = part_name(name, MONITOR_COUNT_SUFFIX);
        let count = Words::open(mem, &count_name, MONITOR_COUNT_SIZE, "monitor waiter count")?;
        // Relaxed: the table's Acquire load of `entry_count` in `find` made the creator's
        // initialisation visible; this is a check of the value now.
        let waiters = count.word(0).load(Ordering::Relaxed);
        if waiters > i32::MAX as u32 {
            return Err(Error::corrupt(
                &count_name,
                format!("waiter count {waiters} is above i32::MAX"),
            ));
        }
        Ok(Monitor {
            mtx,
            cond,
            count,
            name: name.to_owned(),
        })
    }

    /// The table name of this monitor (its marker's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Waiters now, as the shared count says: a snapshot. A process that died waiting is
    /// still counted.
    pub fn waiters(&self) -> u32 {
        // Relaxed: a snapshot; nothing is read on the strength of it.
        self.count.word(0).load(Ordering::Relaxed)
    }

    /// Takes the lock, waiting as long as it takes.
    pub fn lock(&self) -> MonitorGuard<'_> {
        MonitorGuard {
            monitor: self,
            _mtx: self.mtx.lock(),
        }
    }

    /// Takes the lock, waiting up to `timeout` for it.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if someone held it for the whole `timeout`.
    pub fn lock_timeout(&self, timeout: Duration) -> Result<MonitorGuard<'_>> {
        Ok(MonitorGuard {
            monitor: self,
            _mtx: self.mtx.lock_timeout(timeout)?,
        })
    }

    /// Takes the lock if it is free, without waiting.
    pub fn try_lock(&self) -> Option<MonitorGuard<'_>> {
        Some(MonitorGuard {
            monitor: self,
            _mtx: self.mtx.try_lock()?,
        })
    }

    /// The guard of a lock that the caller took earlier and whose guard it let go of: for
    /// bindings that lock and unlock in separate calls (see `Mutex::guard_of_held`).
    #[doc(hidden)]
    pub fn guard_of_held(&self) -> MonitorGuard<'_> {
        MonitorGuard {
            monitor: self,
            _mtx: self.mtx.guard_of_held(),
        }
    }

    /// Gives up the lock `guard` holds, waits for a notification, and takes the lock again:
    /// as long as each takes. May also return without a notification: check the condition
    /// in a loop.
    ///
    /// # Panics
    ///
    /// If `guard` is the lock of another monitor (another name or segment).
    pub fn wait<'a>(&'a self, guard: MonitorGuard<'a>) -> MonitorGuard<'a> {
        self.check_guard(&guard);
        self.count_in();
        drop(guard);
        self.cond.wait();
        let guard = self.lock();
        self.count_out();
        guard
    }

    /// Gives up the lock `guard` holds, waits for a notification, then takes the lock again;
    /// whether a notification came (`false` at the timeout; `true` may also be a spurious
    /// wake-up). Returns within `timeout` (give or take the scheduler's delays): the wait
    /// for the notification and the wait for the lock share the one deadline, so a wait
    /// that lasted the whole `timeout` only tries the lock once.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the lock could not be taken again by the end of `timeout`
    /// (someone holds it, perhaps a dead process): the caller no longer holds it.
    ///
    /// # Panics
    ///
    /// If `guard` is the lock of another monitor (another name or segment).
    pub fn wait_timeout<'a>(
        &'a self,
        guard: MonitorGuard<'a>,
        timeout: Duration,
    ) -> Result<(MonitorGuard<'a>, bool)> {
        self.check_guard(&guard);
        let end = deadline(timeout);
        self.count_in();
        drop(guard);
        let notified = self.cond.wait_timeout(remaining(end)).is_ok();
        // What the notification left of `timeout`: zero after a wait that timed out, and
        // then the lock is only tried.
        let relocked = self.lock_timeout(remaining(end));
        self.count_out();
        Ok((relocked?, notified))
    }

    /// Wakes one waiter, if the shared counts say there is one; a notification with no
    /// waiter is lost, as a condition variable's is.
    pub fn notify_one(&self) {
        if self.cond.waiting() > 0 || self.waiters() > 0 {
            // Refused only at i32::MAX permits, which only another process could have left:
            // a waiter will find one either way.
            let _ = self.cond.post();
        }
    }

    /// Wakes every waiter that the shared count holds (at most 65536 of them).
    pub fn notify_all(&self) {
        for _ in 0..self.waiters().min(MAX_NOTIFY_ALL) {
            if self.cond.post().is_err() {
                break;
            }
        }
    }

    fn check_guard(&self, guard: &MonitorGuard<'_>) {
        assert!(
            guard.monitor.name == self.name
                && guard.monitor.count.segment() == self.count.segment(),
            "a monitor waits with its own lock"
        );
    }

    /// Counts a waiter in; called holding the lock.
    fn count_in(&self) {
        // Relaxed: the unlock that follows (the semaphore's Release post) orders this before
        // the next holder of the lock, where notifiers look; no data hangs on the count.
        self.count.word(0).fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a waiter out.
    fn count_out(&self) {
        let count = self.count.word(0);
        // Relaxed: as in `count_in`. Never below 0: another process may have written 0.
        let mut now = count.load(Ordering::Relaxed);
        // Exit: the count moved down by one, or it is 0. A failed exchange means a peer
        // changed it meanwhile: someone's progress.
        while now > 0 {
            // Relaxed, both: as in `count_in`.
            match count.compare_exchange(now, now - 1, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => break,
                Err(v) => now = v,
            }
        }
    }
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("name", &self.name)
            .field("locked", &self.mtx.is_locked())
            .field("waiters", &self.waiters())
            .field("segment", &self.count.segment())
            .finish_non_exhaustive()
    }
}

/// The lock of a [`Monitor`], held until dropped or handed to [`Monitor::wait`].
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MonitorGuard<'a> {
    monitor: &'a Monitor,
    /// The monitor's mutex, unlocked when this is dropped.
    _mtx: MutexGuard<'a>,
}

impl MonitorGuard<'_> {
    /// The monitor this guard holds.
    pub fn monitor(&self) -> &Monitor {
        self.monitor
    }
}

impl fmt::Debug for MonitorGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MonitorGuard")
            .field("monitor", &self.monitor.name)
            .finish()
    }
}

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

// ---- Its declaration, for `#[zeroipc::segment]` ------------------------------------------

crate::declare::declare_composite!(
    Monitor,
    "monitor",
    [
        crate::layout::MUTEX_SIZE,
        crate::layout::SEMAPHORE_SIZE,
        MONITOR_COUNT_SIZE,
        crate::layout::MARKER_SIZE,
    ],
    3,
    Monitor::create,
);

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("monitor_count", read_entry)
        .example(|mem| Monitor::create(mem, "mon").map(|_| "mon_count".to_owned()));

/// A monitor's waiter count: 4 bytes named `<name>_count`.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    if p.size != MONITOR_COUNT_SIZE as u64 || !p.name.ends_with(MONITOR_COUNT_SUFFIX) {
        return None;
    }
    let v = crate::inspect::words(p.head.get(..4)?)[0];
    Some(crate::inspect::Reading::new(
        "monitor_count",
        format!("monitor waiter count: {v}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn a_wait_with_nobody_to_notify_times_out_holding_the_lock_again() {
        let seg = Segment::new(1 << 16);
        let m = Monitor::create(&seg.mem, "m").unwrap();
        let g = m.lock();
        assert!(m.try_lock().is_none());
        let (g, notified) = m.wait_timeout(g, Duration::from_millis(5)).unwrap();
        assert!(!notified);
        assert!(m.try_lock().is_none(), "the lock is held again");
        assert_eq!(m.waiters(), 0);
        drop(g);
        m.notify_one();
        m.notify_all();
        assert_eq!(m.cond.count(), 0, "notifications with no waiter are lost");
        drop(m.try_lock().unwrap());
    }
}
