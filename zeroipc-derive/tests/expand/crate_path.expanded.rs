struct Sensors {
    temps: my::ipc::Samples<f32>,
    #[doc(hidden)]
    __zeroipc_memory: my::ipc::__private::Memory
}
const _: () = {
    const _: () = ::core::assert!(5usize <= my::ipc::__private::layout::MAX_NAME_LEN, "{}", my::ipc::__private::Message::new().push("zeroipc: table name \"temps\" is 5 bytes long, but a table entry holds at most ").push_usize(my::ipc::__private::layout::MAX_NAME_LEN).push("; shorten it, or give field `temps` a shorter one with `#[zeroipc(name = \"...\")]`").as_str());
    const _: () = ::core::assert!(my::ipc::__private::has_key(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::KEYS, "len"), "{}", my::ipc::__private::Message::new().push("zeroipc: `my::ipc::Samples<f32>` does not take `len` (field `temps`); it takes ").push_keys(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::KEYS).push(", besides `name`").as_str());
    const _: () = ::core::assert!(!my::ipc::__private::has_key(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::REQUIRED_KEYS, "capacity"), "{}", "zeroipc: `my::ipc::Samples<f32>` needs `capacity = N`, its number of slots: add `#[zeroipc(capacity = N)]` to field `temps`, with N at least 1");
    const _: () = ::core::assert!(!my::ipc::__private::has_key(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::REQUIRED_KEYS, "count"), "{}", "zeroipc: `my::ipc::Samples<f32>` needs `count = N`, its initial count: add `#[zeroipc(count = N)]` to field `temps`");
    const _: () = ::core::assert!(!my::ipc::__private::has_key(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::REQUIRED_KEYS, "max"), "{}", "zeroipc: `my::ipc::Samples<f32>` needs `max = N`, its largest count: add `#[zeroipc(max = N)]` to field `temps`");
    const _: () = ::core::assert!(!my::ipc::__private::has_key(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::REQUIRED_KEYS, "participants"), "{}", "zeroipc: `my::ipc::Samples<f32>` needs `participants = N`, the number of participants that open it: add `#[zeroipc(participants = N)]` to field `temps`");
    const _: () = ::core::assert!(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::ELEMENT_ALIGN_OK, "{}", "zeroipc: the element type of `my::ipc::Samples<f32>` (field `temps`) is aligned to more than 8 bytes, which format v2 does not support (every structure and section in a segment starts 8-aligned); use an element type whose alignment is 8 or less");
    const __ZEROIPC_MAX_ENTRIES: u32 = 8;
    const __ZEROIPC_SIZES: [usize; 1usize] = [<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::SIZE];
    const __ZEROIPC_PARTS: [&[usize]; 1usize] = [<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::PARTS];
    const __ZEROIPC_NAMED: [usize; 1usize] = [<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::NAMED_PART];
    const __ZEROIPC_OFFSETS: [usize; 1usize] = my::ipc::__private::layout::declared_offsets(__ZEROIPC_MAX_ENTRIES, __ZEROIPC_SIZES, __ZEROIPC_PARTS, __ZEROIPC_NAMED,);
    const _: () = ::core::assert!(my::ipc::__private::layout::declared_entry_count(__ZEROIPC_PARTS)<__ZEROIPC_MAX_ENTRIES as usize || 1>= __ZEROIPC_MAX_ENTRIES as usize, "{}", my::ipc::__private::Message::new().push("zeroipc: the fields take ").push_usize(my::ipc::__private::layout::declared_entry_count(__ZEROIPC_PARTS) + 1).push(" table entries (a composite takes one for each of its parts, and the schema one) but the table holds ").push_usize(__ZEROIPC_MAX_ENTRIES as usize).push("; declare `max_entries` that large").as_str());
    #[allow(unused_imports)]
    use my::ipc::__private::DeclaredProbeFallback as _;
    #[allow(unused_imports)]
    use my::ipc::__private::DeclaredValueProbeFallback as _;
    const __ZEROIPC_FIELDS: [&str; 1usize] = ["temps"];
    const __ZEROIPC_SCHEMA: [my::ipc::__private::EntryDesc<'static>; 1usize] = [my::ipc::__private::EntryDesc {
        name: "temps",
        kind: <my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::KIND,
        params: &[(<my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::SIZE_KEY, 4),],
        ty: my::ipc::__private::element_type(<my::ipc::__private::DeclaredProbe<my::ipc::Samples<f32>, 4>>::TYPE, <my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::ELEMENT_SIZE),
        value_ty: my::ipc::__private::element_type(<my::ipc::__private::DeclaredValueProbe<my::ipc::Samples<f32>>>::TYPE, <my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::VALUE_SIZE),
        doc: "",
        parts: &[],
    }];
    const __ZEROIPC_SCHEMA_LEN: usize = my::ipc::__private::encoded_len(&__ZEROIPC_SCHEMA);
    const __ZEROIPC_SCHEMA_TEXT: [u8; __ZEROIPC_SCHEMA_LEN] = my::ipc::__private::encode(&__ZEROIPC_SCHEMA);
    #[allow(dead_code)]
    impl Sensors {
        #[doc = r" The number of entry slots in the table of the segment"]
        #[doc = r" [`create`](Self::create) makes."]
        pub const MAX_ENTRIES: u32 = __ZEROIPC_MAX_ENTRIES;
        #[doc = " The size in bytes of the segment [`create`](Self::create) makes: a table of [`MAX_ENTRIES`](Self::MAX_ENTRIES) entry slots, then the 1 entries in field order, laid out by `zeroipc::layout`, then the schema entry that describes them."]
        pub const SIZE: usize = my::ipc::__private::layout::declared_size(__ZEROIPC_MAX_ENTRIES, __ZEROIPC_SIZES, __ZEROIPC_PARTS, my::ipc::__private::entry_size(__ZEROIPC_SCHEMA_LEN),);
        #[doc = r" The table entries [`create`](Self::create) adds, in field order: field,"]
        #[doc = r" table name, offset and size of each."]
        pub const ENTRIES: [my::ipc::__private::DeclaredEntry; 1usize] = [my::ipc::__private::DeclaredEntry {
            field: "temps",
            name: "temps",
            offset: __ZEROIPC_OFFSETS[0],
            size: __ZEROIPC_SIZES[0],
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
        pub fn create(name: &str) -> my::ipc::__private::Result<Self> {
            Self::create_with(name, &my::ipc::__private::SegmentOptions::new())
        }
        #[doc = r" Creates the segment called `name` as [`create`](Self::create) does, with"]
        #[doc = r" the options given (mode, extra space, replacing a stale segment)."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" As [`create`](Self::create)."]
        pub fn create_with(name: &str, options: &my::ipc::__private::SegmentOptions) -> my::ipc::__private::Result<Self> {
            my::ipc::__private::create_segment(name, options, Self::MAX_ENTRIES, Self::SIZE, &__ZEROIPC_SCHEMA_TEXT, | __zeroipc_mem | {
                ::core::result::Result::Ok(Self {
                    temps: my::ipc::__private::field(__zeroipc_mem, my::ipc::__private::Mode::Create, "temps", "temps", __ZEROIPC_SIZES[0], <my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::declare(__zeroipc_mem, "temps", my::ipc::__private::Mode::Create, &my::ipc::__private::Params::new(&[])),)?,
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
        pub fn open(name: &str) -> my::ipc::__private::Result<Self> {
            Self::open_with(name, &my::ipc::__private::SegmentOptions::new())
        }
        #[doc = r" Opens the segment called `name` as [`open`](Self::open) does, waiting"]
        #[doc = r" for its creator as long as the options say."]
        #[doc = r""]
        #[doc = r" # Errors"]
        #[doc = r""]
        #[doc = r" As [`open`](Self::open)."]
        pub fn open_with(name: &str, options: &my::ipc::__private::SegmentOptions) -> my::ipc::__private::Result<Self> {
            my::ipc::__private::open_segment(name, options, | __zeroipc_mem | {
                let __zeroipc_segment = Self {
                    temps: my::ipc::__private::field(__zeroipc_mem, my::ipc::__private::Mode::Open, "temps", "temps", __ZEROIPC_SIZES[0], <my::ipc::Samples<f32> as my::ipc::__private::Declare<4>>::declare(__zeroipc_mem, "temps", my::ipc::__private::Mode::Open, &my::ipc::__private::Params::new(&[])),)?,
                    __zeroipc_memory: ::core::clone::Clone::clone(__zeroipc_mem),
                };
                my::ipc::__private::check_declared(__zeroipc_mem, &__ZEROIPC_FIELDS, &__ZEROIPC_SCHEMA)?;
                ::core::result::Result::Ok(__zeroipc_segment)
            })
        }
        #[doc = r" The segment, for what the fields do not cover: its name and size, its"]
        #[doc = r" table, entries added with the dynamic API."]
        #[must_use]
        pub fn memory(&self) -> &my::ipc::__private::Memory {
            &self.__zeroipc_memory
        }
    }
};
