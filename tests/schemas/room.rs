//! Hand-built room messages, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::api::room::*;
use nts::wire::decode;

/// A pose body with the given rotation.
fn pose_value(rotation: Vec<Value>) -> Value {
    map(vec![
        (
            "position",
            array(vec![
                Value::Float(0.0),
                Value::Float(1.6),
                Value::Float(0.0),
            ]),
        ),
        ("rotation", array(rotation)),
    ])
}

fn identity_value() -> Vec<Value> {
    [0.0, 0.0, 0.0, 1.0].map(Value::Float).into()
}

/// A `controller_transforms` envelope whose left controller has `left` as its pose.
fn controller_transforms(left: Value) -> Value {
    envelope(
        1,
        "controller_transforms",
        3,
        map(vec![
            ("head", pose_value(identity_value())),
            ("left", left),
            ("right", pose_value(identity_value())),
        ]),
    )
}

fn set_plugin_list_button(fields: Vec<(&str, Value)>) -> Value {
    envelope(1, "set_plugin_list_button", 0, map(fields))
}

#[test]
fn schema_accepts_hand_built_room_messages() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let session = Schema::new("to-session", LINK);
    for v in [
        envelope(1, "set_skybox", 0, map(vec![("skybox", text("graydient"))])),
        set_plugin_list_button(vec![
            ("button", text("advanced_settings")),
            ("text", text("Options")),
            ("usable", Value::Bool(true)),
        ]),
        envelope(
            1,
            "macro_save",
            2,
            map(vec![("title", text("m")), ("logic", text("print(1)"))]),
        ),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let bytes = cbor(&controller_transforms(pose_value(identity_value())));
    Schema::new("to-plugin", LINK).validate(&bytes).unwrap();
    decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
}

#[test]
fn schema_accepts_room_messages_with_defaults_omitted() {
    let session = Schema::new("to-session", LINK);
    // `desktop_browser` defaults to false.
    let bytes = cbor(&envelope(
        1,
        "open_url",
        0,
        map(vec![("url", text("example.org"))]),
    ));
    session.validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    let ToSession::OpenUrl(open) = env.msg else {
        panic!("not an open_url: {env:?}")
    };
    assert!(!open.desktop_browser);
    // A button with neither text nor usable: both keep their value.
    let bytes = cbor(&set_plugin_list_button(vec![("button", text("run"))]));
    session.validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    assert_eq!(
        env.msg,
        ToSession::SetPluginListButton(SetPluginListButton {
            button: PluginListButton::Run,
            text: None,
            usable: None,
        })
    );
}

#[test]
fn schema_rejects_malformed_room_messages() {
    for bad in ["space", "blueSkiesAndClouds", ""] {
        let v = envelope(1, "set_skybox", 0, map(vec![("skybox", text(bad))]));
        assert_rejected::<ToSession>(&format!("skybox {bad:?}"), "to-session", LINK, v);
    }
    let no_skybox = envelope(1, "set_skybox", 0, map(vec![]));
    assert_rejected::<ToSession>("set_skybox without skybox", "to-session", LINK, no_skybox);
    let short_quat = controller_transforms(pose_value([0.0, 0.0, 1.0].map(Value::Float).into()));
    assert_rejected::<ToPlugin>(
        "a pose with a 3-element rotation",
        "to-plugin",
        LINK,
        short_quat,
    );
    let no_position = controller_transforms(map(vec![("rotation", array(identity_value()))]));
    assert_rejected::<ToPlugin>("a pose without position", "to-plugin", LINK, no_position);
    let no_right = envelope(
        1,
        "controller_transforms",
        3,
        map(vec![
            ("head", pose_value(identity_value())),
            ("left", pose_value(identity_value())),
        ]),
    );
    assert_rejected::<ToPlugin>("transforms without right", "to-plugin", LINK, no_right);
    for kind in ["macro_save", "macro_run"] {
        let no_logic = envelope(1, kind, 2, map(vec![("title", text("m"))]));
        assert_rejected::<ToSession>(
            &format!("{kind} without logic"),
            "to-session",
            LINK,
            no_logic,
        );
    }
    let no_title = envelope(1, "macro_delete", 2, map(vec![]));
    assert_rejected::<ToSession>("macro_delete without title", "to-session", LINK, no_title);
    let logicless = envelope(
        1,
        "macros",
        2,
        map(vec![(
            "macros",
            array(vec![map(vec![("title", text("m"))])]),
        )]),
    );
    assert_rejected::<ToPlugin>("a listed macro without logic", "to-plugin", LINK, logicless);
    let no_button = set_plugin_list_button(vec![("text", text("Go"))]);
    assert_rejected::<ToSession>(
        "set_plugin_list_button without button",
        "to-session",
        LINK,
        no_button,
    );
    let cancel = set_plugin_list_button(vec![("button", text("cancel"))]);
    assert_rejected::<ToSession>("button \"cancel\"", "to-session", LINK, cancel);
    let int_usable = set_plugin_list_button(vec![("button", text("run")), ("usable", int(1))]);
    assert_rejected::<ToSession>("an integer usable", "to-session", LINK, int_usable);
    let no_url = envelope(
        1,
        "open_url",
        0,
        map(vec![("desktop_browser", Value::Bool(true))]),
    );
    assert_rejected::<ToSession>("open_url without url", "to-session", LINK, no_url);
    // Room messages go one way each.
    let request_to_plugin = envelope(1, "controller_transforms_request", 3, map(vec![]));
    assert_rejected::<ToPlugin>(
        "controller_transforms_request to an instance",
        "to-plugin",
        LINK,
        request_to_plugin,
    );
    let macros_to_session = envelope(1, "macros", 2, map(vec![("macros", array(vec![]))]));
    assert_rejected::<ToSession>(
        "macros to the session",
        "to-session",
        LINK,
        macros_to_session,
    );
    // The body is a closed map: an unknown key is refused. (The Rust decoder ignores
    // unknown keys, so schema only.) The quoted "text" key is kept honest by the valid
    // samples that carry a text: with a bareword `text: tstr` the crate rejects them.
    let label = set_plugin_list_button(vec![("button", text("run")), ("label", text("Go"))]);
    assert!(
        Schema::new("to-session", LINK)
            .validate(&cbor(&label))
            .is_err(),
        "schema accepted a button with a `label` key"
    );
}
