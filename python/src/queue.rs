//! `Queue`: the crate's queue (`zeroipc::RawQueue`, the same algorithm as `Queue<T>`) for
//! elements of a numpy dtype, with numpy batches.

use numpy::npyffi::flags::NPY_ARRAY_WRITEABLE;
use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::IntoPy;
use crate::segment::{create_or_open, same_elem_size, Segment};
use crate::values::{decode, encode, Kind};
use crate::waiting::{deadline, wait_in_slices};

/// A bounded FIFO queue of ``dtype`` elements for many producers and many consumers, in
/// any process and any language of the format (the Rust crate's queue, Vyukov's
/// algorithm).
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Queue {
    raw: zeroipc::RawQueue,
    /// The same queue as a `Queue<T>` of the element's size, for the sizes of the machine's
    /// words: their runs move word by word, as in Rust.
    typed: Typed,
    dtype: Py<PyArrayDescr>,
    kind: Kind,
}

/// The bytes of the C-contiguous array `array` whose items are `elem` bytes each.
///
/// # Errors
///
/// `ValueError` if the array's items are of another size, or it is not C-contiguous.
pub(crate) fn check_array(
    array: &Bound<'_, PyUntypedArray>,
    elem: usize,
    writable: bool,
) -> PyResult<usize> {
    let itemsize = array.dtype().itemsize();
    if itemsize != elem {
        return Err(PyValueError::new_err(format!(
            "the array's items are {itemsize} bytes; the structure's elements are {elem}"
        )));
    }
    if !array.is_c_contiguous() {
        return Err(PyValueError::new_err("the array is not C-contiguous"));
    }
    if writable {
        // SAFETY: `as_array_ptr` points at the live array object (we hold a reference);
        // `flags` is a plain field of it.
        let flags = unsafe { (*array.as_array_ptr()).flags };
        if flags & NPY_ARRAY_WRITEABLE == 0 {
            return Err(PyValueError::new_err("the array is read-only"));
        }
    }
    Ok(array.shape().iter().product::<usize>())
}

/// The data pointer of an array.
pub(crate) fn data_ptr(array: &Bound<'_, PyUntypedArray>) -> *mut u8 {
    // SAFETY: as in `check_array`: a plain field of the live array object.
    unsafe { (*array.as_array_ptr()).data.cast::<u8>() }
}

/// A typed handle of the queue, where its element size is that of an integer.
enum Typed {
    U8(zeroipc::Queue<u8>),
    U16(zeroipc::Queue<u16>),
    U32(zeroipc::Queue<u32>),
    U64(zeroipc::Queue<u64>),
    None,
}

/// Calls `$body` with `$q` bound to the typed queue and `$t` to its element type, or
/// evaluates `$none` for a queue of another element size.
macro_rules! with_typed {
    ($typed:expr, |$q:ident: $t:ident| $body:expr, $none:expr) => {
        match $typed {
            Typed::U8($q) => {
                type $t = u8;
                $body
            }
            Typed::U16($q) => {
                type $t = u16;
                $body
            }
            Typed::U32($q) => {
                type $t = u32;
                $body
            }
            Typed::U64($q) => {
                type $t = u64;
                $body
            }
            Typed::None => $none,
        }
    };
}

impl Typed {
    fn open(memory: &zeroipc::Memory, name: &str, elem: usize) -> zeroipc::Result<Typed> {
        Ok(match elem {
            1 => Typed::U8(zeroipc::Queue::open(memory, name)?),
            2 => Typed::U16(zeroipc::Queue::open(memory, name)?),
            4 => Typed::U32(zeroipc::Queue::open(memory, name)?),
            8 => Typed::U64(zeroipc::Queue::open(memory, name)?),
            _ => Typed::None,
        })
    }
}

impl Queue {
    fn elem(&self) -> usize {
        self.raw.elem_size()
    }

    /// Pushes the whole elements of `src`, in one claim; how many.
    fn push_run(&self, src: &[u8]) -> usize {
        with_typed!(
            &self.typed,
            |q: T| match bytemuck::try_cast_slice::<u8, T>(src) {
                Ok(items) => q.push_slice(items),
                Err(_) => self.raw.push_bytes(src),
            },
            self.raw.push_bytes(src)
        )
    }

    /// Pops into the whole elements of `dst`, in one claim; how many.
    fn pop_run(&self, dst: &mut [u8]) -> usize {
        with_typed!(
            &self.typed,
            |q: T| {
                if bytemuck::try_cast_slice_mut::<u8, T>(dst).is_ok() {
                    let items = bytemuck::cast_slice_mut::<u8, T>(dst);
                    q.pop_into(items)
                } else {
                    self.raw.pop_bytes(dst)
                }
            },
            self.raw.pop_bytes(dst)
        )
    }
}

#[pymethods]
impl Queue {
    /// Creates (``capacity`` given, and no entry of that name) or opens the queue ``name``
    /// of ``segment`` for elements of ``dtype``.
    #[new]
    #[pyo3(signature = (segment, name, capacity, dtype))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        capacity: Option<usize>,
        dtype: &Bound<'_, PyArrayDescr>,
    ) -> PyResult<Queue> {
        let memory = &segment.get().memory;
        let elem = dtype.itemsize();
        let raw = create_or_open(
            py,
            capacity,
            |capacity| zeroipc::RawQueue::create(memory, name, capacity, elem),
            || zeroipc::RawQueue::open(memory, name),
        )
        .py(py)?;
        same_elem_size(name, elem, raw.elem_size()).py(py)?;
        let typed = Typed::open(memory, name, elem).py(py)?;
        Ok(Queue {
            raw,
            typed,
            kind: Kind::of(dtype),
            dtype: dtype.clone().unbind(),
        })
    }

    /// The table name of the queue.
    #[getter]
    fn name(&self) -> &str {
        self.raw.name()
    }

    /// The number of slots (a power of two, at least 2).
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
        self.elem()
    }

    /// Appends ``value`` without waiting.
    ///
    /// Returns
    /// -------
    /// bool
    ///     False if the queue is full.
    ///
    /// Raises
    /// ------
    /// zeroipc.ElementTypeError
    ///     ``value`` is not of the element's kind (a float for an integer dtype, say); also
    ///     a ``TypeError`` and a ``ValueError``.
    /// OverflowError
    ///     ``value`` does not fit in the element.
    fn push(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let element = encode(py, self.kind, self.dtype.bind(py), value)?;
        Ok(self.push_run(element.bytes()) == 1)
    }

    /// Removes and returns the oldest element without waiting; None if the queue is empty.
    fn pop<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        // A word, so that the bytes are aligned for the typed queues.
        let mut small = 0u64;
        let mut big;
        let buf: &mut [u8] = if self.elem() <= 8 {
            &mut bytemuck::bytes_of_mut(&mut small)[..self.elem()]
        } else {
            big = vec![0u8; self.elem()];
            &mut big
        };
        if self.pop_run(buf) == 0 {
            return Ok(None);
        }
        decode(py, self.kind, self.dtype.bind(py), buf).map(Some)
    }

    /// Appends ``value``, waiting up to ``timeout`` seconds for room (None: no limit).
    ///
    /// The wait releases the GIL; Ctrl-C interrupts it. Returns False if the time ran out.
    #[pyo3(signature = (value, timeout = None))]
    fn push_wait(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let element = encode(py, self.kind, self.dtype.bind(py), value)?;
        let bytes = element.bytes();
        if self.raw.push_bytes(bytes) == 1 {
            return Ok(true);
        }
        let raw = &self.raw;
        wait_in_slices(py, deadline(timeout)?, |slice| {
            raw.push_bytes_timeout(bytes, slice)
        })
    }

    /// Removes and returns the oldest element, waiting up to ``timeout`` seconds for one
    /// (None: no limit). Returns None if the time ran out. The wait releases the GIL;
    /// Ctrl-C interrupts it.
    #[pyo3(signature = (timeout = None))]
    fn pop_wait<'py>(
        &self,
        py: Python<'py>,
        timeout: Option<f64>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut buf = vec![0u8; self.elem()];
        let raw = &self.raw;
        let got = raw.pop_bytes(&mut buf) == 1
            || wait_in_slices(py, deadline(timeout)?, |slice| {
                raw.pop_bytes_timeout(&mut buf, slice)
            })?;
        if !got {
            return Ok(None);
        }
        decode(py, self.kind, self.dtype.bind(py), &buf).map(Some)
    }

    /// Pushes the longest prefix of ``array`` that has room, with one atomic claim.
    ///
    /// Parameters
    /// ----------
    /// array : numpy.ndarray
    ///     Items of the queue's element size (any dtype of that itemsize, records
    ///     included), C-contiguous; a multi-dimensional array is taken in C order.
    ///
    /// Returns
    /// -------
    /// int
    ///     How many items were pushed (0 when the queue is full).
    fn push_array(&self, array: &Bound<'_, PyAny>) -> PyResult<usize> {
        let array = array
            .downcast::<PyUntypedArray>()
            .map_err(|_| PyTypeError::new_err("push_array takes a numpy.ndarray"))?;
        let count = check_array(array, self.elem(), false)?;
        let ptr = data_ptr(array);
        if count == 0 {
            return Ok(0);
        }
        // SAFETY: the array is C-contiguous with `count` items of `elem` bytes from `ptr`
        // (checked), and stays alive and unchanged while the GIL is held, which it is for
        // the whole of this function (nothing here runs Python code or releases the GIL).
        let src = unsafe { std::slice::from_raw_parts(ptr, count * self.elem()) };
        Ok(self.push_run(src))
    }

    /// Pops up to ``len(out)`` elements, oldest first, into the front of ``out``, with one
    /// atomic claim.
    ///
    /// Parameters
    /// ----------
    /// out : numpy.ndarray
    ///     Writable, C-contiguous, items of the queue's element size.
    ///
    /// Returns
    /// -------
    /// int
    ///     How many elements were popped (0 when the queue is empty).
    fn pop_into(&self, out: &Bound<'_, PyAny>) -> PyResult<usize> {
        let out = out
            .downcast::<PyUntypedArray>()
            .map_err(|_| PyTypeError::new_err("pop_into takes a numpy.ndarray"))?;
        let count = check_array(out, self.elem(), true)?;
        let ptr = data_ptr(out);
        if count == 0 {
            return Ok(0);
        }
        // SAFETY: as in `push_array`; the array is writable (checked), and no other
        // reference to its bytes exists in this function.
        let dst = unsafe { std::slice::from_raw_parts_mut(ptr, count * self.elem()) };
        Ok(self.pop_run(dst))
    }

    /// Pops up to ``max_n`` elements, oldest first, with one atomic claim.
    ///
    /// Returns
    /// -------
    /// numpy.ndarray
    ///     A new array of the queue's dtype holding what was popped (empty when the queue
    ///     is).
    fn pop_array<'py>(&self, py: Python<'py>, max_n: usize) -> PyResult<Bound<'py, PyAny>> {
        let np = py.import("numpy")?;
        let out = np.getattr("empty")?.call1((max_n, self.dtype.bind(py)))?;
        let n = self.pop_into(&out)?;
        if n == max_n {
            Ok(out)
        } else {
            out.call_method1(
                "__getitem__",
                (pyo3::types::PySlice::new(py, 0, n as isize, 1),),
            )?
            .call_method0("copy")
        }
    }

    /// The number of elements, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if the queue held no element.
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

    /// Iterating a queue pops its elements until it is empty.
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.pop(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Queue(name={}, capacity={}, dtype={}, len={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.dtype.bind(py),
            self.raw.len()
        ))
    }
}
