use zeroipc::Queue;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 1)]
    pub events: Queue<u32>,
}

fn main() {}
