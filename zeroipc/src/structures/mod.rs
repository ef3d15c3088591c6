//! The data structures a segment holds, one per file.

pub(crate) mod array;
