//! `Once`: a function run exactly once among all the processes sharing a segment.
//!
//! Layout (4 bytes): `u32 state` at 0x00: 0 pending, 1 running, 2 done.
//!
//! A caller that moves the state from pending to running with a compare-and-swap runs the
//! function, then stores done and wakes the waiters; the others wait for done. If the
//! function panics, the runner puts the state back to pending (and wakes the waiters), so
//! that another caller can run it; the panic goes on. If the runner's process dies, the state
//! stays running for ever: waiters with a time limit then report a time-out, never hang.
//!
//! The algorithm is written once, over [`OnceView`]; the handle [`Once`] builds the view from
//! a mapping, and the loom tests build it from heap atomics.

use crate::atomic::{AtomicU32, Ordering};
use crate::sync::wake_all;
use crate::wait::Wait;

#[cfg(not(loom))]
use std::{fmt, time::Duration};

#[cfg(not(loom))]
use crate::{
    error::{Error, Result},
    memory::Memory,
    words::Words,
};

// ---- Its layout (re-exported by `zeroipc::layout`) ------------------------------------

/// Size of a once flag: `u32 state`.
pub const ONCE_SIZE: usize = 4;

/// Offset of a once flag's `u32 state`.
pub const ONCE_STATE_OFFSET: usize = 0x00;

/// A once flag's state before anyone has run its function.
pub const ONCE_PENDING: u32 = 0;

/// A once flag's state while one process runs its function.
pub const ONCE_RUNNING: u32 = 1;

/// A once flag's state once its function has completed.
pub const ONCE_DONE: u32 = 2;

// ---- The algorithm -------------------------------------------------------------------------

/// Why a call on a once flag did not complete.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stuck {
    /// Another caller was still running the function when the wait gave up.
    TimedOut,
    /// The state word holds a value that is none of the three states.
    Corrupt(u32),
}

/// A once flag as the algorithm sees it: its state word.
#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
#[derive(Debug)]
pub struct OnceView<'a> {
    state: &'a AtomicU32,
}

/// Puts the state back to pending if the function unwinds.
struct Reset<'a>(&'a AtomicU32);

impl Drop for Reset<'_> {
    fn drop(&mut self) {
        // Release: pairs with the Acquire load in `call_once` of the caller that runs the
        // function next, so what this attempt left behind happens before it.
        self.0.store(ONCE_PENDING, Ordering::Release);
        wake_all(self.0);
    }
}

#[allow(unreachable_pub)] // `pub` for the loom tests (`crate::__loom`)
impl<'a> OnceView<'a> {
    /// The view of the once flag whose state word is `state`.
    pub fn new(state: &'a AtomicU32) -> OnceView<'a> {
        OnceView { state }
    }

    /// Runs `f` if no one has, waiting with `wait` while someone else runs it; `Ok(true)` if
    /// this call ran it, `Ok(false)` if it had run (or ran meanwhile) elsewhere.
    ///
    /// # Errors
    ///
    /// Why the function is not known to have run: the wait gave up, or the state is corrupt.
    pub fn call_once<F: FnOnce()>(&self, f: F, wait: &mut Wait) -> Result<bool, Stuck> {
        // Exit: done (here or elsewhere), the wait gave up, or the state is not a state.
        loop {
            // Acquire: pairs with the Release store of DONE below (in whichever process ran
            // the function), so what the function did happens before the caller goes on.
            match self.state.load(Ordering::Acquire) {
                ONCE_DONE => return Ok(false),
                ONCE_PENDING => {
                    // Acquire: pairs with the Release store of PENDING in `Reset` by a runner
                    // that panicked. Relaxed on failure: the loop loads again.
                    if self
                        .state
                        .compare_exchange(
                            ONCE_PENDING,
                            ONCE_RUNNING,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        let reset = Reset(self.state);
                        f();
                        std::mem::forget(reset);
                        // Release: pairs with the Acquire load above, in every later caller
                        // and in the waiters.
                        self.state.store(ONCE_DONE, Ordering::Release);
                        wake_all(self.state);
                        return Ok(true);
                    }
                }
                ONCE_RUNNING => {
                    if !wait.wait(self.state, ONCE_RUNNING) {
                        return Err(Stuck::TimedOut);
                    }
                }
                other => return Err(Stuck::Corrupt(other)),
            }
        }
    }

    /// Waits with `wait` until the function has run (by whoever runs it).
    ///
    /// # Errors
    ///
    /// As for [`call_once`](OnceView::call_once).
    pub fn wait(&self, wait: &mut Wait) -> Result<(), Stuck> {
        // Exit: done, the wait gave up, or the state is not a state.
        loop {
            // Acquire: as in `call_once`.
            match self.state.load(Ordering::Acquire) {
                ONCE_DONE => return Ok(()),
                seen @ (ONCE_PENDING | ONCE_RUNNING) => {
                    if !wait.wait(self.state, seen) {
                        return Err(Stuck::TimedOut);
                    }
                }
                other => return Err(Stuck::Corrupt(other)),
            }
        }
    }

    /// The state now: a snapshot.
    pub fn state(&self) -> u32 {
        // Relaxed: a snapshot for display; nothing is read on the strength of it.
        self.state.load(Ordering::Relaxed)
    }
}

// ---- The handle over a mapping -------------------------------------------------------------

/// A function run exactly once among all the threads and processes sharing a segment, in
/// any language that speaks the format: one-time initialisation of shared data.
///
/// The first [`call_once`](Once::call_once) runs its function; calls made while it runs wait
/// for it to finish (spinning briefly, then yielding, then sleeping on the state's futex in
/// steps of at most a millisecond); later calls return at once. If the function panics, the
/// flag goes back to pending and the next call runs its own function.
///
/// A process that dies while running the function leaves the flag running for ever:
/// [`call_once`](Once::call_once) would then wait for ever, and
/// [`call_once_timeout`](Once::call_once_timeout) reports [`Error::Timeout`] instead.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zeroipc::{Array, Memory, Once};
/// # let name = format!("/zeroipc_doc_once_{}", std::process::id());
/// let mem = Memory::create(&name, 1 << 16)?;
/// let table = Array::<u32>::create(&mem, "table", 256)?;
/// let init = Once::create(&mem, "table_init")?;
///
/// // Every process runs this; one fills the table, the others wait until it is full.
/// let ran = init.call_once_timeout(
///     || (0..256).for_each(|i| table.set(i, i as u32 * 3).unwrap()),
///     Duration::from_secs(10),
/// )?;
/// assert!(ran);
/// assert!(init.is_completed());
/// assert!(!init.call_once(|| unreachable!())?);
/// # Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[cfg(not(loom))]
#[derive(Clone)]
pub struct Once {
    words: Words,
}

#[cfg(not(loom))]
impl Once {
    /// Adds a pending once flag called `name`.
    ///
    /// # Errors
    ///
    /// [`Error::NameTooLong`] or [`Error::InvalidName`] for a bad name,
    /// [`Error::AlreadyExists`] if the table has that name, [`Error::TableFull`],
    /// [`Error::OutOfSpace`]; a validation error if the table is corrupt. On error the
    /// segment is unchanged.
    pub fn create(mem: &Memory, name: &str) -> Result<Once> {
        Ok(Once {
            words: Words::create_described(
                mem,
                ONCE_PENDING,
                &crate::schema::EntryDesc::new(name, "once"),
            )?,
        })
    }

    /// Opens the once flag called `name`, checking its entry (4 bytes) and its state (0, 1
    /// or 2).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`]; [`Error::Corrupt`] naming the entry for an entry of another size
    /// or a state that is not one; a validation error if the table is corrupt.
    pub fn open(mem: &Memory, name: &str) -> Result<Once> {
        let words = Words::open(mem, name, ONCE_SIZE, "once flag")?;
        let once = Once { words };
        let state = once.view().state();
        if state > ONCE_DONE {
            return Err(once.corrupt(state));
        }
        Ok(once)
    }

    #[inline]
    fn view(&self) -> OnceView<'_> {
        OnceView::new(self.words.word(ONCE_STATE_OFFSET))
    }

    fn corrupt(&self, state: u32) -> Error {
        Error::corrupt(
            self.name(),
            format!("once state {state} is not 0 (pending), 1 (running) or 2 (done)"),
        )
    }

    fn result<T>(&self, r: std::result::Result<T, Stuck>) -> Result<T> {
        r.map_err(|stuck| match stuck {
            Stuck::TimedOut => Error::Timeout,
            Stuck::Corrupt(state) => self.corrupt(state),
        })
    }

    /// The table name of this once flag.
    pub fn name(&self) -> &str {
        self.words.name()
    }

    /// The state word now (0 pending, 1 running, 2 done; anything else is corrupt): a
    /// snapshot, for tools and bindings that show it.
    #[doc(hidden)]
    pub fn state(&self) -> u32 {
        self.view().state()
    }

    /// Whether the function has run to completion (here or in another process).
    pub fn is_completed(&self) -> bool {
        // `state` is a Relaxed snapshot; `wait_timeout(ZERO)` would order what the function
        // did before the caller's next step, which a yes/no question does not promise.
        self.view().state() == ONCE_DONE
    }

    /// Runs `f` if no one has run this flag's function yet, and returns whether this call ran
    /// it; waits, as long as it takes, while another caller runs it.
    ///
    /// # Errors
    ///
    /// [`Error::Corrupt`] naming the entry if the state word holds something that is not a
    /// state.
    pub fn call_once<F: FnOnce()>(&self, f: F) -> Result<bool> {
        self.result(self.view().call_once(f, &mut Wait::new(Duration::MAX)))
    }

    /// Runs `f` if no one has run this flag's function yet, and returns whether this call ran
    /// it; waits up to `timeout` while another caller runs it (then `f` is not run).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if another caller was still running its function after `timeout`
    /// (or died while running it); [`Error::Corrupt`] as for
    /// [`call_once`](Once::call_once).
    pub fn call_once_timeout<F: FnOnce()>(&self, f: F, timeout: Duration) -> Result<bool> {
        self.result(self.view().call_once(f, &mut Wait::new(timeout)))
    }

    /// Waits up to `timeout` for someone to run the function to completion, without running
    /// anything.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if it had not completed after `timeout`; [`Error::Corrupt`] as for
    /// [`call_once`](Once::call_once).
    pub fn wait_timeout(&self, timeout: Duration) -> Result<()> {
        self.result(self.view().wait(&mut Wait::new(timeout)))
    }
}

#[cfg(not(loom))]
impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once")
            .field("name", &self.name())
            .field("state", &self.view().state())
            .field("segment", &self.words.segment())
            .finish_non_exhaustive()
    }
}

// ---- Its declaration for the macro and its reading for tools (not under loom) ----------

#[cfg(not(loom))]
mod tools {
    use super::{Memory, Once, Result, ONCE_SIZE};

    // ---- Its declaration, for `#[zeroipc::segment]` ----------------------------------------

    use crate::declare::{declare_sync, Declare, Mode, Params};

    declare_sync!(Once, ONCE_SIZE, &[], &[], &[], &[], declare_once);

    fn declare_once(mem: &Memory, name: &str, mode: Mode, _params: &Params) -> Result<Once> {
        match mode {
            Mode::Create => Once::create(mem, name),
            Mode::Open => Once::open(mem, name),
        }
    }

    // ---- Its reading, for tools (`zeroipc::inspect`) ---------------------------------------

    pub(crate) const STRUCTURE: crate::structures::Structure =
        crate::structures::Structure::new("once", read_entry)
            .check(|mem, name, _| {
                Some(crate::structures::opened(
                    "Once",
                    Once::open(mem, name),
                    |o| (if o.is_completed() { "done" } else { "not done" }).to_owned(),
                ))
            })
            .example(|mem| Once::create(mem, "once").map(|_| "once".to_owned()));

    /// A once flag: 4 bytes holding 0, 1 or 2.
    fn read_entry(p: &crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading> {
        if p.size != ONCE_SIZE as u64 {
            return None;
        }
        let v = crate::inspect::words(p.head.get(..4)?)[0];
        let state = ["pending", "running", "done"].get(v as usize)?;
        Some(crate::inspect::Reading::new(
            "once",
            format!("once flag: {state}"),
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
    fn the_function_runs_once_and_again_only_after_a_panic() {
        let seg = Segment::new(1 << 16);
        let once = Once::create(&seg.mem, "o").unwrap();
        let panicked = std::panic::catch_unwind(|| {
            let _ = once.call_once(|| panic!("the first attempt fails"));
        });
        assert!(panicked.is_err());
        assert!(!once.is_completed());
        let mut runs = 0;
        assert!(once.call_once(|| runs += 1).unwrap());
        assert!(!once.call_once(|| runs += 1).unwrap());
        assert_eq!(runs, 1);
        once.wait_timeout(Duration::ZERO).unwrap();
    }

    #[test]
    fn a_runner_that_never_finishes_times_the_others_out() {
        let seg = Segment::new(1 << 16);
        let once = Once::create(&seg.mem, "o").unwrap();
        once.view().state.store(ONCE_RUNNING, Ordering::Relaxed);
        let err = once
            .call_once_timeout(|| unreachable!(), Duration::from_millis(5))
            .unwrap_err();
        assert!(matches!(err, Error::Timeout));
        assert!(matches!(
            once.wait_timeout(Duration::from_millis(5)),
            Err(Error::Timeout)
        ));
    }

    #[test]
    fn a_state_that_is_not_a_state_is_reported_not_waited_on() {
        let seg = Segment::new(1 << 16);
        let once = Once::create(&seg.mem, "o").unwrap();
        once.view().state.store(7, Ordering::Relaxed);
        let err = once.call_once(|| unreachable!()).unwrap_err();
        assert!(err.to_string().contains("once state 7"), "{err}");
        assert!(Once::open(&seg.mem, "o").is_err());
    }
}
