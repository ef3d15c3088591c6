//! The synchronisation structures: the crate's `Semaphore`, `Mutex`, `Once`, `Latch`,
//! `Barrier`, `Event`, `RwLock`, `Monitor` and `Signal`, with waits that release the GIL in
//! slices (Ctrl-C interrupts them) and take ``timeout=`` in seconds.

use std::time::Duration;

use numpy::{PyArrayDescr, PyArrayDescrMethods};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::errors::{package_error, to_py, IntoPy};
use crate::segment::{create_or_open, segment_of};
use crate::values::{decode, encode, Kind};
use crate::waiting::{deadline, wait_in_slices};

/// The structure `name` of `memory`'s segment: created with `create(arg)` when `arg` is
/// given (opened if the entry exists), else opened.
fn create_or_open_in<A: Send, T: Send>(
    py: Python<'_>,
    memory: &Bound<'_, PyAny>,
    arg: Option<A>,
    create: impl FnOnce(&zeroipc::Memory, A) -> zeroipc::Result<T> + Send,
    open: impl FnOnce(&zeroipc::Memory) -> zeroipc::Result<T> + Send,
) -> PyResult<T> {
    let seg = segment_of(memory)?;
    let mem = &seg.get().memory;
    create_or_open(py, arg, |a| create(mem, a), || open(mem)).py(py)
}

/// Takes with `try_take`, or else waits up to `timeout` seconds in slices with `take`; a
/// guard taken is forgotten, so what it holds stays held until an explicit release. Whether
/// it was taken.
fn try_then_wait<G, E>(
    py: Python<'_>,
    timeout: Option<f64>,
    try_take: impl FnOnce() -> Option<G>,
    take: impl Fn(Duration) -> Result<G, E> + Send + Sync,
) -> PyResult<bool> {
    if let Some(guard) = try_take() {
        std::mem::forget(guard);
        return Ok(true);
    }
    wait_for(py, timeout, |slice| {
        take(slice).map(std::mem::forget).is_ok()
    })
}

/// Waits for `attempt` (a try with a time limit) in slices, up to `timeout` seconds.
fn wait_for<F>(py: Python<'_>, timeout: Option<f64>, attempt: F) -> PyResult<bool>
where
    F: FnMut(Duration) -> bool + Send,
{
    wait_in_slices(py, deadline(timeout)?, attempt)
}

fn exit_args(_args: &Bound<'_, PyTuple>) {}

// ---- Semaphore -------------------------------------------------------------------------------

/// A counting semaphore shared between processes.
///
/// ``Semaphore(memory, name, initial_count)`` creates it (or opens it if the entry exists);
/// ``Semaphore(memory, name)`` opens it. ``max_count`` 0 is unbounded (up to 2**31 - 1).
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Semaphore {
    inner: zeroipc::Semaphore,
}

#[pymethods]
impl Semaphore {
    #[new]
    #[pyo3(signature = (memory, name, initial_count = None, max_count = 0))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        initial_count: Option<i64>,
        max_count: i64,
    ) -> PyResult<Semaphore> {
        let max = i32::try_from(max_count)
            .ok()
            .filter(|m| *m >= 0)
            .ok_or_else(|| {
                PyValueError::new_err(format!("max_count must be 0 to 2**31 - 1, not {max_count}"))
            })?;
        let initial = match initial_count {
            None => None,
            Some(c) => Some(
                i32::try_from(c)
                    .ok()
                    .filter(|c| *c >= 0 && (max == 0 || *c <= max))
                    .ok_or_else(|| {
                        PyValueError::new_err(format!(
                            "initial_count must be 0 to max_count (or 2**31 - 1), not {c}"
                        ))
                    })?,
            ),
        };
        let inner = create_or_open_in(
            py,
            memory,
            initial,
            |mem, c| zeroipc::Semaphore::create(mem, name, c, max),
            |mem| zeroipc::Semaphore::open(mem, name),
        )?;
        Ok(Semaphore { inner })
    }

    /// Takes a permit, waiting up to ``timeout`` seconds (None: no limit); False if the
    /// time ran out.
    #[pyo3(signature = (timeout = None))]
    fn acquire(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_wait().then_some(()),
            |slice| inner.wait_timeout(slice),
        )
    }

    /// Takes a permit if one is free, without waiting.
    fn try_acquire(&self) -> bool {
        self.inner.try_wait()
    }

    /// Gives a permit back.
    ///
    /// Raises
    /// ------
    /// zeroipc.CountAtMaximum
    ///     The count is at ``max_count`` (or 2**31 - 1); it is unchanged.
    fn release(&self, py: Python<'_>) -> PyResult<()> {
        self.inner.post().py(py)
    }

    /// The number of free permits.
    #[getter]
    fn count(&self) -> i32 {
        self.inner.count()
    }

    /// The number of waiters.
    #[getter]
    fn waiting(&self) -> i32 {
        self.inner.waiting()
    }

    /// The largest count (0: unbounded).
    #[getter]
    fn max_count(&self) -> i32 {
        self.inner.max_count()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __enter__<'py>(slf: Bound<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, Self>> {
        slf.get().acquire(py, None)?;
        Ok(slf)
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        exit_args(args);
        self.release(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Semaphore(name={:?}, count={}, max_count={})",
            self.inner.name(),
            self.inner.count(),
            self.inner.max_count()
        )
    }
}

// ---- Mutex ---------------------------------------------------------------------------------

/// A mutual-exclusion lock shared between processes: the format's mutex (a semaphore of
/// count 1 and ``max_count`` 1). The lock has no owner: any process may unlock it.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Mutex {
    inner: zeroipc::Mutex,
}

#[pymethods]
impl Mutex {
    #[new]
    #[pyo3(signature = (memory, name, create = false, *, create_if_missing = false))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        create: bool,
        create_if_missing: bool,
    ) -> PyResult<Mutex> {
        let create = create || create_if_missing;
        let inner = create_or_open_in(
            py,
            memory,
            create.then_some(()),
            |mem, ()| zeroipc::Mutex::create(mem, name),
            |mem| zeroipc::Mutex::open(mem, name),
        )?;
        Ok(Mutex { inner })
    }

    /// Takes the lock, waiting up to ``timeout`` seconds (None: no limit); False if the
    /// time ran out.
    #[pyo3(signature = (timeout = None))]
    fn lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_lock(),
            |slice| inner.lock_timeout(slice),
        )
    }

    /// Takes the lock if it is free, without waiting.
    fn try_lock(&self) -> bool {
        self.inner.try_lock().map(std::mem::forget).is_some()
    }

    /// Releases the lock.
    ///
    /// Raises
    /// ------
    /// RuntimeError
    ///     The mutex is not locked.
    fn unlock(&self, py: Python<'_>) -> PyResult<()> {
        if !self.inner.is_locked() {
            return Err(package_error(
                py,
                "NotLocked",
                format!("mutex {:?} is not locked", self.inner.name()),
                &[],
            ));
        }
        drop(self.inner.guard_of_held());
        Ok(())
    }

    /// Whether the mutex is locked now (by anyone).
    #[getter]
    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// As :meth:`lock`.
    #[pyo3(signature = (timeout = None))]
    fn acquire(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        self.lock(py, timeout)
    }

    /// As :meth:`try_lock`.
    fn try_acquire(&self) -> bool {
        self.try_lock()
    }

    /// As :meth:`unlock`.
    fn release(&self, py: Python<'_>) -> PyResult<()> {
        self.unlock(py)
    }

    /// As :attr:`is_locked`.
    fn locked(&self) -> bool {
        self.is_locked()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __enter__<'py>(slf: Bound<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, Self>> {
        slf.get().lock(py, None)?;
        Ok(slf)
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        exit_args(args);
        self.unlock(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Mutex(name={:?}, status={})",
            self.inner.name(),
            if self.inner.is_locked() {
                "locked"
            } else {
                "unlocked"
            }
        )
    }
}

// ---- Once ----------------------------------------------------------------------------------

/// A function run once among every process sharing the segment: state 0 pending, 1 running,
/// 2 done.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Once {
    inner: zeroipc::Once,
}

/// What unwinds out of a once's function when the Python function raised.
struct Raised;

#[pymethods]
impl Once {
    #[new]
    #[pyo3(signature = (memory, name, create = false, *, create_if_missing = false))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        create: bool,
        create_if_missing: bool,
    ) -> PyResult<Once> {
        let create = create || create_if_missing;
        let inner = create_or_open_in(
            py,
            memory,
            create.then_some(()),
            |mem, ()| zeroipc::Once::create(mem, name),
            |mem| zeroipc::Once::open(mem, name),
        )?;
        Ok(Once { inner })
    }

    /// Runs ``fn()`` if no one has yet; returns whether this call ran it.
    ///
    /// While another caller runs it, waits up to ``timeout`` seconds (None: no limit), then
    /// raises :class:`zeroipc.Timeout` without running ``fn``. If ``fn`` raises, the flag
    /// goes back to pending and the exception goes on.
    #[pyo3(signature = (r#fn, timeout = None))]
    fn call_once(
        &self,
        py: Python<'_>,
        r#fn: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let end = deadline(timeout)?;
        let inner = &self.inner;
        let r#fn = r#fn.clone().unbind();
        let mut raised: Option<PyErr> = None;
        let mut ran = None;
        let attempt = |slice: Duration| -> bool {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                inner.call_once_timeout(
                    || {
                        Python::with_gil(|py| {
                            if let Err(e) = r#fn.call0(py) {
                                raised = Some(e);
                                std::panic::resume_unwind(Box::new(Raised));
                            }
                        });
                    },
                    slice,
                )
            }));
            match outcome {
                Ok(Ok(this_call)) => {
                    ran = Some(Ok(this_call));
                    true
                }
                Ok(Err(zeroipc::Error::Timeout)) => false,
                Ok(Err(e)) => {
                    ran = Some(Err(e));
                    true
                }
                // The function raised: the flag is pending again (the crate's reset ran).
                Err(_) => true,
            }
        };
        let done = wait_in_slices(py, end, attempt)?;
        if let Some(e) = raised {
            return Err(e);
        }
        match (done, ran) {
            (true, Some(result)) => result.py(py),
            _ => Err(self.timeout(py, timeout)),
        }
    }

    /// As :meth:`call_once` (upstream's name).
    #[pyo3(signature = (r#fn, timeout = None))]
    fn call(
        &self,
        py: Python<'_>,
        r#fn: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        self.call_once(py, r#fn, timeout)
    }

    /// Waits up to ``timeout`` seconds (None: no limit) for the function to have run;
    /// False if the time ran out.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        let mut failed = None;
        let done = wait_for(py, timeout, |slice| match inner.wait_timeout(slice) {
            Ok(()) => true,
            Err(zeroipc::Error::Timeout) => false,
            Err(e) => {
                failed = Some(e);
                true
            }
        })?;
        match failed {
            Some(e) => Err(to_py(py, e)),
            None => Ok(done),
        }
    }

    /// Whether the function has run to completion.
    fn done(&self) -> bool {
        self.inner.is_completed()
    }

    /// As :meth:`done`.
    fn is_completed(&self) -> bool {
        self.inner.is_completed()
    }

    /// Whether the function has run to completion (upstream's name).
    #[getter]
    fn is_called(&self) -> bool {
        self.inner.is_completed()
    }

    /// The state word: 0 pending, 1 running, 2 done.
    #[getter]
    fn state(&self) -> u32 {
        self.inner.state()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Once(name={:?}, status={})",
            self.inner.name(),
            if self.inner.is_completed() {
                "called"
            } else {
                "not called"
            }
        )
    }
}

impl Once {
    fn timeout(&self, py: Python<'_>, timeout: Option<f64>) -> PyErr {
        let name = self.inner.name().to_owned();
        let message = format!(
            "entry {name:?}: still waiting for another caller's function after {} s",
            timeout.unwrap_or(f64::INFINITY)
        );
        let attrs: Vec<(&str, PyObject)> = vec![
            (
                "name",
                name.into_pyobject(py)
                    .map_or_else(|_| py.None(), |o| o.into_any().unbind()),
            ),
            (
                "timeout",
                timeout
                    .into_pyobject(py)
                    .map_or_else(|_| py.None(), Bound::unbind),
            ),
            (
                "what",
                "entry"
                    .into_pyobject(py)
                    .map_or_else(|_| py.None(), |o| o.into_any().unbind()),
            ),
        ];
        package_error(py, "Timeout", message, &attrs)
    }
}

// ---- Latch ---------------------------------------------------------------------------------

/// A one-shot countdown: waiters pass once it reaches 0.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Latch {
    inner: zeroipc::Latch,
}

#[pymethods]
impl Latch {
    #[new]
    #[pyo3(signature = (memory, name, count = None))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        count: Option<i64>,
    ) -> PyResult<Latch> {
        let count = match count {
            None => None,
            Some(c) => Some(i32::try_from(c).ok().filter(|c| *c >= 0).ok_or_else(|| {
                PyValueError::new_err(format!("count must be 0 to 2**31 - 1, not {c}"))
            })?),
        };
        let inner = create_or_open_in(
            py,
            memory,
            count,
            |mem, c| zeroipc::Latch::create(mem, name, c),
            |mem| zeroipc::Latch::open(mem, name),
        )?;
        Ok(Latch { inner })
    }

    /// Counts down by ``n`` (at least 1), stopping at 0.
    #[pyo3(signature = (n = 1))]
    fn count_down(&self, n: i128) -> PyResult<()> {
        if n < 1 {
            return Err(PyValueError::new_err(format!(
                "n must be at least 1, not {n}"
            )));
        }
        self.inner.count_down(u32::try_from(n).unwrap_or(u32::MAX));
        Ok(())
    }

    /// Waits up to ``timeout`` seconds (None: no limit) for the count to reach 0; False if
    /// the time ran out.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_wait().then_some(()),
            |slice| inner.wait_timeout(slice),
        )
    }

    /// Whether the count is 0, without waiting.
    fn try_wait(&self) -> bool {
        self.inner.try_wait()
    }

    /// The count now.
    #[getter]
    fn count(&self) -> i32 {
        self.inner.count()
    }

    /// The count the latch was created with.
    #[getter]
    fn initial_count(&self) -> i32 {
        self.inner.initial_count()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Latch(name={:?}, count={})",
            self.inner.name(),
            self.inner.count()
        )
    }
}

// ---- Barrier -------------------------------------------------------------------------------

/// A reusable barrier for ``num_participants`` participants.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Barrier {
    inner: zeroipc::Barrier,
}

#[pymethods]
impl Barrier {
    #[new]
    #[pyo3(signature = (memory, name, num_participants = None))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        num_participants: Option<i64>,
    ) -> PyResult<Barrier> {
        let participants = match num_participants {
            None => None,
            Some(n) => Some(i32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                PyValueError::new_err(format!("num_participants must be 1 to 2**31 - 1, not {n}"))
            })?),
        };
        let inner = create_or_open_in(
            py,
            memory,
            participants,
            |mem, n| zeroipc::Barrier::create(mem, name, n),
            |mem| zeroipc::Barrier::open(mem, name),
        )?;
        Ok(Barrier { inner })
    }

    /// Arrives and waits up to ``timeout`` seconds (None: no limit) for the others; True
    /// once the barrier opened, False if the time ran out (the arrival is then taken back,
    /// unless the barrier was already opening with it).
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let end = deadline(timeout)?;
        let inner = &self.inner;
        // One arrival, waited for in slices: a slice that times out withdraws the arrival
        // and the next arrives again, which the barrier cannot tell from a late arrival.
        wait_in_slices(py, end, |slice| inner.wait_timeout(slice).is_ok())
    }

    /// The number of participants.
    #[getter]
    fn num_participants(&self) -> i32 {
        self.inner.participants()
    }

    /// The number that have arrived in this generation.
    #[getter]
    fn arrived(&self) -> i32 {
        self.inner.arrived()
    }

    /// How many times the barrier has opened (wraps at 2**31).
    #[getter]
    fn generation(&self) -> i32 {
        self.inner.generation()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Barrier(name={:?}, num_participants={}, arrived={})",
            self.inner.name(),
            self.inner.participants(),
            self.inner.arrived()
        )
    }
}

// ---- Event ---------------------------------------------------------------------------------

/// An event: waiters pass while it is set. A manual-reset event stays set until
/// :meth:`reset`; an auto-reset one lets one waiter through per :meth:`set`.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Event {
    inner: zeroipc::Event,
}

#[pymethods]
impl Event {
    #[new]
    #[pyo3(signature = (memory, name, manual_reset = None, *, create = false, create_if_missing = false, mode = None))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        manual_reset: Option<&Bound<'_, PyAny>>,
        create: bool,
        create_if_missing: bool,
        mode: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Event> {
        let manual_reset = match manual_reset.or(mode) {
            Some(v) => Some(v.is_truthy()?),
            None => None,
        };
        let create = create || create_if_missing;
        let inner = create_or_open_in(
            py,
            memory,
            (create || manual_reset.is_some()).then_some(manual_reset.unwrap_or(true)),
            |mem, manual| zeroipc::Event::create(mem, name, manual),
            |mem| zeroipc::Event::open(mem, name),
        )?;
        Ok(Event { inner })
    }

    /// Sets the event.
    fn set(&self) {
        self.inner.set();
    }

    /// As :meth:`set` (upstream's name).
    fn signal(&self) {
        self.inner.set();
    }

    /// Whether the event is set now (upstream's name).
    #[getter]
    fn is_signaled(&self) -> bool {
        self.inner.is_set()
    }

    /// Clears the event.
    fn reset(&self) {
        self.inner.reset();
    }

    /// As :meth:`reset` (``threading.Event``'s name).
    fn clear(&self) {
        self.inner.reset();
    }

    /// Whether the event is set now.
    fn is_set(&self) -> bool {
        self.inner.is_set()
    }

    /// Passes if the event is set (taking it, for an auto-reset event), without waiting.
    fn try_wait(&self) -> bool {
        self.inner.try_wait()
    }

    /// Waits up to ``timeout`` seconds (None: no limit) for the event; False if the time
    /// ran out.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_wait().then_some(()),
            |slice| inner.wait_timeout(slice),
        )
    }

    /// Whether the event stays set until reset.
    #[getter]
    fn manual_reset(&self) -> bool {
        self.inner.is_manual_reset()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Event(name={:?}, manual_reset={}, set={})",
            self.inner.name(),
            self.inner.is_manual_reset(),
            self.inner.is_set()
        )
    }
}

// ---- RWLock --------------------------------------------------------------------------------

/// A reader-writer lock: many readers or one writer. ``read()`` and ``write()`` are context
/// managers.
#[pyclass(module = "zeroipc._native", name = "RWLock", frozen)]
pub(crate) struct RwLock {
    inner: zeroipc::RwLock,
}

#[pymethods]
impl RwLock {
    #[new]
    #[pyo3(signature = (memory, name, create = false, *, create_if_missing = false))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        create: bool,
        create_if_missing: bool,
    ) -> PyResult<RwLock> {
        let create = create || create_if_missing;
        let inner = create_or_open_in(
            py,
            memory,
            create.then_some(()),
            |mem, ()| zeroipc::RwLock::create(mem, name),
            |mem| zeroipc::RwLock::open(mem, name),
        )?;
        Ok(RwLock { inner })
    }

    /// Takes a read lock, waiting up to ``timeout`` seconds (None: no limit); False if the
    /// time ran out.
    #[pyo3(signature = (timeout = None))]
    fn read_lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_read(),
            |slice| inner.read_timeout(slice),
        )
    }

    /// Leaves a read lock this caller took.
    fn read_unlock(&self) -> PyResult<()> {
        if self.inner.readers() <= 0 {
            return Err(PyRuntimeError::new_err("no read lock is held"));
        }
        drop(self.inner.read_guard_of_held());
        Ok(())
    }

    /// Takes the write lock, waiting up to ``timeout`` seconds (None: no limit); False if
    /// the time ran out.
    #[pyo3(signature = (timeout = None))]
    fn write_lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_write(),
            |slice| inner.write_timeout(slice),
        )
    }

    /// Leaves the write lock this caller took.
    fn write_unlock(&self) -> PyResult<()> {
        if !self.inner.is_write_locked() {
            return Err(PyRuntimeError::new_err("the write lock is not held"));
        }
        drop(self.inner.write_guard_of_held());
        Ok(())
    }

    /// Takes a read lock if no writer holds or wants the lock, without waiting.
    fn try_read_lock(&self) -> bool {
        self.inner.try_read().map(std::mem::forget).is_some()
    }

    /// Takes the write lock if nobody holds the lock, without waiting.
    fn try_write_lock(&self) -> bool {
        self.inner.try_write().map(std::mem::forget).is_some()
    }

    /// As :meth:`read_lock` (upstream's name).
    #[pyo3(signature = (timeout = None))]
    fn reader_lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        self.read_lock(py, timeout)
    }

    /// As :meth:`read_unlock` (upstream's name).
    fn reader_unlock(&self) -> PyResult<()> {
        self.read_unlock()
    }

    /// As :meth:`write_lock` (upstream's name).
    #[pyo3(signature = (timeout = None))]
    fn writer_lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        self.write_lock(py, timeout)
    }

    /// As :meth:`write_unlock` (upstream's name).
    fn writer_unlock(&self) -> PyResult<()> {
        self.write_unlock()
    }

    /// As :meth:`read` (upstream's name).
    fn reader(slf: Bound<'_, Self>) -> Held {
        Self::read(slf)
    }

    /// As :meth:`write` (upstream's name).
    fn writer(slf: Bound<'_, Self>) -> Held {
        Self::write(slf)
    }

    /// Whether a writer holds (or is taking) the lock (upstream's name).
    #[getter]
    fn writer_active(&self) -> bool {
        self.inner.is_write_locked()
    }

    /// A context manager holding a read lock.
    fn read(slf: Bound<'_, Self>) -> Held {
        Held {
            lock: slf.unbind().into_any(),
            write: false,
        }
    }

    /// A context manager holding the write lock.
    fn write(slf: Bound<'_, Self>) -> Held {
        Held {
            lock: slf.unbind().into_any(),
            write: true,
        }
    }

    /// The number of readers inside.
    #[getter]
    fn readers(&self) -> i32 {
        self.inner.readers()
    }

    /// Whether a writer holds (or is taking) the lock.
    fn is_write_locked(&self) -> bool {
        self.inner.is_write_locked()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "RWLock(name={:?}, readers={}, write_locked={})",
            self.inner.name(),
            self.inner.readers(),
            self.inner.is_write_locked()
        )
    }
}

/// A read or write lock of an :class:`RWLock`, held inside a ``with`` block.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Held {
    lock: PyObject,
    write: bool,
}

#[pymethods]
impl Held {
    fn __enter__(&self, py: Python<'_>) -> PyResult<()> {
        let lock = self.lock.bind(py).downcast::<RwLock>()?.get();
        if self.write {
            lock.write_lock(py, None)?;
        } else {
            lock.read_lock(py, None)?;
        }
        Ok(())
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        exit_args(args);
        let lock = self.lock.bind(py).downcast::<RwLock>()?.get();
        if self.write {
            lock.write_unlock()?;
        } else {
            lock.read_unlock()?;
        }
        Ok(false)
    }
}

// ---- Monitor -------------------------------------------------------------------------------

/// A monitor: a lock and a condition to wait on while it is held (``lock``/``unlock``,
/// ``wait``, ``notify_one``/``notify_all``; a context manager for the lock).
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Monitor {
    inner: zeroipc::Monitor,
}

#[pymethods]
impl Monitor {
    #[new]
    #[pyo3(signature = (memory, name, create = false, *, create_if_missing = false))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        create: bool,
        create_if_missing: bool,
    ) -> PyResult<Monitor> {
        let create = create || create_if_missing;
        let inner = create_or_open_in(
            py,
            memory,
            create.then_some(()),
            |mem, ()| zeroipc::Monitor::create(mem, name),
            |mem| zeroipc::Monitor::open(mem, name),
        )?;
        Ok(Monitor { inner })
    }

    /// Takes the lock, waiting up to ``timeout`` seconds (None: no limit); False if the
    /// time ran out.
    #[pyo3(signature = (timeout = None))]
    fn lock(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let inner = &self.inner;
        try_then_wait(
            py,
            timeout,
            || inner.try_lock(),
            |slice| inner.lock_timeout(slice),
        )
    }

    /// Takes the lock if it is free, without waiting.
    fn try_lock(&self) -> bool {
        self.inner.try_lock().map(std::mem::forget).is_some()
    }

    /// Releases the lock this caller holds.
    fn unlock(&self) {
        drop(self.inner.guard_of_held());
    }

    /// With the lock held: gives it up, waits up to ``timeout`` seconds (None: no limit)
    /// for a notification, and takes it again. Returns whether a notification came (True
    /// may also be a spurious wake-up: check the condition in a loop).
    ///
    /// With a ``predicate``, waits until it returns true (called with the lock held, before
    /// each wait): True once it does, False if the time ran out first.
    ///
    /// Raises
    /// ------
    /// zeroipc.Timeout
    ///     The lock could not be taken again (the caller no longer holds it).
    #[pyo3(signature = (predicate = None, timeout = None))]
    fn wait(
        &self,
        py: Python<'_>,
        predicate: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let end = deadline(timeout)?;
        let Some(predicate) = predicate else {
            return self.wait_once(py, end);
        };
        // Exit: the predicate holds, or the time is up.
        loop {
            if predicate.call0()?.is_truthy()? {
                return Ok(true);
            }
            if end.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(false);
            }
            self.wait_once(py, end)?;
        }
    }

    /// The number of waiters (upstream's name).
    #[getter]
    fn waiting_count(&self) -> u32 {
        self.inner.waiters()
    }

    /// Wakes one waiter, if there is one.
    fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiter.
    fn notify_all(&self) {
        self.inner.notify_all();
    }

    /// The number of waiters.
    #[getter]
    fn waiters(&self) -> u32 {
        self.inner.waiters()
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __enter__<'py>(slf: Bound<'py, Self>, py: Python<'py>) -> PyResult<Bound<'py, Self>> {
        slf.get().lock(py, None)?;
        Ok(slf)
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, args: &Bound<'_, PyTuple>) -> bool {
        exit_args(args);
        self.unlock();
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "Monitor(name={:?}, waiters={})",
            self.inner.name(),
            self.inner.waiters()
        )
    }
}

impl Monitor {
    /// One wait for a notification, up to `end`, in slices.
    fn wait_once(&self, py: Python<'_>, end: Option<std::time::Instant>) -> PyResult<bool> {
        let inner = &self.inner;
        let mut lost = None;
        let notified = wait_in_slices(py, end, |slice| {
            let guard = inner.guard_of_held();
            match inner.wait_timeout(guard, slice) {
                Ok((guard, notified)) => {
                    std::mem::forget(guard);
                    notified
                }
                Err(e) => {
                    lost = Some(e);
                    true
                }
            }
        })?;
        match lost {
            Some(e) => Err(to_py(py, e)),
            None => Ok(notified),
        }
    }
}

// ---- Signal --------------------------------------------------------------------------------

/// Calls `$body` with `$s` bound to the signal of the value size, for the sizes a signal
/// of the package takes.
macro_rules! signal_sizes {
    ($($n:literal => $variant:ident),* $(,)?) => {
        /// A signal of one of the value sizes the package takes.
        enum Sig { $( $variant(zeroipc::Signal<[u8; $n]>), )* }

        impl Sig {
            fn create(mem: &zeroipc::Memory, name: &str, initial: &[u8]) -> Option<zeroipc::Result<Sig>> {
                match initial.len() {
                    $( $n => Some(zeroipc::Signal::create(mem, name, initial.try_into().ok()?).map(Sig::$variant)), )*
                    _ => None,
                }
            }

            fn open(mem: &zeroipc::Memory, name: &str, size: usize) -> Option<zeroipc::Result<Sig>> {
                match size {
                    $( $n => Some(zeroipc::Signal::open(mem, name).map(Sig::$variant)), )*
                    _ => None,
                }
            }

            fn name(&self) -> &str {
                match self { $( Sig::$variant(s) => s.name(), )* }
            }

            fn version(&self) -> u64 {
                match self { $( Sig::$variant(s) => s.version(), )* }
            }

            fn set_timeout(&self, value: &[u8], timeout: Duration) -> zeroipc::Result<()> {
                match self {
                    $( Sig::$variant(s) => match value.try_into() {
                        Ok(v) => s.set_timeout(v, timeout),
                        Err(_) => Err(zeroipc::Error::Timeout),
                    }, )*
                }
            }

            fn get_timeout(&self, timeout: Duration) -> zeroipc::Result<(u64, Vec<u8>)> {
                match self { $( Sig::$variant(s) => s.get_timeout(timeout).map(|(v, x)| (v, x.to_vec())), )* }
            }

            fn update_timeout(
                &self,
                f: &mut dyn FnMut(&[u8]) -> Option<Vec<u8>>,
                timeout: Duration,
            ) -> zeroipc::Result<Option<(u64, Vec<u8>)>> {
                match self {
                    $( Sig::$variant(s) => s
                        .update_timeout(|v| f(&v).and_then(|new| new.as_slice().try_into().ok()), timeout)
                        .map(|r| r.map(|(version, v)| (version, v.to_vec()))), )*
                }
            }

            fn wait_change_timeout(&self, since: u64, timeout: Duration) -> zeroipc::Result<(u64, Vec<u8>)> {
                match self {
                    $( Sig::$variant(s) => s.wait_change_timeout(since, timeout).map(|(v, x)| (v, x.to_vec())), )*
                }
            }
        }

        const SIGNAL_SIZES: &str = stringify!($($n),*);
    };
}

signal_sizes! {
    1 => S1, 2 => S2, 4 => S4, 8 => S8, 12 => S12, 16 => S16, 24 => S24, 32 => S32,
    48 => S48, 64 => S64, 128 => S128, 256 => S256,
}

/// A value with a version: a writer sets it, readers get it or wait for a change.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Signal {
    inner: Sig,
    dtype: Py<PyArrayDescr>,
    kind: Kind,
}

/// How long a set or a get waits for the signal's lock per slice before it looks at
/// signals; a live writer holds it for a copy only.
const LOCK_SLICE: Duration = Duration::from_millis(50);

#[pymethods]
impl Signal {
    /// ``Signal(memory, name, dtype, initial_value)`` creates the signal holding
    /// ``initial_value`` (or opens it if the entry exists); ``Signal(memory, name, dtype)``
    /// opens it. The value's size must be one of 1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 128 or
    /// 256 bytes.
    #[new]
    #[pyo3(signature = (memory, name, dtype = None, initial_value = None, *, create = true, create_if_missing = true))]
    fn new(
        py: Python<'_>,
        memory: &Bound<'_, PyAny>,
        name: &str,
        dtype: Option<&Bound<'_, PyAny>>,
        initial_value: Option<&Bound<'_, PyAny>>,
        create: bool,
        create_if_missing: bool,
    ) -> PyResult<Signal> {
        // A signal is created only from an initial value; `create=False` (or upstream's
        // `create_if_missing=False`) only opens, whatever the initial value.
        let initial_value = initial_value.filter(|_| create && create_if_missing);
        let initial = initial_value;
        let dtype =
            dtype.ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("dtype is required"))?;
        let dtype = PyArrayDescr::new(py, dtype)?;
        let kind = Kind::of(&dtype);
        let size = dtype.itemsize();
        let unsupported = || {
            PyValueError::new_err(format!(
                "a signal's value is {SIGNAL_SIZES} bytes; dtype {dtype} is {size}"
            ))
        };
        let seg = segment_of(memory)?;
        let mem = &seg.get().memory;
        let bytes = match initial {
            Some(v) => Some(encode(py, kind, &dtype, v)?),
            None => None,
        };
        let inner = match &bytes {
            Some(b) => {
                match crate::schema::recording_dtype(py, name, "signal", dtype.as_any(), || {
                    Sig::create(mem, name, b.bytes()).ok_or_else(unsupported)
                })?? {
                    Err(zeroipc::Error::AlreadyExists { .. }) => {
                        Sig::open(mem, name, size).ok_or_else(unsupported)?.py(py)?
                    }
                    other => other.py(py)?,
                }
            }
            None => Sig::open(mem, name, size).ok_or_else(unsupported)?.py(py)?,
        };
        // The dtype against the type the schema records, as arrays, queues and stacks check
        // theirs.
        crate::schema::check_dtype(py, mem, name, "signal", dtype.as_any())?;
        Ok(Signal {
            inner,
            dtype: dtype.unbind(),
            kind,
        })
    }

    /// Replaces the value with ``func(value)`` and moves the version on, under the
    /// signal's mutex: no other writer interleaves. If ``func`` raises, nothing changes and
    /// the exception goes on.
    fn update<'py>(
        &self,
        py: Python<'py>,
        func: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let func = func.clone().unbind();
        let dtype = self.dtype.clone_ref(py);
        let kind = self.kind;
        let inner = &self.inner;
        let mut raised: Option<PyErr> = None;
        let mut outcome = None;
        wait_in_slices(py, None, |slice| {
            let mut f = |old: &[u8]| -> Option<Vec<u8>> {
                Python::with_gil(|py| {
                    let made = decode(py, kind, dtype.bind(py), old)
                        .and_then(|v| func.call1(py, (v,)))
                        .and_then(|new| encode(py, kind, dtype.bind(py), new.bind(py)))
                        .map(|e| e.bytes().to_vec());
                    match made {
                        Ok(bytes) => Some(bytes),
                        Err(e) => {
                            raised = Some(e);
                            None
                        }
                    }
                })
            };
            match inner.update_timeout(&mut f, slice) {
                Err(zeroipc::Error::Timeout) => false,
                other => {
                    outcome = Some(other);
                    true
                }
            }
        })?;
        if let Some(e) = raised {
            return Err(e);
        }
        match outcome.map_or(Err(zeroipc::Error::Timeout), |r| r).py(py)? {
            Some((_, bytes)) => decode(py, self.kind, self.dtype.bind(py), &bytes),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// Stores ``value`` and moves the version on.
    fn set(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let element = encode(py, self.kind, self.dtype.bind(py), value)?;
        let bytes = element.bytes();
        let inner = &self.inner;
        let mut failed = None;
        wait_in_slices(py, None, |_| match inner.set_timeout(bytes, LOCK_SLICE) {
            Ok(()) => true,
            Err(zeroipc::Error::Timeout) => false,
            Err(e) => {
                failed = Some(e);
                true
            }
        })?;
        failed.map_or(Ok(()), |e| Err(to_py(py, e)))
    }

    /// The value now.
    fn get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.get_versioned(py)?.1)
    }

    /// Whether the version is no longer ``last_version``.
    fn has_changed(&self, last_version: u64) -> bool {
        self.inner.version() != last_version
    }

    /// Waits up to ``timeout`` seconds (None: no limit) for a version other than
    /// ``last_version``; False if the time ran out.
    #[pyo3(signature = (last_version, timeout = None))]
    fn wait_for_change(
        &self,
        py: Python<'_>,
        last_version: u64,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        Ok(self.wait_change(py, last_version, timeout)?.is_some())
    }

    /// The version and the value, as a pair read together.
    fn get_versioned<'py>(&self, py: Python<'py>) -> PyResult<(u64, Bound<'py, PyAny>)> {
        let inner = &self.inner;
        let mut got = None;
        wait_in_slices(py, None, |_| match inner.get_timeout(LOCK_SLICE) {
            Err(zeroipc::Error::Timeout) => false,
            other => {
                got = Some(other);
                true
            }
        })?;
        let (version, bytes) = got.map_or(Err(zeroipc::Error::Timeout), |r| r).py(py)?;
        Ok((version, decode(py, self.kind, self.dtype.bind(py), &bytes)?))
    }

    /// Waits up to ``timeout`` seconds (None: no limit) for a version other than ``since``;
    /// the new version and value, or None if the time ran out.
    #[pyo3(signature = (since, timeout = None))]
    fn wait_change<'py>(
        &self,
        py: Python<'py>,
        since: u64,
        timeout: Option<f64>,
    ) -> PyResult<Option<(u64, Bound<'py, PyAny>)>> {
        let inner = &self.inner;
        let mut got = None;
        let changed = wait_for(py, timeout, |slice| {
            match inner.wait_change_timeout(since, slice) {
                Err(zeroipc::Error::Timeout) => false,
                other => {
                    got = Some(other);
                    true
                }
            }
        })?;
        match (changed, got) {
            (true, Some(result)) => {
                let (version, bytes) = result.py(py)?;
                Ok(Some((
                    version,
                    decode(py, self.kind, self.dtype.bind(py), &bytes)?,
                )))
            }
            _ => Ok(None),
        }
    }

    /// The version now.
    #[getter]
    fn version(&self) -> u64 {
        self.inner.version()
    }

    /// The dtype of the value.
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.dtype.clone_ref(py)
    }

    /// The table name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn __repr__(&self) -> String {
        format!(
            "Signal(name={:?}, dtype={}, version={})",
            self.inner.name(),
            Python::with_gil(|py| self.dtype.bind(py).to_string()),
            self.inner.version()
        )
    }
}
