::core::compile_error!{
    "zeroipc: unknown key `colour` in `#[zeroipc(...)]`; accepted keys: `len = N`, `capacity = N`, `count = N`, `max = N`, `participants = N`, `name = \"...\"`"
}
::core::compile_error!{
    "zeroipc: `len = 0` for field `counters`: a structure holds at least one element; use 1 or more"
}
pub struct Plant {
    #[doc = "kept"]
    pub temps: Samples<f32>,
    pub counters: Samples<u64>,
}
const _: () = {
    #[allow(dead_code, unused_variables)]
    impl Plant {
        pub const MAX_ENTRIES: u32 = ::zeroipc::__private::layout::DEFAULT_MAX_ENTRIES;
        pub const SIZE: usize = 0;
        pub const ENTRIES: [::zeroipc::__private::DeclaredEntry; 2usize] = [::zeroipc::__private::DeclaredEntry {
            field: "",
            name: "",
            offset: 0,
            size: 0,
        }; 2usize];
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
