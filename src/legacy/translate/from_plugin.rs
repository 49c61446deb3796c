//! The plugin's messages, read into envelopes for the session.

use super::*;

impl Translator {
    /// Remembers that the plugin's request `request` asked `kind`. When the table is full
    /// the oldest request is given up: its empty answer is returned, to send.
    pub(super) fn asked(&mut self, request: u32, kind: Message) -> Vec<Out> {
        let mut out = vec![];
        if self.pending.len() >= MAX_PENDING
            && let Some((old, (old_kind, _))) = self.pending.pop_first()
        {
            out = self.empty_reply(old_kind, old);
        }
        self.pending.insert(request, (kind, Instant::now()));
        out
    }

    /// A message (`request id | name hash | body`) from the plugin's session.
    pub fn from_plugin(&mut self, payload: &[u8]) -> Vec<Out> {
        let error = |id: u64, message: String| {
            tracing::info!("{message}");
            vec![session_error(id, ErrorCode::BadRequest, message)]
        };
        let frame = match Frame::parse(payload) {
            Ok(f) => f,
            Err(e) => return error(0, format!("the plugin sent a malformed message: {e}")),
        };
        let id = session_id_of(frame.request_id);
        let Some(kind) = Message::from_hash(frame.hash) else {
            return error(
                0,
                format!(
                    "the plugin sent a message of unknown kind (name hash {:#010x})",
                    frame.hash
                ),
            );
        };
        let v = self.structures;
        let mut r = Reader::new(frame.body);
        let read = match kind {
            // A second hello changes nothing: the versions were agreed at the first.
            Message::Connect => return vec![],
            Message::NotificationSend => {
                return match notification(frame.body) {
                    Ok(n) => vec![Out::Session(Envelope::event(ToSession::Notification(n)))],
                    Err(e) => error(0, format!("the plugin's {kind} could not be read: {e}")),
                };
            }
            Message::PresenterInfoRequest => Ok(ToSession::PresenterInfoRequest(Empty {})),
            Message::ComplexListRequest => Ok(ToSession::ComplexListRequest(Empty {})),
            Message::WorkspaceRequest => Ok(ToSession::WorkspaceRequest(Empty {})),
            Message::ComplexesRequest => structure::read_indices(&mut r)
                .map(|indices| ToSession::ComplexesRequest(Indices { indices })),
            Message::StructuresZoom => structure::read_indices(&mut r)
                .map(|indices| ToSession::ZoomOn(Indices { indices })),
            Message::StructuresCenter => structure::read_indices(&mut r)
                .map(|indices| ToSession::CenterOn(Indices { indices })),
            Message::AddToWorkspace => structure::read_complexes(&mut r, v)
                .map(|complexes| ToSession::AddToWorkspace(ComplexList { complexes })),
            Message::WorkspaceUpdate => {
                structure::read_workspace(&mut r, v).map(ToSession::WorkspaceUpdate)
            }
            Message::MenuUpdate => self.ui(|u| u.update_menu(&mut r)).map(|(menu, shallow)| {
                ToSession::MenuUpdate(MenuUpdate {
                    menu: Box::new(menu),
                    shallow,
                })
            }),
            Message::ContentUpdate => self
                .ui(|u| u.update_content(&mut r))
                .map(|content| ToSession::ContentUpdate(ContentUpdate { content })),
            Message::NodeUpdate => self
                .ui(|u| u.update_node(&mut r))
                .map(|nodes| ToSession::NodeUpdate(NodeUpdate { nodes })),
            Message::MenuTransformSet => {
                ui::read_menu_transform(&mut r).map(ToSession::MenuTransformSet)
            }
            Message::MenuTransformRequest => r
                .u8("the menu's index")
                .map(|index| ToSession::MenuTransformRequest(MenuRef { index })),
            Message::OpenUrl => (|| {
                let url = r.string("the URL")?;
                // `desktop_browser` came with OpenURL v1.
                let desktop_browser = r.remaining() > 0 && r.bool("the desktop flag")?;
                Ok(ToSession::OpenUrl(OpenUrl {
                    url,
                    desktop_browser,
                }))
            })(),
            Message::PluginListButtonSet => (|| {
                let button = match r.u32("the button")? {
                    0 => PluginListButton::Run,
                    1 => PluginListButton::AdvancedSettings,
                    n => {
                        return Err(SerialError::Invalid {
                            at: 4,
                            what: format!(
                                "plugin list button {n} is neither run (0) nor advanced settings (1)"
                            ),
                        });
                    }
                };
                Ok(ToSession::SetPluginListButton(SetPluginListButton {
                    button,
                    text: Some(r.string("the button's text")?),
                    usable: Some(r.bool("the button's usable flag")?),
                }))
            })(),
            Message::SetSkybox => (|| {
                let skybox = match r.i32("the skybox")? {
                    0 => Skybox::BlueSkiesAndClouds,
                    1 => Skybox::Sunset,
                    2 => Skybox::Beach,
                    3 => Skybox::Black,
                    4 => Skybox::White,
                    5 => Skybox::Graydient,
                    n => {
                        return Err(SerialError::Invalid {
                            at: 0,
                            what: format!("skybox {n} is none nanome-lib names"),
                        });
                    }
                };
                Ok(ToSession::SetSkybox(SetSkybox { skybox }))
            })(),
            Message::ControllerTransformsRequest => {
                Ok(ToSession::ControllerTransformsRequest(Empty {}))
            }
            Message::StreamCreate => match stream::read_create(&mut r, self.streams) {
                Ok(stream::Create::Stream(c)) => {
                    remember(&mut self.directions, frame.request_id, c.direction);
                    Ok(ToSession::StreamCreate(c))
                }
                Ok(stream::Create::Unsupported(what)) => {
                    tracing::info!(kind = kind.name(), "{}", unsupported(what));
                    let mut out = vec![session_error(0, ErrorCode::UnknownKind, unsupported(what))];
                    out.extend(command(
                        Command::StreamCreateDone,
                        frame.request_id,
                        &stream::write_created(
                            self.streams,
                            stream::CreationError::Unsupported,
                            0,
                            StreamDataType::Float,
                            StreamDirection::Writing,
                        ),
                    ));
                    return out;
                }
                Err(e) => Err(e),
            },
            Message::StreamFeed => {
                stream::read_feed(&mut r, self.streams).map(ToSession::StreamFeed)
            }
            Message::StreamDestroy => r
                .u32("the stream's id")
                .map(|stream_id| ToSession::StreamDestroy(StreamRef { stream_id })),
            Message::SetShape => shape::read_set(&mut r, self.shapes)
                .map(|shapes| ToSession::ShapesUpload(ShapeList { shapes })),
            Message::DeleteShape => shape::read_delete(&mut r, self.shapes)
                .map(|indices| ToSession::ShapesDestroy(ShapeIndices { indices })),
            Message::HookUiCallback => {
                return match self.hooks.hook(&mut r) {
                    Ok(()) => vec![],
                    Err(e) => error(0, format!("the plugin's {kind} could not be read: {e}")),
                };
            }
            Message::StructuresDeepUpdate | Message::StructuresShallowUpdate => {
                let deep = kind == Message::StructuresDeepUpdate;
                match structure::read_update(&mut r, v) {
                    Ok((_, Some(level))) => {
                        let what = format!("{kind} of {level} (complexes only so far)");
                        return self.unsupported_request(kind, frame.request_id, &what);
                    }
                    // nanome-lib's remove_from_workspace: a deep update of empty complexes.
                    Ok((complexes, None))
                        if deep
                            && !complexes.is_empty()
                            && complexes.iter().all(|c| c.molecules.is_empty()) =>
                    {
                        Ok(ToSession::RemoveFromWorkspace(Indices {
                            indices: complexes.iter().map(|c| c.index).collect(),
                        }))
                    }
                    Ok((complexes, None)) => Ok(ToSession::StructuresUpdate(StructuresUpdate {
                        deep,
                        complexes,
                    })),
                    Err(e) => Err(e),
                }
            }
            Message::CreateInteractions => interaction::read_create(&mut r).map(|interactions| {
                ToSession::InteractionsCreate(InteractionList { interactions })
            }),
            Message::GetInteractions => {
                interaction::read_query(&mut r).map(ToSession::InteractionsRequest)
            }
            Message::DeleteInteractions => structure::read_indices(&mut r)
                .map(|indices| ToSession::InteractionsDestroy(Indices { indices })),
            Message::InteractionsCalcDone => Ok(ToSession::InteractionsCalcDone(Empty {})),
            Message::HookComplexUpdated | Message::HookSelectionChanged => {
                r.i64("the complex's index").map(|index| {
                    // nts hooks both at once: the plugin's hooks so far, and this one.
                    if self.complex_hooks.len() >= MAX_PENDING {
                        self.complex_hooks.pop_first();
                    }
                    let (updated, selection) = self.complex_hooks.entry(index).or_default();
                    match kind {
                        Message::HookComplexUpdated => *updated = true,
                        _ => *selection = true,
                    }
                    ToSession::ComplexHook(ComplexHook {
                        index,
                        updated: *updated,
                        selection: *selection,
                    })
                })
            }
            Message::ApplyColorScheme => {
                structure::read_color_scheme(&mut r).map(ToSession::ApplyColorScheme)
            }
            Message::SaveMacro => macros::read_saved(&mut r).map(ToSession::MacroSave),
            Message::DeleteMacro => macros::read_saved(&mut r)
                .map(|m| ToSession::MacroDelete(MacroRef { title: m.title })),
            Message::RunMacro => macros::read_macro(&mut r).map(ToSession::MacroRun),
            Message::StopMacro => Ok(ToSession::MacroStop(Empty {})),
            Message::GetMacros => Ok(ToSession::MacroList(Empty {})),
            Message::LoadFile => return self.load_files(&mut r, frame.request_id),
            Message::ExportFiles => return self.export(&mut r, frame.request_id),
            // Found here, by the session's rule, in the molecule the workspace holds.
            Message::SubstructureRequest => {
                structure::read_substructure_request(&mut r).map(|asked| {
                    remember(&mut self.substructures, frame.request_id, asked);
                    ToSession::WorkspaceRequest(Empty {})
                })
            }
            Message::AddVolume => {
                volume::read_add(&mut r, v).map(|a| ToSession::AddVolume(Box::new(a)))
            }
            Message::Integration => {
                return match integration::read_result(&mut r, v) {
                    Ok((inner, _, result)) if self.integrations.remove(&inner) => {
                        vec![Out::Session(Envelope::with_id(
                            u64::from(inner),
                            ToSession::IntegrationResult(result),
                        ))]
                    }
                    Ok((inner, name, _)) => error(
                        0,
                        format!("the plugin answered {name} request {inner}, which no one asked"),
                    ),
                    Err(e) => {
                        // The session's request it answers (its first word) fails now
                        // rather than at the session's deadline.
                        let inner = Reader::new(frame.body).u32("id").ok();
                        let id = match inner {
                            Some(i) if self.integrations.remove(&i) => u64::from(i),
                            _ => 0,
                        };
                        error(id, format!("the plugin's {kind} could not be read: {e}"))
                    }
                };
            }
            Message::DirectoryRequest | Message::FileRequest | Message::FileSave => {
                return match files::Batch::read(kind, &mut r) {
                    Some(Ok(batch)) => {
                        self.batches.insert(frame.request_id, batch);
                        self.batch_step(kind, frame.request_id, None)
                    }
                    Some(Err(e)) => {
                        let mut out =
                            error(0, format!("the plugin's {kind} could not be read: {e}"));
                        out.extend(self.empty_reply(kind, frame.request_id));
                        out
                    }
                    None => self.unsupported_request(kind, frame.request_id, kind.name()),
                };
            }
            other => match files::read_op(other, &mut r) {
                Some(op) => op.map(ToSession::File),
                None => return self.unsupported_request(other, frame.request_id, other.name()),
            },
        };
        match read {
            // What nanome-lib sends without waiting goes as an event: nothing to answer.
            Ok(msg) if one_way(kind) => vec![Out::Session(Envelope::event(msg))],
            Ok(msg) => {
                let mut out = self.asked(frame.request_id, kind);
                out.push(Out::Session(Envelope::with_id(id, msg)));
                out
            }
            Err(e) => {
                // An event for the session's log: the id is the plugin's, not a request
                // of the session's that an error could answer.
                let mut out = error(0, format!("the plugin's {kind} could not be read: {e}"));
                out.extend(self.empty_reply(kind, frame.request_id));
                out
            }
        }
    }

    /// `load_file`: each file read by nts's readers in the gateway, those that load added
    /// to the workspace in one request, and the per-file answer kept for its reply. A file
    /// that fails is named in the session's log; the others load.
    fn load_files(&mut self, r: &mut Reader<'_>, request: u32) -> Vec<Out> {
        let id = session_id_of(request);
        let files = match files::read_load(r) {
            Ok(f) => f,
            Err(e) => {
                let message = format!("the plugin's load_file could not be read: {e}");
                tracing::info!("{message}");
                let mut out = vec![session_error(0, ErrorCode::BadRequest, message)];
                out.extend(command(
                    Command::LoadFileDone,
                    request,
                    &files::write_load_done(&[]),
                ));
                return out;
            }
        };
        let mut out = vec![];
        let mut complexes = vec![];
        let mut loaded = vec![];
        // What the files may take together, in bytes and atoms.
        let (mut bytes, mut atoms) = (files::MAX_LOADED, crate::api::structure::MAX_ATOMS);
        for (name, data) in files {
            let parsed = files::parse_loaded(&name, data, bytes).and_then(|(c, size)| {
                let n = c.atoms().count();
                if n > atoms {
                    return Err(format!(
                        "{name}: {n} atoms, beyond the {} one load may add",
                        crate::api::structure::MAX_ATOMS
                    ));
                }
                (bytes, atoms) = (bytes - size.min(bytes), atoms - n);
                Ok(c)
            });
            match parsed {
                Ok(c) => {
                    complexes.push(c);
                    loaded.push(true);
                }
                Err(e) => {
                    tracing::info!("the plugin's file could not be loaded: {e}");
                    loaded.push(false);
                    out.push(session_error(
                        0,
                        ErrorCode::BadRequest,
                        format!("the plugin's file could not be loaded: {e}"),
                    ));
                }
            }
        }
        if complexes.is_empty() {
            out.extend(command(
                Command::LoadFileDone,
                request,
                &files::write_load_done(&loaded),
            ));
            return out;
        }
        remember(&mut self.loads, request, loaded);
        out.extend(self.asked(request, Message::LoadFile));
        out.push(Out::Session(Envelope::with_id(
            id,
            ToSession::AddToWorkspace(ComplexList { complexes }),
        )));
        out
    }

    /// `request_export`: written here by nts's writers, from the complexes the plugin sent
    /// and those it names (asked of the session first).
    fn export(&mut self, r: &mut Reader<'_>, request: u32) -> Vec<Out> {
        let id = session_id_of(request);
        let ex = match export::read(r, self.structures) {
            Ok(Ok(ex)) => ex,
            Ok(Err(what)) => return self.unsupported_request(Message::ExportFiles, request, what),
            Err(e) => {
                let message = format!("the plugin's export_files could not be read: {e}");
                tracing::info!("{message}");
                let mut out = vec![session_error(0, ErrorCode::BadRequest, message)];
                out.extend(self.empty_reply(Message::ExportFiles, request));
                return out;
            }
        };
        let ask = match (&ex.entities, ex.indices()) {
            (None, _) => ToSession::WorkspaceRequest(Empty {}),
            (Some(_), indices) if !indices.is_empty() => {
                ToSession::ComplexesRequest(Indices { indices })
            }
            // Every complex came with the request.
            (Some(_), _) => {
                return command(Command::ExportFilesResult, request, &ex.write(vec![]));
            }
        };
        remember(&mut self.exports, request, ex);
        let mut out = self.asked(request, Message::ExportFiles);
        out.push(Out::Session(Envelope::with_id(id, ask)));
        out
    }
}

/// What nanome-lib sends without waiting for an answer (`N` in the reference's table).
fn one_way(kind: Message) -> bool {
    use Message as M;
    matches!(
        kind,
        M::Connect
            | M::PluginListButtonSet
            | M::MenuUpdate
            | M::ContentUpdate
            | M::NodeUpdate
            | M::MenuTransformSet
            | M::NotificationSend
            | M::HookUiCallback
            | M::StructuresShallowUpdate
            | M::HookComplexUpdated
            | M::HookSelectionChanged
            | M::StreamDestroy
            | M::SaveMacro
            | M::DeleteMacro
            | M::StopMacro
            | M::DeleteInteractions
            | M::InteractionsCalcDone
            | M::OpenUrl
            | M::Integration
            | M::SetSkybox
            | M::ApplyColorScheme
    )
}
