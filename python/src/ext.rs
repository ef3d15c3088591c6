//! `Map`, `Set`, `Pool` and `Ring`: the crate's structures in the C++ implementation's bytes
//! (`zeroipc::RawMap`, `RawSet`, `RawPool`, `RawRing`, the same algorithms as the typed
//! `Map<K, V>`, `Set<T>`, `Pool<T>` and `Ring<T>`) for keys, values and elements of numpy
//! dtypes.

use std::time::Duration;

use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyList;
use zeroipc::{KeyKind, RawKey};

use crate::errors::IntoPy;
use crate::queue::{check_array, data_ptr};
use crate::segment::{create_or_open, Segment};
use crate::values::{decode, encode, Kind};

/// How long a call waits for a slot a peer is writing, as the crate's typed handles do.
const PATIENCE: Duration = Duration::from_secs(1);

/// A numpy dtype with its conversion kind.
struct Typed {
    dtype: Py<PyArrayDescr>,
    kind: Kind,
}

impl Typed {
    fn new(dtype: &Bound<'_, PyArrayDescr>) -> Typed {
        Typed {
            kind: Kind::of(dtype),
            dtype: dtype.clone().unbind(),
        }
    }

    fn encode(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
        Ok(encode(py, self.kind, self.dtype.bind(py), value)?
            .bytes()
            .to_vec())
    }

    fn decode<'py>(&self, py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyAny>> {
        decode(py, self.kind, self.dtype.bind(py), bytes)
    }

    /// The key type the C++ implementation would hash for this dtype: integers (bool
    /// included) by value, floats by value, anything else by its bytes.
    fn key(&self, py: Python<'_>) -> RawKey {
        let dtype = self.dtype.bind(py);
        let kind = match self.kind {
            Kind::Int(_) => KeyKind::Signed,
            Kind::Uint(_) | Kind::Bool => KeyKind::Unsigned,
            Kind::Float(_) => KeyKind::Float,
            Kind::Other => KeyKind::Bytes,
        };
        RawKey {
            kind,
            size: dtype.itemsize(),
            align: dtype.alignment().max(1),
        }
    }

    fn layout(&self, py: Python<'_>) -> (usize, usize) {
        let dtype = self.dtype.bind(py);
        (dtype.itemsize(), dtype.alignment().max(1))
    }
}

/// The error for an insert into a map or set with no room on the key's path.
fn is_full(error: &zeroipc::Error) -> bool {
    matches!(error, zeroipc::Error::Full { .. })
}

/// [`create_or_open`] for a structure whose `capacity` is at least 1.
fn create_or_open_sized<H: Send>(
    py: Python<'_>,
    capacity: Option<usize>,
    create: impl FnOnce(usize) -> zeroipc::Result<H> + Send,
    open: impl FnOnce() -> zeroipc::Result<H> + Send,
) -> PyResult<H> {
    if capacity == Some(0) {
        return Err(PyValueError::new_err("capacity must be at least 1"));
    }
    create_or_open(py, capacity, create, open).py(py)
}

// ---- Map ---------------------------------------------------------------------------------

/// A fixed-capacity hash map from ``key_dtype`` to ``value_dtype``, laid out, hashed and
/// probed as the C++ implementation's ``Map<K, V>`` (the Rust crate's ``Map``).
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Map {
    raw: zeroipc::RawMap,
    key: Typed,
    value: Typed,
}

#[pymethods]
impl Map {
    /// Creates (``capacity`` given, and no entry of that name) or opens the map ``name``.
    #[new]
    #[pyo3(signature = (segment, name, key_dtype, value_dtype, capacity = None))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        key_dtype: &Bound<'_, PyArrayDescr>,
        value_dtype: &Bound<'_, PyArrayDescr>,
        capacity: Option<usize>,
    ) -> PyResult<Map> {
        let memory = &segment.get().memory;
        let (key, value) = (Typed::new(key_dtype), Typed::new(value_dtype));
        let (k, v) = (key.key(py), value.layout(py));
        let raw = create_or_open_sized(
            py,
            capacity,
            |c| zeroipc::RawMap::create(memory, name, "map", c, k, v),
            || zeroipc::RawMap::open(memory, name, "map", k, v),
        )?;
        Ok(Map { raw, key, value })
    }

    /// The table name of the map.
    #[getter]
    fn name(&self) -> &str {
        self.raw.name()
    }

    /// The number of slots.
    #[getter]
    fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// The numpy dtype of the keys.
    #[getter]
    fn key_dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.key.dtype.clone_ref(py)
    }

    /// The numpy dtype of the values.
    #[getter]
    fn value_dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.value.dtype.clone_ref(py)
    }

    /// Inserts ``key`` with ``value``, or updates the value of a key that is there.
    ///
    /// Returns
    /// -------
    /// bool
    ///     False if the map had no room on the key's probe path (nothing changed).
    ///
    /// Raises
    /// ------
    /// zeroipc.ElementTypeError
    ///     ``key`` or ``value`` is not of its dtype's kind.
    /// zeroipc.Timeout
    ///     A peer kept a slot on the key's path for a second.
    fn insert(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<bool> {
        let (k, v) = (self.key.encode(py, key)?, self.value.encode(py, value)?);
        match py.allow_threads(|| self.raw.insert(&k, &v, PATIENCE)) {
            Ok(_) => Ok(true),
            Err(e) if is_full(&e) => Ok(false),
            Err(e) => Err(crate::errors::to_py(py, e)),
        }
    }

    /// Inserts or updates ``key`` with ``value``, as ``m[key] = value``; the value it
    /// replaced, or None if the key was new. Raises ``zeroipc.Full`` when there is no room.
    fn put<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let (k, v) = (self.key.encode(py, key)?, self.value.encode(py, value)?);
        match py
            .allow_threads(|| self.raw.insert(&k, &v, PATIENCE))
            .py(py)?
        {
            Some(old) => self.value.decode(py, &old).map(Some),
            None => Ok(None),
        }
    }

    /// Removes ``key`` and returns its value, as ``dict.pop``: ``default`` if the map did
    /// not hold it (a ``KeyError`` if no default is given).
    #[pyo3(signature = (key, *default))]
    fn pop<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
        default: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let k = self.key.encode(py, key)?;
        match py.allow_threads(|| self.raw.remove(&k, PATIENCE)).py(py)? {
            Some(old) => self.value.decode(py, &old),
            None if !default.is_empty() => default.get_item(0),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// The value of ``key``, or None if the map does not hold it.
    fn find<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let k = self.key.encode(py, key)?;
        match py.allow_threads(|| self.raw.get(&k, PATIENCE)).py(py)? {
            Some(bytes) => self.value.decode(py, &bytes).map(Some),
            None => Ok(None),
        }
    }

    /// The value of ``key``, or ``default`` if the map does not hold it.
    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(self.find(py, key)?.or(default))
    }

    /// Removes ``key``; False if the map did not hold it.
    fn erase(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let k = self.key.encode(py, key)?;
        Ok(py
            .allow_threads(|| self.raw.remove(&k, PATIENCE))
            .py(py)?
            .is_some())
    }

    /// Whether the map holds ``key``.
    fn contains(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let k = self.key.encode(py, key)?;
        py.allow_threads(|| self.raw.contains(&k, PATIENCE)).py(py)
    }

    fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.contains(py, key)
    }

    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.find(py, key)?
            .ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))
    }

    fn __setitem__(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let (k, v) = (self.key.encode(py, key)?, self.value.encode(py, value)?);
        py.allow_threads(|| self.raw.insert(&k, &v, PATIENCE))
            .py(py)?;
        Ok(())
    }

    fn __delitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        if self.erase(py, key)? {
            Ok(())
        } else {
            Err(PyKeyError::new_err(key.clone().unbind()))
        }
    }

    /// The number of keys, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if the map held no key.
    fn empty(&self) -> bool {
        self.raw.is_empty()
    }

    fn __len__(&self) -> usize {
        self.raw.len()
    }

    fn __bool__(&self) -> bool {
        !self.raw.is_empty()
    }

    /// The keys, in slot order (a list made now: peers may change the map meanwhile).
    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let entries = py.allow_threads(|| self.raw.entries());
        let keys = entries
            .iter()
            .map(|(k, _)| self.key.decode(py, k))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, keys)
    }

    /// The values, in slot order.
    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let entries = py.allow_threads(|| self.raw.entries());
        let values = entries
            .iter()
            .map(|(_, v)| self.value.decode(py, v))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, values)
    }

    /// The ``(key, value)`` pairs, in slot order.
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let entries = py.allow_threads(|| self.raw.entries());
        let items = entries
            .iter()
            .map(|(k, v)| Ok((self.key.decode(py, k)?, self.value.decode(py, v)?)))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.keys(py)?.try_iter().map(Bound::into_any)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Map(name={}, capacity={}, key_dtype={}, value_dtype={}, len={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.key.dtype.bind(py),
            self.value.dtype.bind(py),
            self.raw.len()
        ))
    }
}

// ---- Set ---------------------------------------------------------------------------------

/// A fixed-capacity hash set of ``dtype`` elements, as the C++ implementation's ``Set<T>``.
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Set {
    raw: zeroipc::RawSet,
    elem: Typed,
}

#[pymethods]
impl Set {
    /// Creates (``capacity`` given, and no entry of that name) or opens the set ``name``.
    #[new]
    #[pyo3(signature = (segment, name, dtype, capacity = None))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        dtype: &Bound<'_, PyArrayDescr>,
        capacity: Option<usize>,
    ) -> PyResult<Set> {
        let memory = &segment.get().memory;
        let elem = Typed::new(dtype);
        let k = elem.key(py);
        let raw = create_or_open_sized(
            py,
            capacity,
            |c| zeroipc::RawSet::create(memory, name, c, k),
            || zeroipc::RawSet::open(memory, name, k),
        )?;
        Ok(Set { raw, elem })
    }

    /// The table name of the set.
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
        self.elem.dtype.clone_ref(py)
    }

    /// Adds ``value``.
    ///
    /// Returns
    /// -------
    /// bool
    ///     False if the set held it already, or had no room on its probe path.
    fn insert(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let v = self.elem.encode(py, value)?;
        match py.allow_threads(|| self.raw.insert(&v, PATIENCE)) {
            Ok(added) => Ok(added),
            Err(e) if is_full(&e) => Ok(false),
            Err(e) => Err(crate::errors::to_py(py, e)),
        }
    }

    /// Adds ``value``, as ``insert``, but raises ``zeroipc.Full`` when there is no room.
    fn add(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = self.elem.encode(py, value)?;
        py.allow_threads(|| self.raw.insert(&v, PATIENCE)).py(py)?;
        Ok(())
    }

    /// Whether the set holds ``value``.
    fn contains(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let v = self.elem.encode(py, value)?;
        py.allow_threads(|| self.raw.contains(&v, PATIENCE)).py(py)
    }

    fn __contains__(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.contains(py, value)
    }

    /// Removes ``value``; False if the set did not hold it.
    fn erase(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let v = self.elem.encode(py, value)?;
        py.allow_threads(|| self.raw.remove(&v, PATIENCE)).py(py)
    }

    /// Removes ``value`` if the set holds it (no error if not).
    fn discard(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.erase(py, value).map(|_| ())
    }

    /// The number of elements, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if the set held no element.
    fn empty(&self) -> bool {
        self.raw.is_empty()
    }

    fn __len__(&self) -> usize {
        self.raw.len()
    }

    fn __bool__(&self) -> bool {
        !self.raw.is_empty()
    }

    /// The elements, in slot order (a list made now).
    fn elements<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let elements = py.allow_threads(|| self.raw.elements());
        let values = elements
            .iter()
            .map(|e| self.elem.decode(py, e))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, values)
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.elements(py)?.try_iter().map(Bound::into_any)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Set(name={}, capacity={}, dtype={}, len={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.elem.dtype.bind(py),
            self.raw.len()
        ))
    }
}

// ---- Pool --------------------------------------------------------------------------------

/// A fixed pool of ``dtype`` nodes with a lock-free free list, as the C++ implementation's
/// ``Pool<T>``: ``allocate`` hands out a node's index, ``free`` gives it back.
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Pool {
    raw: zeroipc::RawPool,
    elem: Typed,
}

impl Pool {
    fn index(&self, index: i64) -> PyResult<u32> {
        u32::try_from(index)
            .ok()
            .filter(|&i| (i as usize) < self.raw.capacity())
            .ok_or_else(|| {
                pyo3::exceptions::PyIndexError::new_err(format!(
                    "node {index} is outside the pool's {} nodes",
                    self.raw.capacity()
                ))
            })
    }
}

#[pymethods]
impl Pool {
    /// Creates (``capacity`` given, and no entry of that name) or opens the pool ``name``.
    #[new]
    #[pyo3(signature = (segment, name, dtype, capacity = None))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        dtype: &Bound<'_, PyArrayDescr>,
        capacity: Option<usize>,
    ) -> PyResult<Pool> {
        let memory = &segment.get().memory;
        let elem = Typed::new(dtype);
        let (size, align) = elem.layout(py);
        let raw = create_or_open_sized(
            py,
            capacity,
            |c| zeroipc::RawPool::create(memory, name, c, size, align),
            || zeroipc::RawPool::open(memory, name, size, align),
        )?;
        Ok(Pool { raw, elem })
    }

    /// The table name of the pool.
    #[getter]
    fn name(&self) -> &str {
        self.raw.name()
    }

    /// The number of nodes.
    #[getter]
    fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// The numpy dtype of a node's data.
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.elem.dtype.clone_ref(py)
    }

    /// Takes a free node: its index, or None when every node is handed out. Its data is
    /// whatever its last owner left.
    fn allocate(&self, py: Python<'_>) -> PyResult<Option<u32>> {
        py.allow_threads(|| self.raw.allocate()).py(py)
    }

    /// Gives node ``index`` back. Freeing a node twice is caught only when it is the head
    /// of the free list (``zeroipc.Corrupt``); the format keeps no other mark.
    fn free(&self, py: Python<'_>, index: i64) -> PyResult<()> {
        let index = self.index(index)?;
        py.allow_threads(|| self.raw.free(index)).py(py)
    }

    /// A copy of node ``index``'s data.
    fn get<'py>(&self, py: Python<'py>, index: i64) -> PyResult<Bound<'py, PyAny>> {
        let index = self.index(index)?;
        let mut out = vec![0u8; self.raw.elem_size()];
        self.raw.get_bytes(index, &mut out).py(py)?;
        self.elem.decode(py, &out)
    }

    /// Writes ``value`` into node ``index``'s data.
    fn set(&self, py: Python<'_>, index: i64, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let index = self.index(index)?;
        let bytes = self.elem.encode(py, value)?;
        self.raw.set_bytes(index, &bytes).py(py)
    }

    fn __getitem__<'py>(&self, py: Python<'py>, index: i64) -> PyResult<Bound<'py, PyAny>> {
        self.get(py, index)
    }

    fn __setitem__(&self, py: Python<'_>, index: i64, value: &Bound<'_, PyAny>) -> PyResult<()> {
        self.set(py, index, value)
    }

    /// The number of nodes handed out, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if no node was handed out.
    fn empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True if every node was handed out.
    fn full(&self) -> bool {
        self.raw.len() == self.raw.capacity()
    }

    fn __len__(&self) -> usize {
        self.raw.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Pool(name={}, capacity={}, dtype={}, allocated={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.elem.dtype.bind(py),
            self.raw.len()
        ))
    }
}

// ---- Ring --------------------------------------------------------------------------------

/// A single-producer, single-consumer ring of ``dtype`` elements, as the C++
/// implementation's ``Ring<T>`` (its header stores the capacity in bytes).
#[pyclass(module = "zeroipc._native", frozen, subclass)]
pub(crate) struct Ring {
    raw: zeroipc::RawRing,
    elem: Typed,
}

#[pymethods]
impl Ring {
    /// Creates (``capacity`` elements given, and no entry of that name) or opens the ring
    /// ``name``.
    #[new]
    #[pyo3(signature = (segment, name, dtype, capacity = None))]
    fn new(
        py: Python<'_>,
        segment: &Bound<'_, Segment>,
        name: &str,
        dtype: &Bound<'_, PyArrayDescr>,
        capacity: Option<usize>,
    ) -> PyResult<Ring> {
        let memory = &segment.get().memory;
        let elem = Typed::new(dtype);
        let size = dtype.itemsize();
        if size == 0 {
            return Err(PyValueError::new_err(
                "a ring's elements have at least one byte",
            ));
        }
        let raw = create_or_open_sized(
            py,
            capacity,
            |c| zeroipc::RawRing::create(memory, name, c, size),
            || zeroipc::RawRing::open(memory, name, size),
        )?;
        Ok(Ring { raw, elem })
    }

    /// The table name of the ring.
    #[getter]
    fn name(&self) -> &str {
        self.raw.name()
    }

    /// The number of elements it holds when full.
    #[getter]
    fn capacity(&self) -> usize {
        self.raw.capacity()
    }

    /// The numpy dtype of the elements.
    #[getter]
    fn dtype(&self, py: Python<'_>) -> Py<PyArrayDescr> {
        self.elem.dtype.clone_ref(py)
    }

    /// Writes the longest prefix of ``array`` there is room for (the producer's call).
    ///
    /// Parameters
    /// ----------
    /// array : numpy.ndarray
    ///     C-contiguous, items of the ring's element size, taken in C order.
    ///
    /// Returns
    /// -------
    /// int
    ///     How many elements were written (0 when the ring is full).
    fn write(&self, py: Python<'_>, array: &Bound<'_, PyAny>) -> PyResult<usize> {
        let array = array
            .downcast::<PyUntypedArray>()
            .map_err(|_| PyTypeError::new_err("write takes a numpy.ndarray"))?;
        let elem = self.raw.elem_size();
        let count = check_array(array, elem, false)?;
        if count == 0 {
            return Ok(0);
        }
        // SAFETY: the array is C-contiguous with `count` items of `elem` bytes from its data
        // pointer (checked), alive and unchanged while the GIL is held, which it is for the
        // whole of this function.
        let src = unsafe { std::slice::from_raw_parts(data_ptr(array), count * elem) };
        self.raw.write_bytes(src).py(py)
    }

    /// Appends one ``value``; False if the ring is full.
    fn push(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let bytes = self.elem.encode(py, value)?;
        Ok(self.raw.write_bytes(&bytes).py(py)? == 1)
    }

    /// Reads the oldest element; None if the ring is empty.
    fn pop<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut buf = vec![0u8; self.raw.elem_size()];
        if self.raw.read_bytes(&mut buf).py(py)? == 0 {
            return Ok(None);
        }
        self.elem.decode(py, &buf).map(Some)
    }

    /// Reads up to ``len(out)`` elements, oldest first, into the front of ``out`` (the
    /// consumer's call); how many.
    fn read_into(&self, py: Python<'_>, out: &Bound<'_, PyAny>) -> PyResult<usize> {
        let out = out
            .downcast::<PyUntypedArray>()
            .map_err(|_| PyTypeError::new_err("read_into takes a numpy.ndarray"))?;
        let elem = self.raw.elem_size();
        let count = check_array(out, elem, true)?;
        if count == 0 {
            return Ok(0);
        }
        // SAFETY: as in `write`; the array is writable (checked), and no other reference to
        // its bytes exists in this function.
        let dst = unsafe { std::slice::from_raw_parts_mut(data_ptr(out), count * elem) };
        self.raw.read_bytes(dst).py(py)
    }

    /// Reads up to ``max_n`` elements, oldest first: a new array of the ring's dtype
    /// (empty when the ring is).
    fn read<'py>(&self, py: Python<'py>, max_n: usize) -> PyResult<Bound<'py, PyAny>> {
        let np = py.import("numpy")?;
        let out = np
            .getattr("empty")?
            .call1((max_n, self.elem.dtype.bind(py)))?;
        let n = self.read_into(py, &out)?;
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

    /// The unread elements, oldest first, without reading them: a new array.
    fn peek<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let bytes = pyo3::types::PyBytes::new(py, &self.raw.snapshot());
        let np = py.import("numpy")?;
        np.getattr("frombuffer")?
            .call1((bytes, self.elem.dtype.bind(py)))?
            .call_method0("copy")
    }

    /// The number of unread elements, as of a moment during the call.
    fn size(&self) -> usize {
        self.raw.len()
    }

    /// True if nothing was unread.
    fn empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// True if no element had room.
    fn full(&self) -> bool {
        self.raw.len() == self.raw.capacity()
    }

    fn __len__(&self) -> usize {
        self.raw.len()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Ring(name={}, capacity={}, dtype={}, len={})",
            pyo3::types::PyString::new(py, self.raw.name()).repr()?,
            self.raw.capacity(),
            self.elem.dtype.bind(py),
            self.raw.len()
        ))
    }
}
