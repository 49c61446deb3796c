//! Samples of the messages to a session.

use crate::samples::analysis::{color_scheme_samples, interaction_samples, volume_samples};
use crate::samples::link::{
    integration_result_samples, macro_samples, shape_samples, stream_data_samples,
};
use crate::samples::menu::ui_update_samples;
use crate::samples::structure::{
    chunks, frame, full_complex, full_workspace, indices, minimal_complex,
};
use crate::{close_reasons, error_body};
use nts::api::analysis::*;
use nts::api::interaction::*;
use nts::api::link::*;
use nts::api::room::*;
use nts::api::shape::*;
use nts::api::stream::*;
use nts::api::structure::*;
use nts::api::{Empty, ErrorCode};

pub(crate) fn to_session_samples() -> Vec<ToSession> {
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
