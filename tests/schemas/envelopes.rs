//! Hand-built envelopes: CBOR value helpers, and the schema rejecting wrong types,
//! missing keys, other versions, bad tokens, kinds and ids.

use crate::{CONTROL, LINK, Plane, Schema, validate};
use ciborium::Value;
use nts::api::control::*;
use nts::api::link::*;
use nts::wire::{Message, decode};

pub(crate) fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

pub(crate) fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.into()), v))
            .collect(),
    )
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.into())
}

pub(crate) fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

pub(crate) fn envelope(version: i64, kind: &str, id: i64, body: Value) -> Value {
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
pub(crate) fn assert_rejected<M: Message + std::fmt::Debug>(
    what: &str,
    root: &str,
    plane: Plane,
    v: Value,
) {
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
