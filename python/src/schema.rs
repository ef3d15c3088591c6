//! The schema entry (`zeroipc.schema`) from Python: reading a segment's schema, creating a
//! segment with one, and recording the lines of what Python creates in it. The crate reads,
//! checks and writes the schema; `zeroipc.schema` builds numpy dtypes from what it reads.

use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::IntoPy;
use crate::segment::{segment_of, Segment};

/// The schema of the segment ``memory`` (a ``Memory`` or a native ``Segment``), read and
/// checked now: one JSON line per described entry (canonical, without its line break), in
/// the order written; None for a segment without a schema entry.
///
/// Raises ``Corrupt`` for a damaged schema (its message names what is wrong).
#[pyfunction]
pub(crate) fn schema_lines(
    py: Python<'_>,
    memory: &Bound<'_, PyAny>,
) -> PyResult<Option<Vec<String>>> {
    let segment = segment_of(memory)?;
    let memory = &segment.get().memory;
    let Some(schema) = py.allow_threads(|| zeroipc::schema::read(memory)).py(py)? else {
        return Ok(None);
    };
    Ok(Some(
        schema
            .entries()
            .iter()
            .map(|e| {
                let mut line =
                    String::from_utf8_lossy(&zeroipc::schema::encode_entry(e)).into_owned();
                line.pop();
                line
            })
            .collect(),
    ))
}

/// Calls ``create()``; the first entry it adds under the line's name through the crate's
/// dynamic API records ``line`` (one JSON line of the schema's grammar) in the segment's
/// schema, if the segment has one. What ``create()`` returns.
///
/// Raises ``Corrupt`` for a line the schema's rules refuse, before ``create`` is called.
#[pyfunction]
pub(crate) fn recording(
    py: Python<'_>,
    line: &str,
    create: &Bound<'_, PyAny>,
) -> PyResult<PyObject> {
    let entry = zeroipc::schema::parse_line(line).py(py)?;
    let mut outcome = None;
    zeroipc::schema::recording(&entry, || {
        outcome = Some(create.call0().map(Bound::unbind));
        Ok(())
    })
    .py(py)?;
    outcome.unwrap_or_else(|| Err(PyValueError::new_err("the line was not recorded")))
}

/// Creates the segment ``name`` exclusively, as ``Segment.create``, with a schema entry
/// holding up to ``schema_bytes`` of text.
#[pyfunction]
#[pyo3(signature = (name, size, max_entries, mode, lock_timeout, schema_bytes))]
pub(crate) fn create_with_schema(
    py: Python<'_>,
    name: &str,
    size: usize,
    max_entries: u32,
    mode: u32,
    lock_timeout: f64,
    schema_bytes: usize,
) -> PyResult<Segment> {
    let lock_timeout = Duration::try_from_secs_f64(lock_timeout).map_err(|_| {
        PyValueError::new_err(format!(
            "lock_timeout must be a finite number of seconds, 0 or more, not {lock_timeout}"
        ))
    })?;
    let options = zeroipc::Memory::options()
        .max_entries(max_entries)
        .mode(mode)
        .lock_timeout(lock_timeout)
        .schema(Some(schema_bytes));
    let memory = py.allow_threads(|| options.create(name, size)).py(py)?;
    Ok(Segment { memory })
}

/// Adds the schema functions to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(schema_lines, m)?)?;
    m.add_function(wrap_pyfunction!(recording, m)?)?;
    m.add_function(wrap_pyfunction!(create_with_schema, m)?)?;
    m.add_function(wrap_pyfunction!(check_type, m)?)?;
    Ok(())
}

/// `create()`, during which the entry `name` the crate adds records `dtype` (as the
/// package's `zeroipc.schema` describes it) in place of opaque bytes of its size.
pub(crate) fn recording_dtype<R>(
    py: Python<'_>,
    name: &str,
    kind: &str,
    dtype: &Bound<'_, PyAny>,
    create: impl FnOnce() -> R,
) -> PyResult<R> {
    let line = line_for(py, name, kind, dtype)?;
    let Ok(entry) = zeroipc::schema::parse_line(&line) else {
        // A name the schema refuses (the crate refuses it too, when it adds the entry).
        return Ok(create());
    };
    let mut made = None;
    zeroipc::schema::recording(&entry, || {
        made = Some(create());
        Ok(())
    })
    .py(py)?;
    made.ok_or_else(|| PyValueError::new_err("the entry was not created"))
}

/// The schema line of entry `name` of `kind` with elements of `dtype`, as the package's
/// `zeroipc.schema.line_of` writes it (no parameters).
fn line_for(py: Python<'_>, name: &str, kind: &str, dtype: &Bound<'_, PyAny>) -> PyResult<String> {
    py.import("zeroipc.schema")?
        .getattr("line_of")?
        .call1((name, kind, pyo3::types::PyDict::new(py), dtype))?
        .extract()
}

/// Checks `dtype` against the element type the schema of `memory` records for entry `name`
/// (of `kind`), if it records one: as [`check_type`], for a binding that holds a dtype.
pub(crate) fn check_dtype(
    py: Python<'_>,
    memory: &zeroipc::Memory,
    name: &str,
    kind: &str,
    dtype: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let line = line_for(py, name, kind, dtype)?;
    let Ok(entry) = zeroipc::schema::parse_line(&line) else {
        return Ok(());
    };
    let Some(ty) = &entry.ty else {
        return Ok(());
    };
    py.allow_threads(|| zeroipc::schema::check_type(memory, name, ty))
        .py(py)
}

/// Checks the element type of ``line`` (one JSON line of the schema's grammar) against the
/// type the schema of ``memory`` records for the line's entry, if it records one.
///
/// Raises ``Corrupt`` naming both types where they disagree (opaque bytes agree with any
/// type of their size), or for a damaged schema.
#[pyfunction]
pub(crate) fn check_type(py: Python<'_>, memory: &Bound<'_, PyAny>, line: &str) -> PyResult<()> {
    let segment = segment_of(memory)?;
    let entry = zeroipc::schema::parse_line(line).py(py)?;
    let Some(ty) = &entry.ty else {
        return Ok(());
    };
    let memory = &segment.get().memory;
    py.allow_threads(|| zeroipc::schema::check_type(memory, &entry.name, ty))
        .py(py)
}
