//! The link plane: messages between a session and one plugin instance.
//!
//! [`ToPlugin`] travels on `…to_plugin` and, unchanged, as stdio frames into the
//! instance; [`ToSession`] travels the other way. A few kinds belong to the host and are
//! refused when they come from elsewhere (see [`ToPlugin::is_host_only`]).

use serde::{Deserialize, Serialize};

use super::analysis::{ApplyColorScheme, ComplexHook, SubstructureList, SubstructureRequest};
use super::integration::{IntegrationRequest, IntegrationResult};
use super::interaction::{InteractionList, InteractionQuery};
use super::room::{
    ControllerTransforms, Macro, MacroList, MacroRef, OpenUrl, SetPluginListButton, SetSkybox,
};
use super::shape::{ShapeIndices, ShapeList, ShapeResults, ShapesDestroyed};
use super::stream::{StreamCreate, StreamCreated, StreamFeed, StreamInterrupt, StreamRef};
use super::structure::{Complex, Workspace};
use super::ui::{
    ButtonEvent, ContentUpdate, DropdownEvent, ImageEvent, MenuRef, MenuToggle, MenuTransform,
    MenuUpdate, NodeUpdate, SliderEvent, TextEvent,
};
use super::volume::AddVolume;
use super::{Empty, ErrorBody, PresenterInfo};
use crate::messages;
use crate::wire::chunk::Chunk;
use crate::wire::subject::Token;

messages! {
    /// Messages delivered to a plugin instance.
    pub enum ToPlugin: ToPluginKind {
        /// Host → instance, first frame: who the instance serves. Host only.
        Start("start", StartInfo),
        /// The presenter pressed "Run" (`on_run`).
        Run("run", Empty),
        /// The presenter pressed "Advanced settings" (`on_advanced_settings`).
        AdvancedSettings("advanced_settings", Empty),
        /// The session's presenter changed (`on_presenter_change`).
        PresenterChange("presenter_change", PresenterInfo),
        /// Reply to `presenter_info_request` (same id).
        PresenterInfo("presenter_info", PresenterInfo),
        /// Liveness probe; the instance answers `pong` with the same id.
        Ping("ping", Empty),
        /// Error reply to an instance's request (same id).
        Error("error", ErrorBody),
        /// Host → instance: stop now (`on_stop`), then exit. Host only.
        Stop("stop", StopInfo),
        /// Reply to `workspace_request`: the whole workspace, deep.
        Workspace("workspace", Workspace),
        /// Reply to `complex_list_request` (shallow complexes) and `add_to_workspace`
        /// (the added complexes with their new indices).
        Complexes("complexes", ComplexList),
        /// Reply to `complexes_request`: deep complexes, `null` for unknown indices.
        ComplexesDeep("complexes_deep", ComplexesDeep),
        /// Acknowledges a request that returns nothing (updates, removal, zoom, center).
        Done("done", Empty),
        /// A complex was added to the workspace (`on_complex_added`).
        ComplexAdded("complex_added", Empty),
        /// A complex was removed from the workspace (`on_complex_removed`).
        ComplexRemoved("complex_removed", Empty),
        /// A part of an envelope too large for one message (see `wire::chunk`).
        Chunk("chunk", Chunk),
        /// Reply to `file`: what the operation returned.
        FileReply("file_reply", FileReply),
        /// Reply to `stream_create`.
        StreamCreated("stream_created", StreamCreated),
        /// A frame of a reading stream.
        StreamFeed("stream_feed", StreamFeed),
        /// A stream stopped (`on_stream_interrupt`).
        StreamInterrupt("stream_interrupt", StreamInterrupt),
        /// Reply to `controller_transforms_request`.
        ControllerTransforms("controller_transforms", ControllerTransforms),
        /// Reply to `macro_list`.
        Macros("macros", MacroList),
        /// Reply to `shapes_upload`.
        ShapesUploaded("shapes_uploaded", ShapeResults),
        /// Reply to `shapes_destroy`.
        ShapesDestroyed("shapes_destroyed", ShapesDestroyed),
        /// The session calls an integration the plugin provides (a request: answer
        /// `integration_result` or `error` with the same id).
        Integration("integration", IntegrationRequest),
        /// A user opened or closed one of the plugin's menus.
        MenuToggle("menu_toggle", MenuToggle),
        /// A user pressed a button (`state`: selected after the press).
        ButtonPress("button_press", ButtonEvent),
        /// A pointer entered or left a button with `hover_events`.
        ButtonHover("button_hover", ButtonEvent),
        /// A slider is moving.
        SliderChange("slider_change", SliderEvent),
        /// A slider was let go.
        SliderRelease("slider_release", SliderEvent),
        /// A text field's text changed.
        TextChange("text_change", TextEvent),
        /// A text field was submitted.
        TextSubmit("text_submit", TextEvent),
        /// An image with `pointer_events` was pressed.
        ImagePress("image_press", ImageEvent),
        /// An image with `pointer_events` is held.
        ImageHold("image_hold", ImageEvent),
        /// An image with `pointer_events` was released.
        ImageRelease("image_release", ImageEvent),
        /// A user chose a dropdown item.
        DropdownItemClick("dropdown_item_click", DropdownEvent),
        /// Reply to `menu_transform_request`.
        MenuTransform("menu_transform", MenuTransform),
        /// Reply to `substructure_request`.
        Substructures("substructures", SubstructureList),
        /// A hooked complex changed (`complex_hook` with `updated`): the complex, deep.
        ComplexUpdated("complex_updated", Complex),
        /// A hooked complex's selection changed (`complex_hook` with `selection`).
        SelectionChanged("selection_changed", Complex),
        /// Reply to `interactions_create`: the new indices, in order.
        InteractionsCreated("interactions_created", Indices),
        /// Reply to `interactions_request`.
        Interactions("interactions", InteractionList),
        /// Session → host: how many bytes of this link's `to_session` messages the session
        /// has taken in so far. The host relays at most a window beyond it (flow control,
        /// see `host::flow`) and consumes it: instances never see it.
        Credit("credit", Credit),
    }
}

impl ToPluginKind {
    /// Kinds only the host may send to an instance; refused from the network.
    pub fn is_host_only(self) -> bool {
        matches!(self, Self::Start | Self::Stop)
    }

    /// Kinds the host consumes itself; they never reach an instance.
    pub fn is_for_host(self) -> bool {
        matches!(self, Self::Credit)
    }
}

impl ToPlugin {
    /// Whether this message is one only the host may send (see
    /// [`ToPluginKind::is_host_only`]).
    pub fn is_host_only(&self) -> bool {
        crate::wire::Message::kind(self).is_host_only()
    }
}

messages! {
    /// Messages a plugin instance (or its host) sends to the session.
    pub enum ToSession: ToSessionKind {
        /// Instance → host: handshake done, the instance is serving. Consumed by the host.
        Ready("ready", Empty),
        /// A notification for the session's users.
        Notification("notification", Notification),
        /// Asks who presents the session; answered by `presenter_info` with the same id.
        PresenterInfoRequest("presenter_info_request", Empty),
        /// Reply to `ping` (same id).
        Pong("pong", Empty),
        /// An error report; with an id, the reply to that request.
        Error("error", ErrorBody),
        /// Host → session: the link is closed, and why. Host only.
        Closed("closed", CloseReason),
        /// Asks for the whole workspace (reply: `workspace`).
        WorkspaceRequest("workspace_request", Empty),
        /// Asks for the complexes, shallow (reply: `complexes`).
        ComplexListRequest("complex_list_request", Empty),
        /// Asks for complexes by index, deep (reply: `complexes_deep`).
        ComplexesRequest("complexes_request", Indices),
        /// Replaces the workspace (reply: `done`).
        WorkspaceUpdate("workspace_update", Workspace),
        /// Adds complexes (reply: `complexes`, with the indices the session assigned).
        AddToWorkspace("add_to_workspace", ComplexList),
        /// Removes complexes by index (reply: `done`).
        RemoveFromWorkspace("remove_from_workspace", Indices),
        /// Updates complexes by index: deep replaces their content, shallow only their
        /// own fields (reply: `done`).
        StructuresUpdate("structures_update", StructuresUpdate),
        /// Zooms the view on atoms by index (reply: `done`).
        ZoomOn("zoom_on", Indices),
        /// Centres the view on atoms by index (reply: `done`).
        CenterOn("center_on", Indices),
        /// A part of an envelope too large for one message (see `wire::chunk`).
        Chunk("chunk", Chunk),
        /// A file operation in the session's files directory (reply: `file_reply`).
        File("file", FileOp),
        /// Creates a stream (reply: `stream_created`).
        StreamCreate("stream_create", StreamCreate),
        /// A frame of a writing stream (no reply unless it carries an id: then `done`).
        StreamFeed("stream_feed", StreamFeed),
        /// Ends a stream (no reply unless it carries an id: then `done`).
        StreamDestroy("stream_destroy", StreamRef),
        /// Opens a web page for the session's users (no reply).
        OpenUrl("open_url", OpenUrl),
        /// Sets the room's skybox (no reply).
        SetSkybox("set_skybox", SetSkybox),
        /// Changes one of the plugin's buttons in the plugin list (no reply).
        SetPluginListButton("set_plugin_list_button", SetPluginListButton),
        /// Asks for the presenter's head and controller poses (reply: `controller_transforms`).
        ControllerTransformsRequest("controller_transforms_request", Empty),
        /// Saves a macro for this plugin (reply: `done`).
        MacroSave("macro_save", Macro),
        /// Runs a macro (reply: `done`).
        MacroRun("macro_run", Macro),
        /// Stops the running macro (reply: `done`).
        MacroStop("macro_stop", Empty),
        /// Deletes a saved macro (reply: `done`).
        MacroDelete("macro_delete", MacroRef),
        /// Lists this plugin's saved macros (reply: `macros`).
        MacroList("macro_list", Empty),
        /// Creates or replaces shapes (reply: `shapes_uploaded`).
        ShapesUpload("shapes_upload", ShapeList),
        /// Destroys shapes (reply: `shapes_destroyed`).
        ShapesDestroy("shapes_destroy", ShapeIndices),
        /// Reply to `integration` (same id).
        IntegrationResult("integration_result", IntegrationResult),
        /// Shows or replaces a menu (no reply unless it carries an id: then `done`).
        MenuUpdate("menu_update", MenuUpdate),
        /// Replaces content by id (no reply unless it carries an id: then `done`).
        ContentUpdate("content_update", ContentUpdate),
        /// Replaces nodes by id (no reply unless it carries an id: then `done`).
        NodeUpdate("node_update", NodeUpdate),
        /// Moves a menu in the room (no reply unless it carries an id: then `done`).
        MenuTransformSet("menu_transform_set", MenuTransform),
        /// Asks where a menu is (reply: `menu_transform`).
        MenuTransformRequest("menu_transform_request", MenuRef),
        /// Asks for a molecule's proteins, ligands or solvent (reply: `substructures`).
        SubstructureRequest("substructure_request", SubstructureRequest),
        /// Colours the selected atoms (no reply unless it carries an id: then `done`).
        ApplyColorScheme("apply_color_scheme", ApplyColorScheme),
        /// Hooks or unhooks a complex's update and selection events (reply: `done`).
        ComplexHook("complex_hook", ComplexHook),
        /// Adds a complex with volumetric data (reply: `complexes`, the complex as added).
        AddVolume("add_volume", Box<AddVolume>),
        /// Creates interactions (reply: `interactions_created`).
        InteractionsCreate("interactions_create", InteractionList),
        /// Destroys interactions by index (reply: `done`).
        InteractionsDestroy("interactions_destroy", Indices),
        /// Lists interactions touching some structures (reply: `interactions`).
        InteractionsRequest("interactions_request", InteractionQuery),
        /// Tells the session an interactions calculation finished (no reply unless it
        /// carries an id: then `done`).
        InteractionsCalcDone("interactions_calc_done", Empty),
    }
}

impl ToSession {
    /// Kinds the host consumes or originates; an instance may only send `ready` once,
    /// and never `closed`.
    pub fn is_host_level(&self) -> bool {
        matches!(self, ToSession::Ready(_) | ToSession::Closed(_))
    }
}

/// A file operation; paths are relative to the link's working directory, `/` is the root
/// of the session's files directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum FileOp {
    /// The working directory.
    Pwd,
    /// Change the working directory.
    Cd {
        /// Directory.
        path: String,
    },
    /// List a directory.
    Ls {
        /// Directory.
        path: String,
    },
    /// Read a file.
    Get {
        /// File.
        path: String,
    },
    /// Write a file (replacing it).
    Put {
        /// File.
        path: String,
        /// Content.
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// Move or rename.
    Mv {
        /// From.
        src: String,
        /// To.
        dst: String,
    },
    /// Copy a file.
    Cp {
        /// From.
        src: String,
        /// To.
        dst: String,
    },
    /// Remove a file.
    Rm {
        /// File.
        path: String,
    },
    /// Create a directory.
    Mkdir {
        /// Directory.
        path: String,
    },
    /// Remove an empty directory.
    Rmdir {
        /// Directory.
        path: String,
    },
}

/// What a file operation returned (fields absent when the operation returns nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileReply {
    /// `pwd`, `cd`: the working directory, from the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `ls`: the entries, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<FileEntry>>,
    /// `get`: the content.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "serde_bytes")]
    pub data: Option<Vec<u8>>,
}

/// One directory entry (nanome-lib's `FileMeta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Name.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Whether it is a directory.
    pub is_directory: bool,
    /// Last modification, seconds since the Unix epoch.
    pub modified: u64,
}

/// A list of complexes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplexList {
    /// The complexes (at most [`MAX_COMPLEXES`](crate::api::structure::MAX_COMPLEXES)).
    #[serde(deserialize_with = "crate::api::structure::bounded_complexes")]
    pub complexes: Vec<Complex>,
}

/// Complexes by requested index; `None` where the index is unknown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ComplexesDeep {
    /// One entry per requested index, in order.
    pub complexes: Vec<Option<Complex>>,
}

/// Workspace indices (of complexes, or of atoms for zoom and center).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Indices {
    /// The indices.
    pub indices: Vec<i64>,
}

/// Complexes to update in place, by index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StructuresUpdate {
    /// Deep: replace each complex's molecules too; shallow: only its own fields.
    pub deep: bool,
    /// The complexes, each with the index of the one it updates.
    pub complexes: Vec<Complex>,
}

/// What an instance learns at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartInfo {
    /// The plugin's id in the registry.
    pub plugin_id: Token,
    /// The plugin's display name.
    pub plugin_name: String,
    /// The session this instance serves.
    pub session_id: Token,
    /// This link's id.
    pub link_id: Token,
    /// The session's presenter at connect time.
    pub presenter: PresenterInfo,
    /// Largest message (bytes) the path to the session carries; larger envelopes are sent
    /// in chunks.
    #[serde(default = "default_max_message")]
    pub max_message: u32,
}

fn default_max_message() -> u32 {
    1024 * 1024
}

/// Bytes a host relays on a link beyond the session's last credit (see [`Credit`]).
pub const LINK_WINDOW: u64 = 16 << 20;

/// What a message of `len` bytes counts against the window: its size plus a fixed 512
/// per message, so a flood of tiny messages is bounded too (at most 32,768 in flight,
/// within what a subscription buffers).
pub fn credit_cost(len: usize) -> u64 {
    len as u64 + 512
}

/// Flow-control credit from a session to the host of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    /// The [`credit_cost`] of the link's `to_session` messages received since the link
    /// opened.
    pub received: u64,
}

/// Why the host asks an instance to stop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopInfo {
    /// Reason, for the instance's logs.
    pub reason: String,
}

/// Notification severity (nanome-lib's `NotificationTypes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationType {
    /// Neutral message.
    Message,
    /// Success.
    Success,
    /// Warning.
    Warning,
    /// Error.
    Error,
}

impl NotificationType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationType::Message => "message",
            NotificationType::Success => "success",
            NotificationType::Warning => "warning",
            NotificationType::Error => "error",
        }
    }
}

/// A notification shown to the session's users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// Severity.
    #[serde(rename = "type")]
    pub kind: NotificationType,
    /// Text to show.
    pub text: String,
}

/// Why a link closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseCode {
    /// The presenter disconnected the plugin.
    ClosedByPresenter,
    /// The instance exited on its own with status 0.
    InstanceExited,
    /// The instance died: non-zero exit, signal, or crash.
    InstanceCrashed,
    /// The instance broke the frame protocol and was stopped.
    ProtocolError,
    /// The instance did not complete the handshake in time.
    HandshakeFailed,
    /// The plugin's host is shutting down.
    HostStopping,
    /// The plugin's host stopped answering (lease expired or connection lost).
    HostLost,
    /// The session was closed.
    SessionClosed,
}

/// A link's end: code, explanation, and the instance's exit status when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseReason {
    /// Category.
    pub code: CloseCode,
    /// Human-readable explanation.
    pub message: String,
    /// The instance's exit code, if it exited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The signal that killed the instance, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
}

impl CloseReason {
    /// A reason with no exit status.
    pub fn new(code: CloseCode, message: impl Into<String>) -> Self {
        CloseReason {
            code,
            message: message.into(),
            exit_code: None,
            signal: None,
        }
    }
}

impl std::fmt::Display for CloseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
