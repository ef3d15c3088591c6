//! Lines whose element type is known only at run time: for bindings (the Python package),
//! whose element types are values (numpy dtypes), not Rust types. Hidden from the
//! documentation; the dynamic API's own lines are written by [`super::encode`].

use std::cell::RefCell;
use std::fmt::Write as _;

use super::encode::{encode_line, EntryDesc};
use super::parse::{parse, SchemaEntry};
use super::types::{Type, TypeDesc};
use super::{check_agrees, entry_bytes, Schema};
use crate::error::{Error, Result};

thread_local! {
    /// The line the next entry this thread adds under the line's name records, set for the
    /// length of one [`recording`] call.
    static PENDING: RefCell<Option<SchemaEntry>> = const { RefCell::new(None) };
}

/// Parses one line of schema text (without its `\n`), by the rules a reader applies to a
/// whole schema.
///
/// # Errors
///
/// [`Error::BadSchema`] naming what is wrong.
pub fn parse_line(line: &str) -> Result<SchemaEntry> {
    if line.contains('\n') {
        return Err(Error::BadSchema {
            what: "a line holds a line break".to_owned(),
        });
    }
    let mut text = line.as_bytes().to_vec();
    text.push(b'\n');
    let schema: Schema = parse(&entry_bytes(&text, 0))?;
    schema
        .entries()
        .first()
        .cloned()
        .ok_or_else(|| Error::BadSchema {
            what: "an empty line".to_owned(),
        })
}

/// The canonical line of `entry`, `\n` included: the bytes [`super::encode_line`] writes for
/// the same description.
pub fn encode_entry(entry: &SchemaEntry) -> Vec<u8> {
    let mut out = String::new();
    out.push_str("{\"name\":");
    string(&mut out, &entry.name);
    out.push_str(",\"kind\":");
    string(&mut out, &entry.kind);
    if !entry.params.is_empty() {
        out.push_str(",\"params\":{");
        for (i, (key, value)) in entry.params.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, key);
            out.push(':');
            out.push_str(&value.to_string());
        }
        out.push('}');
    }
    if let Some(ty) = &entry.ty {
        out.push_str(",\"type\":");
        type_json(&mut out, ty);
    }
    if let Some(ty) = &entry.value_ty {
        out.push_str(",\"value_type\":");
        type_json(&mut out, ty);
    }
    if let Some(doc) = entry.doc.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(",\"doc\":");
        string(&mut out, doc);
    }
    if !entry.parts.is_empty() {
        out.push_str(",\"parts\":[");
        for (i, part) in entry.parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(&mut out, part);
        }
        out.push(']');
    }
    out.push_str("}\n");
    out.into_bytes()
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn type_json(out: &mut String, ty: &Type) {
    match ty {
        Type::Scalar(s) => string(out, s),
        Type::Opaque(n) => string(out, &format!("|V{n}")),
        Type::Array { of, shape } => {
            out.push_str("{\"shape\":[");
            let dims: Vec<String> = shape.iter().map(u64::to_string).collect();
            out.push_str(&dims.join(","));
            out.push_str("],\"type\":");
            type_json(out, of);
            out.push('}');
        }
        Type::Record {
            name,
            itemsize,
            fields,
        } => {
            out.push_str("{\"record\":");
            string(out, name);
            let _ = write!(out, ",\"itemsize\":{itemsize},\"fields\":[");
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"name\":");
                string(out, &f.name);
                let _ = write!(out, ",\"offset\":{},\"type\":", f.offset);
                type_json(out, &f.ty);
                out.push('}');
            }
            out.push_str("]}");
        }
    }
}

/// Runs `f`, during which the first entry this thread adds under `line.name` records what
/// `line` says in the segment's schema (if the segment has one): all of it for an entry
/// added by the run-time-sized constructors (`RawArray::create`, `RawQueue::create`, ...),
/// which record nothing of their own; for a structure that records its own line (a
/// `Signal<[u8; N]>`), only `line`'s element type, in place of the opaque bytes the crate
/// knows, where the kinds are the same and the sizes equal. The line is validated first.
///
/// # Errors
///
/// [`Error::BadSchema`] if `line` is not a valid line (its canonical text parsed again);
/// otherwise what `f` returns.
pub fn recording<R>(line: &SchemaEntry, f: impl FnOnce() -> Result<R>) -> Result<R> {
    parse(&entry_bytes(&encode_entry(line), 0))?;
    PENDING.with(|p| *p.borrow_mut() = Some(line.clone()));
    let _clear = Clear;
    f()
}

fn take(name: &str) -> Option<SchemaEntry> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.as_ref().is_some_and(|e| e.name == name) {
            p.take()
        } else {
            None
        }
    })
}

/// Clears the pending line when a [`recording`] call ends, also by unwinding.
struct Clear;

impl Drop for Clear {
    fn drop(&mut self) {
        PENDING.with(|p| p.borrow_mut().take());
    }
}

/// The text of the line set by [`recording`] for `name`, taken (so it is recorded once).
pub(crate) fn take_pending(name: &str) -> Option<Vec<u8>> {
    take(name).map(|e| encode_entry(&e))
}

/// The text of the crate's own `line`, with the element type set by [`recording`] for its
/// name in place of opaque bytes of the same size, for an entry of the same kind.
pub(crate) fn line_text(line: &EntryDesc<'_>) -> Vec<u8> {
    let Some(pending) = take(line.name).filter(|p| p.kind == line.kind) else {
        return encode_line(line);
    };
    // The pending type, where the crate's own is opaque bytes of the same size.
    let better = |own: &Option<TypeDesc>, pending: Option<Type>| match (own, pending) {
        (Some(TypeDesc::Opaque { size }), Some(ty)) if ty.size() == Some(*size as u64) => Some(ty),
        _ => None,
    };
    let (ty, value_ty) = (
        better(&line.ty, pending.ty),
        better(&line.value_ty, pending.value_ty),
    );
    if ty.is_none() && value_ty.is_none() {
        return encode_line(line);
    }
    let mut entry = SchemaEntry::from_desc(line);
    entry.ty = ty.or(entry.ty);
    entry.value_ty = value_ty.or(entry.value_ty);
    encode_entry(&entry)
}

/// Checks that the type the schema of `mem` records for entry `name` (if it has a schema
/// that gives one) agrees with `ty` ([`Type::agrees`]): for bindings, whose element types
/// are values, as the typed `open`s check theirs.
///
/// # Errors
///
/// [`Error::TypeMismatch`] naming the entry and both types; [`Error::BadSchema`] for a
/// damaged schema.
pub fn check_type(mem: &crate::memory::Memory, name: &str, ty: &Type) -> Result<()> {
    let Some(schema) = super::read(mem)? else {
        return Ok(());
    };
    check_agrees(name, ty, schema.get(name).and_then(|line| line.ty.as_ref()))
}

impl SchemaEntry {
    /// A description of `name` of `kind`, for [`recording`].
    pub fn new(name: &str, kind: &str, params: Vec<(String, u64)>, ty: Option<Type>) -> Self {
        SchemaEntry {
            name: name.to_owned(),
            kind: kind.to_owned(),
            params,
            ty,
            value_ty: None,
            doc: None,
            parts: Vec::new(),
        }
    }

    /// The owned form of a description: what a reader parses from its
    /// [`encode_line`] text.
    fn from_desc(desc: &EntryDesc<'_>) -> Self {
        SchemaEntry {
            name: desc.name.to_owned(),
            kind: desc.kind.to_owned(),
            // A parameter with an empty key is not written (see `Out::line`).
            params: desc
                .params
                .iter()
                .filter(|(key, _)| !key.is_empty())
                .map(|&(key, value)| (key.to_owned(), value))
                .collect(),
            ty: desc.ty.as_ref().map(Type::from_desc),
            value_ty: desc.value_ty.as_ref().map(Type::from_desc),
            doc: Some(desc.doc.to_owned()).filter(|d| !d.is_empty()),
            parts: desc.parts.iter().map(|&p| p.to_owned()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::Memory;
    use crate::schema::{read, Field};
    use crate::test_util::unique_name;
    use crate::{RawArray, Signal};

    struct Seg {
        mem: Memory,
        name: String,
    }

    impl Seg {
        fn new(schema: Option<usize>) -> Seg {
            let name = unique_name();
            let mem = Memory::options()
                .schema(schema)
                .create(&name, 1 << 16)
                .unwrap();
            Seg { mem, name }
        }
    }

    impl Drop for Seg {
        fn drop(&mut self) {
            let _ = Memory::unlink(&self.name);
        }
    }

    fn record() -> Type {
        Type::Record {
            name: String::new(),
            itemsize: 16,
            fields: vec![
                Field::new("id", 0, Type::Scalar("<u4".into())),
                Field::new(
                    "xyz",
                    4,
                    Type::Array {
                        of: Box::new(Type::Scalar("<f4".into())),
                        shape: vec![3],
                    },
                ),
            ],
        }
    }

    #[test]
    fn the_run_time_encoder_writes_what_the_const_one_does() {
        let line = EntryDesc {
            params: &[("", 3), ("capacity", 8)],
            ty: Some(<[[u16; 2]; 3] as crate::schema::Describe>::TYPE),
            doc: "a \"quoted\"\nline\u{1}",
            parts: &["a_state", "a_mtx"],
            ..EntryDesc::new("a", "queue")
        };
        let text = encode_line(&line);
        let parsed = parse_line(std::str::from_utf8(&text).unwrap().trim_end()).unwrap();
        assert_eq!(encode_entry(&parsed), text);
        assert_eq!(SchemaEntry::from_desc(&line), parsed);
    }

    #[test]
    fn a_raw_structure_records_the_line_it_is_given() {
        let seg = Seg::new(Some(1024));
        let line = SchemaEntry::new("pts", "array", vec![("len".into(), 4)], Some(record()));
        recording(&line, || RawArray::create(&seg.mem, "pts", 4, 16)).unwrap();
        RawArray::create(&seg.mem, "plain", 4, 16).unwrap();
        let schema = read(&seg.mem).unwrap().unwrap();
        assert_eq!(schema.entries(), std::slice::from_ref(&line));
        // Taken once: nothing is pending after the call.
        assert!(take_pending("pts").is_none());
    }

    #[test]
    fn a_line_for_another_name_or_a_bad_line_records_nothing() {
        let seg = Seg::new(Some(1024));
        let other = SchemaEntry::new("other", "array", vec![], None);
        recording(&other, || RawArray::create(&seg.mem, "pts", 4, 16)).unwrap();
        let bad = SchemaEntry::new("pts2", "Not A Kind", vec![], None);
        assert!(matches!(
            recording(&bad, || RawArray::create(&seg.mem, "pts2", 4, 16)),
            Err(Error::BadSchema { .. })
        ));
        assert!(seg.mem.find("pts2").is_err());
        assert!(read(&seg.mem).unwrap().unwrap().entries().is_empty());
    }

    #[test]
    fn a_run_time_type_is_checked_against_the_recorded_one() {
        let seg = Seg::new(Some(1024));
        let line = SchemaEntry::new("pts", "array", vec![("len".into(), 4)], Some(record()));
        recording(&line, || RawArray::create(&seg.mem, "pts", 4, 16)).unwrap();
        check_type(&seg.mem, "pts", &record()).unwrap();
        check_type(&seg.mem, "pts", &Type::Opaque(16)).unwrap();
        check_type(&seg.mem, "undescribed", &Type::Opaque(1)).unwrap();
        let err = check_type(&seg.mem, "pts", &Type::Opaque(8)).unwrap_err();
        assert!(matches!(err, Error::TypeMismatch { ref name, .. } if name == "pts"));
    }

    #[test]
    fn a_structure_s_own_line_takes_a_type_of_its_size_and_kind_only() {
        let seg = Seg::new(Some(4096));
        let sig = SchemaEntry::new("sig", "signal", vec![], Some(record()));
        recording(&sig, || {
            Signal::<[u8; 16]>::create(&seg.mem, "sig", [0; 16])
        })
        .unwrap();
        let small = SchemaEntry::new("small", "signal", vec![], Some(record()));
        recording(&small, || {
            Signal::<[u8; 8]>::create(&seg.mem, "small", [0; 8])
        })
        .unwrap();
        let kind = SchemaEntry::new("kind", "queue", vec![], Some(record()));
        recording(&kind, || {
            Signal::<[u8; 16]>::create(&seg.mem, "kind", [0; 16])
        })
        .unwrap();
        let schema = read(&seg.mem).unwrap().unwrap();
        let sig = schema.get("sig").unwrap();
        assert_eq!((sig.ty.as_ref(), sig.parts.len()), (Some(&record()), 2));
        assert_eq!(schema.get("small").unwrap().ty, Some(Type::Opaque(8)));
        assert_eq!(schema.get("kind").unwrap().ty, Some(Type::Opaque(16)));
    }
}
