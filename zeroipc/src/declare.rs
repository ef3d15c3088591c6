//! The runtime half of `#[zeroipc::segment]`: how a structure plugs into the macro, the
//! options of a declared segment, and the helpers its generated `create` and `open` call.
//!
//! The macro knows no structure by name. For a field `temps: Array<f32>` declared with
//! `len = 1000` it names `<Array<f32> as Declare<1000>>` and nothing else: the trait says
//! which attribute keys the type takes, how large its entry is (through [`crate::layout`]),
//! and how to create or open it. Keys that do not change the size (a semaphore's `count`, a
//! barrier's `participants`) reach [`Declare::declare`] as [`Params`], built by the macro
//! from the literals written. A new structure is a new `impl Declare<N>`, not a change to
//! the macro.
//!
//! Facts that depend on types the macro cannot see (whether a key belongs to the field's
//! type, a missing key, a capacity that must be a power of two, an element aligned above 8)
//! become `const` checks in the generated code, over the associated constants of
//! [`Declare`]; their panics carry text of the macro's own, assembled with [`Message`] where
//! it names what the type accepts. An element type that is not plain old data fails the
//! [`Element`] bound, whose message is ours too. The format's limits the macro checks a
//! declaration against (the longest table name, the default table size) are read from
//! [`crate::layout`] by the generated code too, so the macro holds no copy of them.

use std::time::Duration;

use bytemuck::Pod;

use crate::error::{Error, Result};
use crate::memory::{Memory, Options, DEFAULT_OPEN_TIMEOUT};

/// How a segment declared with `#[zeroipc::segment]` is created or opened.
///
/// The table size is not here: it is part of the declaration (`max_entries = N`), because the
/// layout constants (`SIZE`, `ENTRIES`) depend on it.
///
/// # Examples
///
/// ```
/// use zeroipc::{Array, SegmentOptions};
///
/// #[zeroipc::segment(max_entries = 8)]
/// pub struct Sensors {
///     #[zeroipc(len = 4)]
///     pub temps: Array<f32>,
/// }
///
/// # let name = format!("/zeroipc_doc_segment_options_{}", std::process::id());
/// // Mode 0o640, and 4 KiB beyond the declared entries for entries added at run time.
/// let options = SegmentOptions::new().mode(0o640).extra_space(4096);
/// let sensors = Sensors::create_with(&name, &options)?;
/// assert_eq!(sensors.memory().size(), (Sensors::SIZE + 4096) as u64);
/// let extra = Array::<u8>::create(sensors.memory(), "notes", 64)?;
/// # drop(extra);
/// # zeroipc::Memory::unlink(&name)?;
/// # Ok::<(), zeroipc::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct SegmentOptions {
    mode: u32,
    extra_space: usize,
    replace: bool,
    replace_if_stale: bool,
    timeout: Duration,
    schema_space: usize,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions::new()
    }
}

impl SegmentOptions {
    /// Mode `0o600`, no extra space, never replacing an existing segment, and a wait of
    /// [`DEFAULT_OPEN_TIMEOUT`] when opening.
    pub fn new() -> SegmentOptions {
        SegmentOptions {
            mode: 0o600,
            extra_space: 0,
            replace: false,
            replace_if_stale: false,
            timeout: DEFAULT_OPEN_TIMEOUT,
            schema_space: 0,
        }
    }

    /// Bytes of room in the segment's schema entry past the declaration's own text, so that
    /// entries added later with the dynamic API are described too (about 60 to 200 bytes
    /// each; see [`crate::schema`]). The segment grows by as much. Without it (the default)
    /// the schema describes the declared entries only.
    #[must_use]
    pub fn schema_space(mut self, bytes: usize) -> SegmentOptions {
        self.schema_space = bytes;
        self
    }

    /// The permission bits of a segment to create (see [`Options::mode`]).
    #[must_use]
    pub fn mode(mut self, mode: u32) -> SegmentOptions {
        self.mode = mode & 0o7777;
        self
    }

    /// Bytes to add past the declared entries, for entries added later with the dynamic API
    /// (they also need free table slots: declare `max_entries` above the field count).
    #[must_use]
    pub fn extra_space(mut self, bytes: usize) -> SegmentOptions {
        self.extra_space = bytes;
        self
    }

    /// Whether `create_with` first removes a segment of the same name (a stale one left by a
    /// process that died; see [`Options::replace`]). Off by default: creating over an
    /// existing segment is [`Error::AlreadyExists`].
    #[must_use]
    pub fn replace(mut self, replace: bool) -> SegmentOptions {
        self.replace = replace;
        self
    }

    /// Whether `create_with` replaces an existing segment of the same name that nobody is
    /// attached to (see [`Options::replace_if_stale`]): the restart after a crash.
    #[must_use]
    pub fn replace_if_stale(mut self, replace_if_stale: bool) -> SegmentOptions {
        self.replace_if_stale = replace_if_stale;
        self
    }

    /// How long `open_with` waits for a segment whose creator has not published it yet.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> SegmentOptions {
        self.timeout = timeout;
        self
    }
}

/// One table entry of a declared segment, where `create` puts it: the items of a declared
/// struct's `ENTRIES` constant.
///
/// A segment someone else laid out (another implementation, or the dynamic API with other
/// entries first) may hold the same entries elsewhere; `open` finds them through the table,
/// not through these offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeclaredEntry {
    /// The field of the declared struct.
    pub field: &'static str,
    /// The entry's table name (the field's name unless `name = "..."` says otherwise).
    pub name: &'static str,
    /// Offset of the structure from the segment's start.
    pub offset: usize,
    /// Size of the structure in bytes, as its table entry records it.
    pub size: usize,
}

/// Whether a declared field's entry is being created or opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Add the entry to a fresh segment.
    Create,
    /// Find the entry in an existing segment and check it against the declaration.
    Open,
}

/// An element type of a structure: plain old data, so that any bytes another process writes
/// are a valid value.
///
/// Implemented for every [`bytemuck::Pod`] type; it exists to give the failure a message of
/// our own.
#[diagnostic::on_unimplemented(
    message = "zeroipc: `{Self}` cannot be an element of a shared-memory structure: it is not plain old data",
    label = "not `bytemuck::Pod`",
    note = "another process may write any bytes into a segment, so elements are `bytemuck::Pod`: integers, floats, arrays of them, or a `#[repr(C)]` struct without padding that derives `Pod`, `Zeroable`, `Clone` and `Copy` (`bool`, `char`, references and heap types such as `String` are not)"
)]
pub trait Element: Pod {}

impl<T: Pod> Element for T {}

/// A structure a field of a `#[zeroipc::segment]` struct can hold, declared with the value
/// `N` of its size key (`len` or `capacity`; 0 for a type that takes neither).
///
/// The macro emits, for each field, `<FieldType as Declare<N>>::...` and nothing
/// type-specific. To plug a new structure in, implement this trait for it:
///
/// - [`KEYS`](Declare::KEYS) and [`REQUIRED_KEYS`](Declare::REQUIRED_KEYS) name the keys of
///   `#[zeroipc(...)]` it accepts and needs (besides `name`, which every field accepts);
/// - [`POWER_OF_TWO_KEYS`](Declare::POWER_OF_TWO_KEYS) those whose value must be a power of
///   two;
/// - [`POSITIVE_KEYS`](Declare::POSITIVE_KEYS), [`PARAM_MAX`](Declare::PARAM_MAX) and
///   [`NOT_ABOVE`](Declare::NOT_ABOVE) bound the values of its parameter keys (they have
///   defaults: no bounds);
/// - [`SIZE`](Declare::SIZE) is its entry size, computed with a [`crate::layout`] function;
/// - [`declare`](Declare::declare) creates it or opens it, and on open compares what it
///   found with `N` and the parameters.
#[diagnostic::on_unimplemented(
    message = "zeroipc: `{Self}` is not a structure a segment can hold",
    label = "not a zeroipc structure",
    note = "a field of a `#[zeroipc::segment]` struct holds one of the zeroipc crate's shared-memory structures, the types that implement `Declare` (such as those listed below), declared with the keys that structure takes in `#[zeroipc(...)]`"
)]
pub trait Declare<const N: usize>: Sized {
    /// The element type (`()` for a structure without elements); it must be [`Element`].
    type Element;
    /// The keys of `#[zeroipc(...)]` this type accepts, besides `name`.
    const KEYS: &'static [&'static str];
    /// The keys it cannot do without.
    const REQUIRED_KEYS: &'static [&'static str];
    /// The keys whose value must be a power of two.
    const POWER_OF_TWO_KEYS: &'static [&'static str];
    /// Whether the element type's alignment is one format v2 supports (at most 8).
    const ELEMENT_ALIGN_OK: bool;
    /// The size of its table entry, in bytes.
    const SIZE: usize;
    /// The parameter keys whose value must be at least 1.
    const POSITIVE_KEYS: &'static [&'static str] = &[];
    /// The largest value any of its parameter keys takes.
    const PARAM_MAX: u64 = u64::MAX;
    /// Pairs of parameter keys `(a, b)` where `a`'s value must not be above `b`'s, unless
    /// `b`'s is 0 (which then means "no bound").
    const NOT_ABOVE: &'static [(&'static str, &'static str)] = &[];
    /// Its kind, as the segment's schema records it (`"array"`, `"semaphore"`, ...; see
    /// [`crate::schema`]); empty for a structure the schema does not describe.
    const KIND: &'static str = "";
    /// The key whose value is `N` (`"len"`, `"capacity"`), recorded in the schema with it;
    /// empty for a type that takes none.
    const SIZE_KEY: &'static str = "";
    /// `size_of` its element type; 0 for a structure without elements.
    const ELEMENT_SIZE: usize = 0;
    /// `size_of` a map's value type; 0 for every other structure.
    const VALUE_SIZE: usize = 0;
    /// For a composite, made of several table entries: the size of each, in the order
    /// `declare` adds them; [`SIZE`](Declare::SIZE) is then that of the one called by the
    /// field's table name, at index [`NAMED_PART`](Declare::NAMED_PART). Empty (the default)
    /// for a structure of one entry.
    const PARTS: &'static [usize] = &[];
    /// See [`PARTS`](Declare::PARTS).
    const NAMED_PART: usize = 0;

    /// Creates the structure called `name` in `mem`, or opens it and checks it against the
    /// declaration (its length or capacity is `N`, its parameters those in `params`, which
    /// holds exactly the parameter keys written, already checked against the constants
    /// above).
    ///
    /// # Errors
    ///
    /// Those of the structure's own `create` or `open`, and
    /// [`Error::DeclarationMismatch`] when an opened structure differs from the declaration.
    fn declare(mem: &Memory, name: &str, mode: Mode, params: &Params) -> Result<Self>
    where
        Self::Element: Element;
}

/// The values of a declared field's parameter keys, as the macro read them from
/// `#[zeroipc(...)]`: the keys that do not change a structure's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    values: &'static [(&'static str, u64)],
}

impl Params {
    /// No parameters.
    pub const NONE: Params = Params { values: &[] };

    /// The parameters `values`, as `(key, value)` pairs.
    pub const fn new(values: &'static [(&'static str, u64)]) -> Params {
        Params { values }
    }

    /// The value given for `key`, if any.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.values.iter().find(|(k, _)| *k == key).map(|&(_, v)| v)
    }

    /// The value given for `key` as an `i32` field of the format, or `default`.
    ///
    /// # Panics
    ///
    /// If the value is above `i32::MAX`: the macro refuses such a value at compile time
    /// (the sync types' [`Declare::PARAM_MAX`]), so only a hand-made `Params` can hold one.
    pub(crate) fn i32_or(&self, key: &str, default: i32) -> i32 {
        self.get(key).map_or(default, |v| {
            i32::try_from(v).expect("parameter values are checked against PARAM_MAX")
        })
    }
}

/// Plugs a structure of elements into the macro: one required size key (`len` or
/// `capacity`, also the name of the handle's method that reports it), the element type's
/// rules, and an entry size from `size(n, elem_size)`. Arguments: the type, the key, whether
/// the key must be a power of two, the size function.
macro_rules! declare_elements {
    ($ty:ident, $key:ident, $power_of_two:literal, $size:path $(,)?) => {
        impl<T, const N: usize> $crate::declare::Declare<N> for $ty<T> {
            type Element = T;
            const KEYS: &'static [&'static str] = &[stringify!($key)];
            const REQUIRED_KEYS: &'static [&'static str] = &[stringify!($key)];
            const POWER_OF_TWO_KEYS: &'static [&'static str] = if $power_of_two {
                &[stringify!($key)]
            } else {
                &[]
            };
            const ELEMENT_ALIGN_OK: bool = align_of::<T>() <= $crate::structures::MAX_ELEMENT_ALIGN;
            const KIND: &'static str = STRUCTURE.kind;
            const SIZE_KEY: &'static str = stringify!($key);
            const ELEMENT_SIZE: usize = size_of::<T>();
            const SIZE: usize = {
                let () = $crate::structures::ElementType::<T>::NOT_ZERO_SIZED;
                $size(N, size_of::<T>())
            };

            fn declare(
                mem: &$crate::Memory,
                name: &str,
                mode: $crate::declare::Mode,
                _params: &$crate::declare::Params,
            ) -> $crate::Result<Self>
            where
                T: $crate::declare::Element,
            {
                match mode {
                    $crate::declare::Mode::Create => $ty::create(mem, name, N),
                    $crate::declare::Mode::Open => {
                        let opened = $ty::open(mem, name)?;
                        $crate::declare::expect(name, stringify!($key), N, opened.$key())?;
                        Ok(opened)
                    }
                }
            }
        }
    };
}
pub(crate) use declare_elements;

/// Plugs a synchronisation primitive into the macro: no size key, no element, an entry of
/// `size` bytes, parameter keys bounded by the `i32` fields of the format. Arguments, in
/// order: the type, its entry size, then its `KEYS`, `REQUIRED_KEYS`, `POSITIVE_KEYS` and
/// `NOT_ABOVE`, then the function that creates or opens it.
macro_rules! declare_sync {
    ($ty:ty, $size:expr, $keys:expr, $required:expr, $positive:expr, $not_above:expr, $declare:expr $(,)?) => {
        impl<const N: usize> Declare<N> for $ty {
            type Element = ();
            const KEYS: &'static [&'static str] = $keys;
            const REQUIRED_KEYS: &'static [&'static str] = $required;
            const POWER_OF_TWO_KEYS: &'static [&'static str] = &[];
            const ELEMENT_ALIGN_OK: bool = true;
            const SIZE: usize = $size;
            const POSITIVE_KEYS: &'static [&'static str] = $positive;
            const PARAM_MAX: u64 = i32::MAX as u64;
            const NOT_ABOVE: &'static [(&'static str, &'static str)] = $not_above;
            const KIND: &'static str = STRUCTURE.kind;

            fn declare(mem: &Memory, name: &str, mode: Mode, params: &Params) -> Result<Self> {
                $declare(mem, name, mode, params)
            }
        }
    };
}
pub(crate) use declare_sync;

/// Plugs a composite (several table entries, see [`Declare::PARTS`]) into the macro: no keys,
/// no element. Arguments: the type, its kind for the schema, the sizes of its entries in
/// creation order, the index of the one called by its name, and the function that creates
/// it from a segment and a name.
macro_rules! declare_composite {
    ($ty:ty, $kind:literal, $parts:expr, $named:expr, $create:expr $(,)?) => {
        impl<const N: usize> $crate::declare::Declare<N> for $ty {
            type Element = ();
            const KEYS: &'static [&'static str] = &[];
            const REQUIRED_KEYS: &'static [&'static str] = &[];
            const POWER_OF_TWO_KEYS: &'static [&'static str] = &[];
            const ELEMENT_ALIGN_OK: bool = true;
            const SIZE: usize = $parts[$named];
            const KIND: &'static str = $kind;
            const PARTS: &'static [usize] = &$parts;
            const NAMED_PART: usize = $named;

            fn declare(
                mem: &$crate::Memory,
                name: &str,
                mode: $crate::declare::Mode,
                _params: &$crate::declare::Params,
            ) -> $crate::Result<Self> {
                match mode {
                    $crate::declare::Mode::Create => $create(mem, name),
                    $crate::declare::Mode::Open => <$ty>::open(mem, name),
                }
            }
        }
    };
}
pub(crate) use declare_composite;

/// [`Error::DeclarationMismatch`] unless `found == expected`: two `i32` fields, neither
/// negative (the declaration's come from literals, the segment's were validated at open).
pub(crate) fn expect_i32(name: &str, what: &'static str, expected: i32, found: i32) -> Result<()> {
    expect(name, what, expected as usize, found as usize)
}

/// [`Error::DeclarationMismatch`] unless `found == expected`.
pub(crate) fn expect(name: &str, what: &'static str, expected: usize, found: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(Error::DeclarationMismatch {
            name: name.to_owned(),
            what,
            expected: expected as u64,
            found: found as u64,
        })
    }
}

/// Creates the segment of a declared struct: `size` bytes (plus the options' extra space and
/// schema space) with a table of `max_entries` slots, then `build` adds its entries, then the
/// schema entry holding `schema` (the declaration's schema text) is added last, and only then
/// is the segment published: an opener never sees part of it. If anything fails the segment
/// is removed again, so a failed create leaves nothing behind.
///
/// # Errors
///
/// Those of [`Options::create`] (or [`Options::replace`]), [`Error::OutOfSpace`] if the
/// extra space overflows, and whatever `build` returns.
pub fn create_segment<S>(
    name: &str,
    options: &SegmentOptions,
    max_entries: u32,
    size: usize,
    schema: &[u8],
    build: impl FnOnce(&Memory) -> Result<S>,
) -> Result<S> {
    let total = size
        .checked_add(options.extra_space)
        .and_then(|total| total.checked_add(options.schema_space))
        .ok_or(Error::OutOfSpace {
            requested: u64::MAX,
            available: size as u64,
        })?;
    let memory_options = Options::new()
        .max_entries(max_entries)
        .mode(options.mode)
        .replace_if_stale(options.replace_if_stale)
        .unpublished();
    let mem = if options.replace {
        memory_options.replace(name, total)?
    } else {
        memory_options.create(name, total)?
    };
    let made = build(&mem).and_then(|segment| {
        mem.add_schema(schema, options.schema_space)?;
        mem.publish();
        Ok(segment)
    });
    match made {
        Ok(segment) => Ok(segment),
        Err(e) => {
            // The segment is ours (created above with O_EXCL) and unusable: remove it. The
            // first error is the one to report.
            let _ = Memory::unlink(name);
            Err(e)
        }
    }
}

/// Opens the segment of a declared struct; `build` opens and checks its entries.
///
/// # Errors
///
/// Those of [`Options::open`], and whatever `build` returns.
pub fn open_segment<S>(
    name: &str,
    options: &SegmentOptions,
    build: impl FnOnce(&Memory) -> Result<S>,
) -> Result<S> {
    let mem = Options::new().timeout(options.timeout).open(name)?;
    build(&mem)
}

/// Finishes one field of a declared struct: names the field in any error, and on open checks
/// that the entry has exactly the size the declaration implies.
///
/// # Errors
///
/// `handle`'s error, or [`Error::DeclarationMismatch`] for another entry size, each wrapped
/// in [`Error::Field`].
pub fn field<S>(
    mem: &Memory,
    mode: Mode,
    field: &'static str,
    name: &str,
    size: usize,
    handle: Result<S>,
) -> Result<S> {
    let checked = handle.and_then(|handle| {
        if mode == Mode::Open {
            let entry = mem.find(name)?;
            expect(name, "size", size, entry.size() as usize)?;
        }
        Ok(handle)
    });
    checked.map_err(|e| e.in_field(field))
}

/// Whether `pairs` holds `(a, b)`; usable in `const` checks.
pub const fn has_pair(pairs: &[(&str, &str)], a: &str, b: &str) -> bool {
    let mut i = 0;
    while i < pairs.len() {
        if str_eq(pairs[i].0, a) && str_eq(pairs[i].1, b) {
            return true;
        }
        i += 1;
    }
    false
}

/// Whether `keys` holds `key`; usable in `const` checks.
pub const fn has_key(keys: &[&str], key: &str) -> bool {
    let mut i = 0;
    while i < keys.len() {
        if str_eq(keys[i], key) {
            return true;
        }
        i += 1;
    }
    false
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Room in a [`Message`].
const MESSAGE_CAPACITY: usize = 1024;

/// Text assembled at compile time for the panic of a generated `const` check: a `const`
/// panic takes one `&str` and no formatting, and some messages name what a type accepts.
///
/// A piece that no longer fits is left out whole, so the text is always valid UTF-8.
#[derive(Clone, Copy, Debug)]
pub struct Message {
    /// Whole `&str` pieces, one after another: valid UTF-8 up to `len`.
    buf: [u8; MESSAGE_CAPACITY],
    /// Bytes in use; never above `MESSAGE_CAPACITY`.
    len: usize,
}

impl Default for Message {
    fn default() -> Self {
        Message::new()
    }
}

impl Message {
    /// An empty message.
    pub const fn new() -> Message {
        Message {
            buf: [0; MESSAGE_CAPACITY],
            len: 0,
        }
    }

    /// Appends `piece`, unless it does not fit.
    #[must_use]
    pub const fn push(mut self, piece: &str) -> Message {
        let bytes = piece.as_bytes();
        if bytes.len() > MESSAGE_CAPACITY - self.len {
            return self;
        }
        let mut i = 0;
        while i < bytes.len() {
            self.buf[self.len] = bytes[i];
            self.len += 1;
            i += 1;
        }
        self
    }

    /// Appends `n` in decimal.
    #[must_use]
    pub const fn push_usize(self, n: usize) -> Message {
        // 20 digits hold `u64::MAX`, and so any `usize` of the targets the format supports.
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = n;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        let (_, text) = digits.split_at(start);
        // ASCII digits only, so UTF-8.
        match core::str::from_utf8(text) {
            Ok(text) => self.push(text),
            Err(_) => self,
        }
    }

    /// Appends the keys as a list in backticks (`` `len` ``, `` `len`, `capacity` ``), or
    /// `no parameters` for none.
    #[must_use]
    pub const fn push_keys(mut self, keys: &[&str]) -> Message {
        if keys.is_empty() {
            return self.push("no parameters");
        }
        let mut i = 0;
        while i < keys.len() {
            if i > 0 {
                self = self.push(", ");
            }
            self = self.push("`").push(keys[i]).push("`");
            i += 1;
        }
        self
    }

    /// The text so far.
    ///
    /// # Panics
    ///
    /// Never in practice: the text is made of whole strings, so it is always UTF-8.
    pub const fn as_str(&self) -> &str {
        let (text, _) = self.buf.split_at(self.len);
        // `buf[..len]` is a concatenation of whole `&str`s (`push` copies a piece entirely or
        // not at all), so it is UTF-8; checked anyway, since this runs at compile time.
        match core::str::from_utf8(text) {
            Ok(text) => text,
            Err(_) => panic!("zeroipc: a message is built from whole strings"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout;
    use crate::test_util::Segment;
    use crate::{Array, Barrier, Latch, Mutex, Once, Queue, Semaphore, Stack};

    #[test]
    fn keys_are_found_by_content() {
        const _: () = assert!(has_key(<Array<u8> as Declare<1>>::KEYS, "len"));
        assert!(has_key(&["len", "capacity"], "capacity"));
        assert!(!has_key(&["len"], "le"));
        assert!(!has_key(&[], "len"));
    }

    #[test]
    fn messages_join_pieces_and_list_keys() {
        const TEXT: Message = Message::new()
            .push("takes ")
            .push_keys(&["len", "capacity"]);
        assert_eq!(TEXT.as_str(), "takes `len`, `capacity`");
        assert_eq!(Message::new().push_keys(&[]).as_str(), "no parameters");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        const TEXT: Message = Message::new()
            .push("at most ")
            .push_usize(layout::MAX_NAME_LEN)
            .push(", ")
            .push_usize(0)
            .push(", ")
            .push_usize(usize::MAX);
        assert_eq!(TEXT.as_str(), format!("at most 31, 0, {}", usize::MAX));
    }

    #[test]
    fn a_piece_that_does_not_fit_is_left_out_whole() {
        let long = "é".repeat(MESSAGE_CAPACITY / 2);
        let m = Message::new().push("a").push(&long).push("b");
        assert_eq!(m.as_str(), "ab");
    }

    #[test]
    fn array_size_comes_from_layout() {
        const _: () = assert!(<Array<u64> as Declare<1>>::ELEMENT_ALIGN_OK);
        assert_eq!(
            <Array<f32> as Declare<1000>>::SIZE,
            layout::array_size(1000, 4)
        );
    }

    #[test]
    fn opening_an_array_of_another_length_is_a_declaration_mismatch() {
        let seg = Segment::new(1 << 16);
        Array::<u32>::create(&seg.mem, "a", 10).unwrap();
        let err = <Array<u32> as Declare<12>>::declare(&seg.mem, "a", Mode::Open, &Params::NONE)
            .unwrap_err();
        assert!(matches!(
            err,
            Error::DeclarationMismatch {
                what: "len",
                expected: 12,
                found: 10,
                ..
            }
        ));
        assert!(
            <Array<u32> as Declare<10>>::declare(&seg.mem, "a", Mode::Open, &Params::NONE).is_ok()
        );
    }

    #[test]
    fn queue_and_stack_sizes_come_from_layout_and_only_the_queue_needs_a_power_of_two() {
        assert_eq!(
            <Queue<i32> as Declare<128>>::SIZE,
            layout::ring_size(128, 4)
        );
        assert_eq!(<Stack<f64> as Declare<64>>::SIZE, layout::ring_size(64, 8));
        assert!(has_key(
            <Queue<i32> as Declare<128>>::POWER_OF_TWO_KEYS,
            "capacity"
        ));
        assert!(<Stack<f64> as Declare<64>>::POWER_OF_TWO_KEYS.is_empty());
    }

    #[test]
    fn opening_a_queue_or_stack_of_another_capacity_is_a_declaration_mismatch() {
        let seg = Segment::new(1 << 16);
        Queue::<u32>::create(&seg.mem, "q", 8).unwrap();
        Stack::<u32>::create(&seg.mem, "s", 5).unwrap();
        for err in [
            <Queue<u32> as Declare<16>>::declare(&seg.mem, "q", Mode::Open, &Params::NONE)
                .unwrap_err(),
            <Stack<u32> as Declare<6>>::declare(&seg.mem, "s", Mode::Open, &Params::NONE)
                .unwrap_err(),
        ] {
            assert!(
                matches!(
                    err,
                    Error::DeclarationMismatch {
                        what: "capacity",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        assert!(
            <Queue<u32> as Declare<8>>::declare(&seg.mem, "q", Mode::Open, &Params::NONE).is_ok()
        );
        assert!(
            <Stack<u32> as Declare<5>>::declare(&seg.mem, "s", Mode::Open, &Params::NONE).is_ok()
        );
    }

    #[test]
    fn sync_types_have_layout_sizes_and_bounded_parameter_keys() {
        const _: () = assert!(has_pair(
            <Semaphore as Declare<0>>::NOT_ABOVE,
            "count",
            "max"
        ));
        const _: () = assert!(!has_pair(&[("count", "max")], "max", "count"));
        assert_eq!(<Semaphore as Declare<0>>::SIZE, layout::SEMAPHORE_SIZE);
        assert_eq!(<Once as Declare<0>>::SIZE, layout::ONCE_SIZE);
        assert_eq!(<Barrier as Declare<0>>::REQUIRED_KEYS, ["participants"]);
        assert_eq!(<Barrier as Declare<0>>::POSITIVE_KEYS, ["participants"]);
        assert_eq!(<Latch as Declare<0>>::PARAM_MAX, i32::MAX as u64);
        assert!(<Mutex as Declare<0>>::KEYS.is_empty());
        // The defaults: no bounds.
        assert_eq!(<Array<u8> as Declare<1>>::PARAM_MAX, u64::MAX);
        assert!(<Queue<u8> as Declare<2>>::NOT_ABOVE.is_empty());
    }

    #[test]
    fn sync_types_are_created_from_their_params_and_opened_against_them() {
        let seg = Segment::new(1 << 16);
        let params = Params::new(&[("count", 3), ("max", 10)]);
        assert_eq!(params.get("max"), Some(10));
        assert_eq!(params.get("participants"), None);
        let sem = <Semaphore as Declare<0>>::declare(&seg.mem, "s", Mode::Create, &params).unwrap();
        assert_eq!((sem.count(), sem.max_count()), (3, 10));
        let err = <Semaphore as Declare<0>>::declare(
            &seg.mem,
            "s",
            Mode::Open,
            &Params::new(&[("max", 9)]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::DeclarationMismatch {
                what: "max",
                expected: 9,
                found: 10,
                ..
            }
        ));
        let barrier = Params::new(&[("participants", 2)]);
        <Barrier as Declare<0>>::declare(&seg.mem, "b", Mode::Create, &barrier).unwrap();
        assert!(<Barrier as Declare<0>>::declare(&seg.mem, "b", Mode::Open, &barrier).is_ok());
        let latch = Params::new(&[("count", 4)]);
        <Latch as Declare<0>>::declare(&seg.mem, "l", Mode::Create, &latch).unwrap();
        let err = <Latch as Declare<0>>::declare(
            &seg.mem,
            "l",
            Mode::Open,
            &Params::new(&[("count", 5)]),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            Error::DeclarationMismatch { what: "count", .. }
        ));
    }

    #[test]
    fn field_errors_name_the_field_and_check_the_entry_size() {
        let seg = Segment::new(1 << 16);
        let a = Array::<u32>::create(&seg.mem, "a", 10).unwrap();
        let err = field(&seg.mem, Mode::Open, "temps", "a", 7, Ok(a)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "field `temps`: entry \"a\" has size 7 in the declaration but 48 in the segment"
        );
    }

    #[test]
    fn a_failed_build_removes_the_segment() {
        let name = crate::test_util::unique_name();
        let err = create_segment(&name, &SegmentOptions::new(), 4, 4096, b"", |_| {
            Err::<(), _>(Error::Timeout)
        })
        .unwrap_err();
        assert!(matches!(err, Error::Timeout));
        assert!(matches!(Memory::open(&name), Err(Error::NotFound { .. })));
    }
}
