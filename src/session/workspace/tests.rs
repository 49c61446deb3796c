//! Unit tests of the workspace: indices, checked updates, removals, shapes.

use crate::api::link::{ComplexList, Indices, StructuresUpdate, ToPlugin, ToSession};
use crate::api::shape::{ShapeIndices, ShapeList, ShapesDestroyed};
use crate::api::structure::Complex;
use crate::api::{Empty, ErrorCode};

use super::*;
use crate::api::structure::{Atom, Chain, Molecule, Residue};

fn complex(name: &str, atoms: usize) -> Complex {
    let residue = Residue {
        code: "UNK".into(),
        atoms: (0..atoms).map(|_| Atom::default()).collect(),
        ..Default::default()
    };
    Complex {
        name: name.into(),
        molecules: vec![Molecule {
            chains: vec![Chain {
                residues: vec![residue],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn reply(ws: &mut SessionWorkspace, msg: ToSession) -> (ToPlugin, Changes) {
    let (r, c) = ws.handle(&msg).expect("a workspace request");
    (r.expect("accepted"), c)
}

#[test]
fn add_assigns_indices_everywhere_and_lists_shallow() {
    let mut ws = SessionWorkspace::default();
    let (r, changes) = reply(
        &mut ws,
        ToSession::AddToWorkspace(ComplexList {
            complexes: vec![complex("a", 2)],
        }),
    );
    assert!(changes.added);
    let ToPlugin::Complexes(list) = r else {
        panic!()
    };
    let c = &list.complexes[0];
    assert!(c.index > 0 && c.atoms().all(|a| a.index > 0));
    let (r, _) = reply(&mut ws, ToSession::ComplexListRequest(Empty {}));
    let ToPlugin::Complexes(list) = r else {
        panic!()
    };
    assert!(list.complexes[0].molecules.is_empty(), "shallow");
    let (r, _) = reply(
        &mut ws,
        ToSession::ComplexesRequest(Indices {
            indices: vec![c.index, 999],
        }),
    );
    let ToPlugin::ComplexesDeep(deep) = r else {
        panic!()
    };
    assert_eq!(deep.complexes[0].as_ref().unwrap().atom_count(), 2);
    assert!(deep.complexes[1].is_none(), "unknown index");
}

/// A complex added again as it came back from the workspace (nanome-lib's plugins do
/// this to duplicate one) gets indices of its own everywhere, so a stream or a zoom on the
/// original's atoms still means the original.
#[test]
fn a_copy_of_a_complex_gets_indices_of_its_own() {
    let mut ws = SessionWorkspace::default();
    let add = |list: Vec<Complex>| ToSession::AddToWorkspace(ComplexList { complexes: list });
    let (r, _) = reply(&mut ws, add(vec![complex("a", 3)]));
    let ToPlugin::Complexes(first) = r else {
        panic!()
    };
    let (r, _) = reply(&mut ws, add(first.complexes.clone()));
    let ToPlugin::Complexes(copy) = r else {
        panic!()
    };
    let (a, b) = (&first.complexes[0], &copy.complexes[0]);
    assert_ne!(a.index, b.index);
    let ids = |c: &Complex| -> Vec<i64> {
        c.molecules
            .iter()
            .map(|m| m.index)
            .chain(
                c.molecules
                    .iter()
                    .flat_map(|m| &m.chains)
                    .map(|ch| ch.index),
            )
            .chain(c.residues().map(|r| r.index))
            .chain(c.atoms().map(|a| a.index))
            .collect()
    };
    let (ia, ib) = (ids(a), ids(b));
    assert!(
        ib.iter().all(|i| *i > 0 && !ia.contains(i)),
        "{ia:?} {ib:?}"
    );
}

#[test]
fn updates_are_checked_before_anything_changes() {
    let mut ws = SessionWorkspace::default();
    let added = ws.add(&[complex("a", 1)]).unwrap();
    let mut renamed = added[0].clone();
    renamed.name = "renamed".into();
    let mut ghost = complex("ghost", 1);
    ghost.index = 12345;
    let (r, _) = ws
        .handle(&ToSession::StructuresUpdate(StructuresUpdate {
            deep: true,
            complexes: vec![renamed.clone(), ghost],
        }))
        .unwrap();
    assert_eq!(r.unwrap_err().code, ErrorCode::NotFound);
    assert_eq!(ws.workspace().complexes[0].name(), "a", "nothing changed");
    // Shallow keeps the molecules even if the update carries none.
    renamed.molecules.clear();
    reply(
        &mut ws,
        ToSession::StructuresUpdate(StructuresUpdate {
            deep: false,
            complexes: vec![renamed],
        }),
    );
    assert_eq!(
        (
            ws.workspace().complexes[0].name(),
            ws.workspace().complexes[0].atom_count()
        ),
        ("renamed", 1)
    );
}

#[test]
fn remove_reports_what_it_removed() {
    let mut ws = SessionWorkspace::default();
    let added = ws.add(&[complex("a", 1), complex("b", 1)]).unwrap();
    let (_, c) = reply(
        &mut ws,
        ToSession::RemoveFromWorkspace(Indices {
            indices: vec![added[0].index],
        }),
    );
    assert!(c.removed);
    let (_, c) = reply(
        &mut ws,
        ToSession::RemoveFromWorkspace(Indices {
            indices: vec![added[0].index],
        }),
    );
    assert!(!c.removed);
    assert_eq!(ws.workspace().complexes.len(), 1);
}

#[test]
fn shapes_are_checked_one_by_one_and_replaced_or_destroyed_by_index() {
    use crate::api::shape::{Anchor, AnchorType, Shape};
    let mut ws = SessionWorkspace::default();
    let added = ws.add(&[complex("a", 2)]).unwrap();
    let atom = added[0].atoms().next().unwrap().index;
    let on = |t: i64| Anchor {
        anchor_type: AnchorType::Atom,
        target: t,
        ..Default::default()
    };
    let upload = |shapes| ToSession::ShapesUpload(ShapeList { shapes });
    let (r, _) = reply(
        &mut ws,
        upload(vec![
            Shape::sphere(1.0, on(atom)),
            Shape::sphere(1.0, on(999_999)),
            Shape::line(on(atom), on(atom)),
            Shape {
                anchors: vec![],
                ..Shape::label("x", on(atom))
            },
        ]),
    );
    let ToPlugin::ShapesUploaded(r) = r else {
        panic!()
    };
    let ok: Vec<bool> = r.results.iter().map(|x| x.error.is_none()).collect();
    assert_eq!(
        ok,
        [true, false, true, false],
        "unknown anchor target and missing anchor are refused: {r:?}"
    );
    let first = r.results[0].index;
    let (r, _) = reply(
        &mut ws,
        upload(vec![Shape {
            index: first,
            ..Shape::sphere(2.0, on(atom))
        }]),
    );
    let ToPlugin::ShapesUploaded(r) = r else {
        panic!()
    };
    assert_eq!(r.results[0].index, first, "an index replaces that shape");
    assert_eq!(ws.shapes().count(), 2);
    let (r, _) = reply(
        &mut ws,
        ToSession::ShapesDestroy(ShapeIndices {
            indices: vec![first, first],
        }),
    );
    assert_eq!(
        r,
        ToPlugin::ShapesDestroyed(ShapesDestroyed {
            destroyed: vec![true, false]
        })
    );
}

#[test]
fn invalid_complexes_are_refused() {
    let mut ws = SessionWorkspace::default();
    let mut bad = complex("bad", 1);
    bad.molecules[0].chains[0].residues[0]
        .bonds
        .push(crate::api::structure::Bond {
            index: -1,
            atom1: 0,
            atom2: 5,
            kind: Default::default(),
        });
    let (r, c) = ws
        .handle(&ToSession::AddToWorkspace(ComplexList {
            complexes: vec![bad],
        }))
        .unwrap();
    assert_eq!(r.unwrap_err().code, ErrorCode::BadRequest);
    assert!(!c.added && ws.workspace().complexes.is_empty());
}

#[test]
fn a_reading_stream_hears_of_another_links_workspace_update() {
    use crate::api::stream::{StreamCreate, StreamDirection, StreamKind};
    let mut ws = SessionWorkspace::default();
    let added = ws.add(&[complex("a", 2)]).unwrap();
    let atoms: Vec<i64> = added[0].atoms().map(|a| a.index).collect();
    let (reader, writer) = (Token::random(), Token::random());
    let create = ToSession::StreamCreate(StreamCreate {
        kind: StreamKind::Position,
        direction: StreamDirection::Reading,
        indices: atoms,
    });
    let (r, _) = ws.handle_for(&reader, &create).unwrap();
    assert!(matches!(r, Ok(ToPlugin::StreamCreated(_))), "{r:?}");
    // No hooks anywhere: the update is still compared, for the reading stream.
    let mut moved = ws.workspace().unpack();
    for a in moved.complexes[0].atoms_mut() {
        a.position[0] += 1.0;
    }
    let (r, changes) = ws
        .handle_for(&writer, &ToSession::WorkspaceUpdate(moved))
        .unwrap();
    assert!(r.is_ok());
    let followups = ws.followups(Some(&writer), &changes);
    assert!(
        followups
            .iter()
            .any(|(lid, m)| lid == &reader && matches!(m, ToPlugin::StreamFeed(_))),
        "{followups:?}"
    );
}
