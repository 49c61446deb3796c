//! One legacy session's translation, sans-IO: nts link envelopes from the session become
//! nanome-lib commands for the plugin's session process, and its messages become
//! envelopes for the session.
//!
//! Request ids: a plugin's request `r` is the session's request `r + 1` (nts keeps 0 for
//! "not a request"), so a reply finds its way back without a table. Kinds with no
//! translation yet are never silent: the session gets an error naming the kind ("not
//! supported by the legacy bridge: …"), and the gateway logs it.

use super::kinds::{Command, Message};
use super::serial::{Frame, Reader, SerialError, VersionTable, Writer};
use super::structure::{self, Versions};
use super::{shape, stream, ui};
use crate::api::link::{
    ComplexList, Indices, Notification, NotificationType, StructuresUpdate, ToPlugin, ToSession,
};
use crate::api::room::{
    ControllerTransforms, OpenUrl, PluginListButton, Pose, SetPluginListButton, SetSkybox, Skybox,
};
use crate::api::shape::{ShapeIndices, ShapeList};
use crate::api::stream::{StreamDataType, StreamDirection, StreamRef};
use crate::api::structure::Workspace;
use crate::api::ui::{ContentUpdate, MenuRef, MenuUpdate, NodeUpdate};
use crate::api::{Empty, ErrorBody, ErrorCode, Org, PresenterInfo};
use crate::wire::{Envelope, Message as _};
use std::collections::BTreeMap;

/// The serializers the gateway reads and writes, at the versions it implements: the table
/// sent in each session's `connect` (nanome-lib takes the lower of its version and this
/// one, and 0 for a name missing here).
pub const VERSIONS: &[(&str, u8)] = &[
    ("Atom", 8),
    ("Bond", 1),
    ("Residue", 2),
    ("Chain", 0),
    ("Molecule", 1),
    ("Complex", 3),
    ("Workspace", 0),
    ("UpdateMenu", 2),
    ("SendUIContent", 1),
    ("SendLayoutNode", 1),
    ("Menu", 0),
    ("LayoutNode", 1),
    ("LayoutNodeDeep", 0),
    ("UIContent", 0),
    ("Button", 6),
    ("Label", 1),
    ("TextInput", 3),
    ("Slider", 1),
    ("Image", 2),
    ("LoadingBar", 1),
    ("Mesh", 1),
    ("List", 1),
    ("Dropdown", 0),
    ("DropdownItem", 0),
    ("ButtonCallback", 2),
    ("MenuCallback", 1),
    ("SliderCallback", 1),
    ("TextInputCallback", 1),
    ("ImageCallback", 1),
    ("DropdownCallback", 0),
    ("UIHook", 0),
    ("SetMenuTransform", 0),
    ("GetMenuTransform", 0),
    ("GetMenuTransformResponse", 0),
    ("StreamCreation", 2),
    ("StreamCreationResult", 2),
    ("StreamFeed", 2),
    ("StreamFeedDone", 0),
    ("StreamDestruction", 0),
    ("StreamInterrupt", 0),
    ("SetShape", 2),
    ("DeleteShape", 1),
    ("Shape", 1),
    ("ShapeAnchor", 0),
    ("MeshShape", 1),
    ("SphereShape", 0),
    ("LineShape", 0),
    ("LabelShape", 0),
    ("OpenURL", 1),
    ("SetPluginListButton", 0),
    ("SetSkybox", 0),
    ("GetControllerTransforms", 0),
    ("GetControllerTransformsResponse", 0),
    ("GetPresenterInfo", 0),
    ("GetPresenterInfoResponse", 1),
    ("PresenterChange", 0),
    ("SendNotification", 0),
    ("Run", 0),
    ("AdvancedSettings", 0),
];

/// The table of [`VERSIONS`], as `connect` sends it.
pub fn versions() -> VersionTable {
    VERSIONS.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

/// What translating one message produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// A command payload (`request id | name hash | body`) for the plugin's session.
    Plugin(Vec<u8>),
    /// An envelope for the session.
    Session(Envelope<ToSession>),
}

/// One session's translator.
#[derive(Debug)]
pub struct Translator {
    /// The structure serializers' versions (negotiated at `connect`).
    structures: Versions,
    /// The UI serializers' versions.
    ui: ui::Versions,
    /// The shape serializers' versions.
    shapes: shape::Versions,
    /// The stream serializers' versions.
    streams: stream::Versions,
    /// The direction each pending `stream_create` asked for (its reply says it again).
    directions: BTreeMap<u32, StreamDirection>,
    /// The UI hooks the plugin asked for.
    hooks: ui::Hooks,
    /// The images the plugin's session has sent.
    images: ui::Images,
    /// The plugin's requests waiting for the session's reply, by request id: what each
    /// asked decides what its reply becomes.
    pending: BTreeMap<u32, Message>,
}

impl Default for Translator {
    fn default() -> Self {
        Translator::new(versions())
    }
}

/// Requests kept waiting at most; beyond, the oldest is forgotten (the session answers
/// every request, so only a plugin flooding requests reaches it).
const MAX_PENDING: usize = 4096;

/// The plugin's request id as the session's envelope id.
fn session_id_of(request: u32) -> u64 {
    u64::from(request) + 1
}

/// The session's reply id as the plugin's request id; `None` for what no plugin request
/// could have been (0, or beyond a u32).
fn plugin_id_of(id: u64) -> Option<u32> {
    id.checked_sub(1).and_then(|r| u32::try_from(r).ok())
}

/// The error the session gets for a kind the bridge does not translate.
pub fn unsupported(kind: &str) -> String {
    format!("not supported by the legacy bridge: {kind}")
}

/// An error for the session: the reply to its request `id`, or (0) an event for its log.
fn session_error(id: u64, code: ErrorCode, message: String) -> Out {
    Out::Session(Envelope::with_id(
        id,
        ToSession::Error(ErrorBody::new(code, message)),
    ))
}

fn command(kind: Command, request: u32, body: &[u8]) -> Vec<Out> {
    vec![Out::Plugin(Frame::encode(request, kind.name(), body))]
}

impl Translator {
    /// A translator for a session whose serializer versions are `versions` (negotiated).
    pub fn new(versions: VersionTable) -> Translator {
        Translator {
            structures: Versions::of(&versions),
            ui: ui::Versions::of(&versions),
            shapes: shape::Versions::of(&versions),
            streams: stream::Versions::of(&versions),
            directions: BTreeMap::new(),
            hooks: ui::Hooks::default(),
            images: ui::Images::default(),
            pending: BTreeMap::new(),
        }
    }

    /// Requests waiting for the session's reply.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// A message from the session for the plugin.
    pub fn to_plugin(&mut self, env: Envelope<ToPlugin>) -> Vec<Out> {
        let Envelope { id, msg } = env;
        // A reply: to which of the plugin's requests, and what it asked.
        let asked = plugin_id_of(id).and_then(|r| Some((r, *self.pending.get(&r)?)));
        let v = self.structures;
        match msg {
            ToPlugin::Run(_) => command(Command::Run, 0, &[]),
            ToPlugin::AdvancedSettings(_) => command(Command::AdvancedSettings, 0, &[]),
            // nanome-lib asks for the presenter's details itself on a change.
            ToPlugin::PresenterChange(_) => command(Command::PresenterChange, 0, &[]),
            ToPlugin::StreamInterrupt(i) => {
                command(Command::StreamInterrupt, 0, &stream::write_interrupt(&i))
            }
            ToPlugin::StreamFeed(f) if id == 0 => command(
                Command::StreamFeed,
                0,
                &stream::write_feed(self.streams, &f),
            ),
            ToPlugin::ComplexAdded(_) => command(Command::ComplexAdd, 0, &[]),
            ToPlugin::ComplexRemoved(_) => command(Command::ComplexRemove, 0, &[]),
            // A user's hands on the plugin's menus.
            ToPlugin::MenuToggle(m) => command(
                Command::MenuToggle,
                0,
                &ui::menu_toggle(self.ui, m.index, m.enabled),
            ),
            ToPlugin::ButtonPress(e) => command(
                Command::ButtonPress,
                0,
                &ui::button(self.ui, e.content_id, e.state),
            ),
            ToPlugin::ButtonHover(e) => command(
                Command::ButtonHover,
                0,
                &ui::button(self.ui, e.content_id, e.state),
            ),
            ToPlugin::SliderChange(e) => {
                command(Command::SliderChange, 0, &ui::slider(e.content_id, e.value))
            }
            ToPlugin::SliderRelease(e) => command(
                Command::SliderRelease,
                0,
                &ui::slider(e.content_id, e.value),
            ),
            ToPlugin::TextChange(e) => {
                command(Command::TextChange, 0, &ui::text(e.content_id, &e.text))
            }
            ToPlugin::TextSubmit(e) => {
                command(Command::TextSubmit, 0, &ui::text(e.content_id, &e.text))
            }
            ToPlugin::ImagePress(e) => {
                command(Command::ImagePress, 0, &ui::image(e.content_id, e.x, e.y))
            }
            ToPlugin::ImageHold(e) => {
                command(Command::ImageHold, 0, &ui::image(e.content_id, e.x, e.y))
            }
            ToPlugin::ImageRelease(e) => {
                command(Command::ImageRelease, 0, &ui::image(e.content_id, e.x, e.y))
            }
            ToPlugin::DropdownItemClick(e) => command(
                Command::DropdownItemClick,
                0,
                &ui::dropdown(e.content_id, e.item),
            ),
            // nanome-lib has no ping: the gateway answers for the plugin's session, which
            // it knows is there (its connection is alive).
            ToPlugin::Ping(_) => vec![Out::Session(Envelope::with_id(
                id,
                ToSession::Pong(Empty {}),
            ))],
            // Consumed by the gateway; host-only kinds never come from a session.
            ToPlugin::Credit(_) | ToPlugin::Start(_) | ToPlugin::Stop(_) => vec![],
            reply @ (ToPlugin::PresenterInfo(_)
            | ToPlugin::Complexes(_)
            | ToPlugin::ComplexesDeep(_)
            | ToPlugin::Workspace(_)
            | ToPlugin::MenuTransform(_)
            | ToPlugin::ControllerTransforms(_)
            | ToPlugin::ShapesUploaded(_)
            | ToPlugin::StreamCreated(_)
            | ToPlugin::ShapesDestroyed(_)
            | ToPlugin::Done(_)
            | ToPlugin::Error(_)) => {
                let Some((request, asked)) = asked else {
                    tracing::debug!(id, "a reply to no request of the plugin; dropped");
                    return vec![];
                };
                self.pending.remove(&request);
                match (asked, reply) {
                    (Message::PresenterInfoRequest, ToPlugin::PresenterInfo(info)) => command(
                        Command::PresenterInfoResponse,
                        request,
                        &presenter_info(&info),
                    ),
                    (Message::ComplexListRequest, ToPlugin::Complexes(list)) => command(
                        Command::ComplexListResponse,
                        request,
                        &structure::write_complex_list(v, list.complexes.iter()),
                    ),
                    (Message::AddToWorkspace, ToPlugin::Complexes(list)) => command(
                        Command::AddToWorkspaceDone,
                        request,
                        &structure::write_complexes(v, list.complexes.iter()),
                    ),
                    (Message::ComplexesRequest, ToPlugin::ComplexesDeep(deep)) => {
                        let unknown = structure::unknown_complex();
                        let all = deep
                            .complexes
                            .iter()
                            .map(|c| c.as_ref().unwrap_or(&unknown));
                        command(
                            Command::ComplexesResponse,
                            request,
                            &structure::write_complexes(v, all),
                        )
                    }
                    (Message::ControllerTransformsRequest, ToPlugin::ControllerTransforms(t)) => {
                        command(
                            Command::ControllerTransformsResponse,
                            request,
                            &controller_transforms(&t),
                        )
                    }
                    (Message::StreamCreate, ToPlugin::StreamCreated(c)) => {
                        let direction = self.directions.remove(&request).unwrap_or_default();
                        command(
                            Command::StreamCreateDone,
                            request,
                            &stream::write_created(
                                self.streams,
                                stream::CreationError::None,
                                c.stream_id,
                                c.data_type,
                                direction,
                            ),
                        )
                    }
                    (Message::SetShape, ToPlugin::ShapesUploaded(done)) => {
                        let results: Vec<(i32, bool)> = done
                            .results
                            .iter()
                            .map(|r| (r.index, r.error.is_none()))
                            .collect();
                        for r in done.results.iter().filter_map(|r| r.error.as_ref()) {
                            tracing::info!("the session refused a shape: {r}");
                        }
                        command(
                            Command::SetShapeResult,
                            request,
                            &shape::write_set_result(self.shapes, &results),
                        )
                    }
                    (Message::DeleteShape, ToPlugin::ShapesDestroyed(d)) => command(
                        Command::DeleteShapeResult,
                        request,
                        &shape::write_delete_result(self.shapes, &d.destroyed),
                    ),
                    (Message::MenuTransformRequest, ToPlugin::MenuTransform(t)) => command(
                        Command::MenuTransformResponse,
                        request,
                        &ui::menu_transform(&t),
                    ),
                    (Message::WorkspaceRequest, ToPlugin::Workspace(ws)) => command(
                        Command::WorkspaceResponse,
                        request,
                        &structure::write_workspace(v, &ws),
                    ),
                    (asked, ToPlugin::Done(_)) => match done_of(asked) {
                        Some(done) => command(done, request, &[]),
                        None => vec![],
                    },
                    (asked, ToPlugin::Error(e)) => {
                        // nanome-lib has no error reply: it gets the empty answer, so its
                        // callback runs instead of waiting for ever.
                        tracing::info!(request = %asked, "the session refused the plugin's {asked}: {}", e.message);
                        self.empty_reply(asked, request)
                    }
                    (asked, other) => {
                        tracing::info!(
                            "the session answered the plugin's {asked} with {}; dropped",
                            other.kind()
                        );
                        self.empty_reply(asked, request)
                    }
                }
            }
            other => {
                let kind = other.kind();
                tracing::info!(kind = kind.as_str(), "{}", unsupported(kind.as_str()));
                // A request gets its error as the reply; an event, in the session's log.
                vec![session_error(
                    id,
                    ErrorCode::UnknownKind,
                    unsupported(kind.as_str()),
                )]
            }
        }
    }

    /// Remembers that the plugin's request `request` asked `kind`.
    fn asked(&mut self, request: u32, kind: Message) {
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_first();
        }
        self.pending.insert(request, kind);
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
                    if self.directions.len() >= MAX_PENDING {
                        self.directions.pop_first();
                    }
                    self.directions.insert(frame.request_id, c.direction);
                    Ok(ToSession::StreamCreate(c))
                }
                Ok(stream::Create::Unsupported(what)) => {
                    let mut out = self.unsupported_request(kind, frame.request_id, what);
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
            other => return self.unsupported_request(other, frame.request_id, other.name()),
        };
        match read {
            Ok(msg) => {
                self.asked(frame.request_id, kind);
                vec![Out::Session(Envelope::with_id(id, msg))]
            }
            Err(e) => {
                let mut out = error(id, format!("the plugin's {kind} could not be read: {e}"));
                out.extend(self.empty_reply(kind, frame.request_id));
                out
            }
        }
    }

    /// The empty answer to `asked` (no complexes, an empty workspace, done), for a request the
    /// session could not serve: nanome-lib has no error reply, and its callback (or an async
    /// plugin's await) would otherwise wait for ever. Nothing for messages it expects no
    /// answer to.
    fn empty_reply(&self, asked: Message, request: u32) -> Vec<Out> {
        let (v, shapes) = (self.structures, self.shapes);
        let none = std::iter::empty();
        match asked {
            // Requests nanome-lib always waits on, not translated yet: empty lists.
            Message::ExportFiles => command(Command::ExportFilesResult, request, &[0; 4]),
            Message::CreateInteractions => {
                command(Command::CreateInteractionsResult, request, &[0; 4])
            }
            Message::GetInteractions => command(Command::GetInteractionsResponse, request, &[0; 4]),
            Message::ComputeHbonds => command(Command::ComputeHbondsDone, request, &[]),
            // No stream: nanome-lib calls back with `None` and the error.
            Message::StreamCreate => command(
                Command::StreamCreateDone,
                request,
                &stream::write_created(
                    self.streams,
                    stream::CreationError::AtomNotFound,
                    0,
                    StreamDataType::Float,
                    StreamDirection::Writing,
                ),
            ),
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
            other => match done_of(other) {
                Some(done) => command(done, request, &[]),
                None => vec![],
            },
        }
    }

    /// Runs `f` with what reading menus needs.
    fn ui<T>(&mut self, f: impl FnOnce(&mut ui::Ui<'_>) -> T) -> T {
        f(&mut ui::Ui {
            v: self.ui,
            hooks: &self.hooks,
            images: &mut self.images,
        })
    }

    /// What the bridge does with a message it does not translate: an error naming it for
    /// the session (as the reply when it is a request), and the empty answer for the
    /// plugin where nanome-lib waits for one.
    fn unsupported_request(&mut self, kind: Message, request: u32, what: &str) -> Vec<Out> {
        tracing::info!(kind = kind.name(), "{}", unsupported(what));
        let mut out = vec![session_error(
            session_id_of(request),
            ErrorCode::UnknownKind,
            unsupported(what),
        )];
        out.extend(self.empty_reply(kind, request));
        out
    }
}

/// The command that answers `asked` when the session says `done`, if nanome-lib waits for
/// one.
fn done_of(asked: Message) -> Option<Command> {
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
fn presenter_info(info: &PresenterInfo) -> Vec<u8> {
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
fn controller_transforms(t: &ControllerTransforms) -> Vec<u8> {
    let mut w = Writer::default();
    for pose in [&t.head, &t.left, &t.right] {
        for f in pose.position.iter().chain(&pose.rotation) {
            w.f32(*f);
        }
    }
    w.bytes
}

/// `SendNotification`: a u32 type (message, success, warning, error) and the text.
fn notification(body: &[u8]) -> Result<Notification, SerialError> {
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

#[cfg(test)]
mod tests;
