//! The writer: schema lines as `const fn`s, so that a declaration's schema, and so its
//! segment's size, is known at compile time; the dynamic API calls the same functions.
//!
//! The output is canonical JSON: no spaces, keys in the order `name`, `kind`, `params`,
//! `type`, `doc`, `parts`, optional keys left out when empty, strings escaped only where
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
    /// Its element type, for a structure of elements.
    pub ty: Option<TypeDesc>,
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
            doc: "",
            parts: &[],
        }
    }
}

/// Where the writer puts bytes: a buffer, and the count of bytes written, which goes on past
/// the buffer's end (those bytes are counted, not stored), so that one pass with an empty
/// buffer measures.
#[derive(Debug)]
pub struct Out<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    /// A writer into `buf`.
    pub const fn new(buf: &'b mut [u8]) -> Out<'b> {
        Out { buf, len: 0 }
    }

    /// Bytes written (or counted) so far.
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    const fn byte(&mut self, b: u8) {
        if self.len < self.buf.len() {
            self.buf[self.len] = b;
        }
        self.len += 1;
    }

    const fn raw(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            self.byte(bytes[i]);
            i += 1;
        }
    }

    const fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let bytes = s.as_bytes();
        self.byte(b'"');
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'"' || b == b'\\' {
                self.byte(b'\\');
                self.byte(b);
            } else if b < 0x20 {
                self.raw("\\u00");
                self.byte(HEX[(b >> 4) as usize]);
                self.byte(HEX[(b & 0xF) as usize]);
            } else {
                self.byte(b);
            }
            i += 1;
        }
        self.byte(b'"');
    }

    const fn number(&mut self, n: u64) {
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
            self.byte(digits[count]);
        }
    }

    const fn key(&mut self, key: &str) {
        self.byte(b',');
        self.string(key);
        self.byte(b':');
    }

    const fn ty(&mut self, ty: &TypeDesc) {
        match *ty {
            TypeDesc::Scalar { typestr } => self.string(typestr),
            TypeDesc::Opaque { size } => {
                self.raw("\"|V");
                self.number(size as u64);
                self.byte(b'"');
            }
            TypeDesc::Array { of, len } => {
                self.raw("{\"shape\":[");
                self.number(len as u64);
                self.raw("],\"type\":");
                self.ty(of);
                self.byte(b'}');
            }
            TypeDesc::Record { name, size, fields } => {
                self.raw("{\"record\":");
                self.string(name);
                self.raw(",\"itemsize\":");
                self.number(size as u64);
                self.raw(",\"fields\":[");
                let mut i = 0;
                while i < fields.len() {
                    if i > 0 {
                        self.byte(b',');
                    }
                    self.raw("{\"name\":");
                    self.string(fields[i].name);
                    self.raw(",\"offset\":");
                    self.number(fields[i].offset as u64);
                    self.raw(",\"type\":");
                    self.ty(fields[i].ty);
                    self.byte(b'}');
                    i += 1;
                }
                self.raw("]}");
            }
        }
    }

    /// Writes one line: the entry's JSON object and `\n`.
    pub const fn line(&mut self, e: &EntryDesc<'_>) {
        self.raw("{\"name\":");
        self.string(e.name);
        self.key("kind");
        self.string(e.kind);
        if has_params(e.params) {
            self.key("params");
            self.byte(b'{');
            let (mut i, mut first) = (0, true);
            while i < e.params.len() {
                // A parameter with an empty key is left out: a declaration lists its size
                // key's value first, and types without one have an empty key.
                if !e.params[i].0.is_empty() {
                    if !first {
                        self.byte(b',');
                    }
                    first = false;
                    self.string(e.params[i].0);
                    self.byte(b':');
                    self.number(e.params[i].1);
                }
                i += 1;
            }
            self.byte(b'}');
        }
        if let Some(ty) = &e.ty {
            self.key("type");
            self.ty(ty);
        }
        if !e.doc.is_empty() {
            self.key("doc");
            self.string(e.doc);
        }
        if !e.parts.is_empty() {
            self.key("parts");
            self.byte(b'[');
            let mut i = 0;
            while i < e.parts.len() {
                if i > 0 {
                    self.byte(b',');
                }
                self.string(e.parts[i]);
                i += 1;
            }
            self.byte(b']');
        }
        self.raw("}\n");
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
    let mut out = Out::new(&mut []);
    let mut i = 0;
    while i < lines.len() {
        out.line(&lines[i]);
        i += 1;
    }
    out.len()
}

/// The text of `lines`; `N` is [`encoded_len`] of them (a shorter `N` cuts the text short).
pub const fn encode<const N: usize>(lines: &[EntryDesc<'_>]) -> [u8; N] {
    let mut buf = [0u8; N];
    let mut out = Out::new(&mut buf);
    let mut i = 0;
    while i < lines.len() {
        out.line(&lines[i]);
        i += 1;
    }
    buf
}

/// One line, at run time.
pub fn encode_line(line: &EntryDesc<'_>) -> Vec<u8> {
    let mut count = Out::new(&mut []);
    count.line(line);
    let mut buf = vec![0u8; count.len()];
    Out::new(&mut buf).line(line);
    buf
}
