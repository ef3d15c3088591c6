//! The commands on segments with a schema entry: `show` names every declared type and prints
//! the fields' docs, `dump` needs no `--type`, `check` reports a schema that disagrees with
//! the entries or does not read.

mod common;

use std::os::unix::fs::FileExt;

use common::{assert_code, stdout, unique_name, zeroipc};
use zeroipc::{Array, Memory, Queue, Semaphore};

/// One sample: 24 bytes, no padding.
#[derive(Clone, Copy, Debug, PartialEq, zeroipc::Record)]
#[repr(C)]
pub struct Sample {
    pub t: f64,
    pub xyz: [f32; 3],
    pub id: u32,
}

#[zeroipc::segment]
pub struct Station {
    /// Temperatures, in degrees Celsius.
    #[zeroipc(len = 4)]
    pub temps: Array<f32>,
    /// The last samples,
    /// newest last.
    #[zeroipc(len = 3)]
    pub samples: Array<Sample>,
    #[zeroipc(capacity = 8)]
    pub pending: Queue<Sample>,
    #[zeroipc(count = 1, max = 4)]
    pub slots: Semaphore,
}

/// A segment name, and the guard that removes the segment.
struct Named(String);

impl Named {
    fn new() -> Named {
        Named(format!("/{}", unique_name()))
    }
}

impl Drop for Named {
    fn drop(&mut self) {
        let _ = Memory::unlink(&self.0);
    }
}

fn station() -> (Named, Station) {
    let name = Named::new();
    let s = Station::create(&name.0).unwrap();
    for (i, v) in [0.5f32, 1.5, 2.5, 3.5].into_iter().enumerate() {
        s.temps.set(i, v).unwrap();
    }
    for i in 0..3u16 {
        let v = f32::from(i);
        let sample = Sample {
            t: f64::from(i) * 1.5,
            xyz: [v, v + 1.0, v + 2.0],
            id: 10 + u32::from(i),
        };
        s.samples.set(i as usize, sample).unwrap();
    }
    (name, s)
}

#[test]
fn show_names_every_declared_type_and_prints_the_docs() {
    let (name, _s) = station();
    let out = zeroipc(&["show", &name.0]);
    assert_code(&out, 0);
    let text = stdout(&out);
    for expected in [
        "contents (as the segment's schema declares them):",
        "temps",
        "array of 4 f32 (<f4)",
        "/// Temperatures, in degrees Celsius.",
        "array of 3 Sample { t: f64 (<f8) @ 0, xyz: [f32; 3] @ 8, id: u32 (<u4) @ 20 }",
        "/// The last samples,",
        "/// newest last.",
        "queue of 8 slots of Sample {",
        "semaphore (count 1, max 4)",
        "the segment's schema: the types of 4 entries",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} is missing from:\n{text}"
        );
    }
    assert!(!text.contains("guess"), "{text}");
    let json = stdout(&zeroipc(&["show", "--json", &name.0]));
    assert!(json.contains("\"declared\""), "{json}");
    assert!(
        json.contains("\"doc\": \"Temperatures, in degrees Celsius.\""),
        "{json}"
    );
}

#[test]
fn dump_reads_the_type_from_the_schema() {
    let (name, _s) = station();
    let out = zeroipc(&["dump", &name.0, "samples"]);
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        "{t: 0, xyz: [0, 1, 2], id: 10}\n{t: 1.5, xyz: [1, 2, 3], id: 11}\n{t: 3, xyz: [2, 3, 4], id: 12}\n"
    );
    let out = zeroipc(&["dump", "-n", "--range", "1..3", &name.0, "temps"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "1\t1.5\n2\t2.5\n");
    // A type given on the command line is checked against the declared one.
    let out = zeroipc(&["dump", "--type", "u32", &name.0, "temps"]);
    assert_code(&out, 1);
    assert!(
        common::stderr(&out).contains("holds elements of type f32 (<f4) but is used as u32 (<u4)"),
        "{}",
        common::stderr(&out)
    );
    let out = zeroipc(&["dump", "--type", "f32", "--range", "0", &name.0, "temps"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "0.5\n");
}

#[test]
fn dump_without_a_type_or_a_schema_asks_for_one() {
    let name = Named::new();
    let mem = Memory::create(&name.0, 1 << 16).unwrap();
    Array::<f32>::create(&mem, "temps", 2).unwrap();
    let out = zeroipc(&["dump", &name.0, "temps"]);
    assert_code(&out, 1);
    assert!(
        common::stderr(&out).contains("give it with --type"),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn check_passes_a_declared_segment_and_checks_its_schema() {
    let (name, _s) = station();
    let out = zeroipc(&["check", &name.0]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains("the schema reads: 4 entries described"),
        "{text}"
    );
    assert!(text.contains("(the kind its schema declares)"), "{text}");
}

/// Appends `line` to the schema of the segment `name` by writing its file, as a careless
/// or hostile writer might.
fn append_line(name: &str, line: &str) {
    let mem = Memory::open(name).unwrap();
    let entry = mem.find(zeroipc::schema::ENTRY_NAME).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(format!("/dev/shm{name}"))
        .unwrap();
    let mut len = [0u8; 4];
    file.read_exact_at(&mut len, entry.offset() + 8).unwrap();
    let len = u32::from_le_bytes(len);
    file.write_all_at(line.as_bytes(), entry.offset() + 16 + u64::from(len))
        .unwrap();
    let new_len = len + line.len() as u32;
    file.write_all_at(&new_len.to_le_bytes(), entry.offset() + 8)
        .unwrap();
}

#[test]
fn check_reports_a_schema_that_does_not_read() {
    let name = Named::new();
    let mem = Memory::options()
        .schema(Some(512))
        .create(&name.0, 1 << 16)
        .unwrap();
    Array::<f32>::create(&mem, "temps", 4).unwrap();
    assert_code(&zeroipc(&["check", &name.0]), 0);
    append_line(
        &name.0,
        "{\"name\":\"temps\",\"kind\":\"array\",\"params\":{\"len\":4},\"type\":\"<f4\"}\n",
    );
    let out = zeroipc(&["check", &name.0]);
    assert_code(&out, 1);
    assert!(stdout(&out).contains("described twice"), "{}", stdout(&out));
    let out = zeroipc(&["show", &name.0]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("described twice"), "{}", stdout(&out));
}

#[test]
fn check_reports_the_declared_size_and_kind_that_the_entry_contradicts() {
    let name = Named::new();
    // Room for a short line only: the array's own line does not fit, so it is undescribed
    // (as an entry of an implementation that writes no schema), and the lie fits.
    let mem = Memory::options()
        .schema(Some(40))
        .create(&name.0, 1 << 16)
        .unwrap();
    Array::<f32>::create(&mem, "t", 4).unwrap();
    assert!(zeroipc::schema::read(&mem)
        .unwrap()
        .unwrap()
        .get("t")
        .is_none());
    append_line(&name.0, "{\"name\":\"t\",\"kind\":\"once\"}\n");
    let out = zeroipc(&["check", &name.0]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains("declared once, which takes 4 bytes, but its entry has 24"),
        "{text}"
    );
    assert!(
        text.contains("declared a once, but its bytes read as array"),
        "{text}"
    );
}

#[test]
fn dump_reads_a_map_s_value_type_from_the_schema() {
    let name = Named::new();
    let mem = Memory::options()
        .schema(Some(1024))
        .create(&name.0, 1 << 16)
        .unwrap();
    let map = zeroipc::Map::<u32, f64>::create(&mem, "m", 8).unwrap();
    map.insert(7, 2.5).unwrap();
    let out = zeroipc(&["dump", &name.0, "m"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "7\t2.5\n");
}
