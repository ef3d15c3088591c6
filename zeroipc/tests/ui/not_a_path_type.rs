#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temps: [f32; 16],
}

fn main() {}
