use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 0)]
    pub temps: Array<f32>,
}

fn main() {}
