// A generic struct is refused; the stubs carry its generics, so `Plant::<f32>::create` still
// names an item.
#[zeroipc::segment(crate = "my::ipc")]
struct Plant<T: Copy> {
    #[zeroipc(len = 16)]
    temps: Samples<T>,
}
