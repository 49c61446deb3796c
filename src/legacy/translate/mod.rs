//! One legacy session's translation, sans-IO: nts link envelopes from the session become
//! nanome-lib commands for the plugin's session process, and its messages become
//! envelopes for the session.
//!
//! Request ids: a plugin's request `r` is the session's request `r + 1` (nts keeps 0 for
//! "not a request"), so a reply finds its way back without a table; what nanome-lib sends
//! without waiting goes as an event. Kinds with no translation yet are never silent: the
//! session's log gets an error naming the kind ("not supported by the legacy bridge: …",
//! an event: a plugin's id is no request of the session's an error could answer), and the
//! gateway logs it.

use super::kinds::{Command, Message};
use super::serial::{Frame, Reader, SerialError, VersionTable, Writer};
use super::structure::{self, Versions};
use super::{export, files, integration, interaction, macros, shape, stream, ui, volume};
use crate::api::analysis::{ComplexHook, SubstructureType};
use crate::api::interaction::InteractionList;
use crate::api::link::{
    ComplexList, FileReply, Indices, Notification, NotificationType, StructuresUpdate, ToPlugin,
    ToSession,
};
use crate::api::room::{
    ControllerTransforms, MacroRef, OpenUrl, PluginListButton, Pose, SetPluginListButton,
    SetSkybox, Skybox,
};
use crate::api::shape::{ShapeIndices, ShapeList};
use crate::api::stream::{StreamDataType, StreamDirection, StreamRef};
use crate::api::structure::Workspace;
use crate::api::ui::{ContentUpdate, MenuRef, MenuUpdate, NodeUpdate};
use crate::api::{Empty, ErrorBody, ErrorCode, Org, PresenterInfo};
use crate::wire::{Envelope, Message as _};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

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
    ("Interaction", 1),
    ("CreateInteractions", 1),
    ("GetInteractions", 1),
    ("DeleteInteractions", 1),
    ("InteractionsCalcDone", 0),
    ("ComplexUpdated", 0),
    ("ComplexUpdatedHook", 0),
    ("SelectionChanged", 0),
    ("SelectionChangedHook", 0),
    ("ApplyColorScheme", 0),
    ("Macro", 0),
    ("SaveMacro", 0),
    ("DeleteMacro", 0),
    ("RunMacro", 1),
    ("StopMacro", 0),
    ("GetMacros", 0),
    ("GetMacrosResponse", 0),
    ("LoadFile", 0),
    ("LoadFileInfo", 0),
    ("LoadFileDone", 0),
    ("LoadFileDoneInfo", 0),
    ("pwd", 0),
    ("cd", 0),
    ("ls", 0),
    ("get", 0),
    ("put", 0),
    ("mv", 0),
    ("cp", 0),
    ("rm", 0),
    ("rmdir", 0),
    ("mkdir", 0),
    ("FileMeta", 0),
    ("Integration", 0),
    ("AddHydrogen", 0),
    ("RemoveHydrogen", 0),
    ("StructurePrep", 0),
    ("CalculateESP", 0),
    ("StartMinimization", 0),
    ("StopMinimization", 0),
    ("ExportLocations", 0),
    ("ExportFile", 0),
    ("ImportFile", 0),
    ("GenerateMoleculeImage", 0),
    ("ExportSmiles", 0),
    ("ImportSmiles", 0),
    ("RunInteractions", 0),
    ("ExportFiles", 0),
    ("ExportFilesItem", 0),
    ("AddVolume", 0),
    ("AddVolumeDone", 0),
    ("VolumeData", 0),
    ("UnitCell", 0),
    ("VolumeProperties", 0),
    ("VolumeLayer", 0),
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
    pending: BTreeMap<u32, (Message, Instant)>,
    /// For each pending `load_file`, whether each of its files could be read.
    loads: BTreeMap<u32, Vec<bool>>,
    /// The integration requests the plugin has yet to answer, by id.
    integrations: BTreeSet<u32>,
    /// The complexes whose updates (`.0`) and selection (`.1`) the plugin hooked.
    complex_hooks: BTreeMap<i64, (bool, bool)>,
    /// For each pending `substructure_request`, the molecule and the type asked.
    substructures: BTreeMap<u32, (i64, Option<SubstructureType>)>,
    /// For each pending `export_files`, what to write once the session has answered.
    exports: BTreeMap<u32, export::Export>,
    /// Each pending deprecated files request, done one operation at a time.
    batches: BTreeMap<u32, files::Batch>,
    /// The `RunMacro` serializer's version.
    run_macro: u8,
}

impl Default for Translator {
    fn default() -> Self {
        Translator::new(versions())
    }
}

/// Requests kept waiting at most; beyond, the oldest is forgotten (the session answers
/// every request, so only a plugin flooding requests reaches it).
const MAX_PENDING: usize = 4096;

/// How long a plugin's request waits for the session's answer; then it gets the empty one.
pub const DEADLINE: Duration = Duration::from_secs(60);

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

/// Inserts `value`, forgetting the smallest first when the set is full: only a peer that
/// never answers fills it.
fn bounded_insert(set: &mut BTreeSet<u32>, value: u32) {
    if set.len() >= MAX_PENDING {
        set.pop_first();
    }
    set.insert(value);
}

/// Keeps `value` for pending request `key`, forgetting the oldest first when the table is
/// full (as [`bounded_insert`]).
fn remember<V>(map: &mut BTreeMap<u32, V>, key: u32, value: V) {
    if map.len() >= MAX_PENDING {
        map.pop_first();
    }
    map.insert(key, value);
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
            loads: BTreeMap::new(),
            integrations: BTreeSet::new(),
            complex_hooks: BTreeMap::new(),
            substructures: BTreeMap::new(),
            exports: BTreeMap::new(),
            batches: BTreeMap::new(),
            run_macro: super::serial::version_of(&versions, "RunMacro"),
        }
    }

    /// Requests waiting for the session's reply.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// The clock moved to `now`: each of the plugin's requests the session has not answered
    /// within [`DEADLINE`] gets nanome-lib's empty answer, and the session's log says so.
    pub fn expire(&mut self, now: Instant) -> Vec<Out> {
        let late: Vec<(u32, Message)> = self
            .pending
            .iter()
            .filter(|(_, (_, at))| now.saturating_duration_since(*at) > DEADLINE)
            .map(|(r, (kind, _))| (*r, *kind))
            .collect();
        let mut out = vec![];
        for (request, kind) in late {
            self.pending.remove(&request);
            let message = format!(
                "the session did not answer the plugin's {kind} within {} s; it got the empty answer",
                DEADLINE.as_secs()
            );
            tracing::info!("{message}");
            out.push(session_error(0, ErrorCode::Timeout, message));
            out.extend(self.empty_reply(kind, request));
        }
        out
    }

    /// A message from the session for the plugin.
    pub fn to_plugin(&mut self, env: Envelope<ToPlugin>) -> Vec<Out> {
        let Envelope { id, msg } = env;
        // A reply: to which of the plugin's requests, and what it asked.
        let asked = plugin_id_of(id).and_then(|r| Some((r, self.pending.get(&r)?.0)));
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
            ToPlugin::ComplexUpdated(c) => command(
                Command::ComplexUpdated,
                0,
                &structure::write_complex_event(v, &c),
            ),
            ToPlugin::SelectionChanged(c) => command(
                Command::SelectionChanged,
                0,
                &structure::write_complex_event(v, &c),
            ),
            ToPlugin::Integration(request) => match u32::try_from(id) {
                Ok(inner) if inner > 0 => {
                    bounded_insert(&mut self.integrations, inner);
                    command(
                        Command::Integration,
                        0,
                        &integration::write_request(v, inner, &request),
                    )
                }
                _ => vec![session_error(
                    id,
                    ErrorCode::BadRequest,
                    "an integration is a request: its id must be between 1 and 2^32 - 1".into(),
                )],
            },
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
            | ToPlugin::InteractionsCreated(_)
            | ToPlugin::Interactions(_)
            | ToPlugin::Macros(_)
            | ToPlugin::FileReply(_)
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
                    (
                        Message::DirectoryRequest | Message::FileRequest | Message::FileSave,
                        answer @ (ToPlugin::FileReply(_) | ToPlugin::Error(_) | ToPlugin::Done(_)),
                    ) => {
                        let answer = match answer {
                            ToPlugin::FileReply(r) => Ok(r),
                            ToPlugin::Error(e) => Err(e),
                            _ => Ok(Default::default()),
                        };
                        self.batch_step(asked, request, Some(answer))
                    }
                    (Message::ExportFiles, ToPlugin::Workspace(ws)) => {
                        let found = ws.complexes.into_iter().map(Some).collect();
                        self.exported(request, found)
                    }
                    (Message::ExportFiles, ToPlugin::ComplexesDeep(deep)) => {
                        self.exported(request, deep.complexes)
                    }
                    (Message::SubstructureRequest, ToPlugin::Workspace(ws)) => {
                        let (index, only) =
                            self.substructures.remove(&request).unwrap_or((-1, None));
                        // The molecule, and how many atoms come before it in its complex
                        // (its bonds count atoms from the complex's first).
                        let molecule = ws.complexes.iter().find_map(|c| {
                            let at = c.molecules.iter().position(|m| m.index == index)?;
                            let before = c.molecules[..at]
                                .iter()
                                .flat_map(|m| &m.chains)
                                .flat_map(|ch| &ch.residues)
                                .map(|r| r.atoms.len() as i64)
                                .sum::<i64>();
                            Some((&c.molecules[at], before))
                        });
                        let found = molecule
                            .map(|(m, _)| m.substructures(only))
                            .unwrap_or_default();
                        if molecule.is_none() {
                            tracing::info!(
                                "the plugin asked for the substructures of molecule {index}, which the workspace does not hold"
                            );
                        }
                        command(
                            Command::SubstructureResponse,
                            request,
                            &structure::write_substructures(v, molecule, &found),
                        )
                    }
                    (Message::WorkspaceRequest, ToPlugin::Workspace(ws)) => command(
                        Command::WorkspaceResponse,
                        request,
                        &structure::write_workspace(v, &ws),
                    ),
                    (Message::CreateInteractions, ToPlugin::InteractionsCreated(i)) => command(
                        Command::CreateInteractionsResult,
                        request,
                        &interaction::write_created(&i.indices),
                    ),
                    (Message::GetInteractions, ToPlugin::Interactions(list)) => command(
                        Command::GetInteractionsResponse,
                        request,
                        &interaction::write_list(&list.interactions),
                    ),
                    (Message::GetMacros, ToPlugin::Macros(list)) => command(
                        Command::GetMacrosResponse,
                        request,
                        &macros::write_list(&list.macros),
                    ),
                    (Message::RunMacro, ToPlugin::Done(_)) => command(
                        Command::RunMacroResult,
                        request,
                        &macros::write_run_result(self.run_macro, true),
                    ),
                    (Message::AddVolume, ToPlugin::Complexes(_)) => {
                        command(Command::AddVolumeDone, request, &[])
                    }
                    (Message::LoadFile, ToPlugin::Complexes(_)) => {
                        let loaded = self.loads.remove(&request).unwrap_or_default();
                        command(
                            Command::LoadFileDone,
                            request,
                            &files::write_load_done(&loaded),
                        )
                    }
                    (asked, ToPlugin::FileReply(reply)) => {
                        match files::write_reply(asked, Ok(&reply)) {
                            Some((done, body)) => command(done, request, &body),
                            None => self.empty_reply(asked, request),
                        }
                    }
                    (asked, ToPlugin::Done(_)) => match done_of(asked) {
                        Some(done) => command(done, request, &[]),
                        None => match files::write_reply(asked, Ok(&Default::default())) {
                            Some((done, body)) => command(done, request, &body),
                            None => self.empty_reply(asked, request),
                        },
                    },
                    (asked, ToPlugin::Error(e)) => {
                        // nanome-lib has no error reply: it gets the empty answer, so its
                        // callback runs instead of waiting for ever.
                        tracing::info!(request = %asked, "the session refused the plugin's {asked}: {}", e.message);
                        // A files-API refusal has a code of its own.
                        match files::write_reply(asked, Err(&e)) {
                            Some((done, body)) => command(done, request, &body),
                            None => self.empty_reply(asked, request),
                        }
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

    /// A deprecated files request goes on: `answer` (if any) to its last operation, then its
    /// next operation for the session, or nanome-lib's answer once all are done.
    pub(super) fn batch_step(
        &mut self,
        kind: Message,
        request: u32,
        answer: Option<Result<FileReply, ErrorBody>>,
    ) -> Vec<Out> {
        let Some(mut batch) = self.batches.remove(&request) else {
            return self.empty_reply(kind, request);
        };
        if let Some(a) = answer {
            batch.answered(a);
        }
        match batch.next_op() {
            Some(op) => {
                remember(&mut self.batches, request, batch);
                let mut out = self.asked(request, kind);
                out.push(Out::Session(Envelope::with_id(
                    session_id_of(request),
                    ToSession::File(op),
                )));
                out
            }
            None => {
                let (done, body) = batch.reply();
                command(done, request, &body)
            }
        }
    }

    /// The answer to export `request`, now that the session sent what it names.
    fn exported(
        &mut self,
        request: u32,
        found: Vec<Option<crate::api::structure::Complex>>,
    ) -> Vec<Out> {
        let body = match self.exports.remove(&request) {
            Some(ex) => ex.write(found),
            None => export::write_result(&[]),
        };
        command(Command::ExportFilesResult, request, &body)
    }

    /// Runs `f` with what reading menus needs.
    pub(super) fn ui<T>(&mut self, f: impl FnOnce(&mut ui::Ui<'_>) -> T) -> T {
        f(&mut ui::Ui {
            v: self.ui,
            hooks: &self.hooks,
            images: &mut self.images,
        })
    }

    /// What the bridge does with a message it does not translate: an error naming it for
    /// the session (as the reply when it is a request), and the empty answer for the
    /// plugin where nanome-lib waits for one.
    pub(super) fn unsupported_request(
        &mut self,
        kind: Message,
        request: u32,
        what: &str,
    ) -> Vec<Out> {
        tracing::info!(kind = kind.name(), "{}", unsupported(what));
        // An event for the session's log (the id is the plugin's own).
        let mut out = vec![session_error(0, ErrorCode::UnknownKind, unsupported(what))];
        out.extend(self.empty_reply(kind, request));
        out
    }
}

mod empty;
mod from_plugin;
use empty::{controller_transforms, done_of, notification, presenter_info};

#[cfg(test)]
mod tests;
