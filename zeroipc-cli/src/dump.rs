//! `zeroipc dump`: the values of an array, or the live contents of a queue or stack.

use std::fmt::Display;
use std::io::{self, Write};

use clap::ValueEnum;
use zeroipc::schema::Type;
use zeroipc::{Array, Memory, Queue, Stack};

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

/// The structure the entry holds. Queues and stacks are read without being changed: a
/// snapshot of the elements they hold, a queue's oldest first, a stack's bottom first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Structure {
    #[default]
    Array,
    Queue,
    Stack,
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
    pub(crate) ty: Option<ElemType>,
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
    let declared = if req.ty.is_none() || req.structure.is_none() {
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
    let req = &Request {
        ty: Some(ty),
        structure: Some(structure),
        ..*req
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match ty {
        ElemType::F32 => dump::<f32>(&mem, req, &mut out),
        ElemType::F64 => dump::<f64>(&mem, req, &mut out),
        ElemType::I8 => dump::<i8>(&mem, req, &mut out),
        ElemType::I16 => dump::<i16>(&mem, req, &mut out),
        ElemType::I32 => dump::<i32>(&mem, req, &mut out),
        ElemType::I64 => dump::<i64>(&mem, req, &mut out),
        ElemType::U8 => dump::<u8>(&mem, req, &mut out),
        ElemType::U16 => dump::<u16>(&mem, req, &mut out),
        ElemType::U32 => dump::<u32>(&mem, req, &mut out),
        ElemType::U64 => dump::<u64>(&mem, req, &mut out),
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

/// The `--type` of a declared scalar type.
fn elem_type(ty: &Type) -> Option<ElemType> {
    let Type::Scalar(t) = ty else {
        return None;
    };
    Some(match t.as_str() {
        "<f4" => ElemType::F32,
        "<f8" => ElemType::F64,
        "|i1" => ElemType::I8,
        "<i2" => ElemType::I16,
        "<i4" => ElemType::I32,
        "<i8" => ElemType::I64,
        "|u1" => ElemType::U8,
        "<u2" => ElemType::U16,
        "<u4" => ElemType::U32,
        "<u8" => ElemType::U64,
        _ => return None,
    })
}

/// An array of a declared type that is not a primitive (a record, an array, opaque bytes):
/// opened by the runtime as an array of elements of the declared size (which checks its
/// header against its entry), its elements printed by their type. Element sizes from 1 to
/// 64, multiples of 8 to 256, and powers of two to 4096.
fn dump_declared_array(mem: &Memory, req: &Request<'_>, ty: &Type) -> Result<(), String> {
    let size = ty.size().unwrap_or(0);
    match size {
        1 => dump_bytes::<1>(mem, req, ty),
        2 => dump_bytes::<2>(mem, req, ty),
        3 => dump_bytes::<3>(mem, req, ty),
        4 => dump_bytes::<4>(mem, req, ty),
        5 => dump_bytes::<5>(mem, req, ty),
        6 => dump_bytes::<6>(mem, req, ty),
        7 => dump_bytes::<7>(mem, req, ty),
        8 => dump_bytes::<8>(mem, req, ty),
        9 => dump_bytes::<9>(mem, req, ty),
        10 => dump_bytes::<10>(mem, req, ty),
        11 => dump_bytes::<11>(mem, req, ty),
        12 => dump_bytes::<12>(mem, req, ty),
        13 => dump_bytes::<13>(mem, req, ty),
        14 => dump_bytes::<14>(mem, req, ty),
        15 => dump_bytes::<15>(mem, req, ty),
        16 => dump_bytes::<16>(mem, req, ty),
        17 => dump_bytes::<17>(mem, req, ty),
        18 => dump_bytes::<18>(mem, req, ty),
        19 => dump_bytes::<19>(mem, req, ty),
        20 => dump_bytes::<20>(mem, req, ty),
        21 => dump_bytes::<21>(mem, req, ty),
        22 => dump_bytes::<22>(mem, req, ty),
        23 => dump_bytes::<23>(mem, req, ty),
        24 => dump_bytes::<24>(mem, req, ty),
        25 => dump_bytes::<25>(mem, req, ty),
        26 => dump_bytes::<26>(mem, req, ty),
        27 => dump_bytes::<27>(mem, req, ty),
        28 => dump_bytes::<28>(mem, req, ty),
        29 => dump_bytes::<29>(mem, req, ty),
        30 => dump_bytes::<30>(mem, req, ty),
        31 => dump_bytes::<31>(mem, req, ty),
        32 => dump_bytes::<32>(mem, req, ty),
        33 => dump_bytes::<33>(mem, req, ty),
        34 => dump_bytes::<34>(mem, req, ty),
        35 => dump_bytes::<35>(mem, req, ty),
        36 => dump_bytes::<36>(mem, req, ty),
        37 => dump_bytes::<37>(mem, req, ty),
        38 => dump_bytes::<38>(mem, req, ty),
        39 => dump_bytes::<39>(mem, req, ty),
        40 => dump_bytes::<40>(mem, req, ty),
        41 => dump_bytes::<41>(mem, req, ty),
        42 => dump_bytes::<42>(mem, req, ty),
        43 => dump_bytes::<43>(mem, req, ty),
        44 => dump_bytes::<44>(mem, req, ty),
        45 => dump_bytes::<45>(mem, req, ty),
        46 => dump_bytes::<46>(mem, req, ty),
        47 => dump_bytes::<47>(mem, req, ty),
        48 => dump_bytes::<48>(mem, req, ty),
        49 => dump_bytes::<49>(mem, req, ty),
        50 => dump_bytes::<50>(mem, req, ty),
        51 => dump_bytes::<51>(mem, req, ty),
        52 => dump_bytes::<52>(mem, req, ty),
        53 => dump_bytes::<53>(mem, req, ty),
        54 => dump_bytes::<54>(mem, req, ty),
        55 => dump_bytes::<55>(mem, req, ty),
        56 => dump_bytes::<56>(mem, req, ty),
        57 => dump_bytes::<57>(mem, req, ty),
        58 => dump_bytes::<58>(mem, req, ty),
        59 => dump_bytes::<59>(mem, req, ty),
        60 => dump_bytes::<60>(mem, req, ty),
        61 => dump_bytes::<61>(mem, req, ty),
        62 => dump_bytes::<62>(mem, req, ty),
        63 => dump_bytes::<63>(mem, req, ty),
        64 => dump_bytes::<64>(mem, req, ty),
        72 => dump_bytes::<72>(mem, req, ty),
        80 => dump_bytes::<80>(mem, req, ty),
        88 => dump_bytes::<88>(mem, req, ty),
        96 => dump_bytes::<96>(mem, req, ty),
        104 => dump_bytes::<104>(mem, req, ty),
        112 => dump_bytes::<112>(mem, req, ty),
        120 => dump_bytes::<120>(mem, req, ty),
        128 => dump_bytes::<128>(mem, req, ty),
        136 => dump_bytes::<136>(mem, req, ty),
        144 => dump_bytes::<144>(mem, req, ty),
        152 => dump_bytes::<152>(mem, req, ty),
        160 => dump_bytes::<160>(mem, req, ty),
        168 => dump_bytes::<168>(mem, req, ty),
        176 => dump_bytes::<176>(mem, req, ty),
        184 => dump_bytes::<184>(mem, req, ty),
        192 => dump_bytes::<192>(mem, req, ty),
        200 => dump_bytes::<200>(mem, req, ty),
        208 => dump_bytes::<208>(mem, req, ty),
        216 => dump_bytes::<216>(mem, req, ty),
        224 => dump_bytes::<224>(mem, req, ty),
        232 => dump_bytes::<232>(mem, req, ty),
        240 => dump_bytes::<240>(mem, req, ty),
        248 => dump_bytes::<248>(mem, req, ty),
        256 => dump_bytes::<256>(mem, req, ty),
        512 => dump_bytes::<512>(mem, req, ty),
        1024 => dump_bytes::<1024>(mem, req, ty),
        2048 => dump_bytes::<2048>(mem, req, ty),
        4096 => dump_bytes::<4096>(mem, req, ty),
        _ => Err(format!(
            "{:?} holds elements of {size} bytes, a size this command does not dump",
            req.entry
        )),
    }
}

fn dump_bytes<const N: usize>(mem: &Memory, req: &Request<'_>, ty: &Type) -> Result<(), String>
where
    [u8; N]: bytemuck::Pod,
{
    let array = Array::<[u8; N]>::open_read(mem, req.entry)
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
    let mut buf = vec![[0u8; N]; CHUNK.min(range.len())];
    let mut at = range.start;
    let result = (|| {
        while at < range.end {
            let n = CHUNK.min(range.end - at);
            array
                .copy_to_slice(at, &mut buf[..n])
                .map_err(|e| io::Error::other(e.to_string()))?;
            for (i, v) in buf[..n].iter().enumerate() {
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

/// Elements copied out of the segment at a time.
const CHUNK: usize = 1 << 16;

enum Failure {
    Open(String),
    Write(io::Error),
}

fn dump<T: bytemuck::Pod + Display>(
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
    };
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
