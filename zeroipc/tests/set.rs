//! `Set<T>`: a map without values, in the bytes as in the behaviour.

mod common;

use common::segment;
use zeroipc::{Map, Set};

#[test]
fn inserting_a_present_value_reports_it_and_changes_nothing() {
    let (mem, _guard) = segment("set_twice", 1 << 16);
    let s = Set::<u32>::create(&mem, "s", 8).unwrap();
    assert!(s.insert(3).unwrap());
    assert!(!s.insert(3).unwrap());
    assert_eq!(s.len(), 1);
    assert!(s.remove(&3).unwrap());
    assert!(!s.remove(&3).unwrap());
    assert!(!s.contains(&3).unwrap());
    assert!(s.is_empty());
}

#[test]
fn a_set_is_a_map_without_values_byte_for_byte() {
    let (mem, _guard) = segment("set_map", 1 << 16);
    let s = Set::<u64>::create(&mem, "s", 8).unwrap();
    for v in [7, 42, 1 << 40] {
        s.insert(v).unwrap();
    }
    let as_map = Map::<u64, ()>::open(&mem, "s").unwrap();
    assert_eq!(as_map.len(), 3);
    let mut keys: Vec<u64> = as_map.iter().map(|(k, ())| k).collect();
    keys.sort_unstable();
    let mut values: Vec<u64> = s.iter().collect();
    values.sort_unstable();
    assert_eq!(keys, values);
    assert_eq!(values, [7, 42, 1 << 40]);
}
