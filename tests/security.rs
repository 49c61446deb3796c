//! The attacker suite: a running system (nats-server with TLS and the auth callout, the
//! coordinator, real plugin hosts) attacked with nothing but one user's credentials, one
//! room member's, and one plugin's. Every attempt must be refused — a permissions
//! violation reported by the broker, a refused connection, or an error reply — and the
//! victim's session must go on unaffected. docs/SECURITY.md keeps the table of attempts.
//!
//! The attacker uses raw NATS connections, not nts's client: it may send anything.

mod common;

use std::time::Duration;

use common::*;
use nts::api::ErrorCode;
use nts::api::control::{
    CtlReply, CtlRequest, Heartbeat, HostRef, LinkClose, LinkClosedReport, PresenterHandover,
    SessionJoin, SessionOpen, SessionOpened, UserAuth,
};
use nts::api::link::{CloseCode, CloseReason};
use nts::connect::Profile;
use nts::coordinator::client::{self as ctl, CtlError};
use nts::session::{Link, Session};
use nts::wire::caller::Caller;
use nts::wire::subject::{self, Token};
use tokio::sync::mpsc;

/// A raw connection and the errors the broker reports on it.
struct Attacker {
    client: async_nats::Client,
    caller: Caller,
    errors: mpsc::UnboundedReceiver<String>,
}

impl Attacker {
    /// Connects as `caller` with `ticket`, as any NATS client could.
    async fn connect(
        profile: &Profile,
        caller: &Caller,
        ticket: &str,
    ) -> Result<Attacker, async_nats::ConnectError> {
        let (tx, errors) = mpsc::unbounded_channel();
        let client = async_nats::ConnectOptions::with_token(ticket.into())
            .require_tls(true)
            .add_root_certificates(profile.ca_file.clone())
            .name(caller.connection_name(false))
            .custom_inbox_prefix(caller.inbox(false))
            .connection_timeout(Duration::from_secs(5))
            .event_callback(move |e| {
                let tx = tx.clone();
                async move {
                    if let async_nats::Event::ServerError(e) = e {
                        let _ = tx.send(e.to_string());
                    }
                }
            })
            .connect(&profile.url)
            .await?;
        Ok(Attacker {
            client,
            caller: caller.clone(),
            errors,
        })
    }

    /// Waits (bounded) for the broker to report a permissions violation naming `subject`.
    async fn violation(&mut self, subject: &str) {
        let found = tokio::time::timeout(WAIT, async {
            while let Some(e) = self.errors.recv().await {
                let e = e.to_lowercase();
                if e.contains("permissions violation") && e.contains(&subject.to_lowercase()) {
                    return;
                }
            }
        })
        .await;
        assert!(
            found.is_ok(),
            "the broker reported no permissions violation for {subject}"
        );
    }

    /// Subscribing to `subject` is refused by the broker.
    async fn cannot_subscribe(&mut self, subject: &str) {
        let _sub = self.client.subscribe(subject.to_string()).await.unwrap();
        self.client.flush().await.unwrap();
        self.violation(subject).await;
    }

    /// Publishing to `subject` is refused by the broker.
    async fn cannot_publish(&mut self, subject: &str) {
        self.client
            .publish(subject.to_string(), "forged".into())
            .await
            .unwrap();
        self.client.flush().await.unwrap();
        self.violation(subject).await;
    }

    /// A control request as this connection's own caller, refused by the coordinator.
    async fn refused(&self, req: CtlRequest) -> ErrorCode {
        match ctl::call(&self.client, &self.caller, req, Duration::from_secs(5)).await {
            Err(CtlError::Refused(e)) => e.code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

/// The victim's room with the hello plugin linked, checked working.
async fn victim(sys: &System) -> (Session, Link) {
    let s = Session::open(&sys.lobby().await, "victim-room", user("vera"))
        .await
        .unwrap();
    let mut link = s.connect("hello").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "Hello from nts!");
    assert_eq!(next_notification(&mut link).await, "Hello, vera!");
    (s, link)
}

/// The victim's session still works as before: its plugin answers, and the presenter is
/// still the victim.
async fn unaffected(s: &Session, link: &mut Link) {
    link.ping(Duration::from_secs(5))
        .await
        .expect("the victim's link still answers");
    link.run().await.unwrap();
    assert_eq!(next_notification(link).await, "Hello from nts!");
    assert_eq!(next_notification(link).await, "Hello, vera!");
    assert_eq!(s.presenter().await.account_name, "vera");
}

/// The lobby connection of `profile`'s user, as nts's client would make it.
async fn lobby_of(profile: &Profile) -> Attacker {
    let claims = nts::connect::ticket::peek(&profile.ticket).unwrap();
    let me = Caller::Lobby {
        user: Token::new(claims.name).unwrap(),
        conn: Token::random(),
    };
    Attacker::connect(profile, &me, &profile.ticket)
        .await
        .unwrap()
}

/// `profile`'s user opens or joins a room (`req`) from its lobby connection, then connects
/// to the room with the member ticket it got: that connection and the reply.
async fn enter(profile: &Profile, req: CtlRequest) -> (Attacker, SessionOpened) {
    let lobby = lobby_of(profile).await;
    let opened = match ctl::call(&lobby.client, &lobby.caller, req, WAIT)
        .await
        .unwrap()
    {
        CtlReply::SessionOpened(o) => o,
        other => panic!("{other:?}"),
    };
    let me = Caller::Member {
        session_id: opened.session_id.clone(),
        user_id: opened.user_id.clone(),
    };
    let member = Attacker::connect(profile, &me, &opened.ticket)
        .await
        .unwrap();
    (member, opened)
}

/// The attacker's own room: its member connection, member ticket and member token.
async fn member_of_own_room(profile: &Profile) -> (Attacker, String, Token) {
    let req = CtlRequest::SessionOpen(SessionOpen {
        room: "eve's".into(),
        user: user("eve"),
    });
    let (member, opened) = enter(profile, req).await;
    (member, opened.ticket, opened.token)
}

#[tokio::test]
async fn a_room_member_reaches_nothing_outside_its_room() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let vsid = victim_session.id().clone();
    let vuid = victim_session.user_id().clone();
    let vlink = subject::link(victim_link.plugin_id(), &vsid, victim_link.id());
    let eve = sys.user_profile("eve");
    let (mut m, _ticket, my_token) = member_of_own_room(&eve).await;

    // Reading: other rooms' traffic, events, logs, inboxes; the store; the system.
    for s in [
        ">",
        "nts.>",
        "nts.v1.link.*.*.*.to_session",
        &subject::session_inbound(&vsid),
        &vlink.to_session,
        &vlink.to_plugin,
        "nts.v1.evt.>",
        &subject::session_events(&vsid),
        "nts.v1.logs.>",
        &subject::session_logs(&vsid),
        "_INBOX_session.>",
        "_INBOX_nts.>",
        &format!("_INBOX_nts.member.{vsid}.{vuid}.>"),
        "_INBOX.>",
        "$KV.>",
        "$JS.API.>",
        "$SYS.>",
        "$SRV.>",
        "nts.v1.plugin.*.link",
        "nts.v1.host.*.*.ctl",
    ] {
        m.cannot_subscribe(s).await;
    }
    // Writing: into the victim's room, as a host, as the victim, into the store.
    for s in [
        vlink.to_plugin.as_str(),
        &vlink.to_session,
        &Caller::Member {
            session_id: vsid.clone(),
            user_id: vuid.clone(),
        }
        .ctl("session.presenter"),
        &Caller::host("hello", Token::random()).ctl("plugin.deregister"),
        &m.caller.ctl("plugin.deregister"),
        &m.caller.ctl("link.closed"),
        &m.caller.ctl("plugin.register"),
        &m.caller.ctl("session.join"),
        "$KV.nts_coordinator.leader",
        "$JS.API.STREAM.DELETE.KV_nts_coordinator",
        "$SYS.REQ.SERVER.PING.CONNZ",
        "$SRV.PING",
        "nts.v1.ctl.link.open",
    ] {
        m.cannot_publish(s).await;
    }
    // Asking the coordinator, as itself, about the victim's room: refused.
    let stolen = victim_session_token(&victim_session);
    for req in [
        CtlRequest::SessionPresenter(PresenterHandover {
            session_id: vsid.clone(),
            token: my_token.clone(),
            to: vuid.clone(),
        }),
        CtlRequest::LinkClose(LinkClose {
            session_id: vsid.clone(),
            token: stolen.clone(),
            link_id: victim_link.id().clone(),
        }),
        CtlRequest::SessionLeave(UserAuth {
            session_id: vsid.clone(),
            token: stolen,
        }),
    ] {
        assert_eq!(m.refused(req).await, ErrorCode::Forbidden);
    }
    unaffected(&victim_session, &mut victim_link).await;
}

/// The victim's member token, as an attacker who stole it would have it (the test reads it
/// from the victim's own reply; the broker keeps anyone else from reading that reply).
fn victim_session_token(s: &Session) -> Token {
    s.member_token().clone()
}

#[tokio::test]
async fn a_user_ticket_only_lists_opens_and_joins_with_an_invitation() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let eve = sys.user_profile("eve");
    let mut lobby = lobby_of(&eve).await;
    let me = lobby.caller.clone();
    // Knowing the public id is not enough to join.
    let code = lobby
        .refused(CtlRequest::SessionJoin(SessionJoin {
            session_id: victim_session.id().clone(),
            invitation: Token::random(),
            user: user("eve"),
        }))
        .await;
    assert_eq!(code, ErrorCode::Forbidden);
    for s in [
        subject::session_events(victim_session.id()),
        subject::session_inbound(victim_session.id()),
        "nts.v1.evt.session.>".into(),
        "nts.v1.logs.>".into(),
        "_INBOX_nts.>".into(),
    ] {
        lobby.cannot_subscribe(&s).await;
    }
    for s in [
        me.ctl("link.open"),
        me.ctl("session.leave"),
        me.ctl("plugin.register"),
        Caller::operator("x").ctl("plugin.list"),
    ] {
        lobby.cannot_publish(&s).await;
    }
    // A user ticket does not make a host, nor a member of the victim's room.
    let as_host = Caller::host("hello", Token::random());
    assert!(
        Attacker::connect(&eve, &as_host, &eve.ticket)
            .await
            .is_err()
    );
    let as_member = Caller::Member {
        session_id: victim_session.id().clone(),
        user_id: victim_session.user_id().clone(),
    };
    assert!(
        Attacker::connect(&eve, &as_member, &eve.ticket)
            .await
            .is_err()
    );
    // With the invitation, joining works (and is the only way in).
    let bob = Session::join(
        &nts::session::Lobby::connect(&eve).await.unwrap(),
        &victim_session.invitation(),
        user("bob"),
    )
    .await
    .expect("an invited user joins");
    assert_ne!(bob.user_id(), victim_session.user_id());
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn a_member_ticket_is_bound_to_its_room_and_member() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let eve = sys.user_profile("eve");
    let (_m, my_ticket, _) = member_of_own_room(&eve).await;
    // Eve's member ticket, presented as the victim's connection, is refused.
    let as_victim = Caller::Member {
        session_id: victim_session.id().clone(),
        user_id: victim_session.user_id().clone(),
    };
    assert!(
        Attacker::connect(&eve, &as_victim, &my_ticket)
            .await
            .is_err()
    );
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn a_plugins_hosts_reach_only_that_plugin() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let hello_pid = victim_link.plugin_id().clone();
    let vlink = subject::link(&hello_pid, victim_session.id(), victim_link.id());
    // The operator gave the attacker a key for its own plugin, "evil".
    let key = plugin_key(&sys.profile, "evil");
    let me = Caller::host("evil", Token::random());
    let mut evil = Attacker::connect(&sys.profile, &me, &key).await.unwrap();
    for s in [
        subject::plugin_link(&hello_pid),
        format!("nts.v1.host.{hello_pid}.*.ctl"),
        vlink.to_plugin.clone(),
        format!("nts.v1.link.{hello_pid}.>"),
        subject::logs_of(Some(&hello_pid)),
        "nts.v1.evt.session.>".into(),
        "$SYS.>".into(),
        "$KV.>".into(),
    ] {
        evil.cannot_subscribe(&s).await;
    }
    for s in [
        vlink.to_session.clone(),
        vlink.to_plugin.clone(),
        Caller::host("hello", Token::random()).ctl("plugin.deregister"),
        me.ctl("link.open"),
        me.ctl("session.open"),
        "$KV.nts_coordinator.leader".into(),
    ] {
        evil.cannot_publish(&s).await;
    }
    // The key names its plugin: it cannot register another one.
    assert_eq!(
        evil.refused(CtlRequest::PluginRegister(nts::api::control::Register {
            host_id: match &me {
                Caller::Host { host_id, .. } => host_id.clone(),
                _ => unreachable!(),
            },
            metadata: nts::api::PluginMetadata {
                name: "hello".into(),
                permissions: vec!["local_files_access".into()],
                ..Default::default()
            },
            capacity: 1,
        }))
        .await,
        ErrorCode::Forbidden
    );

    // A second host of hello (its key) cannot speak for the first: deregister it,
    // heartbeat for it, or report its links closed.
    let list = sys.lobby().await.plugins().await.unwrap();
    assert_eq!(list.plugins.len(), 1, "no plugin was added or renamed");
    let hello_key = plugin_key(&sys.profile, "hello");
    let twin = Caller::host("hello", Token::random());
    let twin = Attacker::connect(&sys.profile, &twin, &hello_key)
        .await
        .unwrap();
    let victim_host = victim_link.host_id().clone();
    for req in [
        CtlRequest::PluginDeregister(HostRef {
            plugin_id: hello_pid.clone(),
            host_id: victim_host.clone(),
        }),
        CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: hello_pid.clone(),
            host_id: victim_host.clone(),
            links: 0,
        }),
        CtlRequest::LinkClosed(LinkClosedReport {
            link_id: victim_link.id().clone(),
            host_id: victim_host.clone(),
            reason: CloseReason::new(CloseCode::ClosedByPresenter, "forged"),
        }),
    ] {
        assert_eq!(twin.refused(req).await, ErrorCode::Forbidden);
    }
    let list = sys.lobby().await.plugins().await.unwrap();
    assert_eq!(list.plugins[0].hosts, 1, "the victim's host is still there");
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn bad_credentials_and_plaintext_are_refused() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let me = Caller::Lobby {
        user: Token::new("eve").unwrap(),
        conn: Token::random(),
    };
    let other_key = nts::connect::ticket::TicketKey::generate();
    let forged = other_key.issue(&nts::connect::ticket::Claims::new(
        nts::connect::ticket::TicketKind::User,
        "eve",
        Duration::from_secs(60),
    ));
    let mut expired_claims = nts::connect::ticket::Claims::new(
        nts::connect::ticket::TicketKind::User,
        "eve",
        Duration::from_secs(60),
    );
    expired_claims.exp = expired_claims.iat.saturating_sub(1);
    let expired = sys
        .profile
        .keys()
        .unwrap()
        .ticket_key()
        .unwrap()
        .issue(&expired_claims);
    for ticket in ["", "garbage", "nts1.e30.AAAA", &forged, &expired] {
        assert!(
            Attacker::connect(&sys.profile, &me, ticket).await.is_err(),
            "{ticket:.16} must be refused"
        );
    }
    // A deployment user with a wrong password, and no credential at all.
    for opts in [
        async_nats::ConnectOptions::with_user_and_password("coordinator".into(), "guess".into()),
        async_nats::ConnectOptions::with_user_and_password("operator".into(), "guess".into()),
        async_nats::ConnectOptions::new(),
    ] {
        let r = opts
            .require_tls(true)
            .add_root_certificates(sys.profile.ca_file.clone())
            .connection_timeout(Duration::from_secs(5))
            .connect(&sys.profile.url)
            .await;
        assert!(r.is_err());
    }
    // Plaintext: the broker requires TLS.
    let plain = sys.profile.url.replace("tls://", "nats://");
    let r = async_nats::ConnectOptions::with_token(sys.profile.ticket.clone())
        .connection_timeout(Duration::from_secs(5))
        .connect(&plain)
        .await;
    assert!(r.is_err(), "a plaintext connection must fail");
    // A client that trusts another CA does not talk to this broker.
    let dir = tempfile::tempdir().unwrap();
    let other = nts::broker::DevPki::generate(dir.path()).unwrap();
    let r = async_nats::ConnectOptions::with_token(sys.profile.ticket.clone())
        .require_tls(true)
        .add_root_certificates(other.ca_cert.clone())
        .connection_timeout(Duration::from_secs(5))
        .connect(&sys.profile.url)
        .await;
    assert!(r.is_err(), "the broker's certificate is checked");
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn profiles_hold_only_what_their_holder_needs() {
    let sys = System::start().await;
    let user = sys.user_profile("eve");
    let path = sys.dir.path().join("eve.json");
    user.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [
        &sys.profile.credentials.coordinator,
        &sys.profile.credentials.operator,
        &sys.profile.credentials.auth,
        &sys.profile.credentials.sys,
        &sys.profile.keys.as_ref().unwrap().tickets,
        &sys.profile.keys.as_ref().unwrap().issuer,
    ] {
        assert!(
            !text.contains(secret.as_str()),
            "a user's profile leaks a secret"
        );
    }
    // With it, no deployment user logs in.
    for role in [
        nts::connect::Role::Coordinator,
        nts::connect::Role::Operator,
        nts::connect::Role::System,
        nts::connect::Role::Auth,
    ] {
        assert!(
            nts::connect::connect(&user, role, nts::connect::ConnectOptions::named("x"))
                .await
                .is_err()
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "profiles are private to their owner");
}

#[tokio::test]
async fn an_instance_gets_no_secret_and_no_way_to_the_profiles() {
    let sys = System::start().await;
    let out = sys.dir.path().join("instance-env.txt");
    // An instance that dumps its environment and tries the profile paths it could know.
    let script = format!(
        "env > {out}.tmp; for f in \"$NTS_PROFILE\" \"$NTS_HOME/operator.json\" \"$NTS_HOME/profile.json\"; do \
         cat \"$f\" >> {out}.tmp 2>/dev/null; done; mv {out}.tmp {out}; exec sleep 30",
        out = out.display()
    );
    let _host = sys.host("envdump", &["sh", "-c", &script]).await;
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    // The instance never greets (it is no plugin): the link fails, the dump is written.
    let connecting = tokio::spawn(async move { s.connect("envdump").await.is_err() });
    let until = tokio::time::Instant::now() + WAIT;
    while !out.exists() {
        assert!(
            tokio::time::Instant::now() < until,
            "the instance never ran"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dump = std::fs::read_to_string(&out).unwrap();
    let keys = sys.profile.keys.as_ref().unwrap();
    for secret in [
        sys.profile.credentials.coordinator.as_str(),
        &sys.profile.credentials.operator,
        &sys.profile.credentials.sys,
        &sys.profile.credentials.auth,
        &keys.tickets,
        &keys.issuer,
        &sys.profile.ticket,
        "NTS_PROFILE",
        "NTS_HOME",
        "NTS_KEY",
    ] {
        assert!(!dump.contains(secret), "the instance saw {secret:.12}…");
    }
    assert!(
        dump.contains("PATH="),
        "the dump is the instance's environment"
    );
    connecting.abort();
}

#[tokio::test]
async fn a_member_who_left_is_dropped_and_cannot_come_back() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let eve = sys.user_profile("eve");
    let invitation = victim_session.invitation();
    let (member, opened) = enter(
        &eve,
        CtlRequest::SessionJoin(SessionJoin {
            session_id: invitation.session_id.clone(),
            invitation: invitation.secret.clone(),
            user: user("eve"),
        }),
    )
    .await;
    let me = member.caller.clone();
    // While a member, it reads its room (as it should).
    let _room = member
        .client
        .subscribe(subject::session_inbound(victim_session.id()))
        .await
        .unwrap();
    ctl::call(
        &member.client,
        &me,
        CtlRequest::SessionLeave(UserAuth {
            session_id: opened.session_id.clone(),
            token: opened.token.clone(),
        }),
        WAIT,
    )
    .await
    .unwrap();
    // Dropped by the broker at once, and its ticket no longer admitted.
    let until = tokio::time::Instant::now() + WAIT;
    while member.client.connection_state() == async_nats::connection::State::Connected {
        assert!(
            tokio::time::Instant::now() < until,
            "the member who left is still connected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        Attacker::connect(&eve, &me, &opened.ticket).await.is_err(),
        "a member who left cannot connect to the room again"
    );
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn a_member_without_a_connection_is_removed_and_an_empty_room_closes() {
    use futures::StreamExt;
    let sys = System::with_coordinator_args(6000, &["--member-grace-ms", "1000"]).await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let operator = sys.client(nts::connect::Role::Operator).await;
    let eve = sys.user_profile("eve");
    let (member, opened) = enter(
        &eve,
        CtlRequest::SessionOpen(SessionOpen {
            room: "abandoned".into(),
            user: user("eve"),
        }),
    )
    .await;
    let mut events = operator
        .subscribe(subject::session_events(&opened.session_id))
        .await
        .unwrap();
    operator.flush().await.unwrap();
    // Its member connection goes away without `session.leave` (a crash, a lost network).
    drop(member);
    let closed = tokio::time::timeout(WAIT, async {
        while let Some(m) = events.next().await {
            if m.subject.ends_with(".closed") {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "the abandoned room closes after the grace"
    );
    assert!(
        Attacker::connect(&eve, &member_caller(&opened), &opened.ticket)
            .await
            .is_err(),
        "the removed member's ticket is revoked"
    );
    // A member that stays connected stays, well past the grace.
    unaffected(&victim_session, &mut victim_link).await;
}

fn member_caller(o: &SessionOpened) -> Caller {
    Caller::Member {
        session_id: o.session_id.clone(),
        user_id: o.user_id.clone(),
    }
}

#[tokio::test]
async fn a_flood_of_control_requests_is_rate_limited_per_identity() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let (victim_session, mut victim_link) = victim(&sys).await;
    let eve = sys.user_profile("eve");
    let (m, _, _) = member_of_own_room(&eve).await;
    let mut limited = 0;
    for _ in 0..1500 {
        match ctl::call(
            &m.client,
            &m.caller,
            CtlRequest::PluginList(nts::api::Empty {}),
            WAIT,
        )
        .await
        {
            Ok(_) => {}
            Err(CtlError::Refused(e)) if e.code == ErrorCode::RateLimited => {
                limited += 1;
                assert!(e.message.contains("try again"), "{}", e.message);
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(limited > 0, "1500 requests at once are not all served");
    // Everyone else is served as usual.
    sys.lobby().await.plugins().await.unwrap();
    unaffected(&victim_session, &mut victim_link).await;
}

#[tokio::test]
async fn the_operator_revokes_a_user_ticket() {
    let sys = System::start().await;
    let mallory = sys.user_profile("mallory");
    let id = nts::connect::ticket::peek(&mallory.ticket).unwrap().id;
    nts::session::Lobby::connect(&mallory)
        .await
        .expect("a fresh ticket connects");
    let out = output(sys.nts().args(["token", "revoke", id.as_str()])).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let refused = nts::session::Lobby::connect(&mallory).await.err();
    assert!(
        refused.is_some_and(|e| e.to_string().contains("refused")),
        "a revoked ticket connects no more"
    );
    // Others are unaffected.
    sys.lobby().await.plugins().await.unwrap();
    // A user ticket cannot revoke anything.
    let lobby = lobby_of(&sys.user_profile("eve")).await;
    let mut lobby = lobby;
    lobby
        .cannot_publish(&Caller::operator("x").ctl("ticket.revoke"))
        .await;
}
