use zeroipc::Queue;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16, capacity = 16)]
    pub events: Queue<i32>,
}

fn main() {}
