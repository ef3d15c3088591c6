use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16, name = sensor_data)]
    pub temps: Array<f32>,
}

fn main() {}
