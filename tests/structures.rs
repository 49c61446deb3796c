//! Structures through the whole system: files loaded into a headless session's
//! workspace, plugins reading and changing them.

mod common;

use common::*;
use nts::session::Session;

/// Two waters whose oxygens are 2.8 Å apart (one hydrogen bond), a third far away.
const WATERS: &str = "\
HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O
HETATM    2  H1  HOH A   1       0.957   0.000   0.000  1.00  0.00           H
HETATM    3  O   HOH A   2       2.800   0.000   0.000  1.00  0.00           O
HETATM    4  H1  HOH A   2       3.757   0.000   0.000  1.00  0.00           H
HETATM    5  O   HOH A   3      20.000   0.000   0.000  1.00  0.00           O
HETATM    6  H1  HOH A   3      20.957   0.000   0.000  1.00  0.00           H
END
";

fn waters(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("waters.pdb");
    std::fs::write(&p, WATERS).unwrap();
    p
}

#[tokio::test]
async fn a_plugin_reads_computes_and_updates_the_workspace() {
    let sys = System::start().await;
    let _hbonds = sys.plugin("hbonds").await;
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let complex = nts::files::load(&waters(sys.dir.path())).unwrap();
    let added = s.add_complexes(vec![complex]).await.unwrap();
    assert!(added[0].index > 0, "the session indexes what it loads");

    let mut link = s.connect("hbonds").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "found 1 hydrogen bond");
    let ws = s.workspace().await;
    let selected: Vec<(String, i32)> = ws.complexes[0]
        .atoms()
        .filter(|a| a.selected)
        .map(|a| (a.name.to_string(), a.serial))
        .collect();
    assert_eq!(
        selected,
        [("O".to_string(), 1), ("O".to_string(), 3)],
        "the plugin's deep update reached the workspace"
    );
    // And it drew the bond: one line anchored on the two oxygens.
    let oxygens: Vec<i64> = ws.complexes[0]
        .atoms()
        .filter(|a| a.selected)
        .map(|a| a.index)
        .collect();
    let shapes = s.shapes().await;
    assert_eq!(shapes.len(), 1);
    assert!(matches!(
        shapes[0].geometry,
        nts::api::shape::Geometry::Line { .. }
    ));
    let anchored: Vec<i64> = shapes[0].anchors.iter().map(|a| a.target).collect();
    assert_eq!(anchored, oxygens);
}

#[tokio::test]
async fn plugins_hear_about_complexes_the_session_adds() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let mut link = s.connect("hello").await.unwrap();
    s.add_complexes(vec![nts::files::load(&waters(sys.dir.path())).unwrap()])
        .await
        .unwrap();
    assert_eq!(
        next_notification(&mut link).await,
        "A complex was added; the workspace has 1"
    );
}

#[tokio::test]
async fn a_plugin_writes_the_workspace_back_and_adds_a_copy() {
    // workspace-echo reads the whole workspace and writes it back ten times, then adds a
    // copy of the first complex: the workspace must come out as it went in, plus the copy
    // (deep, under new indices), and the link's events show the plugin's structures
    // shallow (the session took them from the messages).
    let sys = System::start().await;
    let _echo = sys.plugin("workspace-echo").await;
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let complex = nts::files::load(&waters(sys.dir.path())).unwrap();
    let atoms = complex.atom_count();
    s.add_complexes(vec![complex]).await.unwrap();
    let before = s.workspace().await;
    let mut link = s.connect("workspace-echo").await.unwrap();
    link.run().await.unwrap();
    let mut shown = Vec::new();
    let note = loop {
        match tokio::time::timeout(WAIT, link.next()).await.unwrap() {
            Some(nts::session::LinkEvent::Message(nts::wire::Envelope {
                msg: nts::api::link::ToSession::Notification(n),
                ..
            })) => break n.text,
            Some(nts::session::LinkEvent::Message(env)) => shown.push(env.msg),
            other => panic!("the plugin failed: {other:?}"),
        }
    };
    let after = s.workspace().await;
    assert_eq!(after.complexes.len(), 2, "{note}");
    assert_eq!(
        after.complexes[0], before.complexes[0],
        "the round trips changed it"
    );
    let copy = &after.complexes[1];
    assert_eq!(copy.atom_count(), atoms);
    assert!(copy.index > before.complexes[0].index);
    assert!(copy.atoms().all(|a| a.index > 0));
    assert!(
        note.ends_with(&format!(
            "copy added as complex {} with {atoms} atoms",
            copy.index
        )),
        "{note}"
    );
    let updates = shown
        .iter()
        .filter_map(|m| match m {
            nts::api::link::ToSession::WorkspaceUpdate(w) => Some(w),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(updates.len(), 10);
    assert!(
        updates
            .iter()
            .all(|w| w.complexes.len() == 1 && w.complexes[0].molecules.is_empty())
    );
}

#[tokio::test]
async fn session_run_loads_files_and_saves_the_result() {
    let sys = System::start().await;
    let _hbonds = sys.example("hbonds").await;
    let input = waters(sys.dir.path());
    let saved = sys.dir.path().join("out.pdb");
    let out = tokio::time::timeout(
        WAIT,
        sys.nts()
            .args([
                "session",
                "run",
                "hbonds",
                "--json",
                "--exit-on",
                "notification",
                "--load",
            ])
            .arg(&input)
            .arg("--save")
            .arg(&saved)
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["kind"], "loaded");
    assert_eq!(lines[0]["body"]["atoms"], 6);
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"complex_list_request") && kinds.contains(&"structures_update"),
        "{kinds:?}"
    );
    assert_eq!(
        lines.last().unwrap()["body"]["text"],
        "found 1 hydrogen bond"
    );
    let back = nts::files::load(&saved).unwrap();
    assert_eq!(back.atom_count(), 6);
}

#[tokio::test]
async fn loading_a_bad_file_is_a_clear_error() {
    let sys = System::start().await;
    let _hbonds = sys.plugin("hbonds").await;
    let bad = sys.dir.path().join("bad.sdf");
    std::fs::write(&bad, "x\n\n\n  1  0\n").unwrap();
    let out = sys
        .nts()
        .args(["session", "run", "hbonds", "--load"])
        .arg(&bad)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.sdf") && err.contains("atom block"),
        "{err}"
    );
}

/// A generated complex of `residues` × 4 atoms (C, CA, N, O) on a grid, so some N/O pairs of
/// neighbouring residues fall in hydrogen-bond range.
fn big_complex(residues: usize) -> nts::api::structure::Complex {
    use nts::api::structure::{Atom, Chain, Complex, Molecule, Residue};
    let side = (residues as f64).cbrt().ceil() as usize;
    let mut chain = Chain {
        name: "A".into(),
        ..Default::default()
    };
    for i in 0..residues {
        let (x, y, z) = (
            (i % side) as f32 * 4.0,
            ((i / side) % side) as f32 * 4.0,
            (i / side / side) as f32 * 4.0,
        );
        let atom = |name: &str, symbol: &str, dx: f32, dy: f32| Atom {
            name: name.into(),
            symbol: symbol.into(),
            serial: (i * 4) as i32,
            position: [x + dx, y + dy, z],
            ..Default::default()
        };
        chain.residues.push(Residue {
            code: "GLY".into(),
            serial: i as i32,
            // N of one residue is 2.88 Å from O of its +y neighbour.
            atoms: vec![
                atom("C", "C", 0.0, 0.0),
                atom("CA", "C", -1.0, 0.0),
                atom("N", "N", 1.0, 0.5),
                atom("O", "O", 0.0, -0.8),
            ],
            ..Default::default()
        });
    }
    Complex {
        name: "big".into(),
        molecules: vec![Molecule {
            chains: vec![chain],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn a_workspace_larger_than_a_broker_message_goes_through_in_chunks() {
    let sys = System::start().await;
    let _hbonds = sys.plugin("hbonds").await;
    // Atoms travel as columns (about 21 bytes each here): as many as make the complex
    // larger than the broker's largest message.
    let max_payload = sys.lobby().await.client().server_info().max_payload;
    let encoded = |c: &nts::api::structure::Complex| {
        let mut v = Vec::new();
        ciborium::into_writer(c, &mut v).unwrap();
        v.len()
    };
    let mut residues = 12_500;
    let mut complex = big_complex(residues);
    while encoded(&complex) <= max_payload {
        residues *= 2;
        complex = big_complex(residues);
    }
    let atoms = complex.atom_count();
    let expected = nts::plugins::hbonds::find(&complex);
    assert!(!expected.is_empty());

    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    s.add_complexes(vec![complex]).await.unwrap();
    let mut link = s.connect("hbonds").await.unwrap();
    link.run().await.unwrap();
    // Session → instance: the deep complex (chunked); instance → session: the update (chunked).
    let note = next_notification(&mut link).await;
    assert_eq!(note, format!("found {} hydrogen bonds", expected.len()));
    let ws = s.workspace().await;
    assert_eq!(ws.complexes[0].atom_count(), atoms);
    let selected = ws.complexes[0].atoms().filter(|a| a.selected).count();
    let mut involved: Vec<usize> = expected.iter().flat_map(|(a, b)| [*a, *b]).collect();
    involved.sort_unstable();
    involved.dedup();
    assert_eq!(selected, involved.len());
}

#[tokio::test]
async fn a_position_stream_moves_the_sessions_atoms() {
    let sys = System::start().await;
    let _wiggle = sys.example("wiggle").await;
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let complex = nts::files::load(&waters(sys.dir.path())).unwrap();
    let before: Vec<[f32; 3]> = complex.atoms().map(|a| a.position).collect();
    s.add_complexes(vec![complex]).await.unwrap();
    let mut link = s.connect("wiggle").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(
        next_notification(&mut link).await,
        "streamed 120 frames to 6 atoms"
    );
    let after: Vec<[f32; 3]> = s.workspace().await.complexes[0]
        .atoms()
        .map(|a| a.position)
        .collect();
    for (b, a) in before.iter().zip(&after) {
        assert!(
            (a[0] - b[0] - 1.0).abs() < 1e-5 && a[1] == b[1] && a[2] == b[2],
            "{b:?} -> {a:?}"
        );
    }
}

#[tokio::test]
async fn a_stream_whose_atoms_vanish_is_interrupted() {
    use nts::api::link::{ToPlugin, ToSession};
    use nts::api::stream::{StreamCreate, StreamData, StreamDirection, StreamFeed, StreamKind};
    // Drive the session's side directly: a fake "plugin" is just the session's own router
    // seen through a host-less link is not possible, so use the sans-IO workspace.
    let mut ws = nts::session::workspace::SessionWorkspace::default();
    let added = ws
        .add(&[nts::files::load(&waters(tempfile::tempdir().unwrap().keep().as_path())).unwrap()])
        .unwrap();
    let lid = nts::wire::subject::Token::random();
    let atoms: Vec<i64> = added[0].atoms().map(|a| a.index).collect();
    let create = ToSession::StreamCreate(StreamCreate {
        kind: StreamKind::Position,
        direction: StreamDirection::Writing,
        indices: atoms.clone(),
    });
    let Ok(ToPlugin::StreamCreated(c)) = ws.handle_for(&lid, &create).unwrap().0 else {
        panic!("created")
    };
    // Wrong length: a clear error, nothing applied.
    let short = ToSession::StreamFeed(StreamFeed {
        stream_id: c.stream_id,
        data: StreamData::Float(vec![0.0; 3]),
    });
    let e = ws.handle_for(&lid, &short).unwrap().0.unwrap_err();
    assert!(e.message.contains("takes 18"), "{}", e.message);
    // The complex goes away: the next frame interrupts the stream.
    ws.handle(&ToSession::RemoveFromWorkspace(nts::api::link::Indices {
        indices: vec![added[0].index],
    }))
    .unwrap()
    .0
    .unwrap();
    let frame = ToSession::StreamFeed(StreamFeed {
        stream_id: c.stream_id,
        data: StreamData::Float(vec![0.0; 18]),
    });
    assert!(matches!(
        ws.handle_for(&lid, &frame).unwrap().0,
        Ok(ToPlugin::StreamInterrupt(_))
    ));
    // Another link cannot feed someone else's stream.
    let other = nts::wire::subject::Token::random();
    assert!(matches!(
        ws.handle_for(&other, &frame).unwrap().0,
        Ok(ToPlugin::StreamInterrupt(_))
    ));
}

#[tokio::test]
async fn the_session_calls_a_declared_integration() {
    use nts::api::integration::{IntegrationRequest, IntegrationResult};
    let sys = System::start().await;
    let _hbonds = sys.plugin("hbonds").await;
    let _hello = sys.plugin("hello").await;
    let list = sys.lobby().await.plugins().await.unwrap();
    let hb = list
        .plugins
        .iter()
        .find(|p| p.metadata.name == "hbonds")
        .unwrap();
    assert_eq!(
        hb.metadata.integrations,
        ["structure_prep"],
        "declared at registration"
    );

    // One alanine and the waters: preparation keeps the alanine, bonded, and drops the waters.
    let pdb = format!(
        "{}{}",
        "\
ATOM      1  N   ALA B   1      30.000   0.000   0.000  1.00  0.00           N
ATOM      2  CA  ALA B   1      31.458   0.000   0.000  1.00  0.00           C
ATOM      3  C   ALA B   1      32.009   1.420   0.000  1.00  0.00           C
ATOM      4  O   ALA B   1      31.251   2.390   0.000  1.00  0.00           O
",
        WATERS
    );
    let path = sys.dir.path().join("mixed.pdb");
    std::fs::write(&path, pdb).unwrap();
    let complex = nts::files::load(&path).unwrap();
    assert_eq!(complex.residues().count(), 4);
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let link = s.connect("hbonds").await.unwrap();
    let req = IntegrationRequest::StructurePrep {
        complexes: vec![complex],
    };
    let result = link
        .integration(req, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    let IntegrationResult::Complexes { complexes } = result else {
        panic!("expected complexes: {result:?}")
    };
    let codes: Vec<&str> = complexes[0].residues().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["ALA"]);
    assert_eq!(
        complexes[0].bonds().count(),
        3,
        "N-CA, CA-C, C=O rebuilt by the bond rule"
    );

    // A plugin that does not provide it answers with a clear refusal.
    let other = s.connect("hello").await.unwrap();
    let e = other
        .integration(
            IntegrationRequest::RunInteractions,
            std::time::Duration::from_secs(10),
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("does not implement the \"interactions\" integration"),
        "{e}"
    );
}
