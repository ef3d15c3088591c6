// A record whose field's type does not describe itself.
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Plain {
    pub a: u32,
}

#[derive(Clone, Copy, zeroipc::Record)]
#[repr(C)]
pub struct Outer {
    pub inner: Plain,
}

fn main() {}
