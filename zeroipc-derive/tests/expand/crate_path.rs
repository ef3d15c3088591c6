// `crate = "..."` replaces every runtime path; `max_entries` replaces the runtime's default
// table size, and with it the check against that default.
#[zeroipc::segment(crate = "my::ipc", max_entries = 8)]
struct Sensors {
    #[zeroipc(len = 4)]
    temps: my::ipc::Samples<f32>,
}
