//! The data structures a segment holds, one per file.

#[cfg(not(loom))]
pub(crate) mod array;
pub(crate) mod queue;
#[cfg(not(loom))]
pub(crate) mod ring;
pub(crate) mod slots;
pub(crate) mod stack;
pub(crate) mod wait;
