//! What the output of `#[zeroipc::segment]` names, and nothing else.
//!
//! Generated code reaches every runtime item through `::zeroipc::__private::...` (or the path
//! a `crate = "..."` argument gives), so it never depends on what the user has imported. Not
//! part of the public API: these items may change with any release of the two crates, which
//! are always used at the same version.

pub use crate::declare::{
    create_segment, field, has_key, has_pair, open_segment, Declare, DeclaredEntry, Element,
    Message, Mode, Params, SegmentOptions,
};
pub use crate::error::Result;
pub use crate::layout;
pub use crate::memory::Memory;
pub use crate::schema::{
    check_declared, element_type, encode, encoded_len, entry_size, DeclaredProbe,
    DeclaredProbeFallback, DeclaredValueProbe, DeclaredValueProbeFallback, Describe, EntryDesc,
    FieldDesc, TypeDesc,
};
pub use bytemuck;
