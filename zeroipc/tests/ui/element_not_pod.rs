use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub names: Array<String>,
}

fn main() {}
