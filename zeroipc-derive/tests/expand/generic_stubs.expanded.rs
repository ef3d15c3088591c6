::core::compile_error!{
    "zeroipc: a segment struct cannot have generic parameters: its layout (entry sizes and offsets) is fixed at compile time; use concrete types, as in `Structure<f32>` rather than `Structure<T>`"
}
struct Plant<T: Copy> {
    temps: Samples<T>,
}
const _: () = {
    #[allow(dead_code, unused_variables)]
    impl<T: Copy> Plant<T> {
        pub const MAX_ENTRIES: u32 = my::ipc::__private::layout::DEFAULT_MAX_ENTRIES;
        pub const SIZE: usize = 0;
        pub const ENTRIES: [my::ipc::__private::DeclaredEntry; 1usize] = [my::ipc::__private::DeclaredEntry {
            field: "",
            name: "",
            offset: 0,
            size: 0,
        }; 1usize];
        pub fn create(name: &str) -> my::ipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn create_with(name: &str, options: &my::ipc::__private::SegmentOptions) -> my::ipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn open(name: &str) -> my::ipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn open_with(name: &str, options: &my::ipc::__private::SegmentOptions) -> my::ipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn memory(&self) -> &my::ipc::__private::Memory {
            ::core::unreachable!()
        }
    }
};
