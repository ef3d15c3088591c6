//! What the command needs and what it survives: read permission alone is enough for every
//! command that looks (run as the user `nobody` on a segment of root's with mode 0644, when
//! the tests run as root, as CI does), and a peer that shrinks the segment while `check`
//! runs cannot kill it with a signal.

mod common;
#[allow(dead_code, unreachable_pub, clippy::disallowed_types)]
#[path = "../../zeroipc/tests/common/nobody.rs"]
mod nobody;

use std::os::unix::fs::{FileExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};
use std::sync::mpsc::{channel, TryRecvError};
use std::time::Duration;

use common::{assert_code, golden, stdout, ShmFile, GOLDEN_FILES};

/// Runs the command with `args` as `nobody` when this process can switch to it, else as
/// this user.
fn zeroipc_as(ids: Option<(u32, u32)>, exposed: Option<&nobody::Exposed>, args: &[&str]) -> Output {
    let mut cmd = match exposed {
        Some(e) => Command::new(&e.exe),
        None => Command::new(env!("CARGO_BIN_EXE_zeroipc")),
    };
    if let Some(ids) = ids {
        nobody::run_as(&mut cmd, ids);
    }
    cmd.args(args).output().expect("run the zeroipc binary")
}

#[test]
fn as_nobody_show_check_dump_and_ls_read_a_0644_segment_of_roots() {
    let seg = ShmFile::with_bytes(&golden(GOLDEN_FILES[0]));
    std::fs::set_permissions(&seg.path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ids, exposed) = match nobody::nobody() {
        Ok(ids) => (
            Some(ids),
            Some(nobody::Exposed::new(env!("CARGO_BIN_EXE_zeroipc").as_ref())),
        ),
        Err(why) => {
            println!("skipped: the commands run as this user, not as nobody: {why}");
            (None, None)
        }
    };
    let run = |args: &[&str]| zeroipc_as(ids, exposed.as_ref(), args);

    let out = run(&["show", &seg.name]);
    assert_code(&out, 0);
    assert!(
        stdout(&out).contains("problems: none found in the table"),
        "{}",
        stdout(&out)
    );

    let out = run(&["check", &seg.name]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("sound: every check passed"), "{text}");
    assert!(
        text.contains("pass  the runtime opens the segment"),
        "{text}"
    );

    let out = run(&["dump", &seg.name, "counters", "-t", "u64"]);
    assert_code(&out, 0);
    let values: Vec<u64> = stdout(&out).lines().map(|l| l.parse().unwrap()).collect();
    assert_eq!(values, (0..16).map(|i| i * i + 7).collect::<Vec<u64>>());

    let out = run(&["ls"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains(&seg.posix()), "{}", stdout(&out));

    // As nobody, removing root's segment is refused, and it stays.
    if ids.is_some() {
        let out = run(&["rm", &seg.name]);
        assert_code(&out, 1);
        assert!(seg.path.exists());
    }
}

#[test]
fn check_and_dump_never_die_of_a_signal_while_a_peer_shrinks_and_regrows_the_segment() {
    const RUNS: usize = 50;
    let image = golden(GOLDEN_FILES[0]);
    let seg = ShmFile::with_bytes(&image);
    let (stop, stopped) = channel::<()>();
    let (mut sound, mut damaged) = (0, 0);
    std::thread::scope(|s| {
        let (path, image) = (&seg.path, &image);
        let peer = s.spawn(move || {
            let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
            // Exit: told to stop (or the sender dropped) by the loop below, which always does.
            while stopped.try_recv() == Err(TryRecvError::Empty) {
                // Keep the table's page and cut every structure off, for a moment; then the
                // whole image again.
                file.set_len(4096).unwrap();
                std::thread::sleep(Duration::from_millis(2));
                file.set_len(image.len() as u64).unwrap();
                file.write_all_at(image, 0).unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let mut failure = None;
        for run in 0..RUNS {
            // `dump` reads through the same private copy; it may fail, never by a signal.
            let dump = Command::new(env!("CARGO_BIN_EXE_zeroipc"))
                .args(["dump", &seg.name, "counters", "-t", "u64"])
                .output()
                .expect("run the zeroipc binary");
            if let Some(signal) = dump.status.signal() {
                failure = Some(format!("dump {run} was killed by signal {signal}"));
                break;
            }
            let out = Command::new(env!("CARGO_BIN_EXE_zeroipc"))
                .args(["check", &seg.name])
                .output()
                .expect("run the zeroipc binary");
            if let Some(signal) = out.status.signal() {
                failure = Some(format!("check {run} was killed by signal {signal}"));
                break;
            }
            match out.status.code() {
                Some(0) => sound += 1,
                Some(1) => damaged += 1,
                other => {
                    failure = Some(format!(
                        "run {run} ended with {other:?}: {}",
                        String::from_utf8_lossy(&out.stderr)
                    ));
                    break;
                }
            }
        }
        drop(stop);
        peer.join().unwrap();
        if let Some(failure) = failure {
            panic!("{failure}");
        }
    });
    println!("{RUNS} runs of check: {sound} sound, {damaged} damaged, none killed");
}
