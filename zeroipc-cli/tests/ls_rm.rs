//! `ls` and `rm` against /dev/shm.

mod common;

use common::{assert_code, golden, stderr, stdout, zeroipc, ShmFile, GOLDEN_FILES};

#[test]
fn ls_finds_a_segment_and_skips_other_files() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let other = ShmFile::with_bytes(b"not a segment at all");
    let out = zeroipc(&["ls"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(seg.posix().as_str()))
        .unwrap_or_else(|| panic!("{} not listed in\n{text}", seg.posix()));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[1], "1048576", "{row}");
    assert_eq!(cols[2], "8/64", "{row}");
    assert_eq!(cols[3], "9288", "{row}");
    assert_eq!(cols.last(), Some(&"rw-------"), "{row}");
    assert!(!text.contains(&other.name), "{text}");
}

#[test]
fn ls_json_gives_the_header_fields() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[1]));
    let other = ShmFile::with_bytes(&[0u8; 64]);
    let out = zeroipc(&["ls", "--json"]);
    assert_code(&out, 0);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let list = v.as_array().unwrap();
    let mine = list
        .iter()
        .find(|s| s["name"] == seg.posix())
        .expect("listed");
    assert_eq!(mine["size"], 1_048_576);
    assert_eq!(mine["entries"], 8);
    assert_eq!(mine["max_entries"], 64);
    assert_eq!(mine["used"], 9288);
    assert_eq!(mine["mode"], "0600");
    assert!(mine["owner"].is_string());
    assert!(list.iter().all(|s| s["name"] != other.posix()));
}

#[test]
fn rm_removes_a_segment_named_either_way() {
    let a = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let b = ShmFile::with_bytes(&golden(GOLDEN_FILES[1]));
    let out = zeroipc(&["rm", &a.name, &b.posix()]);
    assert_code(&out, 0);
    assert!(!a.path.exists());
    assert!(!b.path.exists());
    assert!(stdout(&out).contains(&format!("removed {}", a.posix())));
}

#[test]
fn rm_refuses_a_file_without_the_magic_unless_forced() {
    let other = ShmFile::with_bytes(b"someone else's data");
    let out = zeroipc(&["rm", &other.name]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("refusing"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert!(other.path.exists());
    let out = zeroipc(&["rm", "--force", &other.name]);
    assert_code(&out, 0);
    assert!(!other.path.exists());
}

#[test]
fn rm_goes_on_past_a_refusal_and_reports_it() {
    let other = ShmFile::with_bytes(b"xx");
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    let out = zeroipc(&["rm", &other.name, &seg.name]);
    assert_code(&out, 1);
    assert!(other.path.exists());
    assert!(!seg.path.exists());
}

#[test]
fn names_that_leave_dev_shm_are_refused() {
    for bad in ["../etc/passwd", "/a/b", "..", ""] {
        for cmd in [
            vec!["rm", "--force", bad],
            vec!["show", bad],
            vec!["check", bad],
        ] {
            let out = zeroipc(&cmd);
            assert_code(&out, 1);
            assert!(
                stderr(&out).contains("invalid segment name"),
                "{cmd:?}: {}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn a_missing_segment_is_reported() {
    let out = zeroipc(&["show", "zeroipc_cli_there_is_no_such_segment"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("does not exist"));
    let out = zeroipc(&["rm", "zeroipc_cli_there_is_no_such_segment"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("does not exist"));
}
