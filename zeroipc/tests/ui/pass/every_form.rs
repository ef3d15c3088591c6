// Every accepted form: table size, paths to the types, raw identifiers, 31-byte names, keys
// spread over several attributes, other attributes kept, any visibility, derives, an empty
// segment, sizes given as constants and constant expressions, records as elements.
#![deny(missing_docs)]
//! Every accepted form.

use zeroipc::Array;

/// A size given as a constant.
pub const SLOTS: usize = 4;

/// A record: its fields travel into the schema.
#[derive(Clone, Copy, Debug, zeroipc::Record)]
#[repr(C)]
pub struct Reading {
    /// When.
    pub t: f64,
    /// Where.
    pub at: [u16; 4],
}

/// A declared segment with everything the macro accepts.
#[zeroipc::segment(max_entries = 8)]
#[derive(Debug, Clone)]
pub struct Everything {
    /// Doc comments stay.
    #[zeroipc(len = 1_000)]
    #[zeroipc(name = "a_name_of_exactly_31_bytes_long")]
    pub temps: zeroipc::Array<f32>,
    /// A raw identifier; its table name is `type`.
    #[zeroipc(len = 2)]
    pub(crate) r#type: Array<u8>,
    #[zeroipc(capacity = 2, name = "q")]
    queue: ::zeroipc::Queue<u8>,
    /// A stack's capacity need not be a power of two.
    #[zeroipc(capacity = 5)]
    pub stack: zeroipc::Stack<i16>,
    /// A field name of 31 bytes is a table name of 31 bytes.
    #[zeroipc(len = 1)]
    pub field_name_of_exactly_31_bytes: Array<u64>,
    /// Sizes as constants and constant expressions.
    #[zeroipc(capacity = 2 * SLOTS)]
    pub readings: zeroipc::Queue<Reading>,
    /// A constant.
    #[zeroipc(len = SLOTS)]
    pub last: Array<Reading>,
}

/// No entries: a table and nothing else.
#[zeroipc::segment(max_entries = 1)]
pub struct Empty {}

const _: () = assert!(Everything::MAX_ENTRIES == 8);
// The table of one slot, then the schema entry: its 16-byte header and no text.
const _: () = assert!(Empty::SIZE == 32 + 48 + 16);

fn main() {
    assert_eq!(Everything::ENTRIES[1].name, "type");
    assert_eq!(Everything::ENTRIES[2].name, "q");
    let _ = |e: &Everything| (e.queue.capacity(), e.clone());
}
