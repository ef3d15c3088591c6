use zeroipc::Queue;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(name = "events")]
    pub events: Queue<i32>,
}

fn main() {}
