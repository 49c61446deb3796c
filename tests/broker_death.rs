//! The broker killed under a running system: `nts up` restarts it and the sessions
//! survive; a CLI whose broker is gone says so and still honours `--for` and Ctrl-C.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use nix::sys::signal::Signal;
use nts::connect::Profile;
use nts::session::Session;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::Command;

/// `nts up` with the example plugins in a fresh home.
async fn up(home: &std::path::Path) -> Proc {
    spawn_ready(
        Command::new(NTS)
            .args(["up"])
            .env("NTS_HOME", home)
            .env_remove("NTS_PROFILE"),
    )
    .await
}

/// The `nats-server` child of `pid`, if one runs.
fn broker_of(pid: u32) -> Option<u32> {
    children_of(pid).into_iter().find(|c| {
        std::fs::read_to_string(format!("/proc/{c}/comm")).is_ok_and(|n| n.trim() == "nats-server")
    })
}

/// Polls `f` until it returns `Some` (bounded by [`WAIT`]).
async fn eventually<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let until = Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            Instant::now() < until,
            "{what} did not happen within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `session` connected to `plugin`, retried until it works (bounded by [`WAIT`]). A
/// request sent while a restarted broker still waits for the auth callout to come back is
/// lost with the connection it came on: each attempt is bounded.
async fn connected(session: &Session, plugin: &str, what: &str) -> nts::session::Link {
    eventually(what, async || {
        tokio::time::timeout(Duration::from_secs(5), session.connect(plugin))
            .await
            .ok()?
            .ok()
    })
    .await
}

#[tokio::test]
async fn nts_up_restarts_a_killed_broker_and_sessions_survive() {
    let home = tempfile::tempdir().unwrap();
    let mut up = up(home.path()).await;
    let profile = Profile::load(&home.path().join("profile.json")).unwrap();
    let lobby = nts::session::Lobby::connect(&profile).await.unwrap();
    let session = Session::open(&lobby, "room", user("alice")).await.unwrap();
    let mut link = session.connect("hello").await.unwrap();
    link.run().await.unwrap();
    next_notification(&mut link).await;

    let first = broker_of(up.pid).expect("nts up runs nats-server");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(first as i32), Signal::SIGKILL).unwrap();
    let second = eventually("a new nats-server", async || {
        broker_of(up.pid).filter(|p| *p != first)
    })
    .await;
    assert!(alive(second));

    // The session (kept in JetStream) is still known: its presenter connects again.
    let again = connected(&session, "hello", "the session connecting again").await;
    again.run().await.unwrap();
    let list = output(&mut nts_at(home.path(), &["session", "list", "--json"])).await;
    assert!(list.status.success(), "{}", text(&list.stderr));

    up.signal(Signal::SIGTERM);
    assert!(
        up.wait().await.success(),
        "nts up stops cleanly after a restart"
    );
    assert!(gone(second).await);
}

/// Starts `nts session run ARGS…` against `home`; returns it once it printed `connected`.
async fn session_run(home: &std::path::Path, args: &[&str]) -> tokio::process::Child {
    let mut child = Command::new(NTS)
        .args(["session", "run"])
        .args(args)
        .env("NTS_HOME", home)
        .env_remove("NTS_PROFILE")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("connected") {
                return;
            }
        }
        panic!("session run ended before connecting");
    })
    .await
    .expect("session run connected in time");
    // Keep draining stdout so the run never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    child
}

async fn stderr_of(child: &mut tokio::process::Child) -> String {
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err).await;
    err
}

#[tokio::test]
async fn a_session_whose_broker_dies_says_so_and_still_honours_for() {
    let home = tempfile::tempdir().unwrap();
    let up = up(home.path()).await;
    let started = Instant::now();
    let mut run = session_run(home.path(), &["hello", "--for", "4"]).await;
    // nts up dies at once; its broker dies with it.
    up.signal(Signal::SIGKILL);
    let status = tokio::time::timeout(WAIT, run.wait())
        .await
        .expect("session run exited")
        .unwrap();
    let took = started.elapsed();
    let err = stderr_of(&mut run).await;
    assert!(
        took < Duration::from_secs(4 + 6),
        "--for 4 ended after {took:?}: {err}"
    );
    assert!(err.contains("unreachable"), "says why: {err}");
    assert!(status.code().is_some(), "exited, not killed: {status:?}");
}

#[tokio::test]
async fn ctrl_c_stops_a_session_whose_broker_is_gone() {
    let home = tempfile::tempdir().unwrap();
    let up = up(home.path()).await;
    let mut run = session_run(home.path(), &["hello"]).await;
    up.signal(Signal::SIGKILL);
    // Wait until the run has noticed (its warning), then press Ctrl-C.
    let mut err = BufReader::new(run.stderr.take().unwrap()).lines();
    tokio::time::timeout(WAIT, async {
        while let Some(line) = err.next_line().await.unwrap() {
            if line.contains("unreachable") {
                return;
            }
        }
    })
    .await
    .expect("the run reported the broker unreachable");
    let pressed = Instant::now();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(run.id().unwrap() as i32),
        Signal::SIGINT,
    )
    .unwrap();
    let status = tokio::time::timeout(WAIT, run.wait())
        .await
        .expect("session run exited after Ctrl-C")
        .unwrap();
    assert!(
        pressed.elapsed() < Duration::from_secs(5),
        "Ctrl-C took {:?}",
        pressed.elapsed()
    );
    assert_eq!(status.code(), Some(130));
}

#[tokio::test]
async fn a_restarted_system_lists_no_hosts_of_the_previous_run() {
    let home = tempfile::tempdir().unwrap();
    let first = up(home.path()).await;
    first.signal(Signal::SIGKILL);
    let mut first = first;
    first.wait().await;
    // Started again on the same state: the stored hosts of the first run are dead.
    let mut second = up(home.path()).await;
    let list = output(&mut nts_at(home.path(), &["session", "list", "--json"])).await;
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    for p in doc["plugins"].as_array().unwrap() {
        assert_eq!(p["hosts"], 1, "only this run's host is listed: {p}");
    }
    second.signal(Signal::SIGINT);
    assert!(second.wait().await.success());
}

/// A nanome-lib plugin through `nts up`'s legacy gateway keeps serving across a broker
/// kill: its bridged host reconnects to the restarted broker, and a new session runs it.
#[tokio::test]
async fn a_legacy_plugin_serves_again_after_the_broker_is_killed() {
    let Ok(python) = std::env::var("NTS_NANOME_PYTHON") else {
        panic!("NTS_NANOME_PYTHON names a Python with nanome==0.42.1 (scripts/test installs one)")
    };
    let home = tempfile::tempdir().unwrap();
    let mut up = spawn(
        Command::new(NTS)
            .args(["up", "--no-examples", "--legacy-port", "0"])
            .env("NTS_HOME", home.path())
            .env_remove("NTS_PROFILE"),
    );
    let ready = up.wait_line("ready").await;
    let port = ready
        .split_whitespace()
        .find_map(|w| w.strip_prefix("legacy="))
        .and_then(|a| a.rsplit(':').next())
        .unwrap_or_else(|| panic!("no legacy address in {ready:?}"))
        .to_string();
    // The plugin in a process group of its own (its session processes with it).
    let mut plugin = Command::new(python);
    plugin
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/legacy-plugins/probe.py"
        ))
        .args(["-a", "127.0.0.1", "-p", &port])
        .env("HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    let plugin = plugin.spawn().unwrap();
    let group = nix::unistd::Pid::from_raw(plugin.id().unwrap() as i32);
    struct Group(nix::unistd::Pid, #[allow(dead_code)] tokio::process::Child);
    impl Drop for Group {
        fn drop(&mut self) {
            let _ = nix::sys::signal::killpg(self.0, Signal::SIGKILL);
        }
    }
    let _plugin = Group(group, plugin);

    let profile = Profile::load(&home.path().join("profile.json")).unwrap();
    let lobby = nts::session::Lobby::connect(&profile).await.unwrap();
    let session = Session::open(&lobby, "room", user("alice")).await.unwrap();
    let mut link = connected(&session, "Probe", "the legacy plugin registering").await;
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "hi");

    let first = broker_of(up.pid).expect("nts up runs nats-server");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(first as i32), Signal::SIGKILL).unwrap();
    eventually("a new nats-server", async || {
        broker_of(up.pid).filter(|p| *p != first)
    })
    .await;
    let mut again = connected(&session, "Probe", "the legacy plugin serving again").await;
    again.run().await.unwrap();
    assert_eq!(next_notification(&mut again).await, "hi");

    up.signal(Signal::SIGTERM);
    assert!(up.wait().await.success(), "nts up stops cleanly");
}
