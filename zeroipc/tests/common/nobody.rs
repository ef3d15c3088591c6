//! Running a program as the unprivileged user `nobody`: for the tests of what a user with
//! only read permission on a segment can do. Only root can switch users, so each test asks
//! [`nobody`] first and, when it cannot, runs what it can as itself and says why it skipped
//! the rest.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `nobody`'s user and group ids, when this process can switch to them (it runs as root);
/// otherwise why not.
pub fn nobody() -> Result<(u32, u32), String> {
    // SAFETY: `geteuid` has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err("not running as root, so it cannot switch to the user nobody".to_owned());
    }
    let passwd = std::fs::read_to_string("/etc/passwd")
        .map_err(|e| format!("cannot read /etc/passwd: {e}"))?;
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() < 4 || fields[0] != "nobody" {
                return None;
            }
            Some((fields[2].parse().ok()?, fields[3].parse().ok()?))
        })
        .ok_or_else(|| "/etc/passwd has no user nobody".to_owned())
}

/// Makes `cmd` run as `uid` and `gid`, without supplementary groups, from `/`.
pub fn run_as(cmd: &mut Command, (uid, gid): (u32, u32)) -> &mut Command {
    cmd.current_dir("/");
    let hook = move || drop_privileges(uid, gid);
    // SAFETY: the hook runs in the forked child before `exec` and calls only `setgroups`,
    // `setgid` and `setuid` (async-signal-safe) and reads `errno`; it allocates nothing.
    unsafe { cmd.pre_exec(hook) }
}

fn drop_privileges(uid: u32, gid: u32) -> std::io::Result<()> {
    // SAFETY: a null list of length 0 clears the supplementary groups; no memory is read.
    if unsafe { libc::setgroups(0, std::ptr::null()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `setgid` has no memory effects.
    if unsafe { libc::setgid(gid) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `setuid` has no memory effects; after it the process cannot regain root.
    if unsafe { libc::setuid(uid) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// A copy of a program in a new directory that every user can search, so that `nobody` can
/// run it wherever the build put the original (a checkout under `/root` is not searchable by
/// others). Removed when dropped.
pub struct Exposed {
    dir: PathBuf,
    /// The copy.
    pub exe: PathBuf,
}

impl Exposed {
    pub fn new(exe: &Path) -> Exposed {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("zeroipc_exe_{}_{n}", std::process::id()));
        std::fs::create_dir(&dir).expect("make a directory for the program's copy");
        let exposed = Exposed {
            exe: dir.join(exe.file_name().expect("a program file")),
            dir,
        };
        std::fs::set_permissions(&exposed.dir, std::fs::Permissions::from_mode(0o755))
            .expect("open the directory to every user");
        std::fs::copy(exe, &exposed.exe).expect("copy the program");
        std::fs::set_permissions(&exposed.exe, std::fs::Permissions::from_mode(0o755))
            .expect("let every user run the program");
        exposed
    }
}

impl Drop for Exposed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
