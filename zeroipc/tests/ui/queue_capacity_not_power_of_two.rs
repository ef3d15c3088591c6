use zeroipc::Queue;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 100)]
    pub events: Queue<i32>,
}

fn main() {}
