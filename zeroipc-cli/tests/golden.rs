//! `show`, `dump` and `check` on copies of the golden segments.

mod common;

use common::{assert_code, golden, stderr, stdout, zeroipc, ShmFile, GOLDEN_ENTRIES, GOLDEN_FILES};

#[test]
fn show_lists_the_eight_entries_with_their_offsets_and_sizes() {
    for file in GOLDEN_FILES {
        let seg = ShmFile::with_bytes(&golden(file));
        let out = zeroipc(&["show", &seg.name]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(text.contains("magic        0x5a49504d  (ok)"), "{text}");
        assert!(text.contains("entries      8 in use of 64 slots"), "{text}");
        assert!(text.contains("next_offset  9288"), "{text}");
        for (i, (name, offset, size)) in GOLDEN_ENTRIES.iter().enumerate() {
            let row = text
                .lines()
                .find(|l| l.split_whitespace().nth(1) == Some(name))
                .unwrap_or_else(|| panic!("no row for {name} in\n{text}"));
            let cols: Vec<&str> = row.split_whitespace().collect();
            assert_eq!(cols[0], i.to_string(), "{row}");
            assert_eq!(cols[2], offset.to_string(), "{row}");
            assert_eq!(cols[4], size.to_string(), "{row}");
            assert_eq!(cols[5], (offset + size).to_string(), "{row}");
        }
        assert!(text.contains("problems: none"), "{text}");
    }
}

#[test]
fn show_draws_a_map_and_guesses_each_structure() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let text = stdout(&zeroipc(&["show", &seg.name]));
    assert!(text.contains("map of 0..1048576"), "{text}");
    assert!(text.contains("[#01234567....."), "{text}");
    assert!(text.contains("0x0..0xc20"), "{text}");
    assert!(text.contains("0x2448..0x100000"), "{text}");
    assert!(text.contains("a guess"), "{text}");
    for expected in [
        "array of 1000 elements of 4 bytes",
        "array of 16 elements of 8 bytes",
        "array of 10 elements of 16 bytes",
        "queue of 128 slots of 4 bytes: head 10, tail 50, 40 queued",
        "stack of 64 slots of 8 bytes: top 19, 20 stacked",
        "semaphore: count 3, max 10",
        "latch: count 4 of 4",
        "barrier: 0 of 2 arrived",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
}

#[test]
fn show_takes_the_name_with_or_without_its_slash() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let bare = stdout(&zeroipc(&["show", &seg.name]));
    let slashed = stdout(&zeroipc(&["show", &seg.posix()]));
    assert_eq!(bare, slashed);
}

#[test]
fn show_json_has_the_header_entries_map_and_guesses() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[1]));
    let out = zeroipc(&["show", "--json", &seg.name]);
    assert_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["zeroipc"], true);
    assert_eq!(v["header"]["entry_count"], 8);
    assert_eq!(v["header"]["next_offset"], 9288);
    assert_eq!(v["file"]["name"], seg.posix());
    assert_eq!(v["file"]["mode"], "0600");
    let entries = v["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8);
    for (e, (name, offset, size)) in entries.iter().zip(GOLDEN_ENTRIES) {
        assert_eq!(e["name"], name);
        assert_eq!(e["offset"], offset);
        assert_eq!(e["size"], size);
        assert_eq!(e["end"], offset + size);
    }
    assert_eq!(entries[3]["guesses"][0]["kind"], "queue");
    assert_eq!(entries[3]["guesses"][0]["items"], 40);
    assert_eq!(entries[4]["guesses"][0]["kind"], "stack");
    assert_eq!(entries[0]["guesses"][0]["elem_size"], 4);
    let map = v["map"].as_array().unwrap();
    assert_eq!(map[0]["kind"], "table");
    assert_eq!(map.last().unwrap()["kind"], "free");
    assert!(v["problems"].as_array().unwrap().is_empty());
}

#[test]
fn dump_prints_sensor_data_as_f32() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["dump", &seg.name, "sensor_data", "--type", "f32"]);
    assert_code(&out, 0);
    let values: Vec<f32> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(values.len(), 1000);
    // Every value is exactly representable: compare the bits.
    for (i, v) in values.iter().enumerate() {
        let expected = f32::from(u16::try_from(i).unwrap()) * 0.5;
        assert_eq!(v.to_bits(), expected.to_bits(), "element {i}: {v}");
    }
}

#[test]
fn dump_prints_counters_as_u64() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[1]));
    let out = zeroipc(&["dump", &seg.posix(), "counters", "-t", "u64"]);
    assert_code(&out, 0);
    let values: Vec<u64> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    let expected: Vec<u64> = (0..16).map(|i| i * i + 7).collect();
    assert_eq!(values, expected);
}

#[test]
fn dump_prints_a_range_with_indices() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&[
        "dump", &seg.name, "counters", "-t", "u64", "--range", "3..6", "--index",
    ]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "3\t16\n4\t23\n5\t32\n");
    let out = zeroipc(&[
        "dump",
        &seg.name,
        "sensor_data",
        "-t",
        "f32",
        "--range",
        "998..",
    ]);
    assert_eq!(stdout(&out), "499\n499.5\n");
    let out = zeroipc(&[
        "dump", &seg.name, "counters", "-t", "u64", "--range", "15..=15",
    ]);
    assert_eq!(stdout(&out), "232\n");
}

#[test]
fn dump_refuses_a_range_past_the_end() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&[
        "dump", &seg.name, "counters", "-t", "u64", "--range", "10..17",
    ]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("16 elements"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn dump_with_the_wrong_type_names_both_element_sizes() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["dump", &seg.name, "sensor_data", "-t", "f64"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("elements of 4 bytes, not 8"), "{err}");
}

#[test]
fn dump_of_a_missing_entry_or_segment_says_so() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["dump", &seg.name, "nothing", "-t", "u8"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("\"nothing\" does not exist"),
        "{}",
        stderr(&out)
    );
    let out = zeroipc(&["dump", "zeroipc_cli_no_such_segment", "x", "-t", "u8"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
}

#[test]
fn dump_refuses_a_bad_type_or_range_before_opening_anything() {
    let out = zeroipc(&["dump", "x", "y", "-t", "f16"]);
    assert_code(&out, 2);
    let out = zeroipc(&["dump", "x", "y", "-t", "u8", "--range", "a..b"]);
    assert_code(&out, 2);
}

#[test]
fn check_passes_the_golden_images() {
    for file in GOLDEN_FILES {
        let seg = ShmFile::with_bytes(&golden(file));
        let out = zeroipc(&["check", &seg.name]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(!text.contains("FAIL"), "{text}");
        assert!(
            text.contains("pass  the runtime opens the segment"),
            "{text}"
        );
        assert!(text.contains("sound"), "{text}");
        for (name, _, _) in GOLDEN_ENTRIES {
            assert!(text.contains(&format!("entry {name:?}")), "{name}: {text}");
        }
    }
}

#[test]
fn check_json_reports_every_rule() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["check", "--json", &seg.name]);
    assert_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["sound"], true);
    let checks = v["checks"].as_array().unwrap();
    for rule in [
        "magic",
        "version",
        "table_fits",
        "entry_count",
        "memory_size",
        "entry_name",
        "entry_bounds",
        "entry_alignment",
        "entry_in_table",
        "overlap",
        "next_offset",
        "runtime_open",
    ] {
        assert!(
            checks
                .iter()
                .any(|c| c["check"] == rule && c["status"] == "pass"),
            "{rule} missing from {checks:?}"
        );
    }
    let per_entry = checks
        .iter()
        .filter(|c| c["check"] == "entry_bounds")
        .count();
    assert_eq!(per_entry, 8);
    assert!(checks.iter().all(|c| c["status"] != "fail"));
}

#[test]
fn dump_as_queue_prints_the_live_contents_oldest_first_and_leaves_them() {
    let bytes = golden(GOLDEN_FILES[0]);
    let seg = ShmFile::with_bytes(&bytes);
    let out = zeroipc(&["dump", &seg.name, "events", "-t", "i32", "--as", "queue"]);
    assert_code(&out, 0);
    let values: Vec<i32> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(values, (11..=50).collect::<Vec<i32>>());
    let out = zeroipc(&[
        "dump", &seg.name, "events", "-t", "i32", "--as", "queue", "--range", "..2", "-n",
    ]);
    assert_eq!(stdout(&out), "0\t11\n1\t12\n");
    assert_eq!(std::fs::read(&seg.path).unwrap(), bytes, "nothing consumed");
}

#[test]
fn dump_as_stack_prints_the_live_contents_bottom_first_and_leaves_them() {
    let bytes = golden(GOLDEN_FILES[1]);
    let seg = ShmFile::with_bytes(&bytes);
    let out = zeroipc(&["dump", &seg.name, "stack", "-t", "f64", "--as", "stack"]);
    assert_code(&out, 0);
    let values: Vec<f64> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    let expected: Vec<f64> = (1..=20).map(f64::from).collect();
    assert_eq!(values.len(), expected.len());
    for (v, e) in values.iter().zip(&expected) {
        assert_eq!(v.to_bits(), e.to_bits());
    }
    assert_eq!(std::fs::read(&seg.path).unwrap(), bytes, "nothing popped");
}

#[test]
fn dump_as_queue_with_the_wrong_type_or_kind_says_why() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["dump", &seg.name, "events", "-t", "u64", "--as", "queue"]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("elements of 4 bytes, not 8"),
        "{}",
        stderr(&out)
    );
    let out = zeroipc(&[
        "dump",
        &seg.name,
        "sensor_data",
        "-t",
        "f32",
        "--as",
        "stack",
    ]);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("cannot open \"sensor_data\" as a stack"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn check_opens_queues_and_stacks_with_the_runtime() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let text = stdout(&zeroipc(&["check", &seg.name]));
    assert!(
        text.contains("entry \"events\" opens as Queue of 128 slots of 4 bytes, 40 queued"),
        "{text}"
    );
    assert!(
        text.contains("entry \"stack\" opens as Stack of 64 slots of 8 bytes, 20 stacked"),
        "{text}"
    );
    assert!(
        text.contains("entry \"sensor_data\" opens as Array of 1000 elements of 4 bytes"),
        "{text}"
    );
}

#[test]
fn check_opens_the_sync_entries_with_the_runtime() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let text = stdout(&zeroipc(&["check", &seg.name]));
    for line in [
        "entry \"sem\" opens as Semaphore: count 3, max_count 10, 0 waiting",
        "entry \"latch\" opens as Latch: count 4 of 4",
        "entry \"barrier\" opens as Barrier: 0 of 2 arrived, generation 0",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}
