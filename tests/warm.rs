//! A host's warm pool (`host::pool`): links take instance processes started ahead of them,
//! one process per link and never one shared by two sessions, refilled after each; warm
//! processes, and whatever they started while waiting, stop with their host.

mod common;

use common::*;
use nts::session::Session;
use std::collections::HashSet;

/// `nts host --warm N` of `tests/fixtures/misbehave.py MODE`, if Python is there.
async fn warm_host(sys: &System, name: &str, warm: usize, mode: &str) -> Option<Proc> {
    let py = python()?;
    let script = repo("tests/fixtures/misbehave.py");
    let mut cmd = sys.nts();
    cmd.args(["host", "--name", name, "--warm", &warm.to_string(), "--"])
        .args([py.as_str(), script.to_str().expect("utf-8 path"), mode]);
    Some(spawn_ready(&mut cmd).await)
}

/// Waits (bounded) until the host has `n` children; returns them.
async fn children(host: u32, n: usize) -> HashSet<u32> {
    let until = tokio::time::Instant::now() + WAIT;
    loop {
        let now: HashSet<u32> = children_of(host)
            .into_iter()
            .filter(|p| alive(*p))
            .collect();
        if now.len() == n || tokio::time::Instant::now() > until {
            assert_eq!(
                now.len(),
                n,
                "host {host} has children {now:?}, expected {n}"
            );
            return now;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The number in a "WORD N" notification.
async fn reported(link: &mut nts::session::Link, word: &str) -> u32 {
    let text = next_notification(link).await;
    text.strip_prefix(word)
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("expected \"{word} N\", got {text:?}"))
}

#[tokio::test]
async fn links_take_warm_instances_and_no_two_sessions_share_one() {
    let sys = System::start().await;
    let Some(host) = warm_host(&sys, "pool", 2, "pid").await else {
        return;
    };
    let warm = children(host.pid, 2).await;
    let lobby = sys.lobby().await;
    let a = Session::open(&lobby, "a", user("alice")).await.unwrap();
    let b = Session::open(&lobby, "b", user("bob")).await.unwrap();

    let mut la = a.connect("pool").await.unwrap();
    la.run().await.unwrap();
    let pa = reported(&mut la, "pid").await;
    let mut lb = b.connect("pool").await.unwrap();
    lb.run().await.unwrap();
    let pb = reported(&mut lb, "pid").await;
    assert!(
        warm.contains(&pa),
        "alice's instance {pa} was not one of the warm {warm:?}"
    );
    assert!(
        warm.contains(&pb),
        "bob's instance {pb} was not one of the warm {warm:?}"
    );
    assert_ne!(pa, pb, "two sessions share one instance");

    // Both slots refilled with new processes: two serving, two waiting.
    let now = children(host.pid, 4).await;
    let refilled: HashSet<u32> = now.difference(&warm).copied().collect();
    assert_eq!(refilled.len(), 2, "{now:?} after {warm:?}");

    // A closed link's process goes with it and is never handed out again.
    la.close().await.unwrap();
    assert!(gone(pa).await, "alice's instance {pa} outlived its link");
    assert!(alive(pb), "bob's instance stopped with alice's link");
    let mut again = a.connect("pool").await.unwrap();
    again.run().await.unwrap();
    let pc = reported(&mut again, "pid").await;
    assert!(
        refilled.contains(&pc),
        "the next link got {pc}, not a refilled slot {refilled:?}"
    );
}

#[tokio::test]
async fn warm_instances_and_what_they_started_stop_with_their_host() {
    let sys = System::start().await;
    let Some(mut host) = warm_host(&sys, "early", 1, "setsid-early").await else {
        return;
    };
    let lobby = sys.lobby().await;
    let s = Session::open(&lobby, "room", user("alice")).await.unwrap();
    let mut link = s.connect("early").await.unwrap();
    link.run().await.unwrap();
    // Started by the warm process before it had a link, in a session of its own.
    let escaped = reported(&mut link, "child").await;
    link.close().await.unwrap();
    assert!(
        gone(escaped).await,
        "what a warm instance started outlived its link"
    );

    // The refilled slot's process and the grandchild it started while waiting (reparented
    // to the host, its subreaper) are the host's children now; stopping the host stops them.
    let waiting = children(host.pid, 2).await;
    host.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(host.wait().await.success());
    for pid in waiting {
        assert!(gone(pid).await, "warm process {pid} outlived its host");
    }
}
