//! The reference segments in `tests/vectors`, written by the C++ and Python
//! implementations: read byte for byte, and written again by this crate.

// The scenario's values are exact in binary floating point.
#![allow(clippy::float_cmp)]

mod common;

use common::scenario::{self, Record};
use common::{golden, raw_segment, segment, GOLDEN_FILES};
use zeroipc::{layout, Array, Memory};

const EXPECTED_ENTRIES: [(&str, u64, u64); 8] = [
    ("sensor_data", 3104, 4008),
    ("counters", 7112, 136),
    ("records", 7248, 168),
    ("events", 7416, 1040),
    ("stack", 8456, 784),
    ("sem", 9240, 16),
    ("latch", 9256, 16),
    ("barrier", 9272, 16),
];

#[test]
fn both_reference_images_are_identical() {
    assert_eq!(golden(GOLDEN_FILES[0]), golden(GOLDEN_FILES[1]));
}

#[test]
fn reference_tables_open_with_every_entry_as_documented() {
    for file in GOLDEN_FILES {
        let (name, _cleanup) = raw_segment("vec_table", &golden(file));
        let mem = Memory::open(&name).unwrap();
        assert_eq!(mem.size(), 1 << 20, "{file}");
        assert_eq!(mem.max_entries(), 64, "{file}");
        assert_eq!(mem.used().unwrap(), 9288, "{file}");
        let entries: Vec<_> = mem
            .entries()
            .unwrap()
            .map(|e| (e.name().to_owned(), e.offset(), e.size()))
            .collect();
        let expected: Vec<_> = EXPECTED_ENTRIES
            .iter()
            .map(|&(n, o, s)| (n.to_owned(), o, s))
            .collect();
        assert_eq!(entries, expected, "{file}");
    }
}

#[test]
fn reference_arrays_hold_the_scenario_values() {
    for file in GOLDEN_FILES {
        let (name, _cleanup) = raw_segment("vec_arrays", &golden(file));
        let mem = Memory::open(&name).unwrap();

        let sensors = Array::<f32>::open(&mem, "sensor_data").unwrap();
        assert_eq!(sensors.len(), 1000);
        for (i, v) in sensors.iter().enumerate() {
            assert_eq!(v, scenario::sensor(i), "{file} sensor_data[{i}]");
        }

        let counters = Array::<u64>::open(&mem, "counters").unwrap();
        let expected: Vec<u64> = (0..16).map(scenario::counter).collect();
        assert_eq!(counters.to_vec(), expected, "{file}");

        let records = Array::<Record>::open(&mem, "records").unwrap();
        assert_eq!(records.len(), 10);
        for (i, r) in records.iter().enumerate() {
            assert_eq!(r, scenario::record(i), "{file} records[{i}]");
        }
    }
}

#[test]
fn reference_arrays_refuse_the_wrong_element_type() {
    let (name, _cleanup) = raw_segment("vec_types", &golden(GOLDEN_FILES[0]));
    let mem = Memory::open(&name).unwrap();
    assert!(matches!(
        Array::<f64>::open(&mem, "sensor_data"),
        Err(zeroipc::Error::ElementSizeMismatch {
            expected: 8,
            found: 4,
            ..
        })
    ));
}

#[test]
fn writing_the_scenario_arrays_gives_the_reference_bytes() {
    let reference = golden(GOLDEN_FILES[0]);
    let (mem, cleanup) = segment("vec_write", 1 << 20);

    scenario::write_arrays(&mem);

    let written = std::fs::read(common::shm_path(&cleanup.0)).unwrap();
    assert_eq!(written.len(), reference.len());
    // Header: magic, version, max_entries and memory_size as written; entry_count and
    // next_offset cover only the three entries written so far.
    assert_eq!(written[0..8], reference[0..8], "magic and version");
    assert_eq!(
        written[12..24],
        reference[12..24],
        "max_entries and memory_size"
    );
    assert_eq!(written[8..12], 3u32.to_le_bytes(), "entry_count");
    assert_eq!(written[24..32], 7416u64.to_le_bytes(), "next_offset");
    // The three entries, then the rest of the table (empty) up to its end.
    let first_unused_entry = layout::table_entry_offset(3);
    assert_eq!(
        written[32..first_unused_entry],
        reference[32..first_unused_entry]
    );
    assert!(written[first_unused_entry..layout::table_size(64) as usize]
        .iter()
        .all(|&b| b == 0));
    // The three arrays, byte for byte.
    assert_eq!(written[3104..7416], reference[3104..7416], "array bytes");
    // Nothing written past them.
    assert!(written[7416..].iter().all(|&b| b == 0));
}
