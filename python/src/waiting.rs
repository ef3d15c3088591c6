//! Waiting with the GIL released, in slices, so that Ctrl-C interrupts a wait.

use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The longest a wait goes without looking at the interpreter's signals.
const SLICE: Duration = Duration::from_millis(50);

/// A timeout in seconds from Python: `None` for no limit; negative counts as zero.
pub(crate) fn deadline(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() => Err(PyValueError::new_err("timeout is NaN")),
        Some(t) => {
            let t = Duration::try_from_secs_f64(t.max(0.0)).unwrap_or(Duration::MAX);
            Ok(Some(Instant::now().checked_add(t).unwrap_or_else(|| {
                Instant::now() + Duration::from_secs(100 * 365 * 24 * 3600)
            })))
        }
    }
}

/// Calls `attempt(slice)` with the GIL released, again and again, until it answers `true`
/// or `deadline` passes; between slices, runs the interpreter's signal handlers (a
/// `KeyboardInterrupt` ends the wait with that exception). Whether `attempt` succeeded.
pub(crate) fn wait_in_slices<F>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut attempt: F,
) -> PyResult<bool>
where
    F: FnMut(Duration) -> bool + Send,
{
    loop {
        let slice = match deadline {
            None => SLICE,
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
        };
        if py.allow_threads(|| attempt(slice)) {
            return Ok(true);
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
        py.check_signals()?;
    }
}
