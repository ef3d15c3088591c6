::core::compile_error!{
    "zeroipc: an enum cannot be a segment: `#[zeroipc::segment]` goes on a struct with named fields, one per table entry, as in `struct Plant { #[zeroipc(len = 16)] temps: Structure<f32>, .. }`"
}
enum Plant {
    Idle,
}
const _: () = {
    #[allow(dead_code, unused_variables)]
    impl Plant {
        pub const MAX_ENTRIES: u32 = ::zeroipc::__private::layout::DEFAULT_MAX_ENTRIES;
        pub const SIZE: usize = 0;
        pub const ENTRIES: [::zeroipc::__private::DeclaredEntry; 0usize] = [::zeroipc::__private::DeclaredEntry {
            field: "",
            name: "",
            offset: 0,
            size: 0,
        }; 0usize];
        pub fn create(name: &str) -> ::zeroipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn create_with(name: &str, options: &::zeroipc::__private::SegmentOptions) -> ::zeroipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn open(name: &str) -> ::zeroipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn open_with(name: &str, options: &::zeroipc::__private::SegmentOptions) -> ::zeroipc::__private::Result<Self> {
            ::core::unreachable!()
        }
        pub fn memory(&self) -> &::zeroipc::__private::Memory {
            ::core::unreachable!()
        }
    }
};
