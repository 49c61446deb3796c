//! OS process helpers shared by every role that starts children.
//!
//! Children get their own process group (so a terminal's Ctrl-C reaches only the parent,
//! which then stops them in order) and die with their parent (`PR_SET_PDEATHSIG`), so a
//! SIGKILLed `nts` leaves no orphans.
#![allow(unsafe_code)]

use std::time::Duration;

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use tokio::process::{Child, Command};

/// Puts the child in its own process group and makes it die with its parent.
///
/// The death signal fires when the *thread* that spawned the child exits; nts spawns
/// from runtime worker threads, which live as long as the process.
pub fn isolate_child(cmd: &mut Command) {
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    // SAFETY: the closure runs between fork and exec and calls only prctl(2), which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL).map_err(std::io::Error::from)
        });
    }
}

/// Enlarges a pipe's kernel buffer to 1 MiB (Linux), so a large frame crosses it in a
/// few wake-ups instead of one per 64 KiB. Best effort: the default size still works.
pub fn widen_pipe(fd: &impl std::os::fd::AsFd) {
    #[cfg(target_os = "linux")]
    let _ = nix::fcntl::fcntl(fd.as_fd(), nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
}

/// Sends `sig` to the child's process group (falls back to the child alone).
pub fn signal(child: &Child, sig: Signal) {
    if let Some(pid) = child.id() {
        let pid = Pid::from_raw(pid as i32);
        if killpg(pid, sig).is_err() {
            let _ = kill(pid, sig);
        }
    }
}

/// SIGTERM, wait up to `grace`, then SIGKILL; always reaps the child.
pub async fn terminate(child: &mut Child, grace: Duration) -> Option<std::process::ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    signal(child, Signal::SIGTERM);
    if let Ok(Ok(status)) = tokio::time::timeout(grace, child.wait()).await {
        return Some(status);
    }
    signal(child, Signal::SIGKILL);
    child.wait().await.ok()
}

/// Keeps large buffers (stream frames and structures: megabytes each, many per second) in
/// the allocator's heap. By default glibc maps each one fresh and unmaps it when freed, so
/// every frame pays a page fault per 4 KiB it touches. The cost: a bigger address space, so
/// a host's fork of a new instance copies more page tables (about 1 ms on a link.open after
/// 100k-atom structures went through). Freed memory is returned to the system only beyond
/// 64 MiB at the heap's top: a 100k-atom structure decoded, dropped and decoded again
/// otherwise faults its 13 MB in afresh each time (a third of its decoding time); hosts
/// still give everything back after a burst ([`release_memory`]).
/// `NTS_MALLOC_DEFAULTS=1` keeps glibc's defaults.
pub fn tune_allocator() {
    if std::env::var_os("NTS_MALLOC_DEFAULTS").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt(3) only sets allocator parameters; it is called before any thread
    // that allocates large buffers exists, and a failure leaves the defaults in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}

/// Makes this process the reaper of its orphaned descendants (Linux
/// `PR_SET_CHILD_SUBREAPER`): a grandchild whose parent exits — even one that called
/// `setsid` — becomes our child instead of init's, so a host can still find and stop it.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    if let Err(e) = nix::sys::prctl::set_child_subreaper(true) {
        tracing::debug!("cannot become a child subreaper: {e}");
    }
}

/// SIGKILLs process group `pgid`: what remains of an instance's group after the
/// instance itself exited (children it forked without leaving the group).
pub fn kill_group(pgid: u32) {
    let _ = killpg(Pid::from_raw(pgid as i32), Signal::SIGKILL);
}

/// SIGKILLs every process whose environment holds `key=value` (the tag a host gives each
/// instance, inherited by its descendants even when they leave its process group), then
/// reaps those that are this process's children (orphans handed to us as subreaper).
/// Returns how many were killed. Linux only; elsewhere nothing is found.
pub async fn kill_tagged(key: &str, value: &str) -> usize {
    let needle = format!("{key}={value}").into_bytes();
    let me = std::process::id();
    let found = tokio::task::spawn_blocking(move || tagged_pids(&needle, me))
        .await
        .unwrap_or_default();
    for (pid, _) in &found {
        let _ = kill(Pid::from_raw(*pid as i32), Signal::SIGKILL);
    }
    // Our own children (reparented orphans) would stay zombies: reap them. They die
    // within milliseconds of SIGKILL; give up after a second (init reaps them then).
    let mut ours: Vec<u32> = found
        .iter()
        .filter(|(_, ppid)| *ppid == me)
        .map(|(p, _)| *p)
        .collect();
    for _ in 0..100 {
        ours.retain(|pid| {
            use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
            !matches!(
                waitpid(Pid::from_raw(*pid as i32), Some(WaitPidFlag::WNOHANG)),
                Ok(WaitStatus::Exited(..) | WaitStatus::Signaled(..)) | Err(_)
            )
        });
        if ours.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    found.len()
}

/// `(pid, parent pid)` of every process but `me` whose environment has the entry `needle`.
fn tagged_pids(needle: &[u8], me: u32) -> Vec<(u32, u32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let path = entry.path();
        // Environments are small; a bound keeps a hostile one from costing memory.
        let Ok(env) = read_bounded(&path.join("environ"), 1 << 20) else {
            continue;
        };
        if env.split(|b| *b == 0).any(|e| e == needle) {
            out.push((pid, parent_of(&path).unwrap_or(0)));
        }
    }
    out
}

fn read_bounded(path: &std::path::Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(max).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The parent pid from `/proc/<pid>/stat` (the field after the parenthesised name).
fn parent_of(proc_dir: &std::path::Path) -> Option<u32> {
    let stat = read_bounded(&proc_dir.join("stat"), 4096).ok()?;
    let stat = String::from_utf8_lossy(&stat);
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Gives freed heap memory back to the system (glibc `malloc_trim`): after a burst of
/// large frames the allocator otherwise keeps its peak. Cheap when there is nothing to
/// return.
pub fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim(3) only returns free heap pages to the kernel; it is
    // thread-safe and has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Writes a file readable only by its owner.
pub fn write_private(path: &std::path::Path, data: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(data.as_bytes())
}
