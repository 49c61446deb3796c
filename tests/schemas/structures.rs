//! Hand-built structures and file messages, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::{LINK, validate};
use ciborium::Value;
use nts::api::link::*;
use nts::wire::decode;

pub(crate) fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

/// An atom with the keys encoders always write, at `position`.
fn atom_value(name: &str, position: Vec<u8>) -> Value {
    map(vec![
        ("symbol", text("C")),
        ("serial", int(1)),
        ("name", text(name)),
        ("position", Value::Bytes(position)),
    ])
}

fn bond_value(entries: Vec<(&str, Value)>) -> Value {
    map(entries)
}

/// An `add_to_workspace` envelope adding one complex: one molecule, one chain, one
/// residue with `atoms` and `bonds`, and the residue's extra `residue_fields`.
fn add_complex(atoms: Vec<Value>, bonds: Vec<Value>, residue_fields: Vec<(&str, Value)>) -> Value {
    let mut residue = vec![
        ("type", text("ALA")),
        ("serial", int(1)),
        ("ribbon_size", Value::Float(1.0)),
        ("atoms", array(atoms)),
        ("bonds", array(bonds)),
    ];
    residue.extend(residue_fields);
    let chain = map(vec![
        ("name", text("A")),
        ("residues", array(vec![map(residue)])),
    ]);
    let complex = map(vec![
        ("name", text("hand-built")),
        (
            "molecules",
            array(vec![map(vec![("chains", array(vec![chain]))])]),
        ),
    ]);
    envelope(
        1,
        "add_to_workspace",
        5,
        map(vec![("complexes", array(vec![complex]))]),
    )
}

fn two_atoms() -> Vec<Value> {
    vec![atom_value("C1", vec![0; 12]), atom_value("C2", vec![0; 12])]
}

#[test]
fn schema_accepts_hand_built_structures() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let good = add_complex(
        two_atoms(),
        vec![bond_value(vec![
            ("atom1", int(0)),
            ("atom2", int(1)),
            ("kind", text("covalent_double")),
        ])],
        vec![("secondary_structure", text("helix"))],
    );
    let bytes = cbor(&good);
    validate("to-session", LINK, &bytes).unwrap();
    decode::<ToSession>(&bytes, 1 << 20).unwrap();
}

#[test]
fn schema_rejects_malformed_structures() {
    let short = add_complex(vec![atom_value("C1", vec![0; 8])], vec![], vec![]);
    assert_rejected::<ToSession>("an 8-byte atom position", "to-session", LINK, short);
    let long = add_complex(vec![atom_value("C1", vec![0; 16])], vec![], vec![]);
    assert_rejected::<ToSession>("a 16-byte atom position", "to-session", LINK, long);
    let quintuple = add_complex(
        two_atoms(),
        vec![bond_value(vec![
            ("atom1", int(0)),
            ("atom2", int(1)),
            ("kind", text("quintuple")),
        ])],
        vec![],
    );
    assert_rejected::<ToSession>("bond kind \"quintuple\"", "to-session", LINK, quintuple);
    let no_atom2 = add_complex(
        two_atoms(),
        vec![bond_value(vec![("atom1", int(0))])],
        vec![],
    );
    assert_rejected::<ToSession>("a bond without atom2", "to-session", LINK, no_atom2);
    let turn = add_complex(
        two_atoms(),
        vec![],
        vec![("secondary_structure", text("turn"))],
    );
    assert_rejected::<ToSession>("secondary structure \"turn\"", "to-session", LINK, turn);
    let Value::Map(mut big) = atom_value("C1", vec![0; 12]) else {
        unreachable!()
    };
    big.push((text("atom_scale"), text("big")));
    let text_scale = add_complex(vec![Value::Map(big)], vec![], vec![]);
    assert_rejected::<ToSession>("a text atom_scale", "to-session", LINK, text_scale);
    let negative_ordinal = add_complex(
        two_atoms(),
        vec![bond_value(vec![("atom1", int(-1)), ("atom2", int(1))])],
        vec![],
    );
    assert_rejected::<ToSession>(
        "a negative atom ordinal",
        "to-session",
        LINK,
        negative_ordinal,
    );
    let beyond_i64 = envelope(
        1,
        "complexes_request",
        6,
        map(vec![(
            "indices",
            array(vec![Value::Integer((i64::MAX as u64 + 1).into())]),
        )]),
    );
    assert_rejected::<ToSession>("an index beyond i64", "to-session", LINK, beyond_i64);
    let short_quat = envelope(
        1,
        "workspace_update",
        7,
        map(vec![(
            "rotation",
            array(vec![
                Value::Float(0.0),
                Value::Float(0.0),
                Value::Float(1.0),
            ]),
        )]),
    );
    assert_rejected::<ToSession>("a 3-element rotation", "to-session", LINK, short_quat);
    let no_deep = envelope(
        1,
        "structures_update",
        8,
        map(vec![("complexes", array(vec![]))]),
    );
    assert_rejected::<ToSession>(
        "structures_update without deep",
        "to-session",
        LINK,
        no_deep,
    );
    let not_a_complex = envelope(
        1,
        "complexes_deep",
        9,
        map(vec![("complexes", array(vec![Value::Null, int(3)]))]),
    );
    assert_rejected::<ToPlugin>("a complexes_deep entry 3", "to-plugin", LINK, not_a_complex);
}

#[test]
fn schema_accepts_structures_with_every_default_omitted() {
    // Decoders default every structure field but a bond's atoms: empty maps all the way
    // down, and a workspace without even its (always written) scale.
    let bare = map(vec![(
        "molecules",
        array(vec![map(vec![(
            "chains",
            array(vec![map(vec![(
                "residues",
                array(vec![map(vec![
                    ("atoms", array(vec![map(vec![]), map(vec![])])),
                    (
                        "bonds",
                        array(vec![map(vec![("atom1", int(0)), ("atom2", int(1))])]),
                    ),
                ])]),
            )])]),
        )])]),
    )]);
    for v in [
        envelope(1, "workspace_update", 1, map(vec![])),
        envelope(
            1,
            "add_to_workspace",
            2,
            map(vec![("complexes", array(vec![map(vec![]), bare]))]),
        ),
    ] {
        let bytes = cbor(&v);
        validate("to-session", LINK, &bytes).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
}

#[test]
fn schema_rejects_malformed_file_messages() {
    let put_without_data = envelope(
        1,
        "file",
        3,
        map(vec![("op", text("put")), ("path", text("x.pdb"))]),
    );
    assert_rejected::<ToSession>("put without data", "to-session", LINK, put_without_data);
    let unknown_op = envelope(
        1,
        "file",
        3,
        map(vec![("op", text("format")), ("path", text("/"))]),
    );
    assert_rejected::<ToSession>("op \"format\"", "to-session", LINK, unknown_op);
    let mv_with_path = envelope(
        1,
        "file",
        3,
        map(vec![("op", text("mv")), ("path", text("a"))]),
    );
    assert_rejected::<ToSession>("mv without src and dst", "to-session", LINK, mv_with_path);
    let text_size = envelope(
        1,
        "file_reply",
        3,
        map(vec![(
            "entries",
            array(vec![map(vec![
                ("name", text("a.pdb")),
                ("size", text("12 kB")),
                ("is_directory", Value::Bool(false)),
                ("modified", int(0)),
            ])]),
        )]),
    );
    assert_rejected::<ToPlugin>("an entry with a text size", "to-plugin", LINK, text_size);
}
