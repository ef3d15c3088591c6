use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(capacity = 16)]
    pub temps: Array<f32>,
}

fn main() {}
