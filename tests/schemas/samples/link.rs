//! Samples of the messages to a plugin, and of the planes they carry: integrations,
//! shapes and anchors, room messages, macros, stream data.

use crate::samples::analysis::{interaction_samples, substructure_samples};
use crate::samples::menu::ui_event_samples;
use crate::samples::structure::{chunks, full_complex, full_workspace, indices, minimal_complex};
use crate::{error_body, presenter, tok};
use nts::api::analysis::*;
use nts::api::integration::*;
use nts::api::interaction::*;
use nts::api::link::*;
use nts::api::room::*;
use nts::api::shape::*;
use nts::api::stream::*;
use nts::api::structure::*;
use nts::api::{Empty, ErrorCode};
use std::f32::consts::FRAC_1_SQRT_2;

pub(crate) fn to_plugin_samples() -> Vec<ToPlugin> {
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
pub(crate) fn integration_result_samples() -> impl Iterator<Item = IntegrationResult> {
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
pub(crate) fn shape_samples() -> Vec<Shape> {
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
pub(crate) fn macro_samples() -> Vec<Macro> {
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
pub(crate) fn stream_data_samples() -> Vec<StreamData> {
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
