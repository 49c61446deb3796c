//! Hand-built analysis, volume and interaction messages, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::menus::with;
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::api::volume::*;
use nts::wire::decode;

/// A 1×1×2 volume's grid with the keys it needs.
fn volume_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("width", int(1)),
        ("height", int(1)),
        ("depth", int(2)),
        ("mean", Value::Float(0.5)),
        ("rmsd", Value::Float(0.5)),
        (
            "data",
            Value::Bytes([0.0f32, 1.0].map(f32::to_le_bytes).concat()),
        ),
    ]
}

/// An `add_volume` envelope with an empty complex and this grid.
fn add_volume(volume: Vec<(&'static str, Value)>) -> Value {
    envelope(
        1,
        "add_volume",
        2,
        map(vec![("complex", map(vec![])), ("volume", map(volume))]),
    )
}

/// A hydrogen bond between two atoms, with the keys it needs.
fn interaction_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("kind", text("hydrogen_bond")),
        ("atom1", array(vec![int(1001)])),
        ("atom2", array(vec![int(2001)])),
    ]
}

/// An `interactions_create` envelope with one interaction.
fn interactions_create(fields: Vec<(&'static str, Value)>) -> Value {
    envelope(
        1,
        "interactions_create",
        2,
        map(vec![("interactions", array(vec![map(fields)]))]),
    )
}

#[test]
fn schema_accepts_hand_built_analysis_volumes_and_interactions() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    // Keys with defaults are omitted.
    let session = Schema::new("to-session", LINK);
    for v in [
        envelope(
            1,
            "substructure_request",
            2,
            map(vec![("molecule", int(1000))]),
        ),
        envelope(1, "complex_hook", 2, map(vec![("index", int(3))])),
        envelope(
            1,
            "apply_color_scheme",
            0,
            map(vec![
                ("scheme", text("b_factor_af")),
                ("target", text("all")),
            ]),
        ),
        add_volume(volume_fields()),
        interactions_create(interaction_fields()),
        envelope(1, "interactions_request", 2, map(vec![])),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let bytes = cbor(&add_volume(volume_fields()));
    let ToSession::AddVolume(added) = decode::<ToSession>(&bytes, 1 << 20).unwrap().msg else {
        panic!("not an add_volume")
    };
    assert_eq!(added.align_to, -1);
    assert_eq!(added.properties, VolumeProperties::default());
    assert_eq!(added.volume.validate(), Ok(()));
}

#[test]
fn schema_rejects_malformed_analysis_volumes_and_interactions() {
    let substructures = |fields| envelope(1, "substructure_request", 2, map(fields));
    for bad in ["cofactor", "Protein", ""] {
        let v = substructures(vec![("molecule", int(1000)), ("kind", text(bad))]);
        assert_rejected::<ToSession>(&format!("substructure kind {bad:?}"), "to-session", LINK, v);
    }
    let no_molecule = substructures(vec![("kind", text("ligand"))]);
    assert_rejected::<ToSession>(
        "substructure_request without molecule",
        "to-session",
        LINK,
        no_molecule,
    );
    for (scheme, target) in [
        ("b-factor", "all"),
        ("BFactor", "all"),
        ("element", "atoms"),
    ] {
        let v = envelope(
            1,
            "apply_color_scheme",
            0,
            map(vec![("scheme", text(scheme)), ("target", text(target))]),
        );
        assert_rejected::<ToSession>(
            &format!("colour scheme {scheme:?} on {target:?}"),
            "to-session",
            LINK,
            v,
        );
    }
    let no_index = envelope(
        1,
        "complex_hook",
        2,
        map(vec![("updated", Value::Bool(true))]),
    );
    assert_rejected::<ToSession>("complex_hook without index", "to-session", LINK, no_index);
    let no_complex = envelope(
        1,
        "add_volume",
        2,
        map(vec![("volume", map(volume_fields()))]),
    );
    assert_rejected::<ToSession>("add_volume without complex", "to-session", LINK, no_complex);
    for (what, key, value) in [
        ("a volume type \"hologram\"", "kind", Some(text("hologram"))),
        ("a negative width", "width", Some(int(-1))),
        ("a volume without data", "data", None),
        (
            "values as an array of floats",
            "data",
            Some(array(vec![Value::Float(0.0), Value::Float(1.0)])),
        ),
    ] {
        let v = add_volume(with(volume_fields(), key, value));
        assert_rejected::<ToSession>(what, "to-session", LINK, v);
    }
    for (what, key, value) in [
        ("interaction kind \"hug\"", "kind", Some(text("hug"))),
        ("interaction kind \"all\"", "kind", Some(text("all"))),
        ("an interaction without kind", "kind", None),
        ("one atom not in a list", "atom1", Some(int(1001))),
        (
            "a negative conformation",
            "atom2_conformation",
            Some(int(-1)),
        ),
        ("an interaction without atom2", "atom2", None),
    ] {
        let v = interactions_create(with(interaction_fields(), key, value));
        assert_rejected::<ToSession>(what, "to-session", LINK, v);
    }
    let kind_all = envelope(
        1,
        "interactions_request",
        2,
        map(vec![("kind", text("all"))]),
    );
    assert_rejected::<ToSession>(
        "an interactions_request of kind \"all\"",
        "to-session",
        LINK,
        kind_all,
    );
    // Replies and events go to the instance only.
    let created_to_session = envelope(
        1,
        "interactions_created",
        2,
        map(vec![("indices", array(vec![]))]),
    );
    assert_rejected::<ToSession>(
        "interactions_created to the session",
        "to-session",
        LINK,
        created_to_session,
    );
    // Volume data must be a byte string. (Unlike image data inside a tagged content,
    // which serde buffers, the Rust decoder refuses a text here too.)
    let text_data = add_volume(with(volume_fields(), "data", Some(text("12345678"))));
    assert_rejected::<ToSession>("volume data as a text", "to-session", LINK, text_data);
}
