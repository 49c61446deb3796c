//! Instance processes started before their links: a link taken from a warm slot connects
//! without a fork, an exec and the plugin's own start-up (a Python interpreter importing its
//! libraries: hundreds of milliseconds), which is what a reconnect in the development loop
//! waits for.
//!
//! A warm process has run up to reading its `start` message and no further: it knows no
//! session. Each one serves one link and is stopped with it, exactly as a cold one, so a
//! pool never shares a process between two sessions; a slot taken is refilled once its link
//! is ready (not before: on a small machine the refill's fork would slow that link). A warm
//! process that died while waiting is discarded when it is reached.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::Mutex;

use tokio::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command};

use super::InstanceCommand;
use super::link::LINK_TAG;

/// Most warm processes a host keeps (a flag above this is cut to it).
pub const MAX_WARM: usize = 64;

/// An instance process, started, with its pipes.
pub(crate) struct Spawned {
    pub child: Child,
    pub stdin: ChildStdin,
    pub stdout: ChildStdout,
    pub stderr: ChildStderr,
    pub pid: Option<u32>,
    /// Its [`LINK_TAG`]: the link id for a process started for its link, a token of its
    /// own for a warm one (the link is not known when it starts).
    pub tag: String,
}

/// Starts `command` as an instance process tagged `tag`.
pub(crate) fn spawn(command: &InstanceCommand, tag: &str) -> std::io::Result<Spawned> {
    let mut cmd = Command::new(&command.program);
    // An instance gets no credential and no way to find one: nothing of nts's own
    // environment (profile and key paths, the state directory) reaches it.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("NTS_") || name == "XDG_STATE_HOME" {
            cmd.env_remove(name);
        }
    }
    cmd.args(&command.args)
        .envs(command.env.iter().cloned())
        .env(LINK_TAG, tag)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::sys::isolate_child(&mut cmd);
    let mut child = cmd.spawn()?;
    let pid = child.id();
    let stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    crate::sys::widen_pipe(&stdin);
    crate::sys::widen_pipe(&stdout);
    Ok(Spawned {
        child,
        stdin,
        stdout,
        stderr,
        pid,
        tag: tag.to_string(),
    })
}

/// The warm processes of one host.
pub(crate) struct Pool {
    size: usize,
    warm: Mutex<VecDeque<Spawned>>,
}

impl Pool {
    /// A pool of `size` processes (none started yet: see [`Pool::fill`]).
    pub fn new(size: usize) -> Self {
        Pool {
            size: size.min(MAX_WARM),
            warm: Mutex::new(VecDeque::new()),
        }
    }

    /// Processes it keeps when full.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Starts processes of `command` until the pool is full. A failure is logged and
    /// leaves the pool short: links then start cold, and report the failure themselves.
    pub fn fill(&self, command: &InstanceCommand) {
        loop {
            if self.warm.lock().expect("lock").len() >= self.size {
                return;
            }
            let tag = format!("warm-{}", crate::wire::subject::Token::random());
            match spawn(command, &tag) {
                Ok(s) => self.warm.lock().expect("lock").push_back(s),
                Err(e) => {
                    tracing::warn!(
                        "cannot start a warm instance of {}: {e}; links start cold",
                        command.program.display()
                    );
                    return;
                }
            }
        }
    }

    /// A warm process that is still running, if there is one.
    pub fn take(&self) -> Option<Spawned> {
        let mut warm = self.warm.lock().expect("lock");
        while let Some(mut s) = warm.pop_front() {
            match s.child.try_wait() {
                Ok(None) => return Some(s),
                Ok(Some(status)) => {
                    tracing::warn!("a warm instance exited before its link ({status}): discarded")
                }
                Err(e) => tracing::warn!("a warm instance cannot be checked ({e}): discarded"),
            }
        }
        None
    }

    /// Process ids of the warm processes.
    pub fn pids(&self) -> Vec<u32> {
        let warm = self.warm.lock().expect("lock");
        warm.iter().filter_map(|s| s.pid).collect()
    }

    /// Stops every warm process (their start-up may have started others: those go too).
    pub async fn clear(&self) {
        let drained: Vec<Spawned> = self.warm.lock().expect("lock").drain(..).collect();
        for mut s in drained {
            if let Some(pid) = s.pid {
                crate::sys::kill_group(pid);
            }
            let _ = s.child.kill().await;
            crate::sys::kill_tagged(LINK_TAG, &s.tag).await;
        }
    }
}
