//! The CDDL schemas in `schemas/` and the Rust types in `src/api` describe the same wire.
//!
//! For every kind of every message family a realistic sample is encoded with the real
//! encoder and validated against the schema (optional fields both present and absent).
//! Each family's covered kinds must equal its `Message::KINDS`, so adding a kind without
//! a sample (and hence a schema rule) fails here. Negative cases check that the schema
//! is not vacuous: malformed envelopes must be rejected, and by the Rust decoder too.
//!
//! The `cddl` crate validates against the first non-generic rule of the text, so each
//! check validates against `root = <rule>` followed by `envelope.cddl` and the plane's
//! files: `structure.cddl`, `stream.cddl`, `room.cddl`, `shape.cddl`, `integration.cddl`,
//! `ui.cddl`, `analysis.cddl`, `volume.cddl`, `interaction.cddl` then `link.cddl` for the
//! link plane, `control.cddl` for the control plane. Two constructs the crate (0.10)
//! mishandles are worked around in the schemas rather than left unchecked (see the
//! comments in `envelope.cddl`): `.regexp` is matched unanchored, so `token` spells out
//! `^...$`; and a bareword key named like a text rule (`token: token`, `text: tstr`) is
//! read as a type, so those keys are quoted (so is `"number"`, another prelude type;
//! `"root"`, `"complex"` and `"molecule"`, spelled like map rules, which the crate reads
//! right, are quoted for safety). Negative cases below keep both workarounds honest.

use std::collections::BTreeSet;
use std::f32::consts::FRAC_1_SQRT_2;

use ciborium::Value;
use nts::api::analysis::*;
use nts::api::control::*;
use nts::api::integration::*;
use nts::api::interaction::*;
use nts::api::link::*;
use nts::api::room::*;
use nts::api::shape::*;
use nts::api::stream::*;
use nts::api::structure::*;
use nts::api::ui::*;
use nts::api::volume::*;
use nts::api::{Empty, ErrorBody, ErrorCode, Org, PluginMetadata, PresenterInfo};
use nts::wire::chunk::{Chunk, split};
use nts::wire::subject::Token;
use nts::wire::{Envelope, Message, decode, encode};

const ENVELOPE: &str = include_str!("../schemas/envelope.cddl");
const STRUCTURE: &str = include_str!("../schemas/structure.cddl");
const STREAM: &str = include_str!("../schemas/stream.cddl");
const ROOM: &str = include_str!("../schemas/room.cddl");
const SHAPE: &str = include_str!("../schemas/shape.cddl");
const INTEGRATION: &str = include_str!("../schemas/integration.cddl");
const UI: &str = include_str!("../schemas/ui.cddl");
const ANALYSIS: &str = include_str!("../schemas/analysis.cddl");
const VOLUME: &str = include_str!("../schemas/volume.cddl");
const INTERACTION: &str = include_str!("../schemas/interaction.cddl");
const LINK_RULES: &str = include_str!("../schemas/link.cddl");
const CONTROL_RULES: &str = include_str!("../schemas/control.cddl");

/// A plane's schema files, in order, after `envelope.cddl`.
type Plane = &'static [&'static str];
/// The link plane: its bodies use the structure, stream, room, shape, integration, UI,
/// analysis, volume and interaction rules.
const LINK: Plane = &[
    STRUCTURE,
    STREAM,
    ROOM,
    SHAPE,
    INTEGRATION,
    UI,
    ANALYSIS,
    VOLUME,
    INTERACTION,
    LINK_RULES,
];
const CONTROL: Plane = &[CONTROL_RULES];

/// The schema for rule `root`: `root = <root>` + `envelope.cddl` + the plane's files.
fn schema_text(root: &str, plane: Plane) -> String {
    format!("root = {root}\n\n{ENVELOPE}\n{}", plane.join("\n"))
}

/// A parsed schema, validating CBOR against its root rule. Parsing is the slow part
/// (hundreds of ms in a debug build), so each family parses its schema once.
struct Schema {
    root: String,
    cddl: cddl::ast::CDDL<'static>,
}

impl Schema {
    fn new(root: &str, plane: Plane) -> Self {
        // Leaked so the AST (which borrows the text) can live in the struct; tests only.
        let text: &'static str = Box::leak(schema_text(root, plane).into_boxed_str());
        let cddl = cddl::cddl_from_str(text, true)
            .unwrap_or_else(|e| panic!("schema for {root} does not parse: {e}"));
        Schema {
            root: root.to_owned(),
            cddl,
        }
    }

    fn validate(&self, bytes: &[u8]) -> Result<(), String> {
        use cddl::validator::{Validator, cbor};
        let value = cddl::validator::cbor_value::decode_cbor(bytes).map_err(|e| e.to_string())?;
        let mut v = cbor::CBORValidator::new(&self.cddl, value, None);
        Validator::<cbor::Error<std::io::Error>>::validate(&mut v).map_err(|e| e.to_string())
    }
}

/// Validates CBOR bytes against rule `root` with the crate's one-shot entry point.
fn validate(root: &str, plane: Plane, bytes: &[u8]) -> Result<(), String> {
    cddl::validate_cbor_from_slice(&schema_text(root, plane), bytes, None)
        .map_err(|e| e.to_string())
}

fn tok(s: &str) -> Token {
    Token::new(s).unwrap()
}

fn presenter(with_org: bool) -> PresenterInfo {
    PresenterInfo {
        account_id: "acc-42".into(),
        account_name: "Ada Lovelace".into(),
        account_email: if with_org {
            "ada@example.org".into()
        } else {
            String::new()
        },
        org: with_org.then(|| Org {
            id: -7,
            name: "Analytical Engines".into(),
        }),
    }
}

fn metadata() -> PluginMetadata {
    PluginMetadata {
        name: "Hello Plugin".into(),
        description: "Says hello.".into(),
        category: "Examples".into(),
        tags: vec!["demo".into(), "hello".into()],
        has_advanced: true,
        permissions: vec!["local_files_access".into()],
        integrations: vec![],
        version: "1.2.3".into(),
    }
}

fn error_body(code: ErrorCode) -> ErrorBody {
    ErrorBody::new(code, format!("{code}: see the log"))
}

fn close_reasons() -> Vec<CloseReason> {
    vec![
        CloseReason::new(
            CloseCode::ClosedByPresenter,
            "disconnected by the presenter",
        ),
        CloseReason {
            exit_code: Some(0),
            ..CloseReason::new(CloseCode::InstanceExited, "instance exited")
        },
        CloseReason {
            exit_code: Some(-1),
            signal: Some(9),
            ..CloseReason::new(CloseCode::InstanceCrashed, "killed by SIGKILL")
        },
        CloseReason {
            signal: Some(i32::MAX),
            ..CloseReason::new(CloseCode::HostLost, "lease expired")
        },
    ]
}

fn plugin_info(links: u32) -> PluginInfo {
    PluginInfo {
        plugin_id: tok("p_hello"),
        metadata: PluginMetadata {
            name: "Minimal".into(),
            ..Default::default()
        },
        hosts: 2,
        capacity: u32::MAX,
        links,
    }
}

fn user(full: bool) -> UserInfo {
    if full {
        UserInfo {
            name: "Ada".into(),
            account_id: Some("acc-42".into()),
            email: Some("ada@example.org".into()),
            org: Some(Org {
                id: 1,
                name: "Org".into(),
            }),
        }
    } else {
        UserInfo {
            name: "Guest".into(),
            ..Default::default()
        }
    }
}

// ---- structures ----------------------------------------------------------------------

/// An atom with its defaults but for name, element and position.
fn atom(name: &str, symbol: &str, position: Vec3) -> Atom {
    Atom {
        symbol: symbol.into(),
        name: name.into(),
        position,
        ..Default::default()
    }
}

fn bond(atom1: u32, atom2: u32, kind: BondKind) -> Bond {
    Bond {
        index: -1,
        atom1,
        atom2,
        kind,
    }
}

/// One frame of [`full_complex`]: an Ala-Gly peptide in chain A and a ligand in chain HB,
/// with every enum value and most fields away from their defaults somewhere. `indexed`
/// frames carry workspace indices, the others (like new structures) none.
fn frame(model: u32, indexed: bool) -> Molecule {
    let dx = model as f32 * 0.125;
    let ix = |i: i64| {
        if indexed {
            1000 * i64::from(model + 1) + i
        } else {
            -1
        }
    };
    let modes = [
        AtomRenderingMode::BallStick,
        AtomRenderingMode::Stick,
        AtomRenderingMode::Wire,
        AtomRenderingMode::VanDerWaals,
        AtomRenderingMode::Point,
        AtomRenderingMode::BFactor,
        AtomRenderingMode::Adaptive,
    ];
    let mut ala = vec![
        atom("N", "N", [-0.966 + dx, 0.493, 1.500]),
        atom("CA", "C", [0.257 + dx, 0.418, 0.692]),
        atom("C", "C", [-0.094 + dx, 0.017, -0.716]),
        atom("O", "O", [-1.056 + dx, -0.682, -0.923]),
        atom("CB", "C", [1.204 + dx, -0.620, 1.296]),
    ];
    for (i, (a, mode)) in ala.iter_mut().zip(modes).enumerate() {
        a.index = ix(i as i64);
        a.serial = i as i32 + 1;
        a.atom_mode = mode;
        a.occupancy = 1.0;
        a.bfactor = 23.17 + i as f32;
    }
    ala[0].donor = true;
    ala[1].selected = true;
    ala[1].labeled = true;
    ala[1].label_text = "Cα".into();
    ala[1].atom_color = 0xff00_00ff;
    ala[1].atom_scale = 0.8;
    ala[2].atom_scale = 0.0;
    ala[3].acceptor = true;
    ala[3].partial_charge = -0.57;
    ala[4].occupancy = 0.5;
    let mut gly = vec![
        atom("N", "N", [0.652 + dx, 0.575, -1.678]),
        atom("CA", "C", [0.425 + dx, 0.219, -3.052]),
        atom("OXT", "O", [1.100 + dx, 1.020, -3.900]),
    ];
    for (i, a) in gly.iter_mut().enumerate() {
        a.index = ix(5 + i as i64);
        a.serial = 6 + i as i32;
        a.atom_mode = modes[5 + i % 2];
    }
    gly[2].formal_charge = -1;
    gly[2].partial_charge = -0.8;
    let mut ligand = vec![
        atom("C1", "C", [5.0 + dx, 5.0, 5.0]),
        atom("C2", "C", [6.2 + dx, 5.0, 5.0]),
        atom("N3", "N", [7.35 + dx, 5.0, 5.0]),
        atom("FE", "Fe", [3.0 + dx, 5.0, 5.0]),
    ];
    for (i, a) in ligand.iter_mut().enumerate() {
        a.index = ix(8 + i as i64);
        a.serial = 900 + i as i32;
        a.is_het = true;
        a.atom_mode = modes[i % 2];
    }
    ligand[3].formal_charge = 2;
    ligand[3].partial_charge = 1.25;
    ligand[3].selected = true;
    ligand[3].atom_scale = 1.25;
    let residue = |code: &str, serial: i32| Residue {
        index: ix(100 + i64::from(serial)),
        code: code.into(),
        serial,
        ..Default::default()
    };
    let peptide = [
        Residue {
            name: "alanine".into(),
            secondary_structure: SecondaryStructure::Helix,
            ribbon_mode: RibbonMode::AdaptiveTube,
            ribbon_color: 0x3366_ffff,
            ribbon_size: 1.5,
            labeled: true,
            label_text: "Ala 1".into(),
            atoms: ala,
            bonds: vec![
                Bond {
                    index: ix(200),
                    ..bond(0, 1, BondKind::CovalentSingle)
                },
                bond(1, 2, BondKind::CovalentSingle),
                bond(2, 3, BondKind::CovalentDouble),
                bond(1, 4, BondKind::CovalentSingle),
                // The peptide bond, to the next residue's N.
                bond(2, 5, BondKind::CovalentSingle),
            ],
            ..residue("ALA", 1)
        },
        Residue {
            secondary_structure: SecondaryStructure::Sheet,
            ribbon_mode: RibbonMode::Coil,
            ribbon_size: 0.1,
            atoms: gly,
            bonds: vec![bond(5, 6, BondKind::CovalentSingle)],
            ..residue("GLY", 2)
        },
    ];
    let het = Residue {
        secondary_structure: SecondaryStructure::Coil,
        ribboned: false,
        atoms: ligand,
        bonds: vec![
            bond(8, 9, BondKind::Aromatic),
            bond(9, 10, BondKind::CovalentTriple),
            bond(8, 11, BondKind::Unknown),
        ],
        ..residue("LIG", -501)
    };
    Molecule {
        index: ix(0),
        name: format!("MODEL {}", model + 1),
        associated: [("source".to_string(), "rcsb".to_string())].into(),
        chains: vec![
            Chain {
                index: ix(50),
                name: "A".into(),
                residues: peptide.into(),
            },
            Chain {
                index: ix(51),
                name: "HB".into(),
                residues: vec![het],
            },
        ],
    }
}

/// A two-frame complex as the session holds it, showing its second frame.
fn full_complex() -> Complex {
    Complex {
        index: 3,
        name: "1abc: Ala-Gly + ligand".into(),
        molecules: vec![frame(0, true), frame(1, true)],
        visible: false,
        locked: true,
        boxed: true,
        computing: true,
        current_frame: 1,
        position: [1.5, -2.25, 1e-3],
        rotation: [0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2],
        remarks: [
            ("2".to_string(), "RESOLUTION. 1.90 ANGSTROMS.".to_string()),
            ("350".to_string(), String::new()),
        ]
        .into(),
        box_label: "docked".into(),
    }
}

/// A new complex as a plugin builds it: no indices, every other field at its default
/// down to one default atom and a default bond (so all of them are omitted).
fn minimal_complex() -> Complex {
    Complex {
        molecules: vec![Molecule {
            chains: vec![Chain {
                residues: vec![Residue {
                    atoms: vec![Atom::default(), Atom::default()],
                    bonds: vec![bond(0, 1, BondKind::default())],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn full_workspace() -> Workspace {
    Workspace {
        complexes: vec![full_complex(), minimal_complex(), Complex::default()],
        position: [0.0, 1.25, -0.5],
        rotation: [0.5, 0.5, 0.5, 0.5],
        scale: [0.05, 0.05, 0.05],
    }
}

fn indices(indices: &[i64]) -> Indices {
    Indices {
        indices: indices.to_vec(),
    }
}

/// The chunks of `msg` sent in 1 KiB parts, and an empty one-part transfer.
fn chunks<M: Message>(msg: M) -> impl Iterator<Item = Chunk> {
    let parts = split(&encode(&Envelope::with_id(7, msg)), 1024);
    assert!(parts.len() > 1, "the sample should need several chunks");
    parts.into_iter().chain([Chunk {
        transfer: u64::MAX,
        seq: 0,
        count: 1,
        data: vec![],
    }])
}

fn to_plugin_samples() -> Vec<ToPlugin> {
    let start = |with_org| {
        ToPlugin::Start(StartInfo {
            plugin_id: tok("p_hello"),
            plugin_name: "Hello Plugin".into(),
            session_id: tok("s-1"),
            link_id: tok(&"L".repeat(64)),
            presenter: presenter(with_org),
            max_message: if with_org { 1 << 20 } else { u32::MAX },
        })
    };
    vec![
        start(true),
        start(false),
        ToPlugin::Run(Empty {}),
        ToPlugin::AdvancedSettings(Empty {}),
        ToPlugin::PresenterChange(presenter(true)),
        ToPlugin::PresenterInfo(presenter(false)),
        ToPlugin::Ping(Empty {}),
        ToPlugin::Error(error_body(ErrorCode::NotPresenter)),
        ToPlugin::Stop(StopInfo {
            reason: "host stopping".into(),
        }),
        ToPlugin::Credit(nts::api::link::Credit { received: 0 }),
        ToPlugin::Credit(nts::api::link::Credit { received: u64::MAX }),
        ToPlugin::Workspace(full_workspace()),
        ToPlugin::Workspace(Workspace::default()),
        ToPlugin::Complexes(ComplexList {
            complexes: vec![full_complex().shallow(), Complex::default()],
        }),
        ToPlugin::Complexes(ComplexList::default()),
        ToPlugin::ComplexesDeep(ComplexesDeep {
            complexes: vec![Some(full_complex()), None, Some(minimal_complex())],
        }),
        ToPlugin::ComplexesDeep(ComplexesDeep::default()),
        ToPlugin::Done(Empty {}),
        ToPlugin::ComplexAdded(Empty {}),
        ToPlugin::ComplexRemoved(Empty {}),
        ToPlugin::FileReply(FileReply::default()),
        ToPlugin::FileReply(FileReply {
            path: Some("/results/run 1".into()),
            ..Default::default()
        }),
        ToPlugin::FileReply(FileReply {
            entries: Some(vec![
                FileEntry {
                    name: "1abc.pdb".into(),
                    size: 123_456,
                    is_directory: false,
                    modified: 1_764_000_000,
                },
                FileEntry {
                    name: "results".into(),
                    size: 0,
                    is_directory: true,
                    modified: u64::MAX,
                },
            ]),
            ..Default::default()
        }),
        ToPlugin::FileReply(FileReply {
            entries: Some(vec![]),
            ..Default::default()
        }),
        ToPlugin::FileReply(FileReply {
            data: Some(b"HETATM    1 FE   LIG A 900\n".to_vec()),
            ..Default::default()
        }),
    ]
    .into_iter()
    .chain(chunks(ToPlugin::Workspace(full_workspace())).map(ToPlugin::Chunk))
    .chain(
        [
            StreamDataType::Float,
            StreamDataType::Byte,
            StreamDataType::String,
        ]
        .into_iter()
        .zip([1, 2, u32::MAX])
        .map(|(data_type, stream_id)| {
            ToPlugin::StreamCreated(StreamCreated {
                stream_id,
                data_type,
            })
        }),
    )
    .chain(
        stream_data_samples()
            .into_iter()
            .map(|data| ToPlugin::StreamFeed(StreamFeed { stream_id: 2, data })),
    )
    .chain(
        [
            StreamInterruptReason::StreamNotFound,
            StreamInterruptReason::Crashed,
        ]
        .map(|reason| {
            ToPlugin::StreamInterrupt(StreamInterrupt {
                stream_id: 7,
                reason,
            })
        }),
    )
    .chain(controller_transforms_samples().map(ToPlugin::ControllerTransforms))
    .chain(
        [
            MacroList::default(),
            MacroList {
                macros: macro_samples(),
            },
        ]
        .map(ToPlugin::Macros),
    )
    .chain(
        [
            ShapeResults::default(),
            ShapeResults {
                results: vec![
                    ShapeResult {
                        index: 1,
                        error: None,
                    },
                    ShapeResult {
                        index: -1,
                        error: Some("this shape needs 2 to 64 anchors, it has 1".into()),
                    },
                    ShapeResult {
                        index: -1,
                        error: Some(String::new()),
                    },
                    ShapeResult {
                        index: i32::MAX,
                        error: None,
                    },
                ],
            },
        ]
        .map(ToPlugin::ShapesUploaded),
    )
    .chain(
        [vec![], vec![true, false, true]]
            .map(|destroyed| ToPlugin::ShapesDestroyed(ShapesDestroyed { destroyed })),
    )
    .chain(integration_request_samples().map(ToPlugin::Integration))
    .chain(ui_event_samples())
    .chain([
        ToPlugin::Substructures(SubstructureList {
            substructures: substructure_samples(),
        }),
        ToPlugin::Substructures(SubstructureList {
            substructures: vec![],
        }),
        ToPlugin::ComplexUpdated(full_complex()),
        ToPlugin::ComplexUpdated(minimal_complex()),
        ToPlugin::SelectionChanged(full_complex()),
        ToPlugin::SelectionChanged(Complex::default()),
        ToPlugin::InteractionsCreated(indices(&[0, 1, i64::MAX])),
        ToPlugin::InteractionsCreated(indices(&[])),
        ToPlugin::Interactions(InteractionList {
            interactions: interaction_samples(true),
        }),
        ToPlugin::Interactions(InteractionList {
            interactions: vec![],
        }),
    ])
    .collect()
}

/// Every integration call, with extremes and empty lists somewhere.
fn integration_request_samples() -> impl Iterator<Item = IntegrationRequest> {
    let complexes = || vec![full_complex(), minimal_complex()];
    [
        IntegrationRequest::HydrogenAdd {
            complexes: complexes(),
        },
        IntegrationRequest::HydrogenAdd { complexes: vec![] },
        IntegrationRequest::HydrogenRemove {
            complexes: vec![full_complex()],
        },
        IntegrationRequest::StructurePrep {
            complexes: complexes(),
        },
        IntegrationRequest::CalculateEsp {
            complexes: vec![Complex::default()],
        },
        IntegrationRequest::MinimizationStart {
            forcefield: 1,
            steps: 2500,
            steepest: true,
            cutoff: 12.5,
        },
        IntegrationRequest::MinimizationStart {
            forcefield: u8::MAX,
            steps: i32::MIN,
            steepest: false,
            cutoff: f32::MIN_POSITIVE,
        },
        IntegrationRequest::MinimizationStart {
            forcefield: 0,
            steps: i32::MAX,
            steepest: false,
            cutoff: 1e-3,
        },
        IntegrationRequest::MinimizationStop,
        IntegrationRequest::ExportLocations,
        IntegrationRequest::ExportFile {
            location: "Workspace".into(),
            filename: "1abc prepared ✓.pdb".into(),
            data: b"HETATM    1 FE   LIG A 900\nEND\n".to_vec(),
        },
        IntegrationRequest::ExportFile {
            location: String::new(),
            filename: String::new(),
            data: vec![],
        },
        IntegrationRequest::ImportFile,
        IntegrationRequest::GenerateMoleculeImage {
            complexes: complexes(),
            width: 512,
            height: 384,
        },
        IntegrationRequest::GenerateMoleculeImage {
            complexes: vec![],
            width: 0,
            height: u32::MAX,
        },
        IntegrationRequest::ExportSmiles {
            complexes: complexes(),
        },
        IntegrationRequest::ImportSmiles {
            smiles: vec![
                "CCO".into(),
                "c1ccccc1".into(),
                "[Fe+2]".into(),
                String::new(),
            ],
        },
        IntegrationRequest::ImportSmiles { smiles: vec![] },
        IntegrationRequest::RunInteractions,
    ]
    .into_iter()
}

/// Every integration result, with empty lists somewhere.
fn integration_result_samples() -> impl Iterator<Item = IntegrationResult> {
    // Minimal PNG and JPEG signatures: the schema only sees byte strings.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let jpeg = vec![0xff, 0xd8, 0xff, 0xe0, 0, 0x10, b'J', b'F', b'I', b'F', 0];
    [
        IntegrationResult::Complexes {
            complexes: vec![full_complex(), minimal_complex()],
        },
        IntegrationResult::Complexes { complexes: vec![] },
        IntegrationResult::Success { ok: true },
        IntegrationResult::Success { ok: false },
        IntegrationResult::Locations {
            names: vec!["Workspace".into(), "Google Drive ✓".into(), String::new()],
        },
        IntegrationResult::Locations { names: vec![] },
        IntegrationResult::Images {
            images: vec![png.into(), jpeg.into(), serde_bytes::ByteBuf::new()],
        },
        IntegrationResult::Images { images: vec![] },
        IntegrationResult::Smiles {
            smiles: vec!["CC(=O)N[C@@H](C)C(=O)NCC(=O)O".into(), String::new()],
        },
        IntegrationResult::Smiles { smiles: vec![] },
        IntegrationResult::Done,
    ]
    .into_iter()
}

/// Anchors of every type, with each offset away from its default somewhere.
fn anchor_samples() -> [Anchor; 4] {
    [
        Anchor::default(),
        Anchor {
            anchor_type: AnchorType::Workspace,
            target: -1,
            global_offset: [0.0, 1.5, -2.25],
            ..Default::default()
        },
        Anchor {
            anchor_type: AnchorType::Complex,
            target: 3,
            local_offset: [0.0, 1.5, 0.0],
            ..Default::default()
        },
        Anchor {
            anchor_type: AnchorType::Atom,
            target: i64::MAX,
            local_offset: [1e-3, -0.0, f32::MAX],
            global_offset: [0.1, -0.2, 0.3],
            viewer_offset: [0.0, 0.0, -0.5],
        },
    ]
}

fn atom_anchor(target: i64) -> Anchor {
    Anchor {
        anchor_type: AnchorType::Atom,
        target,
        ..Default::default()
    }
}

fn mesh(normals: bool, colors: bool, unlit: bool) -> Geometry {
    // A unit quad: two triangles over four vertices.
    Geometry::Mesh {
        vertices: vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        normals: if normals {
            [0.0, 0.0, 1.0].repeat(4)
        } else {
            vec![]
        },
        colors: if colors {
            vec![
                1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.0,
            ]
        } else {
            vec![]
        },
        triangles: vec![0, 1, 2, 2, 3, 0],
        unlit,
    }
}

/// Shapes of every geometry on anchors of every type: meshes with and without normals
/// and colours, new shapes and replacements.
fn shape_samples() -> Vec<Shape> {
    let [workspace, offset, complex, atom] = anchor_samples();
    let mut v = vec![
        Shape::sphere(1.5, workspace.clone()),
        Shape {
            index: 7,
            color: 0xff00_00ff,
            ..Shape::sphere(0.0, complex.clone())
        },
        Shape::line(atom_anchor(1001), atom_anchor(1002)),
        Shape {
            index: i32::MAX,
            geometry: Geometry::Line {
                thickness: 0.05,
                dash_length: 0.0,
                dash_distance: f32::MAX,
            },
            anchors: vec![
                workspace.clone(),
                offset.clone(),
                complex.clone(),
                atom.clone(),
            ],
            color: u32::MAX,
        },
        Shape::label("Cα 1001 ✓", atom.clone()),
        Shape {
            color: 0,
            ..Shape::label("", offset)
        },
    ];
    for (i, (normals, colors, unlit)) in [
        (false, false, false),
        (true, false, false),
        (false, true, true),
        (true, true, true),
    ]
    .into_iter()
    .enumerate()
    {
        v.push(Shape {
            index: i as i32 - 1,
            geometry: mesh(normals, colors, unlit),
            anchors: vec![[workspace.clone(), complex.clone(), atom.clone()][i % 3].clone()],
            color: 0x3366_ff80,
        });
    }
    // An empty mesh.
    v.push(Shape {
        index: 0,
        geometry: Geometry::Mesh {
            vertices: vec![],
            normals: vec![],
            colors: vec![],
            triangles: vec![],
            unlit: false,
        },
        anchors: vec![complex],
        color: 0x8080_80ff,
    });
    v
}

/// A presenter standing at the origin, looking ahead, and one with extreme values.
fn controller_transforms_samples() -> [ControllerTransforms; 2] {
    let identity = [0.0, 0.0, 0.0, 1.0];
    [
        ControllerTransforms {
            head: Pose {
                position: [0.0, 1.6, 0.0],
                rotation: identity,
            },
            left: Pose {
                position: [-0.25, 1.1, 0.3],
                rotation: [0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2],
            },
            right: Pose {
                position: [0.25, 1.1, 0.3],
                rotation: [-0.5, 0.5, -0.5, 0.5],
            },
        },
        ControllerTransforms {
            head: Pose {
                position: [f32::MAX, f32::MIN, f32::MIN_POSITIVE],
                rotation: [-0.0, 0.0, 0.0, -1.0],
            },
            left: Pose {
                position: [0.0; 3],
                rotation: [0.0; 4],
            },
            right: Pose {
                position: [1e-3, -2.25, 123.456],
                rotation: identity,
            },
        },
    ]
}

/// Macros: Lua over several lines, and an empty one.
fn macro_samples() -> Vec<Macro> {
    vec![
        Macro {
            title: "Color ligands ✓".into(),
            logic: "for _, a in ipairs(atoms) do\n  a.color = 0xff0000\nend\n".into(),
        },
        Macro {
            title: String::new(),
            logic: String::new(),
        },
    ]
}

/// Frames of every data type, full and empty.
fn stream_data_samples() -> Vec<StreamData> {
    vec![
        // Two positions.
        StreamData::Float(vec![1.5, -2.25, 1e-3, f32::MAX, f32::MIN_POSITIVE, -0.0]),
        // One complex placement (position, rotation), then extremes.
        StreamData::Float(vec![0.0, 0.0, 0.0, 0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2]),
        StreamData::Float(vec![f32::INFINITY, f32::NEG_INFINITY, f32::MIN]),
        StreamData::Float(vec![]),
        // Two colours.
        StreamData::Byte(vec![0xff, 0x80, 0x00, 0, 0, 0]),
        StreamData::Byte(vec![]),
        StreamData::String(vec!["CA".into(), String::new(), "Fe²⁺ ✓".into()]),
        StreamData::String(vec![]),
    ]
}

// ---- menus ---------------------------------------------------------------------------

/// A PNG signature and the start of its header: the schema only sees a byte string.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn png() -> serde_bytes::ByteBuf {
    serde_bytes::ByteBuf::from(PNG)
}

/// A button with every field away from its default.
fn full_button(id: u32) -> Button {
    Button {
        id,
        name: "dock ✓".into(),
        selected: true,
        unusable: true,
        disable_on_press: true,
        toggle_on_press: true,
        hover_events: true,
        text: ButtonText {
            active: false,
            value: MultiState {
                idle: "Dock".into(),
                selected: "Docking…".into(),
                highlighted: "Dock!".into(),
                selected_highlighted: String::new(),
                unusable: "—".into(),
            },
            auto_size: false,
            min_size: 0.1,
            max_size: 0.5,
            size: 0.25,
            underlined: true,
            ellipsis: false,
            bold: MultiState {
                selected: false,
                ..MultiState::all(true)
            },
            color: MultiState {
                unusable: GREY,
                ..MultiState::all(BLACK)
            },
            padding: [0.01, 0.02, 0.0, -0.0],
            line_spacing: 0.5,
            vertical_align: VertAlign::Bottom,
            horizontal_align: HorizAlign::Right,
        },
        icon: ButtonIcon {
            active: true,
            value: MultiState {
                idle: png(),
                selected: serde_bytes::ByteBuf::from(vec![0xff, 0xd8, 0xff]),
                ..MultiState::default()
            },
            color: MultiState::all(0x3366_ffff),
            sharpness: 1.0,
            size: 0.8,
            ratio: 0.25,
            position: [0.0, 0.01, -0.02],
            rotation: [0.0, 0.0, 90.0],
        },
        mesh: ButtonMesh {
            active: true,
            enabled: MultiState {
                unusable: false,
                ..MultiState::all(true)
            },
            color: MultiState::all(0x2020_20ff),
        },
        outline: ButtonOutline {
            active: false,
            size: MultiState {
                highlighted: 0.5,
                ..MultiState::all(0.1)
            },
            color: MultiState::default(),
        },
        tooltip: Tooltip {
            title: "Dock".into(),
            content: "Docks the ligand.".into(),
            bounds: [1.0, 0.5, 0.05],
            positioning_target: TooltipPositioning::Bottom,
            positioning_origin: TooltipPositioning::Center,
        },
        switch: ButtonSwitch {
            active: true,
            on_color: 0x00ff_00ff,
            off_color: 0xff00_00ff,
        },
    }
}

/// A node showing `content`.
fn node(id: u32, name: &str, content: impl Into<Content>) -> LayoutNode {
    LayoutNode {
        id,
        name: name.into(),
        content: Some(content.into()),
        ..Default::default()
    }
}

/// Every content type away from its defaults, ids from `base`: a list whose items nest
/// nodes (one with a list of its own) and a dropdown with items among them.
fn content_samples(base: u32) -> Vec<Content> {
    let inner_list = UiList {
        id: base + 100,
        items: vec![node(base + 101, "inner", UiMesh::default())],
        ..Default::default()
    };
    let row = |i: u32| LayoutNode {
        id: base + 10 + i,
        name: format!("row {i}"),
        layout_orientation: Orientation::Horizontal,
        children: vec![
            node(
                base + 20 + i,
                "name",
                Label {
                    id: base + 30 + i,
                    text_value: format!("pose {i}"),
                    ..Default::default()
                },
            ),
            node(base + 40 + i, "pick", full_button(base + 50 + i)).fixed(0.1),
        ],
        ..Default::default()
    };
    vec![
        full_button(base).into(),
        UiMesh {
            id: base + 1,
            mesh_color: 0x1020_30ff,
        }
        .into(),
        Slider {
            id: base + 2,
            current_value: 0.25,
            min_value: -1.0,
            max_value: f32::MAX,
        }
        .into(),
        TextInput {
            id: base + 3,
            max_length: u32::MAX,
            placeholder_text: "SMILES…".into(),
            input_text: "CCO".into(),
            password: true,
            number: true,
            placeholder_text_color: GREY,
            text_color: WHITE,
            background_color: 0,
            text_size: 0.5,
            text_horizontal_align: HorizAlign::Right,
            multi_line: true,
            padding: [0.0; 4],
        }
        .into(),
        Label {
            id: base + 4,
            text_value: "Résultats ✓\nline 2".into(),
            text_vertical_align: VertAlign::Bottom,
            text_horizontal_align: HorizAlign::Middle,
            text_auto_size: false,
            text_max_size: 2.0,
            text_min_size: 0.5,
            text_size: 0.3,
            text_color: BLACK,
            text_bold: true,
            text_italic: true,
            text_underlined: true,
        }
        .into(),
        UiList {
            id: base + 5,
            items: vec![row(1), row(2), node(base + 60, "nested", inner_list)],
            display_columns: 2,
            display_rows: 5,
            total_columns: 4,
            unusable: true,
        }
        .into(),
        Image {
            id: base + 6,
            color: 0xffff_ff80,
            scaling_option: ScalingOption::Fit,
            name: "logo.png".into(),
            data: png(),
            pointer_events: true,
        }
        .into(),
        Image {
            id: base + 7,
            scaling_option: ScalingOption::Fill,
            ..Default::default()
        }
        .into(),
        LoadingBar {
            id: base + 8,
            percentage: 0.5,
            title: "Docking".into(),
            description: "pose 3 of 9".into(),
            failure: true,
        }
        .into(),
        Dropdown {
            id: base + 9,
            use_permanent_title: true,
            permanent_title: "Forcefield".into(),
            max_displayed_items: 2,
            items: vec![
                DropdownItem {
                    name: "UFF".into(),
                    selected: true,
                    close_on_selected: false,
                },
                DropdownItem::default(),
                DropdownItem {
                    name: String::new(),
                    ..Default::default()
                },
            ],
            unusable: true,
        }
        .into(),
    ]
}

/// Every content type at its defaults (a list and a dropdown without items).
fn default_contents() -> Vec<Content> {
    vec![
        Content::Button(Box::default()),
        UiMesh::default().into(),
        Slider::default().into(),
        TextInput::default().into(),
        Label::default().into(),
        UiList::default().into(),
        Image::default().into(),
        LoadingBar::default().into(),
        Dropdown::default().into(),
    ]
}

/// Buttons whose tooltips take every positioning, as target and origin.
fn tooltip_buttons() -> impl Iterator<Item = Content> {
    let all = [
        TooltipPositioning::TopRight,
        TooltipPositioning::Top,
        TooltipPositioning::TopLeft,
        TooltipPositioning::Left,
        TooltipPositioning::BottomLeft,
        TooltipPositioning::Bottom,
        TooltipPositioning::BottomRight,
        TooltipPositioning::Right,
        TooltipPositioning::Center,
    ];
    all.into_iter().zip(all.into_iter().rev()).enumerate().map(
        |(i, (positioning_target, positioning_origin))| {
            let mut b = Button {
                id: 900 + i as u32,
                ..Default::default()
            };
            b.tooltip.positioning_target = positioning_target;
            b.tooltip.positioning_origin = positioning_origin;
            b.into()
        },
    )
}

/// A two-column menu: every content type on the left (list items and dropdown items
/// included), an empty disabled column on the right; every layout value somewhere.
fn full_menu() -> Menu {
    let left = LayoutNode {
        id: 2,
        name: "left".into(),
        layer: 1,
        children: content_samples(10)
            .into_iter()
            .enumerate()
            .map(|(i, c)| node(200 + i as u32, c.type_name(), c))
            .collect(),
        ..LayoutNode::default().ratio(0.7)
    };
    let right = LayoutNode {
        id: 3,
        name: "right".into(),
        enabled: false,
        layer: i32::MIN,
        forward_dist: 0.01,
        padding_type: PaddingType::Ratio,
        padding: [0.1, 0.1, 0.05, 0.05],
        children: vec![LayoutNode::default()],
        ..LayoutNode::default().fixed(0.25)
    };
    Menu {
        index: 1,
        enabled: true,
        title: "Docking ✓".into(),
        locked: true,
        width: 1.2,
        height: 0.9,
        root: LayoutNode {
            id: 1,
            name: "root".into(),
            children: vec![left, right],
            ..LayoutNode::default().horizontal()
        },
    }
}

fn menu_transform(index: u8) -> MenuTransform {
    MenuTransform {
        index,
        position: [0.0, 1.5, -0.75],
        rotation: [0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2],
        scale: [1.0, 1.0, 1.0],
    }
}

/// The session's events about menus: every kind, with extremes somewhere.
fn ui_event_samples() -> Vec<ToPlugin> {
    vec![
        ToPlugin::MenuToggle(MenuToggle {
            index: 0,
            enabled: true,
        }),
        ToPlugin::MenuToggle(MenuToggle {
            index: u8::MAX,
            enabled: false,
        }),
        ToPlugin::ButtonPress(ButtonEvent {
            content_id: 10,
            state: true,
        }),
        ToPlugin::ButtonPress(ButtonEvent {
            content_id: 0,
            state: false,
        }),
        ToPlugin::ButtonHover(ButtonEvent {
            content_id: MAX_ID,
            state: true,
        }),
        ToPlugin::SliderChange(SliderEvent {
            content_id: 12,
            value: 0.25,
        }),
        ToPlugin::SliderChange(SliderEvent {
            content_id: 12,
            value: -0.0,
        }),
        ToPlugin::SliderRelease(SliderEvent {
            content_id: 12,
            value: f32::MAX,
        }),
        ToPlugin::TextChange(TextEvent {
            content_id: 13,
            text: "CCO ✓".into(),
        }),
        ToPlugin::TextSubmit(TextEvent {
            content_id: 13,
            text: String::new(),
        }),
        ToPlugin::ImagePress(ImageEvent {
            content_id: 16,
            x: 0.0,
            y: 1.0,
        }),
        ToPlugin::ImageHold(ImageEvent {
            content_id: 16,
            x: 0.5,
            y: 0.25,
        }),
        ToPlugin::ImageRelease(ImageEvent {
            content_id: 16,
            x: 1.0,
            y: 1e-3,
        }),
        ToPlugin::DropdownItemClick(DropdownEvent {
            content_id: 19,
            item: 0,
        }),
        ToPlugin::DropdownItemClick(DropdownEvent {
            content_id: 19,
            item: u32::MAX,
        }),
        ToPlugin::MenuTransform(menu_transform(1)),
    ]
}

/// What an instance sends about menus: every kind, deep and shallow, full and empty.
fn ui_update_samples() -> Vec<ToSession> {
    let mut contents = content_samples(10);
    contents.extend(default_contents());
    contents.extend(tooltip_buttons());
    let menu = full_menu();
    vec![
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(menu.clone()),
            shallow: false,
        }),
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(Menu {
                index: 1,
                enabled: false,
                title: "Docking (3/9)".into(),
                root: LayoutNode::default(),
                ..Menu::default()
            }),
            shallow: true,
        }),
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(Menu {
                index: u8::MAX,
                title: String::new(),
                width: 0.0,
                height: f32::MAX,
                root: LayoutNode::default(),
                ..Menu::default()
            }),
            shallow: false,
        }),
        ToSession::ContentUpdate(ContentUpdate { content: contents }),
        ToSession::ContentUpdate(ContentUpdate { content: vec![] }),
        ToSession::NodeUpdate(NodeUpdate {
            nodes: vec![menu.root.children[0].clone(), LayoutNode::default()],
        }),
        ToSession::NodeUpdate(NodeUpdate { nodes: vec![] }),
        ToSession::MenuTransformSet(menu_transform(0)),
        ToSession::MenuTransformSet(MenuTransform {
            index: u8::MAX,
            position: [f32::MIN, 0.0, f32::MAX],
            rotation: [0.0, 0.0, 0.0, 1.0],
            scale: [0.0; 3],
        }),
        ToSession::MenuTransformRequest(MenuRef { index: 0 }),
        ToSession::MenuTransformRequest(MenuRef { index: u8::MAX }),
    ]
}

// ---- analysis, volumes, interactions -------------------------------------------------

/// Substructures of a small protein-ligand complex, one of each type.
fn substructure_samples() -> Vec<Substructure> {
    vec![
        Substructure {
            name: "A".into(),
            kind: SubstructureType::Protein,
            residues: vec![1101, 1102],
        },
        Substructure {
            name: "LIG".into(),
            kind: SubstructureType::Ligand,
            residues: vec![i64::MAX],
        },
        Substructure {
            name: "solvent".into(),
            kind: SubstructureType::Solvent,
            residues: vec![],
        },
    ]
}

/// Every colour scheme, on every target, with and without only_carbons.
fn color_scheme_samples() -> impl Iterator<Item = ApplyColorScheme> {
    let targets = [
        ColorSchemeTarget::AtomBond,
        ColorSchemeTarget::Ribbon,
        ColorSchemeTarget::Surface,
        ColorSchemeTarget::All,
    ];
    [
        ColorScheme::Residue,
        ColorScheme::Occupancy,
        ColorScheme::BFactor,
        ColorScheme::Element,
        ColorScheme::Rainbow,
        ColorScheme::Chain,
        ColorScheme::DonorAcceptor,
        ColorScheme::SecondaryStructure,
        ColorScheme::Monochrome,
        ColorScheme::YrbHydrophobicity,
        ColorScheme::Hydrophobicity,
        ColorScheme::Imgt,
        ColorScheme::Kabat,
        ColorScheme::Chothia,
        ColorScheme::Apf,
        ColorScheme::BFactorAf,
    ]
    .into_iter()
    .enumerate()
    .map(move |(i, scheme)| ApplyColorScheme {
        scheme,
        target: targets[i % targets.len()],
        only_carbons: i % 3 == 0,
    })
}

/// Volumes of every type and style on a 2×2×2 grid: one with everything away from its
/// defaults, the others plain.
fn volume_samples() -> Vec<AddVolume> {
    let values = [0.0, 0.5, 1.0, 1.5, -0.25, 2.0, 0.125, 3.0];
    let grid = || VolumeData::from_values(2, 2, 2, &values);
    let mut v = vec![AddVolume {
        complex: Complex {
            name: "1abc 2Fo-Fc".into(),
            ..minimal_complex()
        },
        align_to: 3,
        volume: VolumeData {
            kind: VolumeType::Density,
            name: "2FoFc ✓".into(),
            cell: UnitCell {
                lengths: [40.0, 50.5, 61.25],
                angles: [90.0, 100.5, 90.0],
                origin: [-10.0, 0.0, 5.0],
            },
            ..grid()
        },
        properties: VolumeProperties {
            visible: false,
            boxed: false,
            use_map_mover: false,
            style: VolumeStyle::SmoothSurface,
            layers: vec![
                VolumeLayer {
                    color: 0x3366_ffff,
                    rmsd: 1.0,
                },
                VolumeLayer {
                    color: 0xff00_0080,
                    rmsd: -3.0,
                },
            ],
        },
    }];
    let styles = [
        VolumeStyle::Mesh,
        VolumeStyle::FlatSurface,
        VolumeStyle::SmoothSurface,
    ];
    for (i, kind) in [
        VolumeType::Default,
        VolumeType::Density,
        VolumeType::DensityDiff,
        VolumeType::CryoEm,
        VolumeType::Electrostatic,
    ]
    .into_iter()
    .enumerate()
    {
        v.push(AddVolume {
            complex: Complex::default(),
            align_to: -1,
            volume: VolumeData { kind, ..grid() },
            properties: VolumeProperties {
                style: styles[i % styles.len()],
                ..Default::default()
            },
        });
    }
    v
}

/// Interactions of every kind between two atoms, then groups, conformations and
/// extremes; `indexed` ones as the session reports them, the others as an instance
/// creates them.
fn interaction_samples(indexed: bool) -> Vec<Interaction> {
    let kinds = [
        InteractionKind::Covalent,
        InteractionKind::HydrogenBond,
        InteractionKind::Ionic,
        InteractionKind::XBond,
        InteractionKind::MetalComplex,
        InteractionKind::Aromatic,
        InteractionKind::Hydrophobic,
        InteractionKind::VanDerWaals,
        InteractionKind::VanDerWaalsClash,
        InteractionKind::WeakHBond,
        InteractionKind::Polar,
        InteractionKind::WeakPolar,
        InteractionKind::Clash,
        InteractionKind::Carbonyl,
        InteractionKind::CarbonPi,
        InteractionKind::CationPi,
        InteractionKind::DonorPi,
        InteractionKind::HalogenPi,
        InteractionKind::MetsulphurPi,
        InteractionKind::Proximal,
    ];
    let index = |i: usize| if indexed { i as i64 } else { -1 };
    let mut v: Vec<Interaction> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Interaction {
            index: index(i),
            ..Interaction::new(kind, 1001 + i as i64, 2001)
        })
        .collect();
    v.extend([
        // A ring stacked on a ring, in given conformers, hidden.
        Interaction {
            index: index(100),
            kind: InteractionKind::Aromatic,
            atom1: (1008..1014).collect(),
            atom2: (2008..2014).collect(),
            atom1_conformation: Some(0),
            atom2_conformation: Some(u32::MAX),
            visible: false,
        },
        Interaction {
            index: if indexed { i64::MAX } else { -1 },
            atom2_conformation: Some(2),
            ..Interaction::new(InteractionKind::HydrogenBond, i64::MIN, i64::MAX)
        },
    ]);
    v
}

fn to_session_samples() -> Vec<ToSession> {
    let mut v = vec![
        ToSession::Ready(Empty {}),
        ToSession::PresenterInfoRequest(Empty {}),
        ToSession::Pong(Empty {}),
        ToSession::Error(error_body(ErrorCode::BadRequest)),
    ];
    for (kind, text) in [
        (NotificationType::Message, "plain"),
        (NotificationType::Success, "héllo ✓"),
        (NotificationType::Warning, ""),
        (NotificationType::Error, "failed"),
    ] {
        v.push(ToSession::Notification(Notification {
            kind,
            text: text.into(),
        }));
    }
    v.extend(close_reasons().into_iter().map(ToSession::Closed));
    let new = Complex {
        index: -1,
        molecules: vec![frame(0, false), frame(1, false)],
        ..full_complex()
    };
    v.extend([
        ToSession::WorkspaceRequest(Empty {}),
        ToSession::ComplexListRequest(Empty {}),
        ToSession::ComplexesRequest(indices(&[3, 0, 99])),
        ToSession::ComplexesRequest(indices(&[])),
        ToSession::WorkspaceUpdate(full_workspace()),
        ToSession::WorkspaceUpdate(Workspace::default()),
        ToSession::AddToWorkspace(ComplexList {
            complexes: vec![new, minimal_complex(), Complex::default()],
        }),
        ToSession::RemoveFromWorkspace(indices(&[3])),
        ToSession::StructuresUpdate(StructuresUpdate {
            deep: true,
            complexes: vec![full_complex()],
        }),
        ToSession::StructuresUpdate(StructuresUpdate {
            deep: false,
            complexes: vec![
                full_complex().shallow(),
                Complex {
                    index: 0,
                    ..Default::default()
                },
            ],
        }),
        ToSession::ZoomOn(indices(&[1001, 1002, 1003])),
        ToSession::CenterOn(indices(&[i64::MIN, -1, 0, i64::MAX])),
    ]);
    v.extend(chunks(ToSession::WorkspaceUpdate(full_workspace())).map(ToSession::Chunk));
    let path = |p: &str| p.to_string();
    v.extend(
        [
            FileOp::Pwd,
            FileOp::Cd { path: path("..") },
            FileOp::Ls { path: path("/") },
            FileOp::Get {
                path: path("1abc.pdb"),
            },
            FileOp::Put {
                path: path("results/out.sdf"),
                data: b"\n  nts\n\n$$$$\n".to_vec(),
            },
            FileOp::Put {
                path: path("empty"),
                data: vec![],
            },
            FileOp::Mv {
                src: path("a.pdb"),
                dst: path("b.pdb"),
            },
            FileOp::Cp {
                src: path("b.pdb"),
                dst: path("/archive/b.pdb"),
            },
            FileOp::Rm {
                path: path("b.pdb"),
            },
            FileOp::Mkdir {
                path: path("results"),
            },
            FileOp::Rmdir {
                path: path("results"),
            },
        ]
        .map(ToSession::File),
    );
    let kinds = [
        StreamKind::Position,
        StreamKind::Color,
        StreamKind::Scale,
        StreamKind::Label,
        StreamKind::ComplexPositionRotation,
    ];
    for kind in kinds {
        for direction in [StreamDirection::Writing, StreamDirection::Reading] {
            v.push(ToSession::StreamCreate(StreamCreate {
                kind,
                direction,
                indices: if kind == StreamKind::ComplexPositionRotation {
                    vec![3, 0]
                } else {
                    vec![1001, 1002, i64::MIN, i64::MAX]
                },
            }));
        }
    }
    v.push(ToSession::StreamCreate(StreamCreate {
        kind: StreamKind::Scale,
        direction: StreamDirection::Writing,
        indices: vec![],
    }));
    v.extend(
        stream_data_samples()
            .into_iter()
            .zip([1, 0, u32::MAX].into_iter().cycle())
            .map(|(data, stream_id)| ToSession::StreamFeed(StreamFeed { stream_id, data })),
    );
    v.extend([0, 1, u32::MAX].map(|stream_id| ToSession::StreamDestroy(StreamRef { stream_id })));
    v.extend(
        [
            ("https://nanome.ai", false),
            ("nanome.ai/docs?q=a b&x=é", true),
            ("", false),
        ]
        .map(|(url, desktop_browser)| {
            ToSession::OpenUrl(OpenUrl {
                url: url.into(),
                desktop_browser,
            })
        }),
    );
    v.extend(
        [
            Skybox::BlueSkiesAndClouds,
            Skybox::Sunset,
            Skybox::Beach,
            Skybox::Black,
            Skybox::White,
            Skybox::Graydient,
        ]
        .map(|skybox| ToSession::SetSkybox(SetSkybox { skybox })),
    );
    for button in [PluginListButton::Run, PluginListButton::AdvancedSettings] {
        for (text, usable) in [
            (None, None),
            (Some("Dock ✓"), None),
            (None, Some(false)),
            (Some(""), Some(true)),
        ] {
            v.push(ToSession::SetPluginListButton(SetPluginListButton {
                button,
                text: text.map(Into::into),
                usable,
            }));
        }
    }
    v.push(ToSession::ControllerTransformsRequest(Empty {}));
    for m in macro_samples() {
        v.extend([
            ToSession::MacroSave(m.clone()),
            ToSession::MacroRun(m.clone()),
            ToSession::MacroDelete(MacroRef { title: m.title }),
        ]);
    }
    v.extend([
        ToSession::MacroStop(Empty {}),
        ToSession::MacroList(Empty {}),
    ]);
    v.extend([
        ToSession::ShapesUpload(ShapeList {
            shapes: shape_samples(),
        }),
        ToSession::ShapesUpload(ShapeList::default()),
        ToSession::ShapesDestroy(ShapeIndices {
            indices: vec![1, 0, -1, i32::MIN, i32::MAX],
        }),
        ToSession::ShapesDestroy(ShapeIndices::default()),
    ]);
    v.extend(integration_result_samples().map(ToSession::IntegrationResult));
    v.extend(ui_update_samples());
    v.push(ToSession::SubstructureRequest(SubstructureRequest {
        molecule: 1000,
        kind: None,
    }));
    v.extend(
        [
            SubstructureType::Protein,
            SubstructureType::Ligand,
            SubstructureType::Solvent,
        ]
        .map(|kind| {
            ToSession::SubstructureRequest(SubstructureRequest {
                molecule: i64::MAX,
                kind: Some(kind),
            })
        }),
    );
    v.extend(color_scheme_samples().map(ToSession::ApplyColorScheme));
    v.extend(
        [(3, true, true), (0, false, false), (i64::MAX, true, false)].map(
            |(index, updated, selection)| {
                ToSession::ComplexHook(ComplexHook {
                    index,
                    updated,
                    selection,
                })
            },
        ),
    );
    v.extend(
        volume_samples()
            .into_iter()
            .map(|v| ToSession::AddVolume(Box::new(v))),
    );
    v.extend([
        ToSession::InteractionsCreate(InteractionList {
            interactions: interaction_samples(false),
        }),
        ToSession::InteractionsCreate(InteractionList {
            interactions: vec![],
        }),
        ToSession::InteractionsDestroy(indices(&[0, 7, i64::MAX])),
        ToSession::InteractionsDestroy(indices(&[])),
        ToSession::InteractionsRequest(InteractionQuery::default()),
        ToSession::InteractionsRequest(InteractionQuery {
            complexes: vec![3],
            molecules: vec![1000, 2000],
            chains: vec![1050],
            residues: vec![1101, i64::MIN],
            atoms: vec![1001, i64::MAX],
            kind: Some(InteractionKind::HydrogenBond),
        }),
        ToSession::InteractionsRequest(InteractionQuery {
            atoms: vec![1001],
            ..Default::default()
        }),
        ToSession::InteractionsRequest(InteractionQuery {
            kind: Some(InteractionKind::Clash),
            ..Default::default()
        }),
        ToSession::InteractionsCalcDone(Empty {}),
    ]);
    v
}

fn ctl_request_samples() -> Vec<CtlRequest> {
    let mut v = vec![
        CtlRequest::PluginRegister(Register {
            key: String::new(),
            host_id: tok("h1"),
            metadata: metadata(),
            capacity: 8,
        }),
        CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
            links: 0,
        }),
        CtlRequest::PluginDeregister(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlRequest::PluginList(Empty {}),
        CtlRequest::SessionOpen(SessionOpen {
            room: "Room 1".into(),
            user: user(true),
        }),
        CtlRequest::SessionOpen(SessionOpen {
            room: String::new(),
            user: user(false),
        }),
        CtlRequest::SessionJoin(SessionJoin {
            session_id: tok("s-1"),
            user: user(false),
        }),
        CtlRequest::SessionLeave(UserAuth {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
        }),
        CtlRequest::SessionPresenter(PresenterHandover {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            to: tok("u2"),
        }),
        CtlRequest::LinkOpen(LinkOpen {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            plugin: "Hello Plugin".into(),
        }),
        CtlRequest::LinkClose(LinkClose {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            link_id: tok("l1"),
        }),
    ];
    v.extend(close_reasons().into_iter().map(|reason| {
        CtlRequest::LinkClosed(LinkClosedReport {
            link_id: tok("l1"),
            host_id: tok("h1"),
            reason,
        })
    }));
    v
}

fn ctl_reply_samples() -> Vec<CtlReply> {
    vec![
        CtlReply::PluginRegistered(Registered {
            plugin_id: tok("p_hello"),
            lease_ms: 15_000,
        }),
        CtlReply::PluginList(PluginList::default()),
        CtlReply::PluginList(PluginList {
            plugins: vec![
                plugin_info(0),
                PluginInfo {
                    metadata: metadata(),
                    ..plugin_info(3)
                },
            ],
        }),
        CtlReply::SessionOpened(SessionOpened {
            session_id: tok("s-1"),
            user_id: tok("u1"),
            token: tok("secret_TOKEN"),
            presenter: tok("u1"),
            presenter_info: presenter(true),
        }),
        CtlReply::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlReply::Ok(Empty {}),
        CtlReply::Error(error_body(ErrorCode::AtCapacity)),
    ]
}

fn host_request_samples() -> Vec<HostRequest> {
    let mut v = vec![HostRequest::LinkOffer(LinkOffer {
        link_id: tok("l1"),
        session_id: tok("s-1"),
        plugin_id: tok("p_hello"),
        presenter: presenter(true),
    })];
    v.extend(close_reasons().into_iter().map(|reason| {
        HostRequest::LinkClose(LinkCloseOrder {
            link_id: tok("l1"),
            reason,
        })
    }));
    v
}

fn host_reply_samples() -> Vec<HostReply> {
    vec![
        HostReply::LinkAccepted(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        HostReply::LinkDeclined(Declined {
            host_id: tok("h1"),
            reason: error_body(ErrorCode::AtCapacity),
        }),
        HostReply::Ok(Empty {}),
        HostReply::Error(error_body(ErrorCode::Internal)),
    ]
}

fn event_samples() -> Vec<Event> {
    let mut v = vec![
        Event::PluginRegistered(PluginInfo {
            metadata: metadata(),
            ..plugin_info(1)
        }),
        Event::PluginRemoved(PluginRemoved {
            plugin_id: tok("p_hello"),
            reason: "lease expired".into(),
        }),
        Event::SessionMembers(SessionMembers { members: vec![] }),
        Event::SessionMembers(SessionMembers {
            members: vec![
                Member {
                    user_id: tok("u1"),
                    name: "Ada".into(),
                },
                Member {
                    user_id: tok("u2"),
                    name: "Grace".into(),
                },
            ],
        }),
        Event::SessionPresenter(SessionPresenter {
            user_id: tok("u2"),
            presenter: presenter(false),
        }),
        Event::SessionClosed(Empty {}),
        Event::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
    ];
    v.extend(close_reasons().into_iter().map(|reason| {
        Event::LinkClosed(LinkClosedEvent {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            reason,
        })
    }));
    v
}

/// Validates every sample (with a few ids each) against `root`, checks the Rust
/// decoder round-trips it, and checks the samples cover exactly `M::KINDS`.
fn check_family<M: Message + Clone + PartialEq + std::fmt::Debug>(
    root: &str,
    plane: Plane,
    samples: Vec<M>,
) {
    let schema = Schema::new(root, plane);
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for msg in samples {
        covered.insert(nts::wire::Kind::as_str(msg.kind()));
        for id in [0, 1, u64::MAX] {
            let env = Envelope::with_id(id, msg.clone());
            let bytes = encode(&env);
            assert_eq!(decode::<M>(&bytes, 1 << 20).as_ref(), Ok(&env));
            if let Err(e) = schema.validate(&bytes) {
                failures.push(format!("{}: {env:?}\n  {e}", schema.root));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "valid messages rejected by the schema:\n{}",
        failures.join("\n")
    );
    let all: BTreeSet<&str> = M::KINDS.iter().copied().collect();
    assert_eq!(
        covered, all,
        "{root}: samples must cover every kind (add a sample and a schema rule)"
    );
}

#[test]
fn to_plugin_matches_schema() {
    check_family("to-plugin", LINK, to_plugin_samples());
}

#[test]
fn to_session_matches_schema() {
    check_family("to-session", LINK, to_session_samples());
}

#[test]
fn ctl_request_matches_schema() {
    check_family("ctl-request", CONTROL, ctl_request_samples());
}

#[test]
fn ctl_reply_matches_schema() {
    check_family("ctl-reply", CONTROL, ctl_reply_samples());
}

#[test]
fn host_request_matches_schema() {
    check_family("host-request", CONTROL, host_request_samples());
}

#[test]
fn host_reply_matches_schema() {
    check_family("host-reply", CONTROL, host_reply_samples());
}

#[test]
fn event_matches_schema() {
    check_family("event", CONTROL, event_samples());
}

// ---- hand-built envelopes ------------------------------------------------------------

fn cbor(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).unwrap();
    out
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.into()), v))
            .collect(),
    )
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn envelope(version: i64, kind: &str, id: i64, body: Value) -> Value {
    map(vec![
        ("version", int(version)),
        ("kind", text(kind)),
        ("id", int(id)),
        ("body", body),
    ])
}

fn presenter_value() -> Value {
    map(vec![
        ("account_id", text("a1")),
        ("account_name", text("Ann")),
        ("account_email", text("")),
    ])
}

/// A malformed envelope must be rejected by the schema and by the Rust decoder.
fn assert_rejected<M: Message + std::fmt::Debug>(what: &str, root: &str, plane: Plane, v: Value) {
    let bytes = cbor(&v);
    assert!(
        Schema::new(root, plane).validate(&bytes).is_err(),
        "schema {root} accepted {what}: {v:?}"
    );
    assert!(
        decode::<M>(&bytes, 1 << 20).is_err(),
        "Rust decoder accepted {what}: {v:?}"
    );
}

#[test]
fn schema_rejects_a_wrong_typed_body() {
    let shout = envelope(
        1,
        "notification",
        0,
        map(vec![("type", text("shout")), ("text", text("hi"))]),
    );
    assert_rejected::<ToSession>("notification type \"shout\"", "to-session", LINK, shout);
    let text_as_int = envelope(
        1,
        "notification",
        0,
        map(vec![("type", text("message")), ("text", int(3))]),
    );
    assert_rejected::<ToSession>("integer text", "to-session", LINK, text_as_int);
    let bad_exit = envelope(
        1,
        "closed",
        0,
        map(vec![
            ("code", text("instance_crashed")),
            ("message", text("boom")),
            ("exit_code", int(i64::from(i32::MAX) + 1)),
        ]),
    );
    assert_rejected::<ToSession>("exit_code beyond i32", "to-session", LINK, bad_exit);
    let bad_org = envelope(
        1,
        "presenter_change",
        0,
        map(vec![
            ("account_id", text("a1")),
            ("account_name", text("Ann")),
            ("account_email", text("")),
            (
                "org",
                map(vec![("id", text("seven")), ("name", text("Org"))]),
            ),
        ]),
    );
    assert_rejected::<ToPlugin>("org with a text id", "to-plugin", LINK, bad_org);
    let bad_user = envelope(
        1,
        "session.open",
        0,
        map(vec![
            ("room", text("R")),
            ("user", map(vec![("name", int(1))])),
        ]),
    );
    assert_rejected::<CtlRequest>(
        "user with an integer name",
        "ctl-request",
        CONTROL,
        bad_user,
    );
}

#[test]
fn schema_rejects_a_missing_key() {
    let no_email = envelope(
        1,
        "presenter_info",
        1,
        map(vec![
            ("account_id", text("a1")),
            ("account_name", text("Ann")),
        ]),
    );
    assert_rejected::<ToPlugin>(
        "presenter without account_email",
        "to-plugin",
        LINK,
        no_email,
    );
    let no_id = map(vec![
        ("version", int(1)),
        ("kind", text("ping")),
        ("body", map(vec![])),
    ]);
    // The Rust decoder defaults a missing id to 0, so only the schema is checked here.
    let schema = Schema::new("to-plugin", LINK);
    assert!(schema.validate(&cbor(&no_id)).is_err());
    let no_body = map(vec![
        ("version", int(1)),
        ("kind", text("ping")),
        ("id", int(0)),
    ]);
    assert_rejected::<ToPlugin>("envelope without body", "to-plugin", LINK, no_body);
    // Guards the quoted "token" key: a bareword `token: token` would accept any key.
    let no_token = envelope(
        1,
        "session.leave",
        0,
        map(vec![("session_id", text("s1")), ("secret", text("t1"))]),
    );
    assert_rejected::<CtlRequest>(
        "session.leave without token",
        "ctl-request",
        CONTROL,
        no_token,
    );
    let no_reason = envelope(1, "link.close", 4, map(vec![("link_id", text("l1"))]));
    assert_rejected::<HostRequest>(
        "link.close without reason",
        "host-request",
        CONTROL,
        no_reason,
    );
}

#[test]
fn schema_rejects_other_versions() {
    for version in [0, 2] {
        let v = envelope(version, "run", 4, map(vec![]));
        assert_rejected::<ToPlugin>("another version", "to-plugin", LINK, v);
    }
}

#[test]
fn schema_rejects_bad_tokens_kinds_and_ids() {
    for bad in ["", "a.b", "s>", "x y", &"x".repeat(65)] {
        let v = envelope(
            1,
            "start",
            0,
            map(vec![
                ("plugin_id", text("p1")),
                ("plugin_name", text("P")),
                ("session_id", text(bad)),
                ("link_id", text("l1")),
                ("presenter", presenter_value()),
            ]),
        );
        assert_rejected::<ToPlugin>(&format!("session_id {bad:?}"), "to-plugin", LINK, v);
    }
    let unknown = envelope(1, "teleport", 0, map(vec![]));
    assert_rejected::<ToPlugin>("unknown kind", "to-plugin", LINK, unknown);
    let wrong_direction = envelope(1, "pong", 3, map(vec![]));
    assert_rejected::<ToPlugin>("a to-session kind", "to-plugin", LINK, wrong_direction);
    let negative_id = envelope(1, "ping", -1, map(vec![]));
    assert_rejected::<ToPlugin>("negative id", "to-plugin", LINK, negative_id);
    // `empty` is a closed map. (The Rust decoder ignores unknown keys, so schema only.)
    let run_with_body = envelope(1, "run", 0, presenter_value());
    let schema = Schema::new("to-plugin", LINK);
    assert!(schema.validate(&cbor(&run_with_body)).is_err());
    // A body of another kind of the same family.
    let crossed = envelope(1, "presenter_info", 2, map(vec![("reason", text("x"))]));
    assert_rejected::<ToPlugin>(
        "presenter_info with a stop body",
        "to-plugin",
        LINK,
        crossed,
    );
}

#[test]
fn schema_accepts_what_decoders_default() {
    // Metadata with only a name: every other field has a serde default.
    let v = envelope(
        1,
        "plugin.register",
        2,
        map(vec![
            ("key", text("")),
            ("host_id", text("h1")),
            ("metadata", map(vec![("name", text("Bare"))])),
            ("capacity", int(1)),
        ]),
    );
    let bytes = cbor(&v);
    Schema::new("ctl-request", CONTROL)
        .validate(&bytes)
        .unwrap();
    // The crate's one-shot entry point agrees.
    validate("ctl-request", CONTROL, &bytes).unwrap();
    decode::<CtlRequest>(&bytes, 1 << 20).unwrap();
    // Keys in another order than the canonical one.
    let v = map(vec![
        ("body", presenter_value()),
        ("id", int(9)),
        ("kind", text("presenter_info")),
        ("version", int(1)),
    ]);
    let bytes = cbor(&v);
    validate("to-plugin", LINK, &bytes).unwrap();
    decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
}

// ---- hand-built structures -----------------------------------------------------------

fn array(items: Vec<Value>) -> Value {
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

// ---- hand-built streams --------------------------------------------------------------

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

// ---- hand-built room messages --------------------------------------------------------

/// A pose body with the given rotation.
fn pose_value(rotation: Vec<Value>) -> Value {
    map(vec![
        (
            "position",
            array(vec![
                Value::Float(0.0),
                Value::Float(1.6),
                Value::Float(0.0),
            ]),
        ),
        ("rotation", array(rotation)),
    ])
}

fn identity_value() -> Vec<Value> {
    [0.0, 0.0, 0.0, 1.0].map(Value::Float).into()
}

/// A `controller_transforms` envelope whose left controller has `left` as its pose.
fn controller_transforms(left: Value) -> Value {
    envelope(
        1,
        "controller_transforms",
        3,
        map(vec![
            ("head", pose_value(identity_value())),
            ("left", left),
            ("right", pose_value(identity_value())),
        ]),
    )
}

fn set_plugin_list_button(fields: Vec<(&str, Value)>) -> Value {
    envelope(1, "set_plugin_list_button", 0, map(fields))
}

#[test]
fn schema_accepts_hand_built_room_messages() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let session = Schema::new("to-session", LINK);
    for v in [
        envelope(1, "set_skybox", 0, map(vec![("skybox", text("graydient"))])),
        set_plugin_list_button(vec![
            ("button", text("advanced_settings")),
            ("text", text("Options")),
            ("usable", Value::Bool(true)),
        ]),
        envelope(
            1,
            "macro_save",
            2,
            map(vec![("title", text("m")), ("logic", text("print(1)"))]),
        ),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let bytes = cbor(&controller_transforms(pose_value(identity_value())));
    Schema::new("to-plugin", LINK).validate(&bytes).unwrap();
    decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
}

#[test]
fn schema_accepts_room_messages_with_defaults_omitted() {
    let session = Schema::new("to-session", LINK);
    // `desktop_browser` defaults to false.
    let bytes = cbor(&envelope(
        1,
        "open_url",
        0,
        map(vec![("url", text("example.org"))]),
    ));
    session.validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    let ToSession::OpenUrl(open) = env.msg else {
        panic!("not an open_url: {env:?}")
    };
    assert!(!open.desktop_browser);
    // A button with neither text nor usable: both keep their value.
    let bytes = cbor(&set_plugin_list_button(vec![("button", text("run"))]));
    session.validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    assert_eq!(
        env.msg,
        ToSession::SetPluginListButton(SetPluginListButton {
            button: PluginListButton::Run,
            text: None,
            usable: None,
        })
    );
}

#[test]
fn schema_rejects_malformed_room_messages() {
    for bad in ["space", "blueSkiesAndClouds", ""] {
        let v = envelope(1, "set_skybox", 0, map(vec![("skybox", text(bad))]));
        assert_rejected::<ToSession>(&format!("skybox {bad:?}"), "to-session", LINK, v);
    }
    let no_skybox = envelope(1, "set_skybox", 0, map(vec![]));
    assert_rejected::<ToSession>("set_skybox without skybox", "to-session", LINK, no_skybox);
    let short_quat = controller_transforms(pose_value([0.0, 0.0, 1.0].map(Value::Float).into()));
    assert_rejected::<ToPlugin>(
        "a pose with a 3-element rotation",
        "to-plugin",
        LINK,
        short_quat,
    );
    let no_position = controller_transforms(map(vec![("rotation", array(identity_value()))]));
    assert_rejected::<ToPlugin>("a pose without position", "to-plugin", LINK, no_position);
    let no_right = envelope(
        1,
        "controller_transforms",
        3,
        map(vec![
            ("head", pose_value(identity_value())),
            ("left", pose_value(identity_value())),
        ]),
    );
    assert_rejected::<ToPlugin>("transforms without right", "to-plugin", LINK, no_right);
    for kind in ["macro_save", "macro_run"] {
        let no_logic = envelope(1, kind, 2, map(vec![("title", text("m"))]));
        assert_rejected::<ToSession>(
            &format!("{kind} without logic"),
            "to-session",
            LINK,
            no_logic,
        );
    }
    let no_title = envelope(1, "macro_delete", 2, map(vec![]));
    assert_rejected::<ToSession>("macro_delete without title", "to-session", LINK, no_title);
    let logicless = envelope(
        1,
        "macros",
        2,
        map(vec![(
            "macros",
            array(vec![map(vec![("title", text("m"))])]),
        )]),
    );
    assert_rejected::<ToPlugin>("a listed macro without logic", "to-plugin", LINK, logicless);
    let no_button = set_plugin_list_button(vec![("text", text("Go"))]);
    assert_rejected::<ToSession>(
        "set_plugin_list_button without button",
        "to-session",
        LINK,
        no_button,
    );
    let cancel = set_plugin_list_button(vec![("button", text("cancel"))]);
    assert_rejected::<ToSession>("button \"cancel\"", "to-session", LINK, cancel);
    let int_usable = set_plugin_list_button(vec![("button", text("run")), ("usable", int(1))]);
    assert_rejected::<ToSession>("an integer usable", "to-session", LINK, int_usable);
    let no_url = envelope(
        1,
        "open_url",
        0,
        map(vec![("desktop_browser", Value::Bool(true))]),
    );
    assert_rejected::<ToSession>("open_url without url", "to-session", LINK, no_url);
    // Room messages go one way each.
    let request_to_plugin = envelope(1, "controller_transforms_request", 3, map(vec![]));
    assert_rejected::<ToPlugin>(
        "controller_transforms_request to an instance",
        "to-plugin",
        LINK,
        request_to_plugin,
    );
    let macros_to_session = envelope(1, "macros", 2, map(vec![("macros", array(vec![]))]));
    assert_rejected::<ToSession>(
        "macros to the session",
        "to-session",
        LINK,
        macros_to_session,
    );
    // The body is a closed map: an unknown key is refused. (The Rust decoder ignores
    // unknown keys, so schema only.) The quoted "text" key is kept honest by the valid
    // samples that carry a text: with a bareword `text: tstr` the crate rejects them.
    let label = set_plugin_list_button(vec![("button", text("run")), ("label", text("Go"))]);
    assert!(
        Schema::new("to-session", LINK)
            .validate(&cbor(&label))
            .is_err(),
        "schema accepted a button with a `label` key"
    );
}

// ---- hand-built shapes ---------------------------------------------------------------

/// A geometry `{type: kind, fields...}`: the tag sits in the same map as the fields.
fn geometry_value(kind: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![("type", text(kind))];
    entries.extend(fields);
    map(entries)
}

fn sphere_value() -> Value {
    geometry_value("sphere", vec![("radius", Value::Float(1.0))])
}

/// A line's fields.
fn line_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("thickness", Value::Float(0.1)),
        ("dash_length", Value::Float(0.4)),
        ("dash_distance", Value::Float(0.1)),
    ]
}

/// A mesh of one triangle with `triangles` (no normals, colours or unlit).
fn mesh_value(triangles: Vec<Value>) -> Value {
    geometry_value(
        "mesh",
        vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(triangles)),
        ],
    )
}

fn anchor_value(anchor_type: &str, target: i64) -> Value {
    map(vec![
        ("anchor_type", text(anchor_type)),
        ("target", int(target)),
    ])
}

/// A shape with `geometry` (if any) on `anchors`, and its `extra` keys.
fn shape_value(geometry: Option<Value>, anchors: Vec<Value>, extra: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![];
    if let Some(geometry) = geometry {
        entries.push(("geometry", geometry));
    }
    entries.push(("anchors", array(anchors)));
    entries.extend(extra);
    map(entries)
}

/// A `shapes_upload` envelope of `shapes`.
fn upload(shapes: Vec<Value>) -> Value {
    envelope(1, "shapes_upload", 5, map(vec![("shapes", array(shapes))]))
}

/// A `shapes_upload` envelope of one shape with `geometry` on an atom.
fn upload_geometry(geometry: Value) -> Value {
    upload(vec![shape_value(
        Some(geometry),
        vec![anchor_value("atom", 1001)],
        vec![],
    )])
}

#[test]
fn schema_accepts_hand_built_shapes() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let session = Schema::new("to-session", LINK);
    let two = || vec![anchor_value("atom", 1001), anchor_value("complex", 3)];
    for v in [
        upload_geometry(sphere_value()),
        upload(vec![shape_value(
            Some(geometry_value("line", line_fields())),
            two(),
            vec![("index", int(4)), ("color", int(0xff00_00ff))],
        )]),
        upload_geometry(geometry_value(
            "label",
            vec![("text", text("Cα")), ("font_size", Value::Float(0.5))],
        )),
        upload_geometry(mesh_value(vec![int(0), int(1), int(2)])),
        envelope(
            1,
            "shapes_destroy",
            6,
            map(vec![("indices", array(vec![int(1), int(-1)]))]),
        ),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        envelope(
            1,
            "shapes_uploaded",
            5,
            map(vec![(
                "results",
                array(vec![
                    map(vec![("index", int(1))]),
                    map(vec![("index", int(-1)), ("error", text("no shape 9"))]),
                ]),
            )]),
        ),
        envelope(
            1,
            "shapes_destroyed",
            6,
            map(vec![(
                "destroyed",
                array(vec![Value::Bool(true), Value::Bool(false)]),
            )]),
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
fn schema_accepts_shapes_with_defaults_omitted() {
    // A shape without index or color, on an empty anchor map (every anchor key has a
    // default), with a mesh without normals, colors or unlit.
    let v = upload(vec![shape_value(
        Some(mesh_value(vec![int(0), int(1), int(2)])),
        vec![map(vec![])],
        vec![],
    )]);
    let bytes = cbor(&v);
    Schema::new("to-session", LINK).validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    let ToSession::ShapesUpload(list) = env.msg else {
        panic!("not a shapes_upload: {env:?}")
    };
    assert_eq!(
        list.shapes,
        [Shape {
            index: -1,
            geometry: Geometry::Mesh {
                vertices: vec![0.0; 9],
                normals: vec![],
                colors: vec![],
                triangles: vec![0, 1, 2],
                unlit: false,
            },
            anchors: vec![Anchor::default()],
            color: 0x8080_80ff,
        }]
    );
}

#[test]
fn schema_rejects_malformed_shapes() {
    let cube = upload_geometry(geometry_value("cube", vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("geometry type \"cube\"", "to-session", LINK, cube);
    let capital = upload_geometry(geometry_value(
        "Sphere",
        vec![("radius", Value::Float(1.0))],
    ));
    assert_rejected::<ToSession>("geometry type \"Sphere\"", "to-session", LINK, capital);
    let untagged = upload_geometry(map(vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("a geometry without type", "to-session", LINK, untagged);
    let mut thin = line_fields();
    thin.retain(|(k, _)| *k != "thickness");
    let thin = upload_geometry(geometry_value("line", thin));
    assert_rejected::<ToSession>("a line without thickness", "to-session", LINK, thin);
    // A sphere's fields under a line's tag, and the other way round.
    let crossed = upload_geometry(geometry_value("line", vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("a line with a radius", "to-session", LINK, crossed);
    let crossed = upload_geometry(geometry_value("sphere", line_fields()));
    assert_rejected::<ToSession>("a sphere with a line's fields", "to-session", LINK, crossed);
    let int_text = upload_geometry(geometry_value(
        "label",
        vec![("text", int(7)), ("font_size", Value::Float(0.5))],
    ));
    assert_rejected::<ToSession>("an integer label text", "to-session", LINK, int_text);
    for bad in ["residue", "Atom", ""] {
        let v = upload(vec![shape_value(
            Some(sphere_value()),
            vec![anchor_value(bad, 1)],
            vec![],
        )]);
        assert_rejected::<ToSession>(&format!("anchor_type {bad:?}"), "to-session", LINK, v);
    }
    let short_offset = upload(vec![shape_value(
        Some(sphere_value()),
        vec![map(vec![(
            "local_offset",
            array(vec![Value::Float(0.0), Value::Float(1.0)]),
        )])],
        vec![],
    )]);
    assert_rejected::<ToSession>("a 2-element offset", "to-session", LINK, short_offset);
    let no_geometry = upload(vec![shape_value(
        None,
        vec![anchor_value("atom", 1001)],
        vec![],
    )]);
    assert_rejected::<ToSession>("a shape without geometry", "to-session", LINK, no_geometry);
    let no_anchors = upload(vec![map(vec![("geometry", sphere_value())])]);
    assert_rejected::<ToSession>("a shape without anchors", "to-session", LINK, no_anchors);
    let negative = upload_geometry(mesh_value(vec![int(0), int(-1), int(2)]));
    assert_rejected::<ToSession>("a negative triangle index", "to-session", LINK, negative);
    let beyond_u32 = upload_geometry(mesh_value(vec![
        int(0),
        int(1),
        int(i64::from(u32::MAX) + 1),
    ]));
    assert_rejected::<ToSession>(
        "a triangle index beyond u32",
        "to-session",
        LINK,
        beyond_u32,
    );
    let float_vertices = upload_geometry(geometry_value(
        "mesh",
        vec![
            ("vertices", array(vec![Value::Float(0.5); 9])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ],
    ));
    assert_rejected::<ToSession>("vertices as an array", "to-session", LINK, float_vertices);
    let no_triangles = upload_geometry(geometry_value(
        "mesh",
        vec![("vertices", Value::Bytes(vec![0; 36]))],
    ));
    assert_rejected::<ToSession>("a mesh without triangles", "to-session", LINK, no_triangles);
    let big_index = upload(vec![shape_value(
        Some(sphere_value()),
        vec![anchor_value("atom", 1001)],
        vec![("index", int(i64::from(i32::MAX) + 1))],
    )]);
    assert_rejected::<ToSession>("a shape index beyond i32", "to-session", LINK, big_index);
    let negative_color = upload(vec![shape_value(
        Some(sphere_value()),
        vec![anchor_value("atom", 1001)],
        vec![("color", int(-1))],
    )]);
    assert_rejected::<ToSession>("a negative color", "to-session", LINK, negative_color);
    let destroy_beyond_i32 = envelope(
        1,
        "shapes_destroy",
        6,
        map(vec![("indices", array(vec![int(i64::from(i32::MIN) - 1)]))]),
    );
    assert_rejected::<ToSession>(
        "a destroyed index beyond i32",
        "to-session",
        LINK,
        destroy_beyond_i32,
    );
    let no_index = envelope(
        1,
        "shapes_uploaded",
        5,
        map(vec![(
            "results",
            array(vec![map(vec![("error", text("refused"))])]),
        )]),
    );
    assert_rejected::<ToPlugin>("a result without index", "to-plugin", LINK, no_index);
    let text_flags = envelope(
        1,
        "shapes_destroyed",
        6,
        map(vec![("destroyed", array(vec![text("yes")]))]),
    );
    assert_rejected::<ToPlugin>("destroyed flags as texts", "to-plugin", LINK, text_flags);
    // Shapes go one way each: instances upload and destroy, sessions report.
    let upload_to_plugin = upload_geometry(sphere_value());
    assert_rejected::<ToPlugin>(
        "shapes_upload to an instance",
        "to-plugin",
        LINK,
        upload_to_plugin,
    );
    let uploaded_to_session = envelope(
        1,
        "shapes_uploaded",
        5,
        map(vec![("results", array(vec![]))]),
    );
    assert_rejected::<ToSession>(
        "shapes_uploaded to the session",
        "to-session",
        LINK,
        uploaded_to_session,
    );
    // Geometries are closed maps: a key of another geometry is refused. (The Rust decoder
    // ignores unknown keys, so schema only.)
    let mut fields = vec![("radius", Value::Float(1.0))];
    fields.extend(line_fields());
    let both = upload_geometry(geometry_value("sphere", fields));
    assert!(
        Schema::new("to-session", LINK)
            .validate(&cbor(&both))
            .is_err(),
        "schema accepted a sphere with a line's fields"
    );
}

#[test]
fn shape_checks_only_the_session_makes() {
    // What shape.cddl says only the session checks: both the schema and the Rust decoder
    // accept these, and `Shape::validate` (run by the session per shape) refuses them.
    // (Anchor targets depend on the workspace, so they are not checked here.)
    let session = Schema::new("to-session", LINK);
    let atom = || anchor_value("atom", 1001);
    let ragged = |key: &str, len: usize| {
        let mut fields = vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ];
        fields.push((key, Value::Bytes(vec![0; len])));
        geometry_value("mesh", fields)
    };
    let cases = [
        (
            "a sphere without anchors",
            shape_value(Some(sphere_value()), vec![], vec![]),
        ),
        (
            "a line with one anchor",
            shape_value(
                Some(geometry_value("line", line_fields())),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "65 anchors",
            shape_value(Some(sphere_value()), vec![atom(); 65], vec![]),
        ),
        (
            "a triangle index beyond the vertices",
            shape_value(
                Some(mesh_value(vec![int(0), int(1), int(3)])),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "a partial triangle",
            shape_value(Some(mesh_value(vec![int(0), int(1)])), vec![atom()], vec![]),
        ),
        (
            "vertices of 2 floats",
            shape_value(
                Some(geometry_value(
                    "mesh",
                    vec![
                        ("vertices", Value::Bytes(vec![0; 8])),
                        ("triangles", array(vec![])),
                    ],
                )),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "normals for 2 vertices",
            shape_value(Some(ragged("normals", 24)), vec![atom()], vec![]),
        ),
        (
            "3 floats of colour per vertex",
            shape_value(Some(ragged("colors", 36)), vec![atom()], vec![]),
        ),
    ];
    for (what, shape) in cases {
        let bytes = cbor(&upload(vec![shape]));
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("schema refused {what}: {e}"));
        let env = decode::<ToSession>(&bytes, 1 << 20)
            .unwrap_or_else(|e| panic!("decoder refused {what}: {e:?}"));
        let ToSession::ShapesUpload(list) = env.msg else {
            panic!("not a shapes_upload: {env:?}")
        };
        assert!(
            list.shapes[0].validate().is_err(),
            "session accepted {what}"
        );
    }
    // Mesh arrays must be whole f32s: the schema cannot say so (see stream.cddl), the Rust
    // decoder refuses a ragged length.
    for key in ["vertices", "normals", "colors"] {
        let mut fields = vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ];
        fields.retain(|(k, _)| *k != key);
        fields.push((key, Value::Bytes(vec![0; 7])));
        let bytes = cbor(&upload_geometry(geometry_value("mesh", fields)));
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("schema now checks f32 lengths of {key}: {e}"));
        assert!(
            decode::<ToSession>(&bytes, 1 << 20).is_err(),
            "decoder accepted 7 bytes of {key}"
        );
    }
}

// ---- hand-built integrations ---------------------------------------------------------

/// An `integration` envelope whose body is `{kind: call, fields...}`: the body's own
/// `kind` sits beside the call's fields, and differs from the envelope's `kind`.
fn integration(call: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut body = vec![("kind", text(call))];
    body.extend(fields);
    envelope(1, "integration", 11, map(body))
}

/// An `integration_result` envelope whose body is `{kind: result, fields...}`.
fn integration_result(result: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut body = vec![("kind", text(result))];
    body.extend(fields);
    envelope(1, "integration_result", 11, map(body))
}

/// A `minimization_start` call's fields.
fn minimization_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("forcefield", int(1)),
        ("steps", int(2500)),
        ("steepest", Value::Bool(true)),
        ("cutoff", Value::Float(12.5)),
    ]
}

/// An `export_file` call's fields with `data`.
fn export_file_fields(data: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("location", text("Workspace")),
        ("filename", text("out.pdb")),
        ("data", data),
    ]
}

#[test]
fn schema_accepts_hand_built_integrations() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        integration(
            "hydrogen_add",
            vec![("complexes", array(vec![map(vec![])]))],
        ),
        integration("minimization_start", minimization_fields()),
        // A call without arguments is a map with only its kind.
        integration("minimization_stop", vec![]),
        integration("run_interactions", vec![]),
        integration(
            "export_file",
            export_file_fields(Value::Bytes(b"END\n".to_vec())),
        ),
        integration(
            "generate_molecule_image",
            vec![
                ("complexes", array(vec![])),
                ("width", int(64)),
                ("height", int(48)),
            ],
        ),
        integration("import_smiles", vec![("smiles", array(vec![text("CCO")]))]),
    ] {
        let bytes = cbor(&v);
        plugin
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
    }
    let session = Schema::new("to-session", LINK);
    for v in [
        integration_result("complexes", vec![("complexes", array(vec![map(vec![])]))]),
        integration_result("success", vec![("ok", Value::Bool(false))]),
        integration_result("locations", vec![("names", array(vec![text("Workspace")]))]),
        integration_result(
            "images",
            vec![("images", array(vec![Value::Bytes(vec![0x89, b'P'])]))],
        ),
        integration_result("smiles", vec![("smiles", array(vec![text("CCO")]))]),
        integration_result("done", vec![]),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
}

#[test]
fn schema_rejects_malformed_integrations() {
    for bad in ["teleport", "HydrogenAdd", "minimization", "hydrogen", ""] {
        let v = integration(bad, vec![("complexes", array(vec![]))]);
        assert_rejected::<ToPlugin>(&format!("integration kind {bad:?}"), "to-plugin", LINK, v);
    }
    let untagged = envelope(
        1,
        "integration",
        11,
        map(vec![("complexes", array(vec![]))]),
    );
    assert_rejected::<ToPlugin>("an integration without kind", "to-plugin", LINK, untagged);
    for missing in ["forcefield", "steps", "steepest", "cutoff"] {
        let mut fields = minimization_fields();
        fields.retain(|(k, _)| *k != missing);
        let v = integration("minimization_start", fields);
        assert_rejected::<ToPlugin>(
            &format!("minimization_start without {missing}"),
            "to-plugin",
            LINK,
            v,
        );
    }
    let mut fields = minimization_fields();
    fields[1].1 = int(i64::from(i32::MAX) + 1);
    let long = integration("minimization_start", fields);
    assert_rejected::<ToPlugin>("steps beyond i32", "to-plugin", LINK, long);
    let mut fields = minimization_fields();
    fields[0].1 = int(256);
    let forcefield = integration("minimization_start", fields);
    assert_rejected::<ToPlugin>("forcefield beyond u8", "to-plugin", LINK, forcefield);
    let no_complexes = integration("structure_prep", vec![]);
    assert_rejected::<ToPlugin>(
        "structure_prep without complexes",
        "to-plugin",
        LINK,
        no_complexes,
    );
    let no_data = integration(
        "export_file",
        vec![
            ("location", text("Workspace")),
            ("filename", text("out.pdb")),
        ],
    );
    assert_rejected::<ToPlugin>("export_file without data", "to-plugin", LINK, no_data);
    let negative_width = integration(
        "generate_molecule_image",
        vec![
            ("complexes", array(vec![])),
            ("width", int(-1)),
            ("height", int(48)),
        ],
    );
    assert_rejected::<ToPlugin>("a negative image width", "to-plugin", LINK, negative_width);
    for bad in [int(7), Value::Null, array(vec![text("CCO")])] {
        let v = integration(
            "import_smiles",
            vec![("smiles", array(vec![text("CCO"), bad.clone()]))],
        );
        assert_rejected::<ToPlugin>(&format!("import_smiles with {bad:?}"), "to-plugin", LINK, v);
    }
    // The Rust decoder (serde) takes UTF-8 bytes for a text, so only the schema refuses a
    // SMILES as a byte string.
    let bytes_smiles = integration(
        "import_smiles",
        vec![("smiles", array(vec![Value::Bytes(b"CCO".to_vec())]))],
    );
    assert!(
        Schema::new("to-plugin", LINK)
            .validate(&cbor(&bytes_smiles))
            .is_err(),
        "schema accepted a SMILES as bytes"
    );
    let one_smiles = integration("import_smiles", vec![("smiles", text("CCO"))]);
    assert_rejected::<ToPlugin>("a SMILES not in a list", "to-plugin", LINK, one_smiles);
    // File data must be a byte string. The Rust decoder (serde_bytes) also takes a text
    // as its UTF-8 bytes, so only the schema refuses one.
    let text_data = cbor(&integration(
        "export_file",
        export_file_fields(text("HETATM")),
    ));
    let plugin = Schema::new("to-plugin", LINK);
    assert!(
        plugin.validate(&text_data).is_err(),
        "schema accepted export_file data as a text"
    );
    let int_data = integration("export_file", export_file_fields(array(vec![int(72)])));
    assert!(
        plugin.validate(&cbor(&int_data)).is_err(),
        "schema accepted export_file data as an array"
    );
    // Results.
    for bad in ["teleport", "complex", "error", ""] {
        let v = integration_result(bad, vec![("ok", Value::Bool(true))]);
        assert_rejected::<ToSession>(&format!("result kind {bad:?}"), "to-session", LINK, v);
    }
    let int_ok = integration_result("success", vec![("ok", int(1))]);
    assert_rejected::<ToSession>("an integer ok", "to-session", LINK, int_ok);
    let no_names = integration_result("locations", vec![]);
    assert_rejected::<ToSession>("locations without names", "to-session", LINK, no_names);
    let int_smiles = integration_result("smiles", vec![("smiles", array(vec![int(1)]))]);
    assert_rejected::<ToSession>(
        "a SMILES result with an integer",
        "to-session",
        LINK,
        int_smiles,
    );
    // Fields under another kind's tag.
    let crossed = integration_result("success", vec![("names", array(vec![]))]);
    assert_rejected::<ToSession>("success with names", "to-session", LINK, crossed);
    let crossed = integration("import_smiles", vec![("complexes", array(vec![]))]);
    assert_rejected::<ToPlugin>("import_smiles with complexes", "to-plugin", LINK, crossed);
    // Integrations go one way each: sessions call, instances answer.
    let call_to_session = integration("minimization_stop", vec![]);
    assert_rejected::<ToSession>(
        "integration to the session",
        "to-session",
        LINK,
        call_to_session,
    );
    let result_to_plugin = integration_result("done", vec![]);
    assert_rejected::<ToPlugin>(
        "integration_result to an instance",
        "to-plugin",
        LINK,
        result_to_plugin,
    );
    // Bodies are closed maps: a call without arguments takes none. (The Rust decoder
    // ignores unknown keys, so schema only.)
    let stop_with_steps = integration("minimization_stop", vec![("steps", int(10))]);
    assert!(
        plugin.validate(&cbor(&stop_with_steps)).is_err(),
        "schema accepted minimization_stop with steps"
    );
}

// ---- hand-built menus ----------------------------------------------------------------

/// `entries` with `key` set to `value` (replaced in place, or appended), or removed.
fn with(
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

// ---- hand-built analysis, volumes and interactions -----------------------------------

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
