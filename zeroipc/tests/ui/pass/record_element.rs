// A `#[repr(C)]` record of plain old data as the element of an array, a queue and a stack.
use bytemuck::{Pod, Zeroable};
use zeroipc::{Array, Queue, Stack};

#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
pub struct Reading {
    pub id: i32,
    pub x: f32,
    pub y: f64,
}

#[zeroipc::segment]
pub struct Records {
    #[zeroipc(len = 10)]
    pub records: Array<Reading>,
    #[zeroipc(capacity = 16)]
    pub incoming: Queue<Reading>,
    #[zeroipc(capacity = 3)]
    pub undo: Stack<Reading>,
    #[zeroipc(len = 4)]
    pub pairs: Array<[u32; 2]>,
}

const _: () = assert!(Records::ENTRIES[0].size == 8 + 10 * 16);

fn main() {}
