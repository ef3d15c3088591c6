//! The crate's errors as the package's exceptions (`zeroipc.errors`), each with the Rust
//! error's message.

use pyo3::exceptions::{PyIndexError, PyOSError};
use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::PyDict;

static ERRORS: GILOnceCell<Py<PyModule>> = GILOnceCell::new();

/// The exception class `name` of `zeroipc.errors`, made with `message` and the attributes
/// `attrs`, without running the class's own `__init__` (the message is the crate's).
pub(crate) fn package_error(
    py: Python<'_>,
    class: &str,
    message: String,
    attrs: &[(&str, PyObject)],
) -> PyErr {
    let made = (|| -> PyResult<PyErr> {
        let module =
            ERRORS.get_or_try_init(py, || Ok::<_, PyErr>(py.import("zeroipc.errors")?.unbind()))?;
        let dict = PyDict::new(py);
        for (key, value) in attrs {
            dict.set_item(key, value)?;
        }
        let error = module
            .bind(py)
            .getattr("_from_native")?
            .call1((class, message, dict))?;
        Ok(PyErr::from_value(error))
    })();
    made.unwrap_or_else(|e| e)
}

/// `error` as the package's exception.
pub(crate) fn to_py(py: Python<'_>, error: zeroipc::Error) -> PyErr {
    use zeroipc::Error as E;
    let error = match error {
        E::Field { source, .. } => return to_py(py, *source),
        other => other,
    };
    let message = error.to_string();
    let s = |v: &str| v.into_pyobject(py).map(|o| o.into_any().unbind()).ok();
    let n = |v: u64| v.into_pyobject(py).map(|o| o.into_any().unbind()).ok();
    let mut attrs: Vec<(&str, Option<PyObject>)> = Vec::new();
    let class = match &error {
        E::InvalidName { name, .. } | E::NameTooLong { name, .. } => {
            attrs.push(("name", s(name)));
            "InvalidName"
        }
        E::NotFound { name } => {
            attrs.push(("name", s(name)));
            "NotFound"
        }
        E::AlreadyExists { name } => {
            attrs.push(("name", s(name)));
            "AlreadyExists"
        }
        E::TableFull { max_entries } => {
            attrs.push(("max_entries", n(u64::from(*max_entries))));
            "TableFull"
        }
        E::OutOfSpace {
            requested,
            available,
        } => {
            attrs.push(("requested", n(*requested)));
            attrs.push(("available", n(*available)));
            "OutOfSpace"
        }
        E::NotReady { name } => {
            attrs.push(("name", s(name)));
            "NotReady"
        }
        E::BadMagic { found } => {
            attrs.push(("found", n(u64::from(*found))));
            "BadMagic"
        }
        E::UnsupportedVersion { found } => {
            attrs.push(("found", n(u64::from(*found))));
            "UnsupportedVersion"
        }
        E::ElementSizeMismatch {
            name,
            expected,
            found,
        } => {
            attrs.push(("name", s(name)));
            attrs.push(("expected", n(*expected)));
            attrs.push(("found", n(*found)));
            "ElementSizeMismatch"
        }
        E::CountAtMaximum { name, max } => {
            attrs.push(("name", s(name)));
            attrs.push(("max", n(u64::from(max.unsigned_abs()))));
            "CountAtMaximum"
        }
        E::Timeout => "Timeout",
        E::Full { name } => {
            attrs.push(("name", s(name)));
            "Full"
        }
        E::IndexOutOfBounds { .. } => return PyIndexError::new_err(message),
        E::Io { .. } => return PyOSError::new_err(message),
        E::Corrupt { name, what } => {
            attrs.push(("name", s(name)));
            attrs.push(("what", s(what)));
            "Corrupt"
        }
        E::OverlappingEntries { second: name, .. }
        | E::EntryOutOfBounds { name, .. }
        | E::MisalignedEntry { name, .. }
        | E::EntryInTable { name, .. }
        | E::CapacityMismatch { name, .. }
        | E::DeclarationMismatch { name, .. } => {
            attrs.push(("name", s(name)));
            attrs.push(("what", s(&message)));
            "Corrupt"
        }
        // Every other variant says that a table or a header is inconsistent.
        _ => {
            attrs.push(("what", s(&message)));
            "Corrupt"
        }
    };
    let attrs: Vec<(&str, PyObject)> = attrs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect();
    package_error(py, class, message, &attrs)
}

/// A result of the crate as a Python result.
pub(crate) trait IntoPy<T> {
    fn py(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for zeroipc::Result<T> {
    fn py(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
