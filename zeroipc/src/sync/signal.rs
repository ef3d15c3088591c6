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
//!
//! A reader waiting for a change sleeps on the version's low 32 bits, which every set moves
//! forward (they come back to a value only after 2^32 sets), so a set between the reader's
//! look and its sleep makes the sleep return at once; writers in this crate wake that word
//! after each set. The crate reaches the version only as the `u64` it is: the low word's
//! address goes to the futex calls alone, and the kernel compares it with what the reader saw.

use std::fmt;
use std::marker::PhantomData;
use std::time::{Duration, Instant};

use bytemuck::Pod;

use crate::atomic::{self, AtomicU32, AtomicU64, Ordering};
use crate::error::{Error, Result};
use crate::layout;
use crate::memory::Memory;
use crate::parts::{open_marker, part_name, Parts};
use crate::region::Region;
use crate::sync::mutex::Mutex;
use crate::sync::wake_all;
#[cfg(not(loom))]
use crate::wait::{deadline, remaining};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Offset of a signal's value within its state entry, after the `u64 version`.
pub const SIGNAL_VALUE_OFFSET: usize = 8;

/// Size this crate records for a signal's state entry: `8 + size_of::<T>()`. (Another
/// implementation records `align8` of that; both are accepted when opening.)
pub const fn signal_state_size(elem_size: usize) -> usize {
    crate::layout::unwrap_size(SIGNAL_VALUE_OFFSET.checked_add(elem_size))
}

/// Suffix of a signal's state entry.
pub const SIGNAL_STATE_SUFFIX: &str = "_state";

/// Suffix of a signal's writer mutex entry.
pub const SIGNAL_MUTEX_SUFFIX: &str = "_mtx";

/// Copies a reader makes before it gives up on a value whose version keeps changing under
/// the mutex (which only a writer ignoring the mutex can cause).
const READ_ATTEMPTS: u32 = 4;

/// Byte offset, within the `u64` version, of its low 32 bits: the word that
/// [`Signal::wait_change`] sleeps on.
const VERSION_LOW_OFFSET: u64 = if cfg!(target_endian = "little") { 0 } else { 4 };

/// Looks at the version before a reader of [`Signal::wait_change`] first sleeps: a set that
/// is under way on another core is likely done within them.
const SPINS: u32 = 64;
/// The first sleep of a reader of [`Signal::wait_change`]; each later one doubles, up to
/// [`MAX_SLEEP`].
const FIRST_SLEEP: Duration = Duration::from_micros(50);
/// The longest single sleep. The other implementations' writers wake nobody: their sets are
/// noticed within this.
const MAX_SLEEP: Duration = Duration::from_millis(1);

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
    name: String,
    _marker: PhantomData<T>,
}

impl<T> Clone for Signal<T> {
    fn clone(&self) -> Signal<T> {
        Signal {
            region: self.region.clone(),
            state: self.state,
            mtx: self.mtx.clone(),
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
        let state_name = part_name(name, SIGNAL_STATE_SUFFIX);
        let mtx_name = part_name(name, SIGNAL_MUTEX_SUFFIX);
        let state_size = signal_state_size(size_of::<T>());
        let mut first = vec![0u8; SIGNAL_VALUE_OFFSET];
        first.extend_from_slice(bytemuck::bytes_of(&initial));
        Parts::default()
            .bytes(&state_name, first, state_size)
            .semaphore(&mtx_name, 1, 1)
            .marker(name)
            .add_described(
                mem,
                &crate::schema::EntryDesc {
                    ty: Some(crate::schema::TypeDesc::of::<T>()),
                    parts: &[&state_name, &mtx_name],
                    ..crate::schema::EntryDesc::new(name, "signal")
                },
            )?;
        Signal::open(mem, name)
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
        crate::schema::expect_type(mem, name, &crate::schema::TypeDesc::of::<T>())?;
        let state_name = part_name(name, SIGNAL_STATE_SUFFIX);
        let entry = mem.find(&state_name)?;
        let exact = signal_state_size(size_of::<T>()) as u64;
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
        let mtx_name = part_name(name, SIGNAL_MUTEX_SUFFIX);
        let mtx = Mutex::open(mem, &mtx_name)?;
        Self::from_parts(mem, name, &state_name, entry.offset(), mtx)
    }

    fn from_parts(
        mem: &Memory,
        name: &str,
        state_name: &str,
        state: u64,
        mtx: Mutex,
    ) -> Result<Signal<T>> {
        let region = mem.region();
        let value_ok = state
            .checked_add(SIGNAL_VALUE_OFFSET as u64)
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

    /// The low 32 bits of the version, for the futex calls only: never loaded or stored
    /// through (a 32-bit access racing a 64-bit write of the same bytes is not allowed).
    fn version_low_word(&self) -> &AtomicU32 {
        self.region
            .atomic_u32(self.state + VERSION_LOW_OFFSET)
            .unwrap_or_else(|| unreachable!("within the version word checked in `from_parts`"))
    }

    /// Sleeps up to `step` unless the version's low 32 bits have moved from `since`'s, or a
    /// set wakes the sleeper.
    fn sleep_on_version(&self, since: u64, step: Duration) {
        #[cfg(target_os = "linux")]
        crate::shm::futex_wait(self.version_low_word(), since as u32, step);
        #[cfg(not(target_os = "linux"))]
        {
            // No futex: the fallback would load the word; sleep the step instead.
            let _ = since;
            std::thread::sleep(step);
        }
    }

    /// Wakes the readers sleeping on the version, after a set.
    fn wake_readers(&self) {
        wake_all(self.version_low_word());
    }

    fn read_value(&self) -> T {
        self.region
            .read(self.state + SIGNAL_VALUE_OFFSET as u64)
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
        self.wake_readers();
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
        self.wake_readers();
        Ok(())
    }

    /// Replaces the value with what `f` makes of it and bumps the version, all under the
    /// mutex (waited for up to `timeout`): a read-modify-write that no writer taking the
    /// mutex can interleave with. `f` answering `None` leaves value and version as they
    /// were. Returns the new version and value, or `None` if `f` declined.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if someone held the mutex for the whole `timeout`; as
    /// [`get`](Signal::get) otherwise. Nothing changed then.
    pub fn update_timeout<F: FnOnce(T) -> Option<T>>(
        &self,
        f: F,
        timeout: Duration,
    ) -> Result<Option<(u64, T)>> {
        let guard = self.mtx.lock_timeout(timeout)?;
        let (_, value) = self.read_locked()?;
        let Some(new) = f(value) else {
            return Ok(None);
        };
        self.set_locked(new);
        // Relaxed: we hold the mutex, so the version is the one `set_locked` just stored.
        let version = self.version_word().load(Ordering::Relaxed);
        drop(guard);
        self.wake_readers();
        Ok(Some((version, new)))
    }

    /// The write itself; the caller holds the mutex.
    fn set_locked(&self, value: T) {
        self.region
            .write(self.state + SIGNAL_VALUE_OFFSET as u64, value)
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
            &part_name(&self.name, SIGNAL_STATE_SUFFIX),
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
        if !self.wait_version(since, end, (FIRST_SLEEP, MAX_SLEEP), || {}) {
            return Err(Error::Timeout);
        }
        let guard = self.mtx.lock_timeout(remaining(end))?;
        let read = self.read_locked();
        drop(guard);
        read
    }

    /// Waits until the version differs from `since` (`true`), or until `end` (`false`):
    /// spins a little, then sleeps on the version's low word in steps that double from the
    /// first to the longest of `sleeps`, calling `before_sleep` before each (tests make a set
    /// there, just after the look that found no change).
    fn wait_version(
        &self,
        since: u64,
        end: Option<Instant>,
        sleeps: (Duration, Duration),
        mut before_sleep: impl FnMut(),
    ) -> bool {
        let (mut sleep, longest_sleep) = sleeps;
        let mut spins = 0;
        // Exit: the version changed, or the time is up. Writers in this crate wake the
        // sleepers after each set, and a set between the look and the sleep has moved the
        // word, so the sleep returns at once; others' sets are noticed at the next sleep step.
        loop {
            if self.version() != since {
                return true;
            }
            if spins < SPINS {
                spins += 1;
                atomic::spin_loop();
                continue;
            }
            let left = remaining(end);
            if left.is_zero() {
                return false;
            }
            before_sleep();
            self.sleep_on_version(since, sleep.min(longest_sleep).min(left));
            sleep = sleep.saturating_mul(2);
        }
    }
}

impl<T> fmt::Debug for Signal<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("name", &self.name)
            .field("value_size", &size_of::<T>())
            .field("segment", &self.region.shm().name())
            .finish_non_exhaustive()
    }
}

// ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

// ---- Its declaration, for `#[zeroipc::segment]`: starts at zero ---------------------------

impl<T, const N: usize> crate::declare::Declare<N> for Signal<T> {
    type Element = T;
    const KEYS: &'static [&'static str] = &[];
    const REQUIRED_KEYS: &'static [&'static str] = &[];
    const POWER_OF_TWO_KEYS: &'static [&'static str] = &[];
    const ELEMENT_ALIGN_OK: bool = align_of::<T>() <= crate::structures::MAX_ELEMENT_ALIGN;
    const SIZE: usize = crate::layout::MARKER_SIZE;
    const KIND: &'static str = "signal";
    const ELEMENT_SIZE: usize = size_of::<T>();
    const PARTS: &'static [usize] = &[
        signal_state_size(size_of::<T>()),
        crate::layout::MUTEX_SIZE,
        crate::layout::MARKER_SIZE,
    ];
    const NAMED_PART: usize = 2;

    fn declare(
        mem: &Memory,
        name: &str,
        mode: crate::declare::Mode,
        _params: &crate::declare::Params,
    ) -> Result<Self>
    where
        T: crate::declare::Element,
    {
        match mode {
            crate::declare::Mode::Create => Signal::create(mem, name, T::zeroed()),
            crate::declare::Mode::Open => Signal::open(mem, name),
        }
    }
}

pub(crate) const STRUCTURE: crate::structures::Structure =
    crate::structures::Structure::new("signal_state", read_entry)
        .example(|mem| crate::Signal::<u32>::create(mem, "sig", 7).map(|_| "sig_state".to_owned()));

/// A signal's state entry: named `<name>_state` beside an entry `<name>`, a `u64` version
/// then the value.
fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
    let base = p.name.strip_suffix(SIGNAL_STATE_SUFFIX)?;
    if p.size <= SIGNAL_VALUE_OFFSET as u64 || !p.names.contains(base) {
        return None;
    }
    let version = u64::from_le_bytes(p.head.get(..8)?.try_into().ok()?);
    Some(crate::inspect::Reading::new(
        "signal_state",
        format!(
            "signal state: version {version}, a value of up to {} bytes",
            p.size - SIGNAL_VALUE_OFFSET as u64
        ),
    ))
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

    #[test]
    fn a_set_between_the_waiters_look_and_its_sleep_ends_the_sleep_at_once() {
        let seg = Segment::new(1 << 16);
        let s = Signal::<u32>::create(&seg.mem, "s", 0).unwrap();
        // A sleep step of a minute: after the set below, only a sleep that sees the version
        // moved (or is woken) ends before it. The set comes after the waiter's last look at
        // the version and before its sleep, where a word that went back to the value the
        // waiter saw would let it sleep the whole step.
        let step = Duration::from_secs(60);
        let (done, finished) = std::sync::mpsc::channel();
        let waiter = {
            let s = s.clone();
            std::thread::spawn(move || {
                let mut sleeps = 0;
                let changed = s.wait_version(0, deadline(step), (step, step), || {
                    sleeps += 1;
                    if sleeps == 1 {
                        s.set(7);
                    }
                });
                done.send((changed, sleeps)).unwrap();
            })
        };
        // A third of the sleep step: plenty for a thread to run a few instructions and a
        // system call on a busy machine, far short of a missed wake.
        let (changed, sleeps) = finished
            .recv_timeout(step / 3)
            .expect("the waiter slept through a set made just before its sleep");
        waiter.join().unwrap();
        assert!(changed);
        assert_eq!(sleeps, 1, "one sleep, ended by the set");
        assert_eq!(s.get().unwrap(), (1, 7));
    }

    #[test]
    fn a_set_wakes_a_waiter_asleep_on_the_version() {
        let seg = Segment::new(1 << 16);
        let s = Signal::<u32>::create(&seg.mem, "s", 0).unwrap();
        // As above, a sleep step of a minute; the set comes while the waiter sleeps.
        let step = Duration::from_secs(60);
        let (sleeping, asleep) = std::sync::mpsc::channel();
        let (done, finished) = std::sync::mpsc::channel();
        let waiter = {
            let s = s.clone();
            std::thread::spawn(move || {
                let changed = s.wait_version(0, deadline(step), (step, step), || {
                    let _ = sleeping.send(());
                });
                done.send(changed).unwrap();
            })
        };
        asleep
            .recv_timeout(step / 3)
            .expect("the waiter never went to sleep");
        // Time to get into the futex wait. (Should it still be on its way there, the set
        // moves the word first and the sleep returns at once anyway: the test then passes
        // without testing the wake.)
        std::thread::sleep(Duration::from_millis(50));
        s.set(7);
        let changed = finished
            .recv_timeout(step / 3)
            .expect("the set did not wake the waiter asleep on the version");
        waiter.join().unwrap();
        assert!(changed);
    }

    #[test]
    fn a_waiter_in_another_thread_sees_every_set_of_a_ping_pong() {
        let seg = Segment::new(1 << 16);
        let request = Signal::<u32>::create(&seg.mem, "request", 0).unwrap();
        let reply = Signal::<u32>::create(&seg.mem, "reply", 0).unwrap();
        let rounds = 200;
        let other = {
            let (request, reply) = (request.clone(), reply.clone());
            std::thread::spawn(move || {
                let mut seen = 0;
                for _ in 0..rounds {
                    let (version, value) = request
                        .wait_change_timeout(seen, Duration::from_secs(10))
                        .unwrap();
                    seen = version;
                    reply.set(value + 1);
                }
            })
        };
        let mut seen = 0;
        for n in 0..rounds {
            request.set(2 * n);
            let (version, value) = reply
                .wait_change_timeout(seen, Duration::from_secs(10))
                .unwrap();
            assert_eq!(value, 2 * n + 1);
            seen = version;
        }
        other.join().unwrap();
        assert_eq!(
            (request.version(), reply.version()),
            (rounds.into(), rounds.into())
        );
    }
}
