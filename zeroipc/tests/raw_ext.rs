//! The run-time-typed handles of the C++ structures that bindings use (`RawMap`, `RawSet`,
//! `RawPool`, `RawRing`): the same bytes and algorithm as the typed ones, so each reads what
//! the other wrote, and their readers refuse to write.

// The values are exact in binary floating point.
#![allow(clippy::float_cmp)]

mod common;

use std::time::Duration;

use common::{golden, raw_segment, segment};
use zeroipc::{
    Error, KeyKind, Map, Memory, Options, Pool, RawKey, RawMap, RawPool, RawRing, RawSet, Ring, Set,
};

const WAIT: Duration = Duration::from_secs(1);

fn key(kind: KeyKind, size: usize, align: usize) -> RawKey {
    RawKey { kind, size, align }
}

#[test]
fn a_raw_map_and_a_typed_map_read_each_others_keys_and_values() {
    let (mem, _guard) = segment("raw_map", 1 << 16);
    let raw = RawMap::create(&mem, "m", "map", 16, key(KeyKind::Signed, 4, 4), (8, 8)).unwrap();
    let typed = Map::<i32, f64>::open(&mem, "m").unwrap();
    assert_eq!(
        raw.insert(&7i32.to_le_bytes(), &1.5f64.to_le_bytes(), WAIT)
            .unwrap(),
        None
    );
    assert_eq!(typed.get(&7).unwrap(), Some(1.5));
    assert_eq!(typed.insert(-3, 2.5).unwrap(), None);
    assert_eq!(
        raw.get(&(-3i32).to_le_bytes(), WAIT).unwrap(),
        Some(2.5f64.to_le_bytes().to_vec())
    );
    assert_eq!(
        raw.insert(&7i32.to_le_bytes(), &4.0f64.to_le_bytes(), WAIT)
            .unwrap(),
        Some(1.5f64.to_le_bytes().to_vec()),
        "an update gives the old value back"
    );
    assert_eq!(typed.get(&7).unwrap(), Some(4.0));
    assert_eq!(
        raw.remove(&7i32.to_le_bytes(), WAIT).unwrap(),
        Some(4.0f64.to_le_bytes().to_vec())
    );
    assert!(!typed.contains_key(&7).unwrap());
    assert_eq!((raw.len(), typed.len()), (1, 1));
    assert_eq!(
        raw.entries(),
        vec![(
            (-3i32).to_le_bytes().to_vec(),
            2.5f64.to_le_bytes().to_vec()
        )]
    );
}

#[test]
fn a_raw_map_refuses_another_key_or_value_size_and_an_unlisted_key_type() {
    let (mem, _guard) = segment("raw_map_sizes", 1 << 16);
    Map::<u64, u32>::create(&mem, "m", 8).unwrap();
    let err = RawMap::open(&mem, "m", "map", key(KeyKind::Unsigned, 4, 4), (4, 4)).unwrap_err();
    assert!(matches!(err, Error::ElementSizeMismatch { .. }), "{err}");
    let err = RawMap::open(&mem, "m", "map", key(KeyKind::Unsigned, 8, 8), (2, 2)).unwrap_err();
    assert!(matches!(err, Error::ElementSizeMismatch { .. }), "{err}");
    let err =
        RawMap::create(&mem, "odd", "map", 8, key(KeyKind::Bytes, 40, 4), (4, 4)).unwrap_err();
    assert!(matches!(err, Error::Corrupt { .. }), "{err}");
    assert!(mem.find("odd").is_err(), "a refused create adds nothing");
}

#[test]
fn a_raw_map_keyed_by_records_finds_the_cpp_generators_pairs() {
    let image = golden("golden-cpp-ext.bin");
    let (name, _cleanup) = raw_segment("raw_map_pair", &image);
    let mem = Memory::open(&name).unwrap();
    let pairs = RawMap::open(&mem, "m_pair", "map", key(KeyKind::Bytes, 8, 4), (4, 4)).unwrap();
    let pair = |a: i32, b: i32| [a.to_le_bytes(), b.to_le_bytes()].concat();
    assert_eq!(
        pairs.get(&pair(3, 4), WAIT).unwrap(),
        Some(34u32.to_le_bytes().to_vec())
    );
    assert_eq!(pairs.get(&pair(4, 3), WAIT).unwrap(), None);
    let floats =
        RawMap::open_read(&mem, "m_f64_i32", "map", key(KeyKind::Float, 8, 8), (4, 4)).unwrap();
    assert!(floats.contains(&(-0.0f64).to_le_bytes(), WAIT).unwrap());
    assert!(floats.contains(&2.5f64.to_le_bytes(), WAIT).unwrap());
    assert_eq!(floats.entries().len(), 4);
}

#[test]
fn a_raw_set_is_a_set() {
    let (mem, _guard) = segment("raw_set", 1 << 16);
    let raw = RawSet::create(&mem, "s", 8, key(KeyKind::Unsigned, 8, 8)).unwrap();
    let typed = Set::<u64>::open(&mem, "s").unwrap();
    assert!(raw.insert(&42u64.to_le_bytes(), WAIT).unwrap());
    assert!(!raw.insert(&42u64.to_le_bytes(), WAIT).unwrap());
    assert!(typed.contains(&42).unwrap());
    assert!(typed.insert(7).unwrap());
    assert!(raw.remove(&7u64.to_le_bytes(), WAIT).unwrap());
    assert_eq!(raw.elements(), vec![42u64.to_le_bytes().to_vec()]);
    assert!(
        RawMap::open(&mem, "s", "map", key(KeyKind::Unsigned, 8, 8), (0, 1)).is_ok(),
        "a set's bytes are a map's of empty values"
    );
}

#[test]
fn a_raw_pool_and_a_typed_pool_share_nodes_and_free_list() {
    let (mem, _guard) = segment("raw_pool", 1 << 16);
    let raw = RawPool::create(&mem, "p", 3, 8, 8).unwrap();
    let typed = Pool::<i64>::open(&mem, "p").unwrap();
    let a = raw.allocate().unwrap().unwrap();
    raw.set_bytes(a, &(-5i64).to_le_bytes()).unwrap();
    assert_eq!(typed.get(&zeroipc::PoolIndex::from_raw(a)).unwrap(), -5);
    let b = typed.allocate().unwrap().unwrap();
    let c = raw.allocate().unwrap().unwrap();
    assert_eq!(raw.allocate().unwrap(), None);
    let mut all = vec![a, b.get(), c];
    all.sort_unstable();
    assert_eq!(all, vec![0, 1, 2], "no node handed out twice");
    raw.free(b.get()).unwrap();
    assert_eq!(typed.len(), 2);
    let mut out = [0u8; 8];
    raw.get_bytes(a, &mut out).unwrap();
    assert_eq!(i64::from_le_bytes(out), -5);
    assert!(matches!(
        raw.get_bytes(3, &mut out),
        Err(Error::IndexOutOfBounds { .. })
    ));
}

#[test]
fn a_raw_ring_moves_whole_elements_to_a_typed_ring() {
    let (mem, _guard) = segment("raw_ring", 1 << 16);
    let raw = RawRing::create(&mem, "r", 4, 4).unwrap();
    let typed = Ring::<f32>::open(&mem, "r").unwrap();
    let values: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(
        raw.write_bytes(&values[..6]).unwrap(),
        1,
        "whole elements only"
    );
    assert_eq!(
        raw.write_bytes(&values[4..]).unwrap(),
        3,
        "room for three more"
    );
    let mut out = [0f32; 2];
    assert_eq!(typed.read(&mut out), 2);
    assert_eq!(out, [1.0, 2.0]);
    let mut bytes = [0u8; 16];
    assert_eq!(raw.read_bytes(&mut bytes).unwrap(), 2);
    assert_eq!(&bytes[..8], &values[8..16]);
    assert!(raw.is_empty());
}

#[test]
fn raw_readers_read_a_read_only_segment_and_refuse_to_write() {
    let image = golden("golden-cpp-ext.bin");
    let (name, _cleanup) = raw_segment("raw_readers", &image);
    let mem = Options::new().read_only(true).open(&name).unwrap();
    let m = RawMap::open_read(&mem, "m_i32", "map", key(KeyKind::Signed, 4, 4), (4, 4)).unwrap();
    assert_eq!(m.entries().len(), 19);
    assert!(matches!(
        m.insert(&1i32.to_le_bytes(), &1i32.to_le_bytes(), WAIT),
        Err(Error::ReadOnly { .. })
    ));
    assert!(matches!(
        m.get(&1i32.to_le_bytes(), WAIT),
        Err(Error::ReadOnly { .. })
    ));
    let s = RawSet::open_read(&mem, "s_u64", key(KeyKind::Unsigned, 8, 8)).unwrap();
    assert_eq!(s.elements().len(), 3);
    let p = RawPool::open_read(&mem, "pool_i32", 4, 4).unwrap();
    let mut out = [0u8; 4];
    p.get_bytes(2, &mut out).unwrap();
    assert_eq!(i32::from_le_bytes(out), 9);
    assert!(matches!(p.allocate(), Err(Error::ReadOnly { .. })));
    let r = RawRing::open_read(&mem, "ring_f32", 4).unwrap();
    assert_eq!(r.len(), 7);
    assert_eq!(&r.snapshot()[..4], &3.5f32.to_le_bytes());
    assert!(matches!(
        r.read_bytes(&mut out),
        Err(Error::ReadOnly { .. })
    ));
    assert!(matches!(
        RawMap::open(&mem, "m_i32", "map", key(KeyKind::Signed, 4, 4), (4, 4)),
        Err(Error::ReadOnly { .. })
    ));
}

#[test]
fn a_raw_ring_of_elements_of_no_bytes_is_refused_without_a_panic() {
    let (mem, guard) = segment("raw_ring_zero", 1 << 16);
    RawRing::create(&mem, "r", 4, 4).unwrap();
    assert!(matches!(
        RawRing::open(&mem, "r", 0),
        Err(Error::ElementSizeMismatch {
            expected: 0,
            found: 4,
            ..
        })
    ));
    // The header's element size broken to 0 (at 0x14), opened for elements of 0 bytes.
    let at = mem.find("r").unwrap().offset() as usize + 0x14;
    let mut bytes = std::fs::read(common::shm_path(&guard.0)).unwrap();
    bytes[at..at + 4].copy_from_slice(&0u32.to_le_bytes());
    let (name, _copy) = raw_segment("raw_ring_zero_copy", &bytes);
    let broken = Memory::open(&name).unwrap();
    for open in [RawRing::open, RawRing::open_read] {
        match open(&broken, "r", 0) {
            Err(Error::Corrupt { what, .. }) => assert!(what.contains("0 bytes"), "{what}"),
            other => panic!("expected a corrupt ring, got {other:?}"),
        }
    }
}
