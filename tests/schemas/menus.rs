//! Hand-built menus and UI messages, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::samples::menu::PNG;
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::api::ui::*;
use nts::wire::decode;

/// `entries` with `key` set to `value` (replaced in place, or appended), or removed.
pub(crate) fn with(
    mut entries: Vec<(&'static str, Value)>,
    key: &'static str,
    value: Option<Value>,
) -> Vec<(&'static str, Value)> {
    match (entries.iter().position(|(k, _)| *k == key), value) {
        (Some(i), Some(v)) => entries[i].1 = v,
        (Some(i), None) => {
            entries.remove(i);
        }
        (None, Some(v)) => entries.push((key, v)),
        (None, None) => {}
    }
    entries
}

/// A `menu_update` envelope showing this menu map.
fn menu_update(menu: Value) -> Value {
    envelope(1, "menu_update", 0, map(vec![("menu", menu)]))
}

/// A `content_update` envelope with these content maps.
fn content_update(content: Vec<Value>) -> Value {
    envelope(
        1,
        "content_update",
        0,
        map(vec![("content", array(content))]),
    )
}

/// A content map: `{type: kind, fields...}`.
fn content_value(kind: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![("type", text(kind))];
    entries.extend(fields);
    map(entries)
}

/// A menu whose root's child shows a list, whose one item shows `content`.
fn menu_with_item(content: Value) -> Value {
    let item = map(vec![("id", int(8)), ("content", content)]);
    let list = content_value("list", vec![("id", int(7)), ("items", array(vec![item]))]);
    let child = map(vec![("id", int(6)), ("content", list)]);
    map(vec![
        ("index", int(1)),
        (
            "root",
            map(vec![("id", int(5)), ("children", array(vec![child]))]),
        ),
    ])
}

/// An event about content `content_id` with these fields.
fn ui_event(kind: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![("content_id", int(13))];
    entries.extend(fields);
    envelope(1, kind, 0, map(entries))
}

#[test]
fn schema_accepts_hand_built_menus() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    // A hand-written menu needs only what it changes: the decoder defaults the rest.
    let session = Schema::new("to-session", LINK);
    let button = content_value("button", vec![("id", int(9))]);
    let dropdown = content_value(
        "dropdown",
        vec![(
            "items",
            array(vec![map(vec![("name", text("UFF"))]), map(vec![])]),
        )],
    );
    for v in [
        menu_update(menu_with_item(button.clone())),
        menu_update(menu_with_item(dropdown)),
        menu_update(map(vec![])),
        content_update(vec![
            content_value(
                "button",
                vec![(
                    "text",
                    map(vec![("value", map(vec![("idle", text("Run"))]))]),
                )],
            ),
            content_value("text_input", vec![("number", Value::Bool(true))]),
            content_value("image", vec![("data", Value::Bytes(PNG.to_vec()))]),
            content_value("loading_bar", vec![]),
        ]),
        envelope(1, "menu_transform_request", 2, map(vec![("index", int(0))])),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let env = decode::<ToSession>(&cbor(&menu_update(menu_with_item(button))), 1 << 20).unwrap();
    let ToSession::MenuUpdate(update) = env.msg else {
        panic!("not a menu_update: {env:?}")
    };
    assert!(!update.shallow && update.menu.enabled && update.menu.width == 0.7);
    let Some(Content::Button(b)) = update.menu.find_content(9) else {
        panic!("no button 9 in {update:?}")
    };
    assert_eq!(b.label(), "text");
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        ui_event("text_submit", vec![("text", text("CCO"))]),
        ui_event("dropdown_item_click", vec![("item", int(2))]),
        ui_event(
            "image_hold",
            vec![("x", Value::Float(0.5)), ("y", Value::Float(0.5))],
        ),
    ] {
        let bytes = cbor(&v);
        plugin
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
    }
}

#[test]
fn schema_rejects_malformed_ui_messages() {
    for bad in ["hologram", "Button", "text", "ui_mesh", ""] {
        let v = content_update(vec![content_value(bad, vec![("id", int(1))])]);
        assert_rejected::<ToSession>(&format!("content type {bad:?}"), "to-session", LINK, v);
    }
    let untagged = content_update(vec![map(vec![("id", int(1))])]);
    assert_rejected::<ToSession>("content without type", "to-session", LINK, untagged);
    // Content deep in the tree (a list item's) is checked too.
    let deep = menu_update(menu_with_item(content_value("hologram", vec![])));
    assert_rejected::<ToSession>(
        "a list item with an unknown content type",
        "to-session",
        LINK,
        deep,
    );
    let deep_field = menu_update(menu_with_item(content_value(
        "slider",
        vec![("current_value", text("half"))],
    )));
    assert_rejected::<ToSession>(
        "a list item's slider with a text value",
        "to-session",
        LINK,
        deep_field,
    );
    let text_root = menu_update(map(vec![("root", text("tree"))]));
    assert_rejected::<ToSession>("a menu whose root is a text", "to-session", LINK, text_root);
    let big_index = menu_update(map(vec![("index", int(256))]));
    assert_rejected::<ToSession>("a menu index beyond u8", "to-session", LINK, big_index);
    let no_menu = envelope(
        1,
        "menu_update",
        0,
        map(vec![("shallow", Value::Bool(true))]),
    );
    assert_rejected::<ToSession>("menu_update without menu", "to-session", LINK, no_menu);
    let diagonal = menu_update(map(vec![(
        "root",
        map(vec![("layout_orientation", text("diagonal"))]),
    )]));
    assert_rejected::<ToSession>("orientation \"diagonal\"", "to-session", LINK, diagonal);
    let short_padding = menu_update(map(vec![(
        "root",
        map(vec![("padding", array(vec![Value::Float(0.0); 3]))]),
    )]));
    assert_rejected::<ToSession>("a 3-element padding", "to-session", LINK, short_padding);
    let text_bold = content_update(vec![content_value(
        "button",
        vec![(
            "text",
            map(vec![("bold", map(vec![("idle", text("yes"))]))]),
        )],
    )]);
    assert_rejected::<ToSession>("a bold state as a text", "to-session", LINK, text_bold);
    let no_index = envelope(1, "menu_transform_request", 2, map(vec![]));
    assert_rejected::<ToSession>(
        "menu_transform_request without index",
        "to-session",
        LINK,
        no_index,
    );
    // Events.
    let text_item = ui_event("dropdown_item_click", vec![("item", text("2"))]);
    assert_rejected::<ToPlugin>("a dropdown item as a text", "to-plugin", LINK, text_item);
    let negative_item = ui_event("dropdown_item_click", vec![("item", int(-1))]);
    assert_rejected::<ToPlugin>("a negative dropdown item", "to-plugin", LINK, negative_item);
    let no_text = ui_event("text_submit", vec![("value", text("CCO"))]);
    assert_rejected::<ToPlugin>("text_submit without text", "to-plugin", LINK, no_text);
    let no_state = ui_event("button_press", vec![]);
    assert_rejected::<ToPlugin>("button_press without state", "to-plugin", LINK, no_state);
    // Menus and events go one way each: instances update, sessions report.
    let press_to_session = ui_event("button_press", vec![("state", Value::Bool(true))]);
    assert_rejected::<ToSession>(
        "button_press to the session",
        "to-session",
        LINK,
        press_to_session,
    );
    let update_to_plugin = menu_update(map(vec![]));
    assert_rejected::<ToPlugin>(
        "menu_update to an instance",
        "to-plugin",
        LINK,
        update_to_plugin,
    );
    // Schema only: content maps are closed (the Rust decoder ignores unknown keys), and
    // image data must be a byte string (the Rust decoder, going through serde's buffer
    // for the `type`-tagged content, takes a text as its UTF-8 bytes).
    let session = Schema::new("to-session", LINK);
    for (what, v) in [
        (
            "a button with a slider's field",
            content_update(vec![content_value(
                "button",
                vec![("current_value", Value::Float(0.5))],
            )]),
        ),
        (
            "image data as a text",
            content_update(vec![content_value("image", vec![("data", text("PNG"))])]),
        ),
    ] {
        assert!(
            session.validate(&cbor(&v)).is_err(),
            "schema accepted {what}"
        );
        decode::<ToSession>(&cbor(&v), 1 << 20)
            .unwrap_or_else(|e| panic!("decoder now refuses {what}: {e:?}"));
    }
}
