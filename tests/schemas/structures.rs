//! Hand-built structures and file messages, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::{LINK, validate};
use ciborium::Value;
use nts::api::link::*;
use nts::api::structure::{BondKind, SecondaryStructure};
use nts::wire::{Envelope, decode};

pub(crate) fn array(items: Vec<Value>) -> Value {
    Value::Array(items)
}

fn u32s(v: &[u32]) -> Value {
    Value::Bytes(v.iter().flat_map(|x| x.to_le_bytes()).collect())
}

fn f32s(v: &[f32]) -> Value {
    Value::Bytes(v.iter().flat_map(|x| x.to_le_bytes()).collect())
}

/// The columns of a hand-built complex: one molecule, one chain, one `ALA` residue with
/// two carbons `C1`, `C2` and a double bond between them.
struct Columns {
    top: Vec<(&'static str, Value)>,
    chains: Vec<(&'static str, Value)>,
    residues: Vec<(&'static str, Value)>,
    atoms: Vec<(&'static str, Value)>,
    bonds: Vec<(&'static str, Value)>,
}

impl Columns {
    fn good() -> Self {
        Columns {
            top: vec![
                ("name", text("hand-built")),
                ("molecules", array(vec![map(vec![("chains", int(1))])])),
                (
                    "strings",
                    array(vec![text("A"), text("ALA"), text("C1"), text("C2")]),
                ),
            ],
            chains: vec![("name", u32s(&[0])), ("residues", u32s(&[1]))],
            residues: vec![
                ("atoms", u32s(&[2])),
                ("bonds", u32s(&[1])),
                ("code", u32s(&[1])),
                ("secondary_structure", Value::Bytes(vec![3])),
            ],
            atoms: vec![
                ("position", f32s(&[0.0, 0.0, 0.0, 1.5, 0.0, 0.0])),
                ("name", u32s(&[2, 3])),
            ],
            bonds: vec![("atoms", u32s(&[0, 1])), ("kind", Value::Bytes(vec![2]))],
        }
    }

    /// Replaces (or adds) column `key` of `level`.
    fn with(mut self, level: &str, key: &'static str, v: Value) -> Self {
        let cols = match level {
            "top" => &mut self.top,
            "chains" => &mut self.chains,
            "residues" => &mut self.residues,
            "atoms" => &mut self.atoms,
            "bonds" => &mut self.bonds,
            _ => unreachable!("{level}"),
        };
        cols.retain(|(k, _)| *k != key);
        cols.push((key, v));
        self
    }

    fn without(mut self, level: &str, key: &str) -> Self {
        for (l, cols) in [
            ("chains", &mut self.chains),
            ("residues", &mut self.residues),
            ("atoms", &mut self.atoms),
            ("bonds", &mut self.bonds),
        ] {
            if l == level {
                cols.retain(|(k, _)| *k != key);
            }
        }
        self
    }

    /// An `add_to_workspace` envelope carrying the complex.
    fn envelope(self) -> Value {
        let mut complex = self.top;
        complex.extend([
            ("chains", map(self.chains)),
            ("residues", map(self.residues)),
            ("atoms", map(self.atoms)),
            ("bonds", map(self.bonds)),
        ]);
        envelope(
            1,
            "add_to_workspace",
            5,
            map(vec![("complexes", array(vec![map(complex)]))]),
        )
    }
}

#[test]
fn schema_accepts_hand_built_structures() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let bytes = cbor(&Columns::good().envelope());
    validate("to-session", LINK, &bytes).unwrap();
    let Envelope {
        msg: ToSession::AddToWorkspace(list),
        ..
    } = decode::<ToSession>(&bytes, 1 << 20).unwrap()
    else {
        panic!("not add_to_workspace")
    };
    let c = &list.complexes[0];
    let names: Vec<&str> = c.atoms().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["C1", "C2"]);
    assert_eq!(c.atoms().nth(1).unwrap().position, [1.5, 0.0, 0.0]);
    let r = c.residues().next().unwrap();
    assert_eq!(r.code, "ALA");
    assert_eq!(r.secondary_structure, SecondaryStructure::Helix);
    assert_eq!(r.bonds[0].kind, BondKind::CovalentDouble);
    assert_eq!(c.molecules[0].chains[0].name, "A");
}

#[test]
fn schema_rejects_malformed_structures() {
    let cases = [
        (
            "positions as an array of floats",
            Columns::good().with("atoms", "position", array(vec![Value::Float(0.0); 6])),
        ),
        (
            "atom names as text",
            Columns::good().with("atoms", "name", array(vec![text("C1"), text("C2")])),
        ),
        (
            "a string table entry 3",
            Columns::good().with("top", "strings", array(vec![text("A"), int(3)])),
        ),
        (
            "a molecule with -1 chains",
            Columns::good().with(
                "top",
                "molecules",
                array(vec![map(vec![("chains", int(-1))])]),
            ),
        ),
        (
            "a text atom_scale column",
            Columns::good().with("atoms", "atom_scale", text("big")),
        ),
    ];
    for (what, c) in cases {
        assert_rejected::<ToSession>(what, "to-session", LINK, c.envelope());
    }
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

/// What CDDL cannot say (a column's length against its level's count, indices within the
/// table, enum bytes in range): the schema accepts these, the Rust decoder refuses each
/// with a message naming the column.
#[test]
fn decoder_checks_what_the_schema_cannot() {
    let cases = [
        (
            "atoms.position",
            Columns::good().with("atoms", "position", f32s(&[0.0; 5])),
        ),
        (
            "atoms.name",
            Columns::good().with("atoms", "name", u32s(&[2])),
        ),
        (
            "atoms.position is missing",
            Columns::good().without("atoms", "position"),
        ),
        (
            "residues.atoms is missing",
            Columns::good().without("residues", "atoms"),
        ),
        (
            "string 9",
            Columns::good().with("atoms", "name", u32s(&[2, 9])),
        ),
        (
            "secondary_structure 0: 4",
            Columns::good().with("residues", "secondary_structure", Value::Bytes(vec![4])),
        ),
        (
            "does not join two distinct atoms",
            Columns::good().with("bonds", "atoms", u32s(&[1, 1])),
        ),
        (
            "element 1: 200",
            Columns::good().with("atoms", "element", Value::Bytes(vec![6, 200])),
        ),
        (
            "more than 5000000 atoms",
            Columns::good().with("residues", "atoms", u32s(&[5_000_001])),
        ),
    ];
    for (want, c) in cases {
        let bytes = cbor(&c.envelope());
        validate("to-session", LINK, &bytes).unwrap_or_else(|e| panic!("{want}: {e}"));
        let e = decode::<ToSession>(&bytes, 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[test]
fn schema_accepts_structures_with_every_default_omitted() {
    // Decoders default every structure field: an empty complex, and one whose two atoms
    // carry nothing but their positions (carbons named "default" at the origin).
    let bare = map(vec![
        ("molecules", array(vec![map(vec![("chains", int(1))])])),
        ("chains", map(vec![("name", u32s(&[u32::MAX]))])),
        ("residues", map(vec![])),
    ]);
    let two_atoms = Columns {
        top: vec![("molecules", array(vec![map(vec![("chains", int(1))])]))],
        chains: vec![("name", u32s(&[u32::MAX])), ("residues", u32s(&[1]))],
        residues: vec![("atoms", u32s(&[2]))],
        atoms: vec![("position", f32s(&[0.0; 6]))],
        bonds: vec![],
    };
    let two = two_atoms.envelope();
    for v in [
        envelope(1, "workspace_update", 1, map(vec![])),
        envelope(
            1,
            "add_to_workspace",
            2,
            map(vec![("complexes", array(vec![map(vec![]), bare]))]),
        ),
        two,
    ] {
        let bytes = cbor(&v);
        validate("to-session", LINK, &bytes).unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap_or_else(|e| panic!("{v:?}: {e}"));
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
