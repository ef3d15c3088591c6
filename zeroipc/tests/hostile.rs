//! Segments another process wrote badly, or on purpose: each rule of validation at open is
//! answered by its own error variant, never by a panic or a read out of bounds.
//!
//! Every case starts from a valid reference image and breaks one thing in it.

mod common;

use std::time::Duration;

use common::{golden, raw_segment, Cleanup, GOLDEN_FILES};
use zeroipc::{Array, Error, Memory, Result};

/// Byte offset of table entry `i`'s name, offset and size fields.
fn entry_name(i: usize) -> usize {
    32 + 48 * i
}
fn entry_offset(i: usize) -> usize {
    entry_name(i) + 32
}
fn entry_size(i: usize) -> usize {
    entry_name(i) + 40
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}
fn put_u64(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

/// Opens the reference image after `break_it` has changed it.
fn open_broken(break_it: impl FnOnce(&mut Vec<u8>)) -> (Result<Memory>, Cleanup) {
    let mut bytes = golden(GOLDEN_FILES[0]);
    break_it(&mut bytes);
    let (name, cleanup) = raw_segment("hostile", &bytes);
    let opened = zeroipc::Options::new()
        .timeout(Duration::from_millis(20))
        .open(&name);
    (opened, cleanup)
}

#[test]
fn the_unbroken_image_opens() {
    let (mem, _c) = open_broken(|_| {});
    assert!(mem.is_ok());
}

#[test]
fn a_wrong_magic_is_bad_magic() {
    let (r, _c) = open_broken(|b| put_u32(b, 0, 0xdead_beef));
    assert!(
        matches!(r, Err(Error::BadMagic { found: 0xdead_beef })),
        "{r:?}"
    );
}

#[test]
fn a_zero_magic_is_not_ready_after_the_wait() {
    let (r, _c) = open_broken(|b| put_u32(b, 0, 0));
    assert!(matches!(r, Err(Error::NotReady { .. })), "{r:?}");
}

#[test]
fn another_version_is_unsupported() {
    let (r, _c) = open_broken(|b| put_u32(b, 4, 3));
    assert!(
        matches!(r, Err(Error::UnsupportedVersion { found: 3 })),
        "{r:?}"
    );
}

#[test]
fn more_entries_than_slots_is_too_many_entries() {
    let (r, _c) = open_broken(|b| put_u32(b, 8, 65));
    assert!(
        matches!(
            r,
            Err(Error::TooManyEntries {
                entry_count: 65,
                max_entries: 64
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_table_larger_than_the_segment_is_refused() {
    let (r, _c) = open_broken(|b| put_u32(b, 12, 30_000));
    assert!(
        matches!(
            r,
            Err(Error::TableTooLarge {
                table_size: 1_440_032,
                segment_size: 1_048_576
            })
        ),
        "{r:?}"
    );
    let (r, _c) = open_broken(|b| put_u32(b, 12, u32::MAX));
    assert!(matches!(r, Err(Error::TableTooLarge { .. })), "{r:?}");
}

#[test]
fn a_segment_too_small_for_a_header_is_refused() {
    let (name, _c) = raw_segment("hostile_tiny", &[0x4d, 0x50, 0x49, 0x5a, 2, 0]);
    let r = Memory::open(&name);
    assert!(
        matches!(
            r,
            Err(Error::TableTooLarge {
                table_size: 32,
                segment_size: 6
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_memory_size_larger_than_the_segment_is_a_size_mismatch() {
    let (r, _c) = open_broken(|b| put_u64(b, 16, 2 << 20));
    assert!(
        matches!(
            r,
            Err(Error::SizeMismatch {
                header: 2_097_152,
                actual: 1_048_576
            })
        ),
        "{r:?}"
    );
}

#[test]
fn an_entry_past_the_end_is_out_of_bounds() {
    let (r, _c) = open_broken(|b| put_u64(b, entry_size(7), 1 << 20));
    match r {
        Err(Error::EntryOutOfBounds {
            name, offset: 9272, ..
        }) => assert_eq!(name, "barrier"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_entry_whose_end_overflows_is_out_of_bounds() {
    let (r, _c) = open_broken(|b| {
        put_u64(b, entry_offset(7), u64::MAX - 7);
        put_u64(b, entry_size(7), 16);
    });
    assert!(matches!(r, Err(Error::EntryOutOfBounds { .. })), "{r:?}");
}

#[test]
fn an_unaligned_entry_is_misaligned() {
    let (r, _c) = open_broken(|b| put_u64(b, entry_offset(7), 9273));
    assert!(
        matches!(r, Err(Error::MisalignedEntry { offset: 9273, .. })),
        "{r:?}"
    );
}

#[test]
fn entries_sharing_bytes_overlap() {
    // `latch` moved to start inside `sem` (9240..9256).
    let (r, _c) = open_broken(|b| put_u64(b, entry_offset(6), 9248));
    match r {
        Err(Error::OverlappingEntries { first, second }) => {
            assert_eq!((first.as_str(), second.as_str()), ("sem", "latch"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_zero_sized_entry_inside_another_shares_no_bytes() {
    // `latch` emptied and moved inside `sem` (9240..9256): it holds no bytes to share.
    let (r, _c) = open_broken(|b| {
        put_u64(b, entry_offset(6), 9248);
        put_u64(b, entry_size(6), 0);
    });
    let mem = r.unwrap();
    assert_eq!(mem.find("latch").unwrap().size(), 0);
}

#[test]
fn an_overlap_behind_a_zero_sized_entry_is_found() {
    // `latch` emptied at 9248, inside `sem` (9240..9256); `barrier` moved to the same offset
    // lies after it in offset order, and overlaps `sem`.
    let (r, _c) = open_broken(|b| {
        put_u64(b, entry_offset(6), 9248);
        put_u64(b, entry_size(6), 0);
        put_u64(b, entry_offset(7), 9248);
    });
    match r {
        Err(Error::OverlappingEntries { first, second }) => {
            assert_eq!((first.as_str(), second.as_str()), ("sem", "barrier"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_entry_inside_the_table_is_refused() {
    let (r, _c) = open_broken(|b| put_u64(b, entry_offset(0), 64));
    assert!(
        matches!(
            r,
            Err(Error::EntryInTable {
                offset: 64,
                table_end: 3104,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_name_without_nul_is_a_bad_entry_name() {
    let (r, _c) = open_broken(|b| b[entry_name(2)..entry_name(2) + 32].fill(b'x'));
    assert!(matches!(r, Err(Error::BadEntryName { index: 2 })), "{r:?}");
}

#[test]
fn a_name_that_is_not_utf8_is_a_bad_entry_name() {
    let (r, _c) = open_broken(|b| b[entry_name(1)] = 0xff);
    assert!(matches!(r, Err(Error::BadEntryName { index: 1 })), "{r:?}");
}

#[test]
fn a_next_offset_before_an_entry_end_is_refused() {
    let (r, _c) = open_broken(|b| put_u64(b, 24, 9000));
    assert!(
        matches!(r, Err(Error::BadNextOffset { next_offset: 9000 })),
        "{r:?}"
    );
    let (r, _c) = open_broken(|b| put_u64(b, 24, 100));
    assert!(
        matches!(r, Err(Error::BadNextOffset { next_offset: 100 })),
        "{r:?}"
    );
}

#[test]
fn an_array_capacity_that_does_not_fit_its_entry_is_a_capacity_mismatch() {
    for capacity in [3000, u64::MAX, 0] {
        let (mem, _c) = open_broken(|b| put_u64(b, 3104, capacity));
        let r = Array::<f32>::open(&mem.unwrap(), "sensor_data");
        match r {
            Err(Error::CapacityMismatch {
                name,
                capacity: c,
                entry_size: 4008,
            }) => {
                assert_eq!((name.as_str(), c), ("sensor_data", capacity));
            }
            other => panic!("capacity {capacity}: {other:?}"),
        }
    }
}

#[test]
fn an_entry_too_small_for_an_array_header_is_a_capacity_mismatch() {
    // `sem` is 16 bytes: a header and one 8-byte element, or nothing sensible for f32.
    let (mem, _c) = open_broken(|_| {});
    let r = Array::<f32>::open(&mem.unwrap(), "sem");
    assert!(matches!(r, Err(Error::CapacityMismatch { .. })), "{r:?}");
}

#[test]
fn an_element_size_that_does_not_match_t_is_refused() {
    let (mem, _c) = open_broken(|_| {});
    let mem = mem.unwrap();
    let r = Array::<u32>::open(&mem, "counters");
    match r {
        Err(Error::ElementSizeMismatch {
            name,
            expected: 4,
            found: 8,
        }) => {
            assert_eq!(name, "counters");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn corruption_after_open_is_caught_at_the_next_lookup() {
    let (mem, c) = open_broken(|_| {});
    let mem = mem.unwrap();
    let mut bytes = std::fs::read(common::shm_path(&c.0)).unwrap();
    put_u32(&mut bytes, 8, 1000);
    std::fs::write(common::shm_path(&c.0), &bytes).unwrap();
    assert!(matches!(
        mem.find("counters"),
        Err(Error::TooManyEntries { .. })
    ));
    assert!(matches!(
        Array::<u64>::create(&mem, "new", 4),
        Err(Error::TooManyEntries { .. })
    ));
}

// ---- The schema entry ------------------------------------------------------------------------

/// A declared segment of one array.
#[zeroipc::segment(max_entries = 4)]
pub struct Small {
    #[zeroipc(len = 4)]
    pub temps: Array<f32>,
}

/// A declared segment with a schema: its bytes, and the schema entry's table slot, offset and
/// size.
fn declared_image() -> (Vec<u8>, usize, usize, usize) {
    let name = common::unique_name("hostile_schema");
    let _cleanup = Cleanup(name.clone());
    let small = Small::create(&name).unwrap();
    assert_eq!(small.temps.len(), 4);
    let bytes = std::fs::read(common::shm_path(&name)).unwrap();
    let schema = small.memory().find(zeroipc::schema::ENTRY_NAME).unwrap();
    (bytes, 1, schema.offset() as usize, schema.size() as usize)
}

/// Opens the declared image after `break_it` has changed it (given the schema entry's slot,
/// offset and size), then reads its schema and opens its array: the table is sound, so the
/// segment opens; the schema is the error.
fn open_schema_broken(break_it: impl FnOnce(&mut Vec<u8>, usize, usize, usize)) -> Vec<String> {
    let (mut bytes, slot, offset, size) = declared_image();
    break_it(&mut bytes, slot, offset, size);
    let (name, _cleanup) = raw_segment("hostile_schema", &bytes);
    let mem = Memory::open(&name).expect("the table is untouched");
    let read = zeroipc::schema::read(&mem).map(|_| ());
    let array = Array::<f32>::open(&mem, "temps").map(|_| ());
    [read, array]
        .into_iter()
        .map(|r| match r {
            Err(e @ Error::BadSchema { .. }) => e.to_string(),
            other => panic!("expected BadSchema, got {other:?}"),
        })
        .collect()
}

#[test]
fn the_unbroken_schema_reads() {
    let (bytes, ..) = declared_image();
    let (name, _cleanup) = raw_segment("hostile_schema", &bytes);
    let mem = Memory::open(&name).unwrap();
    let schema = zeroipc::schema::read(&mem).unwrap().unwrap();
    assert_eq!(schema.get("temps").unwrap().kind, "array");
}

#[test]
fn a_truncated_schema_entry_is_bad_schema() {
    for errors in [
        open_schema_broken(|b, slot, _, _| put_u64(b, entry_size(slot), 10)),
        open_schema_broken(|b, slot, _, size| put_u64(b, entry_size(slot), size as u64 - 1)),
    ] {
        assert!(
            errors
                .iter()
                .all(|e| e.contains("header") || e.contains("beyond")),
            "{errors:?}"
        );
    }
}

#[test]
fn an_oversized_schema_length_is_bad_schema() {
    let errors = open_schema_broken(|b, _, offset, _| put_u32(b, offset + 8, u32::MAX));
    assert!(
        errors.iter().all(|e| e.contains("4294967295")),
        "{errors:?}"
    );
}

#[test]
fn a_schema_of_another_version_or_magic_is_bad_schema() {
    let errors = open_schema_broken(|b, _, offset, _| put_u32(b, offset + 4, 7));
    assert!(
        errors.iter().all(|e| e.contains("version is 7")),
        "{errors:?}"
    );
    let errors = open_schema_broken(|b, _, offset, _| put_u32(b, offset, 0x1234_5678));
    assert!(errors.iter().all(|e| e.contains("magic")), "{errors:?}");
}

#[test]
fn a_schema_naming_an_entry_that_does_not_exist_is_bad_schema() {
    let errors = open_schema_broken(|b, _, offset, _| {
        let text = offset + 16;
        let at = text + b[text..].windows(5).position(|w| w == b"temps").unwrap();
        b[at..at + 5].copy_from_slice(b"ghost");
    });
    assert!(
        errors
            .iter()
            .all(|e| e.contains("\"ghost\", which the table does not hold")),
        "{errors:?}"
    );
}

#[test]
fn absurdly_nested_or_garbled_schema_text_is_bad_schema() {
    let errors = open_schema_broken(|b, _, offset, size| {
        let line = format!("{}\n", "[".repeat(size - 17));
        b[offset + 16..offset + size].copy_from_slice(line.as_bytes());
        put_u32(b, offset + 8, (size - 16) as u32);
    });
    assert!(errors.iter().all(|e| e.contains("deep")), "{errors:?}");
    let errors = open_schema_broken(|b, _, offset, size| {
        b[offset + 16..offset + size].fill(0xFF);
    });
    assert!(errors.iter().all(|e| e.contains("UTF-8")), "{errors:?}");
}
