//! The columns' round trips and refusals.

use super::*;
use ciborium::Value;

/// Two residues, one unusual in every field, so every column is written.
pub(super) fn rich() -> Complex {
    let plain = Atom {
        name: "CA".into(),
        position: [1.0, 2.0, 3.0],
        ..Default::default()
    };
    let odd = Atom {
        index: 7,
        symbol: "Xx".into(),
        serial: 100_000,
        name: "a-very-long-atom-name-beyond-24-bytes".into(),
        position: [-1.5, 0.25, 1e6],
        is_het: true,
        occupancy: 0.5,
        bfactor: 12.5,
        formal_charge: -2,
        partial_charge: 0.125,
        selected: true,
        labeled: true,
        label_text: "label".into(),
        atom_mode: AtomRenderingMode::VanDerWaals,
        atom_color: 0xff00ff80,
        atom_scale: 1.5,
        acceptor: true,
        donor: true,
    };
    let fe = Atom {
        symbol: "Fe".into(),
        ..plain.clone()
    };
    let r1 = Residue {
        code: "ALA".into(),
        atoms: vec![plain, odd, fe],
        bonds: vec![
            Bond {
                index: 3,
                atom1: 0,
                atom2: 1,
                kind: BondKind::Aromatic,
            },
            Bond {
                index: -1,
                atom1: 1,
                atom2: 3,
                kind: BondKind::CovalentSingle,
            },
        ],
        ..Default::default()
    };
    let r2 = Residue {
        index: 9,
        code: "HOH".into(),
        serial: -4,
        insertion_code: 'A',
        name: "water".into(),
        secondary_structure: SecondaryStructure::Helix,
        ribboned: false,
        ribbon_size: 2.0,
        ribbon_mode: RibbonMode::Coil,
        ribbon_color: 0x11223344,
        labeled: true,
        label_text: "W".into(),
        atoms: vec![Atom {
            symbol: "O".into(),
            ..Default::default()
        }],
        bonds: vec![],
    };
    Complex {
        index: 5,
        name: "rich".into(),
        molecules: vec![
            Molecule {
                index: 2,
                name: "frame 1".into(),
                associated: [("k".to_string(), "v".to_string())].into(),
                chains: vec![
                    Chain {
                        name: "A".into(),
                        residues: vec![r1],
                        ..Default::default()
                    },
                    Chain {
                        index: 4,
                        name: "HA".into(),
                        residues: vec![r2],
                    },
                ],
            },
            Molecule::default(),
        ],
        visible: false,
        current_frame: 1,
        remarks: [("REMARK".to_string(), "x".to_string())].into(),
        ..Default::default()
    }
}

fn to_value(c: &Complex) -> Value {
    Value::serialized(c).unwrap()
}

fn field<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut v = v;
    for key in path {
        let Value::Map(entries) = v else {
            panic!("{key}: not a map")
        };
        v = &mut entries
            .iter_mut()
            .find(|(k, _)| k.as_text() == Some(key))
            .unwrap_or_else(|| panic!("no {key}"))
            .1;
    }
    v
}

fn decode_err(v: Value) -> String {
    v.deserialized::<Complex>().unwrap_err().to_string()
}

#[test]
fn every_field_round_trips() {
    let c = rich();
    let mut bytes = Vec::new();
    ciborium::into_writer(&c, &mut bytes).unwrap();
    let back: Complex = ciborium::from_reader(&bytes[..]).unwrap();
    assert_eq!(back, c);
    // Every column of every level was needed.
    let v = to_value(&c);
    for (level, n) in [("chains", 3), ("residues", 13), ("atoms", 15), ("bonds", 3)] {
        let Value::Map(cols) = v
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_text() == Some(level))
            .unwrap()
            .1
            .clone()
        else {
            panic!()
        };
        assert_eq!(cols.len(), n, "{level}: {cols:?}");
    }
}

#[test]
fn defaults_are_left_out() {
    let mut c = rich();
    c.molecules.truncate(1);
    c.current_frame = 0;
    c.molecules[0].chains.truncate(1);
    let r = &mut c.molecules[0].chains[0].residues[0];
    r.atoms.truncate(1);
    r.bonds.clear();
    let v = to_value(&c);
    let Value::Map(atoms) = v
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some("atoms"))
        .unwrap()
        .1
        .clone()
    else {
        panic!()
    };
    let keys: Vec<_> = atoms
        .iter()
        .map(|(k, _)| k.as_text().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["position", "name"]);
    assert_eq!(v.deserialized::<Complex>().unwrap(), c);
}

#[test]
fn a_shallow_complex_has_no_columns() {
    let c = rich().shallow();
    let v = to_value(&c);
    for level in [
        "molecules",
        "strings",
        "chains",
        "residues",
        "atoms",
        "bonds",
    ] {
        assert!(
            !v.as_map()
                .unwrap()
                .iter()
                .any(|(k, _)| k.as_text() == Some(level)),
            "{level}"
        );
    }
    assert_eq!(v.deserialized::<Complex>().unwrap(), c);
}

#[test]
fn a_column_of_the_wrong_length_is_refused() {
    for (path, width) in [
        (&["atoms", "position"][..], 12),
        (&["atoms", "name"][..], 4),
        (&["atoms", "flags"][..], 1),
        (&["residues", "atoms"][..], 4),
        (&["residues", "code"][..], 4),
        (&["chains", "name"][..], 4),
        (&["bonds", "atoms"][..], 8),
        (&["bonds", "kind"][..], 1),
    ] {
        let mut v = to_value(&rich());
        let Value::Bytes(b) = field(&mut v, path) else {
            panic!("{path:?}")
        };
        b.truncate(b.len() - width);
        let e = decode_err(v);
        assert!(e.contains(&path.join(".")), "{path:?}: {e}");
    }
}

#[test]
fn a_level_with_members_carries_its_required_column() {
    let mut v = to_value(&rich());
    let Value::Map(atoms) = field(&mut v, &["atoms"]) else {
        panic!()
    };
    atoms.retain(|(k, _)| k.as_text() != Some("position"));
    assert!(decode_err(v).contains("atoms.position is missing"));
}

#[test]
fn a_few_bytes_cannot_claim_millions_of_atoms() {
    // One residue claiming 4,000,000 atoms, without their positions.
    let mut v = to_value(&rich());
    let Value::Bytes(counts) = field(&mut v, &["residues", "atoms"]) else {
        panic!()
    };
    counts[..4].copy_from_slice(&4_000_000u32.to_le_bytes());
    let e = decode_err(v);
    assert!(
        e.contains("column atoms.") && e.contains("4000001 values"),
        "{e}"
    );
    // And a sum beyond the cap, however it is split.
    let mut v = to_value(&rich());
    let Value::Bytes(counts) = field(&mut v, &["residues", "atoms"]) else {
        panic!()
    };
    counts[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    counts[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(decode_err(v).contains("more than 5000000 atoms"));
}

#[test]
fn bad_values_are_refused_by_name() {
    let cases: [(&[&str], usize, u8, &str); 6] = [
        (&["atoms", "element"], 0, 119, "atom element 0: 119"),
        (&["atoms", "atom_mode"], 0, 7, "atom atom_mode 0: 7"),
        (&["atoms", "flags"], 0, 0x80, "atom flags 0: 128"),
        (&["bonds", "kind"], 0, 5, "bond kind 0: 5"),
        (
            &["residues", "secondary_structure"],
            0,
            4,
            "secondary_structure 0: 4",
        ),
        (&["atoms", "name"], 0, 200, "string 200"),
    ];
    for (path, at, byte, want) in cases {
        let mut v = to_value(&rich());
        let Value::Bytes(b) = field(&mut v, path) else {
            panic!("{path:?}")
        };
        b[at] = byte;
        let e = decode_err(v);
        assert!(e.contains(want), "{path:?}: {e}");
    }
    let mut v = to_value(&rich());
    let Value::Bytes(b) = field(&mut v, &["atoms", "position"]) else {
        panic!()
    };
    b[..4].copy_from_slice(&f32::NAN.to_le_bytes());
    assert!(decode_err(v).contains("finite"));
    let mut v = to_value(&rich());
    let Value::Bytes(b) = field(&mut v, &["bonds", "atoms"]) else {
        panic!()
    };
    b[..4].copy_from_slice(&99u32.to_le_bytes());
    assert!(decode_err(v).contains("does not join"));
    let mut v = to_value(&rich());
    let Value::Bytes(b) = field(&mut v, &["atoms", "symbols"]) else {
        panic!()
    };
    b.clear();
    assert!(decode_err(v).contains("no entry in atoms.symbols"));
}

#[test]
fn consecutive_integers_travel_as_runs() {
    let mut c = rich();
    for (i, a) in c.atoms_mut().enumerate() {
        a.index = 1000 + i as i64;
        a.serial = i as i32 + 1;
    }
    let mut v = to_value(&c);
    assert_eq!(
        *field(&mut v, &["atoms", "index"]),
        Value::Integer(1000.into())
    );
    assert_eq!(
        *field(&mut v, &["atoms", "serial"]),
        Value::Integer(1.into())
    );
    assert_eq!(v.deserialized::<Complex>().unwrap(), c);

    // A run must fit its column's type, and only integer columns may be runs.
    *field(&mut v, &["atoms", "serial"]) = Value::Integer((i32::MAX as i64 - 1).into());
    assert!(decode_err(v.clone()).contains("atoms.serial is a run"));
    *field(&mut v, &["atoms", "serial"]) = Value::Integer(1.into());
    *field(&mut v, &["atoms", "position"]) = Value::Integer(1.into());
    assert!(decode_err(v).contains("atoms.position is a run"));
}

#[test]
fn a_non_ascii_insertion_code_is_refused_by_validate_and_never_breaks_encoding() {
    let mut c = rich();
    c.molecules[0].chains[0].residues[0].insertion_code = 'é';
    assert!(c.validate().unwrap_err().message.contains("insertion code"));
    let back = to_value(&c).deserialized::<Complex>().unwrap();
    assert_eq!(back.residues().next().unwrap().insertion_code, '?');
}

#[test]
fn negative_zero_survives() {
    let mut c = rich();
    for a in c.atoms_mut() {
        a.bfactor = -0.0;
    }
    let back = to_value(&c).deserialized::<Complex>().unwrap();
    assert!(back.atoms().all(|a| a.bfactor.is_sign_negative()));
}

#[test]
fn long_texts_named_by_many_members_are_bounded() {
    // One 1 MiB label named by 100 atoms: 100 MiB of copies, over the 64 MiB budget.
    let mut c = rich();
    let r = &mut c.molecules[0].chains[0].residues[0];
    let template = r.atoms[0].clone();
    r.atoms = vec![template; 100];
    r.bonds.clear();
    let long: Name = "x".repeat(1 << 20).into();
    for a in c.atoms_mut() {
        a.label_text = long.clone();
    }
    let e = decode_err(to_value(&c));
    assert!(e.contains("more than 67108864 bytes"), "{e}");
}

#[test]
fn lists_are_refused_past_their_bound() {
    let mut v = to_value(&Complex::default());
    let Value::Map(entries) = &mut v else {
        panic!()
    };
    entries.push((
        "molecules".into(),
        Value::Array(vec![Value::Map(vec![]); MAX_FRAMES + 1]),
    ));
    assert!(decode_err(v).contains("more than 100000 items"));
}

#[test]
fn enum_bytes_are_the_declaration_order() {
    fn check<T: ByteCode + Into<u8>>() {
        for (i, v) in T::ALL.iter().enumerate() {
            assert_eq!((*v).into() as usize, i);
            assert!(T::from_byte(i as u8).is_some());
        }
        assert!(T::from_byte(T::ALL.len() as u8).is_none());
    }
    check::<SecondaryStructure>();
    check::<RibbonMode>();
    check::<AtomRenderingMode>();
    check::<BondKind>();
}
