//! The CDDL schemas in `schemas/` and the Rust types in `src/api` describe the same wire.
//!
//! For every kind of every message family a realistic sample is encoded with the real
//! encoder and validated against the schema (optional fields both present and absent).
//! Each family's covered kinds must equal its `Message::KINDS`, so adding a kind without
//! a sample (and hence a schema rule) fails here. Negative cases check that the schema
//! is not vacuous: malformed envelopes must be rejected, and by the Rust decoder too.
//!
//! The `cddl` crate validates against the first non-generic rule of the text, so each
//! check validates against `root = <rule>` followed by `envelope.cddl` and the plane's
//! file. Two constructs the crate (0.10) mishandles are worked around in the schemas
//! rather than left unchecked (see the comments in `envelope.cddl`): `.regexp` is matched
//! unanchored, so `token` spells out `^...$`; and a bareword key named like a text rule
//! (`token: token`, `text: tstr`) is read as a type, so those keys are quoted. Negative
//! cases below keep both workarounds honest.

use std::collections::BTreeSet;

use ciborium::Value;
use nts::api::control::*;
use nts::api::link::*;
use nts::api::{Empty, ErrorBody, ErrorCode, Org, PluginMetadata, PresenterInfo};
use nts::wire::subject::Token;
use nts::wire::{Envelope, Message, decode, encode};

const ENVELOPE: &str = include_str!("../schemas/envelope.cddl");
const LINK: &str = include_str!("../schemas/link.cddl");
const CONTROL: &str = include_str!("../schemas/control.cddl");

/// The schema for rule `root`: `root = <root>` + `envelope.cddl` + the plane's file.
fn schema_text(root: &str, plane: &str) -> String {
    format!("root = {root}\n\n{ENVELOPE}\n{plane}")
}

/// A parsed schema, validating CBOR against its root rule. Parsing is the slow part
/// (hundreds of ms in a debug build), so each family parses its schema once.
struct Schema {
    root: String,
    cddl: cddl::ast::CDDL<'static>,
}

impl Schema {
    fn new(root: &str, plane: &str) -> Self {
        // Leaked so the AST (which borrows the text) can live in the struct; tests only.
        let text: &'static str = Box::leak(schema_text(root, plane).into_boxed_str());
        let cddl = cddl::cddl_from_str(text, true)
            .unwrap_or_else(|e| panic!("schema for {root} does not parse: {e}"));
        Schema {
            root: root.to_owned(),
            cddl,
        }
    }

    fn validate(&self, bytes: &[u8]) -> Result<(), String> {
        use cddl::validator::{Validator, cbor};
        let value = cddl::validator::cbor_value::decode_cbor(bytes).map_err(|e| e.to_string())?;
        let mut v = cbor::CBORValidator::new(&self.cddl, value, None);
        Validator::<cbor::Error<std::io::Error>>::validate(&mut v).map_err(|e| e.to_string())
    }
}

/// Validates CBOR bytes against rule `root` with the crate's one-shot entry point.
fn validate(root: &str, plane: &str, bytes: &[u8]) -> Result<(), String> {
    cddl::validate_cbor_from_slice(&schema_text(root, plane), bytes, None)
        .map_err(|e| e.to_string())
}

fn tok(s: &str) -> Token {
    Token::new(s).unwrap()
}

fn presenter(with_org: bool) -> PresenterInfo {
    PresenterInfo {
        account_id: "acc-42".into(),
        account_name: "Ada Lovelace".into(),
        account_email: if with_org {
            "ada@example.org".into()
        } else {
            String::new()
        },
        org: with_org.then(|| Org {
            id: -7,
            name: "Analytical Engines".into(),
        }),
    }
}

fn metadata() -> PluginMetadata {
    PluginMetadata {
        name: "Hello Plugin".into(),
        description: "Says hello.".into(),
        category: "Examples".into(),
        tags: vec!["demo".into(), "hello".into()],
        has_advanced: true,
        permissions: vec!["local_files_access".into()],
        integrations: vec![],
        version: "1.2.3".into(),
    }
}

fn error_body(code: ErrorCode) -> ErrorBody {
    ErrorBody::new(code, format!("{code}: see the log"))
}

fn close_reasons() -> Vec<CloseReason> {
    vec![
        CloseReason::new(
            CloseCode::ClosedByPresenter,
            "disconnected by the presenter",
        ),
        CloseReason {
            exit_code: Some(0),
            ..CloseReason::new(CloseCode::InstanceExited, "instance exited")
        },
        CloseReason {
            exit_code: Some(-1),
            signal: Some(9),
            ..CloseReason::new(CloseCode::InstanceCrashed, "killed by SIGKILL")
        },
        CloseReason {
            signal: Some(i32::MAX),
            ..CloseReason::new(CloseCode::HostLost, "lease expired")
        },
    ]
}

fn plugin_info(links: u32) -> PluginInfo {
    PluginInfo {
        plugin_id: tok("p_hello"),
        metadata: PluginMetadata {
            name: "Minimal".into(),
            ..Default::default()
        },
        hosts: 2,
        capacity: u32::MAX,
        links,
    }
}

fn user(full: bool) -> UserInfo {
    if full {
        UserInfo {
            name: "Ada".into(),
            account_id: Some("acc-42".into()),
            email: Some("ada@example.org".into()),
            org: Some(Org {
                id: 1,
                name: "Org".into(),
            }),
        }
    } else {
        UserInfo {
            name: "Guest".into(),
            ..Default::default()
        }
    }
}

fn to_plugin_samples() -> Vec<ToPlugin> {
    let start = |with_org| {
        ToPlugin::Start(StartInfo {
            plugin_id: tok("p_hello"),
            plugin_name: "Hello Plugin".into(),
            session_id: tok("s-1"),
            link_id: tok(&"L".repeat(64)),
            presenter: presenter(with_org),
        })
    };
    vec![
        start(true),
        start(false),
        ToPlugin::Run(Empty {}),
        ToPlugin::AdvancedSettings(Empty {}),
        ToPlugin::PresenterChange(presenter(true)),
        ToPlugin::PresenterInfo(presenter(false)),
        ToPlugin::Ping(Empty {}),
        ToPlugin::Error(error_body(ErrorCode::NotPresenter)),
        ToPlugin::Stop(StopInfo {
            reason: "host stopping".into(),
        }),
    ]
}

fn to_session_samples() -> Vec<ToSession> {
    let mut v = vec![
        ToSession::Ready(Empty {}),
        ToSession::PresenterInfoRequest(Empty {}),
        ToSession::Pong(Empty {}),
        ToSession::Error(error_body(ErrorCode::BadRequest)),
    ];
    for (kind, text) in [
        (NotificationType::Message, "plain"),
        (NotificationType::Success, "héllo ✓"),
        (NotificationType::Warning, ""),
        (NotificationType::Error, "failed"),
    ] {
        v.push(ToSession::Notification(Notification {
            kind,
            text: text.into(),
        }));
    }
    v.extend(close_reasons().into_iter().map(ToSession::Closed));
    v
}

fn ctl_request_samples() -> Vec<CtlRequest> {
    let mut v = vec![
        CtlRequest::PluginRegister(Register {
            key: String::new(),
            host_id: tok("h1"),
            metadata: metadata(),
            capacity: 8,
        }),
        CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
            links: 0,
        }),
        CtlRequest::PluginDeregister(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlRequest::PluginList(Empty {}),
        CtlRequest::SessionOpen(SessionOpen {
            room: "Room 1".into(),
            user: user(true),
        }),
        CtlRequest::SessionOpen(SessionOpen {
            room: String::new(),
            user: user(false),
        }),
        CtlRequest::SessionJoin(SessionJoin {
            session_id: tok("s-1"),
            user: user(false),
        }),
        CtlRequest::SessionLeave(UserAuth {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
        }),
        CtlRequest::SessionPresenter(PresenterHandover {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            to: tok("u2"),
        }),
        CtlRequest::LinkOpen(LinkOpen {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            plugin: "Hello Plugin".into(),
        }),
        CtlRequest::LinkClose(LinkClose {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            link_id: tok("l1"),
        }),
    ];
    v.extend(close_reasons().into_iter().map(|reason| {
        CtlRequest::LinkClosed(LinkClosedReport {
            link_id: tok("l1"),
            host_id: tok("h1"),
            reason,
        })
    }));
    v
}

fn ctl_reply_samples() -> Vec<CtlReply> {
    vec![
        CtlReply::PluginRegistered(Registered {
            plugin_id: tok("p_hello"),
            lease_ms: 15_000,
        }),
        CtlReply::PluginList(PluginList::default()),
        CtlReply::PluginList(PluginList {
            plugins: vec![
                plugin_info(0),
                PluginInfo {
                    metadata: metadata(),
                    ..plugin_info(3)
                },
            ],
        }),
        CtlReply::SessionOpened(SessionOpened {
            session_id: tok("s-1"),
            user_id: tok("u1"),
            token: tok("secret_TOKEN"),
            presenter: tok("u1"),
            presenter_info: presenter(true),
        }),
        CtlReply::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlReply::Ok(Empty {}),
        CtlReply::Error(error_body(ErrorCode::AtCapacity)),
    ]
}

fn host_request_samples() -> Vec<HostRequest> {
    let mut v = vec![HostRequest::LinkOffer(LinkOffer {
        link_id: tok("l1"),
        session_id: tok("s-1"),
        plugin_id: tok("p_hello"),
        presenter: presenter(true),
    })];
    v.extend(close_reasons().into_iter().map(|reason| {
        HostRequest::LinkClose(LinkCloseOrder {
            link_id: tok("l1"),
            reason,
        })
    }));
    v
}

fn host_reply_samples() -> Vec<HostReply> {
    vec![
        HostReply::LinkAccepted(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        HostReply::LinkDeclined(Declined {
            host_id: tok("h1"),
            reason: error_body(ErrorCode::AtCapacity),
        }),
        HostReply::Ok(Empty {}),
        HostReply::Error(error_body(ErrorCode::Internal)),
    ]
}

fn event_samples() -> Vec<Event> {
    let mut v = vec![
        Event::PluginRegistered(PluginInfo {
            metadata: metadata(),
            ..plugin_info(1)
        }),
        Event::PluginRemoved(PluginRemoved {
            plugin_id: tok("p_hello"),
            reason: "lease expired".into(),
        }),
        Event::SessionMembers(SessionMembers { members: vec![] }),
        Event::SessionMembers(SessionMembers {
            members: vec![
                Member {
                    user_id: tok("u1"),
                    name: "Ada".into(),
                },
                Member {
                    user_id: tok("u2"),
                    name: "Grace".into(),
                },
            ],
        }),
        Event::SessionPresenter(SessionPresenter {
            user_id: tok("u2"),
            presenter: presenter(false),
        }),
        Event::SessionClosed(Empty {}),
        Event::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
    ];
    v.extend(close_reasons().into_iter().map(|reason| {
        Event::LinkClosed(LinkClosedEvent {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            reason,
        })
    }));
    v
}

/// Validates every sample (with a few ids each) against `root`, checks the Rust
/// decoder round-trips it, and checks the samples cover exactly `M::KINDS`.
fn check_family<M: Message + Clone + PartialEq + std::fmt::Debug>(
    root: &str,
    plane: &str,
    samples: Vec<M>,
) {
    let schema = Schema::new(root, plane);
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for msg in samples {
        covered.insert(msg.kind());
        for id in [0, 1, u64::MAX] {
            let env = Envelope::with_id(id, msg.clone());
            let bytes = encode(&env);
            assert_eq!(decode::<M>(&bytes, 1 << 20).as_ref(), Ok(&env));
            if let Err(e) = schema.validate(&bytes) {
                failures.push(format!("{}: {env:?}\n  {e}", schema.root));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "valid messages rejected by the schema:\n{}",
        failures.join("\n")
    );
    let all: BTreeSet<&str> = M::KINDS.iter().copied().collect();
    assert_eq!(
        covered, all,
        "{root}: samples must cover every kind (add a sample and a schema rule)"
    );
}

#[test]
fn to_plugin_matches_schema() {
    check_family("to-plugin", LINK, to_plugin_samples());
}

#[test]
fn to_session_matches_schema() {
    check_family("to-session", LINK, to_session_samples());
}

#[test]
fn ctl_request_matches_schema() {
    check_family("ctl-request", CONTROL, ctl_request_samples());
}

#[test]
fn ctl_reply_matches_schema() {
    check_family("ctl-reply", CONTROL, ctl_reply_samples());
}

#[test]
fn host_request_matches_schema() {
    check_family("host-request", CONTROL, host_request_samples());
}

#[test]
fn host_reply_matches_schema() {
    check_family("host-reply", CONTROL, host_reply_samples());
}

#[test]
fn event_matches_schema() {
    check_family("event", CONTROL, event_samples());
}

// ---- hand-built envelopes ------------------------------------------------------------

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.into()), v))
            .collect(),
    )
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn envelope(version: i64, kind: &str, id: i64, body: Value) -> Value {
    map(vec![
        ("version", int(version)),
        ("kind", text(kind)),
        ("id", int(id)),
        ("body", body),
    ])
}

fn presenter_value() -> Value {
    map(vec![
        ("account_id", text("a1")),
        ("account_name", text("Ann")),
        ("account_email", text("")),
    ])
}

/// A malformed envelope must be rejected by the schema and by the Rust decoder.
fn assert_rejected<M: Message + std::fmt::Debug>(what: &str, root: &str, plane: &str, v: Value) {
    let bytes = cbor(&v);
    assert!(
        Schema::new(root, plane).validate(&bytes).is_err(),
        "schema {root} accepted {what}: {v:?}"
    );
    assert!(
        decode::<M>(&bytes, 1 << 20).is_err(),
        "Rust decoder accepted {what}: {v:?}"
    );
}

#[test]
fn schema_rejects_a_wrong_typed_body() {
    let shout = envelope(
        1,
        "notification",
        0,
        map(vec![("type", text("shout")), ("text", text("hi"))]),
    );
    assert_rejected::<ToSession>("notification type \"shout\"", "to-session", LINK, shout);
    let text_as_int = envelope(
        1,
        "notification",
        0,
        map(vec![("type", text("message")), ("text", int(3))]),
    );
    assert_rejected::<ToSession>("integer text", "to-session", LINK, text_as_int);
    let bad_exit = envelope(
        1,
        "closed",
        0,
        map(vec![
            ("code", text("instance_crashed")),
            ("message", text("boom")),
            ("exit_code", int(i64::from(i32::MAX) + 1)),
        ]),
    );
    assert_rejected::<ToSession>("exit_code beyond i32", "to-session", LINK, bad_exit);
    let bad_org = envelope(
        1,
        "presenter_change",
        0,
        map(vec![
            ("account_id", text("a1")),
            ("account_name", text("Ann")),
            ("account_email", text("")),
            (
                "org",
                map(vec![("id", text("seven")), ("name", text("Org"))]),
            ),
        ]),
    );
    assert_rejected::<ToPlugin>("org with a text id", "to-plugin", LINK, bad_org);
    let bad_user = envelope(
        1,
        "session.open",
        0,
        map(vec![
            ("room", text("R")),
            ("user", map(vec![("name", int(1))])),
        ]),
    );
    assert_rejected::<CtlRequest>(
        "user with an integer name",
        "ctl-request",
        CONTROL,
        bad_user,
    );
}

#[test]
fn schema_rejects_a_missing_key() {
    let no_email = envelope(
        1,
        "presenter_info",
        1,
        map(vec![
            ("account_id", text("a1")),
            ("account_name", text("Ann")),
        ]),
    );
    assert_rejected::<ToPlugin>(
        "presenter without account_email",
        "to-plugin",
        LINK,
        no_email,
    );
    let no_id = map(vec![
        ("version", int(1)),
        ("kind", text("ping")),
        ("body", map(vec![])),
    ]);
    // The Rust decoder defaults a missing id to 0, so only the schema is checked here.
    let schema = Schema::new("to-plugin", LINK);
    assert!(schema.validate(&cbor(&no_id)).is_err());
    let no_body = map(vec![
        ("version", int(1)),
        ("kind", text("ping")),
        ("id", int(0)),
    ]);
    assert_rejected::<ToPlugin>("envelope without body", "to-plugin", LINK, no_body);
    // Guards the quoted "token" key: a bareword `token: token` would accept any key.
    let no_token = envelope(
        1,
        "session.leave",
        0,
        map(vec![("session_id", text("s1")), ("secret", text("t1"))]),
    );
    assert_rejected::<CtlRequest>(
        "session.leave without token",
        "ctl-request",
        CONTROL,
        no_token,
    );
    let no_reason = envelope(1, "link.close", 4, map(vec![("link_id", text("l1"))]));
    assert_rejected::<HostRequest>(
        "link.close without reason",
        "host-request",
        CONTROL,
        no_reason,
    );
}

#[test]
fn schema_rejects_other_versions() {
    for version in [0, 2] {
        let v = envelope(version, "run", 4, map(vec![]));
        assert_rejected::<ToPlugin>("another version", "to-plugin", LINK, v);
    }
}

#[test]
fn schema_rejects_bad_tokens_kinds_and_ids() {
    for bad in ["", "a.b", "s>", "x y", &"x".repeat(65)] {
        let v = envelope(
            1,
            "start",
            0,
            map(vec![
                ("plugin_id", text("p1")),
                ("plugin_name", text("P")),
                ("session_id", text(bad)),
                ("link_id", text("l1")),
                ("presenter", presenter_value()),
            ]),
        );
        assert_rejected::<ToPlugin>(&format!("session_id {bad:?}"), "to-plugin", LINK, v);
    }
    let unknown = envelope(1, "teleport", 0, map(vec![]));
    assert_rejected::<ToPlugin>("unknown kind", "to-plugin", LINK, unknown);
    let wrong_direction = envelope(1, "pong", 3, map(vec![]));
    assert_rejected::<ToPlugin>("a to-session kind", "to-plugin", LINK, wrong_direction);
    let negative_id = envelope(1, "ping", -1, map(vec![]));
    assert_rejected::<ToPlugin>("negative id", "to-plugin", LINK, negative_id);
    // `empty` is a closed map. (The Rust decoder ignores unknown keys, so schema only.)
    let run_with_body = envelope(1, "run", 0, presenter_value());
    let schema = Schema::new("to-plugin", LINK);
    assert!(schema.validate(&cbor(&run_with_body)).is_err());
    // A body of another kind of the same family.
    let crossed = envelope(1, "presenter_info", 2, map(vec![("reason", text("x"))]));
    assert_rejected::<ToPlugin>(
        "presenter_info with a stop body",
        "to-plugin",
        LINK,
        crossed,
    );
}

#[test]
fn schema_accepts_what_decoders_default() {
    // Metadata with only a name: every other field has a serde default.
    let v = envelope(
        1,
        "plugin.register",
        2,
        map(vec![
            ("key", text("")),
            ("host_id", text("h1")),
            ("metadata", map(vec![("name", text("Bare"))])),
            ("capacity", int(1)),
        ]),
    );
    let bytes = cbor(&v);
    Schema::new("ctl-request", CONTROL)
        .validate(&bytes)
        .unwrap();
    // The crate's one-shot entry point agrees.
    validate("ctl-request", CONTROL, &bytes).unwrap();
    decode::<CtlRequest>(&bytes, 1 << 20).unwrap();
    // Keys in another order than the canonical one.
    let v = map(vec![
        ("body", presenter_value()),
        ("id", int(9)),
        ("kind", text("presenter_info")),
        ("version", int(1)),
    ]);
    let bytes = cbor(&v);
    validate("to-plugin", LINK, &bytes).unwrap();
    decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
}
