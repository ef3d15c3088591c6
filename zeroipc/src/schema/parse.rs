//! The reader: a schema entry's bytes, untrusted, to a [`Schema`], or an error naming what is
//! wrong. Sizes and nesting are bounded before any JSON is parsed.

use serde_json::{Map, Value};

use super::types::{Field, Type};
use super::{
    check_header, ENTRY_NAME, HEADER_SIZE, MAX_DOC_LEN, MAX_FIELDS, MAX_JSON_DEPTH, MAX_LINE_LEN,
    MAX_TEXT_LEN, MAX_TYPE_DEPTH,
};
use crate::error::{Error, Result};
use crate::layout;

/// The longest kind, parameter key, record name or field name a schema may hold.
const MAX_WORD_LEN: usize = 64;
/// The most dimensions of an array type.
const MAX_SHAPE_DIMS: usize = 8;
/// The most parts of a composite.
const MAX_PARTS: usize = 16;

/// A segment's schema, as read: one [`SchemaEntry`] per line, in the order written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Schema {
    entries: Vec<SchemaEntry>,
}

impl Schema {
    /// The described entries, in the order written.
    pub fn entries(&self) -> &[SchemaEntry] {
        &self.entries
    }

    /// The description of the entry called `name`.
    pub fn get(&self, name: &str) -> Option<&SchemaEntry> {
        self.entries.iter().find(|e| e.name == name)
    }
}

/// What a schema says about one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchemaEntry {
    /// The entry's table name.
    pub name: String,
    /// Its kind (`"array"`, `"queue"`, ...).
    pub kind: String,
    /// Its parameters, in the order written.
    pub params: Vec<(String, u64)>,
    /// Its element type, if it has elements (a map's key type).
    pub ty: Option<Type>,
    /// A map's value type.
    pub value_ty: Option<Type>,
    /// Its description, if any.
    pub doc: Option<String>,
    /// The entries a composite is made of.
    pub parts: Vec<String>,
}

impl SchemaEntry {
    /// The value of parameter `key`.
    pub fn param(&self, key: &str) -> Option<u64> {
        self.params.iter().find(|(k, _)| k == key).map(|&(_, v)| v)
    }

    /// The size its table entry has by the format's layout, where its kind, parameters and
    /// element type fix one: an array's, a queue's or a stack's, or a primitive's; `None`
    /// for other kinds (composites' parts, kinds this crate does not know) or on overflow.
    pub fn expected_size(&self) -> Option<u64> {
        let elem = || {
            self.ty
                .as_ref()
                .and_then(Type::size)
                .and_then(|s| usize::try_from(s).ok())
        };
        let param = |key| self.param(key).and_then(|v| usize::try_from(v).ok());
        let size = match self.kind.as_str() {
            "array" => layout::checked_array_size(param("len")?, elem()?)?,
            "queue" | "stack" => layout::checked_ring_size(param("capacity")?, elem()?)?,
            "mutex" => layout::MUTEX_SIZE,
            "semaphore" => layout::SEMAPHORE_SIZE,
            "latch" => layout::LATCH_SIZE,
            "barrier" => layout::BARRIER_SIZE,
            "once" => layout::ONCE_SIZE,
            _ => return None,
        };
        Some(size as u64)
    }
}

fn bad(what: impl Into<String>) -> Error {
    Error::BadSchema { what: what.into() }
}

/// Parses a schema entry's bytes: its header, then `length` bytes of text.
///
/// # Errors
///
/// [`Error::BadSchema`] naming the first problem: a short or unknown header, a length past
/// the entry or [`MAX_TEXT_LEN`](super::MAX_TEXT_LEN), text that is not UTF-8 or not whole
/// lines, a line too long or nested too deep, JSON that is not a valid line (see
/// `SPECIFICATION.md`), a name described twice.
pub fn parse(bytes: &[u8]) -> Result<Schema> {
    check_header(bytes)?;
    if bytes.len() < HEADER_SIZE {
        return Err(bad(format!(
            "its entry is shorter than its {HEADER_SIZE}-byte header"
        )));
    }
    let length = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    let capacity = bytes.len() - HEADER_SIZE;
    if length > MAX_TEXT_LEN {
        return Err(bad(format!(
            "its length {length} is above the limit of {MAX_TEXT_LEN} bytes"
        )));
    }
    if length > capacity {
        return Err(bad(format!(
            "its length {length} is beyond the {capacity} bytes of its entry's text"
        )));
    }
    let text = std::str::from_utf8(&bytes[HEADER_SIZE..HEADER_SIZE + length]).map_err(|e| {
        bad(format!(
            "its text is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })?;
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(bad("its text does not end with a whole line"));
    }
    let mut entries: Vec<SchemaEntry> = Vec::new();
    for (i, line) in text.split_terminator('\n').enumerate() {
        let n = i + 1;
        let entry = parse_line(line).map_err(|what| bad(format!("line {n}: {what}")))?;
        if entries.iter().any(|e| e.name == entry.name) {
            return Err(bad(format!(
                "line {n}: entry {:?} is described twice",
                entry.name
            )));
        }
        entries.push(entry);
    }
    Ok(Schema { entries })
}

/// The deepest nesting of arrays and objects in `line`, outside strings.
fn json_depth(line: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in line.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn parse_line(line: &str) -> std::result::Result<SchemaEntry, String> {
    if line.len() > MAX_LINE_LEN {
        return Err(format!(
            "{} bytes, above the limit of {MAX_LINE_LEN}",
            line.len()
        ));
    }
    let depth = json_depth(line);
    if depth > MAX_JSON_DEPTH {
        return Err(format!(
            "nested {depth} deep, above the limit of {MAX_JSON_DEPTH}"
        ));
    }
    let value: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("not a JSON object".to_owned());
    };
    let name = string(&obj, "name")?.ok_or("no `name`")?;
    if name == ENTRY_NAME {
        return Err(format!(
            "it describes the schema entry {ENTRY_NAME:?} itself"
        ));
    }
    if !layout::is_valid_entry_name(name) {
        return Err(format!("`name` {name:?} is not a valid entry name"));
    }
    let kind = string(&obj, "kind")?.ok_or("no `kind`")?;
    word(kind, "`kind`")?;
    let params = match obj.get("params") {
        None => Vec::new(),
        Some(Value::Object(params)) => params
            .iter()
            .map(|(k, v)| {
                word(k, "a parameter")?;
                let v = v
                    .as_u64()
                    .ok_or_else(|| format!("parameter `{k}` is not an integer from 0 to 2^64-1"))?;
                Ok((k.clone(), v))
            })
            .collect::<std::result::Result<_, String>>()?,
        Some(_) => return Err("`params` is not an object".to_owned()),
    };
    let ty = obj.get("type").map(|t| parse_type(t, 1)).transpose()?;
    let value_ty = obj
        .get("value_type")
        .map(|t| parse_type(t, 1))
        .transpose()?;
    let doc = string(&obj, "doc")?.map(str::to_owned);
    if doc.as_ref().is_some_and(|d| d.len() > MAX_DOC_LEN) {
        return Err(format!("`doc` is above the limit of {MAX_DOC_LEN} bytes"));
    }
    let parts = match obj.get("parts") {
        None => Vec::new(),
        Some(Value::Array(parts)) if parts.len() <= MAX_PARTS => parts
            .iter()
            .map(|p| match p.as_str() {
                Some(p) if layout::is_valid_entry_name(p) => Ok(p.to_owned()),
                _ => Err("`parts` holds something that is not an entry name".to_owned()),
            })
            .collect::<std::result::Result<_, String>>()?,
        Some(_) => {
            return Err(format!(
                "`parts` is not an array of at most {MAX_PARTS} names"
            ))
        }
    };
    Ok(SchemaEntry {
        name: name.to_owned(),
        kind: kind.to_owned(),
        params,
        ty,
        value_ty,
        doc,
        parts,
    })
}

/// The string at `key`, if present; an error if it is something else.
fn string<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
) -> std::result::Result<Option<&'v str>, String> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{key}` is not a string")),
    }
}

/// A kind, key or name of `[a-z0-9_]`, 1 to 64 bytes.
fn word(s: &str, what: &str) -> std::result::Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= MAX_WORD_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} {s:?} is not 1 to {MAX_WORD_LEN} of `a-z`, `0-9`, `_`"
        ))
    }
}

fn parse_type(v: &Value, depth: usize) -> std::result::Result<Type, String> {
    if depth > MAX_TYPE_DEPTH {
        return Err(format!("a type nested above the limit of {MAX_TYPE_DEPTH}"));
    }
    let ty = match v {
        Value::String(s) => {
            if let Some(n) = s.strip_prefix("|V") {
                let n: u64 = n
                    .parse()
                    .ok()
                    .filter(|&n| n > 0 && u32::try_from(n).is_ok())
                    .ok_or_else(|| format!("type {s:?}: opaque bytes are 1 to 2^32-1"))?;
                Type::Opaque(n)
            } else {
                let t = Type::Scalar(s.clone());
                if t.size().is_none() {
                    return Err(format!("unknown type string {s:?}"));
                }
                t
            }
        }
        Value::Object(obj) if obj.contains_key("shape") => {
            let shape = match obj.get("shape") {
                Some(Value::Array(dims)) if !dims.is_empty() && dims.len() <= MAX_SHAPE_DIMS => {
                    dims.iter()
                        .map(|d| d.as_u64().filter(|&d| d > 0))
                        .collect::<Option<Vec<u64>>>()
                }
                _ => None,
            }
            .ok_or_else(|| format!("`shape` is not 1 to {MAX_SHAPE_DIMS} positive integers"))?;
            let of = parse_type(
                obj.get("type").ok_or("an array type has no `type`")?,
                depth + 1,
            )?;
            Type::Array {
                of: Box::new(of),
                shape,
            }
        }
        Value::Object(obj) if obj.contains_key("record") => {
            let name = string(obj, "record")?.unwrap_or_default();
            if name.len() > MAX_WORD_LEN {
                return Err(format!("a record name is above {MAX_WORD_LEN} bytes"));
            }
            let itemsize = obj
                .get("itemsize")
                .and_then(Value::as_u64)
                .filter(|&n| n > 0 && u32::try_from(n).is_ok())
                .ok_or("a record's `itemsize` is not 1 to 2^32-1")?;
            let Some(Value::Array(list)) = obj.get("fields") else {
                return Err("a record has no `fields` array".to_owned());
            };
            if list.len() > MAX_FIELDS {
                return Err(format!("a record has more than {MAX_FIELDS} fields"));
            }
            let mut fields: Vec<Field> = Vec::with_capacity(list.len());
            for f in list {
                let Value::Object(f) = f else {
                    return Err("a record field is not an object".to_owned());
                };
                let fname = string(f, "name")?.ok_or("a record field has no `name`")?;
                if fname.is_empty() || fname.len() > MAX_WORD_LEN {
                    return Err(format!("a field name is not 1 to {MAX_WORD_LEN} bytes"));
                }
                if fields.iter().any(|g| g.name == fname) {
                    return Err(format!("record field `{fname}` appears twice"));
                }
                let offset = f
                    .get("offset")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| format!("field `{fname}` has no integer `offset`"))?;
                let ty = parse_type(
                    f.get("type").ok_or("a record field has no `type`")?,
                    depth + 1,
                )?;
                let end = ty.size().and_then(|s| s.checked_add(offset));
                if !end.is_some_and(|end| end <= itemsize) {
                    return Err(format!(
                        "field `{fname}` does not lie within the record's {itemsize} bytes"
                    ));
                }
                fields.push(Field {
                    name: fname.to_owned(),
                    offset,
                    ty,
                });
            }
            Type::Record {
                name: name.to_owned(),
                itemsize,
                fields,
            }
        }
        _ => return Err("a type is neither a type string, an array nor a record".to_owned()),
    };
    match ty.size() {
        Some(size) if u32::try_from(size).is_ok() => Ok(ty),
        _ => Err("a type of 2^32 bytes or more".to_owned()),
    }
}
