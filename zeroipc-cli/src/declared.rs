//! What a segment's schema entry (`zeroipc.schema`) declares about its entries: read from
//! the segment's bytes without trusting them, for `show`, `check` and `dump`.

use std::fmt::Write as _;

use serde::Serialize;
use zeroipc::inspect::RawTable;
use zeroipc::schema::{self, Schema, SchemaEntry, Type};

use crate::dump::{elem_type, with_type, ElemType};
use crate::segment::SegmentFile;

/// The schema of a segment that has a schema entry: parsed, or what is wrong with it.
pub(crate) struct SchemaRead {
    /// The schema entry's slot in the table.
    pub(crate) index: u32,
    pub(crate) result: Result<Schema, String>,
}

/// Reads the schema entry of `table`, if there is one.
pub(crate) fn read(file: &SegmentFile, table: &RawTable) -> Option<SchemaRead> {
    let e = table
        .entries
        .iter()
        .find(|e| e.name() == Some(schema::ENTRY_NAME))?;
    let want = e
        .size
        .min((schema::HEADER_SIZE + schema::MAX_TEXT_LEN) as u64);
    let bytes = file.read_at(e.offset, want);
    let result = if (bytes.len() as u64) < want {
        Err("its entry lies past the end of the segment".to_owned())
    } else {
        schema::parse(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|s| {
                match s
                    .entries()
                    .iter()
                    .find(|d| !table.entries.iter().any(|e| e.name() == Some(&d.name)))
                {
                    Some(d) => Err(format!(
                        "bad schema entry \"{}\": it describes entry {:?}, which the table does not hold",
                        schema::ENTRY_NAME,
                        d.name
                    )),
                    None => Ok(s),
                }
            })
    };
    Some(SchemaRead {
        index: e.index,
        result,
    })
}

/// What the schema declares about one entry, as `show --json` writes it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Declared {
    pub(crate) kind: String,
    pub(crate) params: std::collections::BTreeMap<String, u64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub(crate) ty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) doc: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) parts: Vec<String>,
    /// One line, for people.
    pub(crate) description: String,
}

impl Declared {
    pub(crate) fn of(e: &SchemaEntry) -> Declared {
        Declared {
            kind: e.kind.clone(),
            params: e.params.iter().cloned().collect(),
            ty: e.ty.as_ref().map(ToString::to_string),
            doc: e.doc.clone(),
            parts: e.parts.clone(),
            description: describe(e),
        }
    }

    /// The schema entry itself.
    pub(crate) fn schema(described: usize) -> Declared {
        let plural = if described == 1 { "y" } else { "ies" };
        Declared {
            kind: "schema".to_owned(),
            params: std::collections::BTreeMap::new(),
            ty: None,
            doc: None,
            parts: Vec::new(),
            description: format!("the segment's schema: the types of {described} entr{plural}"),
        }
    }
}

/// `array of 16 f32 (<f4)`, `queue of 8 slots of u64 (<u8)`, `semaphore (count 1, max 4)`.
pub(crate) fn describe(e: &SchemaEntry) -> String {
    let ty =
        e.ty.as_ref()
            .map_or_else(|| "elements".to_owned(), ToString::to_string);
    match (e.kind.as_str(), e.param("len"), e.param("capacity")) {
        ("array", Some(len), _) => format!("array of {len} {ty}"),
        ("queue" | "stack", _, Some(cap)) => format!("{} of {cap} slots of {ty}", e.kind),
        _ => {
            let mut s = e.kind.clone();
            if !e.params.is_empty() {
                let params: Vec<String> =
                    e.params.iter().map(|(k, v)| format!("{k} {v}")).collect();
                let _ = write!(s, " ({})", params.join(", "));
            }
            if let Some(t) = &e.ty {
                let _ = write!(s, " of {t}");
            }
            if !e.parts.is_empty() {
                let _ = write!(s, ", parts {}", e.parts.join(", "));
            }
            s
        }
    }
}

/// One value of type `ty` from its little-endian bytes, as text: numbers as Rust prints
/// them, arrays as `[a, b]`, records as `{name: value, ...}`, opaque bytes in hex.
pub(crate) fn format_value(ty: &Type, bytes: &[u8]) -> String {
    let mut s = String::new();
    write_value(&mut s, ty, bytes);
    s
}

fn write_value(s: &mut String, ty: &Type, bytes: &[u8]) {
    match ty {
        Type::Scalar(_) => {
            let text = elem_type(ty).and_then(|e| {
                with_type!(e, T => bytes
                    .get(..size_of::<T>())
                    .map(|b| bytemuck::pod_read_unaligned::<T>(b).to_string()))
            });
            s.push_str(text.as_deref().unwrap_or("?"));
        }
        Type::Opaque(_) => {
            s.push_str("0x");
            for b in bytes {
                let _ = write!(s, "{b:02x}");
            }
        }
        Type::Array { of, shape } => {
            let count = shape.iter().product::<u64>();
            let size = of.size().unwrap_or(0) as usize;
            s.push('[');
            for i in 0..count as usize {
                if i > 0 {
                    s.push_str(", ");
                }
                let at = i * size;
                write_value(s, of, bytes.get(at..at + size).unwrap_or(&[]));
            }
            s.push(']');
        }
        Type::Record { fields, .. } => {
            s.push('{');
            for (i, f) in fields.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                let at = f.offset as usize;
                let size = f.ty.size().unwrap_or(0) as usize;
                let _ = write!(s, "{}: ", f.name);
                write_value(s, &f.ty, bytes.get(at..at + size).unwrap_or(&[]));
            }
            s.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroipc::schema::Field;

    #[test]
    fn values_are_printed_by_their_type() {
        let ty = Type::Record {
            name: "R".into(),
            itemsize: 16,
            fields: vec![
                Field::new("t", 0, Type::Scalar("<f8".into())),
                Field::new(
                    "v",
                    8,
                    Type::Array {
                        of: Box::new(Type::Scalar("<i2".into())),
                        shape: vec![2],
                    },
                ),
                Field::new("raw", 12, Type::Opaque(4)),
            ],
        };
        let mut bytes = 1.5f64.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(-3i16).to_le_bytes());
        bytes.extend_from_slice(&7i16.to_le_bytes());
        bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            format_value(&ty, &bytes),
            "{t: 1.5, v: [-3, 7], raw: 0xdeadbeef}"
        );
        // Short bytes print as unknown, never panic.
        assert_eq!(format_value(&ty, &bytes[..3]), "{t: ?, v: [?, ?], raw: 0x}");
    }
}
