use zeroipc::Map;

#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

#[zeroipc::segment]
pub struct Accounts {
    #[zeroipc(capacity = 16)]
    pub by_point: Map<Point, u64>,
}

fn main() {}
