//! Coordinator failover: state lives in JetStream KV; a standby takes the leader lease
//! when the active coordinator dies, and no session, presenter or link is lost.

mod common;

use std::time::{Duration, Instant};

use common::*;
use nix::sys::signal::Signal;
use nts::connect::Role;
use nts::session::{self, Session};

/// Waits (bounded) until the control plane answers again; returns how long it took.
async fn control_plane_back(client: &async_nats::Client, since: Instant) -> Duration {
    loop {
        if session::list_plugins(client).await.is_ok() {
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
    let client = sys.client(Role::Session).await;
    let back = control_plane_back(&client, t0).await;
    eprintln!("failover: control plane answered again {back:?} after the kill");

    // The data path never depended on the coordinator.
    link.ping(Duration::from_secs(5))
        .await
        .expect("the link survived");
    // The registry survived: the plugin, its host and the link are known.
    let list = session::list_plugins(&client).await.unwrap();
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
    let alice = Session::open(sys.client(Role::Session).await, "room", user("alice"))
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
