//! The answers nanome-lib waits for when the session gave none it can use, and the bodies
//! of the small replies.

use super::*;

impl Translator {
    /// The empty answer to `asked` (no complexes, an empty workspace, done), for a request the
    /// session could not serve: nanome-lib has no error reply, and its callback (or an async
    /// plugin's await) would otherwise wait for ever. Nothing for messages it expects no
    /// answer to.
    pub(super) fn empty_reply(&mut self, asked: Message, request: u32) -> Vec<Out> {
        let (v, shapes) = (self.structures, self.shapes);
        let none = std::iter::empty();
        match asked {
            // Requests nanome-lib always waits on, not translated yet: empty lists.
            Message::ExportFiles => {
                self.exports.remove(&request);
                command(Command::ExportFilesResult, request, &[0; 4])
            }
            Message::CreateInteractions => {
                command(Command::CreateInteractionsResult, request, &[0; 4])
            }
            Message::GetInteractions => command(Command::GetInteractionsResponse, request, &[0; 4]),
            Message::ComputeHbonds => command(Command::ComputeHbondsDone, request, &[]),
            Message::GetMacros => command(
                Command::GetMacrosResponse,
                request,
                &macros::write_list(&[]),
            ),
            Message::RunMacro => command(
                Command::RunMacroResult,
                request,
                &macros::write_run_result(self.run_macro, false),
            ),
            Message::LoadFile => {
                let failed = vec![false; self.loads.remove(&request).map_or(0, |l| l.len())];
                command(
                    Command::LoadFileDone,
                    request,
                    &files::write_load_done(&failed),
                )
            }
            Message::AddVolume => command(Command::AddVolumeDone, request, &[]),
            Message::SubstructureRequest => {
                self.substructures.remove(&request);
                command(
                    Command::SubstructureResponse,
                    request,
                    &structure::write_substructures(v, None, &[]),
                )
            }
            Message::BondsAdd => command(
                Command::BondsAddDone,
                request,
                &structure::write_complexes(v, std::iter::empty()),
            ),
            Message::DsspAdd => command(
                Command::DsspAddDone,
                request,
                &structure::write_complexes(v, std::iter::empty()),
            ),
            // The deprecated files API: what was done, the rest failed (a directory
            // never listed is "unreachable").
            Message::DirectoryRequest | Message::FileRequest | Message::FileSave => {
                match self.batches.remove(&request) {
                    Some(batch) => {
                        let (done, body) = batch.reply();
                        command(done, request, &body)
                    }
                    None => match asked {
                        Message::DirectoryRequest => command(
                            Command::DirectoryResponse,
                            request,
                            &[0, 0, 0, 0, 1, 0, 0, 0],
                        ),
                        Message::FileRequest => command(Command::FileResponse, request, &[0; 4]),
                        _ => command(Command::FileSaveDone, request, &[0; 4]),
                    },
                }
            }
            // No stream: nanome-lib calls back with `None` and the error.
            Message::StreamCreate => {
                self.directions.remove(&request);
                command(
                    Command::StreamCreateDone,
                    request,
                    &stream::write_created(
                        self.streams,
                        stream::CreationError::AtomNotFound,
                        0,
                        StreamDataType::Float,
                        StreamDirection::Writing,
                    ),
                )
            }
            Message::SetShape => command(
                Command::SetShapeResult,
                request,
                &shape::write_set_result(shapes, &[]),
            ),
            Message::DeleteShape => command(
                Command::DeleteShapeResult,
                request,
                &shape::write_delete_result(shapes, &[]),
            ),
            Message::PresenterInfoRequest => command(
                Command::PresenterInfoResponse,
                request,
                &presenter_info(&PresenterInfo::default()),
            ),
            Message::ComplexListRequest => command(
                Command::ComplexListResponse,
                request,
                &structure::write_complex_list(v, none),
            ),
            Message::ComplexesRequest => command(
                Command::ComplexesResponse,
                request,
                &structure::write_complexes(v, none),
            ),
            Message::AddToWorkspace => command(
                Command::AddToWorkspaceDone,
                request,
                &structure::write_complexes(v, none),
            ),
            Message::WorkspaceRequest => command(
                Command::WorkspaceResponse,
                request,
                &structure::write_workspace(v, &Workspace::default()),
            ),
            Message::ControllerTransformsRequest => command(
                Command::ControllerTransformsResponse,
                request,
                &controller_transforms(&ControllerTransforms {
                    head: Pose {
                        position: [0.0; 3],
                        rotation: crate::api::structure::IDENTITY,
                    },
                    left: Pose {
                        position: [0.0; 3],
                        rotation: crate::api::structure::IDENTITY,
                    },
                    right: Pose {
                        position: [0.0; 3],
                        rotation: crate::api::structure::IDENTITY,
                    },
                }),
            ),
            Message::MenuTransformRequest => command(
                Command::MenuTransformResponse,
                request,
                &ui::menu_transform(&crate::api::ui::MenuTransform {
                    index: 0,
                    position: [0.0; 3],
                    rotation: crate::api::structure::IDENTITY,
                    scale: [1.0; 3],
                }),
            ),
            other => {
                // The files API: an I/O error.
                let failed = ErrorBody::new(ErrorCode::Internal, "no answer");
                if let Some((done, body)) = files::write_reply(other, Err(&failed)) {
                    return command(done, request, &body);
                }
                match done_of(other) {
                    Some(done) => command(done, request, &[]),
                    None => vec![],
                }
            }
        }
    }
}

/// The command that answers `asked` when the session says `done`, if nanome-lib waits for
/// one.
pub(super) fn done_of(asked: Message) -> Option<Command> {
    match asked {
        Message::WorkspaceUpdate => Some(Command::WorkspaceUpdated),
        Message::StreamFeed => Some(Command::StreamFeedDone),
        Message::StructuresDeepUpdate => Some(Command::StructuresDeepUpdateDone),
        Message::StructuresZoom | Message::StructuresCenter => {
            Some(Command::PositionStructuresDone)
        }
        _ => None,
    }
}

/// `GetPresenterInfoResponse` (v1): account id, name, e-mail, whether there is an org,
/// then its id and name.
pub(super) fn presenter_info(info: &PresenterInfo) -> Vec<u8> {
    let mut w = Writer::default();
    w.string(&info.account_id)
        .string(&info.account_name)
        .string(&info.account_email);
    match &info.org {
        Some(Org { id, name }) => {
            // nanome-lib reads an int: ids beyond it are clamped rather than wrapped.
            let id = i32::try_from(*id).unwrap_or(if *id < 0 { i32::MIN } else { i32::MAX });
            w.bool(true).i32(id).string(name);
        }
        None => {
            w.bool(false);
        }
    }
    w.bytes
}

/// `GetControllerTransformsResponse`: head, left and right, each position then rotation.
pub(super) fn controller_transforms(t: &ControllerTransforms) -> Vec<u8> {
    let mut w = Writer::default();
    for pose in [&t.head, &t.left, &t.right] {
        for f in pose.position.iter().chain(&pose.rotation) {
            w.f32(*f);
        }
    }
    w.bytes
}

/// `SendNotification`: a u32 type (message, success, warning, error) and the text.
pub(super) fn notification(body: &[u8]) -> Result<Notification, SerialError> {
    let mut r = Reader::new(body);
    let kind = match r.u32("the notification type")? {
        0 => NotificationType::Message,
        1 => NotificationType::Success,
        2 => NotificationType::Warning,
        3 => NotificationType::Error,
        n => {
            return Err(SerialError::Invalid {
                at: 0,
                what: format!("notification type {n} is none of 0 to 3"),
            });
        }
    };
    let text = r.string("the notification text")?;
    Ok(Notification { kind, text })
}
