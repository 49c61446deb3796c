//! Coordinator failover: state lives in JetStream KV; a standby takes the leader lease
//! when the active coordinator dies, and no session, presenter or link is lost.

mod common;

use std::time::{Duration, Instant};

use common::*;
use nix::sys::signal::Signal;
use nts::connect::Role;
use nts::session::{Lobby, Session};

/// Waits (bounded) until the control plane answers again; returns how long it took.
async fn control_plane_back(lobby: &Lobby, since: Instant) -> Duration {
    loop {
        if lobby.plugins().await.is_ok() {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < WAIT,
            "the control plane did not come back"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn killing_the_active_coordinator_loses_no_session_or_link() {
    let mut sys = System::start().await;
    let mut standby = sys.standby_coordinator().await;
    let _hello = sys.plugin("hello").await;
    let (alice, bob) = room_of_two(&sys, "alice", "bob").await;
    let mut link = alice.connect("hello").await.unwrap();

    sys.coordinator.signal(Signal::SIGKILL);
    sys.coordinator.wait().await;
    let t0 = Instant::now();
    standby.wait_line("ready").await;
    let lobby = sys.lobby().await;
    let back = control_plane_back(&lobby, t0).await;
    eprintln!("failover: control plane answered again {back:?} after the kill");

    // The data path never depended on the coordinator.
    link.ping(Duration::from_secs(5))
        .await
        .expect("the link survived");
    // The registry survived: the plugin, its host and the link are known.
    let list = lobby.plugins().await.unwrap();
    assert_eq!(
        (
            list.plugins.len(),
            list.plugins[0].hosts,
            list.plugins[0].links
        ),
        (1, 1, 1)
    );
    // Sessions and presenters survived: the new coordinator knows alice presents, and
    // routes her handover into the link.
    alice
        .set_presenter(bob.user_id())
        .await
        .expect("the session survived");
    assert_eq!(
        next_notification(&mut link).await,
        "The presenter is now bob"
    );
    // And the link record: bob, now presenter, may close it.
    bob.connect("hello").await.expect("bob presents");
}

#[tokio::test]
async fn a_restarted_coordinator_resumes_where_it_stopped() {
    let mut sys = System::start().await;
    let hello = sys.plugin("hello").await;
    let alice = Session::open(&sys.lobby().await, "room", user("alice"))
        .await
        .unwrap();
    let mut link = alice.connect("hello").await.unwrap();
    let instance = instance_pid(hello.pid, link.id().as_str());

    sys.coordinator.signal(Signal::SIGKILL);
    sys.coordinator.wait().await;
    sys.coordinator = sys.coordinator().await;

    // The restarted coordinator knows the link: the presenter can close it.
    link.close()
        .await
        .expect("the link is known after the restart");
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, nts::api::link::CloseCode::ClosedByPresenter);
    assert!(gone(instance).await);
}

#[tokio::test]
async fn a_leader_paused_past_its_lease_cannot_write_again() {
    use nts::coordinator::store::{Store, StoreErrorKind};
    let sys = System::start().await;
    let lease = Duration::from_millis(400);
    // A second store on the coordinators' bucket plays the paused leader: it leads,
    // then stops renewing (its renewals end when nobody watches its leadership).
    let stale = Store::open(sys.client(Role::Coordinator).await, 1)
        .await
        .unwrap();
    // The fixture's coordinator stops first (resigning its lease), so `stale` can lead.
    let mut sys = sys;
    sys.coordinator.signal(Signal::SIGTERM);
    sys.coordinator.wait().await;
    let leading = stale.lead("stale", lease, || {}).await.unwrap();
    stale
        .apply(vec![("session.probe".into(), Some(b"one".to_vec()))])
        .await
        .expect("the leader writes");
    drop(leading); // paused: no more renewals

    let fresh = Store::open(sys.client(Role::Coordinator).await, 1)
        .await
        .unwrap();
    let _leading = tokio::time::timeout(WAIT, fresh.lead("fresh", lease, || {}))
        .await
        .expect("the new leader takes the expired lease")
        .unwrap();

    // The paused one wakes up and tries to write what it was doing.
    let late = stale
        .apply(vec![("session.probe".into(), Some(b"stale".to_vec()))])
        .await
        .expect_err("a stale leader's write is refused");
    assert_eq!(late.kind(), StoreErrorKind::Fenced, "{late}");
    fresh
        .apply(vec![("session.probe".into(), Some(b"two".to_vec()))])
        .await
        .expect("the new leader writes");
    let records = fresh.load().await.unwrap();
    let probe = records.iter().find(|(k, _)| k == "session.probe").unwrap();
    assert_eq!(probe.1, b"two");
}

#[tokio::test]
async fn a_panic_inside_an_operation_is_contained_and_the_coordinator_keeps_serving() {
    let mut sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (alice, _bob) = room_of_two(&sys, "alice", "bob").await;
    sys.coordinator.signal(Signal::SIGTERM);
    sys.coordinator.wait().await;
    let _faulty = spawn_ready(
        sys.nts()
            .args(["coordinator", "--inject-panic", "session.open"]),
    )
    .await;
    let lobby = sys.lobby().await;
    let started = Instant::now();
    let failed = Session::open(&lobby, "room", user("carol"))
        .await
        .err()
        .expect("the failed operation is answered with an error");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered, not timed out"
    );
    let body = failed.to_string();
    assert!(body.contains("internal error"), "{body}");
    // The same request works now, and the state from before the failure is intact.
    let back = Instant::now();
    let carol = loop {
        match Session::open(&lobby, "room", user("carol")).await {
            Ok(s) => break s,
            Err(e) => {
                assert!(
                    back.elapsed() < WAIT,
                    "the coordinator did not recover: {e}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    carol
        .connect("hello")
        .await
        .expect("a new session connects");
    alice
        .connect("hello")
        .await
        .expect("an old session connects");
}
