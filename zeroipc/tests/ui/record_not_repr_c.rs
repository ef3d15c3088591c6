// A record without `#[repr(C)]`: Rust may reorder its fields.
#[derive(Clone, Copy, zeroipc::Record)]
pub struct Loose {
    pub a: u32,
    pub b: u32,
}

// `packed` changes the layout other languages compute.
#[derive(Clone, Copy, zeroipc::Record)]
#[repr(C, packed)]
pub struct Packed {
    pub a: u32,
    pub b: u32,
}

fn main() {}
