use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[cfg(unix)]
    #[zeroipc(len = 16)]
    pub temps: Array<f32>,
}

fn main() {}
