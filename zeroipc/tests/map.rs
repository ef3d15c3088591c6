//! `Map<K, V>` as one process sees it: inserts, updates, removals and probing.

// The values used are exact in binary floating point.
#![allow(clippy::float_cmp)]

mod common;

use common::segment;
use zeroipc::{Error, Map, MapKey, Memory};

#[test]
fn an_update_returns_the_old_value_and_keeps_the_count() {
    let (mem, _guard) = segment("map_update", 1 << 16);
    let m = Map::<u64, u32>::create(&mem, "m", 8).unwrap();
    assert_eq!(m.insert(5, 1).unwrap(), None);
    assert_eq!(m.insert(5, 2).unwrap(), Some(1));
    assert_eq!(m.len(), 1);
    assert_eq!(m.get(&5).unwrap(), Some(2));
    assert!(m.contains_key(&5).unwrap());
    assert_eq!(m.get(&6).unwrap(), None);
}

#[test]
fn keys_with_one_home_probe_past_each_other_and_wrap_around_the_end() {
    let (mem, _guard) = segment("map_probe", 1 << 16);
    let m = Map::<u32, u32>::create(&mem, "m", 4).unwrap();
    // Keys whose home is slot 3, the last one: the second and third wrap to slots 0 and 1.
    let same_home: Vec<u32> = (0..1000u32)
        .filter(|k| k.cpp_hash() % 4 == 3)
        .take(3)
        .collect();
    for &k in &same_home {
        m.insert(k, k * 2).unwrap();
    }
    for &k in &same_home {
        assert_eq!(m.get(&k).unwrap(), Some(k * 2));
    }
    // Removing the first leaves a tombstone the others are still found past.
    assert_eq!(m.remove(&same_home[0]).unwrap(), Some(same_home[0] * 2));
    assert_eq!(m.get(&same_home[2]).unwrap(), Some(same_home[2] * 2));
    assert_eq!(m.len(), 2);
}

#[test]
fn a_removed_key_comes_back_into_its_own_tombstone() {
    let (mem, _guard) = segment("map_back", 1 << 16);
    let m = Map::<i32, i32>::create(&mem, "m", 2).unwrap();
    m.insert(1, 10).unwrap();
    m.insert(2, 20).unwrap();
    assert_eq!(m.remove(&1).unwrap(), Some(10));
    assert_eq!(m.remove(&1).unwrap(), None);
    assert_eq!(m.insert(1, 11).unwrap(), None);
    assert_eq!(m.get(&1).unwrap(), Some(11));
    assert_eq!(m.len(), 2);
    let mut all: Vec<_> = m.iter().collect();
    all.sort_unstable();
    assert_eq!(all, [(1, 11), (2, 20)]);
}

#[test]
fn nan_keys_are_never_found_and_signed_zeros_are_one_key_found_through_their_own_bytes() {
    let (mem, _guard) = segment("map_float", 1 << 16);
    let m = Map::<f64, u8>::create(&mem, "m", 16).unwrap();
    assert_eq!(m.insert(f64::NAN, 1).unwrap(), None);
    assert_eq!(
        m.insert(f64::NAN, 2).unwrap(),
        None,
        "a NaN never equals the one stored"
    );
    assert_eq!(m.get(&f64::NAN).unwrap(), None);
    assert_eq!(m.len(), 2);
    m.insert(-0.0, 3).unwrap();
    assert_eq!(m.get(&-0.0).unwrap(), Some(3));
    // 0.0 == -0.0, but its home slot is another one (as in the C++ implementation).
    let homes = (0.0f64.cpp_hash() % 16, (-0.0f64).cpp_hash() % 16);
    assert_ne!(homes.0, homes.1);
}

#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Pair {
    a: i32,
    b: i32,
}

impl MapKey for Pair {}

#[test]
fn record_keys_hash_and_compare_by_their_bytes() {
    let (mem, _guard) = segment("map_record", 1 << 16);
    let m = Map::<Pair, f32>::create(&mem, "m", 16).unwrap();
    m.insert(Pair { a: 1, b: 2 }, 0.5).unwrap();
    assert_eq!(Pair { a: 1, b: 2 }.cpp_hash(), [1i32, 2].cpp_hash());
    assert_eq!(m.get(&Pair { a: 1, b: 2 }).unwrap(), Some(0.5));
    assert_eq!(m.get(&Pair { a: 2, b: 1 }).unwrap(), None);
}

#[test]
fn opening_with_other_key_or_value_sizes_fails() {
    let (mem, guard) = segment("map_types", 1 << 16);
    Map::<u32, u64>::create(&mem, "m", 8).unwrap();
    assert!(matches!(
        Map::<u64, u64>::open(&mem, "m"),
        Err(Error::ElementSizeMismatch {
            expected: 8,
            found: 4,
            ..
        })
    ));
    assert!(matches!(
        Map::<u32, u32>::open(&mem, "m"),
        Err(Error::ElementSizeMismatch {
            expected: 4,
            found: 8,
            ..
        })
    ));
    assert!(Map::<u32, u64>::open(&Memory::open(&guard.0).unwrap(), "m").is_ok());
}
