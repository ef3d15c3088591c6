// A valid declaration: a size key with a table name, fields with and without keys, parameter
// keys. The type names are the user's: the macro knows none of them.
#[zeroipc::segment]
pub struct Plant {
    /// Temperatures, one per sensor.
    #[zeroipc(len = 1000, name = "sensor_data")]
    pub temps: Samples<f32>,
    #[zeroipc(capacity = 128)]
    pub alarms: Fifo<i32>,
    #[zeroipc(count = 3, max = 10)]
    pub slots: Permits,
    pub lock: Lock,
}
