//! `check` and `show` on damaged copies of the golden segment: `check` names the problem and
//! fails, `show` still prints the header and says what is wrong, and nothing crashes.

mod common;

use common::{
    assert_code, entry_at, golden, put_u32, put_u64, stdout, zeroipc, ShmFile, GOLDEN_FILES,
};

/// A damage and the words `check` must use for it.
struct Case {
    what: &'static str,
    break_it: fn(&mut Vec<u8>),
    says: &'static str,
}

const CASES: &[Case] = &[
    Case {
        what: "bad magic",
        break_it: |b| put_u32(b, 0, 0xdead_beef),
        says: "magic is 0xdeadbeef",
    },
    Case {
        what: "zero magic",
        break_it: |b| put_u32(b, 0, 0),
        says: "never published",
    },
    Case {
        what: "other version",
        break_it: |b| put_u32(b, 4, 3),
        says: "format version 3",
    },
    Case {
        what: "entry past the end",
        break_it: |b| put_u64(b, entry_at(7) + 40, 1 << 40),
        says:
            "corrupt entry \"barrier\": offset 9272 + size 1099511627776 reaches past the segment",
    },
    Case {
        what: "entry whose end overflows",
        break_it: |b| put_u64(b, entry_at(2) + 40, u64::MAX - 8),
        says: "corrupt entry \"records\"",
    },
    Case {
        what: "overlapping entries",
        break_it: |b| put_u64(b, entry_at(1) + 32, 3200),
        says: "entries \"sensor_data\" and \"counters\" overlap",
    },
    Case {
        what: "misaligned entry",
        break_it: |b| put_u64(b, entry_at(2) + 32, 7252),
        says: "offset 7252 is not a multiple of 8",
    },
    Case {
        what: "entry inside the table",
        break_it: |b| put_u64(b, entry_at(0) + 32, 64),
        says: "offset 64 lies inside the table",
    },
    Case {
        what: "more entries than slots",
        break_it: |b| put_u32(b, 8, 65),
        says: "entry_count 65 is larger than max_entries 64",
    },
    Case {
        what: "memory_size larger than the segment",
        break_it: |b| put_u64(b, 16, 1 << 30),
        says: "memory_size is 1073741824 bytes but the segment has 1048576",
    },
    Case {
        what: "table larger than the segment",
        break_it: |b| put_u32(b, 12, 100_000),
        says: "the table needs 4800032 bytes",
    },
    Case {
        what: "next_offset inside the table",
        break_it: |b| put_u64(b, 24, 100),
        says: "next_offset 100",
    },
    Case {
        what: "entry name without a NUL",
        break_it: |b| b[entry_at(0)..entry_at(0) + 32].fill(b'x'),
        says: "the name of entry 0 is not NUL-terminated",
    },
    Case {
        what: "segment cut short",
        break_it: |b| b.truncate(100),
        says: "the table needs 3104 bytes but the segment has 100",
    },
];

#[test]
fn check_names_each_problem_and_fails() {
    for case in CASES {
        let seg = ShmFile::golden_with(case.break_it);
        let out = zeroipc(&["check", &seg.name]);
        assert_code(&out, 1);
        let text = stdout(&out);
        assert!(
            text.contains(case.says),
            "{}: {:?} not in\n{text}",
            case.what,
            case.says
        );
        assert!(text.contains("FAIL  runtime_open"), "{}: {text}", case.what);
        assert!(text.contains("NOT SOUND"), "{}: {text}", case.what);
        // The rules are listed in the order the runtime applies them, so the first one
        // broken is the one `Memory::open_copy` reports (a zero magic it waits for, then says
        // `NotReady`).
        if case.what != "zero magic" {
            let first = text
                .lines()
                .find(|l| l.starts_with("  FAIL") && !l.contains("runtime_open"))
                .unwrap();
            let first = first.split_once(": ").unwrap().1;
            let runtime = text
                .lines()
                .find(|l| l.contains("FAIL  runtime_open"))
                .unwrap();
            assert!(
                runtime.ends_with(&format!("Memory::open_copy: {first}")),
                "{}: {first:?} vs {runtime:?}",
                case.what
            );
        }
    }
}

#[test]
fn show_prints_the_header_and_the_problem() {
    for case in CASES {
        let seg = ShmFile::golden_with(case.break_it);
        let out = zeroipc(&["show", &seg.name]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert!(text.contains("header:"), "{}: {text}", case.what);
        assert!(text.contains("  magic "), "{}: {text}", case.what);
        assert!(text.contains("PROBLEMS"), "{}: {text}", case.what);
        assert!(
            text.contains(case.says),
            "{}: {:?} not in\n{text}",
            case.what,
            case.says
        );
    }
}

#[test]
fn check_finds_structures_the_runtime_refuses_or_whose_counters_are_corrupt() {
    // The stack's `top` past its capacity: the runtime's `Stack::open` refuses it.
    let seg = ShmFile::golden_with(|b| put_u32(b, 8456, 100));
    let out = zeroipc(&["check", &seg.name]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("FAIL  structure: Stack::open"), "{text}");
    assert!(
        text.contains("pass  the runtime opens the segment"),
        "{text}"
    );
    // The queue's tail more than a capacity past its head.
    let seg = ShmFile::golden_with(|b| put_u32(b, 7416 + 4, 5000));
    let out = zeroipc(&["check", &seg.name]);
    assert_code(&out, 1);
    let text = stdout(&out);
    assert!(text.contains("tail - head is 4990"), "{text}");
}

#[test]
fn check_json_marks_the_broken_rule() {
    let seg = ShmFile::golden_with(|b| put_u64(b, entry_at(1) + 32, 3200));
    let out = zeroipc(&["check", "--json", &seg.name]);
    assert_code(&out, 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(v["sound"], false);
    let checks = v["checks"].as_array().unwrap();
    let overlap = checks.iter().find(|c| c["check"] == "overlap").unwrap();
    assert_eq!(overlap["status"], "fail");
    let magic = checks.iter().find(|c| c["check"] == "magic").unwrap();
    assert_eq!(magic["status"], "pass");
}

#[test]
fn show_marks_overlaps_in_the_map_and_entries_past_the_end() {
    let seg = ShmFile::golden_with(|b| put_u64(b, entry_at(1) + 32, 3200));
    let text = stdout(&zeroipc(&["show", &seg.name]));
    assert!(
        text.contains("OVERLAP of [0] sensor_data and [1] counters"),
        "{text}"
    );
    let seg = ShmFile::golden_with(|b| put_u64(b, entry_at(7) + 40, 1 << 40));
    let text = stdout(&zeroipc(&["show", &seg.name]));
    assert!(text.contains("past the end of the segment"), "{text}");
    let seg = ShmFile::golden_with(|b| put_u64(b, entry_at(1) + 32, 3200));
    let v: serde_json::Value =
        serde_json::from_slice(&zeroipc(&["show", "--json", &seg.name]).stdout).unwrap();
    assert!(v["map"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["kind"] == "overlap"));
    assert_eq!(v["entries"][1]["problems"].as_array().unwrap().len(), 1);
}

#[test]
fn a_file_shorter_than_a_header_is_described_not_crashed_on() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0])[..10]);
    let out = zeroipc(&["show", &seg.name]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("too short for a table header"));
    let out = zeroipc(&["check", &seg.name]);
    assert_code(&out, 1);
    assert!(stdout(&out).contains("fewer than the 32-byte table header"));
    let empty = ShmFile::with_bytes(&[]);
    assert_code(&zeroipc(&["show", &empty.name]), 0);
    assert_code(&zeroipc(&["check", &empty.name]), 1);
}

#[test]
fn a_file_of_random_bytes_is_not_a_zeroipc_segment() {
    let bytes: Vec<u8> = Lcg(7).bytes(5000);
    let seg = ShmFile::with_bytes(&bytes);
    let out = zeroipc(&["show", &seg.name]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("not a zeroipc segment"), "{text}");
    assert!(text.contains("entries: not read"), "{text}");
    assert_code(&zeroipc(&["check", &seg.name]), 1);
}

/// Random damage to the table and the structure headers: every run ends by itself with an
/// answer, never a crash or a panic.
#[test]
fn random_damage_never_crashes_show_or_check() {
    let base = golden(GOLDEN_FILES[0]);
    let mut rng = Lcg(0x5eed);
    for round in 0..40 {
        let mut bytes = base.clone();
        for _ in 0..=rng.next() % 6 {
            // Mostly the header and the first entries, sometimes a structure's header.
            let at = if rng.next() % 4 == 0 {
                7416 + (rng.next() % 1872) as usize
            } else {
                (rng.next() % 420) as usize
            };
            bytes[at] = rng.next() as u8;
        }
        if round % 10 == 9 {
            bytes.truncate((rng.next() % 10_000) as usize);
        }
        let seg = ShmFile::with_bytes(&bytes);
        for args in [
            vec!["show", &seg.name],
            vec!["show", "--json", &seg.name],
            vec!["check", &seg.name],
        ] {
            let out = zeroipc(&args);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1)),
                "round {round} {args:?}: {:?}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
        }
    }
}

/// A hostile table of many entries, all overlapping: described in bounded time (the map
/// and the findings are computed by sweeps, not by comparing every pair).
#[test]
fn a_table_of_many_overlapping_entries_is_described() {
    let n: u32 = 20_000;
    let table_end = 32 + 48 * u64::from(n);
    let size = table_end + 4096;
    let mut b = vec![0u8; usize::try_from(size).unwrap()];
    put_u32(&mut b, 0, 0x5A49_504D);
    put_u32(&mut b, 4, 2);
    put_u32(&mut b, 8, n);
    put_u32(&mut b, 12, n);
    put_u64(&mut b, 16, size);
    put_u64(&mut b, 24, table_end + 8);
    for i in 0..n {
        let at = entry_at(i as usize);
        let name = format!("m{i}");
        b[at..at + name.len()].copy_from_slice(name.as_bytes());
        put_u64(&mut b, at + 32, table_end);
        put_u64(&mut b, at + 40, if i % 2 == 0 { 4096 } else { 1 });
    }
    let seg = ShmFile::with_bytes(&b);
    let out = zeroipc(&["show", &seg.name]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("and 19996 more"));
    let out = zeroipc(&["check", &seg.name]);
    assert_code(&out, 1);
    assert!(stdout(&out).contains("entries \"m1\" and \"m3\" overlap"));
}

/// A small deterministic generator, so that a failure replays.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn bytes(mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}
