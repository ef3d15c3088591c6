use zeroipc::{Array, Queue};

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 0)]
    pub temps: Array<f32>,
    #[zeroipc(len = 4, name = "temps")]
    pub other: Array<f32>,
    #[zeroipc(capacity = 8, colour = "red")]
    pub events: Queue<i32>,
}

fn main() {}
