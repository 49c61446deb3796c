//! Test fixture: a real system per test — `nats-server` with generated TLS in a temp
//! dir, `nts coordinator` and plugin hosts as OS processes — plus helpers to watch it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nts::broker::{Broker, BrokerOptions};
use nts::connect::{self, ConnectOptions, Profile, Role};
use nts::session::{Link, LinkEvent, Lobby};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The `nts` binary under test.
pub const NTS: &str = env!("CARGO_BIN_EXE_nts");
/// Upper bound for anything a test waits for (a bound, never a synchronisation).
pub const WAIT: Duration = Duration::from_secs(20);

/// A running system: broker, coordinator, and its files.
pub struct System {
    pub dir: tempfile::TempDir,
    pub broker: Broker,
    pub profile: Profile,
    pub profile_path: PathBuf,
    pub coordinator: Proc,
    pub lease_ms: u64,
}

/// A child process started by a test.
pub struct Proc {
    pub child: Child,
    pub pid: u32,
    /// Its stdout lines after the ready line.
    pub stdout: Option<tokio::io::Lines<BufReader<tokio::process::ChildStdout>>>,
}

impl Proc {
    /// Waits (bounded) for a stdout line starting with `prefix`.
    pub async fn wait_line(&mut self, prefix: &str) -> String {
        let lines = self.stdout.as_mut().expect("stdout is captured");
        let found = tokio::time::timeout(WAIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.starts_with(prefix) {
                    return Some(line);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            Ok(None) => panic!("process exited before printing {prefix:?}"),
            Err(_) => panic!("no line starting with {prefix:?} within {WAIT:?}"),
        }
    }

    /// Sends a signal to the process.
    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid as i32), sig);
    }

    /// Waits (bounded) for the process to exit.
    pub async fn wait(&mut self) -> std::process::ExitStatus {
        tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("process did not exit in time")
            .expect("wait")
    }
}

impl System {
    /// Starts broker and coordinator with the default lease.
    pub async fn start() -> System {
        Self::with_lease(6000).await
    }

    /// Starts broker and coordinator; hosts must heartbeat within `lease_ms`.
    pub async fn with_lease(lease_ms: u64) -> System {
        Self::with_coordinator_args(lease_ms, &[]).await
    }

    /// Starts broker and coordinator with `extra` coordinator flags.
    pub async fn with_coordinator_args(lease_ms: u64, extra: &[&str]) -> System {
        nts::connect::install_crypto_provider();
        let dir = tempfile::tempdir().expect("tempdir");
        let broker = Broker::start(BrokerOptions::new(dir.path().join("broker")))
            .await
            .expect(
                "nats-server must start: run scripts/install-nats-server or set NTS_NATS_SERVER",
            );
        // The operator's profile, with a user ticket too: the tests act as both.
        let mut profile = broker.profile();
        profile.ticket = user_ticket(&profile, "tester");
        let profile_path = dir.path().join("profile.json");
        profile.save(&profile_path).expect("save profile");
        let coordinator = spawn_ready(
            Command::new(NTS)
                .args(["coordinator", "--lease-ms", &lease_ms.to_string()])
                .args(extra)
                .env("NTS_PROFILE", &profile_path),
        )
        .await;
        System {
            dir,
            broker,
            profile,
            profile_path,
            coordinator,
            lease_ms,
        }
    }

    /// Starts another `nts coordinator` on the same broker and store; returns once it
    /// reports standby (the first one holds the leader lease).
    pub async fn standby_coordinator(&self) -> Proc {
        let mut proc = spawn(
            Command::new(NTS)
                .args(["coordinator", "--lease-ms", &self.lease_ms.to_string()])
                .env("NTS_PROFILE", &self.profile_path),
        );
        proc.wait_line("standby").await;
        proc
    }

    /// Starts a coordinator and waits until it is active.
    pub async fn coordinator(&self) -> Proc {
        spawn_ready(
            Command::new(NTS)
                .args(["coordinator", "--lease-ms", &self.lease_ms.to_string()])
                .env("NTS_PROFILE", &self.profile_path),
        )
        .await
    }

    /// Starts built-in plugin `name` (`nts plugin NAME`) as its own host process, with no
    /// warm instances: each link's instance is started for it, tagged with the link's id
    /// (what [`instance_pid`] finds). [`System::warm_plugin`] keeps a pool.
    pub async fn plugin(&self, name: &str) -> Proc {
        self.warm_plugin(name, 0).await
    }

    /// [`System::plugin`] keeping `warm` instance processes started ahead of their links.
    pub async fn warm_plugin(&self, name: &str, warm: usize) -> Proc {
        spawn_ready(
            Command::new(NTS)
                .args(["plugin", name, "--warm", &warm.to_string()])
                .env("NTS_PROFILE", &self.profile_path),
        )
        .await
    }

    /// Starts the standalone program `examples/NAME.rs` (built by cargo with the tests),
    /// which registers itself as its own host.
    pub async fn example(&self, name: &str) -> Proc {
        let bin = std::path::Path::new(NTS)
            .parent()
            .expect("target dir")
            .join("examples")
            .join(name);
        assert!(
            bin.exists(),
            "{} is missing: build it with `cargo build --examples`",
            bin.display()
        );
        spawn_ready(Command::new(bin).env("NTS_PROFILE", &self.profile_path)).await
    }

    /// Hosts an arbitrary command as plugin `name`.
    pub async fn host(&self, name: &str, command: &[&str]) -> Proc {
        let mut cmd = Command::new(NTS);
        // Cold, as `plugin`: each instance tagged with its link's id.
        cmd.args(["host", "--name", name, "--warm", "0", "--"])
            .args(command)
            .env("NTS_PROFILE", &self.profile_path);
        spawn_ready(&mut cmd).await
    }

    /// A broker connection as the deployment's own user `role`.
    pub async fn client(&self, role: Role) -> async_nats::Client {
        connect::connect(&self.profile, role, ConnectOptions::named("test"))
            .await
            .expect("connect")
    }

    /// A user's lobby connection (the test user's ticket).
    pub async fn lobby(&self) -> Lobby {
        Lobby::connect(&self.profile).await.expect("lobby connect")
    }

    /// A profile for user `name` holding what `nts token user` gives: address, CA and a
    /// user ticket, nothing else.
    pub fn user_profile(&self, name: &str) -> Profile {
        self.profile.session_only(user_ticket(&self.profile, name))
    }

    /// A connection as host `host_id` of plugin `plugin` (`data`: its link-traffic
    /// connection), with a key the operator issued for that plugin.
    pub async fn host_client(
        &self,
        plugin: &str,
        host_id: &nts::wire::subject::Token,
        data: bool,
    ) -> async_nats::Client {
        let caller = nts::wire::caller::Caller::host(plugin, host_id.clone());
        connect::connect_as(
            &self.profile,
            &caller,
            data,
            &plugin_key(&self.profile, plugin),
            ConnectOptions::named("test"),
        )
        .await
        .expect("host connect")
    }

    /// A `Command` for the nts CLI with this system's profile.
    pub fn nts(&self) -> Command {
        let mut c = Command::new(NTS);
        c.env("NTS_PROFILE", &self.profile_path);
        c
    }
}

/// A user ticket for `name`, signed with the profile's ticket key.
pub fn user_ticket(profile: &Profile, name: &str) -> String {
    ticket(profile, nts::connect::ticket::TicketKind::User, name)
}

/// A plugin key for `name`, signed with the profile's ticket key.
pub fn plugin_key(profile: &Profile, name: &str) -> String {
    ticket(profile, nts::connect::ticket::TicketKind::Plugin, name)
}

fn ticket(profile: &Profile, kind: nts::connect::ticket::TicketKind, name: &str) -> String {
    let key = profile.keys().unwrap().ticket_key().unwrap();
    key.issue(&nts::connect::ticket::Claims::new(
        kind,
        name,
        Duration::from_secs(3600),
    ))
}

/// Spawns a process with its stdout captured (quiet logs unless `RUST_LOG` is set).
pub fn spawn(cmd: &mut Command) -> Proc {
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "warn");
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn nts");
    let pid = child.id().expect("pid");
    let lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    Proc {
        child,
        pid,
        stdout: Some(lines),
    }
}

/// Spawns a process and waits for its stdout line starting with `ready`.
pub async fn spawn_ready(cmd: &mut Command) -> Proc {
    let mut proc = spawn(cmd);
    proc.wait_line("ready").await;
    proc
}

/// The next event of a link (bounded wait).
pub async fn next_event(link: &mut Link) -> LinkEvent {
    tokio::time::timeout(WAIT, link.next())
        .await
        .expect("no link event in time")
        .expect("link channel ended")
}

/// Waits for the next notification text on a link, failing on close.
pub async fn next_notification(link: &mut Link) -> String {
    loop {
        match next_event(link).await {
            LinkEvent::Message(env) => {
                if let nts::api::link::ToSession::Notification(n) = env.msg {
                    return n.text;
                }
            }
            LinkEvent::Closed(r) => panic!("link closed while waiting for a notification: {r:?}"),
        }
    }
}

/// Waits for the link to close and returns why (skipping messages).
pub async fn closed(link: &mut Link) -> nts::api::link::CloseReason {
    loop {
        if let LinkEvent::Closed(r) = next_event(link).await {
            return r;
        }
    }
}

/// Runs a command to completion (bounded wait) and returns its output.
pub async fn output(cmd: &mut Command) -> std::process::Output {
    tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("command finished in time")
        .expect("ran")
}

/// Command output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Direct children of `pid` (from /proc).
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Field 4 (ppid) comes after the parenthesised command name.
        let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let ppid = after
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(p);
        }
    }
    out
}

/// The child of `host_pid` whose environment has `NTS_LINK_ID=<link>`: the instance a cold
/// host started for the link (a warm one was tagged before its link existed).
pub fn instance_pid(host_pid: u32, link: &str) -> u32 {
    let want = format!("NTS_LINK_ID={link}");
    for pid in children_of(host_pid) {
        if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ"))
            && env.split(|b| *b == 0).any(|kv| kv == want.as_bytes())
        {
            return pid;
        }
    }
    panic!("no child of host {host_pid} serves link {link}")
}

/// Whether a process exists (and is not a zombie).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit_once(')')
            .map(|(_, r)| r.trim_start().starts_with('Z'))
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Waits (bounded) until `pid` is gone; returns whether it went.
pub async fn gone(pid: u32) -> bool {
    let until = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < until {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

/// A user with a display name.
pub fn user(name: &str) -> nts::api::control::UserInfo {
    nts::api::control::UserInfo {
        name: name.into(),
        ..Default::default()
    }
}

/// A session opened by `first` (its presenter) that `second` joined.
pub async fn room_of_two(
    sys: &System,
    first: &str,
    second: &str,
) -> (nts::session::Session, nts::session::Session) {
    let a = nts::session::Session::open(&sys.lobby().await, "room", user(first))
        .await
        .expect("open");
    let b = nts::session::Session::join(&sys.lobby().await, &a.invitation(), user(second))
        .await
        .expect("join");
    (a, b)
}

/// Path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The Python with `cbor2` that `scripts/test` prepares; `None` outside it.
pub fn python() -> Option<String> {
    match std::env::var("NTS_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ if std::env::var_os("CI").is_some() => {
            panic!("NTS_PYTHON must be set under CI (scripts/test sets it)")
        }
        _ => {
            eprintln!(
                "SKIPPED: NTS_PYTHON is not set; run scripts/test to install cbor2 and run this test"
            );
            None
        }
    }
}

/// Peak resident memory of a process in MiB (`VmHWM`).
pub fn peak_rss_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("process status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb / 1024)
        .expect("VmHWM in /proc status")
}

/// Hosts `tests/fixtures/misbehave.py MODE ARGS…` as plugin `name`; `None` without Python.
pub async fn misbehaving(sys: &System, name: &str, mode: &[&str]) -> Option<Proc> {
    let py = python()?;
    let script = repo("tests/fixtures/misbehave.py");
    let mut cmd = vec![py.as_str(), script.to_str().expect("utf-8 path")];
    cmd.extend_from_slice(mode);
    Some(sys.host(name, &cmd).await)
}

/// A `Command` for the nts CLI run as a user of `nts up` in `home` (no profile flags).
pub fn nts_at(home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(NTS);
    c.args(args).env("NTS_HOME", home).env_remove("NTS_PROFILE");
    c
}
