//! `Stack`: the crate's stack (`zeroipc::RawStack`, the same algorithm as `Stack<T>`) for
//! elements of a numpy dtype.

use std::time::Duration;

use numpy::{PyArrayDescr, PyArrayDescrMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use zeroipc::{BusySince, StackFail};

use crate::errors::{package_error, IntoPy};
use crate::segment::{create_or_open, same_elem_size, Segment};
use crate::values::{decode, encode, Kind};
use crate::waiting::{deadline, wait_in_slices};

/// A bounded LIFO stack of ``dtype`` elements shared between processes (the Rust crate's).
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Stack {
    raw: zeroipc::RawStack,
    dtype: Py<PyArrayDescr>,
    kind: Kind,
    /// How long an operation waits for a slot a peer is finishing with.
    patience: Duration,
}

impl Stack {
    /// The error for a failure of the crate's stack.
    fn fail(&self, py: Python<'_>, fail: StackFail) -> PyErr {
        let name = self.raw.name();
        match fail {
            StackFail::Busy { index, state } | StackFail::Stuck { index, state } => {
                let attr = |v: Result<Bound<'_, PyAny>, std::convert::Infallible>| match v {
                    Ok(b) => b.unbind(),
                    Err(never) => match never {},
                };
                package_error(
                    py,
                    "SlotStuck",
                    format!(
                        "entry {name:?}: slot {index} stayed in state {state} for {} s; a peer probably died in the middle of an operation",
                        self.patience.as_secs_f64()
                    ),
                    &[
                        ("name", attr(name.into_pyobject(py).map(Bound::into_any))),
                        ("index", attr(index.into_pyobject(py).map(Bound::into_any))),
                        ("state", attr(state.into_pyobject(py).map(Bound::into_any))),
                    ],
                )
            }
            StackFail::Corrupt { top } => crate::errors::to_py(
                py,
                zeroipc::Error::Corrupt {
                    name: name.to_owned(),
                    what: format!("stack top is {top}, outside -1..{}", self.raw.capacity()),
                },
            ),
            StackFail::Full | StackFail::Empty => PyValueError::new_err("unexpected stack state"),
        }
    }

    fn buffer(&self) -> Vec<u8> {
        vec![0u8; self.raw.elem_size()]
    }
}

#[pymethods]
impl Stack {
    /// Creates (``capacity`` given, and no entry of that name) or opens the stack ``name``
    /// of ``segment`` for elements of ``dtype``; ``slot_timeout`` is how long an operation
    /// waits for a slot another process is finishing with before it raises
    /// :class:`zeroipc.SlotStuck`.
    #[new]
    #[pyo3(signature = (segment, name, capacity, dtype, slot_timeout = 2.0))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        capacity: Option<usize>,
        dtype: &Bound<'_, PyArrayDescr>,
        slot_timeout: f64,
    ) -> PyResult<Stack> {
        let patience = Duration::try_from_secs_f64(slot_timeout).map_err(|_| {
            PyValueError::new_err(format!(
                "slot_timeout must be 0 or more seconds, not {slot_timeout}"
            ))
        })?;
        let memory = &segment.get().memory;
        let elem = dtype.itemsize();
        let raw = create_or_open(
            py,
            capacity,
            |capacity| zeroipc::RawStack::create(memory, name, capacity, elem),
            || zeroipc::RawStack::open(memory, name),
        )
        .py(py)?;
        same_elem_size(name, elem, raw.elem_size()).py(py)?;
        Ok(Stack {
            raw,
            kind: Kind::of(dtype),
            dtype: dtype.clone().unbind(),
            patience,
        })
    }

    /// The table name of the stack.
    #[getter]
    fn name(&self) -> &str {
        self.raw.name()
    }

    /// The number of slots.
    #[getter]
    fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// The numpy dtype of the elements.
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.dtype.clone_ref(py)
    }

    /// The size of an element in bytes.
    #[getter]
    fn elem_size(&self) -> usize {
        self.raw.elem_size()
    }

    /// How long an operation waits for a slot another process is finishing with.
    #[getter]
    fn slot_timeout(&self) -> f64 {
        self.patience.as_secs_f64()
    }

    /// Pushes ``value`` on top without waiting for room; False if the stack is full.
    ///
    /// Raises
    /// ------
    /// zeroipc.SlotStuck
    ///     The slot stayed in another process's hands for ``slot_timeout`` seconds.
    /// zeroipc.ElementTypeError
    ///     ``value`` is not of the element's kind.
    fn push(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.push_wait(py, value, Some(0.0))
    }

    /// Removes and returns the top element without waiting for one; None if empty.
    fn pop<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.pop_wait(py, Some(0.0))
    }

    /// The top element without removing it; None if empty.
    fn top<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut buf = self.buffer();
        let raw = &self.raw;
        let patience = self.patience;
        match py.allow_threads(|| raw.peek_bytes(&mut buf, patience)) {
            Ok(true) => decode(py, self.kind, self.dtype.bind(py), &buf).map(Some),
            Ok(false) => Ok(None),
            Err(fail) => Err(self.fail(py, fail)),
        }
    }

    /// Pushes ``value``, waiting up to ``timeout`` seconds for room (None: no limit);
    /// False if the time ran out. The wait releases the GIL; Ctrl-C interrupts it.
    #[pyo3(signature = (value, timeout = None))]
    fn push_wait(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let element = encode(py, self.kind, self.dtype.bind(py), value)?;
        let bytes = element.bytes();
        let raw = &self.raw;
        let patience = self.patience;
        let mut busy: BusySince = None;
        let mut outcome = Err(StackFail::Full);
        let first = raw.push_bytes(bytes, Duration::ZERO, Duration::ZERO, &mut busy);
        let done = match first {
            Ok(()) => true,
            Err(StackFail::Full) if timeout == Some(0.0) => false,
            _ => {
                busy = None;
                wait_in_slices(py, deadline(timeout)?, |slice| {
                    outcome = raw.push_bytes(bytes, slice, patience, &mut busy);
                    !matches!(outcome, Err(StackFail::Full))
                })?
            }
        };
        if !done {
            return Ok(false);
        }
        match (first, outcome) {
            (Ok(()), _) | (_, Ok(())) => Ok(true),
            (_, Err(fail)) => Err(self.fail(py, fail)),
        }
    }

    /// Removes and returns the top element, waiting up to ``timeout`` seconds for one (None:
    /// no limit); None if the time ran out. The wait releases the GIL; Ctrl-C interrupts it.
    #[pyo3(signature = (timeout = None))]
    fn pop_wait<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut buf = self.buffer();
        let raw = &self.raw;
        let patience = self.patience;
        let mut busy: BusySince = None;
        let first = raw.pop_bytes(&mut buf, Duration::ZERO, Duration::ZERO, &mut busy);
        let outcome = match first {
            Err(StackFail::Empty) if timeout == Some(0.0) => Err(StackFail::Empty),
            Ok(()) => Ok(()),
            _ => {
                busy = None;
                let mut outcome = Err(StackFail::Empty);
                wait_in_slices(py, deadline(timeout)?, |slice| {
                    outcome = raw.pop_bytes(&mut buf, slice, patience, &mut busy);
                    !matches!(outcome, Err(StackFail::Empty))
                })?;
                outcome
            }
        };
        match outcome {
            Ok(()) => decode(py, self.kind, self.dtype.bind(py), &buf).map(Some),
            Err(StackFail::Empty) => Ok(None),
            Err(fail) => Err(self.fail(py, fail)),
        }
    }

    /// The number of elements, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if the stack held no element.
    fn empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True if every slot held an element.
    fn full(&self) -> bool {
        self.raw.len() == self.raw.capacity()
    }

    fn __len__(&self) -> usize {
        self.raw.len()
    }

    fn __bool__(&self) -> bool {
        !self.raw.is_empty()
    }

    /// Iterating a stack pops its elements, top first, until it is empty.
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.pop(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Stack(name={}, capacity={}, dtype={}, len={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.dtype.bind(py),
            self.raw.len()
        ))
    }
}
