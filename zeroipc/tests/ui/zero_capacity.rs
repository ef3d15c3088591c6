use zeroipc::Stack;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 0)]
    pub stack: Stack<f64>,
}

fn main() {}
