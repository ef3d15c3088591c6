//! The writer: schema lines as `const fn`s, so that a declaration's schema, and so its
//! segment's size, is known at compile time; the dynamic API calls the same functions.
//!
//! The output is canonical JSON: no spaces, keys in the order `name`, `kind`, `params`,
//! `type`, `value_type`, `doc`, `parts`, optional keys left out when empty, strings escaped only where
//! JSON requires (`"`, `\` and control characters, as `\u00XX`).

use super::types::TypeDesc;

/// What one line of the schema says about one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryDesc<'a> {
    /// The entry's table name.
    pub name: &'a str,
    /// Its kind: `"array"`, `"queue"`, `"semaphore"`... (see `SPECIFICATION.md`).
    pub kind: &'a str,
    /// Its parameters (`len`, `capacity`, `count`, ...), in the order written.
    pub params: &'a [(&'a str, u64)],
    /// Its element type, for a structure of elements (a map's key type).
    pub ty: Option<TypeDesc>,
    /// A map's value type; `None` for every other kind.
    pub value_ty: Option<TypeDesc>,
    /// Its description (a declared field's doc comment); empty for none.
    pub doc: &'a str,
    /// The table names of the entries a composite is made of; empty for none.
    pub parts: &'a [&'a str],
}

impl<'a> EntryDesc<'a> {
    /// A line for `name` of `kind`, with nothing else.
    pub const fn new(name: &'a str, kind: &'a str) -> EntryDesc<'a> {
        EntryDesc {
            name,
            kind,
            params: &[],
            ty: None,
            value_ty: None,
            doc: "",
            parts: &[],
        }
    }
}

/// Where the writer puts bytes: `N` of them, those at positions `skip..skip + N` of the text,
/// and the count of bytes written so far, which goes on past them (the others are counted,
/// not stored): `Out::<0>` measures, `Out::<LEN>` from 0 writes a whole text at compile time,
/// and at run time a text of any length is written in windows of a fixed size.
///
/// Every method takes and returns the writer by value, so that the same code runs in `const`
/// evaluation on the crate's oldest supported compiler (no `&mut` in `const fn`).
#[derive(Clone, Copy, Debug)]
pub struct Out<const N: usize> {
    buf: [u8; N],
    len: usize,
    skip: usize,
}

impl<const N: usize> Out<N> {
    /// A writer that stores the bytes from position `skip` on.
    pub const fn new(skip: usize) -> Out<N> {
        Out {
            buf: [0; N],
            len: 0,
            skip,
        }
    }

    /// Bytes written (or counted) so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes stored.
    pub const fn bytes(&self) -> [u8; N] {
        self.buf
    }

    const fn byte(mut self, b: u8) -> Self {
        if self.len >= self.skip && self.len - self.skip < N {
            self.buf[self.len - self.skip] = b;
        }
        self.len += 1;
        self
    }

    const fn raw(mut self, s: &str) -> Self {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            self = self.byte(bytes[i]);
            i += 1;
        }
        self
    }

    const fn string(mut self, s: &str) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = s.as_bytes();
        self = self.byte(b'"');
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'"' || b == b'\\' {
                self = self.byte(b'\\').byte(b);
            } else if b < 0x20 {
                self = self
                    .raw("\\u00")
                    .byte(HEX[(b >> 4) as usize])
                    .byte(HEX[(b & 0xF) as usize]);
            } else {
                self = self.byte(b);
            }
            i += 1;
        }
        self.byte(b'"')
    }

    const fn number(mut self, n: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut count = 0;
        let mut rest = n;
        loop {
            digits[count] = b'0' + (rest % 10) as u8;
            count += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        while count > 0 {
            count -= 1;
            self = self.byte(digits[count]);
        }
        self
    }

    const fn key(self, key: &str) -> Self {
        self.byte(b',').string(key).byte(b':')
    }

    const fn ty(mut self, ty: &TypeDesc) -> Self {
        match *ty {
            TypeDesc::Scalar { typestr } => self.string(typestr),
            TypeDesc::Opaque { size } => self.raw("\"|V").number(size as u64).byte(b'"'),
            TypeDesc::Array { of, len } => self
                .raw("{\"shape\":[")
                .number(len as u64)
                .raw("],\"type\":")
                .ty(of)
                .byte(b'}'),
            TypeDesc::Record { name, size, fields } => {
                self = self
                    .raw("{\"record\":")
                    .string(name)
                    .raw(",\"itemsize\":")
                    .number(size as u64)
                    .raw(",\"fields\":[");
                let mut i = 0;
                while i < fields.len() {
                    if i > 0 {
                        self = self.byte(b',');
                    }
                    self = self
                        .raw("{\"name\":")
                        .string(fields[i].name)
                        .raw(",\"offset\":")
                        .number(fields[i].offset as u64)
                        .raw(",\"type\":")
                        .ty(fields[i].ty)
                        .byte(b'}');
                    i += 1;
                }
                self.raw("]}")
            }
        }
    }

    /// Writes one line: the entry's JSON object and `\n`.
    #[must_use]
    pub const fn line(mut self, e: &EntryDesc<'_>) -> Self {
        self = self
            .raw("{\"name\":")
            .string(e.name)
            .key("kind")
            .string(e.kind);
        if has_params(e.params) {
            self = self.key("params").byte(b'{');
            let (mut i, mut first) = (0, true);
            while i < e.params.len() {
                // A parameter with an empty key is left out: a declaration lists its size
                // key's value first, and types without one have an empty key.
                if !e.params[i].0.is_empty() {
                    if !first {
                        self = self.byte(b',');
                    }
                    first = false;
                    self = self.string(e.params[i].0).byte(b':').number(e.params[i].1);
                }
                i += 1;
            }
            self = self.byte(b'}');
        }
        if let Some(ty) = &e.ty {
            self = self.key("type").ty(ty);
        }
        if let Some(ty) = &e.value_ty {
            self = self.key("value_type").ty(ty);
        }
        if !e.doc.is_empty() {
            self = self.key("doc").string(e.doc);
        }
        if !e.parts.is_empty() {
            self = self.key("parts").byte(b'[');
            let mut i = 0;
            while i < e.parts.len() {
                if i > 0 {
                    self = self.byte(b',');
                }
                self = self.string(e.parts[i]);
                i += 1;
            }
            self = self.byte(b']');
        }
        self.raw("}\n")
    }

    /// Writes every line of `lines`.
    #[must_use]
    pub const fn lines(mut self, lines: &[EntryDesc<'_>]) -> Self {
        let mut i = 0;
        while i < lines.len() {
            self = self.line(&lines[i]);
            i += 1;
        }
        self
    }
}

const fn has_params(params: &[(&str, u64)]) -> bool {
    let mut i = 0;
    while i < params.len() {
        if !params[i].0.is_empty() {
            return true;
        }
        i += 1;
    }
    false
}

/// The length of the text of `lines`, in bytes.
pub const fn encoded_len(lines: &[EntryDesc<'_>]) -> usize {
    Out::<0>::new(0).lines(lines).len()
}

/// The text of `lines`; `N` is [`encoded_len`] of them (a shorter `N` cuts the text short).
pub const fn encode<const N: usize>(lines: &[EntryDesc<'_>]) -> [u8; N] {
    Out::<N>::new(0).lines(lines).bytes()
}

/// One line, at run time: written in windows of 1 KiB.
pub fn encode_line(line: &EntryDesc<'_>) -> Vec<u8> {
    const WINDOW: usize = 1024;
    let total = Out::<0>::new(0).line(line).len();
    let mut text = Vec::with_capacity(total);
    while text.len() < total {
        let window = Out::<WINDOW>::new(text.len()).line(line).bytes();
        let take = WINDOW.min(total - text.len());
        text.extend_from_slice(&window[..take]);
    }
    text
}
