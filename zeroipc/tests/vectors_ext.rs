//! The reference segment `tests/vectors/golden-cpp-ext.bin`, written by the upstream C++
//! implementation: its maps, sets, pools and ring read slot for slot as
//! `tests/vectors/README-ext.md` lists them, and written again byte for byte.

// The scenario's values are exact in binary floating point.
#![allow(clippy::float_cmp)]

mod common;

use common::{golden, raw_segment, segment};
use zeroipc::{hash_bytes, Map, MapKey, Memory, Pool, PoolIndex, Ring, Set};

const FILE: &str = "golden-cpp-ext.bin";

/// The entries of the structures this crate reads: `(name, offset, size)`.
const ENTRIES: [(&str, u64, u64); 9] = [
    ("m_i32", 3104, 784),
    ("m_u64_f64", 3888, 784),
    ("m_f64_i32", 4672, 400),
    ("m_pair", 5072, 272),
    ("s_i32", 5344, 272),
    ("s_u64", 5616, 272),
    ("pool_i64", 5888, 280),
    ("pool_i32", 6168, 88),
    ("ring_f32", 6256, 280),
];

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

#[test]
fn the_table_lists_the_structures_where_the_readme_says() {
    let (name, _cleanup) = raw_segment("ext_table", &golden(FILE));
    let mem = Memory::open(&name).unwrap();
    let entries: Vec<_> = mem
        .entries()
        .unwrap()
        .map(|e| (e.name().to_owned(), e.offset(), e.size()))
        .take(9)
        .collect();
    let expected: Vec<_> = ENTRIES
        .iter()
        .map(|&(n, o, s)| (n.to_owned(), o, s))
        .collect();
    assert_eq!(entries, expected);
}

/// Every occupied slot of `m_i32`, with its slot index: `(slot, key, value)`.
const M_I32: [(usize, i32, i32); 19] = [
    (1, 17, 170),
    (4, 4, 40),
    (8, 8, 80),
    (12, 12, 120),
    (16, 16, 160),
    (19, 3, 30),
    (20, 20, 200),
    (23, 7, 777),
    (27, 11, 110),
    (31, 15, 150),
    (34, 2, 20),
    (35, 19, 190),
    (36, 100, 1000),
    (42, 10, 100),
    (46, 14, 140),
    (49, 1, 10),
    (50, 18, 180),
    (57, 9, 90),
    (61, 13, 130),
];

#[test]
fn the_reference_maps_hold_every_listed_slot() {
    let image = golden(FILE);
    let (name, _cleanup) = raw_segment("ext_maps", &image);
    let mem = Memory::open(&name).unwrap();

    let m = Map::<i32, i32>::open(&mem, "m_i32").unwrap();
    assert_eq!((m.len(), m.capacity()), (19, 64));
    for (slot, key, value) in M_I32 {
        assert_eq!(m.get(&key).unwrap(), Some(value), "key {key}");
        assert_eq!(key.cpp_hash() % 64, slot as u64, "home of {key}");
        let at = 3120 + slot * 12;
        assert_eq!(u32_at(&image, at), 1, "state of slot {slot}");
        assert_eq!(u32_at(&image, at + 4) as i32, key);
    }
    for (slot, key, value) in [(38, 6, 60), (53, 5, 50)] {
        let at = 3120 + slot * 12;
        assert_eq!(u32_at(&image, at), 2, "tombstone at {slot}");
        assert_eq!(
            (u32_at(&image, at + 4) as i32, u32_at(&image, at + 8) as i32),
            (key, value)
        );
        assert_eq!(m.get(&key).unwrap(), None);
    }
    let mut all: Vec<_> = m.iter().collect();
    all.sort_unstable();
    let mut expected: Vec<_> = M_I32.iter().map(|&(_, k, v)| (k, v)).collect();
    expected.sort_unstable();
    assert_eq!(all, expected);

    let m = Map::<u64, f64>::open(&mem, "m_u64_f64").unwrap();
    assert_eq!((m.len(), m.capacity()), (11, 32));
    for i in 0..=10u64 {
        assert_eq!(m.get(&(1000 + i)).unwrap(), Some(f64::from(i as u8) * 0.5));
    }
    assert_eq!(m.iter().count(), 11);

    let m = Map::<f64, i32>::open(&mem, "m_f64_i32").unwrap();
    assert_eq!((m.len(), m.capacity()), (4, 16));
    for (slot, key, value) in [(2, -0.0, 4), (4, 0.5, 1), (5, 2.5, 3), (7, 1.5, 2)] {
        assert_eq!(m.get(&key).unwrap(), Some(value), "key {key}");
        assert_eq!(u32_at(&image, 4688 + slot * 24), 1);
    }
    // +0.0 equals -0.0, but hashes elsewhere (slot 9, EMPTY): not found, as in C++.
    assert_eq!(m.get(&0.0).unwrap(), None);

    let m = Map::<[i32; 2], u32>::open(&mem, "m_pair").unwrap();
    assert_eq!(m.len(), 3);
    for (slot, key, value) in [(1, [1, 2], 12), (4, [5, 6], 56), (13, [3, 4], 34)] {
        assert_eq!(m.get(&key).unwrap(), Some(value));
        assert_eq!(key.cpp_hash() % 16, slot);
    }
}

#[test]
fn the_reference_sets_hold_every_listed_value() {
    let image = golden(FILE);
    let (name, _cleanup) = raw_segment("ext_sets", &image);
    let mem = Memory::open(&name).unwrap();
    let s = Set::<i32>::open(&mem, "s_i32").unwrap();
    assert_eq!((s.len(), s.capacity()), (15, 32));
    for v in (0..=45).step_by(3) {
        assert_eq!(s.contains(&v).unwrap(), v != 9, "{v}");
        let slot = (v as u64).wrapping_mul(2_654_435_761) % 32;
        let at = 5360 + slot as usize * 8;
        assert_eq!(u32_at(&image, at), if v == 9 { 2 } else { 1 });
        assert_eq!(u32_at(&image, at + 4) as i32, v);
    }
    let mut all: Vec<_> = s.iter().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..=45).step_by(3).filter(|&v| v != 9).collect::<Vec<_>>()
    );

    let s = Set::<u64>::open(&mem, "s_u64").unwrap();
    assert_eq!(s.len(), 3);
    for (slot, v) in [(0, 1u64 << 40), (7, 7), (10, 42)] {
        assert!(s.contains(&v).unwrap());
        assert_eq!(u32_at(&image, 5632 + slot * 16), 1);
    }
    assert!(!s.contains(&8).unwrap());
}

#[test]
fn the_reference_pools_hold_every_listed_node_and_link() {
    let image = golden(FILE);
    let (name, _cleanup) = raw_segment("ext_pools", &image);
    let mem = Memory::open(&name).unwrap();

    let p = Pool::<i64>::open(&mem, "pool_i64").unwrap();
    assert_eq!((p.len(), p.capacity()), (3, 16));
    assert_eq!(&image[5888..5896], &[3, 0, 0, 0, 7, 0, 0, 0]);
    let nexts: Vec<u32> = (0..16).map(|i| u32_at(&image, 5912 + i * 16 + 8)).collect();
    let mut expected = vec![1, 5, 3, 1, 5];
    expected.extend(6..=15);
    expected.push(u32::MAX);
    assert_eq!(nexts, expected);
    for (i, v) in [(0, 11), (1, 12), (2, 13), (3, 14), (4, 15)] {
        assert_eq!(p.get(&PoolIndex::from_raw(i)).unwrap(), v);
    }
    // The free list: 3, 1, 5, 6, ..., 15.
    let mut order = Vec::new();
    while let Some(node) = p.allocate().unwrap() {
        order.push(node.get());
    }
    let mut expected = vec![3, 1];
    expected.extend(5..16);
    assert_eq!(order, expected);

    let p = Pool::<i32>::open(&mem, "pool_i32").unwrap();
    assert_eq!((p.len(), p.capacity()), (3, 8));
    for (i, v) in [(0, 7), (1, 8), (2, 9)] {
        assert_eq!(p.get(&PoolIndex::from_raw(i)).unwrap(), v);
    }
    assert_eq!(p.allocate().unwrap().map(|n| n.get()), Some(3));
}

#[test]
fn the_reference_ring_holds_its_unread_elements_at_its_positions() {
    let image = golden(FILE);
    let (name, _cleanup) = raw_segment("ext_ring", &image);
    let mem = Memory::open(&name).unwrap();
    let r = Ring::<f32>::open(&mem, "ring_f32").unwrap();
    assert_eq!((r.capacity(), r.capacity_bytes(), r.len()), (64, 256, 7));
    assert_eq!(
        u64::from_le_bytes(image[6256..6264].try_into().unwrap()),
        40
    );
    assert_eq!(
        u64::from_le_bytes(image[6264..6272].try_into().unwrap()),
        12
    );
    let mut out = [0f32; 16];
    assert_eq!(r.read(&mut out), 7);
    assert_eq!(&out[..7], &[3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
    // The stream's buffer is a ring of i32 too.
    let st = Ring::<i32>::open(&mem, "st_buffer").unwrap();
    let mut out = [0; 8];
    assert_eq!(st.read(&mut out), 5);
    assert_eq!(&out[..5], &[1, 2, 3, 4, 5]);
}

#[test]
fn the_scenario_written_here_gives_the_reference_bytes() {
    let (mem, cleanup) = segment("ext_write", 1 << 20);
    let m = Map::<i32, i32>::create(&mem, "m_i32", 64).unwrap();
    for k in 1..=20 {
        assert_eq!(m.insert(k, k * 10).unwrap(), None);
    }
    assert_eq!(m.remove(&5).unwrap(), Some(50));
    assert_eq!(m.remove(&6).unwrap(), Some(60));
    assert_eq!(m.insert(100, 1000).unwrap(), None);
    assert_eq!(m.insert(7, 777).unwrap(), Some(70));
    let m = Map::<u64, f64>::create(&mem, "m_u64_f64", 32).unwrap();
    for i in 0..=10u64 {
        m.insert(1000 + i, f64::from(i as u8) * 0.5).unwrap();
    }
    let m = Map::<f64, i32>::create(&mem, "m_f64_i32", 16).unwrap();
    for (k, v) in [(0.5, 1), (1.5, 2), (2.5, 3), (-0.0, 4)] {
        m.insert(k, v).unwrap();
    }
    let m = Map::<[i32; 2], u32>::create(&mem, "m_pair", 16).unwrap();
    for (k, v) in [([1, 2], 12), ([3, 4], 34), ([5, 6], 56)] {
        m.insert(k, v).unwrap();
    }
    let s = Set::<i32>::create(&mem, "s_i32", 32).unwrap();
    for v in (0..=45).step_by(3) {
        assert!(s.insert(v).unwrap());
    }
    assert!(s.remove(&9).unwrap());
    let s = Set::<u64>::create(&mem, "s_u64", 16).unwrap();
    for v in [1 << 40, 7, 42] {
        assert!(s.insert(v).unwrap());
    }
    let p = Pool::<i64>::create(&mem, "pool_i64", 16).unwrap();
    let mut nodes: Vec<_> = (0..5).map(|_| p.allocate().unwrap().unwrap()).collect();
    for (i, node) in nodes.iter().enumerate() {
        p.set(node, 11 + i as i64).unwrap();
    }
    let fourth = nodes.remove(3);
    let second = nodes.remove(1);
    p.free(second).unwrap();
    p.free(fourth).unwrap();
    let p = Pool::<i32>::create(&mem, "pool_i32", 8).unwrap();
    for v in [7, 8, 9] {
        let node = p.allocate().unwrap().unwrap();
        p.set(&node, v).unwrap();
    }
    let r = Ring::<f32>::create(&mem, "ring_f32", 64).unwrap();
    let values: Vec<f32> = (0..10u8).map(|i| f32::from(i) + 0.5).collect();
    assert_eq!(r.write(&values), 10);
    assert_eq!(r.read(&mut [0.0; 3]), 3);

    let image = golden(FILE);
    let path = common::shm_path(&cleanup.0);
    let written = std::fs::read(path).unwrap();
    // The table's entries for these structures, then the structures themselves.
    let table = 32..32 + 9 * 48;
    assert_eq!(written[table.clone()], image[table]);
    let (start, end) = (3104, 6536);
    for at in start..end {
        assert_eq!(written[at], image[at], "byte {at}");
    }
}

#[test]
fn the_byte_hash_gives_the_readme_values() {
    let cases: [(&[u8], u64); 10] = [
        (&[0; 8], 0xf457_bd22_cac0_2869),
        (&[0, 0, 0, 0, 0, 0, 0, 0x80], 0x17b2_7c0b_5193_0e62),
        (&[0, 0, 0, 0x3f], 0x99eb_e2c3_286b_7e04),
        (&[1, 0, 0, 0, 2, 0, 0, 0], 0x7d5c_455d_8187_bb11),
        (&[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0], 0x2192_b8a5_5161_d110),
        (
            &[0xfe, 0xff, 0xff, 0xff, 4, 0, 0, 0, 0xf8, 0xff, 0xff, 0xff],
            0x1bd5_dd87_967d_1d6a,
        ),
        (&[0, 0, 0], 0xccc8_5474_6f63_fdfb),
        (&[1, 2, 3], 0xebad_63a8_c4d1_6f88),
        (&[97, 98, 99], 0x32d8_2bf8_ed3d_ba39),
        (&[200, 100, 50], 0x453a_f5fc_db5c_bc46),
    ];
    for (bytes, hash) in cases {
        assert_eq!(hash_bytes(bytes), hash, "{bytes:?}");
    }
}

/// The 78 keys of the README's "Test vectors" table, each hashed by this crate as its type
/// says: every one gives the C++ implementation's hash.
#[test]
fn every_test_vector_of_the_readme_hashes_as_in_cpp() {
    let readme = std::fs::read_to_string(common::vectors_dir().join("README-ext.md")).unwrap();
    let table = &readme[readme.find("### Test vectors").unwrap()..];
    let table = &table[..table.find("## Bytes that are not fixed").unwrap()];
    let mut checked = 0;
    for row in table
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains('`'))
    {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let (ty, bytes, hash) = (cells[1], cells[3], cells[4]);
        let bytes: Vec<u8> = bytes
            .trim_matches('`')
            .split(' ')
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect();
        let hash = u64::from_str_radix(hash.trim_matches('`'), 16).unwrap();
        let ours = match ty {
            "i8" | "char" => i8::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "bool" => u8::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "i16" => i16::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "i32" => i32::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "u32" => u32::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "i64" => i64::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "u64" => u64::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "f64" => f64::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "f32" => f32::from_le_bytes(bytes[..].try_into().unwrap()).cpp_hash(),
            "pair" => <[u8; 8]>::try_from(&bytes[..]).unwrap().cpp_hash(),
            "s12" => <[u8; 12]>::try_from(&bytes[..]).unwrap().cpp_hash(),
            "s3" => <[u8; 3]>::try_from(&bytes[..]).unwrap().cpp_hash(),
            other => panic!("a type the README adds: {other}"),
        };
        assert_eq!(ours, hash, "{row}");
        checked += 1;
    }
    assert_eq!(checked, 78);
}
