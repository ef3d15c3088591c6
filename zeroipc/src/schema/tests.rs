use super::*;
use crate::test_util::unique_name;
use crate::{Array, Queue, Semaphore};

/// A schema entry's bytes holding `text`, with a length that says so.
fn bytes_of(text: &str) -> Vec<u8> {
    entry_bytes(text.as_bytes(), 0)
}

fn bad_schema(bytes: &[u8]) -> String {
    match parse(bytes) {
        Err(Error::BadSchema { what }) => what,
        other => panic!("expected BadSchema, got {other:?}"),
    }
}

const POINT: TypeDesc = TypeDesc::Record {
    name: "Point",
    size: 24,
    fields: &[
        FieldDesc {
            name: "id",
            offset: 0,
            ty: &<u32 as Describe>::TYPE,
        },
        FieldDesc {
            name: "xyz",
            offset: 4,
            ty: &<[f32; 3] as Describe>::TYPE,
        },
        FieldDesc {
            name: "t",
            offset: 16,
            ty: &<f64 as Describe>::TYPE,
        },
    ],
};

#[test]
fn lines_are_written_as_canonical_json_and_read_back() {
    let lines = [
        EntryDesc {
            params: &[("len", 1000)],
            ty: Some(<f32 as Describe>::TYPE),
            doc: "Temperatures, \"raw\"\n\tin C\\",
            ..EntryDesc::new("temps", "array")
        },
        EntryDesc {
            params: &[("", 0), ("capacity", 8)],
            ty: Some(POINT),
            ..EntryDesc::new("points", "queue")
        },
        EntryDesc {
            ty: Some(TypeDesc::Opaque { size: 12 }),
            parts: &["a", "b"],
            ..EntryDesc::new("blob", "signal")
        },
        EntryDesc::new("lock", "mutex"),
    ];
    assert_eq!(
        encoded_len(&[EntryDesc::new("lock", "mutex")]),
        "{\"name\":\"lock\",\"kind\":\"mutex\"}\n".len()
    );
    let text: Vec<u8> = lines.iter().flat_map(encode_line).collect();
    assert_eq!(encoded_len(&lines), text.len());
    assert_eq!(
        encode::<300>(&lines)[..text.len().min(300)],
        text[..text.len().min(300)]
    );
    let text = String::from_utf8(text).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        r#"{"name":"temps","kind":"array","params":{"len":1000},"type":"<f4","doc":"Temperatures, \"raw\"\u000a\u0009in C\\"}"#
    );
    assert!(text.contains(
        r#""type":{"record":"Point","itemsize":24,"fields":[{"name":"id","offset":0,"type":"<u4"},{"name":"xyz","offset":4,"type":{"shape":[3],"type":"<f4"}},{"name":"t","offset":16,"type":"<f8"}]}"#
    ));
    assert!(text.contains(r#""params":{"capacity":8}"#), "{text}");
    let schema = parse(&bytes_of(&text)).unwrap();
    let e = schema.entries();
    assert_eq!(e.len(), 4);
    assert_eq!(e[0].doc.as_deref(), Some("Temperatures, \"raw\"\n\tin C\\"));
    assert_eq!(e[0].ty, Some(Type::Scalar("<f4".into())));
    assert_eq!(e[1].ty, Some(Type::from_desc(&POINT)));
    assert_eq!(e[1].params, [("capacity".to_owned(), 8)]);
    assert_eq!(e[2].ty, Some(Type::Opaque(12)));
    assert_eq!(e[2].parts, ["a", "b"]);
    assert_eq!((e[3].kind.as_str(), e[3].ty.as_ref()), ("mutex", None));
    assert_eq!(
        encode_line(&lines[3]),
        b"{\"name\":\"lock\",\"kind\":\"mutex\"}\n"
    );
}

#[test]
fn types_agree_where_both_are_known() {
    let f32_ = Type::from_desc(&<f32 as Describe>::TYPE);
    let i32_ = Type::from_desc(&<i32 as Describe>::TYPE);
    assert!(!f32_.agrees(&i32_));
    assert!(f32_.agrees(&Type::Opaque(4)));
    assert!(!f32_.agrees(&Type::Opaque(8)));
    let point = Type::from_desc(&POINT);
    assert!(point.agrees(&Type::Opaque(24)));
    let mut renamed = point.clone();
    if let Type::Record { name, .. } = &mut renamed {
        *name = "Other".into();
    }
    assert!(point.agrees(&renamed), "record names are not compared");
    let mut moved = point.clone();
    if let Type::Record { fields, .. } = &mut moved {
        fields[2].offset = 8;
    }
    assert!(!point.agrees(&moved));
    assert_eq!(f32_.to_string(), "f32 (<f4)");
    assert_eq!(
        point.to_string(),
        "Point { id: u32 (<u4) @ 0, xyz: [f32; 3] @ 4, t: f64 (<f8) @ 16 }"
    );
}

#[test]
fn long_lines_are_written_whole_across_windows() {
    let doc = "é\"x".repeat(1000);
    let line = EntryDesc {
        doc: &doc,
        ..EntryDesc::new("a", "mutex")
    };
    let text = encode_line(&line);
    assert!(text.len() > 3000);
    let schema = parse(&entry_bytes(&text, 0)).unwrap();
    assert_eq!(schema.get("a").unwrap().doc.as_deref(), Some(doc.as_str()));
}

#[test]
fn the_dynamic_api_describes_primitives_and_opaque_types() {
    assert_eq!(TypeDesc::of::<i64>(), <i64 as Describe>::TYPE);
    assert_eq!(TypeDesc::of::<[u8; 5]>(), TypeDesc::Opaque { size: 5 });
}

// ---- Hostile schema entries ----------------------------------------------------------------

#[test]
fn a_truncated_header_is_an_error() {
    assert!(bad_schema(&bytes_of("")[..10]).contains("16-byte header"));
    assert!(bad_schema(&bytes_of("")[..3]).contains("16-byte header"));
}

#[test]
fn a_wrong_magic_or_version_is_an_error() {
    let mut b = bytes_of("");
    b[0] = b'X';
    assert!(bad_schema(&b).contains("magic"));
    let mut b = bytes_of("");
    b[4] = 2;
    assert!(bad_schema(&b).contains("version is 2"));
}

#[test]
fn a_length_past_the_entry_or_the_limit_is_an_error() {
    let mut b = bytes_of("{\"name\":\"a\",\"kind\":\"mutex\"}\n");
    b[8..12].copy_from_slice(&1000u32.to_le_bytes());
    assert!(bad_schema(&b).contains("beyond"));
    let mut huge = entry_bytes(b"", MAX_TEXT_LEN + 8);
    huge[8..12].copy_from_slice(&(MAX_TEXT_LEN as u32 + 1).to_le_bytes());
    assert!(bad_schema(&huge).contains("above the limit"));
}

#[test]
fn text_that_is_not_utf8_or_whole_lines_is_an_error() {
    let mut b = bytes_of("{\"name\":\"a\",\"kind\":\"mutex\"}\n");
    b[20] = 0xFF;
    assert!(bad_schema(&b).contains("not UTF-8"));
    assert!(bad_schema(&bytes_of("{\"name\":\"a\",\"kind\":\"mutex\"}")).contains("whole line"));
}

#[test]
fn lines_that_are_not_entries_are_errors_naming_the_line() {
    let ok = "{\"name\":\"a\",\"kind\":\"mutex\"}\n";
    let cases: &[(&str, &str)] = &[
        ("not json\n", "line 2: not JSON"),
        ("[1]\n", "not a JSON object"),
        ("{\"kind\":\"mutex\"}\n", "no `name`"),
        ("{\"name\":\"b\"}\n", "no `kind`"),
        ("{\"name\":\"b\",\"kind\":\"Big Kind\"}\n", "`kind`"),
        ("{\"name\":\"\",\"kind\":\"mutex\"}\n", "not a valid entry name"),
        (
            "{\"name\":\"zeroipc.schema\",\"kind\":\"mutex\"}\n",
            "schema entry",
        ),
        ("{\"name\":\"b\",\"kind\":\"array\",\"params\":{\"len\":-1}}\n", "parameter `len`"),
        ("{\"name\":\"b\",\"kind\":\"array\",\"params\":[]}\n", "`params`"),
        ("{\"name\":\"b\",\"kind\":\"array\",\"type\":\"<c8\"}\n", "unknown type string"),
        ("{\"name\":\"b\",\"kind\":\"array\",\"type\":\"|V0\"}\n", "opaque"),
        ("{\"name\":\"b\",\"kind\":\"array\",\"type\":7}\n", "neither"),
        (
            "{\"name\":\"b\",\"kind\":\"array\",\"type\":{\"shape\":[0],\"type\":\"<f4\"}}\n",
            "`shape`",
        ),
        (
            "{\"name\":\"b\",\"kind\":\"array\",\"type\":{\"shape\":[4294967296],\"type\":\"<f4\"}}\n",
            "2^32",
        ),
        (
            "{\"name\":\"b\",\"kind\":\"array\",\"type\":{\"record\":\"R\",\"itemsize\":4,\"fields\":[{\"name\":\"x\",\"offset\":2,\"type\":\"<f4\"}]}}\n",
            "does not lie within",
        ),
        (
            "{\"name\":\"b\",\"kind\":\"array\",\"type\":{\"record\":\"R\",\"itemsize\":8,\"fields\":[{\"name\":\"x\",\"offset\":0,\"type\":\"<f4\"},{\"name\":\"x\",\"offset\":4,\"type\":\"<f4\"}]}}\n",
            "appears twice",
        ),
        ("{\"name\":\"b\",\"kind\":\"mutex\",\"doc\":5}\n", "`doc` is not a string"),
        ("{\"name\":\"b\",\"kind\":\"rwlock\",\"parts\":[1]}\n", "`parts`"),
        (ok, "described twice"),
    ];
    for (line, expected) in cases {
        let what = bad_schema(&bytes_of(&format!("{ok}{line}")));
        assert!(what.starts_with("line 2:"), "{line}: {what}");
        assert!(what.contains(expected), "{line}: {what}");
    }
}

#[test]
fn oversized_or_deeply_nested_lines_are_refused_before_parsing() {
    let long = format!(
        "{{\"name\":\"a\",\"kind\":\"mutex\",\"doc\":\"{}\"}}\n",
        "x".repeat(MAX_LINE_LEN)
    );
    assert!(bad_schema(&bytes_of(&long)).contains("above the limit"));
    let doc = format!(
        "{{\"name\":\"a\",\"kind\":\"mutex\",\"doc\":\"{}\"}}\n",
        "x".repeat(MAX_DOC_LEN + 1)
    );
    assert!(bad_schema(&bytes_of(&doc)).contains("`doc`"));
    // Nesting far past serde_json's own recursion limit: refused by the count, not parsed.
    let deep = format!(
        "{{\"name\":\"a\",\"kind\":\"array\",\"type\":{}1{}}}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(bad_schema(&bytes_of(&deep)).contains("nested 10001 deep"));
    // Brackets inside strings are not nesting.
    let quoted = format!(
        "{{\"name\":\"a\",\"kind\":\"mutex\",\"doc\":\"{}\"}}\n",
        "[{".repeat(100)
    );
    assert!(parse(&bytes_of(&quoted)).is_ok());
}

#[test]
fn absurdly_nested_types_are_an_error() {
    let mut ty = "\"<f4\"".to_owned();
    for _ in 0..MAX_TYPE_DEPTH {
        ty = format!("{{\"shape\":[1],\"type\":{ty}}}");
    }
    let line = format!("{{\"name\":\"a\",\"kind\":\"array\",\"type\":{ty}}}\n");
    assert!(bad_schema(&bytes_of(&line)).contains("nested above the limit"));
    let fields: Vec<String> = (0..=MAX_FIELDS)
        .map(|i| format!("{{\"name\":\"f{i}\",\"offset\":{i},\"type\":\"|u1\"}}"))
        .collect();
    let line = format!(
        "{{\"name\":\"a\",\"kind\":\"array\",\"type\":{{\"record\":\"R\",\"itemsize\":{},\"fields\":[{}]}}}}\n",
        MAX_FIELDS + 1,
        fields.join(",")
    );
    assert!(bad_schema(&bytes_of(&line)).contains("more than 1024 fields"));
}

// ---- On a segment ------------------------------------------------------------------------

/// A segment with a schema entry of `room` bytes, removed on drop.
struct Described {
    mem: Memory,
    name: String,
}

impl Described {
    fn new(room: usize) -> Described {
        let name = unique_name();
        let mem = Memory::options()
            .schema(Some(room))
            .create(&name, 1 << 16)
            .unwrap();
        Described { mem, name }
    }
}

impl Drop for Described {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.name);
    }
}

#[test]
fn structures_created_with_a_schema_entry_are_described() {
    let seg = Described::new(1024);
    assert!(read(&seg.mem).unwrap().unwrap().entries().is_empty());
    Array::<f32>::create(&seg.mem, "temps", 10).unwrap();
    Queue::<[u8; 3]>::create(&seg.mem, "q", 4).unwrap();
    Semaphore::create(&seg.mem, "sem", 2, 5).unwrap();
    let schema = read(&seg.mem).unwrap().unwrap();
    let temps = schema.get("temps").unwrap();
    assert_eq!(
        (temps.kind.as_str(), temps.param("len")),
        ("array", Some(10))
    );
    assert_eq!(temps.ty, Some(Type::Scalar("<f4".into())));
    let q = schema.get("q").unwrap();
    assert_eq!((q.kind.as_str(), q.param("capacity")), ("queue", Some(4)));
    assert_eq!(q.ty, Some(Type::Opaque(3)));
    let sem = schema.get("sem").unwrap();
    assert_eq!(sem.kind, "semaphore");
    assert_eq!((sem.param("count"), sem.param("max")), (Some(2), Some(5)));
}

#[test]
fn composites_are_described_with_their_parts() {
    let seg = Described::new(2048);
    crate::Event::create(&seg.mem, "ev", true).unwrap();
    crate::RwLock::create(&seg.mem, "rw").unwrap();
    crate::Monitor::create(&seg.mem, "mon").unwrap();
    crate::Signal::<f64>::create(&seg.mem, "sig", 1.5).unwrap();
    crate::Mutex::create(&seg.mem, "mtx").unwrap();
    crate::Latch::create(&seg.mem, "latch", 3).unwrap();
    crate::Barrier::create(&seg.mem, "bar", 2).unwrap();
    crate::Once::create(&seg.mem, "once").unwrap();
    let schema = read(&seg.mem).unwrap().unwrap();
    let ev = schema.get("ev").unwrap();
    assert_eq!(
        (ev.kind.as_str(), ev.param("manual_reset")),
        ("event", Some(1))
    );
    assert_eq!(ev.parts.len(), 1);
    let rw = schema.get("rw").unwrap();
    assert_eq!((rw.kind.as_str(), rw.parts.len()), ("rwlock", 3));
    assert_eq!(schema.get("mon").unwrap().kind, "monitor");
    let sig = schema.get("sig").unwrap();
    assert_eq!((sig.kind.as_str(), sig.parts.len()), ("signal", 2));
    assert_eq!(sig.ty, Some(Type::Scalar("<f8".into())));
    for part in &sig.parts {
        assert!(seg.mem.find(part).is_ok(), "{part}");
    }
    assert!(matches!(
        crate::Signal::<i64>::open(&seg.mem, "sig"),
        Err(Error::TypeMismatch { .. })
    ));
    assert!(crate::Signal::<f64>::open(&seg.mem, "sig").is_ok());
    let kinds: Vec<(&str, Option<u64>)> = ["mtx", "latch", "bar", "once"]
        .iter()
        .map(|n| {
            let e = schema.get(n).unwrap();
            (e.kind.as_str(), e.params.first().map(|p| p.1))
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("mutex", None),
            ("latch", Some(3)),
            ("barrier", Some(2)),
            ("once", None)
        ]
    );
}

#[test]
fn without_a_schema_entry_nothing_is_described() {
    let seg = crate::test_util::Segment::new(1 << 16);
    Array::<f32>::create(&seg.mem, "temps", 10).unwrap();
    assert!(read(&seg.mem).unwrap().is_none());
    assert!(Array::<i32>::open(&seg.mem, "temps").is_ok(), "sizes only");
}

#[test]
fn a_full_schema_leaves_later_entries_undescribed_and_created() {
    let seg = Described::new(60);
    Array::<f32>::create(&seg.mem, "a", 1).unwrap();
    Array::<f32>::create(&seg.mem, "b", 1).unwrap();
    let schema = read(&seg.mem).unwrap().unwrap();
    assert!(schema.get("a").is_some());
    assert!(schema.get("b").is_none());
    assert!(seg.mem.find("b").is_ok());
}

#[test]
fn opening_as_another_element_type_names_both_types() {
    let seg = Described::new(1024);
    Array::<f32>::create(&seg.mem, "temps", 10).unwrap();
    let err = Array::<i32>::open(&seg.mem, "temps").unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry \"temps\" holds elements of type f32 (<f4) but is used as i32 (<i4)"
    );
    assert!(Array::<f32>::open(&seg.mem, "temps").is_ok());
    assert!(
        Array::<[u8; 4]>::open(&seg.mem, "temps").is_ok(),
        "opaque: sizes only"
    );
    Queue::<u64>::create(&seg.mem, "q", 4).unwrap();
    assert!(matches!(
        Queue::<f64>::open(&seg.mem, "q"),
        Err(Error::TypeMismatch { .. })
    ));
}

#[test]
fn the_tools_read_the_schema_entry_as_the_schema() {
    let seg = Described::new(64);
    Array::<f32>::create(&seg.mem, "a", 1).unwrap();
    let readings = crate::inspect::read(&seg.mem, ENTRY_NAME).unwrap();
    assert_eq!(readings.len(), 1);
    assert_eq!(readings[0].kind, "schema");
    assert!(readings[0].inconsistent.is_none());
    assert!(
        readings[0].description.contains("in an entry of 80"),
        "{:?}",
        readings[0]
    );
}

#[test]
fn the_schema_name_is_refused_to_structures() {
    let seg = Described::new(64);
    let err = Array::<f32>::create(&seg.mem, ENTRY_NAME, 1).unwrap_err();
    assert!(matches!(err, Error::InvalidName { .. }), "{err:?}");
}

#[test]
fn a_schema_naming_an_entry_the_table_lacks_is_an_error() {
    let seg = Described::new(256);
    let entry = seg.mem.find(ENTRY_NAME).unwrap();
    let line = b"{\"name\":\"ghost\",\"kind\":\"mutex\"}\n";
    let region = seg.mem.region();
    region
        .write_bytes(entry.offset() + HEADER_SIZE as u64, line)
        .unwrap();
    region.write(entry.offset() + 8, line.len() as u32).unwrap();
    let err = read(&seg.mem).unwrap_err();
    assert!(
        err.to_string()
            .contains("\"ghost\", which the table does not hold"),
        "{err}"
    );
    // A damaged schema stops the creation of a structure, which leaves the segment as it was.
    region.write(entry.offset(), 0u32).unwrap();
    let before = seg.mem.entries().unwrap().len();
    assert!(matches!(
        Array::<u8>::create(&seg.mem, "x", 1),
        Err(Error::BadSchema { .. })
    ));
    assert_eq!(seg.mem.entries().unwrap().len(), before);
}
