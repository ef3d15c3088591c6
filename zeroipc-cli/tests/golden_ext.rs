//! The command on a copy of `golden-cpp-ext.bin`: its maps, sets, pools and rings are
//! recognised, opened and dumped.

mod common;

use common::{assert_code, golden, stdout, zeroipc, ShmFile};

#[test]
fn check_recognises_and_opens_every_map_set_pool_and_ring_of_the_cpp_image() {
    let seg = ShmFile::with_bytes(&golden("golden-cpp-ext.bin"));
    let out = zeroipc(&["check", &seg.posix()]);
    let text = stdout(&out).to_lowercase();
    // `s_i32`'s bytes also fit a stack of 32 slots (its name hints at neither), which the
    // check tries first; `show` lists both readings.
    let shown = stdout(&zeroipc(&["show", &seg.posix()]));
    assert!(
        shown.contains("or set of 32 slots, elements of 4 bytes: 15 elements"),
        "{shown}"
    );
    for (entry, kind) in [
        ("m_i32", "map"),
        ("m_u64_f64", "map"),
        ("m_f64_i32", "map"),
        ("m_pair", "map"),
        ("s_u64", "set"),
        ("pool_i64", "pool"),
        ("pool_i32", "pool"),
        ("ring_f32", "ring"),
        ("st_buffer", "ring"),
    ] {
        let line = format!("pass  entry {entry:?} opens as {kind}");
        assert!(text.contains(&line), "{line} not in\n{text}");
    }
}

#[test]
fn dump_prints_a_map_set_pool_and_ring_as_the_readme_lists_them() {
    let seg = ShmFile::with_bytes(&golden("golden-cpp-ext.bin"));
    let posix = seg.posix();
    let run = |args: &[&str]| {
        let mut all = vec!["dump", posix.as_str()];
        all.extend_from_slice(args);
        let out = zeroipc(&all);
        assert_code(&out, 0);
        stdout(&out)
    };
    let map = run(&[
        "m_f64_i32",
        "--as",
        "map",
        "-t",
        "f64",
        "--value-type",
        "i32",
    ]);
    assert_eq!(map, "-0\t4\n0.5\t1\n2.5\t3\n1.5\t2\n");
    let set = run(&["s_u64", "--as", "set", "-t", "u64"]);
    assert_eq!(set, "1099511627776\n7\n42\n");
    let pool = run(&["pool_i32", "--as", "pool", "-t", "i32", "--range", "0..4"]);
    assert_eq!(pool, "7\n8\n9\n0\n");
    let ring = run(&["ring_f32", "--as", "ring", "-t", "f32"]);
    assert_eq!(ring, "3.5\n4.5\n5.5\n6.5\n7.5\n8.5\n9.5\n");
}
