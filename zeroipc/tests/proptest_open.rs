//! Property tests: whatever bytes a segment holds, opening it and every entry in it gives
//! values or errors, never a panic, a crash or a read outside the mapping.

mod common;

use std::time::Duration;

use bytemuck::Pod;
use common::scenario::Record;
use common::{golden, raw_segment, GOLDEN_FILES};
use proptest::prelude::*;
use zeroipc::{Array, Options};

/// Opens `bytes` as a segment, then every entry as arrays of several element types, reading
/// every element of those that open. Only errors may come back.
fn open_everything(bytes: &[u8]) {
    let (name, _cleanup) = raw_segment("prop", bytes);
    let Ok(mem) = Options::new().timeout(Duration::ZERO).open(&name) else {
        return;
    };
    let _ = mem.used();
    let Ok(entries) = mem.entries() else {
        return;
    };
    for entry in entries {
        read_all::<u8>(&mem, entry.name());
        read_all::<u32>(&mem, entry.name());
        read_all::<f64>(&mem, entry.name());
        read_all::<Record>(&mem, entry.name());
    }
}

fn read_all<T: Pod>(mem: &zeroipc::Memory, name: &str) {
    if let Ok(array) = Array::<T>::open(mem, name) {
        let copy = array.to_vec();
        assert_eq!(copy.len(), array.len());
        assert_eq!(array.iter().count(), array.len());
        if let Some(last) = array.len().checked_sub(1) {
            array.set(last, array.get(last).unwrap()).unwrap();
        }
    }
}

fn reference() -> &'static [u8] {
    static IMAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    IMAGE.get_or_init(|| golden(GOLDEN_FILES[0]))
}

/// Offsets of the numeric fields of the table: header words and entry offsets and sizes.
fn table_field() -> impl Strategy<Value = usize> {
    prop_oneof![
        (0usize..2).prop_map(|i| 8 + 4 * i),
        (0usize..2).prop_map(|i| 16 + 8 * i),
        (0usize..9, 0usize..2).prop_map(|(e, f)| 32 + 48 * e + 32 + 8 * f),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_crash_open(bytes in proptest::collection::vec(any::<u8>(), 1..4096)) {
        open_everything(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_magic_never_crash_open(
        mut bytes in proptest::collection::vec(any::<u8>(), 32..8192),
        version_two in any::<bool>(),
    ) {
        bytes[0..4].copy_from_slice(&zeroipc::layout::MAGIC.to_le_bytes());
        if version_two {
            bytes[4..8].copy_from_slice(&2u32.to_le_bytes());
        }
        open_everything(&bytes);
    }

    #[test]
    fn byte_flips_of_a_valid_segment_never_crash_open(
        flips in proptest::collection::vec((0usize..9288, any::<u8>()), 1..16),
    ) {
        let mut bytes = reference().to_vec();
        for (at, value) in flips {
            bytes[at] = value;
        }
        open_everything(&bytes);
    }

    #[test]
    fn hostile_table_numbers_never_crash_open(
        writes in proptest::collection::vec(
            (table_field(), prop_oneof![
                any::<u64>(),
                0u64..20_000,
                (0u64..64).prop_map(|k| 1u64 << k),
                Just(u64::MAX),
            ]),
            1..6,
        ),
    ) {
        let mut bytes = reference().to_vec();
        for (at, value) in writes {
            if (8..16).contains(&at) {
                bytes[at..at + 4].copy_from_slice(&(value as u32).to_le_bytes());
            } else {
                bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
            }
        }
        open_everything(&bytes);
    }
}
