use zeroipc::Queue;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 16)]
    pub ticks: Queue<()>,
}

fn main() {}
