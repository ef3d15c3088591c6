//! `Pool<T>`: nodes handed out and taken back through the tagged free list.

mod common;

use common::segment;
use zeroipc::{Pool, PoolIndex};

#[test]
fn every_node_can_be_taken_once_then_none_is_left() {
    let (mem, _guard) = segment("pool_all", 1 << 16);
    let p = Pool::<u16>::create(&mem, "p", 5).unwrap();
    let nodes: Vec<PoolIndex> = (0..5).map(|_| p.allocate().unwrap().unwrap()).collect();
    assert_eq!(
        nodes.iter().map(PoolIndex::get).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4]
    );
    assert!(p.allocate().unwrap().is_none());
    assert_eq!(p.len(), 5);
    for node in nodes {
        p.free(node).unwrap();
    }
    assert!(p.is_empty());
}

#[test]
fn freed_nodes_come_back_last_in_first_out_with_their_data() {
    let (mem, _guard) = segment("pool_lifo", 1 << 16);
    let p = Pool::<u64>::create(&mem, "p", 4).unwrap();
    let a = p.allocate().unwrap().unwrap();
    let b = p.allocate().unwrap().unwrap();
    p.set(&a, 11).unwrap();
    p.set(&b, 22).unwrap();
    p.free(a).unwrap();
    p.free(b).unwrap();
    let again = p.allocate().unwrap().unwrap();
    assert_eq!(again.get(), 1);
    assert_eq!(p.get(&again).unwrap(), 22, "a node's data is not cleared");
    assert_eq!(p.allocate().unwrap().unwrap().get(), 0);
}

#[test]
fn every_exchange_of_the_head_counts_up_its_generation() {
    let (mem, guard) = segment("pool_gen", 1 << 16);
    let p = Pool::<u32>::create(&mem, "p", 4).unwrap();
    let offset = mem.find("p").unwrap().offset() as usize;
    let head = || {
        let bytes = std::fs::read(common::shm_path(&guard.0)).unwrap();
        u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
    };
    assert_eq!(head(), 0);
    let a = p.allocate().unwrap().unwrap();
    assert_eq!(head(), 1 << 32 | 1);
    p.free(a).unwrap();
    assert_eq!(head(), 2 << 32);
}
