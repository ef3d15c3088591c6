use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16, name = "the_temperature_of_every_sensor_in_the_plant")]
    pub temps: Array<f32>,
}

fn main() {}
