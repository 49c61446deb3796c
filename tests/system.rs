//! End-to-end behaviour on real parts: nats-server with TLS, `nts coordinator` and plugin
//! hosts as OS processes, instance sub-processes, sessions through the library.

mod common;

use std::time::Duration;

use common::*;
use nix::sys::signal::Signal;
use nts::api::ErrorCode;
use nts::api::link::{CloseCode, ToSession};
use nts::connect::Role;
use nts::session::{LinkEvent, Session, SessionError};
use nts::wire::Envelope;

async fn open(sys: &System, name: &str) -> Session {
    Session::open(&sys.lobby().await, "room", user(name))
        .await
        .expect("open session")
}

fn refusal(e: SessionError) -> nts::api::ErrorBody {
    match e {
        SessionError::Control(c) => c
            .refusal()
            .cloned()
            .unwrap_or_else(|| panic!("expected a refusal, got {c}")),
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn plugins_register_and_are_listed_with_their_metadata() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let _crash = sys.plugin("crash").await;
    let list = sys.lobby().await.plugins().await.unwrap();
    let names: Vec<&str> = list
        .plugins
        .iter()
        .map(|p| p.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["crash", "hello"]);
    let hello = &list.plugins[1];
    assert!(hello.metadata.has_advanced);
    assert_eq!(hello.metadata.category, "Examples");
    assert_eq!((hello.hosts, hello.links), (1, 0));
}

#[tokio::test]
async fn wrong_plugin_key_is_refused() {
    let sys = System::start().await;
    let user = sys.dir.path().join("user.json");
    sys.user_profile("ann").save(&user).unwrap();
    let forged =
        nts::connect::ticket::TicketKey::generate().issue(&nts::connect::ticket::Claims::new(
            nts::connect::ticket::TicketKind::Plugin,
            "hello",
            Duration::from_secs(60),
        ));
    let notes_key = plugin_key(&sys.profile, "notes");
    for (key, why) in [
        ("not-a-key", "the credential is not an nts ticket"),
        (forged.as_str(), "refused"),
        (notes_key.as_str(), "is for plugin \"notes\""),
        (sys.profile.ticket.as_str(), "a user ticket"),
    ] {
        let out = sys
            .nts()
            .args(["plugin", "hello", "--key", key])
            .env("NTS_PROFILE", &user)
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{why}: {err}");
    }
    // Without a key, a user's profile cannot make one.
    let out = sys
        .nts()
        .args(["plugin", "hello"])
        .env("NTS_PROFILE", &user)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nts token plugin hello"));
    // Its own key works with the same profile.
    let key = plugin_key(&sys.profile, "hello");
    let mut ok = spawn_ready(
        sys.nts()
            .args(["plugin", "hello", "--key", &key])
            .env("NTS_PROFILE", &user),
    )
    .await;
    ok.signal(nix::sys::signal::Signal::SIGTERM);
    assert!(ok.wait().await.success());
}

#[tokio::test]
async fn run_delivers_notifications_and_presenter_info_round_trips() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let s = open(&sys, "Alice").await;
    let mut link = s.connect("hello").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "Hello from nts!");
    // The instance asked for presenter info; the session answered; the instance used it.
    assert_eq!(next_notification(&mut link).await, "Hello, Alice!");
}

#[tokio::test]
async fn two_sessions_get_two_instance_processes() {
    let sys = System::start().await;
    let hello = sys.plugin("hello").await;
    let (a, b) = (open(&sys, "a").await, open(&sys, "b").await);
    let (la, lb) = (
        a.connect("hello").await.unwrap(),
        b.connect("hello").await.unwrap(),
    );
    let (pa, pb) = (
        instance_pid(hello.pid, la.id().as_str()),
        instance_pid(hello.pid, lb.id().as_str()),
    );
    assert_ne!(pa, pb);
    assert_eq!(children_of(hello.pid).len(), 2);
}

#[tokio::test]
async fn presenter_change_reaches_the_instance() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (alice, bob) = room_of_two(&sys, "alice", "bob").await;
    let mut link = alice.connect("hello").await.unwrap();
    alice.set_presenter(bob.user_id()).await.unwrap();
    assert_eq!(
        next_notification(&mut link).await,
        "The presenter is now bob"
    );
    // Alice is no longer presenter: she cannot connect plugins any more.
    let e = refusal(alice.connect("hello").await.err().unwrap());
    assert_eq!(e.code, ErrorCode::NotPresenter);
}

#[tokio::test]
async fn non_presenter_link_open_is_refused_with_a_clear_error() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (_alice, bob) = room_of_two(&sys, "alice", "bob").await;
    let e = refusal(bob.connect("hello").await.err().unwrap());
    assert_eq!(e.code, ErrorCode::NotPresenter);
    assert!(e.message.contains("presenter"), "{}", e.message);
}

#[tokio::test]
async fn unknown_plugin_is_a_clear_error() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let s = open(&sys, "alice").await;
    let e = refusal(s.connect("no-such-plugin").await.err().unwrap());
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(
        e.message.contains("no-such-plugin") && e.message.contains("hello"),
        "{}",
        e.message
    );
}

#[tokio::test]
async fn killed_instance_closes_its_link_and_spares_the_other() {
    let sys = System::start().await;
    let hello = sys.plugin("hello").await;
    let (a, b) = (open(&sys, "a").await, open(&sys, "b").await);
    let (mut la, lb) = (
        a.connect("hello").await.unwrap(),
        b.connect("hello").await.unwrap(),
    );
    let victim = instance_pid(hello.pid, la.id().as_str());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(victim as i32), Signal::SIGKILL).unwrap();
    let reason = closed(&mut la).await;
    assert_eq!(reason.code, CloseCode::InstanceCrashed);
    assert_eq!(reason.signal, Some(9));
    lb.ping(Duration::from_secs(5))
        .await
        .expect("the other session keeps working");
    assert_eq!(children_of(hello.pid).len(), 1);
}

#[tokio::test]
async fn crashing_instance_tells_the_session_why() {
    let sys = System::start().await;
    let _crash = sys.plugin("crash").await;
    let s = open(&sys, "a").await;
    let mut link = s.connect("crash").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "crashing now");
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::InstanceCrashed);
    assert_eq!(reason.signal, Some(6), "abort() is SIGABRT: {reason:?}");
}

#[tokio::test]
async fn malformed_frame_closes_that_link_and_the_host_survives() {
    let sys = System::start().await;
    let crash = sys.plugin("crash").await;
    let (a, b) = (open(&sys, "a").await, open(&sys, "b").await);
    let mut bad = a.connect("crash").await.unwrap();
    let good = b.connect("crash").await.unwrap();
    bad.advanced_settings().await.unwrap();
    let reason = closed(&mut bad).await;
    assert_eq!(reason.code, CloseCode::ProtocolError);
    assert!(reason.message.contains("malformed"), "{}", reason.message);
    good.ping(Duration::from_secs(5))
        .await
        .expect("other links unaffected");
    let again = a
        .connect("crash")
        .await
        .expect("the host still takes links");
    again.ping(Duration::from_secs(5)).await.unwrap();
    assert!(alive(crash.pid));
}

#[tokio::test]
async fn bad_input_from_a_session_gets_an_error_reply_and_loses_nothing() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let mut link = s.connect("hello").await.unwrap();
    // Not CBOR at all; then a host-only kind; then an unknown kind with an id.
    link.send_raw(vec![0xff, 0xfe]).await.unwrap();
    link.send(Envelope::with_id(
        7,
        nts::api::link::ToPlugin::Stop(nts::api::link::StopInfo { reason: "x".into() }),
    ))
    .await
    .unwrap();
    let mut unknown = Vec::new();
    ciborium::into_writer(
        &ciborium::Value::Map(vec![
            ("version".into(), 1.into()),
            ("kind".into(), "teleport".into()),
            ("id".into(), 9.into()),
            ("body".into(), ciborium::Value::Map(vec![])),
        ]),
        &mut unknown,
    )
    .unwrap();
    link.send_raw(unknown).await.unwrap();
    let mut errors = Vec::new();
    while errors.len() < 3 {
        match next_event(&mut link).await {
            LinkEvent::Message(Envelope {
                id,
                msg: ToSession::Error(e),
            }) => errors.push((id, e.code)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        errors,
        [
            (0, ErrorCode::BadRequest),
            (7, ErrorCode::BadRequest),
            (9, ErrorCode::UnknownKind)
        ]
    );
    link.ping(Duration::from_secs(5))
        .await
        .expect("the link still works");
}

#[tokio::test]
async fn presenter_closes_a_link_and_the_instance_stops() {
    let sys = System::start().await;
    let hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let mut link = s.connect("hello").await.unwrap();
    let pid = instance_pid(hello.pid, link.id().as_str());
    link.close().await.unwrap();
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::ClosedByPresenter);
    assert_eq!(
        reason.exit_code,
        Some(0),
        "the instance ran on_stop and exited cleanly"
    );
    assert!(gone(pid).await);
}

#[tokio::test]
async fn killed_host_is_detected_at_once_and_leaves_no_orphans() {
    // A lease far longer than the wait: only the broker's disconnect event can tell us.
    let sys = System::with_lease(60_000).await;
    let mut hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let mut link = s.connect("hello").await.unwrap();
    let instance = instance_pid(hello.pid, link.id().as_str());
    hello.signal(Signal::SIGKILL);
    hello.wait().await;
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::HostLost);
    assert!(
        reason.message.contains("broker connection"),
        "{}",
        reason.message
    );
    let list = sys.lobby().await.plugins().await.unwrap();
    assert!(
        list.plugins.is_empty(),
        "the plugin left the list: {list:?}"
    );
    assert!(gone(instance).await, "the instance died with its host");
}

#[tokio::test]
async fn hung_host_loses_its_lease_and_rejoins_when_it_resumes() {
    let sys = System::with_lease(1500).await;
    let hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let mut link = s.connect("hello").await.unwrap();
    let instance = instance_pid(hello.pid, link.id().as_str());
    hello.signal(Signal::SIGSTOP); // hung: connection open, no heartbeats
    let reason = closed(&mut link).await;
    assert_eq!(reason.code, CloseCode::HostLost);
    assert!(reason.message.contains("lease"), "{}", reason.message);
    let lobby = sys.lobby().await;
    assert!(lobby.plugins().await.unwrap().plugins.is_empty());

    hello.signal(Signal::SIGCONT);
    // Back: it stops the instance its session was told about, and registers again.
    assert!(gone(instance).await, "the stale instance is stopped");
    let until = tokio::time::Instant::now() + WAIT;
    while lobby.plugins().await.unwrap().plugins.is_empty() {
        assert!(
            tokio::time::Instant::now() < until,
            "the host did not register again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let b = open(&sys, "b").await;
    let again = b.connect("hello").await.expect("back in service");
    again.ping(Duration::from_secs(5)).await.unwrap();
}

#[tokio::test]
async fn stopping_a_host_tells_its_sessions_and_stops_its_instances() {
    let sys = System::start().await;
    let mut hello = sys.plugin("hello").await;
    let (a, b) = (open(&sys, "a").await, open(&sys, "b").await);
    let (mut la, mut lb) = (
        a.connect("hello").await.unwrap(),
        b.connect("hello").await.unwrap(),
    );
    let pids = children_of(hello.pid);
    assert_eq!(pids.len(), 2);
    hello.signal(Signal::SIGTERM);
    assert!(hello.wait().await.success());
    for link in [&mut la, &mut lb] {
        assert_eq!(closed(link).await.code, CloseCode::HostStopping);
    }
    for pid in pids {
        assert!(!alive(pid), "instance {pid} outlived its host");
    }
    let list = sys.lobby().await.plugins().await.unwrap();
    assert!(list.plugins.is_empty(), "deregistered: {list:?}");
}

#[tokio::test]
async fn hosts_of_one_plugin_share_sessions_within_their_capacity() {
    let sys = System::start().await;
    // Cold hosts: their children are then exactly their links' instances.
    let h1 = spawn_ready(
        sys.nts()
            .args(["plugin", "hello", "--capacity", "1", "--warm", "0"]),
    )
    .await;
    let h2 = spawn_ready(
        sys.nts()
            .args(["plugin", "hello", "--capacity", "1", "--warm", "0"]),
    )
    .await;
    let list = sys.lobby().await.plugins().await.unwrap();
    assert_eq!(
        (
            list.plugins.len(),
            list.plugins[0].hosts,
            list.plugins[0].capacity
        ),
        (1, 2, 2)
    );

    let (a, b, c) = (
        open(&sys, "a").await,
        open(&sys, "b").await,
        open(&sys, "c").await,
    );
    // Whichever host the queue group offers the second link to, a full one declines and
    // the coordinator places it on the host with room.
    let _la = a.connect("hello").await.unwrap();
    let _lb = b.connect("hello").await.unwrap();
    assert_eq!(
        (children_of(h1.pid).len(), children_of(h2.pid).len()),
        (1, 1)
    );
    let e = refusal(c.connect("hello").await.err().unwrap());
    assert_eq!(e.code, ErrorCode::AtCapacity);

    // A new host joins and takes new sessions; nothing else restarts.
    let h3 = spawn_ready(
        sys.nts()
            .args(["plugin", "hello", "--capacity", "1", "--warm", "0"]),
    )
    .await;
    let lc = c
        .connect("hello")
        .await
        .expect("the new host takes the link");
    lc.ping(Duration::from_secs(5)).await.unwrap();
    assert_eq!(children_of(h3.pid).len(), 1);
}

#[tokio::test]
async fn leaving_the_session_closes_its_links() {
    let sys = System::start().await;
    let hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let link = s.connect("hello").await.unwrap();
    let pid = instance_pid(hello.pid, link.id().as_str());
    s.leave().await.unwrap();
    assert!(
        gone(pid).await,
        "the instance stops when its session closes"
    );
}

#[tokio::test]
async fn coordinator_is_a_discoverable_nats_service() {
    let sys = System::start().await;
    let client = sys.client(Role::Coordinator).await;
    let reply = client
        .request("$SRV.INFO.nts-coordinator", "".into())
        .await
        .expect("service answers $SRV.INFO");
    let info: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(info["name"], "nts-coordinator");
    let subjects: Vec<&str> = info["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.contains(&"nts.v1.ctl.*.*.*.link.open"),
        "every caller's requests, the caller named in the subject: {subjects:?}"
    );
}

#[tokio::test]
async fn a_request_with_a_malformed_body_gets_an_error_reply() {
    use futures::StreamExt;
    use nts::api::link::ToPlugin;
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let s = open(&sys, "a").await;
    let link = s.connect("hello").await.unwrap();
    let subjects = nts::wire::subject::link(link.plugin_id(), s.id(), link.id());
    // What a host would relay from an instance: well-formed CBOR, the right kind, a wrong body.
    let host = sys
        .host_client("hello", &nts::wire::subject::Token::random(), true)
        .await;
    let mut replies = host.subscribe(subjects.to_plugin.clone()).await.unwrap();
    host.flush().await.unwrap();
    let text = |s: &str| ciborium::Value::Text(s.into());
    let bad = [
        (
            "zoom_on",
            ciborium::Value::Map(vec![(text("indices"), text("all"))]),
        ),
        (
            "menu_update",
            ciborium::Value::Map(vec![(
                text("menu"),
                ciborium::Value::Map(vec![(
                    text("root"),
                    ciborium::Value::Map(vec![(
                        text("content"),
                        ciborium::Value::Map(vec![(text("type"), text("hologram"))]),
                    )]),
                )]),
            )]),
        ),
    ];
    for (n, (kind, body)) in bad.into_iter().enumerate() {
        let id = 40 + n as u64;
        let env = ciborium::Value::Map(vec![
            (text("version"), ciborium::Value::Integer(1.into())),
            (text("kind"), text(kind)),
            (text("id"), ciborium::Value::Integer(id.into())),
            (text("body"), body),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&env, &mut bytes).unwrap();
        host.publish(subjects.to_session.clone(), bytes.into())
            .await
            .unwrap();
        let reply = loop {
            let msg = tokio::time::timeout(WAIT, replies.next())
                .await
                .expect("an answer in time")
                .expect("subscription open");
            let env = nts::wire::decode::<ToPlugin>(&msg.payload, 1 << 20).unwrap();
            if env.id == id {
                break env.msg;
            }
        };
        let ToPlugin::Error(e) = reply else {
            panic!("{kind}: expected an error, got {reply:?}")
        };
        assert_eq!(e.code, ErrorCode::BadRequest, "{kind}: {e}");
        assert!(
            e.message.contains(kind),
            "{kind}: the error names the kind: {e}"
        );
    }
    // The link is unharmed.
    link.ping(Duration::from_secs(5)).await.expect("still up");
}
