use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(length = 16)]
    pub temps: Array<f32>,
}

fn main() {}
