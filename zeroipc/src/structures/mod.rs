//! The data structures a segment holds, one per file.

#[cfg(not(loom))]
pub(crate) mod array;
#[cfg(not(loom))]
pub(crate) mod bytes_ring;
pub(crate) mod map;
pub(crate) mod pool;
pub(crate) mod queue;
#[cfg(not(loom))]
pub(crate) mod ring;
#[cfg(not(loom))]
pub(crate) mod set;
pub(crate) mod slots;
pub(crate) mod stack;

#[cfg(not(loom))]
use std::marker::PhantomData;

/// The largest element alignment format v2 supports: every structure and every section in
/// one starts 8-aligned.
#[cfg(not(loom))]
pub(crate) const MAX_ELEMENT_ALIGN: usize = 8;

/// The compile-time rules every element type (and a signal's value type) follows: it has
/// bytes, and format v2 can align it. `let () = ElementType::<T>::OK;` in a constructor turns
/// a broken rule into a compile error that names it.
#[cfg(not(loom))]
pub(crate) struct ElementType<T>(PhantomData<T>);

#[cfg(not(loom))]
impl<T> ElementType<T> {
    /// `T` is not zero-sized: a zero-sized element would make every length a division by
    /// zero, and an entry of any size would hold "any number" of them.
    pub(crate) const NOT_ZERO_SIZED: () = assert!(
        size_of::<T>() > 0,
        "zeroipc: zero-sized element types (such as `()` or `[u8; 0]`) are not supported: a segment stores each element as its bytes; use a type of at least one byte"
    );
    /// `T`'s alignment is at most 8, as format v2 requires.
    pub(crate) const ALIGN_OK: () = assert!(
        align_of::<T>() <= MAX_ELEMENT_ALIGN,
        "zeroipc: element types with an alignment above 8 are not supported by format v2"
    );
    /// Both rules.
    pub(crate) const OK: () = {
        let () = Self::NOT_ZERO_SIZED;
        let () = Self::ALIGN_OK;
    };
}

// ---- What opening a structure shares -------------------------------------------------------

/// Finds the entry called `name` and copies its header `H` (the structure's first bytes)
/// out of the segment.
///
/// # Errors
///
/// [`Error::NotFound`](crate::Error::NotFound); [`Error::CapacityMismatch`](crate::Error::CapacityMismatch)
/// if the entry is too small for a header; a validation error if the table is corrupt.
#[cfg(not(loom))]
pub(crate) fn read_header<H: bytemuck::Pod>(
    mem: &crate::Memory,
    name: &str,
) -> crate::Result<(crate::Entry, H)> {
    let entry = mem.find(name)?;
    let too_small = || crate::Error::CapacityMismatch {
        name: name.to_owned(),
        capacity: 0,
        entry_size: entry.size(),
    };
    if entry.size() < size_of::<H>() as u64 {
        return Err(too_small());
    }
    let header = mem.region().read(entry.offset()).ok_or_else(too_small)?;
    Ok((entry, header))
}

/// [`Error::ElementSizeMismatch`](crate::Error::ElementSizeMismatch) unless the size a
/// header stores, `found`, is `expected`.
#[cfg(not(loom))]
pub(crate) fn expect_elem_size(name: &str, expected: usize, found: u32) -> crate::Result<()> {
    if found as usize == expected {
        return Ok(());
    }
    Err(crate::Error::ElementSizeMismatch {
        name: name.to_owned(),
        expected: expected as u64,
        found: u64::from(found),
    })
}

/// A handle's `Debug`: its type, table name, capacity and segment.
#[cfg(not(loom))]
pub(crate) fn debug_handle(
    f: &mut std::fmt::Formatter<'_>,
    ty: &str,
    name: &str,
    capacity: usize,
    region: &crate::region::Region,
) -> std::fmt::Result {
    f.debug_struct(ty)
        .field("name", &name)
        .field("capacity", &capacity)
        .field("segment", &region.shm().name())
        .finish_non_exhaustive()
}

// ---- The registry, for tools ---------------------------------------------------------------

/// What tools know of one structure: how to read an entry's bytes as one, and how to check
/// one by opening it with the runtime (see [`crate::inspect::readings`] and
/// [`crate::inspect::check`]). Each structure's file defines its own; [`STRUCTURES`] lists
/// them.
#[cfg(not(loom))]
pub(crate) struct Structure {
    /// The kind, in `snake_case`, as [`Reading::kind`](crate::inspect::Reading) gives it.
    pub(crate) kind: &'static str,
    /// Words that, in an entry's name, make this reading the more plausible one.
    pub(crate) hints: &'static [&'static str],
    /// The reading of an entry's bytes, where they fit the structure's layout.
    pub(crate) read: fn(&crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading>,
    /// The check of an entry by opening it, where the crate can open it.
    pub(crate) check: Option<Check>,
    /// The repair of an entry (see [`crate::Memory::repair`]), for a structure that a dead
    /// peer can leave half-way through an operation.
    pub(crate) repair: Option<crate::repair::Repair>,
    /// Makes one in a fresh segment and names the entry its reading must recognise: what the
    /// registry's test runs for every structure.
    #[cfg(test)]
    pub(crate) example: fn(&crate::Memory) -> crate::Result<String>,
}

#[cfg(not(loom))]
impl Structure {
    /// A structure of kind `kind` whose reading of an entry is `read`; no hints, no check.
    pub(crate) const fn new(
        kind: &'static str,
        read: fn(&crate::inspect::Probe<'_>) -> Option<crate::inspect::Reading>,
    ) -> Structure {
        Structure {
            kind,
            hints: &[],
            read,
            check: None,
            repair: None,
            #[cfg(test)]
            example: |_| Err(crate::Error::corrupt("", "no example")),
        }
    }

    /// The same, with the words that hint at it in an entry's name.
    pub(crate) const fn hints(mut self, hints: &'static [&'static str]) -> Structure {
        self.hints = hints;
        self
    }

    /// The same, checked by `check`.
    pub(crate) const fn check(mut self, check: Check) -> Structure {
        self.check = Some(check);
        self
    }

    /// The same, repaired by `repair`.
    pub(crate) const fn repair(mut self, repair: crate::repair::Repair) -> Structure {
        self.repair = Some(repair);
        self
    }

    /// The same, with the example the registry's test makes (kept only in test builds).
    pub(crate) const fn example(
        self,
        example: fn(&crate::Memory) -> crate::Result<String>,
    ) -> Structure {
        #[cfg(test)]
        return Structure { example, ..self };
        #[cfg(not(test))]
        {
            let _ = example;
            self
        }
    }
}

/// See [`Structure::check`].
#[cfg(not(loom))]
pub(crate) type Check =
    fn(&crate::Memory, &str, &crate::inspect::Reading) -> Option<Result<String, String>>;

/// Every structure, in the order their readings are listed when several fit (after those
/// the entry's name hints at). A new structure adds its line here.
#[cfg(not(loom))]
pub(crate) const STRUCTURES: &[Structure] = &[
    queue::STRUCTURE,
    stack::STRUCTURE,
    crate::sync::mutex::STRUCTURE,
    crate::sync::semaphore::STRUCTURE,
    crate::sync::latch::STRUCTURE,
    crate::sync::barrier::STRUCTURE,
    crate::sync::event::STRUCTURE,
    crate::sync::rwlock::STRUCTURE,
    crate::sync::monitor::STRUCTURE,
    crate::sync::once::STRUCTURE,
    crate::parts::MARKER,
    crate::sync::signal::STRUCTURE,
    array::STRUCTURE,
    map::STRUCTURE,
    set::STRUCTURE,
    pool::STRUCTURE,
    bytes_ring::STRUCTURE,
];

/// Runs `$f::<[u8; N]>$args` for the element size `$n` (a stand-in element type of that
/// size, for the typed opens of tools); `None` for a size without a stand-in.
#[cfg(not(loom))]
macro_rules! with_element_size {
    ($n:expr, $f:ident $args:tt) => {
        $crate::structures::with_element_size!(@ $n, $f $args;
            1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30
            31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57
            58 59 60 61 62 63 64 72 80 88 96 104 112 120 128 136 144 152 160 168 176 184 192
            200 208 216 224 232 240 248 256 512 1024 2048 4096)
    };
    (@ $n:expr, $f:ident $args:tt; $($size:literal)*) => {
        match $n {
            $( $size => Some($f::<[u8; $size]> $args), )*
            _ => None,
        }
    };
}
#[cfg(not(loom))]
pub(crate) use with_element_size;

/// What a `Type::open` of a tool's check gave: `kind: state`, or `kind::open: error`.
#[cfg(not(loom))]
pub(crate) fn opened<T>(
    kind: &str,
    handle: crate::Result<T>,
    state: impl FnOnce(&T) -> String,
) -> Result<String, String> {
    match handle {
        Ok(h) => Ok(format!("{kind}: {}", state(&h))),
        Err(e) => Err(format!("{kind}::open: {e}")),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::test_util::Segment;

    /// Every registered structure, made by its own `create` and put through `open` (its
    /// check), the tools' reading and, for the ones with elements, each element size: a
    /// structure that forgot a part of its registration fails here.
    #[test]
    fn every_registered_structure_is_read_and_checked_as_what_it_is() {
        let mut kinds = Vec::new();
        for structure in STRUCTURES {
            let seg = Segment::new(1 << 16);
            let entry_name = (structure.example)(&seg.mem).unwrap();
            let entry = seg.mem.find(&entry_name).unwrap();
            let head: Vec<u8> = (0..entry.size().min(crate::inspect::BYTES_NEEDED))
                .map(|i| seg.mem.region().read(entry.offset() + i).unwrap())
                .collect();
            let names = crate::inspect::Names::new(
                seg.mem
                    .entries()
                    .unwrap()
                    .map(|e| e.name().to_owned())
                    .collect(),
            );
            let readings = crate::inspect::readings(&entry_name, entry.size(), &head, &names);
            let reading = readings
                .iter()
                .find(|r| r.kind == structure.kind)
                .unwrap_or_else(|| panic!("{}: read as {readings:?}", structure.kind));
            assert_eq!(reading.inconsistent, None, "{}", structure.kind);
            // The same on a read-only mapping and on a private copy: a reading or a check
            // that wrote would fault on the first (killing this test) and is refused here.
            for access in [
                crate::Memory::options().read_only(true),
                crate::Memory::options().private_copy(true),
            ] {
                let seen = access.open(&seg.name).unwrap();
                let again = crate::inspect::read(&seen, &entry_name).unwrap();
                assert!(again.iter().any(|r| r.kind == structure.kind));
                for mem in [&seg.mem, &seen] {
                    if structure.check.is_some() {
                        match crate::inspect::check(mem, &entry_name, reading) {
                            Some(Ok(_)) => {}
                            other => panic!("{}: check gave {other:?}", structure.kind),
                        }
                    }
                }
            }
            if structure.repair.is_some() {
                // A structure nobody interrupted is sound: its repair finds it so, as what
                // it is, and changes nothing.
                let report = seg.mem.repair_entry(&entry_name).unwrap();
                match report.repaired.as_slice() {
                    [r] => {
                        assert_eq!(r.kind, structure.kind);
                        assert!(!r.changed(), "{}: {r:?}", structure.kind);
                    }
                    other => panic!("{}: repaired {other:?}", structure.kind),
                }
            }
            kinds.push(structure.kind);
        }
        let mut unique = kinds.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(
            unique.len(),
            kinds.len(),
            "two structures share a kind: {kinds:?}"
        );
    }

    /// Every structure's file (each file of `structures/` and `sync/` but `mod.rs` and what
    /// queues and stacks share, `ring.rs` and `slots.rs`) defines its registration and is
    /// listed in [`STRUCTURES`]: a new structure that forgot either fails here.
    #[test]
    fn every_structure_file_is_registered() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let registry = std::fs::read_to_string(src.join("structures/mod.rs")).unwrap();
        let listed = &registry[registry.find("pub(crate) const STRUCTURES").unwrap()..];
        for dir in ["structures", "sync"] {
            for file in std::fs::read_dir(src.join(dir)).unwrap() {
                let path = file.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let module = path.file_stem().unwrap().to_str().unwrap();
                if ["mod", "ring", "slots"].contains(&module) {
                    continue;
                }
                assert!(
                    text.contains("pub(crate) const STRUCTURE: crate::structures::Structure"),
                    "{dir}/{module}.rs defines no `STRUCTURE` (see CONTRIBUTING.md)"
                );
                assert!(
                    listed.contains(&format!("{module}::STRUCTURE,")),
                    "{dir}/{module}.rs is not listed in `STRUCTURES`"
                );
            }
        }
    }
}
