//! The schema entry: a description of a segment's other entries (kind, parameters, element
//! type, documentation) that travels with the segment, so that every reader, in any
//! language, knows what a declaration in Rust said.
//!
//! The schema is one ordinary table entry called [`ENTRY_NAME`], a name no user entry can
//! take. Its bytes are a 16-byte header and UTF-8 text:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 4 | magic, [`MAGIC`] (the bytes `ZSCH`) |
//! | 4 | 4 | version, [`VERSION`] |
//! | 8 | 4 | length: bytes of text in use, at most the entry's size less 16 and [`MAX_TEXT_LEN`] |
//! | 12 | 4 | reserved, 0 |
//! | 16 | length | JSON lines: one JSON object per entry, each ended by `\n` |
//!
//! Text is only ever appended: a writer adds a line past `length`, then stores the new
//! `length` (release ordering), under the table's lock and after the entry it describes is
//! published, so a reader that loads `length` (acquire) reads whole lines only, each about
//! an entry the table already holds. The line grammar, the type strings and the limits are
//! written down in `SPECIFICATION.md`; [`encode`] writes them and [`parse`] reads them.
//!
//! Element types describe themselves through [`Describe`]: the primitives map to numpy's
//! type strings (`<f4`, `<u8`, ...), arrays of them to a shape, and a `#[repr(C)]` struct
//! with `#[derive(zeroipc::Record)]` to a record of named fields at their offsets. A type
//! without a description is "opaque bytes of its size" (`|V<n>`), and comparisons at open
//! then compare sizes only.

mod encode;
mod parse;
mod runtime;
mod types;

pub use encode::{encode, encode_line, encoded_len, EntryDesc, Out};
pub use parse::{parse, Schema, SchemaEntry};
#[doc(hidden)]
pub use runtime::{check_type, encode_entry, parse_line, recording};
pub(crate) use runtime::{line_text, take_pending};
pub use types::{
    element_type, DeclaredProbe, DeclaredProbeFallback, DeclaredValue, DeclaredValueProbe,
    DeclaredValueProbeFallback, Describe, Field, FieldDesc, Probe, ProbeFallback, Type, TypeDesc,
};

use crate::atomic::Ordering;
use crate::error::{Error, Result};
use crate::memory::Memory;
use crate::region::Region;

/// The table name of the schema entry; refused as the name of any other entry.
pub const ENTRY_NAME: &str = "zeroipc.schema";
/// The first word of the schema entry: the bytes `ZSCH`.
pub const MAGIC: u32 = u32::from_le_bytes(*b"ZSCH");
/// The schema encoding this crate writes and reads.
pub const VERSION: u32 = 1;
/// Bytes before the text.
pub const HEADER_SIZE: usize = 16;
/// The most text a schema may hold: a reader refuses a longer `length` before reading it.
pub const MAX_TEXT_LEN: usize = 1 << 20;
/// The most bytes one line may hold.
pub const MAX_LINE_LEN: usize = 1 << 16;
/// The deepest nesting of JSON arrays and objects a line may have (the line's own object
/// is depth 1).
pub const MAX_JSON_DEPTH: usize = 16;
/// The deepest nesting of element types (arrays of records of arrays ...): a scalar is 1.
pub const MAX_TYPE_DEPTH: usize = 6;
/// The most fields a record may have.
pub const MAX_FIELDS: usize = 1024;
/// The longest `doc` string, in bytes.
pub const MAX_DOC_LEN: usize = 4096;

const LENGTH_OFFSET: u64 = 8;

/// [`Error::InvalidName`] for [`ENTRY_NAME`]: no structure may take the schema's name.
pub(crate) fn check_user_name(name: &str) -> Result<()> {
    if name == ENTRY_NAME {
        return Err(Error::InvalidName {
            name: name.to_owned(),
            reason: "the name of the schema entry is reserved",
        });
    }
    Ok(())
}

/// The size of a schema entry holding `text_len` bytes of text.
pub const fn entry_size(text_len: usize) -> usize {
    HEADER_SIZE + text_len
}

/// The schema entry's bytes for `text` (header and text), with `spare` more zero bytes of
/// room for lines added later.
pub(crate) fn entry_bytes(text: &[u8], spare: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_SIZE + text.len() + spare);
    bytes.extend_from_slice(&MAGIC.to_le_bytes());
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    bytes.extend_from_slice(&len.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(text);
    bytes.resize(HEADER_SIZE + text.len() + spare, 0);
    bytes
}

/// The schema of `mem`, if it has a schema entry, read and checked now: its text parsed, and
/// every entry it names present in the table.
///
/// # Errors
///
/// [`Error::BadSchema`] naming what is wrong with a damaged schema; a validation error if the
/// table is corrupt.
pub fn read(mem: &Memory) -> Result<Option<Schema>> {
    let entries: Vec<_> = mem.entries()?.collect();
    let Some(entry) = entries.iter().find(|e| e.name() == ENTRY_NAME) else {
        return Ok(None);
    };
    let bytes = read_entry_bytes(mem.region(), entry.offset(), entry.size())?;
    let schema = parse(&bytes)?;
    for line in schema.entries() {
        if !entries.iter().any(|e| e.name() == line.name) {
            return Err(Error::BadSchema {
                what: format!(
                    "it describes entry {:?}, which the table does not hold",
                    line.name
                ),
            });
        }
    }
    Ok(Some(schema))
}

/// The header and text in use of the schema entry at `offset`: `length` is loaded once
/// (acquire) and bounded before anything else is read.
fn read_entry_bytes(region: &Region, offset: u64, size: u64) -> Result<Vec<u8>> {
    if size < HEADER_SIZE as u64 {
        return Err(Error::BadSchema {
            what: format!("its entry has {size} bytes, fewer than its {HEADER_SIZE}-byte header"),
        });
    }
    let length = region
        .atomic_u32(offset + LENGTH_OFFSET)
        .ok_or_else(|| Error::BadSchema {
            what: "its header lies outside the segment".to_owned(),
        })?
        // Acquire: pairs with the Release store of the length in `append`, so the text
        // below it is written.
        .load(Ordering::Acquire);
    let capacity = size - HEADER_SIZE as u64;
    if u64::from(length) > capacity || length as usize > MAX_TEXT_LEN {
        return Err(Error::BadSchema {
            what: format!(
                "its length {length} is beyond its entry's {capacity} bytes of text or the limit of {MAX_TEXT_LEN}"
            ),
        });
    }
    let mut bytes = vec![0u8; HEADER_SIZE + length as usize];
    region
        .read_bytes(offset, &mut bytes)
        .ok_or_else(|| Error::BadSchema {
            what: "its text lies outside the segment".to_owned(),
        })?;
    bytes[8..12].copy_from_slice(&length.to_le_bytes());
    Ok(bytes)
}

/// A line to append to a segment's schema: where the schema entry is, the line, and the new
/// length. Prepared before anything is written, published last.
pub(crate) struct Append {
    length_at: u64,
    new_length: u32,
}

/// Writes `line` past the text of the schema entry at `(offset, size)`, invisible until
/// [`publish`]; `None` (nothing written) where the schema has no room left: a schema that is
/// full leaves later entries undescribed, as entries of implementations that write no schema
/// are. Called under the table's lock.
///
/// # Errors
///
/// [`Error::BadSchema`] if the schema's header is damaged.
pub(crate) fn append(
    region: &Region,
    offset: u64,
    size: u64,
    line: &[u8],
) -> Result<Option<Append>> {
    let bytes = read_entry_bytes(region, offset, size)?;
    check_header(&bytes)?;
    let length = bytes.len() - HEADER_SIZE;
    let new_length = length + line.len();
    if new_length as u64 > size - HEADER_SIZE as u64 || new_length > MAX_TEXT_LEN {
        return Ok(None);
    }
    let at = offset + (HEADER_SIZE + length) as u64;
    region
        .write_bytes(at, line)
        .ok_or_else(|| Error::BadSchema {
            what: "its text lies outside the segment".to_owned(),
        })?;
    Ok(Some(Append {
        length_at: offset + LENGTH_OFFSET,
        new_length: new_length as u32,
    }))
}

/// The tools' reading of the schema entry, of `size` bytes starting with `head`: kind
/// `"schema"`, where its magic is there; the text itself is read with [`read`].
pub(crate) fn reading(size: u64, head: &[u8]) -> Option<crate::inspect::Reading> {
    check_header(head).ok()?;
    let length = head.get(8..12)?;
    let length = u32::from_le_bytes([length[0], length[1], length[2], length[3]]);
    let mut r = crate::inspect::Reading::new(
        "schema",
        format!("the segment's schema: {length} bytes of text in an entry of {size}"),
    );
    if u64::from(length) > size.saturating_sub(HEADER_SIZE as u64) {
        r.inconsistent = Some(format!("its length {length} is past its entry"));
    }
    Some(r)
}

/// Publishes an appended line: stores the schema's new length.
pub(crate) fn publish(region: &Region, append: &Append) {
    if let Some(word) = region.atomic_u32(append.length_at) {
        // Release: pairs with the Acquire load of the length in `read_entry_bytes`, so a
        // reader that sees the new length sees the line.
        word.store(append.new_length, Ordering::Release);
    }
}

/// The magic and version of a schema entry's first bytes.
pub(crate) fn check_header(bytes: &[u8]) -> Result<()> {
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let (Some(magic), Some(version)) = (word(0), word(4)) else {
        return Err(Error::BadSchema {
            what: format!("its entry is shorter than its {HEADER_SIZE}-byte header"),
        });
    };
    if magic != MAGIC {
        return Err(Error::BadSchema {
            what: format!("its magic is {magic:#010x}, not {MAGIC:#010x} (`ZSCH`)"),
        });
    }
    if version != VERSION {
        return Err(Error::BadSchema {
            what: format!("its version is {version}; this implementation reads version {VERSION}"),
        });
    }
    Ok(())
}

/// Checks that the element type the schema records for entry `name` (if the segment has a
/// schema that describes it) is `expected`, comparing what both know: see [`Type::agrees`].
///
/// # Errors
///
/// [`Error::TypeMismatch`] naming the entry and both types; [`Error::BadSchema`] for a
/// damaged schema.
pub(crate) fn expect_type(mem: &Memory, name: &str, expected: &TypeDesc) -> Result<()> {
    check_type(mem, name, &Type::from_desc(expected))
}

/// Whether `found`, the type a schema records for entry `name` (if it records one), agrees
/// with `expected` ([`Type::agrees`]).
///
/// # Errors
///
/// [`Error::TypeMismatch`] naming the entry and both types.
fn check_agrees(name: &str, expected: &Type, found: Option<&Type>) -> Result<()> {
    match found {
        Some(found) if !expected.agrees(found) => Err(Error::TypeMismatch {
            name: name.to_owned(),
            expected: expected.to_string(),
            found: found.to_string(),
        }),
        _ => Ok(()),
    }
}

/// Checks the declared entries `declared` against the schema of `mem`, if it has one: each
/// declared entry the schema describes has the declared kind and an agreeing element type.
/// Entries the schema does not describe (made by an implementation that writes none) pass.
///
/// # Errors
///
/// [`Error::Field`] around [`Error::TypeMismatch`] or [`Error::DeclarationMismatch`]-like
/// [`Error::KindMismatch`]; [`Error::BadSchema`] for a damaged schema.
pub fn check_declared(
    mem: &Memory,
    fields: &[&'static str],
    declared: &[EntryDesc<'_>],
) -> Result<()> {
    let Some(schema) = read(mem)? else {
        return Ok(());
    };
    for (field, entry) in fields.iter().zip(declared) {
        let Some(line) = schema.get(entry.name) else {
            continue;
        };
        if !entry.kind.is_empty() && line.kind != entry.kind {
            return Err(Error::KindMismatch {
                name: entry.name.to_owned(),
                expected: entry.kind.to_owned(),
                found: line.kind.clone(),
            }
            .in_field(field));
        }
        if let Some(expected) = &entry.ty {
            check_agrees(entry.name, &Type::from_desc(expected), line.ty.as_ref())
                .map_err(|e| e.in_field(field))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
