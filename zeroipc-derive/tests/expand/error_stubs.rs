// One mistake: the error, the struct as written less `#[zeroipc(...)]`, and stubs of every
// generated item, so that code calling `Plant::create` or reading `Plant::SIZE` adds no
// errors of its own.
#[zeroipc::segment]
pub struct Plant {
    #[doc = "kept"]
    #[zeroipc(len = 16, colour = "red")]
    pub temps: Samples<f32>,
    #[zeroipc(len = 0)]
    pub counters: Samples<u64>,
}
