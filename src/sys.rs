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
/// 100k-atom structures went through). `NTS_MALLOC_DEFAULTS=1` keeps glibc's defaults.
pub fn tune_allocator() {
    if std::env::var_os("NTS_MALLOC_DEFAULTS").is_some() {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt(3) only sets allocator parameters; it is called before any thread
    // that allocates large buffers exists, and a failure leaves the defaults in place.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
    }
}
