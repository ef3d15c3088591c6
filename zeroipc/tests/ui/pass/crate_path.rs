// A crate that re-exports zeroipc names it with `crate = "..."`; nothing else needs `zeroipc`
// in scope under that name.
mod reexport {
    pub use zeroipc as ipc;
}

mod plant {
    use crate::reexport::ipc::Array;

    #[zeroipc::segment(crate = "crate::reexport::ipc")]
    pub struct Plant {
        #[zeroipc(len = 4)]
        pub temps: Array<f32>,
    }
}

const _: () = assert!(plant::Plant::ENTRIES[0].size == 8 + 4 * 4);

fn main() {}
