use zeroipc::Array;

#[zeroipc::segment]
pub struct Plant {
    #[zeroipc(len = 16)]
    pub temperature_of_every_sensor_in_the_plant: Array<f32>,
}

fn main() {}
