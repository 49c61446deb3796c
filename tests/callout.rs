//! The auth callout's building blocks against a real nats-server 2.15.1 with TLS: the
//! server asks nts's callout (`coordinator::callout::serve`) about every connection that is
//! not a configured user; a ticket holder gets exactly its grant, enforced by the server;
//! forged, expired and misused tickets are refused. (tests/security.rs attacks the
//! whole system, whose broker uses the same callout.)

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use nts::broker::DevPki;
use nts::connect::ticket::{Claims, TicketKey, TicketKind, Verifier};
use nts::coordinator::callout::{self, Callout};
use nts::wire::caller::Caller;
use nts::wire::subject::Token;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(10);

/// A broker whose every non-configured user goes through the callout of `issuer`.
struct CalloutBroker {
    _child: tokio::process::Child,
    url: String,
    ca: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn broker(issuer: &str) -> Option<CalloutBroker> {
    let Ok(binary) = std::env::var("NTS_NATS_SERVER") else {
        eprintln!("skipped: NTS_NATS_SERVER is not set (scripts/test sets it)");
        return None;
    };
    nts::connect::install_crypto_provider();
    let dir = tempfile::tempdir().unwrap();
    let pki = DevPki::generate(&dir.path().join("tls")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let conf = dir.path().join("callout.conf");
    std::fs::write(
        &conf,
        format!(
            r#"
tls {{ cert_file: "{cert}", key_file: "{key}", ca_file: "{ca}", timeout: 2 }}
accounts {{
  AUTH {{ users: [ {{ user: auth, password: pw_auth,
            permissions: {{ subscribe: {{ allow: ["$SYS.REQ.USER.AUTH"] }},
                            publish: {{ deny: [">"] }}, allow_responses: true }} }} ] }}
  NTS {{ users: [ {{ user: coordinator, password: pw_coord }} ] }}
}}
authorization {{
  timeout: 3
  auth_callout {{ issuer: {issuer}, account: AUTH, auth_users: [ auth, coordinator ] }}
}}
"#,
            cert = pki.server_cert.display(),
            key = pki.server_key.display(),
            ca = pki.ca_cert.display(),
        ),
    )
    .unwrap();
    let child = tokio::process::Command::new(binary)
        .arg("-c")
        .arg(&conf)
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("tls://127.0.0.1:{port}");
    let b = CalloutBroker {
        _child: child,
        url,
        ca: pki.ca_cert.clone(),
        _dir: dir,
    };
    // Ready when the coordinator user can connect.
    let deadline = tokio::time::Instant::now() + WAIT;
    while connect_user(&b, "coordinator", "pw_coord").await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nats-server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Some(b)
}

fn tls(b: &CalloutBroker) -> async_nats::ConnectOptions {
    async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(b.ca.clone())
        .connection_timeout(Duration::from_secs(5))
}

async fn connect_user(
    b: &CalloutBroker,
    user: &str,
    pw: &str,
) -> Result<async_nats::Client, async_nats::ConnectError> {
    tls(b)
        .user_and_password(user.into(), pw.into())
        .connect(&b.url)
        .await
}

/// Connects with `ticket` as `caller`'s connection; the server's errors come out of the
/// returned receiver.
async fn connect_as(
    b: &CalloutBroker,
    ticket: &str,
    caller: &Caller,
) -> Result<(async_nats::Client, mpsc::UnboundedReceiver<String>), async_nats::ConnectError> {
    let (tx, rx) = mpsc::unbounded_channel();
    let client = tls(b)
        .token(ticket.into())
        .name(caller.connection_name(false))
        .custom_inbox_prefix(caller.inbox(false))
        .event_callback(move |e| {
            let tx = tx.clone();
            async move {
                if let async_nats::Event::ServerError(e) = e {
                    let _ = tx.send(e.to_string());
                }
            }
        })
        .connect(&b.url)
        .await?;
    Ok((client, rx))
}

fn t(s: &str) -> Token {
    Token::new(s).unwrap()
}

/// The broker, a running callout trusting `tickets`, and a coordinator connection.
async fn setup(
    tickets: &TicketKey,
) -> Option<(CalloutBroker, async_nats::Client, CancellationToken)> {
    let issuer = nkeys::KeyPair::new_account();
    let b = broker(&issuer.public_key()).await?;
    let auth = connect_user(&b, "auth", "pw_auth").await.unwrap();
    let stop = CancellationToken::new();
    let callout = Arc::new(Callout {
        issuer,
        tickets: Verifier::new([tickets.public_key().as_str()]).unwrap(),
        revoked: Default::default(),
    });
    let requests = auth
        .queue_subscribe(callout::REQUEST_SUBJECT, callout::QUEUE.into())
        .await
        .unwrap();
    auth.flush().await.unwrap();
    tokio::spawn(callout::serve(
        auth.clone(),
        requests,
        callout,
        stop.clone(),
    ));
    let coordinator = connect_user(&b, "coordinator", "pw_coord").await.unwrap();
    Some((b, coordinator, stop))
}

fn ticket(key: &TicketKey, kind: TicketKind, name: &str) -> String {
    key.issue(&Claims::new(kind, name, Duration::from_secs(600)))
}

/// Publishes "hello" on `subject` from `from` until `sub` receives it (the subscription
/// reaches the server on its own connection, so the first publish may come before it);
/// the message received.
async fn delivered(
    from: &async_nats::Client,
    sub: &mut async_nats::Subscriber,
    subject: &str,
) -> async_nats::Message {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        from.publish(subject.to_string(), "hello".into())
            .await
            .unwrap();
        from.flush().await.unwrap();
        match tokio::time::timeout(Duration::from_millis(100), sub.next()).await {
            Ok(Some(m)) => return m,
            _ => assert!(
                tokio::time::Instant::now() < deadline,
                "{subject}: nothing delivered to an allowed subscription"
            ),
        }
    }
}

/// Waits for the server to report a permissions violation on `rx` that names `subject`.
async fn violation(rx: &mut mpsc::UnboundedReceiver<String>, subject: &str) {
    let got = tokio::time::timeout(WAIT, async {
        while let Some(e) = rx.recv().await {
            if e.to_lowercase().contains("permissions violation") && e.contains(subject) {
                return e;
            }
        }
        String::new()
    })
    .await
    .expect("no permissions violation reported");
    assert!(!got.is_empty());
}

#[tokio::test]
async fn a_lobby_ticket_gets_its_grant_and_nothing_more() {
    let key = TicketKey::generate();
    let Some((b, coordinator, _stop)) = setup(&key).await else {
        return;
    };
    let me = Caller::Lobby {
        user: t("ada"),
        conn: Token::random(),
    };
    let (client, mut errors) = connect_as(&b, &ticket(&key, TicketKind::User, "ada"), &me)
        .await
        .expect("a valid user ticket is admitted");

    // Allowed: plugin events.
    let mut events = client.subscribe("nts.v1.evt.plugin.p1.x").await.unwrap();
    let got = delivered(&coordinator, &mut events, "nts.v1.evt.plugin.p1.x").await;
    assert_eq!(&got.payload[..], b"hello");

    // Refused by the server: another room's traffic, the old shared inbox, everything.
    for subject in ["nts.v1.link.*.*.*.to_session", "_INBOX_session.>", ">"] {
        let mut sub = client.subscribe(subject).await.unwrap();
        violation(&mut errors, subject).await;
        coordinator
            .publish("nts.v1.link.p1.s1.l1.to_session", "secret".into())
            .await
            .unwrap();
        coordinator.flush().await.unwrap();
        let leaked = tokio::time::timeout(Duration::from_millis(300), sub.next()).await;
        assert!(
            !matches!(leaked, Ok(Some(_))),
            "{subject}: a refused subscription received data"
        );
    }
    // Refused: publishing into a link, or a control request as someone else.
    for subject in [
        "nts.v1.link.p1.s1.l1.to_plugin",
        "nts.v1.ctl.member.s1.u1.link.open",
        "$KV.nts_coordinator.leader",
    ] {
        client.publish(subject, "x".into()).await.unwrap();
        violation(&mut errors, subject).await;
    }
}

#[tokio::test]
async fn forged_expired_and_misused_tickets_are_refused() {
    let key = TicketKey::generate();
    let Some((b, _coordinator, _stop)) = setup(&key).await else {
        return;
    };
    let lobby = Caller::Lobby {
        user: t("ada"),
        conn: Token::random(),
    };
    let forged = ticket(&TicketKey::generate(), TicketKind::User, "ada");
    let mut expired = Claims::new(TicketKind::User, "ada", Duration::from_secs(600));
    expired.exp = expired.iat.saturating_sub(1);
    let expired = key.issue(&expired);
    let plugin = ticket(&key, TicketKind::Plugin, "notes");
    for (what, credential, caller) in [
        ("forged", forged.as_str(), &lobby),
        ("expired", expired.as_str(), &lobby),
        ("a plugin ticket as a lobby", plugin.as_str(), &lobby),
        ("garbage", "not a ticket", &lobby),
    ] {
        assert!(
            connect_as(&b, credential, caller).await.is_err(),
            "{what} was admitted"
        );
    }
    // A member ticket for another room than the connection claims.
    let mut member = Claims::new(TicketKind::Member, "ada", Duration::from_secs(600));
    member.session_id = Some(t("s1"));
    member.user_id = Some(t("u1"));
    let member = key.issue(&member);
    let elsewhere = Caller::Member {
        session_id: t("s2"),
        user_id: t("u1"),
    };
    assert!(connect_as(&b, &member, &elsewhere).await.is_err());
    let mine = Caller::Member {
        session_id: t("s1"),
        user_id: t("u1"),
    };
    assert!(connect_as(&b, &member, &mine).await.is_ok());
}

#[tokio::test]
async fn a_host_ticket_binds_its_plugin() {
    let key = TicketKey::generate();
    let Some((b, coordinator, _stop)) = setup(&key).await else {
        return;
    };
    let pid = nts::wire::subject::plugin_id_for("notes");
    let me = Caller::Host {
        plugin_id: pid.clone(),
        host_id: Token::random(),
    };
    let (client, mut errors) = connect_as(&b, &ticket(&key, TicketKind::Plugin, "notes"), &me)
        .await
        .expect("a valid plugin ticket is admitted");
    let mine = format!("nts.v1.link.{pid}.s1.l1.to_plugin");
    let mut sub = client.subscribe(mine.clone()).await.unwrap();
    delivered(&coordinator, &mut sub, &mine).await;
    let other = nts::wire::subject::plugin_id_for("other");
    let theirs = format!("nts.v1.link.{other}.s1.l1.to_plugin");
    let _denied = client.subscribe(theirs.clone()).await.unwrap();
    violation(&mut errors, &theirs).await;
}
