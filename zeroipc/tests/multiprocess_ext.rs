//! Maps, sets, pools and rings shared by real processes: the test binary re-executes itself
//! as the children (see `common::spawn_child`); every wait has a deadline, and the parent
//! kills and reaps its children if they overrun.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{child_role, spawn_child, unique_name, Children, Cleanup};
use zeroipc::{Map, Memory, Pool, Ring, Set};

const SEGMENT_VAR: &str = "ZEROIPC_TEST_SEGMENT";
const ID_VAR: &str = "ZEROIPC_TEST_CHILD_ID";
const CHILDREN: u64 = 4;
const PARENT_DEADLINE: Duration = Duration::from_secs(180);
/// Keys each child owns alone: `id * 1000 .. id * 1000 + OWN`.
const OWN: u64 = 100;
/// Keys every child inserts and removes: `SHARED_FROM .. SHARED_FROM + SHARED`.
const SHARED_FROM: u64 = 100_000;
const SHARED: u64 = 100;
const ROUNDS: u64 = 30;

fn shared_value(k: u64) -> u64 {
    k * 7 + 1
}

/// The map every run must end with, whatever the interleaving: each child's own keys that
/// are not multiples of 3 hold 2 (inserted as 1, updated to 2, the others removed); every
/// shared key holds its value, since every child's last operation on it is an insert.
fn model() -> BTreeMap<u64, u64> {
    let mut m = BTreeMap::new();
    for id in 0..CHILDREN {
        for k in id * 1000..id * 1000 + OWN {
            if k % 3 != 0 {
                m.insert(k, 2);
            }
        }
    }
    for k in SHARED_FROM..SHARED_FROM + SHARED {
        m.insert(k, shared_value(k));
    }
    m
}

fn child_env(name: &str, id: u64) -> Vec<(&'static str, String)> {
    vec![(SEGMENT_VAR, name.to_owned()), (ID_VAR, id.to_string())]
}

fn child_id() -> u64 {
    std::env::var(ID_VAR).unwrap().parse().unwrap()
}

fn run_children(test: &str, role: &str, name: &str, count: u64) {
    let mut children = Children(
        (0..count)
            .map(|id| spawn_child(test, role, &child_env(name, id)))
            .collect(),
    );
    assert!(children.wait_all(PARENT_DEADLINE), "a child failed");
}

/// The map's child: its own keys inserted, updated and some removed, with exact answers;
/// the shared keys inserted and removed in rounds, ending with an insert.
fn map_child(map: &Map<u64, u64>) {
    let id = child_id();
    let own = id * 1000..id * 1000 + OWN;
    for k in own.clone() {
        assert_eq!(map.insert(k, 1).unwrap(), None, "own key {k}");
    }
    for round in 0..ROUNDS {
        for k in SHARED_FROM..SHARED_FROM + SHARED {
            let old = map.insert(k, shared_value(k)).unwrap();
            assert!(old.is_none() || old == Some(shared_value(k)));
            if round + 1 < ROUNDS {
                let gone = map.remove(&k).unwrap();
                assert!(gone.is_none() || gone == Some(shared_value(k)));
            }
        }
    }
    for k in own.clone() {
        assert_eq!(map.insert(k, 2).unwrap(), Some(1), "own key {k}");
        if k % 3 == 0 {
            assert_eq!(map.remove(&k).unwrap(), Some(2), "own key {k}");
        }
    }
    for k in own {
        assert_eq!(map.get(&k).unwrap(), (k % 3 != 0).then_some(2));
    }
}

#[test]
fn four_processes_on_one_map_lose_and_duplicate_no_key() {
    if child_role().as_deref() == Some("map") {
        let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
        map_child(&Map::open(&mem, "map").unwrap());
        return;
    }
    let name = unique_name("mp_map");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 20).unwrap();
    let map = Map::<u64, u64>::create(&mem, "map", 1024).unwrap();
    run_children(
        "four_processes_on_one_map_lose_and_duplicate_no_key",
        "map",
        &name,
        CHILDREN,
    );
    let all: Vec<(u64, u64)> = map.iter().collect();
    let unique: BTreeMap<u64, u64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "a key in two slots");
    assert_eq!(unique, model());
    assert_eq!(map.len(), all.len());
}

#[test]
fn four_processes_on_one_set_lose_and_duplicate_no_value() {
    if child_role().as_deref() == Some("set") {
        let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
        let set = Set::<u64>::open(&mem, "set").unwrap();
        let id = child_id();
        for k in id * 1000..id * 1000 + OWN {
            assert!(set.insert(k).unwrap());
        }
        for round in 0..ROUNDS {
            for k in SHARED_FROM..SHARED_FROM + SHARED {
                set.insert(k).unwrap();
                if round + 1 < ROUNDS {
                    set.remove(&k).unwrap();
                }
            }
        }
        for k in (id * 1000..id * 1000 + OWN).filter(|k| k % 3 == 0) {
            assert!(set.remove(&k).unwrap());
            assert!(!set.remove(&k).unwrap());
        }
        return;
    }
    let name = unique_name("mp_set");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 20).unwrap();
    let set = Set::<u64>::create(&mem, "set", 1024).unwrap();
    run_children(
        "four_processes_on_one_set_lose_and_duplicate_no_value",
        "set",
        &name,
        CHILDREN,
    );
    let mut all: Vec<u64> = set.iter().collect();
    let count = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), count, "a value in two slots");
    assert_eq!(all, model().into_keys().collect::<Vec<_>>());
    assert_eq!(set.len(), count);
}

const POOL_NODES: usize = 64;
const POOL_ITERATIONS: u64 = 20_000;

#[test]
fn four_processes_on_one_pool_never_hold_one_node_twice() {
    if child_role().as_deref() == Some("pool") {
        let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
        let pool = Pool::<u64>::open(&mem, "pool").unwrap();
        let id = child_id();
        let mut held = Vec::new();
        for i in 0..POOL_ITERATIONS {
            let stamp = id << 32 | i;
            if held.len() < 12 && i % 3 != 2 {
                if let Some(node) = pool.allocate().unwrap() {
                    pool.set(&node, stamp).unwrap();
                    held.push((node, stamp));
                }
            } else if !held.is_empty() {
                give_back(&pool, held.swap_remove(0));
            }
        }
        for node in held {
            give_back(&pool, node);
        }
        return;
    }
    let name = unique_name("mp_pool");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 20).unwrap();
    let pool = Pool::<u64>::create(&mem, "pool", POOL_NODES).unwrap();
    run_children(
        "four_processes_on_one_pool_never_hold_one_node_twice",
        "pool",
        &name,
        CHILDREN,
    );
    assert_eq!(pool.len(), 0);
    // Every node is on the free list exactly once.
    let mut nodes: Vec<u32> =
        std::iter::from_fn(|| pool.allocate().unwrap().map(|n| n.get())).collect();
    nodes.sort_unstable();
    assert_eq!(nodes, (0..POOL_NODES as u32).collect::<Vec<_>>());
}

/// Frees a node after checking that it still holds this child's stamp: a node another child
/// was handed meanwhile would hold that child's.
fn give_back(pool: &Pool<u64>, (node, stamp): (zeroipc::PoolIndex, u64)) {
    assert_eq!(
        pool.get(&node).unwrap(),
        stamp,
        "node {} held twice",
        node.get()
    );
    pool.free(node).unwrap();
}

const RING_ITEMS: u64 = 1_000_000;

#[test]
fn a_ring_between_two_processes_delivers_a_million_elements_in_order() {
    let role = child_role();
    if let Some(role) = role.as_deref() {
        let mem = Memory::open(&std::env::var(SEGMENT_VAR).unwrap()).unwrap();
        let ring = Ring::<u64>::open(&mem, "ring").unwrap();
        let end = Instant::now() + Duration::from_secs(120);
        // The producer's next element, or the consumer's expected one.
        let mut next = 0;
        let mut buf = [0u64; 100];
        while next < RING_ITEMS {
            let n = if role == "producer" {
                let len = (RING_ITEMS - next).min(100) as usize;
                for (i, slot) in buf[..len].iter_mut().enumerate() {
                    *slot = next + i as u64;
                }
                ring.write(&buf[..len])
            } else {
                let n = ring.read(&mut buf);
                for (i, &v) in buf[..n].iter().enumerate() {
                    assert_eq!(v, next + i as u64, "out of order");
                }
                n
            };
            next += n as u64;
            if n == 0 {
                assert!(Instant::now() < end, "the {role}'s peer stalled");
                std::thread::yield_now();
            }
        }
        return;
    }
    let name = unique_name("mp_ring");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::create(&name, 1 << 20).unwrap();
    let ring = Ring::<u64>::create(&mem, "ring", 100).unwrap();
    let test = "a_ring_between_two_processes_delivers_a_million_elements_in_order";
    let mut children = Children(vec![
        spawn_child(test, "consumer", &child_env(&name, 0)),
        spawn_child(test, "producer", &child_env(&name, 1)),
    ]);
    assert!(children.wait_all(PARENT_DEADLINE), "a child failed");
    assert!(ring.is_empty());
}
