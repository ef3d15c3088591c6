//! Model checking of the pool's free list: `PoolView`, the code `Pool` runs, over loom's
//! atomics on the heap. The generation in the head word is what makes a stale pop fail (the
//! ABA problem); these models check that no node is ever held by two threads at once (each
//! node's data is a loom cell, whose overlapping accesses loom reports) and that every node
//! is back on the list at the end.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release --target-dir target/loom -p zeroipc
//! --test loom_pool`.

#![cfg(loom)]

mod loom_util;

use loom::sync::Arc;
use loom::thread;
use loom_util::{check, Shared};
use zeroipc::__loom::{AtomicU32, AtomicU64, CellRecords, PoolView};

/// A pool of `u32` on the heap: nodes of 8 bytes, `next` at 4 (as `Pool<u32>` lays them
/// out); the data lives in `data`, one checked cell per node.
struct HeapPool {
    free_head: AtomicU64,
    allocated: AtomicU32,
    nodes: CellRecords,
    data: Vec<Shared>,
}

impl HeapPool {
    /// A new pool: head 0 (generation 0), node `i` linking to `i + 1`, the last to null.
    fn new(capacity: u32) -> Arc<HeapPool> {
        let nodes = CellRecords::new(capacity as usize, 4, &[0]);
        let pool = HeapPool {
            free_head: AtomicU64::new(0),
            allocated: AtomicU32::new(0),
            nodes,
            data: (0..capacity).map(|_| Shared::new()).collect(),
        };
        {
            use zeroipc::__loom::Records;
            for i in 0..capacity {
                let next = if i + 1 == capacity { u32::MAX } else { i + 1 };
                (&pool.nodes)
                    .word(i as usize, 4)
                    .store(next, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Arc::new(pool)
    }

    fn view(&self) -> PoolView<'_, &CellRecords> {
        PoolView::new(&self.free_head, &self.allocated, &self.nodes, 4)
    }

    /// Takes a node, writes `stamp` into it, checks it, and gives it back: two holders of
    /// one node would touch its cell unordered, which loom reports.
    fn use_once(&self, stamp: u32) -> bool {
        let Some(node) = self.view().allocate().unwrap() else {
            return false;
        };
        let data = &self.data[node as usize];
        data.set(stamp);
        assert_eq!(data.get(), stamp);
        self.view().free(node).unwrap();
        true
    }

    /// Every node, taken once each: the free list holds each node exactly once.
    fn drain(&self) -> Vec<u32> {
        let mut nodes: Vec<u32> = std::iter::from_fn(|| self.view().allocate().unwrap()).collect();
        nodes.sort_unstable();
        nodes
    }
}

#[test]
fn two_threads_allocating_and_freeing_never_hold_one_node_at_once() {
    check(|| {
        let pool = HeapPool::new(2);
        let other = pool.clone();
        let t = thread::spawn(move || {
            other.use_once(1);
            other.use_once(2);
        });
        pool.use_once(3);
        pool.use_once(4);
        t.join().unwrap();
        assert_eq!(pool.view().len(), 0);
        assert_eq!(pool.drain(), [0, 1]);
    });
}

#[test]
fn a_pop_that_saw_a_head_popped_and_pushed_back_meanwhile_fails_its_exchange() {
    check(|| {
        // Thread A allocates once; B allocates two and frees the first, which puts the head
        // A may have read back on top with another `next` (the ABA case).
        let pool = HeapPool::new(3);
        let other = pool.clone();
        let t = thread::spawn(move || {
            let view = other.view();
            let a = view.allocate().unwrap();
            let b = view.allocate().unwrap();
            if let Some(a) = a {
                view.free(a).unwrap();
            }
            b
        });
        let mine = pool
            .view()
            .allocate()
            .unwrap()
            .expect("three nodes, three allocations");
        let kept = t.join().unwrap();
        assert_ne!(Some(mine), kept, "one node handed out twice");
        pool.view().free(mine).unwrap();
        if let Some(b) = kept {
            pool.view().free(b).unwrap();
        }
        assert_eq!(pool.drain(), [0, 1, 2]);
    });
}
