//! `Segment`: a mapping of a segment by the crate, which the structures are made in.

use pyo3::prelude::*;

use crate::errors::IntoPy;

/// A segment mapped by the Rust crate: what the package's structures live in. Made by
/// :class:`zeroipc.Memory`; not meant to be used directly.
#[pyclass(module = "zeroipc._native", frozen)]
pub(crate) struct Segment {
    pub(crate) memory: zeroipc::Memory,
}

#[pymethods]
impl Segment {
    /// Opens the segment called ``name`` (with its leading ``/``).
    #[staticmethod]
    fn open(py: Python<'_>, name: &str) -> PyResult<Segment> {
        let memory = py.allow_threads(|| zeroipc::Memory::open(name)).py(py)?;
        Ok(Segment { memory })
    }

    /// The segment's name.
    #[getter]
    fn name(&self) -> &str {
        self.memory.name()
    }

    /// The segment's size in bytes.
    #[getter]
    fn size(&self) -> u64 {
        self.memory.size()
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
