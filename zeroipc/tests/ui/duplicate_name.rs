use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temps: Array<f32>,
    #[zeroipc(len = 16, name = "temps")]
    pub spare: Array<f32>,
}

fn main() {}
