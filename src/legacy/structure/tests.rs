//! Unit tests of `legacy::structure`.

use super::*;
use crate::legacy::serial::Writer;

fn protein() -> Complex {
    let atom = |name: &str, x: f32| Atom {
        index: 10,
        symbol: "C".into(),
        name: name.into(),
        position: [x, 1.0, 2.0],
        atom_color: 0x11223344,
        formal_charge: -1,
        ..Atom::default()
    };
    let residue = |serial: i32, bonds: Vec<Bond>| Residue {
        index: 3,
        code: "ALA".into(),
        name: "ALA".into(),
        serial,
        secondary_structure: SecondaryStructure::Helix,
        atoms: vec![atom("N", serial as f32), atom("CA", 0.5)],
        bonds,
        ..Residue::default()
    };
    let bond = |a, b| Bond {
        index: 7,
        atom1: a,
        atom2: b,
        kind: BondKind::CovalentDouble,
    };
    Complex {
        index: 4,
        name: "prot".into(),
        position: [1.0, 2.0, 3.0],
        remarks: [("a".to_string(), "b".to_string())].into(),
        box_label: "box".into(),
        molecules: vec![Molecule {
            index: 5,
            name: "m".into(),
            associated: BTreeMap::new(),
            chains: vec![Chain {
                index: 6,
                name: "A".into(),
                // A peptide bond from the first residue into the second.
                residues: vec![residue(1, vec![bond(0, 1), bond(1, 2)]), residue(2, vec![])],
            }],
        }],
        ..Complex::default()
    }
}

#[test]
fn complexes_round_trip_at_every_version_nanome_lib_has() {
    let c = protein();
    for atom in 0..=8 {
        for complex in 0..=3 {
            let v = Versions {
                atom,
                bond: (atom >= 2) as u8,
                residue: (atom % 3).min(2),
                molecule: (complex >= 1) as u8,
                complex,
            };
            let bytes = write_complexes(v, [&c, &c].into_iter());
            let mut r = Reader::new(&bytes);
            let back = read_complexes(&mut r, v).unwrap();
            assert_eq!(r.remaining(), 0, "{v:?}");
            let mut want = c.clone();
            if v.residue == 0 {
                for res in want.residues_mut() {
                    res.labeled = false;
                }
            }
            if atom < 4 {
                want.atoms_mut().for_each(|a| a.formal_charge = 0);
            }
            if complex == 0 {
                want.box_label.clear();
            }
            assert_eq!(back, vec![want.clone(), want], "{v:?}");
        }
    }
}

#[test]
fn a_workspace_and_a_shallow_list_round_trip() {
    let ws = Workspace {
        complexes: vec![protein()],
        position: [1.0, 0.0, 0.0],
        ..Workspace::default()
    };
    let bytes = write_workspace(Versions::LATEST, &ws);
    let back = read_workspace(&mut Reader::new(&bytes), Versions::LATEST).unwrap();
    assert_eq!(back, ws);
    let list = write_complex_list(Versions::LATEST, ws.complexes.iter());
    let mut r = Reader::new(&list);
    let shallow = read_complex_array(&mut r, Versions::LATEST, AtomTable::empty()).unwrap();
    assert_eq!(shallow, vec![ws.complexes[0].shallow()]);
}

#[test]
fn lies_in_a_structure_are_errors() {
    let v = Versions::LATEST;
    let good = write_complexes(v, [protein()].iter());
    // Every truncation fails cleanly.
    for cut in 0..good.len() {
        assert!(
            read_complexes(&mut Reader::new(&good[..cut]), v).is_err(),
            "cut {cut}"
        );
    }
    // An atom table claiming a billion atoms.
    let mut w = Writer::default();
    w.u32(1 << 30);
    assert!(read_complexes(&mut Reader::new(&w.bytes), v).is_err());
    // A residue naming an atom the table lacks, and a bond naming one of another complex.
    let mut w = Writer::default();
    w.u32(0).u32(1);
    write_complex(&mut w, v, 100, &protein(), false);
    let e = read_complexes(&mut Reader::new(&w.bytes), v).unwrap_err();
    assert!(
        e.to_string().contains("not in the message's atom table"),
        "{e}"
    );
    // An unknown atom mode.
    let mut c = protein();
    c.molecules.clear();
    let mut bytes = Writer::default();
    bytes.u32(1).i64(0);
    write_atom(&mut bytes, v.atom, &Atom::default());
    let mode_at = 4 + 8 + 8 + 1;
    bytes.bytes[mode_at] = 9;
    assert!(AtomTable::read(&mut Reader::new(&bytes.bytes), v.atom).is_err());
}

/// The bound on a table's count is exact: an atom with empty text takes that much.
#[test]
fn the_smallest_atom_is_what_the_bound_assumes() {
    let bare = Atom {
        symbol: Name::default(),
        name: Name::default(),
        ..Atom::default()
    };
    for v in 0..=8 {
        let mut w = Writer::default();
        write_atom(&mut w, v, &bare);
        assert_eq!(w.bytes.len(), atom_min_size(v), "Atom v{v}");
    }
}

/// A table whose uids are scattered or out of order (another writer than nanome-lib's
/// counter), and an atom two residues both list.
#[test]
fn atoms_are_found_by_uid_however_they_are_numbered() {
    let v = Versions::LATEST;
    // Dense but shuffled, written whole: read back as written.
    let mut w = Writer::default();
    w.u32(2);
    for (uid, name) in [(1i64, "B"), (0, "A")] {
        w.i64(uid);
        write_atom(
            &mut w,
            v.atom,
            &Atom {
                name: name.into(),
                ..Atom::default()
            },
        );
    }
    let t = AtomTable::read(&mut Reader::new(&w.bytes), v.atom).unwrap();
    assert_eq!(t.atoms[t.slot(0).unwrap()].as_ref().unwrap().name, "A");
    assert_eq!(t.atoms[t.slot(1).unwrap()].as_ref().unwrap().name, "B");
    assert_eq!(t.slot(2), None);
    // Scattered.
    let mut w = Writer::default();
    w.u32(2);
    for (uid, name) in [(900i64, "B"), (-4, "A")] {
        w.i64(uid);
        write_atom(
            &mut w,
            v.atom,
            &Atom {
                name: name.into(),
                ..Atom::default()
            },
        );
    }
    let t = AtomTable::read(&mut Reader::new(&w.bytes), v.atom).unwrap();
    assert_eq!(t.atoms[t.slot(-4).unwrap()].as_ref().unwrap().name, "A");
    assert_eq!(t.atoms[t.slot(900).unwrap()].as_ref().unwrap().name, "B");
    assert_eq!(t.slot(0), None);
    // One atom in two residues.
    let mut w = Writer::default();
    w.u32(1).i64(0);
    write_atom(&mut w, v.atom, &Atom::default());
    let mut twice = protein();
    for r in twice.residues_mut() {
        r.atoms.truncate(1);
        r.bonds.clear();
    }
    write_complex_array(&mut w, v, [&twice].into_iter());
    let bytes = {
        // Both residues name uid 0 (the second wrote uid 1).
        let mut b = w.bytes;
        let one = 1i64.to_le_bytes();
        let at = b.windows(8).rposition(|x| x == one).unwrap();
        b[at..at + 8].copy_from_slice(&0i64.to_le_bytes());
        b
    };
    let e = read_complexes(&mut Reader::new(&bytes), v);
    assert!(e.is_err(), "{e:?}");
}

#[test]
fn an_update_names_the_first_level_nts_does_not_update() {
    let v = Versions::LATEST;
    let mut w = Writer {
        bytes: write_complexes(v, [protein()].iter()),
    };
    w.u32(0).u32(0).u32(2);
    let (complexes, other) = read_update(&mut Reader::new(&w.bytes), v).unwrap();
    assert_eq!((complexes.len(), other), (1, Some("residues")));
    let mut w = Writer {
        bytes: write_complexes(v, [protein()].iter()),
    };
    for _ in 0..5 {
        w.u32(0);
    }
    assert_eq!(read_update(&mut Reader::new(&w.bytes), v).unwrap().1, None);
}

/// The body of an `add_to_workspace` that nanome-lib 0.42.1's own serializer wrote
/// for a glycine it read from PDB (`Complex.io.from_pdb`): 5 atoms, no bonds.
#[test]
fn reads_what_nanome_lib_writes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/legacy-vectors/bodies/add_to_workspace_gly_nanome_lib.bin"
    );
    let bytes = std::fs::read(path).unwrap();
    let mut r = Reader::new(&bytes);
    let complexes = read_complexes(&mut r, Versions::LATEST).unwrap();
    assert_eq!(r.remaining(), 0);
    assert_eq!(complexes.len(), 1);
    let names: Vec<&str> = complexes[0].atoms().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["N", "CA", "C", "O", "OXT"]);
}

/// The substructures of a complex's second molecule: its atom table counts from its own
/// first atom, and its bonds (which count from the complex's) still find their atoms.
#[test]
fn a_second_molecules_substructures_keep_its_bonds() {
    let v = Versions::of(&crate::legacy::translate::versions());
    let mut second = protein().molecules.remove(0);
    for b in second
        .chains
        .iter_mut()
        .flat_map(|c| &mut c.residues)
        .flat_map(|r| &mut r.bonds)
    {
        b.atom1 += 4;
        b.atom2 += 4;
    }
    let body = write_substructures(v, Some((&second, 4)), &[]);
    let mut r = Reader::new(&body);
    let table = AtomTable::read(&mut r, v.atom).unwrap();
    let mut build = Build::new(table, v);
    let m = build.molecule(&mut r).unwrap();
    let atoms: usize = m
        .chains
        .iter()
        .flat_map(|c| &c.residues)
        .map(|r| r.atoms.len())
        .sum();
    assert_eq!(atoms, 4);
    // Each bond names atoms by uid: both within the molecule's table (0 to 3).
    let uids: Vec<(i64, i64)> = build.bonds.iter().map(|b| (b.3, b.4)).collect();
    assert_eq!(uids, [(0, 1), (1, 2)]);
    assert_eq!(r.u32("substructures").unwrap(), 0);
}
