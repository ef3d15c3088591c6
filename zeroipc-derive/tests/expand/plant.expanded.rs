pub struct Plant {
    #[doc = " Temperatures, one per sensor."]
    pub temps: Samples<f32>,
    pub alarms: Fifo<i32>,
    pub slots: Permits,
    pub lock: Lock,
    #[doc(hidden)]
    __zeroipc_memory: ::zeroipc::__private::Memory
}
const _: () = {
    const _: () = ::core::assert!(11usize <= ::zeroipc::__private::layout::MAX_NAME_LEN, "{}", ::zeroipc::__private::Message::new().push("zeroipc: table name \"sensor_data\" is 11 bytes long, but a table entry holds at most ").push_usize(::zeroipc::__private::layout::MAX_NAME_LEN).push("; shorten it, or give field `temps` a shorter one with `#[zeroipc(name = \"...\")]`").as_str());
    const _: () = ::core::assert!(6usize <= ::zeroipc::__private::layout::MAX_NAME_LEN, "{}", ::zeroipc::__private::Message::new().push("zeroipc: table name \"alarms\" is 6 bytes long, but a table entry holds at most ").push_usize(::zeroipc::__private::layout::MAX_NAME_LEN).push("; shorten it, or give field `alarms` a shorter one with `#[zeroipc(name = \"...\")]`").as_str());
    const _: () = ::core::assert!(5usize <= ::zeroipc::__private::layout::MAX_NAME_LEN, "{}", ::zeroipc::__private::Message::new().push("zeroipc: table name \"slots\" is 5 bytes long, but a table entry holds at most ").push_usize(::zeroipc::__private::layout::MAX_NAME_LEN).push("; shorten it, or give field `slots` a shorter one with `#[zeroipc(name = \"...\")]`").as_str());
    const _: () = ::core::assert!(4usize <= ::zeroipc::__private::layout::MAX_NAME_LEN, "{}", ::zeroipc::__private::Message::new().push("zeroipc: table name \"lock\" is 4 bytes long, but a table entry holds at most ").push_usize(::zeroipc::__private::layout::MAX_NAME_LEN).push("; shorten it, or give field `lock` a shorter one with `#[zeroipc(name = \"...\")]`").as_str());
    const _: () = ::core::assert!(5usize <= (::zeroipc::__private::layout::DEFAULT_MAX_ENTRIES as usize), "{}", ::zeroipc::__private::Message::new().push("zeroipc: 4 fields need 5 table entries (one more for the schema) but the table holds ").push_usize((::zeroipc::__private::layout::DEFAULT_MAX_ENTRIES as usize)).push(" by default; add `#[zeroipc::segment(max_entries = 5)]`").as_str());
    const _: () = ::core::assert!(::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::KEYS, "len"), "{}", ::zeroipc::__private::Message::new().push("zeroipc: `Samples<f32>` does not take `len` (field `temps`); it takes ").push_keys(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::KEYS).push(", besides `name`").as_str());
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::REQUIRED_KEYS, "capacity"), "{}", "zeroipc: `Samples<f32>` needs `capacity = N`, its number of slots: add `#[zeroipc(capacity = N)]` to field `temps`, with N at least 1");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::POWER_OF_TWO_KEYS, "len"), "{}", "zeroipc: `Samples<f32>` needs a power of two for `len`, and 1000 is not one; use `len = 1024`, the next power of two");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::REQUIRED_KEYS, "count"), "{}", "zeroipc: `Samples<f32>` needs `count = N`, its initial count: add `#[zeroipc(count = N)]` to field `temps`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::REQUIRED_KEYS, "max"), "{}", "zeroipc: `Samples<f32>` needs `max = N`, its largest count: add `#[zeroipc(max = N)]` to field `temps`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::REQUIRED_KEYS, "participants"), "{}", "zeroipc: `Samples<f32>` needs `participants = N`, the number of participants that open it: add `#[zeroipc(participants = N)]` to field `temps`");
    const _: () = ::core::assert!(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::ELEMENT_ALIGN_OK, "{}", "zeroipc: the element type of `Samples<f32>` (field `temps`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less");
    const _: () = ::core::assert!(::zeroipc::__private::has_key(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::KEYS, "capacity"), "{}", ::zeroipc::__private::Message::new().push("zeroipc: `Fifo<i32>` does not take `capacity` (field `alarms`); it takes ").push_keys(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::KEYS).push(", besides `name`").as_str());
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::REQUIRED_KEYS, "len"), "{}", "zeroipc: `Fifo<i32>` needs `len = N`, its number of elements: add `#[zeroipc(len = N)]` to field `alarms`, with N at least 1");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::REQUIRED_KEYS, "count"), "{}", "zeroipc: `Fifo<i32>` needs `count = N`, its initial count: add `#[zeroipc(count = N)]` to field `alarms`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::REQUIRED_KEYS, "max"), "{}", "zeroipc: `Fifo<i32>` needs `max = N`, its largest count: add `#[zeroipc(max = N)]` to field `alarms`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::REQUIRED_KEYS, "participants"), "{}", "zeroipc: `Fifo<i32>` needs `participants = N`, the number of participants that open it: add `#[zeroipc(participants = N)]` to field `alarms`");
    const _: () = ::core::assert!(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::ELEMENT_ALIGN_OK, "{}", "zeroipc: the element type of `Fifo<i32>` (field `alarms`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Permits as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "len"), "{}", "zeroipc: `Permits` needs `len = N`, its number of elements: add `#[zeroipc(len = N)]` to field `slots`, with N at least 1");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Permits as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "capacity"), "{}", "zeroipc: `Permits` needs `capacity = N`, its number of slots: add `#[zeroipc(capacity = N)]` to field `slots`, with N at least 1");
    const _: () = ::core::assert!(::zeroipc::__private::has_key(<Permits as ::zeroipc::__private::Declare<0>>::KEYS, "count"), "{}", ::zeroipc::__private::Message::new().push("zeroipc: `Permits` does not take `count` (field `slots`); it takes ").push_keys(<Permits as ::zeroipc::__private::Declare<0>>::KEYS).push(", besides `name`").as_str());
    const _: () = ::core::assert!(3u64 <= <Permits as ::zeroipc::__private::Declare<0>>::PARAM_MAX, "{}", "zeroipc: `count = 3` is larger than `Permits` can hold (field `slots`); use a smaller value");
    const _: () = ::core::assert!(::zeroipc::__private::has_key(<Permits as ::zeroipc::__private::Declare<0>>::KEYS, "max"), "{}", ::zeroipc::__private::Message::new().push("zeroipc: `Permits` does not take `max` (field `slots`); it takes ").push_keys(<Permits as ::zeroipc::__private::Declare<0>>::KEYS).push(", besides `name`").as_str());
    const _: () = ::core::assert!(10u64 <= <Permits as ::zeroipc::__private::Declare<0>>::PARAM_MAX, "{}", "zeroipc: `max = 10` is larger than `Permits` can hold (field `slots`); use a smaller value");
    const _: () = ::core::assert!(!::zeroipc::__private::has_pair(<Permits as ::zeroipc::__private::Declare<0>>::NOT_ABOVE, "max", "count"), "{}", "zeroipc: `Permits` needs `max` no larger than `count` (field `slots`), and 10 is larger than 3; raise `count` or lower `max`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Permits as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "participants"), "{}", "zeroipc: `Permits` needs `participants = N`, the number of participants that open it: add `#[zeroipc(participants = N)]` to field `slots`");
    const _: () = ::core::assert!(<Permits as ::zeroipc::__private::Declare<0>>::ELEMENT_ALIGN_OK, "{}", "zeroipc: the element type of `Permits` (field `slots`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Lock as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "len"), "{}", "zeroipc: `Lock` needs `len = N`, its number of elements: add `#[zeroipc(len = N)]` to field `lock`, with N at least 1");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Lock as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "capacity"), "{}", "zeroipc: `Lock` needs `capacity = N`, its number of slots: add `#[zeroipc(capacity = N)]` to field `lock`, with N at least 1");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Lock as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "count"), "{}", "zeroipc: `Lock` needs `count = N`, its initial count: add `#[zeroipc(count = N)]` to field `lock`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Lock as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "max"), "{}", "zeroipc: `Lock` needs `max = N`, its largest count: add `#[zeroipc(max = N)]` to field `lock`");
    const _: () = ::core::assert!(!::zeroipc::__private::has_key(<Lock as ::zeroipc::__private::Declare<0>>::REQUIRED_KEYS, "participants"), "{}", "zeroipc: `Lock` needs `participants = N`, the number of participants that open it: add `#[zeroipc(participants = N)]` to field `lock`");
    const _: () = ::core::assert!(<Lock as ::zeroipc::__private::Declare<0>>::ELEMENT_ALIGN_OK, "{}", "zeroipc: the element type of `Lock` (field `lock`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less");
    const __ZEROIPC_MAX_ENTRIES: u32 = ::zeroipc::__private::layout::DEFAULT_MAX_ENTRIES;
    const __ZEROIPC_SIZES: [usize; 4usize] = [<Samples<f32> as ::zeroipc::__private::Declare<1000>>::SIZE, <Fifo<i32> as ::zeroipc::__private::Declare<128>>::SIZE, <Permits as ::zeroipc::__private::Declare<0>>::SIZE, <Lock as ::zeroipc::__private::Declare<0>>::SIZE];
    const __ZEROIPC_PARTS: [&[usize]; 4usize] = [<Samples<f32> as ::zeroipc::__private::Declare<1000>>::PARTS, <Fifo<i32> as ::zeroipc::__private::Declare<128>>::PARTS, <Permits as ::zeroipc::__private::Declare<0>>::PARTS, <Lock as ::zeroipc::__private::Declare<0>>::PARTS];
    const __ZEROIPC_NAMED: [usize; 4usize] = [<Samples<f32> as ::zeroipc::__private::Declare<1000>>::NAMED_PART, <Fifo<i32> as ::zeroipc::__private::Declare<128>>::NAMED_PART, <Permits as ::zeroipc::__private::Declare<0>>::NAMED_PART, <Lock as ::zeroipc::__private::Declare<0>>::NAMED_PART];
    const __ZEROIPC_OFFSETS: [usize; 4usize] = ::zeroipc::__private::layout::declared_offsets(__ZEROIPC_MAX_ENTRIES, __ZEROIPC_SIZES, __ZEROIPC_PARTS, __ZEROIPC_NAMED,);
    const _: () = ::core::assert!(::zeroipc::__private::layout::declared_entry_count(__ZEROIPC_PARTS)<__ZEROIPC_MAX_ENTRIES as usize || 4>= __ZEROIPC_MAX_ENTRIES as usize, "{}", ::zeroipc::__private::Message::new().push("zeroipc: the fields take ").push_usize(::zeroipc::__private::layout::declared_entry_count(__ZEROIPC_PARTS) + 1).push(" table entries (a composite takes one for each of its parts, and the schema one) but the table holds ").push_usize(__ZEROIPC_MAX_ENTRIES as usize).push("; declare `max_entries` that large").as_str());
    #[allow(unused_imports)]
    use::zeroipc::__private::DeclaredProbeFallback as _;
    #[allow(unused_imports)]
    use::zeroipc::__private::DeclaredValueProbeFallback as _;
    const __ZEROIPC_FIELDS: [&str; 4usize] = ["temps", "alarms", "slots", "lock"];
    const __ZEROIPC_SCHEMA: [::zeroipc::__private::EntryDesc<'static>; 4usize] = [::zeroipc::__private::EntryDesc {
        name: "sensor_data",
        kind: <Samples<f32> as ::zeroipc::__private::Declare<1000>>::KIND,
        params: &[(<Samples<f32> as ::zeroipc::__private::Declare<1000>>::SIZE_KEY, 1000),],
        ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredProbe<Samples<f32>, 1000>>::TYPE, <Samples<f32> as ::zeroipc::__private::Declare<1000>>::ELEMENT_SIZE),
        value_ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredValueProbe<Samples<f32>>>::TYPE, <Samples<f32> as ::zeroipc::__private::Declare<1000>>::VALUE_SIZE),
        doc: "Temperatures, one per sensor.",
        parts: &[],
    }, ::zeroipc::__private::EntryDesc {
        name: "alarms",
        kind: <Fifo<i32> as ::zeroipc::__private::Declare<128>>::KIND,
        params: &[(<Fifo<i32> as ::zeroipc::__private::Declare<128>>::SIZE_KEY, 128),],
        ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredProbe<Fifo<i32>, 128>>::TYPE, <Fifo<i32> as ::zeroipc::__private::Declare<128>>::ELEMENT_SIZE),
        value_ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredValueProbe<Fifo<i32>>>::TYPE, <Fifo<i32> as ::zeroipc::__private::Declare<128>>::VALUE_SIZE),
        doc: "",
        parts: &[],
    }, ::zeroipc::__private::EntryDesc {
        name: "slots",
        kind: <Permits as ::zeroipc::__private::Declare<0>>::KIND,
        params: &[(<Permits as ::zeroipc::__private::Declare<0>>::SIZE_KEY, 0), ("count", 3), ("max", 10)],
        ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredProbe<Permits, 0>>::TYPE, <Permits as ::zeroipc::__private::Declare<0>>::ELEMENT_SIZE),
        value_ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredValueProbe<Permits>>::TYPE, <Permits as ::zeroipc::__private::Declare<0>>::VALUE_SIZE),
        doc: "",
        parts: &[],
    }, ::zeroipc::__private::EntryDesc {
        name: "lock",
        kind: <Lock as ::zeroipc::__private::Declare<0>>::KIND,
        params: &[(<Lock as ::zeroipc::__private::Declare<0>>::SIZE_KEY, 0),],
        ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredProbe<Lock, 0>>::TYPE, <Lock as ::zeroipc::__private::Declare<0>>::ELEMENT_SIZE),
        value_ty: ::zeroipc::__private::element_type(<::zeroipc::__private::DeclaredValueProbe<Lock>>::TYPE, <Lock as ::zeroipc::__private::Declare<0>>::VALUE_SIZE),
        doc: "",
        parts: &[],
    }];
    const __ZEROIPC_SCHEMA_LEN: usize = ::zeroipc::__private::encoded_len(&__ZEROIPC_SCHEMA);
    const __ZEROIPC_SCHEMA_TEXT: [u8; __ZEROIPC_SCHEMA_LEN] = ::zeroipc::__private::encode(&__ZEROIPC_SCHEMA);
    #[allow(dead_code)]
    impl Plant {
        #[doc = r" The number of entry slots in the table of the segment"]
        #[doc = r" [`create`](Self::create) makes."]
        pub const MAX_ENTRIES: u32 = __ZEROIPC_MAX_ENTRIES;
        #[doc = " The size in bytes of the segment [`create`](Self::create) makes: a table of [`MAX_ENTRIES`](Self::MAX_ENTRIES) entry slots, then the 4 entries in field order, laid out by `zeroipc::layout`, then the schema entry that describes them."]
        pub const SIZE: usize = ::zeroipc::__private::layout::declared_size(__ZEROIPC_MAX_ENTRIES, __ZEROIPC_SIZES, __ZEROIPC_PARTS, ::zeroipc::__private::entry_size(__ZEROIPC_SCHEMA_LEN),);
        #[doc = r" The table entries [`create`](Self::create) adds, in field order: field,"]
        #[doc = r" table name, offset and size of each."]
        pub const ENTRIES: [::zeroipc::__private::DeclaredEntry; 4usize] = [::zeroipc::__private::DeclaredEntry {
            field: "temps",
            name: "sensor_data",
            offset: __ZEROIPC_OFFSETS[0],
            size: __ZEROIPC_SIZES[0],
        }, ::zeroipc::__private::DeclaredEntry {
            field: "alarms",
            name: "alarms",
            offset: __ZEROIPC_OFFSETS[1],
            size: __ZEROIPC_SIZES[1],
        }, ::zeroipc::__private::DeclaredEntry {
            field: "slots",
            name: "slots",
            offset: __ZEROIPC_OFFSETS[2],
            size: __ZEROIPC_SIZES[2],
        }, ::zeroipc::__private::DeclaredEntry {
            field: "lock",
            name: "lock",
            offset: __ZEROIPC_OFFSETS[3],
            size: __ZEROIPC_SIZES[3],
        }];
        #[doc = r" Creates the segment called `name`, of exactly [`SIZE`](Self::SIZE) bytes"]
        #[doc = r" and mode `0o600`, and adds every entry in field order."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" `zeroipc::Error::AlreadyExists` if the segment exists (it is never"]
        #[doc = r" replaced unless the options say so), `InvalidName`, `Io`; an error of an"]
        #[doc = r" entry names its field (`zeroipc::Error::Field`). A failed create leaves"]
        #[doc = r" no segment behind."]
        pub fn create(name: &str) -> ::zeroipc::__private::Result<Self> {
            Self::create_with(name, &::zeroipc::__private::SegmentOptions::new())
        }
        #[doc = r" Creates the segment called `name` as [`create`](Self::create) does, with"]
        #[doc = r" the options given (mode, extra space, replacing a stale segment)."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" As [`create`](Self::create)."]
        pub fn create_with(name: &str, options: &::zeroipc::__private::SegmentOptions) -> ::zeroipc::__private::Result<Self> {
            ::zeroipc::__private::create_segment(name, options, Self::MAX_ENTRIES, Self::SIZE, &__ZEROIPC_SCHEMA_TEXT, | __zeroipc_mem | {
                ::core::result::Result::Ok(Self {
                    temps: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Create, "temps", "sensor_data", __ZEROIPC_SIZES[0], <Samples<f32> as ::zeroipc::__private::Declare<1000>>::declare(__zeroipc_mem, "sensor_data", ::zeroipc::__private::Mode::Create, &::zeroipc::__private::Params::new(&[])),)?,
                    alarms: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Create, "alarms", "alarms", __ZEROIPC_SIZES[1], <Fifo<i32> as ::zeroipc::__private::Declare<128>>::declare(__zeroipc_mem, "alarms", ::zeroipc::__private::Mode::Create, &::zeroipc::__private::Params::new(&[])),)?,
                    slots: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Create, "slots", "slots", __ZEROIPC_SIZES[2], <Permits as ::zeroipc::__private::Declare<0>>::declare(__zeroipc_mem, "slots", ::zeroipc::__private::Mode::Create, &::zeroipc::__private::Params::new(&[("count", 3), ("max", 10)])),)?,
                    lock: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Create, "lock", "lock", __ZEROIPC_SIZES[3], <Lock as ::zeroipc::__private::Declare<0>>::declare(__zeroipc_mem, "lock", ::zeroipc::__private::Mode::Create, &::zeroipc::__private::Params::new(&[])),)?,
                    __zeroipc_memory: ::core::clone::Clone::clone(__zeroipc_mem),
                })
            })
        }
        #[doc = r" Opens the segment called `name` and every declared entry in it, checking"]
        #[doc = r" each against the declaration: present, of the declared length or"]
        #[doc = r" capacity and entry size, its own header consistent. Other entries in the"]
        #[doc = r" segment are allowed."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" Those of `zeroipc::Memory::open`; for an entry, `zeroipc::Error::Field`"]
        #[doc = r" naming the field around `NotFound`, `DeclarationMismatch` (expected and"]
        #[doc = r" found), `ElementSizeMismatch` or a validation error."]
        pub fn open(name: &str) -> ::zeroipc::__private::Result<Self> {
            Self::open_with(name, &::zeroipc::__private::SegmentOptions::new())
        }
        #[doc = r" Opens the segment called `name` as [`open`](Self::open) does, waiting"]
        #[doc = r" for its creator as long as the options say."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" As [`open`](Self::open)."]
        pub fn open_with(name: &str, options: &::zeroipc::__private::SegmentOptions) -> ::zeroipc::__private::Result<Self> {
            ::zeroipc::__private::open_segment(name, options, | __zeroipc_mem | {
                let __zeroipc_segment = Self {
                    temps: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Open, "temps", "sensor_data", __ZEROIPC_SIZES[0], <Samples<f32> as ::zeroipc::__private::Declare<1000>>::declare(__zeroipc_mem, "sensor_data", ::zeroipc::__private::Mode::Open, &::zeroipc::__private::Params::new(&[])),)?,
                    alarms: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Open, "alarms", "alarms", __ZEROIPC_SIZES[1], <Fifo<i32> as ::zeroipc::__private::Declare<128>>::declare(__zeroipc_mem, "alarms", ::zeroipc::__private::Mode::Open, &::zeroipc::__private::Params::new(&[])),)?,
                    slots: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Open, "slots", "slots", __ZEROIPC_SIZES[2], <Permits as ::zeroipc::__private::Declare<0>>::declare(__zeroipc_mem, "slots", ::zeroipc::__private::Mode::Open, &::zeroipc::__private::Params::new(&[("count", 3), ("max", 10)])),)?,
                    lock: ::zeroipc::__private::field(__zeroipc_mem, ::zeroipc::__private::Mode::Open, "lock", "lock", __ZEROIPC_SIZES[3], <Lock as ::zeroipc::__private::Declare<0>>::declare(__zeroipc_mem, "lock", ::zeroipc::__private::Mode::Open, &::zeroipc::__private::Params::new(&[])),)?,
                    __zeroipc_memory: ::core::clone::Clone::clone(__zeroipc_mem),
                };
                ::zeroipc::__private::check_declared(__zeroipc_mem, &__ZEROIPC_FIELDS, &__ZEROIPC_SCHEMA)?;
                ::core::result::Result::Ok(__zeroipc_segment)
            })
        }
        #[doc = r" The segment, for what the fields do not cover: its name and size, its"]
        #[doc = r" table, entries added with the dynamic API."]
        #[must_use]
        pub fn memory(&self) -> &::zeroipc::__private::Memory {
            &self.__zeroipc_memory
        }
    }
};
