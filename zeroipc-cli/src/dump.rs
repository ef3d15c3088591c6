//! `zeroipc dump`: the values of an array, or the live contents of a queue, stack, map, set,
//! pool or ring.

use std::fmt::Display;
use std::io::{self, Write};

use clap::ValueEnum;
use zeroipc::schema::{Describe, Type};
use zeroipc::{Array, Map, MapKey, Memory, Pool, Queue, RawArray, Ring, Set, Stack};

use crate::check::OPEN_TIMEOUT;
use crate::segment::SegmentName;

/// The element type to read the entry's bytes as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ElemType {
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

/// The structure the entry holds. Queues, stacks and rings are read without being changed:
/// a snapshot of the elements they hold, a queue's and a ring's oldest first, a stack's
/// bottom first. A map prints `key<TAB>value` lines and a set its elements, in slot order; a
/// pool every node's data, allocated or not (the format does not mark free nodes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Structure {
    #[default]
    Array,
    Queue,
    Stack,
    Map,
    Set,
    Pool,
    Ring,
}

/// Which elements to print: `start..end`, either end optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IndexRange {
    start: Option<usize>,
    end: Option<usize>,
}

impl IndexRange {
    /// Parses `A..B`, `A..=B`, `A..`, `..B` or a single index `A`.
    pub(crate) fn parse(s: &str) -> Result<IndexRange, String> {
        let num = |t: &str| -> Result<Option<usize>, String> {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<usize>()
                .map(Some)
                .map_err(|_| format!("{t:?} is not an index"))
        };
        let bad = || format!("range {s:?}: expected A..B, A..=B, A.., ..B or A");
        if let Some((a, b)) = s.split_once("..=") {
            let end = num(b)?.ok_or_else(bad)?;
            return Ok(IndexRange {
                start: num(a)?,
                end: Some(end.checked_add(1).ok_or_else(bad)?),
            });
        }
        if let Some((a, b)) = s.split_once("..") {
            return Ok(IndexRange {
                start: num(a)?,
                end: num(b)?,
            });
        }
        let i = num(s)?.ok_or_else(bad)?;
        Ok(IndexRange {
            start: Some(i),
            end: Some(i.checked_add(1).ok_or_else(bad)?),
        })
    }

    /// The range within `0..len`, or why it is not.
    fn resolve(self, len: usize) -> Result<std::ops::Range<usize>, String> {
        let start = self.start.unwrap_or(0);
        let end = self.end.unwrap_or(len);
        if start > end {
            return Err(format!("range {start}..{end} is backwards"));
        }
        if end > len {
            return Err(format!(
                "range {start}..{end} reaches past the end: the entry has {len} elements"
            ));
        }
        Ok(start..end)
    }
}

pub(crate) struct Request<'a> {
    pub(crate) name: &'a SegmentName,
    pub(crate) entry: &'a str,
    /// The element type (a map's key type); by default the one the schema declares.
    pub(crate) ty: Option<ElemType>,
    /// A map's value type; by default the one the schema declares, else `ty`.
    pub(crate) value_ty: Option<ElemType>,
    /// What the entry holds; by default the kind the schema declares, else an array.
    pub(crate) structure: Option<Structure>,
    pub(crate) range: Option<IndexRange>,
    pub(crate) index: bool,
}

/// Prints the values; an error names what went wrong.
pub(crate) fn run(req: &Request<'_>) -> Result<(), String> {
    // A private copy (read permission is enough, and a peer that shrinks the segment
    // cannot raise `SIGBUS` here), read through the structures' readers.
    let mem = Memory::options()
        .timeout(OPEN_TIMEOUT)
        .private_copy(true)
        .open(&req.name.posix)
        .map_err(|e| format!("cannot open {}: {e}", req.name.posix))?;
    // What the segment's schema declares, for what the command line leaves out.
    let declared = if req.ty.is_none()
        || req.structure.is_none()
        || (req.structure == Some(Structure::Map) && req.value_ty.is_none())
    {
        zeroipc::schema::read(&mem)
            .map_err(|e| format!("cannot read the schema of {}: {e}", req.name.posix))?
            .and_then(|s| s.get(req.entry).cloned())
    } else {
        None
    };
    let structure = match (req.structure, &declared) {
        (Some(s), _) => s,
        (None, Some(d)) => match d.kind.as_str() {
            "array" => Structure::Array,
            "queue" => Structure::Queue,
            "stack" => Structure::Stack,
            "map" => Structure::Map,
            "set" => Structure::Set,
            "pool" => Structure::Pool,
            "ring" => Structure::Ring,
            kind => {
                return Err(format!(
                    "{:?} is a {kind}, which has no elements to dump",
                    req.entry
                ))
            }
        },
        (None, None) => Structure::Array,
    };
    let ty = match (req.ty, declared.as_ref().and_then(|d| d.ty.as_ref())) {
        (Some(ty), _) => ty,
        (None, Some(declared_type)) => match elem_type(declared_type) {
            Some(ty) => ty,
            None if structure == Structure::Array => {
                return dump_declared_array(&mem, req, declared_type);
            }
            None => {
                return Err(format!(
                    "{:?} holds {declared_type}: only arrays of such elements are dumped without --type",
                    req.entry
                ))
            }
        },
        (None, None) => {
            return Err(format!(
                "the segment's schema does not declare the element type of {:?}: give it with --type",
                req.entry
            ))
        }
    };
    // A map's value type, where the command line leaves it out: the one the schema declares.
    let value_ty = match (req.value_ty, declared.as_ref().and_then(|d| d.value_ty.as_ref())) {
        (None, Some(declared_type)) if structure == Structure::Map => {
            Some(elem_type(declared_type).ok_or_else(|| {
                format!(
                    "{:?} holds values of {declared_type}: only maps of primitive values are dumped",
                    req.entry
                )
            })?)
        }
        (value_ty, _) => value_ty,
    };
    let req = &Request {
        ty: Some(ty),
        value_ty,
        structure: Some(structure),
        ..*req
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = if structure == Structure::Map {
        with_type!(ty, K => dump_map_key::<K>(&mem, req, &mut out))
    } else {
        with_type!(ty, T => dump::<T>(&mem, req, &mut out))
    };

    let result = result.and_then(|()| out.flush().map_err(Failure::Write));
    match result {
        Ok(()) => Ok(()),
        // A reader that stopped early (`| head`) is not an error.
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(Failure::Write(e)) => Err(format!("cannot write the values: {e}")),
        Err(Failure::Open(e)) => Err(e),
    }
}

/// An array of a declared type that is not a primitive (a record, an array, opaque bytes):
/// opened as an array of elements of the declared size (which checks its header against its
/// entry), its elements printed by their type.
fn dump_declared_array(mem: &Memory, req: &Request<'_>, ty: &Type) -> Result<(), String> {
    let size = ty
        .size()
        .and_then(|s| usize::try_from(s).ok())
        .filter(|&s| s > 0)
        .ok_or_else(|| format!("{:?} is declared with a type of no size", req.entry))?;
    let array = RawArray::open_read(mem, req.entry, size)
        .map_err(|e| format!("cannot open {:?} as an array: {e}", req.entry))?;
    let range = req
        .range
        .unwrap_or(IndexRange {
            start: None,
            end: None,
        })
        .resolve(array.len())?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    // Elements copied out at a time: at most CHUNK elements and about 4 MiB.
    let per_chunk = CHUNK.min((4 << 20) / size).max(1);
    let mut buf = vec![0u8; per_chunk.min(range.len()) * size];
    let mut at = range.start;
    let result = (|| {
        while at < range.end {
            let n = per_chunk.min(range.end - at);
            array
                .read(mem, at, &mut buf[..n * size])
                .map_err(|e| io::Error::other(e.to_string()))?;
            for (i, v) in buf[..n * size].chunks_exact(size).enumerate() {
                let text = crate::declared::format_value(ty, v);
                write_value(&mut out, req.index, at + i, &text)?;
            }
            at += n;
        }
        out.flush()
    })();
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot dump {:?}: {e}", req.entry))
        }
        _ => Ok(()),
    }
}

/// Runs `$body` with `$t` the Rust type of the element type `$ty`.
macro_rules! with_type {
    ($ty:expr, $t:ident => $body:expr) => {
        with_type!(@ $ty, $t, $body; F32 f32, F64 f64, I8 i8, I16 i16, I32 i32, I64 i64,
            U8 u8, U16 u16, U32 u32, U64 u64)
    };
    (@ $ty:expr, $t:ident, $body:expr; $($variant:ident $rust:ty),*) => {
        match $ty {
            $(ElemType::$variant => {
                type $t = $rust;
                $body
            })*
        }
    };
}
pub(crate) use with_type;

/// The `--type` of a declared type: the one whose Rust type describes itself as `ty`.
pub(crate) fn elem_type(ty: &Type) -> Option<ElemType> {
    ElemType::value_variants()
        .iter()
        .copied()
        .find(|&e| with_type!(e, T => Type::from_desc(&<T as Describe>::TYPE)) == *ty)
}

fn dump_map_key<K: MapKey + Display>(
    mem: &Memory,
    req: &Request<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    with_type!(req.value_ty.or(req.ty).unwrap_or(ElemType::U8), V => dump_map::<K, V>(mem, req, out))
}

fn dump_map<K: MapKey + Display, V: bytemuck::Pod + Display>(
    mem: &Memory,
    req: &Request<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let map = Map::<K, V>::open_read(mem, req.entry)
        .map_err(|e| Failure::Open(format!("cannot open {:?} as a map: {e}", req.entry)))?;
    let pairs: Vec<String> = map
        .snapshot()
        .iter()
        .map(|(k, v)| format!("{k}\t{v}"))
        .collect();
    write_range(&pairs, req, out)
}

fn write_range(
    values: &[impl Display],
    req: &Request<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let range = req
        .range
        .unwrap_or(IndexRange {
            start: None,
            end: None,
        })
        .resolve(values.len())
        .map_err(Failure::Open)?;
    for (i, v) in values[range.clone()].iter().enumerate() {
        write_value(out, req.index, range.start + i, v).map_err(Failure::Write)?;
    }
    Ok(())
}

/// Elements copied out of the segment at a time.
const CHUNK: usize = 1 << 16;

enum Failure {
    Open(String),
    Write(io::Error),
}

fn dump<T: MapKey + Display>(
    mem: &Memory,
    req: &Request<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let values = match req.structure.unwrap_or_default() {
        Structure::Array => return dump_array::<T>(mem, req, out),
        Structure::Queue => Queue::<T>::open_read(mem, req.entry)
            .map_err(|e| Failure::Open(format!("cannot open {:?} as a queue: {e}", req.entry)))?
            .snapshot(),
        Structure::Stack => Stack::<T>::open_read(mem, req.entry)
            .map_err(|e| Failure::Open(format!("cannot open {:?} as a stack: {e}", req.entry)))?
            .snapshot(),
        Structure::Set => Set::<T>::open_read(mem, req.entry)
            .map_err(|e| Failure::Open(format!("cannot open {:?} as a set: {e}", req.entry)))?
            .iter()
            .collect(),
        Structure::Ring => Ring::<T>::open_read(mem, req.entry)
            .map_err(|e| Failure::Open(format!("cannot open {:?} as a ring: {e}", req.entry)))?
            .snapshot(),
        Structure::Pool => {
            let pool = Pool::<T>::open_read(mem, req.entry).map_err(|e| {
                Failure::Open(format!("cannot open {:?} as a pool: {e}", req.entry))
            })?;
            (0..pool.capacity() as u32)
                .map(|i| pool.get(i))
                .collect::<Result<_, _>>()
                .map_err(|e| Failure::Open(e.to_string()))?
        }
        Structure::Map => unreachable!("maps are dumped by `dump_map`"),
    };
    write_range(&values, req, out)
}

fn dump_array<T: bytemuck::Pod + Display>(
    mem: &Memory,
    req: &Request<'_>,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let array = Array::<T>::open_read(mem, req.entry)
        .map_err(|e| Failure::Open(format!("cannot open {:?} as an array: {e}", req.entry)))?;
    let range = req
        .range
        .unwrap_or(IndexRange {
            start: None,
            end: None,
        })
        .resolve(array.len())
        .map_err(Failure::Open)?;
    let mut buf = vec![T::zeroed(); CHUNK.min(range.len())];
    let mut at = range.start;
    while at < range.end {
        let n = CHUNK.min(range.end - at);
        array
            .copy_to_slice(at, &mut buf[..n])
            .map_err(|e| Failure::Open(e.to_string()))?;
        for (i, v) in buf[..n].iter().enumerate() {
            write_value(out, req.index, at + i, v).map_err(Failure::Write)?;
        }
        at += n;
    }
    Ok(())
}

fn write_value(out: &mut impl Write, index: bool, i: usize, v: &impl Display) -> io::Result<()> {
    if index {
        writeln!(out, "{i}\t{v}")
    } else {
        writeln!(out, "{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_in_every_form() {
        let r = |s| IndexRange::parse(s).unwrap().resolve(10);
        assert_eq!(r("2..5"), Ok(2..5));
        assert_eq!(r("2..=5"), Ok(2..6));
        assert_eq!(r("7.."), Ok(7..10));
        assert_eq!(r("..3"), Ok(0..3));
        assert_eq!(r(".."), Ok(0..10));
        assert_eq!(r("4"), Ok(4..5));
        assert!(r("5..2").is_err());
        assert!(r("0..11").unwrap_err().contains("10 elements"));
        assert!(IndexRange::parse("a..b").is_err());
        assert!(IndexRange::parse("-1..2").is_err());
        assert!(IndexRange::parse("..=").is_err());
        assert!(IndexRange::parse(&format!("..={}", usize::MAX)).is_err());
    }
}
