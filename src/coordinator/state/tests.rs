//! Unit tests of the registry: every rule checked without I/O.

use crate::api::ErrorCode;
use crate::api::control::{
    Event, Heartbeat, LinkClose, LinkClosedReport, LinkOpen, LinkOpened, PresenterHandover,
    Register, SessionJoin, SessionOpen, SessionOpened, UserAuth, UserInfo,
};
use crate::api::link::{CloseCode, CloseReason, ToPlugin, ToSession};
use crate::wire::subject::Token;
use std::time::{Duration, Instant};

use super::*;
use crate::api::PluginMetadata;

const LEASE: Duration = Duration::from_secs(5);

/// Ids `id1`, `id2`, … in the order the registry asks for them.
fn counting() -> impl FnMut() -> Token + Send + 'static {
    let mut n = 0;
    move || {
        n += 1;
        Token::new(format!("id{n}")).expect("a valid token")
    }
}

#[test]
fn ids_come_from_the_registry_s_source() {
    let now = Instant::now();
    let mut r = Registry::new(LEASE).with_ids(counting());
    let pid = reg(&mut r, "hello", &Token::new("host").unwrap(), now);
    assert_eq!(
        pid,
        crate::wire::subject::plugin_id_for("hello"),
        "a plugin's id follows from its name, as in its hosts' credentials"
    );
    let (opened, _) = r
        .open_session(
            "ann",
            SessionOpen {
                room: "room".into(),
                user: UserInfo {
                    name: "alice".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap();
    assert_eq!(opened.user_id.as_str(), "id1", "the member first");
    assert_eq!(opened.session_id.as_str(), "id2");
    assert_ne!(opened.token.as_str(), "id3", "secret tokens stay random");
    assert_ne!(opened.invitation.as_str(), "id3", "so do invitations");
}

fn reg(r: &mut Registry, name: &str, host: &Token, now: Instant) -> Token {
    let req = Register {
        host_id: host.clone(),
        metadata: PluginMetadata {
            name: name.into(),
            ..Default::default()
        },
        capacity: 4,
    };
    r.register(req, now).unwrap().0.plugin_id
}

fn open(r: &mut Registry, who: &str) -> SessionOpened {
    r.open_session(
        who,
        SessionOpen {
            room: "room".into(),
            user: UserInfo {
                name: who.into(),
                ..Default::default()
            },
        },
    )
    .unwrap()
    .0
}

fn join(r: &mut Registry, s: &SessionOpened, who: &str) -> SessionOpened {
    let user = UserInfo {
        name: who.into(),
        ..Default::default()
    };
    r.join_session(
        who,
        SessionJoin {
            session_id: s.session_id.clone(),
            invitation: s.invitation.clone(),
            user,
        },
    )
    .unwrap()
    .0
}

fn link(r: &mut Registry, s: &SessionOpened, plugin: &str, host: &Token) -> LinkOpened {
    let p = r
        .begin_link(LinkOpen {
            session_id: s.session_id.clone(),
            token: s.token.clone(),
            plugin: plugin.into(),
        })
        .unwrap();
    r.complete_link(&p, host.clone()).unwrap().0
}

#[test]
fn restored_registry_keeps_sessions_links_and_presenters() {
    let mut r = Registry::new(LEASE);
    let t0 = Instant::now();
    let host = Token::random();
    let pid = reg(&mut r, "hello", &host, t0);
    let alice = open(&mut r, "alice");
    let bob = join(&mut r, &alice, "bob");
    let l = link(&mut r, &alice, "hello", &host);
    let gone = open(&mut r, "carol");
    r.leave_session(UserAuth {
        session_id: gone.session_id.clone(),
        token: gone.token.clone(),
    })
    .unwrap();

    // The store as the adapter keeps it: every change applied in order.
    let mut store = std::collections::BTreeMap::new();
    for (k, v) in r.take_changes() {
        match v {
            Some(v) => store.insert(k, v),
            None => store.remove(&k),
        };
    }
    assert!(r.take_changes().is_empty(), "changes are taken once");
    assert!(
        !store.contains_key(&format!("session.{}", gone.session_id)),
        "closed sessions are deleted"
    );

    let later = t0 + LEASE * 3;
    let (mut r2, bad) = Registry::restore(LEASE, store, later);
    assert!(bad.is_empty());
    assert!(r2.expire(later).is_empty(), "restored leases start afresh");
    assert_eq!(r2.link(&l.link_id).map(|l| &l.host_id), Some(&host));
    assert_eq!(r2.list().plugins[0].links, 1);
    // Presenter rules survive: bob still may not connect, alice may.
    let refused = r2.begin_link(LinkOpen {
        session_id: bob.session_id.clone(),
        token: bob.token,
        plugin: "hello".into(),
    });
    assert_eq!(refused.unwrap_err().code, ErrorCode::NotPresenter);
    assert!(
        r2.begin_link(LinkOpen {
            session_id: alice.session_id,
            token: alice.token,
            plugin: pid.to_string()
        })
        .is_ok()
    );
}

#[test]
fn hosts_of_one_name_share_a_plugin() {
    let mut r = Registry::new(LEASE);
    let now = Instant::now();
    let a = reg(&mut r, "hello", &Token::random(), now);
    let b = reg(&mut r, "hello", &Token::random(), now);
    assert_eq!(a, b);
    let list = r.list();
    assert_eq!(list.plugins.len(), 1);
    assert_eq!((list.plugins[0].hosts, list.plugins[0].capacity), (2, 8));
}

#[test]
fn only_the_presenter_links_and_unlinks() {
    let mut r = Registry::new(LEASE);
    let host = Token::random();
    reg(&mut r, "hello", &host, Instant::now());
    let alice = open(&mut r, "alice");
    let bob = join(&mut r, &alice, "bob");
    let refused = r
        .begin_link(LinkOpen {
            session_id: bob.session_id.clone(),
            token: bob.token.clone(),
            plugin: "hello".into(),
        })
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotPresenter);
    let l = link(&mut r, &alice, "hello", &host);
    let close = LinkClose {
        session_id: bob.session_id.clone(),
        token: bob.token.clone(),
        link_id: l.link_id.clone(),
    };
    assert_eq!(
        r.begin_close(&close).unwrap_err().code,
        ErrorCode::NotPresenter
    );
}

#[test]
fn unknown_plugin_names_the_available_ones() {
    let mut r = Registry::new(LEASE);
    reg(&mut r, "hello", &Token::random(), Instant::now());
    let s = open(&mut r, "alice");
    let e = r
        .begin_link(LinkOpen {
            session_id: s.session_id,
            token: s.token,
            plugin: "nope".into(),
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(e.message.contains("hello"), "{}", e.message);
}

#[test]
fn presenter_change_reaches_every_link() {
    let mut r = Registry::new(LEASE);
    let host = Token::random();
    reg(&mut r, "hello", &host, Instant::now());
    let alice = open(&mut r, "alice");
    let bob = join(&mut r, &alice, "bob");
    let l = link(&mut r, &alice, "hello", &host);
    let effects = r
        .change_presenter(PresenterHandover {
            session_id: alice.session_id.clone(),
            token: alice.token.clone(),
            to: bob.user_id.clone(),
        })
        .unwrap();
    let to_plugin: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::ToPlugin {
                subject,
                msg: ToPlugin::PresenterChange(info),
            } => Some((subject.clone(), info.account_name.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(to_plugin.len(), 1);
    assert!(to_plugin[0].0.contains(l.link_id.as_str()));
    assert_eq!(to_plugin[0].1, "bob");
    // Alice is no longer presenter.
    let e = r
        .begin_link(LinkOpen {
            session_id: alice.session_id,
            token: alice.token,
            plugin: "hello".into(),
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotPresenter);
}

#[test]
fn expired_host_closes_its_links_and_leaves_the_list() {
    let mut r = Registry::new(LEASE);
    let t0 = Instant::now();
    let host = Token::random();
    let pid = reg(&mut r, "hello", &host, t0);
    let s = open(&mut r, "alice");
    let l = link(&mut r, &s, "hello", &host);
    r.heartbeat(
        Heartbeat {
            plugin_id: pid.clone(),
            host_id: host.clone(),
            links: 1,
        },
        t0 + LEASE / 2,
    )
    .unwrap();
    assert!(
        r.expire(t0 + LEASE).is_empty(),
        "heartbeat renewed the lease"
    );
    let effects = r.expire(t0 + LEASE * 2);
    assert!(effects.iter().any(|e| matches!(e, Effect::ToSession { msg: ToSession::Closed(c), .. } if c.code == CloseCode::HostLost)));
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Event {
            event: Event::PluginRemoved(_),
            ..
        }
    )));
    assert!(r.link(&l.link_id).is_none());
    assert!(r.list().plugins.is_empty());
    let e = r
        .heartbeat(
            Heartbeat {
                plugin_id: pid,
                host_id: host,
                links: 0,
            },
            t0 + LEASE * 2,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
}

#[test]
fn link_closed_is_idempotent_and_checks_the_host() {
    let mut r = Registry::new(LEASE);
    let host = Token::random();
    reg(&mut r, "hello", &host, Instant::now());
    let s = open(&mut r, "alice");
    let l = link(&mut r, &s, "hello", &host);
    let report = |h: &Token| LinkClosedReport {
        link_id: l.link_id.clone(),
        host_id: h.clone(),
        reason: CloseReason::new(CloseCode::InstanceExited, "bye"),
    };
    assert!(
        r.link_closed(report(&Token::random())).is_empty(),
        "another host cannot close it"
    );
    assert_eq!(r.link_closed(report(&host)).len(), 1);
    assert!(r.link_closed(report(&host)).is_empty());
}

#[test]
fn last_member_leaving_closes_session_and_links() {
    let mut r = Registry::new(LEASE);
    let host = Token::random();
    reg(&mut r, "hello", &host, Instant::now());
    let s = open(&mut r, "alice");
    let l = link(&mut r, &s, "hello", &host);
    let effects = r
        .leave_session(UserAuth {
            session_id: s.session_id.clone(),
            token: s.token.clone(),
        })
        .unwrap();
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::CloseLink { order, .. } if order.link_id == l.link_id))
    );
    assert!(effects.iter().any(|e| matches!(
        e,
        Effect::Event {
            event: Event::SessionClosed(_),
            ..
        }
    )));
    assert!(r.link(&l.link_id).is_none());
}

#[test]
fn joining_needs_the_rooms_invitation_not_just_its_id() {
    let mut r = Registry::new(LEASE);
    let s = open(&mut r, "ann");
    let refused = r
        .join_session(
            "eve",
            SessionJoin {
                session_id: s.session_id.clone(),
                invitation: Token::random(),
                user: UserInfo {
                    name: "eve".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let bob = join(&mut r, &s, "bob");
    assert_eq!(bob.invitation, s.invitation, "every member can invite");
}

#[test]
fn a_caller_speaks_only_for_itself() {
    use crate::api::control::{CtlRequest, Heartbeat, HostRef, LinkClosedReport, UserAuth};
    use crate::api::link::{CloseCode, CloseReason};
    use crate::wire::caller::Caller;
    let mut r = Registry::new(LEASE);
    let now = Instant::now();
    let (h1, h2) = (Token::random(), Token::random());
    let pid = reg(&mut r, "hello", &h1, now);
    reg(&mut r, "hello", &h2, now);
    let me = Caller::host("hello", h1.clone());
    let other_plugin = Caller::host("notes", h1.clone());
    let beat = |host: &Token| {
        CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: pid.clone(),
            host_id: host.clone(),
            links: 0,
        })
    };
    assert!(r.authorize(&me, &beat(&h1)).is_ok());
    let forbidden = |res: Result<(), crate::api::ErrorBody>| {
        assert_eq!(res.unwrap_err().code, ErrorCode::Forbidden);
    };
    forbidden(r.authorize(&me, &beat(&h2)));
    forbidden(r.authorize(&other_plugin, &beat(&h1)));
    forbidden(r.authorize(
        &me,
        &CtlRequest::PluginDeregister(HostRef {
            plugin_id: pid.clone(),
            host_id: h2.clone(),
        }),
    ));
    // A link served by h2 cannot be reported closed by h1.
    let s = open(&mut r, "ann");
    let l = link(&mut r, &s, "hello", &h2);
    let report = |host: &Token| {
        CtlRequest::LinkClosed(LinkClosedReport {
            link_id: l.link_id.clone(),
            host_id: host.clone(),
            reason: CloseReason::new(CloseCode::ClosedByPresenter, "x"),
        })
    };
    forbidden(r.authorize(&me, &report(&h1)));
    forbidden(r.authorize(&me, &report(&h2)));
    assert!(
        r.authorize(&Caller::host("hello", h2.clone()), &report(&h2))
            .is_ok()
    );
    // Members: their own token in their own room, and only member requests.
    let bob = join(&mut r, &s, "bob");
    let as_member = |o: &SessionOpened| Caller::Member {
        session_id: o.session_id.clone(),
        user_id: o.user_id.clone(),
    };
    let leave = |o: &SessionOpened| {
        CtlRequest::SessionLeave(UserAuth {
            session_id: o.session_id.clone(),
            token: o.token.clone(),
        })
    };
    assert!(r.authorize(&as_member(&bob), &leave(&bob)).is_ok());
    forbidden(r.authorize(&as_member(&bob), &leave(&s)));
    let elsewhere = open(&mut r, "cy");
    forbidden(r.authorize(&as_member(&elsewhere), &leave(&s)));
    forbidden(r.authorize(&as_member(&bob), &beat(&h1)));
    let lobby = Caller::Lobby {
        user: Token::random(),
        conn: Token::random(),
    };
    forbidden(r.authorize(&lobby, &leave(&bob)));
    forbidden(r.authorize(&Caller::operator("op"), &leave(&bob)));
}

#[test]
fn members_who_leave_stay_revoked_across_a_restore() {
    use crate::api::control::UserAuth;
    let mut r = Registry::new(LEASE);
    let s = open(&mut r, "ann");
    let bob = join(&mut r, &s, "bob");
    let _ = r.take_changes();
    // Leaving revokes the member who left.
    fn leave(r: &mut Registry, room: &SessionOpened, who: &SessionOpened) {
        let effects = r
            .leave_session(UserAuth {
                session_id: room.session_id.clone(),
                token: who.token.clone(),
            })
            .unwrap();
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Revoke { id, .. } if *id == who.user_id))
        );
    }
    leave(&mut r, &s, &bob);
    let records: Vec<(String, Vec<u8>)> = r
        .take_changes()
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    let (again, bad) = Registry::restore(LEASE, records, Instant::now());
    assert!(bad.is_empty());
    let revoked: Vec<&Token> = again.revocations().map(|(id, _)| id).collect();
    assert_eq!(revoked, [&bob.user_id]);
    // The last one out closes the room and is revoked too; expired revocations are
    // forgotten.
    leave(&mut r, &s, &s);
    r.prune_revoked(u64::MAX);
    assert_eq!(r.revocations().count(), 0);
}

#[test]
fn members_without_a_connection_are_removed_after_the_grace() {
    let t0 = Instant::now();
    let grace = std::time::Duration::from_secs(30);
    let mut r = Registry::new(LEASE).with_member_grace(grace);
    let s = open(&mut r, "ann");
    let bob = join(&mut r, &s, "bob");
    // Ann connects; Bob never does.
    r.member_seen(&s.session_id, &s.user_id, true, t0);
    assert!(
        r.expire_members(Instant::now()).is_empty(),
        "not before the grace"
    );
    let fx = r.expire_members(Instant::now() + grace);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Revoke { id, .. } if *id == bob.user_id))
    );
    assert_eq!(r.member_by_token(&s.session_id, &bob.token), None);
    // Ann loses her connection and comes back within the grace: she stays.
    r.member_seen(&s.session_id, &s.user_id, false, t0);
    r.member_seen(&s.session_id, &s.user_id, true, t0 + grace / 2);
    assert!(r.expire_members(t0 + grace * 3).is_empty());
    // Gone for good: she is removed, and with her the room.
    r.member_seen(&s.session_id, &s.user_id, false, t0 + grace * 3);
    let fx = r.expire_members(t0 + grace * 4);
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Event {
            event: crate::api::control::Event::SessionClosed(_),
            ..
        }
    )));
    assert_eq!(r.member_by_token(&s.session_id, &s.token), None);
}

#[test]
fn one_user_cannot_fill_the_registry() {
    let mut r = Registry::new(LEASE);
    for _ in 0..super::MAX_ROOMS_PER_USER {
        open(&mut r, "eve");
    }
    let full = r
        .open_session(
            "eve",
            SessionOpen {
                room: "one more".into(),
                user: UserInfo {
                    name: "eve".into(),
                    ..Default::default()
                },
            },
        )
        .unwrap_err();
    assert_eq!(full.code, ErrorCode::Unavailable);
    assert!(full.message.contains("leave one first"), "{}", full.message);
    // Someone else still can.
    let ann = open(&mut r, "ann");
    // And a session's links are capped too.
    let now = Instant::now();
    let host = Token::random();
    r.register(
        Register {
            host_id: host.clone(),
            metadata: PluginMetadata {
                name: "p".into(),
                ..Default::default()
            },
            capacity: 1000,
        },
        now,
    )
    .unwrap();
    for _ in 0..super::MAX_LINKS_PER_SESSION {
        link(&mut r, &ann, "p", &host);
    }
    let e = r
        .begin_link(LinkOpen {
            session_id: ann.session_id.clone(),
            token: ann.token.clone(),
            plugin: "p".into(),
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unavailable);
}
