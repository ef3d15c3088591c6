use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant<T: bytemuck::Pod> {
    #[zeroipc(len = 16)]
    pub temps: Array<T>,
}

fn main() {}
