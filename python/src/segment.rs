//! `Segment`: a mapping of a segment by the crate, which the structures are made in.

use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::IntoPy;

/// A segment mapped by the Rust crate: what the package's structures live in. Made by
/// :class:`zeroipc.Memory`; not meant to be used directly.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Segment {
    pub(crate) memory: zeroipc::Memory,
}

/// The table lock's time-out as the package's `Timeout`, naming the segment.
fn lock_timeout_error(py: Python<'_>, memory: &zeroipc::Memory, error: zeroipc::Error) -> PyErr {
    match error {
        zeroipc::Error::Timeout => {
            let name = memory.name().to_owned();
            let message = format!("segment {name:?}: still waiting for its table lock");
            let obj = |s: &str| {
                s.into_pyobject(py)
                    .map_or_else(|_| py.None(), |o| o.into_any().unbind())
            };
            crate::errors::package_error(
                py,
                "Timeout",
                message,
                &[("name", obj(&name)), ("what", obj("segment"))],
            )
        }
        other => crate::errors::to_py(py, other),
    }
}

fn seconds(what: &str, value: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a finite number of seconds, 0 or more, not {value}"
        ))
    })
}

#[pymethods]
impl Segment {
    /// Creates the segment ``name`` (with its leading ``/``), exclusively.
    #[staticmethod]
    #[pyo3(signature = (name, size, max_entries = 64, mode = 0o600, lock_timeout = 10.0))]
    fn create(
        py: Python<'_>,
        name: &str,
        size: usize,
        max_entries: u32,
        mode: u32,
        lock_timeout: f64,
    ) -> PyResult<Segment> {
        let options = zeroipc::Memory::options()
            .max_entries(max_entries)
            .mode(mode)
            .lock_timeout(seconds("lock_timeout", lock_timeout)?);
        let memory = py.allow_threads(|| options.create(name, size)).py(py)?;
        Ok(Segment { memory })
    }

    /// Opens the segment ``name`` (with its leading ``/``), waiting up to ``ready_timeout``
    /// seconds for its creator to publish it.
    #[staticmethod]
    #[pyo3(signature = (name, ready_timeout = 1.0, lock_timeout = 10.0))]
    fn open(
        py: Python<'_>,
        name: &str,
        ready_timeout: f64,
        lock_timeout: f64,
    ) -> PyResult<Segment> {
        let options = zeroipc::Memory::options()
            .timeout(seconds("ready_timeout", ready_timeout)?)
            .lock_timeout(seconds("lock_timeout", lock_timeout)?);
        let memory = py.allow_threads(|| options.open(name)).py(py)?;
        Ok(Segment { memory })
    }

    /// Removes the segment ``name``; False if there was none.
    #[staticmethod]
    fn unlink(py: Python<'_>, name: &str) -> PyResult<bool> {
        match zeroipc::Memory::unlink(name) {
            Ok(()) => Ok(true),
            Err(zeroipc::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(crate::errors::to_py(py, e)),
        }
    }

    /// The segment's name.
    #[getter]
    fn name(&self) -> &str {
        self.memory.name()
    }

    /// The segment's size in bytes as its header records it.
    #[getter]
    fn size(&self) -> u64 {
        self.memory.size()
    }

    /// The length of the mapping: the size the operating system reported when it was
    /// mapped.
    #[getter]
    fn mapped_len(&self) -> usize {
        self.memory.mapped_len()
    }

    /// The number of table slots.
    #[getter]
    fn max_entries(&self) -> u32 {
        self.memory.max_entries()
    }

    /// The segment's file descriptor (owned by this object; ``mmap.mmap`` duplicates it).
    fn fileno(&self) -> i32 {
        use std::os::fd::{AsFd, AsRawFd};
        self.memory.as_fd().as_raw_fd()
    }

    /// The entries, read and checked now: ``(name, offset, size)`` each.
    fn entries(&self, py: Python<'_>) -> PyResult<Vec<(String, u64, u64)>> {
        Ok(self
            .memory
            .entries()
            .py(py)?
            .map(|e| (e.name().to_owned(), e.offset(), e.size()))
            .collect())
    }

    /// The entry ``name`` as ``(name, offset, size)``, or None.
    fn find(&self, py: Python<'_>, name: &str) -> PyResult<Option<(String, u64, u64)>> {
        match self.memory.find(name) {
            Ok(e) => Ok(Some((e.name().to_owned(), e.offset(), e.size()))),
            Err(zeroipc::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(crate::errors::to_py(py, e)),
        }
    }

    /// Bytes in use: the header's ``next_offset``.
    fn next_offset(&self, py: Python<'_>) -> PyResult<u64> {
        self.memory.used().py(py)
    }

    /// Adds an entry of ``size`` zeroed bytes; its offset.
    fn allocate(&self, py: Python<'_>, name: &str, size: u64) -> PyResult<u64> {
        let memory = &self.memory;
        py.allow_threads(|| memory.allocate(name, size))
            .map(|e| e.offset())
            .map_err(|e| lock_timeout_error(py, memory, e))
    }

    /// Creates (``capacity`` given, and no entry of that name) or opens the array ``name``
    /// of ``elem_size``-byte elements; ``(data_offset, capacity)``.
    #[pyo3(signature = (name, capacity, elem_size))]
    fn array(
        &self,
        py: Python<'_>,
        name: &str,
        capacity: Option<usize>,
        elem_size: usize,
    ) -> PyResult<(u64, usize)> {
        let memory = &self.memory;
        let array = create_or_open(
            py,
            capacity,
            |len| zeroipc::RawArray::create(memory, name, len, elem_size),
            || zeroipc::RawArray::open(memory, name, elem_size),
        )
        .map_err(|e| lock_timeout_error(py, memory, e))?;
        Ok((array.data_offset(), array.len()))
    }

    /// Whether another handle (in this process or another) has the segment open.
    fn others_attached(&self, py: Python<'_>) -> PyResult<bool> {
        self.memory.others_attached().py(py)
    }

    fn __repr__(&self) -> String {
        format!(
            "Segment(name={:?}, size={})",
            self.memory.name(),
            self.memory.size()
        )
    }
}

/// The native segment of `memory`: a `Segment` itself, or what its `_segment()` gives (the
/// package's `Memory`).
pub(crate) fn segment_of<'py>(memory: &Bound<'py, PyAny>) -> PyResult<Bound<'py, Segment>> {
    if let Ok(segment) = memory.downcast::<Segment>() {
        return Ok(segment.clone());
    }
    Ok(memory
        .call_method0("_segment")?
        .downcast_into::<Segment>()?)
}

/// Creates with `create(arg)` when `arg` is given, else (or when the entry exists already)
/// opens with `open`; with the GIL released, as either may wait for the table lock.
pub(crate) fn create_or_open<A, H>(
    py: Python<'_>,
    arg: Option<A>,
    create: impl FnOnce(A) -> zeroipc::Result<H> + Send,
    open: impl FnOnce() -> zeroipc::Result<H> + Send,
) -> zeroipc::Result<H>
where
    A: Send,
    H: Send,
{
    py.allow_threads(|| match arg {
        Some(arg) => match create(arg) {
            Err(zeroipc::Error::AlreadyExists { .. }) => open(),
            other => other,
        },
        None => open(),
    })
}

/// `ElementSizeMismatch` unless the structure `name`, opened with `found`-byte elements,
/// has the `expected` ones (a queue's or stack's open does not take the size).
pub(crate) fn same_elem_size(name: &str, expected: usize, found: usize) -> zeroipc::Result<()> {
    if expected == found {
        return Ok(());
    }
    Err(zeroipc::Error::ElementSizeMismatch {
        name: name.to_owned(),
        expected: expected as u64,
        found: found as u64,
    })
}
