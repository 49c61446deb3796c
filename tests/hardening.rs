//! Instances that misbehave on purpose (`tests/fixtures/misbehave.py`): children that
//! escape, stdout closed while running, hostile stderr, floods. Each test fails without
//! the host's defence against it.

mod common;

use common::*;
use nts::api::link::{CloseCode, ToSession};
use nts::session::{LinkEvent, Session};

/// The heavy tests (hundreds of megabytes through Python, the host and the broker) run one
/// at a time: on two cores, several at once starve the host's heartbeats.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A system whose host lease (30 s) outlasts the load these tests put on two cores: what
/// they check is memory and delivery, not lease expiry.
async fn system() -> System {
    System::with_lease(30_000).await
}

async fn open(sys: &System) -> Session {
    Session::open(&sys.lobby().await, "room", user("alice"))
        .await
        .expect("open")
}

/// The pid in a "child N" notification.
async fn reported_child(link: &mut nts::session::Link) -> u32 {
    let text = next_notification(link).await;
    text.strip_prefix("child ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("expected \"child PID\", got {text:?}"))
}

#[tokio::test]
async fn a_child_forked_by_an_exiting_instance_dies_with_its_link() {
    let sys = system().await;
    let Some(_host) = misbehaving(&sys, "forker", &["fork-exit"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("forker").await.unwrap();
    link.run().await.unwrap();
    let child = reported_child(&mut link).await;
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::InstanceExited, "{reason:?}");
    assert!(
        gone(child).await,
        "the instance's child {child} outlived its link"
    );
}

#[tokio::test]
async fn a_setsid_grandchild_dies_when_its_link_closes_and_when_the_host_stops() {
    let sys = system().await;
    let Some(mut host) = misbehaving(&sys, "daemon", &["setsid"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("daemon").await.unwrap();
    link.run().await.unwrap();
    let escaped = reported_child(&mut link).await;
    assert!(alive(escaped));
    link.close().await.unwrap();
    assert!(
        gone(escaped).await,
        "a grandchild in its own session outlived its link"
    );

    // The same when the host stops with the link open.
    let mut link = s.connect("daemon").await.unwrap();
    link.run().await.unwrap();
    let escaped = reported_child(&mut link).await;
    host.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(host.wait().await.success());
    assert_eq!(closed(&mut link).await.code, CloseCode::HostStopping);
    assert!(
        gone(escaped).await,
        "a grandchild in its own session outlived its host"
    );
}

#[tokio::test]
async fn an_instance_that_closes_stdout_but_keeps_running_is_stopped_with_a_reason() {
    let sys = system().await;
    let Some(host) = misbehaving(&sys, "mute", &["close-stdout"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("mute").await.unwrap();
    let pid = instance_pid(host.pid, link.id().as_str());
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "closing stdout");
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::ProtocolError, "{reason:?}");
    assert!(
        reason.message.contains("closed its output"),
        "{}",
        reason.message
    );
    assert!(gone(pid).await);
}

#[tokio::test]
async fn hostile_stderr_neither_kills_the_instance_nor_grows_the_host() {
    let _heavy = HEAVY.lock().await;
    let sys = system().await;
    // A non-UTF-8 line, then a 300 MB line without a newline.
    let Some(host) = misbehaving(&sys, "noisy", &["bad-stderr", "300"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("noisy").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "alive");
    link.ping(WAIT).await.expect("the instance still serves");
    let peak = peak_rss_mib(host.pid);
    assert!(peak < 100, "the host peaked at {peak} MiB reading stderr");
}

/// Counts the flood's notifications, checking their order, until "done".
async fn drain_flood(link: &mut nts::session::Link, expected: usize) {
    let mut seen = 0usize;
    loop {
        match next_event(link).await {
            LinkEvent::Message(env) => match env.msg {
                ToSession::Notification(n) if n.text == "done" => break,
                ToSession::Notification(n) => {
                    assert_eq!(n.text[..8], format!("{seen:08}"), "lost or reordered");
                    seen += 1;
                }
                other => panic!("unexpected {other:?}"),
            },
            LinkEvent::Closed(r) => panic!("the link closed during the flood: {r:?}"),
        }
    }
    assert_eq!(seen, expected, "every message arrived");
}

#[tokio::test]
async fn a_flooding_instance_is_held_back_and_loses_nothing() {
    let _heavy = HEAVY.lock().await;
    use tokio::io::{AsyncBufReadExt, BufReader};
    let sys = system().await;
    // 400 messages of 1 MB, as fast as Python can write them, to a session (the CLI, a
    // process of its own) whose output is read slowly: the whole path must hold back.
    let Some(host) = misbehaving(&sys, "flood", &["flood", "400"]).await else {
        return;
    };
    let mut session = sys
        .nts()
        .args(["session", "run", "flood"])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let session_pid = session.id().unwrap();
    let mut lines = BufReader::new(session.stdout.take().unwrap()).lines();
    let mut seen = 0usize;
    let drained = tokio::time::timeout(4 * WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let Some(text) = line.strip_prefix("notification [message] ") else {
                continue;
            };
            if text == "done" {
                return;
            }
            assert_eq!(text[..8], format!("{seen:08}"), "lost or reordered");
            seen += 1;
            // A slow reader (a terminal, a pipe into another program).
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the session ended before \"done\" after {seen} messages");
    })
    .await;
    assert!(
        drained.is_ok(),
        "the flood did not end in time ({seen} seen)"
    );
    assert_eq!(seen, 400, "every message arrived");
    let peaks = [
        ("host", peak_rss_mib(host.pid)),
        ("session", peak_rss_mib(session_pid)),
        (
            "broker",
            peak_rss_mib(sys.broker.pid().expect("broker pid")),
        ),
    ];
    eprintln!("a flood of 400 MB: peak memory {peaks:?} (MiB)");
    for (who, peak) in peaks {
        assert!(
            peak < 160,
            "the {who} peaked at {peak} MiB during a 400 MB flood (the link's window is 16 MiB)"
        );
    }
    // Heartbeats went on: the plugin is still listed.
    let list = sys.lobby().await.plugins().await.unwrap();
    assert!(list.plugins.iter().any(|p| p.metadata.name == "flood"));
}

#[tokio::test]
async fn a_flood_of_small_messages_loses_nothing_not_even_the_last() {
    let _heavy = HEAVY.lock().await;
    let sys = system().await;
    let Some(_host) = misbehaving(&sys, "chatter", &["flood-small", "200000"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("chatter").await.unwrap();
    link.run().await.unwrap();
    drain_flood(&mut link, 200_000).await;
}

#[tokio::test]
async fn a_body_before_its_kind_is_not_buffered_as_a_tree() {
    let _heavy = HEAVY.lock().await;
    let sys = system().await;
    let Some(host) = misbehaving(&sys, "reordered", &["reordered", "1"]).await else {
        return;
    };
    let s = open(&sys).await;
    let mut link = s.connect("reordered").await.unwrap();
    link.run().await.unwrap();
    let first = next_notification(&mut link).await;
    assert_eq!(first.len(), 1 << 20, "the reordered message arrives whole");
    assert_eq!(next_notification(&mut link).await, "done");
    let peak = peak_rss_mib(host.pid);
    assert!(
        peak < 80,
        "the host peaked at {peak} MiB relaying one 6 MB message"
    );
}

#[tokio::test]
async fn forged_workspace_updates_are_refused_and_change_nothing() {
    let sys = system().await;
    let Some(_host) = misbehaving(&sys, "forger", &["bad-workspace"]).await else {
        return;
    };
    let s = open(&sys).await;
    let kept = nts::api::structure::Complex {
        name: "kept".into(),
        ..Default::default()
    };
    s.add_complexes(vec![kept]).await.unwrap();
    let before = s.workspace().await;
    let mut link = s.connect("forger").await.unwrap();
    link.run().await.unwrap();
    let bond = next_notification(&mut link).await;
    assert!(
        bond.starts_with("error: ") && bond.contains("does not join two distinct atoms"),
        "{bond}"
    );
    let column = next_notification(&mut link).await;
    assert!(
        column.starts_with("error: ") && column.contains("atoms.position"),
        "{column}"
    );
    assert_eq!(next_notification(&mut link).await, "done");
    assert_eq!(
        s.workspace().await,
        before,
        "a refused update changed the workspace"
    );
}
