//! A complex kept as columns: the same wire form as the tree, indices as the tree would
//! get them, comparisons that see through how a column is sent, streams' writes.

use super::tests::rich;
use super::*;

fn cbor<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

fn from_cbor<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, String> {
    ciborium::from_reader(b).map_err(|e| format!("{e:?}"))
}

/// A complex of `n` atoms in one residue, nothing indexed.
fn plain(n: usize) -> Complex {
    Complex {
        name: "plain".into(),
        molecules: vec![Molecule {
            chains: vec![Chain {
                name: "A".into(),
                residues: vec![Residue {
                    atoms: (0..n)
                        .map(|i| Atom {
                            position: [i as f32, 0.0, 0.0],
                            ..Default::default()
                        })
                        .collect(),
                    bonds: vec![Bond {
                        index: -1,
                        atom1: 0,
                        atom2: 1,
                        kind: BondKind::CovalentSingle,
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn packed_travels_as_the_tree_does_and_unpacks_to_it() {
    let c = rich();
    let p = Packed::pack(&c);
    assert_eq!(cbor(&p), cbor(&c), "the same bytes on the wire");
    let back: Packed = from_cbor(&cbor(&c)).unwrap();
    assert_eq!(back.unpack(), c);
    assert_eq!(back.atom_count(), c.atom_count());
    assert_eq!(back.shallow(), c.shallow());
    let w = Workspace {
        complexes: vec![c.clone(), plain(3)],
        position: [1.0, 2.0, 3.0],
        ..Default::default()
    };
    let pw = PackedWorkspace::pack(&w);
    assert_eq!(cbor(&pw), cbor(&w));
    assert_eq!(from_cbor::<PackedWorkspace>(&cbor(&w)).unwrap().unpack(), w);
    assert_eq!(pw.shallow(), w.shallow());
}

#[test]
fn bad_columns_are_refused_as_packed_too() {
    let mut c = plain(2);
    c.molecules[0].chains[0].residues[0].bonds[0].atom2 = 7;
    let err = from_cbor::<Packed>(&cbor(&c)).unwrap_err();
    assert!(err.contains("does not join two distinct atoms"), "{err}");
    let mut c = plain(2);
    c.current_frame = 3;
    let err = from_cbor::<Packed>(&cbor(&c)).unwrap_err();
    assert!(err.contains("current_frame"), "{err}");
}

#[test]
fn a_workspace_holds_a_bounded_number_of_complexes() {
    let many = Workspace {
        complexes: vec![Complex::default(); MAX_COMPLEXES + 1],
        ..Default::default()
    };
    let err = from_cbor::<PackedWorkspace>(&cbor(&many)).unwrap_err();
    assert!(err.contains("more than 1024"), "{err}");
    assert!(from_cbor::<Workspace>(&cbor(&many)).is_err());
}

/// Indices given the tree's way: level by level, to members that have none.
fn indexed_as_a_tree(mut c: Complex, next: &mut i64) -> Complex {
    let mut give = |index: &mut i64| {
        if *index < 0 {
            *next += 1;
            *index = *next;
        }
    };
    give(&mut c.index);
    c.molecules.iter_mut().for_each(|m| give(&mut m.index));
    c.chains_mut().for_each(|ch| give(&mut ch.index));
    c.residues_mut().for_each(|r| give(&mut r.index));
    c.atoms_mut().for_each(|a| give(&mut a.index));
    c.residues_mut()
        .flat_map(|r| r.bonds.iter_mut())
        .for_each(|b| give(&mut b.index));
    c
}

#[test]
fn indices_are_given_as_the_tree_would_get_them() {
    for c in [rich(), plain(5), Complex::default()] {
        let (mut a, mut b) = (100, 100);
        let mut p = Packed::pack(&c);
        p.give_indices(&mut a);
        assert_eq!(p.unpack(), indexed_as_a_tree(c.clone(), &mut b));
        assert_eq!(a, b, "the counter moved as far");
        // Given again, nothing changes.
        let before = p.clone();
        p.give_indices(&mut a);
        assert_eq!(p, before);
    }
    // A new complex's members get a run each.
    let mut p = Packed::pack(&plain(1000));
    p.give_indices(&mut 0);
    let atoms = p.wire.atoms.as_ref().unwrap();
    assert!(matches!(atoms.index, Some(Column::Run(_))));
}

#[test]
fn comparisons_see_through_how_columns_are_sent() {
    let c = plain(4);
    let p = Packed::pack(&c);
    // Scales of 0.5 (the default) written out as a column: different bytes, same complex.
    let mut written = p.clone();
    written.write_scales(0, &[0.5f32.to_le_bytes(); 4].concat());
    assert!(written != p && written.same_content(&p) && p.same_content(&written));
    let mut moved = p.clone();
    moved.write_positions(1, &[9f32.to_le_bytes(); 3].concat());
    assert!(!moved.same_content(&p));
    assert!(moved.same_selection(&p), "nothing was selected");
    let mut selected = c.clone();
    selected.atoms_mut().nth(2).unwrap().selected = true;
    let selected = Packed::pack(&selected);
    assert!(!selected.same_content(&p) && !selected.same_selection(&p));
    // The same texts through different string tables.
    let mut extra = p.clone();
    extra.wire.strings.push("unused".into());
    assert!(extra.same_content(&p));
    let mut renamed = c.clone();
    renamed.molecules[0].chains[0].name = "B".into();
    assert!(!Packed::pack(&renamed).same_content(&p));
}

#[test]
fn streams_write_and_read_columns() {
    let mut p = Packed::pack(&plain(3));
    let frame: Vec<u8> = [1.0f32, 2.0, 3.0, f32::NAN, 0.0, 0.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    p.write_positions(1, &frame);
    let mut out = Vec::new();
    p.read_positions(0, 3, &mut out);
    assert_eq!(
        out,
        [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 2.0, 0.0, 0.0],
        "a NaN is skipped"
    );
    p.write_colors(0, &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let mut rgb = Vec::new();
    p.read_colors(1, 2, &mut rgb);
    assert_eq!(rgb, [4, 5, 6, 7, 8, 9]);
    assert_eq!(p.unpack().atoms().next().unwrap().atom_color, 0x010203ff);
    p.write_scales(2, &2.5f32.to_le_bytes());
    let mut scales = Vec::new();
    p.read_scales(0, 3, &mut scales);
    assert_eq!(scales, [0.5, 0.5, 2.5]);
    // Writes past the last atom are ignored.
    p.write_positions(3, &frame);
    p.write_scales(7, &1f32.to_le_bytes());
    assert_eq!(p.atom_count(), 3);
    let mut labels = Vec::new();
    Packed::pack(&rich()).read_labels(0, 3, &mut labels);
    assert_eq!(labels, ["", "label", ""]);
    let mut p = Packed::pack(&plain(2));
    p.give_indices(&mut 10);
    let atoms: Vec<i64> = p.atom_indices().collect();
    assert!(p.atoms_are(0, &atoms) && p.atoms_are(1, &atoms[1..]));
    assert!(!p.atoms_are(1, &atoms) && !p.atoms_are(2, &atoms[..1]));
}

#[test]
fn a_shallow_update_keeps_the_frames_and_checks_the_current_one() {
    let mut p = Packed::pack(&rich());
    let mut head = rich().shallow();
    head.name = "renamed".into();
    head.current_frame = 0;
    p.set_head(&head).unwrap();
    assert_eq!((p.name(), p.unpack().molecules.len()), ("renamed", 2));
    head.current_frame = 2;
    assert!(p.set_head(&head).is_err());
    assert!(p.has_molecule(2) && !p.has_molecule(3));
}
