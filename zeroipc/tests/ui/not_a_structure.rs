#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temps: Vec<f32>,
}

fn main() {}
