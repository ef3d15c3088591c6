//! `Signal<T>`: a value with a version number, changed by writers and watched by readers.
//!
//! Layout: an entry `<name>_state` holding `u64 version` at 0x00 (bumped on every change) and
//! the value `T` at 0x08, recorded as `8 + size_of::<T>()` bytes (another implementation
//! records `align8` of that: both are accepted); a mutex `<name>_mtx`; then a 1-byte marker
//! entry `<name>`, created last.
//!
//! Writers take the mutex, write the value, bump the version and unlock, as the other
//! implementations' writers do; readers copy the version and value under the mutex too (the
//! other implementations' readers do the same), and read the version again after the copy,
//! so that a writer that ignores the mutex cannot hand them a torn value unnoticed.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use bytemuck::Pod;

use crate::atomic::{AtomicU64, Ordering};
use crate::error::{Error, Result};
use crate::layout;
use crate::memory::Memory;
use crate::region::Region;
use crate::structures::wait::Wait;
use crate::sync::mutex::Mutex;
use crate::sync::{
    check_room, create_marker, deadline, open_marker, part_name, remaining, wake_all, Words,
};

/// Copies a reader makes before it gives up on a value whose version keeps changing under
/// the mutex (which only a writer ignoring the mutex can cause).
const READ_ATTEMPTS: u32 = 4;

/// A versioned value in a segment, shared by threads and processes in any language that
/// speaks the format.
///
/// [`set`](Signal::set) stores a new value and bumps the version; [`get`](Signal::get)
/// returns the version and value together; [`wait_change`](Signal::wait_change) waits until
/// the version differs from one seen before. `T` is plain old data with an alignment of 8 or
/// less, and must be the same type (size and layout) in every process.
///
/// The signal is three table entries, `<name>_state`, `<name>_mtx` and the marker `<name>`,
/// so `name` must leave room for the longest suffix (25 bytes at most). The
/// [`segment`](crate::segment) macro does not declare signals: it declares one entry per
/// field.
///
/// A process that dies while setting the value never unlocks the mutex: the blocking forms
/// would then wait for ever; the `_timeout` forms report [`Error::Timeout`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Memory, Signal};
/// # let name = format!("/zeroipc_doc_signal_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let setpoint = Signal::<f64>::create(&mem, "setpoint", 20.0)?;
/// let other = Signal::<f64>::open(&Memory::open(&name)?, "setpoint")?;
/// let (seen, value) = other.get()?;
/// assert_eq!((seen, value), (0, 20.0));
/// setpoint.set(21.5);
/// assert_eq!(other.wait_change_timeout(seen, Duration::from_secs(1))?, (1, 21.5));
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
pub struct Signal<T> {
    /// Keeps the mapping alive; the state lies in it at `state`.
    region: Region,
    /// Offset of the state entry: checked at open to hold an 8-aligned `u64` and then a `T`
    /// within the mapping.
    state: u64,
    mtx: Mutex,
    /// The mutex's words: readers of [`Signal::wait_change`] sleep on its count, which every
    /// set changes.
    mtx_words: Words,
    name: String,
    _marker: PhantomData<T>,
}

impl<T> Clone for Signal<T> {
    fn clone(&self) -> Signal<T> {
        Signal {
            region: self.region.clone(),
            state: self.state,
            mtx: self.mtx.clone(),
            mtx_words: self.mtx_words.clone(),
            name: self.name.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: Pod> Signal<T> {
    /// Adds a signal called `name` holding `initial` at version 0: the entries `name_state`,
    /// `name_mtx`, then the marker `name`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] if `name_state` would be longer than 31 bytes,
    /// [`Error::InvalidName`], [`Error::AlreadyExists`] if any of the three names is taken,
    /// [`Error::TableFull`] or [`Error::OutOfSpace`] if the three entries do not all fit; a
    /// validation error if the table is corrupt. Each is found before anything is added, so
    /// the segment is unchanged (unless another process adds entries at the same moment and
    /// takes the last room: then the entries added so far stay, without the marker, and
    /// [`open`](Signal::open) does not see a signal).
    pub fn create(mem: &Memory, name: &str, initial: T) -> Result<Signal<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        let state_name = part_name(name, layout::SIGNAL_STATE_SUFFIX);
        let mtx_name = part_name(name, layout::SIGNAL_MUTEX_SUFFIX);
        let state_size = layout::signal_state_size(size_of::<T>());
        check_room(
            mem,
            &[
                (&state_name, state_size),
                (&mtx_name, layout::MUTEX_SIZE),
                (name, layout::MARKER_SIZE),
            ],
        )?;
        let entry = mem.add(&state_name, state_size as u64, |region, offset| {
            region.write(offset, 0u64)?;
            region.write(offset + layout::SIGNAL_VALUE_OFFSET as u64, initial)
        })?;
        let mtx = Mutex::create(mem, &mtx_name)?;
        let mtx_words = Words::open(mem, &mtx_name, layout::MUTEX_SIZE, "mutex")?;
        create_marker(mem, name)?;
        Self::from_parts(mem, name, &state_name, entry.offset(), mtx, mtx_words)
    }

    /// Opens the signal called `name`: its marker must exist; then checks its state entry
    /// (`8 + size_of::<T>()` bytes, or that rounded up to a multiple of 8) and opens its mutex
    /// as [`Mutex::open`] does.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] naming whichever entry is missing (the marker `name` first);
    /// [`Error::Corrupt`] naming the entry at fault (a state entry of another size holds
    /// another type); a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Signal<T>> {
        let () = crate::structures::ElementType::<T>::OK;
        open_marker(mem, name, "signal")?;
        let state_name = part_name(name, layout::SIGNAL_STATE_SUFFIX);
        let entry = mem.find(&state_name)?;
        let exact = layout::signal_state_size(size_of::<T>()) as u64;
        let padded = layout::align8(exact as usize) as u64;
        if entry.size() != exact && entry.size() != padded {
            return Err(Error::corrupt(
                &state_name,
                format!(
                    "entry size {} is not the {exact} (or {padded}) bytes of a signal state \
                     holding a {}-byte value",
                    entry.size(),
                    size_of::<T>()
                ),
            ));
        }
        let mtx_name = part_name(name, layout::SIGNAL_MUTEX_SUFFIX);
        let mtx = Mutex::open(mem, &mtx_name)?;
        let mtx_words = Words::open(mem, &mtx_name, layout::MUTEX_SIZE, "mutex")?;
        Self::from_parts(mem, name, &state_name, entry.offset(), mtx, mtx_words)
    }

    fn from_parts(
        mem: &Memory,
        name: &str,
        state_name: &str,
        state: u64,
        mtx: Mutex,
        mtx_words: Words,
    ) -> Result<Signal<T>> {
        let region = mem.region();
        let value_ok = state
            .checked_add(layout::SIGNAL_VALUE_OFFSET as u64)
            .and_then(|at| region.ptr::<T>(at, 1))
            .is_some();
        if region.atomic_u64(state).is_none() || !value_ok {
            return Err(Error::corrupt(
                state_name,
                "signal state lies outside the segment",
            ));
        }
        Ok(Signal {
            region: region.clone(),
            state,
            mtx,
            mtx_words,
            name: name.to_owned(),
            _marker: PhantomData,
        })
    }

    /// The version word.
    fn version_word(&self) -> &AtomicU64 {
        self.region
            .atomic_u64(self.state)
            .unwrap_or_else(|| unreachable!("checked in `from_parts`; the mapping never shrinks"))
    }

    fn read_value(&self) -> T {
        self.region
            .read(self.state + layout::SIGNAL_VALUE_OFFSET as u64)
            .unwrap_or_else(|| unreachable!("checked in `from_parts`; the mapping never shrinks"))
    }

    /// The table name of this signal (its marker's).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version now: a snapshot, 0 until the first set.
    pub fn version(&self) -> u64 {
        // Acquire: pairs with the Release increment in `set_locked`, so a reader that sees a
        // version then sees at least the writes before it.
        self.version_word().load(Ordering::Acquire)
    }

    /// Stores `value` and bumps the version, waiting as long as it takes for the mutex.
    pub fn set(&self, value: T) {
        let guard = self.mtx.lock();
        self.set_locked(value);
        drop(guard);
        wake_all(self.mtx_words.word(layout::SEMAPHORE_COUNT_OFFSET));
    }

    /// Stores `value` and bumps the version, waiting up to `timeout` for the mutex.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if someone held the mutex for the whole `timeout`; nothing changed.
    pub fn set_timeout(&self, value: T, timeout: Duration) -> Result<()> {
        let guard = self.mtx.lock_timeout(timeout)?;
        self.set_locked(value);
        drop(guard);
        wake_all(self.mtx_words.word(layout::SEMAPHORE_COUNT_OFFSET));
        Ok(())
    }

    /// The write itself; the caller holds the mutex.
    fn set_locked(&self, value: T) {
        self.region
            .write(self.state + layout::SIGNAL_VALUE_OFFSET as u64, value)
            .unwrap_or_else(|| unreachable!("checked in `from_parts`; the mapping never shrinks"));
        // Release: pairs with the Acquire loads of `version` in `version` and `read_locked`,
        // so the value written above is seen by whoever sees this version.
        self.version_word().fetch_add(1, Ordering::Release);
    }

    /// The version and the value, read together; waits as long as it takes for the mutex.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] naming the state entry if the version changed during each of a few
    /// copies made under the mutex: some writer ignores the mutex.
    pub fn get(&self) -> Result<(u64, T)> {
        let guard = self.mtx.lock();
        let read = self.read_locked();
        drop(guard);
        read
    }

    /// The version and the value, read together; waits up to `timeout` for the mutex.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if someone held the mutex for the whole `timeout`; as
    /// [`get`](Signal::get) otherwise.
    pub fn get_timeout(&self, timeout: Duration) -> Result<(u64, T)> {
        let guard = self.mtx.lock_timeout(timeout)?;
        let read = self.read_locked();
        drop(guard);
        read
    }

    /// Copies the value between two reads of the version until they agree (a few times at
    /// most); the caller holds the mutex.
    fn read_locked(&self) -> Result<(u64, T)> {
        for _ in 0..READ_ATTEMPTS {
            // Acquire: pairs with the Release increment in `set_locked`.
            let before = self.version_word().load(Ordering::Acquire);
            let value = self.read_value();
            // Acquire: as above; a writer ignoring the mutex shows here as a change.
            let after = self.version_word().load(Ordering::Acquire);
            if before == after {
                return Ok((after, value));
            }
        }
        Err(Error::corrupt(
            &part_name(&self.name, layout::SIGNAL_STATE_SUFFIX),
            "the version kept changing during reads under the mutex: a writer ignores it",
        ))
    }

    /// Waits as long as it takes for the version to differ from `since`, then returns the
    /// version and value as [`get`](Signal::get) does.
    ///
    /// # Errors
    ///
    /// As [`get`](Signal::get).
    pub fn wait_change(&self, since: u64) -> Result<(u64, T)> {
        self.wait_change_until(since, None)
    }

    /// Waits up to `timeout` for the version to differ from `since`, then returns the
    /// version and value as [`get`](Signal::get) does (the mutex is waited for within the
    /// same `timeout`).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the version stayed at `since` (or the mutex stayed held) for the
    /// whole `timeout`; as [`get`](Signal::get) otherwise.
    pub fn wait_change_timeout(&self, since: u64, timeout: Duration) -> Result<(u64, T)> {
        self.wait_change_until(since, deadline(timeout))
    }

    fn wait_change_until(&self, since: u64, end: Option<Instant>) -> Result<(u64, T)> {
        let word = self.mtx_words.word(layout::SEMAPHORE_COUNT_OFFSET);
        let mut wait = Wait::new(remaining(end));
        // Exit: the version changed, or the time is up. Writers in this crate wake the
        // sleepers after each set; others' sets are noticed at the next sleep step.
        loop {
            // Relaxed: only the value to sleep on; the futex sleeps only while it holds.
            let seen = word.load(Ordering::Relaxed);
            if self.version() != since {
                break;
            }
            if !wait.wait(word, seen) {
                return Err(Error::Timeout);
            }
        }
        let guard = self.mtx.lock_timeout(remaining(end))?;
        let read = self.read_locked();
        drop(guard);
        read
    }
}

impl<T> fmt::Debug for Signal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("name", &self.name)
            .field("value_size", &size_of::<T>())
            .field("segment", &self.mtx_words.segment())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    #[test]
    fn each_set_bumps_the_version_once() {
        let seg = Segment::new(1 << 16);
        let s = Signal::<[u16; 3]>::create(&seg.mem, "s", [1, 2, 3]).unwrap();
        assert_eq!(seg.mem.find("s_state").unwrap().size(), 14);
        assert_eq!(s.get().unwrap(), (0, [1, 2, 3]));
        s.set([4, 5, 6]);
        s.set_timeout([7, 8, 9], Duration::from_secs(1)).unwrap();
        assert_eq!(s.version(), 2);
        assert_eq!(
            s.get_timeout(Duration::from_secs(1)).unwrap(),
            (2, [7, 8, 9])
        );
        assert!(matches!(
            s.wait_change_timeout(2, Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
        assert_eq!(s.wait_change(1).unwrap(), (2, [7, 8, 9]));
    }
}
