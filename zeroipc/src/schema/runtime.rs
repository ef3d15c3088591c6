//! Lines whose element type is known only at run time: for bindings (the Python package),
//! whose element types are values (numpy dtypes), not Rust types. Hidden from the
//! documentation; the dynamic API's own lines are written by [`super::encode`].

use std::cell::RefCell;

use super::parse::{parse, SchemaEntry};
use super::types::Type;
use super::{entry_bytes, Schema};
use crate::error::{Error, Result};

thread_local! {
    /// The line the next entry this thread adds under the line's name records, set for the
    /// length of one [`recording`] call.
    static PENDING: RefCell<Option<(String, Vec<u8>)>> = const { RefCell::new(None) };
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
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
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
            out.push_str(&format!(",\"itemsize\":{itemsize},\"fields\":["));
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"name\":");
                string(out, &f.name);
                out.push_str(&format!(",\"offset\":{},\"type\":", f.offset));
                type_json(out, &f.ty);
                out.push('}');
            }
            out.push_str("]}");
        }
    }
}

/// Runs `f`, during which the first entry this thread adds through the dynamic API's
/// run-time-sized constructors (`RawArray::create`, `RawQueue::create`, ...) under
/// `line.name` records `line` in the segment's schema (if the segment has one), in place
/// of nothing. The line is validated first.
///
/// # Errors
///
/// [`Error::BadSchema`] if `line` is not a valid line (its canonical text parsed again);
/// otherwise what `f` returns.
pub fn recording<R>(line: &SchemaEntry, f: impl FnOnce() -> Result<R>) -> Result<R> {
    let text = encode_entry(line);
    let checked = std::str::from_utf8(&text)
        .ok()
        .and_then(|t| t.strip_suffix('\n'))
        .ok_or_else(|| Error::BadSchema {
            what: "a line that is not UTF-8".to_owned(),
        })?;
    parse_line(checked)?;
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            PENDING.with(|p| p.borrow_mut().take());
        }
    }
    PENDING.with(|p| *p.borrow_mut() = Some((line.name.clone(), text)));
    let _clear = Clear;
    f()
}

/// The line set by [`recording`] for `name`, taken (so it is recorded once).
pub(crate) fn take_pending(name: &str) -> Option<Vec<u8>> {
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        if p.as_ref().is_some_and(|(n, _)| n == name) {
            p.take().map(|(_, text)| text)
        } else {
            None
        }
    })
}

impl SchemaEntry {
    /// A description of `name` of `kind`, for [`recording`].
    pub fn new(name: &str, kind: &str, params: Vec<(String, u64)>, ty: Option<Type>) -> Self {
        SchemaEntry {
            name: name.to_owned(),
            kind: kind.to_owned(),
            params,
            ty,
            doc: None,
            parts: Vec::new(),
        }
    }
}
