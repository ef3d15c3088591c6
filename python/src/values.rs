//! Python values to the bytes of one element of a numpy dtype, and back.
//!
//! The common scalar dtypes (native-order integers, floats of 4 and 8 bytes, bools) are
//! converted here, strictly: an integer element takes only what has `__index__` (a float is
//! refused, not truncated) and must fit. Every other dtype (records, complex numbers,
//! half floats, byte strings, other byte orders) goes through `numpy.asarray(value, dtype)`.

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyFloat};

use numpy::{PyArrayDescr, PyArrayDescrMethods};

use crate::errors::package_error;

/// How the elements of a dtype are converted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A signed integer of this many bytes (1, 2, 4 or 8), native order.
    Int(usize),
    /// An unsigned integer of this many bytes, native order.
    Uint(usize),
    /// A float of 4 or 8 bytes, native order.
    Float(usize),
    /// numpy's bool.
    Bool,
    /// Anything else: through numpy.
    Other,
}

impl Kind {
    pub(crate) fn of(dtype: &Bound<'_, PyArrayDescr>) -> Kind {
        let size = dtype.itemsize();
        if dtype.has_fields() || dtype.has_subarray() || dtype.is_native_byteorder() == Some(false)
        {
            return Kind::Other;
        }
        match (dtype.kind(), size) {
            (b'i', 1 | 2 | 4 | 8) => Kind::Int(size),
            (b'u', 1 | 2 | 4 | 8) => Kind::Uint(size),
            (b'f', 4 | 8) => Kind::Float(size),
            (b'b', 1) => Kind::Bool,
            _ => Kind::Other,
        }
    }
}

/// One element's bytes: inline up to 8 bytes (in a word, so aligned for any integer the
/// typed queues take), else on the heap.
pub(crate) enum Element {
    Small(u64, usize),
    Big(Vec<u8>),
}

impl Element {
    fn small(b: [u8; 8], n: usize) -> Element {
        Element::Small(u64::from_ne_bytes(b), n)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Element::Small(word, n) => &bytemuck::bytes_of(word)[..*n],
            Element::Big(v) => v,
        }
    }
}

/// The error for a value that is not of the element's kind: a `TypeError` (and, as the
/// package's earlier versions raised, a `ValueError`).
fn wrong_kind(py: Python<'_>, value: &Bound<'_, PyAny>, dtype: &Bound<'_, PyArrayDescr>) -> PyErr {
    let type_name = value
        .get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string());
    package_error(
        py,
        "ElementTypeError",
        format!("a value of type {type_name} is not an element of dtype {dtype}"),
        &[],
    )
}

fn out_of_range(value: &Bound<'_, PyAny>, dtype: &Bound<'_, PyArrayDescr>) -> PyErr {
    PyOverflowError::new_err(format!(
        "{value} does not fit in an element of dtype {dtype}"
    ))
}

/// `value` as one element of `dtype` (of kind `kind`).
pub(crate) fn encode(
    py: Python<'_>,
    kind: Kind,
    dtype: &Bound<'_, PyArrayDescr>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Element> {
    let mut b = [0u8; 8];
    match kind {
        Kind::Int(n) => {
            if value.is_instance_of::<PyFloat>() {
                return Err(wrong_kind(py, value, dtype));
            }
            let v: i64 = value.extract().map_err(|e| {
                if e.is_instance_of::<PyOverflowError>(py) {
                    out_of_range(value, dtype)
                } else {
                    wrong_kind(py, value, dtype)
                }
            })?;
            let bits = n * 8;
            if n < 8 && (v < -(1i64 << (bits - 1)) || v >= (1i64 << (bits - 1))) {
                return Err(out_of_range(value, dtype));
            }
            b.copy_from_slice(&v.to_le_bytes());
            Ok(Element::small(b, n))
        }
        Kind::Uint(n) => {
            if value.is_instance_of::<PyFloat>() {
                return Err(wrong_kind(py, value, dtype));
            }
            let v: u64 = value.extract().map_err(|e| {
                if e.is_instance_of::<PyOverflowError>(py) {
                    out_of_range(value, dtype)
                } else {
                    wrong_kind(py, value, dtype)
                }
            })?;
            if n < 8 && v >= (1u64 << (n * 8)) {
                return Err(out_of_range(value, dtype));
            }
            b.copy_from_slice(&v.to_le_bytes());
            Ok(Element::small(b, n))
        }
        Kind::Float(n) => {
            if value.is_instance_of::<pyo3::types::PyString>() {
                return Err(wrong_kind(py, value, dtype));
            }
            let v: f64 = value.extract().map_err(|_| wrong_kind(py, value, dtype))?;
            if n == 4 {
                b[..4].copy_from_slice(&(v as f32).to_le_bytes());
            } else {
                b.copy_from_slice(&v.to_le_bytes());
            }
            Ok(Element::small(b, n))
        }
        Kind::Bool => {
            let v: bool = value
                .downcast::<PyBool>()
                .map(pyo3::types::PyBoolMethods::is_true)
                .or_else(|_| value.extract::<bool>())
                .map_err(|_| wrong_kind(py, value, dtype))?;
            b[0] = u8::from(v);
            Ok(Element::small(b, 1))
        }
        Kind::Other => {
            let np = py.import("numpy")?;
            let item = np.getattr("asarray")?.call1((value, dtype)).map_err(|e| {
                if e.is_instance_of::<pyo3::exceptions::PyValueError>(py)
                    || e.is_instance_of::<pyo3::exceptions::PyTypeError>(py)
                {
                    let err = wrong_kind(py, value, dtype);
                    err.set_cause(py, Some(e));
                    err
                } else {
                    e
                }
            })?;
            let shape: Vec<usize> = item.getattr("shape")?.extract()?;
            if !shape.is_empty() {
                return Err(package_error(
                    py,
                    "ElementTypeError",
                    format!(
                        "an element of dtype {dtype} is one value, not an array of shape {shape:?}"
                    ),
                    &[],
                ));
            }
            let bytes: Vec<u8> = item.call_method0("tobytes")?.extract()?;
            Ok(Element::Big(bytes))
        }
    }
}

/// The Python value of the element `bytes` of `dtype`: an `int`, `float` or `bool` for the
/// scalar kinds, else numpy's scalar of the dtype (a `numpy.void` for a record).
pub(crate) fn decode<'py>(
    py: Python<'py>,
    kind: Kind,
    dtype: &Bound<'py, PyArrayDescr>,
    bytes: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    Ok(match kind {
        Kind::Int(n) => {
            let shift = 64 - 8 * n as u32;
            let v = (i64::from_le_bytes(b) << shift) >> shift;
            v.into_pyobject(py)?.into_any()
        }
        Kind::Uint(_) => u64::from_le_bytes(b).into_pyobject(py)?.into_any(),
        Kind::Float(4) => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .into_pyobject(py)?
            .into_any(),
        Kind::Float(_) => f64::from_le_bytes(b).into_pyobject(py)?.into_any(),
        Kind::Bool => PyBool::new(py, b[0] != 0).to_owned().into_any(),
        Kind::Other => {
            let np = py.import("numpy")?;
            let array = np
                .getattr("frombuffer")?
                .call1((PyBytes::new(py, bytes), dtype))?;
            array.get_item(0)?
        }
    })
}
