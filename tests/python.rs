//! A non-Rust instance: `examples/python/hello_instance.py` (stdlib + cbor2) hosted by
//! `nts host`, driven by a session.

mod common;

use std::time::Duration;

use common::*;
use nts::api::control::UserInfo;
use nts::session::Session;

#[tokio::test]
async fn python_instance_speaks_the_frame_protocol() {
    let Some(py) = python() else { return };
    let sys = System::start().await;
    let script = repo("examples/python/hello_instance.py");
    let host = sys.host("py-hello", &[&py, script.to_str().unwrap()]).await;
    let alice = Session::open(
        &sys.lobby().await,
        "room",
        UserInfo {
            name: "Alice".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let bob = Session::join(
        &sys.lobby().await,
        &alice.invitation(),
        UserInfo {
            name: "Bob".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut link = alice
        .connect("py-hello")
        .await
        .expect("the Python instance completed the handshake");
    assert_eq!(children_of(host.pid).len(), 1);

    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "Hello from Python!");
    assert_eq!(
        next_notification(&mut link).await,
        "Presenter is Alice",
        "presenter_info round trip by id"
    );
    link.ping(Duration::from_secs(5))
        .await
        .expect("ping answered");

    alice.set_presenter(bob.user_id()).await.unwrap();
    assert_eq!(
        next_notification(&mut link).await,
        "Presenter changed to Bob"
    );

    let pid = instance_pid(host.pid, link.id().as_str());
    bob.connect("py-hello").await.expect("bob presents now");
    link.close()
        .await
        .expect_err("alice is no longer presenter");
    alice.leave().await.unwrap();
    bob.leave().await.unwrap();
    assert!(gone(pid).await, "the instance exits on stop");
}
