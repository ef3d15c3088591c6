use bytemuck::{Pod, Zeroable};
use zeroipc::Array;

#[derive(Clone, Copy, Pod, Zeroable)]
#[repr(C, align(16))]
pub struct Wide {
    pub lo: u64,
    pub hi: u64,
}

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub wide: Array<Wide>,
}

fn main() {}
