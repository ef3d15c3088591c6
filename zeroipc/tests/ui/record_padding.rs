// A record with padding: 3 bytes after `tag`, which no field owns.
#[derive(Clone, Copy, zeroipc::Record)]
#[repr(C)]
pub struct Padded {
    pub tag: u8,
    pub value: u32,
}

fn main() {}
