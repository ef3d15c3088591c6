//! `zeroipc._native`: the Python package's structures, as bindings of the `zeroipc` crate.
//!
//! Every algorithm is the crate's own: this module converts Python values to and from the
//! bytes of an element, maps the crate's errors to the package's exception classes
//! (`zeroipc.errors`), and waits in slices with the GIL released so that other threads run
//! and Ctrl-C interrupts a wait.

// Doc comments of Python-visible items are the Python docstrings, in numpydoc form, which
// names Python types without backticks.
#![allow(clippy::doc_markdown)]

use pyo3::prelude::*;

mod errors;
mod ext;
mod queue;
mod schema;
mod segment;
mod stack;
mod sync;
mod values;
mod waiting;

/// The native module: `Segment`, `Queue`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<segment::Segment>()?;
    m.add_class::<queue::Queue>()?;
    m.add_class::<stack::Stack>()?;
    m.add_class::<ext::Map>()?;
    m.add_class::<ext::Set>()?;
    m.add_class::<ext::Pool>()?;
    m.add_class::<ext::Ring>()?;
    m.add_class::<sync::Semaphore>()?;
    m.add_class::<sync::Mutex>()?;
    m.add_class::<sync::Once>()?;
    m.add_class::<sync::Latch>()?;
    m.add_class::<sync::Barrier>()?;
    m.add_class::<sync::Event>()?;
    m.add_class::<sync::RwLock>()?;
    m.add_class::<sync::Held>()?;
    m.add_class::<sync::Monitor>()?;
    m.add_class::<sync::Signal>()?;
    schema::register(m)?;
    Ok(())
}
