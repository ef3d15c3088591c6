use zeroipc::Pool;

#[zeroipc::segment]
pub struct Buffers {
    pub nodes: Pool<u64>,
}

fn main() {}
