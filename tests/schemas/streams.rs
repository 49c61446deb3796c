//! Hand-built streams, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::api::stream::*;
use nts::wire::decode;

/// A `stream_feed` body: stream `stream_id` (if any) and `data` (if any).
fn feed_body(stream_id: Option<i64>, data: Option<Value>) -> Value {
    let mut entries = vec![];
    if let Some(id) = stream_id {
        entries.push(("stream_id", int(id)));
    }
    if let Some(data) = data {
        entries.push(("data", data));
    }
    map(entries)
}

/// Stream data `{type, values}`.
fn stream_data(kind: &str, values: Value) -> Value {
    map(vec![("type", text(kind)), ("values", values)])
}

/// A `stream_feed` envelope of stream 1 with `data`.
fn feed(data: Value) -> Value {
    envelope(1, "stream_feed", 0, feed_body(Some(1), Some(data)))
}

fn stream_create(kind: &str, direction: Option<&str>) -> Value {
    let mut body = vec![("kind", text(kind))];
    if let Some(direction) = direction {
        body.push(("direction", text(direction)));
    }
    body.push(("indices", array(vec![int(1001), int(-1)])));
    envelope(1, "stream_create", 4, map(body))
}

#[test]
fn schema_accepts_hand_built_streams() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let session = Schema::new("to-session", LINK);
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        stream_create("position", Some("reading")),
        feed(stream_data("float", Value::Bytes(vec![0; 12]))),
        feed(stream_data("byte", Value::Bytes(vec![1, 2, 3]))),
        feed(stream_data("string", array(vec![text("CA")]))),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    for v in [
        feed(stream_data("float", Value::Bytes(vec![0; 4]))),
        envelope(
            1,
            "stream_interrupt",
            0,
            map(vec![("stream_id", int(1)), ("reason", text("crashed"))]),
        ),
    ] {
        let bytes = cbor(&v);
        plugin
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
    }
    // `direction` defaults to writing.
    let bytes = cbor(&stream_create("label", None));
    session.validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    let ToSession::StreamCreate(create) = env.msg else {
        panic!("not a stream_create: {env:?}")
    };
    assert_eq!(create.direction, StreamDirection::Writing);
}

#[test]
fn ragged_float_values_are_refused_by_the_decoder_only() {
    // A float frame must be a whole number of little-endian f32: 4 bytes each. CDDL's
    // .size only bounds a length, it cannot say "a multiple of 4" (see stream.cddl), so
    // the schema accepts 7 bytes and the Rust decoder is what refuses them, both ways.
    for len in [1, 7, 13] {
        let ragged = cbor(&feed(stream_data("float", Value::Bytes(vec![0; len]))));
        for root in ["to-session", "to-plugin"] {
            Schema::new(root, LINK)
                .validate(&ragged)
                .unwrap_or_else(|e| panic!("{root} now checks f32 lengths: {e}"));
        }
        assert!(
            decode::<ToSession>(&ragged, 1 << 20).is_err(),
            "{len} bytes"
        );
        assert!(decode::<ToPlugin>(&ragged, 1 << 20).is_err(), "{len} bytes");
    }
    // Bytes have no such constraint.
    let odd_bytes = cbor(&feed(stream_data("byte", Value::Bytes(vec![0; 7]))));
    decode::<ToSession>(&odd_bytes, 1 << 20).unwrap();
}

#[test]
fn schema_rejects_malformed_streams() {
    let rotation = stream_create("rotation", None);
    assert_rejected::<ToSession>("stream kind \"rotation\"", "to-session", LINK, rotation);
    let camel = stream_create("complexPositionRotation", Some("writing"));
    assert_rejected::<ToSession>("a camelCase stream kind", "to-session", LINK, camel);
    let both = stream_create("color", Some("both"));
    assert_rejected::<ToSession>("direction \"both\"", "to-session", LINK, both);
    let no_indices = envelope(1, "stream_create", 4, map(vec![("kind", text("scale"))]));
    assert_rejected::<ToSession>(
        "stream_create without indices",
        "to-session",
        LINK,
        no_indices,
    );
    let floats = || Some(stream_data("float", Value::Bytes(vec![0; 12])));
    let no_id = envelope(1, "stream_feed", 0, feed_body(None, floats()));
    assert_rejected::<ToSession>("feed without stream_id", "to-session", LINK, no_id.clone());
    assert_rejected::<ToPlugin>("feed without stream_id", "to-plugin", LINK, no_id);
    let no_data = envelope(1, "stream_feed", 0, feed_body(Some(1), None));
    assert_rejected::<ToSession>("feed without data", "to-session", LINK, no_data);
    let beyond_u32 = envelope(
        1,
        "stream_feed",
        0,
        feed_body(Some(i64::from(u32::MAX) + 1), floats()),
    );
    assert_rejected::<ToSession>("a stream_id beyond u32", "to-session", LINK, beyond_u32);
    let negative = envelope(1, "stream_feed", 0, feed_body(Some(-1), floats()));
    assert_rejected::<ToPlugin>("a negative stream_id", "to-plugin", LINK, negative);
    let float_array = feed(stream_data(
        "float",
        array(vec![Value::Float(1.0), Value::Float(2.0)]),
    ));
    assert_rejected::<ToSession>("floats as an array", "to-session", LINK, float_array);
    let text_bytes = feed(stream_data("string", Value::Bytes(b"CA".to_vec())));
    assert_rejected::<ToSession>("labels as bytes", "to-session", LINK, text_bytes);
    let text_floats = feed(stream_data("float", array(vec![text("1.0")])));
    assert_rejected::<ToSession>("floats as texts", "to-session", LINK, text_floats);
    let double = feed(stream_data("double", Value::Bytes(vec![0; 8])));
    assert_rejected::<ToSession>("data type \"double\"", "to-session", LINK, double);
    let no_values = feed(map(vec![("type", text("byte"))]));
    assert_rejected::<ToSession>("data without values", "to-session", LINK, no_values);
    let untagged = feed(Value::Bytes(vec![0; 12]));
    assert_rejected::<ToSession>("untagged data", "to-session", LINK, untagged);
    let no_stream = envelope(1, "stream_destroy", 0, map(vec![]));
    assert_rejected::<ToSession>("destroy without stream_id", "to-session", LINK, no_stream);
    let int_type = envelope(
        1,
        "stream_created",
        4,
        map(vec![("stream_id", int(1)), ("data_type", text("int"))]),
    );
    assert_rejected::<ToPlugin>("data type \"int\"", "to-plugin", LINK, int_type);
    let timeout = envelope(
        1,
        "stream_interrupt",
        0,
        map(vec![("stream_id", int(1)), ("reason", text("timeout"))]),
    );
    assert_rejected::<ToPlugin>("reason \"timeout\"", "to-plugin", LINK, timeout);
    // Streams go one way each: instances create and destroy, sessions interrupt.
    let created_to_session = envelope(
        1,
        "stream_created",
        4,
        map(vec![("stream_id", int(1)), ("data_type", text("float"))]),
    );
    assert_rejected::<ToSession>(
        "stream_created to the session",
        "to-session",
        LINK,
        created_to_session,
    );
    let create_to_plugin = stream_create("scale", None);
    assert_rejected::<ToPlugin>(
        "stream_create to an instance",
        "to-plugin",
        LINK,
        create_to_plugin,
    );
}
