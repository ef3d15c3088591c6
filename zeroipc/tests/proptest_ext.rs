//! Property tests of the C++ image's maps, sets, pools and ring with bytes a peer scribbled:
//! whatever the flipped bytes, opening them and running every operation gives values or
//! errors, never a panic, a hang or a read outside the mapping.

mod common;

use std::time::Duration;

use common::{golden, raw_segment};
use proptest::prelude::*;
use zeroipc::{Map, MapKey, Memory, Options, Pool, PoolIndex, Ring, Set};

/// Every operation of a map of `K` to `V` on each entry, without waiting for any slot.
fn exercise_map<K: MapKey + From<u8>, V: bytemuck::Pod + Default>(mem: &Memory, name: &str) {
    let Ok(map) = Map::<K, V>::open(mem, name) else {
        return;
    };
    assert!(map.len() <= map.capacity());
    let _ = map.iter().count();
    for k in 0..24u8 {
        let key = K::from(k);
        let _ = map.get_timeout(&key, Duration::ZERO);
        let _ = map.contains_key_timeout(&key, Duration::ZERO);
        let _ = map.insert_timeout(key, V::default(), Duration::ZERO);
        let _ = map.remove_timeout(&key, Duration::ZERO);
    }
}

fn exercise_set<T: MapKey + From<u8>>(mem: &Memory, name: &str) {
    let Ok(set) = Set::<T>::open(mem, name) else {
        return;
    };
    assert!(set.len() <= set.capacity());
    let _ = set.iter().count();
    for v in 0..24u8 {
        let _ = set.insert_timeout(T::from(v), Duration::ZERO);
        let _ = set.contains_timeout(&T::from(v), Duration::ZERO);
        let _ = set.remove_timeout(&T::from(v), Duration::ZERO);
    }
}

fn exercise_pool<T: bytemuck::Pod>(mem: &Memory, name: &str) {
    let Ok(pool) = Pool::<T>::open(mem, name) else {
        return;
    };
    // At most a capacity's worth: a scribbled list may loop, which `allocate` cannot see.
    let mut taken = Vec::new();
    for _ in 0..pool.capacity() {
        match pool.allocate() {
            Ok(Some(node)) => taken.push(node),
            Ok(None) | Err(_) => break,
        }
    }
    for node in taken {
        let _ = pool.get(&node);
        let _ = pool.free(node);
    }
    let _ = pool.free(PoolIndex::from_raw(u32::MAX));
    assert!(pool.len() <= pool.capacity());
}

fn exercise_ring<T: bytemuck::Pod>(mem: &Memory, name: &str) {
    let Ok(ring) = Ring::<T>::open(mem, name) else {
        return;
    };
    let mut buf = vec![T::zeroed(); ring.capacity() + 1];
    let _ = ring.snapshot();
    let _ = ring.read(&mut buf);
    let _ = ring.write(&buf);
    assert!(ring.len() <= ring.capacity());
}

fn open_everything(bytes: &[u8]) {
    let (name, _cleanup) = raw_segment("prop_ext", bytes);
    let Ok(mem) = Options::new().timeout(Duration::ZERO).open(&name) else {
        return;
    };
    for entry in ["m_i32", "m_u64_f64", "m_f64_i32", "m_pair"] {
        exercise_map::<i32, i32>(&mem, entry);
        exercise_map::<u64, f64>(&mem, entry);
        exercise_map::<u32, u32>(&mem, entry);
    }
    for entry in ["s_i32", "s_u64"] {
        exercise_set::<i32>(&mem, entry);
        exercise_set::<u64>(&mem, entry);
    }
    for entry in ["pool_i64", "pool_i32"] {
        exercise_pool::<i64>(&mem, entry);
        exercise_pool::<i32>(&mem, entry);
    }
    for entry in ["ring_f32", "st_buffer"] {
        exercise_ring::<f32>(&mem, entry);
        exercise_ring::<u8>(&mem, entry);
    }
}

fn reference() -> &'static [u8] {
    static IMAGE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    IMAGE.get_or_init(|| golden("golden-cpp-ext.bin"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn byte_flips_in_maps_sets_pools_and_rings_never_crash(
        flips in proptest::collection::vec((3104usize..7672, any::<u8>()), 1..24),
    ) {
        let mut bytes = reference().to_vec();
        for (at, value) in flips {
            bytes[at] = value;
        }
        open_everything(&bytes);
    }

    #[test]
    fn hostile_header_words_never_crash(
        writes in proptest::collection::vec(
            (prop_oneof![
                // Map and set header words, pool and ring header words.
                (0usize..6).prop_flat_map(|s| (0usize..4).prop_map(move |w| [3104, 3888, 4672, 5072, 5344, 5616][s] + 4 * w)),
                (0usize..6).prop_map(|w| 5888 + 4 * w),
                (0usize..6).prop_map(|w| 6168 + 4 * w),
                (0usize..6).prop_map(|w| 6256 + 4 * w),
            ], prop_oneof![any::<u32>(), 0u32..80, Just(u32::MAX), Just(3)]),
            1..6,
        ),
    ) {
        let mut bytes = reference().to_vec();
        for (at, value) in writes {
            bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        open_everything(&bytes);
    }
}
