use zeroipc::Latch;

#[zeroipc::segment]
pub struct Workers {
    #[zeroipc(count = 3000000000)]
    pub ready: Latch,
}

fn main() {}
