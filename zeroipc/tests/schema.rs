//! The schema entry: what a declaration writes, what readers find, and what opens compare.

#![cfg(not(loom))]

mod common;

use common::{unique_name, Cleanup};
use zeroipc::schema::{self, Field, Type};
use zeroipc::{Array, Memory, Queue, Semaphore};

/// One reading: 24 bytes, no padding.
#[derive(Clone, Copy, Debug, PartialEq, zeroipc::Record)]
#[repr(C)]
pub struct Reading {
    pub t: f64,
    pub xyz: [f32; 3],
    pub id: u32,
}

/// Plant readings.
#[zeroipc::segment]
pub struct Plant {
    /// Temperatures, in degrees Celsius.
    #[zeroipc(len = 16)]
    pub temps: Array<f32>,
    #[zeroipc(len = 4)]
    pub triples: Array<[u16; 3]>,
    #[zeroipc(capacity = 8)]
    pub events: Queue<u64>,
    /// The last readings.
    #[zeroipc(len = 5)]
    pub readings: Array<Reading>,
    #[zeroipc(capacity = 4)]
    pub pending: Queue<Reading>,
    #[zeroipc(count = 1, max = 4)]
    pub slots: Semaphore,
    /// The latest reading, for whoever asks.
    pub latest: zeroipc::Signal<Reading>,
}

#[test]
fn a_declared_segment_describes_every_entry_in_its_schema() {
    let name = unique_name("schema_declared");
    let _cleanup = Cleanup(name.clone());
    let plant = Plant::create(&name).unwrap();
    assert_eq!(plant.memory().size(), Plant::SIZE as u64);
    let schema = schema::read(plant.memory())
        .unwrap()
        .expect("a schema entry");
    let temps = schema.get("temps").unwrap();
    assert_eq!(temps.kind, "array");
    assert_eq!(temps.param("len"), Some(16));
    assert_eq!(temps.ty, Some(Type::Scalar("<f4".into())));
    assert_eq!(
        temps.doc.as_deref(),
        Some("Temperatures, in degrees Celsius.")
    );
    let triples = schema.get("triples").unwrap();
    assert_eq!(
        triples.ty,
        Some(Type::Array {
            of: Box::new(Type::Scalar("<u2".into())),
            shape: vec![3]
        })
    );
    let events = schema.get("events").unwrap();
    assert_eq!(
        (events.kind.as_str(), events.param("capacity")),
        ("queue", Some(8))
    );
    let reading = Type::Record {
        name: "Reading".into(),
        itemsize: 24,
        fields: vec![
            Field::new("t", 0, Type::Scalar("<f8".into())),
            Field::new(
                "xyz",
                8,
                Type::Array {
                    of: Box::new(Type::Scalar("<f4".into())),
                    shape: vec![3],
                },
            ),
            Field::new("id", 20, Type::Scalar("<u4".into())),
        ],
    };
    let readings = schema.get("readings").unwrap();
    assert_eq!(
        (readings.kind.as_str(), readings.param("len")),
        ("array", Some(5))
    );
    assert_eq!(readings.ty.as_ref(), Some(&reading));
    assert_eq!(readings.doc.as_deref(), Some("The last readings."));
    let pending = schema.get("pending").unwrap();
    assert_eq!(
        (pending.kind.as_str(), pending.param("capacity")),
        ("queue", Some(4))
    );
    assert_eq!(pending.ty.as_ref(), Some(&reading));
    let slots = schema.get("slots").unwrap();
    assert_eq!(slots.kind, "semaphore");
    assert_eq!(
        (slots.param("count"), slots.param("max")),
        (Some(1), Some(4))
    );
    assert_eq!(slots.ty, None);
    let latest = schema.get("latest").unwrap();
    assert_eq!(latest.kind, "signal");
    assert_eq!(latest.ty.as_ref(), Some(&reading));
    assert_eq!(
        latest.doc.as_deref(),
        Some("The latest reading, for whoever asks.")
    );
    // Every entry described, the schema's parts aside.
    let described: Vec<&str> = schema.entries().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        described,
        ["temps", "triples", "events", "readings", "pending", "slots", "latest"]
    );
    assert!(Plant::open(&name).is_ok());
    let _ = Memory::unlink(&name);
}

/// `Plant` as a process that got the element type of `temps` wrong would declare it: same
/// names, same sizes.
#[zeroipc::segment]
pub struct PlantAsIntegers {
    #[zeroipc(len = 16)]
    pub temps: Array<i32>,
}

/// `Plant` with its record's fields in another order: same size, another layout.
#[derive(Clone, Copy, Debug, PartialEq, zeroipc::Record)]
#[repr(C)]
pub struct Swapped {
    pub t: f64,
    pub id: u32,
    pub xyz: [f32; 3],
}

#[zeroipc::segment]
pub struct PlantSwapped {
    #[zeroipc(len = 5)]
    pub readings: Array<Swapped>,
}

#[test]
fn a_declared_open_rejects_another_element_type_of_the_same_size() {
    let name = unique_name("schema_mismatch");
    let _cleanup = Cleanup(name.clone());
    let _plant = Plant::create(&name).unwrap();
    let Err(err) = PlantAsIntegers::open(&name) else {
        panic!("opened as integers")
    };
    assert_eq!(
        err.to_string(),
        "field `temps`: entry \"temps\" holds elements of type f32 (<f4) but is used as i32 (<i4)"
    );
    let Err(err) = PlantSwapped::open(&name) else {
        panic!("opened with another record")
    };
    assert!(
        matches!(&err, zeroipc::Error::Field { field: "readings", source } if matches!(**source, zeroipc::Error::TypeMismatch { .. })),
        "{err}"
    );
    assert!(
        err.to_string().contains("Reading { t: f64 (<f8) @ 0"),
        "{err}"
    );
}

#[test]
fn the_dynamic_api_checks_element_types_against_a_declared_schema() {
    let name = unique_name("schema_dynamic_open");
    let _cleanup = Cleanup(name.clone());
    let _plant = Plant::create(&name).unwrap();
    let mem = Memory::open(&name).unwrap();
    let err = Array::<i32>::open(&mem, "temps").unwrap_err();
    assert!(matches!(err, zeroipc::Error::TypeMismatch { .. }), "{err}");
    assert!(Array::<f32>::open(&mem, "temps").is_ok());
    // A record is opaque bytes to the dynamic API: its size is what is compared.
    assert!(Array::<Reading>::open(&mem, "readings").is_ok());
    assert!(Array::<[u8; 24]>::open(&mem, "readings").is_ok());
}

#[test]
fn the_schema_name_is_not_a_name_for_structures() {
    let name = unique_name("schema_reserved");
    let _cleanup = Cleanup(name.clone());
    let plant = Plant::create(&name).unwrap();
    let err = Array::<u8>::create(plant.memory(), schema::ENTRY_NAME, 4).unwrap_err();
    assert!(matches!(err, zeroipc::Error::InvalidName { .. }), "{err}");
}

#[test]
fn entries_added_to_a_declared_segment_are_described_where_there_is_room() {
    let name = unique_name("schema_room");
    let _cleanup = Cleanup(name.clone());
    let options = zeroipc::SegmentOptions::new()
        .extra_space(4096)
        .schema_space(256);
    let plant = Plant::create_with(&name, &options).unwrap();
    assert_eq!(plant.memory().size(), (Plant::SIZE + 4096 + 256) as u64);
    Array::<i16>::create(plant.memory(), "extra", 4).unwrap();
    let schema = schema::read(plant.memory()).unwrap().unwrap();
    let extra = schema.get("extra").unwrap();
    assert_eq!(extra.ty, Some(Type::Scalar("<i2".into())));
}

const SENSORS: usize = 6;
const SLOTS: usize = 4;

/// Sizes given as constants and constant expressions.
#[zeroipc::segment]
pub struct Sized {
    #[zeroipc(len = SENSORS)]
    pub temps: Array<f32>,
    #[zeroipc(capacity = 2 * SLOTS)]
    pub events: Queue<u32>,
    #[zeroipc(capacity = (SLOTS + 1))]
    pub stack: zeroipc::Stack<u8>,
}

#[test]
fn sizes_may_be_constants_and_constant_expressions() {
    let name = unique_name("schema_const_sizes");
    let _cleanup = Cleanup(name.clone());
    let s = Sized::create(&name).unwrap();
    assert_eq!(s.temps.len(), 6);
    assert_eq!(s.events.capacity(), 8);
    assert_eq!(s.stack.capacity(), 5);
    let schema = schema::read(s.memory()).unwrap().unwrap();
    assert_eq!(schema.get("events").unwrap().param("capacity"), Some(8));
    assert!(Sized::open(&name).is_ok());
}

/// Composites as fields.
#[zeroipc::segment(max_entries = 24)]
pub struct Controls {
    /// Raised when a batch is ready.
    pub ready: zeroipc::Event,
    pub config: zeroipc::RwLock,
    pub queue_guard: zeroipc::Monitor,
    /// The set point.
    pub setpoint: zeroipc::Signal<f64>,
    #[zeroipc(len = 2)]
    pub after: Array<u32>,
}

#[test]
fn composites_are_fields_like_any_other() {
    let name = unique_name("schema_composites");
    let _cleanup = Cleanup(name.clone());
    let c = Controls::create(&name).unwrap();
    assert_eq!(c.memory().size(), Controls::SIZE as u64);
    for e in Controls::ENTRIES {
        let found = c.memory().find(e.name).unwrap();
        assert_eq!(
            (found.offset(), found.size()),
            (e.offset as u64, e.size as u64),
            "{}",
            e.name
        );
    }
    c.setpoint.set(21.5);
    c.ready.set();
    let schema = schema::read(c.memory()).unwrap().unwrap();
    let kinds: Vec<&str> = ["ready", "config", "queue_guard", "setpoint", "after"]
        .iter()
        .map(|n| schema.get(n).unwrap().kind.as_str())
        .collect();
    assert_eq!(kinds, ["event", "rwlock", "monitor", "signal", "array"]);
    assert_eq!(
        schema.get("setpoint").unwrap().ty,
        Some(Type::Scalar("<f8".into()))
    );
    assert_eq!(
        schema.get("ready").unwrap().doc.as_deref(),
        Some("Raised when a batch is ready.")
    );
    let other = Controls::open(&name).unwrap();
    assert_eq!(other.setpoint.get().unwrap().1.to_bits(), 21.5f64.to_bits());
    assert!(other.ready.is_set());
}

/// A bank: maps, sets, pools and rings as declared fields.
#[zeroipc::segment]
pub struct Bank {
    /// Accounts by id.
    #[zeroipc(capacity = 16)]
    pub accounts: zeroipc::Map<u32, Reading>,
    #[zeroipc(capacity = 8)]
    pub seen: zeroipc::Set<u16>,
    #[zeroipc(capacity = 4)]
    pub nodes: zeroipc::Pool<f64>,
    #[zeroipc(capacity = 32)]
    pub samples: zeroipc::Ring<i32>,
}

#[test]
fn declared_maps_record_their_key_and_value_types_and_sets_pools_rings_their_element() {
    let name = unique_name("schema_bank");
    let _cleanup = Cleanup(name.clone());
    let bank = Bank::create(&name).unwrap();
    let schema = schema::read(bank.memory()).unwrap().unwrap();
    let accounts = schema.get("accounts").unwrap();
    assert_eq!(accounts.kind, "map");
    assert_eq!(accounts.param("capacity"), Some(16));
    assert_eq!(accounts.ty, Some(Type::Scalar("<u4".into())));
    match &accounts.value_ty {
        Some(Type::Record {
            itemsize, fields, ..
        }) => {
            assert_eq!(*itemsize, 24);
            let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["t", "xyz", "id"]);
        }
        other => panic!("the map's value type: {other:?}"),
    }
    assert_eq!(accounts.doc.as_deref(), Some("Accounts by id."));
    for (entry, kind, ty) in [
        ("seen", "set", "<u2"),
        ("nodes", "pool", "<f8"),
        ("samples", "ring", "<i4"),
    ] {
        let line = schema.get(entry).unwrap();
        assert_eq!(
            (line.kind.as_str(), line.ty.clone()),
            (kind, Some(Type::Scalar(ty.into())))
        );
        assert_eq!(line.value_ty, None, "{entry}");
    }
}

#[test]
fn the_dynamic_api_records_maps_sets_pools_and_rings() {
    let name = unique_name("schema_dyn_ext");
    let _cleanup = Cleanup(name.clone());
    let mem = Memory::options()
        .schema(Some(4096))
        .create(&name, 1 << 16)
        .unwrap();
    zeroipc::Map::<u64, f32>::create(&mem, "m", 8).unwrap();
    zeroipc::Set::<i8>::create(&mem, "s", 8).unwrap();
    zeroipc::Pool::<[u8; 5]>::create(&mem, "p", 3).unwrap();
    zeroipc::Ring::<u16>::create(&mem, "r", 10).unwrap();
    let schema = schema::read(&mem).unwrap().unwrap();
    let m = schema.get("m").unwrap();
    assert_eq!(
        (
            m.kind.as_str(),
            m.param("capacity"),
            m.ty.clone(),
            m.value_ty.clone()
        ),
        (
            "map",
            Some(8),
            Some(Type::Scalar("<u8".into())),
            Some(Type::Scalar("<f4".into()))
        )
    );
    let s = schema.get("s").unwrap();
    assert_eq!(
        (s.kind.as_str(), s.ty.clone(), s.value_ty.clone()),
        ("set", Some(Type::Scalar("|i1".into())), None)
    );
    let p = schema.get("p").unwrap();
    assert_eq!(
        (p.kind.as_str(), p.param("capacity"), p.ty.clone()),
        ("pool", Some(3), Some(Type::Opaque(5)))
    );
    let r = schema.get("r").unwrap();
    assert_eq!(
        (r.kind.as_str(), r.param("capacity"), r.ty.clone()),
        ("ring", Some(10), Some(Type::Scalar("<u2".into())))
    );
}
