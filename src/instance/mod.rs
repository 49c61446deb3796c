//! The instance SDK: what a plugin author implements, and the stdio loop that runs it.
//!
//! An instance is one OS process per link, started by its host. It speaks length-
//! prefixed CBOR frames on stdin/stdout (see `docs/PROTOCOL.md`) and holds no broker
//! credentials. Implement [`PluginInstance`], then start the process with
//! [`Plugin::run`](plugin::Plugin::run), which is both the host and, re-run by the host,
//! the instance.
//!
//! ```no_run
//! use nts::api::link::NotificationType;
//! use nts::instance::{Instance, Plugin, PluginInstance};
//!
//! struct Hello;
//!
//! impl PluginInstance for Hello {
//!     async fn on_run(&mut self, nts: &Instance) {
//!         let _ = nts.send_notification(NotificationType::Success, "Hello from Rust!").await;
//!     }
//! }
//!
//! fn main() -> std::process::ExitCode {
//!     Plugin::new("Hello", "Says hello").run(|| Hello)
//! }
//! ```
//!
//! Over 800 lines: the SDK's `Instance` handle, its request wrappers, streams, files and the frame loop; the request wrappers, streams and files are the seams to split along (issue 8, part 2).

mod analysis;
pub mod plugin;
mod stdio;
pub mod ui;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::api::integration::{IntegrationRequest, IntegrationResult};
use crate::api::link::{
    ComplexList, FileEntry, FileOp, FileReply, Indices, Notification, NotificationType, StartInfo,
    StructuresUpdate, ToPlugin, ToSession,
};
use crate::api::request::{self as req, Request};
use crate::api::room::{
    ControllerTransforms, Macro, MacroRef, OpenUrl, PluginListButton, SetPluginListButton,
    SetSkybox, Skybox,
};
use crate::api::shape::{Shape, ShapeIndices, ShapeList, ShapeResult};
use crate::api::stream::{
    StreamCreate, StreamData, StreamDataType, StreamDirection, StreamFeed, StreamInterruptReason,
    StreamKind, StreamRef,
};
use crate::api::structure::{Complex, Workspace};
use crate::api::{Empty, ErrorBody, PresenterInfo};
use crate::wire::frame::Outgoing;
use crate::wire::{self, Envelope};

pub use plugin::{Plugin, PluginArgs};
pub use ui::UiEvent;

pub use crate::wire::frame::INSTANCE_ENV;
/// Default deadline of an instance's request to its session.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The callbacks of a plugin instance (nanome-lib's `PluginInstance`). Every method has
/// a default that does nothing; callbacks run one at a time, in arrival order.
pub trait PluginInstance: Send + 'static {
    /// Once, after the link is up and before any other callback.
    fn start(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// The presenter pressed "Run".
    fn on_run(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// The presenter pressed "Advanced settings".
    fn on_advanced_settings(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// The session's presenter changed.
    fn on_presenter_change(
        &mut self,
        nts: &Instance,
        presenter: PresenterInfo,
    ) -> impl Future<Output = ()> + Send {
        let _ = (nts, presenter);
        async {}
    }
    /// A complex was added to the session's workspace.
    fn on_complex_added(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// A complex was removed from the session's workspace.
    fn on_complex_removed(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// The complex list changed (after `on_complex_added` or `on_complex_removed`).
    fn on_complex_list_changed(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
    /// A complex hooked with [`Instance::hook_complex`] changed; `complex` is its new
    /// content, deep (nanome-lib's `register_complex_updated_callback`).
    fn on_complex_updated(
        &mut self,
        nts: &Instance,
        complex: Complex,
    ) -> impl Future<Output = ()> + Send {
        let _ = (nts, complex);
        async {}
    }
    /// The selection of a complex hooked with [`Instance::hook_complex`] changed
    /// (nanome-lib's `register_selection_changed_callback`).
    fn on_selection_changed(
        &mut self,
        nts: &Instance,
        complex: Complex,
    ) -> impl Future<Output = ()> + Send {
        let _ = (nts, complex);
        async {}
    }
    /// A frame of a reading stream (see [`Instance::create_reading_stream`]): the
    /// targets' current values, in the stream's order.
    fn on_stream_update(
        &mut self,
        nts: &Instance,
        stream_id: u32,
        data: StreamData,
    ) -> impl Future<Output = ()> + Send {
        let _ = (nts, stream_id, data);
        async {}
    }
    /// The session stopped one of this instance's streams (its targets changed, or it
    /// does not know it).
    fn on_stream_interrupt(
        &mut self,
        nts: &Instance,
        stream_id: u32,
        reason: StreamInterruptReason,
    ) -> impl Future<Output = ()> + Send {
        let _ = (nts, stream_id, reason);
        async {}
    }
    /// The session calls an integration this plugin declared (hydrogens, structure prep,
    /// minimization, ...). The default refuses with `unavailable`.
    fn on_integration(
        &mut self,
        nts: &Instance,
        request: IntegrationRequest,
    ) -> impl Future<Output = Result<IntegrationResult, ErrorBody>> + Send {
        let _ = nts;
        async move {
            Err(ErrorBody::new(
                crate::api::ErrorCode::Unavailable,
                format!(
                    "this plugin does not implement the {:?} integration",
                    request.declared_as()
                ),
            ))
        }
    }
    /// A user acted on one of the menus this instance sent (button, slider, text field,
    /// dropdown, image, or opening and closing a menu). The event carries the content as
    /// it is after the action; match on its id (or on [`UiEvent::content_id`]).
    fn on_ui_event(&mut self, nts: &Instance, event: UiEvent) -> impl Future<Output = ()> + Send {
        let _ = (nts, event);
        async {}
    }
    /// The link is closing; the process exits when this returns (or is killed if slow).
    fn on_stop(&mut self, nts: &Instance) -> impl Future<Output = ()> + Send {
        let _ = nts;
        async {}
    }
}

/// Why a request to the session failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    /// No answer before the deadline.
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    /// The link is closed; no answer will come.
    #[error("the link to the session is closed")]
    Closed,
    /// The session answered with an error.
    #[error("the session refused: {0}")]
    Refused(ErrorBody),
    /// The session answered with the wrong kind.
    #[error("unexpected answer of kind {0}")]
    Unexpected(&'static str),
}

crate::error::error_kind!(RequestError => RequestErrorKind {
    /// Deadline passed.
    TimedOut,
    /// Link closed.
    Closed,
    /// The session refused.
    Refused,
    /// Protocol mismatch.
    Unexpected,
});

type Pending = Mutex<HashMap<u64, oneshot::Sender<ToPlugin>>>;

struct Inner {
    out: mpsc::Sender<Outgoing>,
    pending: Pending,
    next_id: AtomicU64,
    info: StartInfo,
    menus: Mutex<ui::Menus>,
}

/// The instance's handle on its session: cheap to clone, usable from any task.
#[derive(Clone)]
pub struct Instance {
    inner: Arc<Inner>,
}

impl Instance {
    fn new(out: mpsc::Sender<Outgoing>, info: StartInfo) -> Self {
        Instance {
            inner: Arc::new(Inner {
                out,
                pending: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                info,
                menus: Mutex::new(ui::Menus::default()),
            }),
        }
    }

    /// Who this instance serves (plugin, session, link, presenter at connect time).
    pub fn info(&self) -> &StartInfo {
        &self.inner.info
    }

    /// Sends an envelope; one larger than the path to the session carries goes in chunks.
    async fn send(&self, env: Envelope<ToSession>) -> Result<(), RequestError> {
        let max = self.inner.info.max_message.max(4096) as usize;
        for frame in wire::chunk::encode_parts(&env, max, ToSession::Chunk) {
            self.inner
                .out
                .send(Outgoing::Frame(frame.into()))
                .await
                .map_err(|_| RequestError::Closed)?;
        }
        Ok(())
    }

    /// Waits until everything sent so far has been handed to the host.
    pub async fn flush(&self) {
        let (tx, rx) = oneshot::channel();
        if self.inner.out.send(Outgoing::Flush(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }

    /// Writes raw bytes as one frame, bypassing the envelope encoder. For tests of the
    /// host's protocol checks only.
    #[doc(hidden)]
    pub async fn send_raw_frame(&self, payload: Vec<u8>) {
        let _ = self.inner.out.send(Outgoing::Frame(payload.into())).await;
    }

    /// Shows a notification to the session's users.
    pub async fn send_notification(
        &self,
        kind: NotificationType,
        text: impl Into<String>,
    ) -> Result<(), RequestError> {
        self.send(Envelope::event(ToSession::Notification(Notification {
            kind,
            text: text.into(),
        })))
        .await
    }

    /// Asks who presents the session, with the default 10 s deadline.
    pub async fn request_presenter_info(&self) -> Result<PresenterInfo, RequestError> {
        self.request_presenter_info_within(DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// Asks who presents the session; fails with [`RequestError::TimedOut`] after `deadline`.
    pub async fn request_presenter_info_within(
        &self,
        deadline: Duration,
    ) -> Result<PresenterInfo, RequestError> {
        self.call::<req::PresenterInfoRequest>(Empty {}, deadline)
            .await
    }

    /// The session's whole workspace, deep.
    pub async fn request_workspace(&self) -> Result<Workspace, RequestError> {
        self.call::<req::WorkspaceRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// The complexes in the workspace, shallow (no molecules).
    pub async fn request_complex_list(&self) -> Result<Vec<Complex>, RequestError> {
        self.call::<req::ComplexListRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Complexes by index, deep; `None` for an index the session does not have.
    pub async fn request_complexes(
        &self,
        indices: &[i64],
    ) -> Result<Vec<Option<Complex>>, RequestError> {
        let indices = Indices {
            indices: indices.to_vec(),
        };
        self.call::<req::ComplexesRequest>(indices, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Replaces the session's workspace.
    pub async fn update_workspace(&self, workspace: Workspace) -> Result<(), RequestError> {
        self.done::<req::WorkspaceUpdate>(workspace).await
    }

    /// Adds complexes; returns them with the indices the session assigned.
    pub async fn add_to_workspace(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<Vec<Complex>, RequestError> {
        self.call::<req::AddToWorkspace>(ComplexList { complexes }, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Removes complexes by index.
    pub async fn remove_from_workspace(&self, indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::RemoveFromWorkspace>(Indices {
            indices: indices.to_vec(),
        })
        .await
    }

    /// Updates complexes in place, with everything they contain.
    pub async fn update_structures_deep(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<(), RequestError> {
        self.done::<req::StructuresUpdate>(StructuresUpdate {
            deep: true,
            complexes,
        })
        .await
    }

    /// Updates only the complexes' own fields (name, visibility, position, ...).
    pub async fn update_structures_shallow(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<(), RequestError> {
        self.done::<req::StructuresUpdate>(StructuresUpdate {
            deep: false,
            complexes,
        })
        .await
    }

    /// Zooms the session's view on atoms by index.
    pub async fn zoom_on_structures(&self, atom_indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::ZoomOn>(Indices {
            indices: atom_indices.to_vec(),
        })
        .await
    }

    /// Centres the session's view on atoms by index.
    pub async fn center_on_structures(&self, atom_indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::CenterOn>(Indices {
            indices: atom_indices.to_vec(),
        })
        .await
    }

    /// Creates a writing stream over atom indices (complex indices for
    /// `ComplexPositionRotation`); feed it with [`Stream::update`].
    pub async fn create_writing_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
    ) -> Result<Stream, RequestError> {
        self.create_stream(indices, kind, StreamDirection::Writing)
            .await
    }

    /// Creates a reading stream: the session sends the targets' values at once and
    /// whenever they change, to [`PluginInstance::on_stream_update`]. Destroy it to stop.
    pub async fn create_reading_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
    ) -> Result<Stream, RequestError> {
        self.create_stream(indices, kind, StreamDirection::Reading)
            .await
    }

    async fn create_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
        direction: StreamDirection,
    ) -> Result<Stream, RequestError> {
        let elements = indices.len();
        let create = StreamCreate {
            kind,
            direction,
            indices,
        };
        let c = self
            .call::<req::StreamCreate>(create, DEFAULT_REQUEST_TIMEOUT)
            .await?;
        Ok(Stream {
            nts: self.clone(),
            id: c.stream_id,
            kind,
            data_type: c.data_type,
            elements,
            flow: Arc::new(tokio::sync::Mutex::new(Flow::default())),
        })
    }

    /// Creates shapes (or replaces those whose index is set); one result per shape.
    pub async fn upload_shapes(
        &self,
        shapes: Vec<Shape>,
    ) -> Result<Vec<ShapeResult>, RequestError> {
        self.call::<req::ShapesUpload>(ShapeList { shapes }, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|r| r.results)
    }

    /// Destroys shapes; one flag per index, false if it did not exist.
    pub async fn destroy_shapes(&self, indices: &[i32]) -> Result<Vec<bool>, RequestError> {
        let indices = ShapeIndices {
            indices: indices.to_vec(),
        };
        self.call::<req::ShapesDestroy>(indices, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|r| r.destroyed)
    }

    /// Opens a web page for the session's users.
    pub async fn open_url(&self, url: &str, desktop_browser: bool) -> Result<(), RequestError> {
        let url = if url.contains("://") {
            url.to_string()
        } else {
            format!("http://{url}")
        };
        self.send(Envelope::event(ToSession::OpenUrl(OpenUrl {
            url,
            desktop_browser,
        })))
        .await
    }

    /// Sets the room's skybox.
    pub async fn set_skybox(&self, skybox: Skybox) -> Result<(), RequestError> {
        self.send(Envelope::event(ToSession::SetSkybox(SetSkybox { skybox })))
            .await
    }

    /// Changes a plugin list button's text and/or whether it can be pressed.
    pub async fn set_plugin_list_button(
        &self,
        button: PluginListButton,
        text: Option<&str>,
        usable: Option<bool>,
    ) -> Result<(), RequestError> {
        let msg = SetPluginListButton {
            button,
            text: text.map(str::to_string),
            usable,
        };
        self.send(Envelope::event(ToSession::SetPluginListButton(msg)))
            .await
    }

    /// The presenter's head and controller poses.
    pub async fn request_controller_transforms(
        &self,
    ) -> Result<ControllerTransforms, RequestError> {
        self.call::<req::ControllerTransformsRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// Saves a Lua macro for this plugin.
    pub async fn save_macro(&self, m: Macro) -> Result<(), RequestError> {
        self.done::<req::MacroSave>(m).await
    }

    /// Runs a Lua macro.
    pub async fn run_macro(&self, m: Macro) -> Result<(), RequestError> {
        self.done::<req::MacroRun>(m).await
    }

    /// Stops the running macro.
    pub async fn stop_macro(&self) -> Result<(), RequestError> {
        self.done::<req::MacroStop>(Empty {}).await
    }

    /// Deletes a saved macro.
    pub async fn delete_macro(&self, title: &str) -> Result<(), RequestError> {
        self.done::<req::MacroDelete>(MacroRef {
            title: title.into(),
        })
        .await
    }

    /// This plugin's saved macros.
    pub async fn list_macros(&self) -> Result<Vec<Macro>, RequestError> {
        self.call::<req::MacroList>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|m| m.macros)
    }

    /// The session's files directory (the plugin must declare `local_files_access`).
    pub fn files(&self) -> Files<'_> {
        Files { nts: self }
    }

    /// Sends request `R` and waits up to `deadline` for its reply, typed by the request
    /// table (`api::request`): the one call every request method of the SDK goes through.
    /// An `error` reply is [`RequestError::Refused`]; a reply of another kind is
    /// [`RequestError::Unexpected`].
    pub async fn call<R: Request>(
        &self,
        body: R::Body,
        deadline: Duration,
    ) -> Result<R::Reply, RequestError> {
        let reply = self.request(R::message(body), deadline).await?;
        R::reply(reply).map_err(|kind| RequestError::Unexpected(kind.as_str()))
    }

    /// [`Instance::call`] with the default deadline, for requests answered by `done`.
    async fn done<R: Request<Reply = Empty>>(&self, body: R::Body) -> Result<(), RequestError> {
        self.call::<R>(body, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|_| ())
    }

    /// Sends a request and waits for the reply with the same id.
    async fn request(&self, msg: ToSession, deadline: Duration) -> Result<ToPlugin, RequestError> {
        let (id, rx) = self.send_request(msg).await?;
        self.wait_reply(id, rx, deadline).await
    }

    /// A fresh request id whose reply will arrive on the receiver.
    fn expect_reply(&self) -> (u64, oneshot::Receiver<ToPlugin>) {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.inner.pending.lock().expect("lock").insert(id, tx);
        (id, rx)
    }

    /// Sends a request; its reply arrives on the receiver.
    async fn send_request(
        &self,
        msg: ToSession,
    ) -> Result<(u64, oneshot::Receiver<ToPlugin>), RequestError> {
        let (id, rx) = self.expect_reply();
        if let Err(e) = self.send(Envelope::with_id(id, msg)).await {
            self.inner.pending.lock().expect("lock").remove(&id);
            return Err(e);
        }
        Ok((id, rx))
    }

    /// Waits for the reply to request `id`.
    async fn wait_reply(
        &self,
        id: u64,
        rx: oneshot::Receiver<ToPlugin>,
        deadline: Duration,
    ) -> Result<ToPlugin, RequestError> {
        let result = match tokio::time::timeout(deadline, rx).await {
            Err(_) => Err(RequestError::TimedOut(deadline)),
            Ok(Err(_)) => Err(RequestError::Closed),
            Ok(Ok(ToPlugin::Error(e))) => Err(RequestError::Refused(e)),
            Ok(Ok(reply)) => Ok(reply),
        };
        self.inner.pending.lock().expect("lock").remove(&id);
        result
    }

    /// Routes a reply to its waiting request; gives the message back if none waits.
    /// Session requests (`integration`) carry the session's own ids and are never replies.
    fn resolve(&self, env: Envelope<ToPlugin>) -> Option<Envelope<ToPlugin>> {
        let is_request = matches!(env.msg, ToPlugin::Integration(_) | ToPlugin::Ping(_));
        if env.id != 0
            && !is_request
            && let Some(tx) = self.inner.pending.lock().expect("lock").remove(&env.id)
        {
            let _ = tx.send(env.msg);
            return None;
        }
        Some(env)
    }

    /// Fails every waiting request (the link closed).
    fn close_pending(&self) {
        self.inner.pending.lock().expect("lock").clear();
    }
}

/// Bytes of stream frames that may be on their way to the session, unapplied. Frames are
/// fire-and-forget, but a producer faster than the session would pile them up in the
/// broker until it cut the session off as a slow consumer; so every half window one frame
/// asks for an acknowledgement, and the next half window waits for it.
pub const STREAM_WINDOW: usize = 48 << 20;

/// Floats viewed as their little-endian bytes (on little-endian machines), to hand a frame's
/// values to the writer without copying them.
#[cfg(target_endian = "little")]
struct LeFloats(Vec<f32>);

#[cfg(target_endian = "little")]
impl AsRef<[u8]> for LeFloats {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

/// Flow control of one writing stream (see [`STREAM_WINDOW`]).
#[derive(Default)]
struct Flow {
    /// Bytes sent since the last frame that asked for an acknowledgement.
    unacked: usize,
    /// That acknowledgement, while it is awaited.
    pending: Option<(u64, oneshot::Receiver<ToPlugin>)>,
}

/// A writing stream: per-frame values for its targets, in their order.
#[derive(Clone)]
pub struct Stream {
    nts: Instance,
    id: u32,
    kind: StreamKind,
    data_type: StreamDataType,
    elements: usize,
    flow: Arc<tokio::sync::Mutex<Flow>>,
}

impl Stream {
    /// The stream's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Values one frame must carry (targets × values per target).
    pub fn frame_len(&self) -> usize {
        self.elements * self.kind.arity()
    }

    fn check(&self, data: &StreamData) -> Result<(), RequestError> {
        if data.data_type() != self.data_type || data.len() != self.frame_len() {
            return Err(RequestError::Refused(ErrorBody::new(
                crate::api::ErrorCode::BadRequest,
                format!(
                    "stream {} takes {} {:?} values per frame, got {} {:?}",
                    self.id,
                    self.frame_len(),
                    self.data_type,
                    data.len(),
                    data.data_type()
                ),
            )));
        }
        Ok(())
    }

    /// Sends one frame, checked for length and type first. It does not wait for the
    /// session, except to keep at most [`STREAM_WINDOW`] bytes in flight.
    pub async fn update(&self, data: StreamData) -> Result<(), RequestError> {
        self.check(&data)?;
        let size = match &data {
            StreamData::Float(v) => v.len() * 4,
            StreamData::Byte(v) => v.len(),
            StreamData::String(v) => v.iter().map(|s| s.len() + 1).sum(),
        };
        let mut flow = self.flow.lock().await;
        flow.unacked += size;
        // Every half window, one frame asks for an acknowledgement; before that, the
        // previous one must have come back.
        let ask = flow.unacked >= STREAM_WINDOW / 2;
        if ask && let Some((id, rx)) = flow.pending.take() {
            match self.nts.wait_reply(id, rx, DEFAULT_REQUEST_TIMEOUT).await? {
                ToPlugin::Done(_) => {}
                ToPlugin::StreamInterrupt(i) => {
                    return Err(RequestError::Refused(ErrorBody::new(
                        crate::api::ErrorCode::NotFound,
                        format!("stream {} was interrupted ({:?})", self.id, i.reason),
                    )));
                }
                other => {
                    return Err(RequestError::Unexpected(
                        wire::Message::kind(&other).as_str(),
                    ));
                }
            }
        }
        let (id, ack) = if ask {
            let (id, rx) = self.nts.expect_reply();
            (id, Some(rx))
        } else {
            (0, None)
        };
        // When it fits one message: a small head, then the values written to the pipe
        // from where they are (no encoding pass, no copy).
        let max = self.nts.inner.info.max_message.max(4096) as usize;
        let parts = match data {
            #[cfg(target_endian = "little")]
            StreamData::Float(v) if size + 128 <= max => {
                let values = wire::skim::FrameValues::Float(bytemuck::cast_slice(&v));
                let head = wire::skim::stream_frame_head(id, self.id, values, 96);
                Ok((head, bytes::Bytes::from_owner(LeFloats(v))))
            }
            StreamData::Byte(v) if size + 128 <= max => {
                let values = wire::skim::FrameValues::Byte(&v);
                let head = wire::skim::stream_frame_head(id, self.id, values, 96);
                Ok((head, bytes::Bytes::from(v)))
            }
            other => Err(other),
        };
        let sent = match parts {
            Ok((head, body)) => self
                .nts
                .inner
                .out
                .send(Outgoing::Parts(head.into(), body))
                .await
                .map_err(|_| RequestError::Closed),
            Err(data) => {
                let feed = ToSession::StreamFeed(StreamFeed {
                    stream_id: self.id,
                    data,
                });
                self.nts.send(Envelope::with_id(id, feed)).await
            }
        };
        if let Err(e) = sent {
            self.nts.inner.pending.lock().expect("lock").remove(&id);
            return Err(e);
        }
        if let Some(rx) = ack {
            flow.pending = Some((id, rx));
            flow.unacked = 0;
        }
        Ok(())
    }

    /// Sends one frame and waits until the session has applied it.
    pub async fn update_acked(&self, data: StreamData) -> Result<(), RequestError> {
        self.check(&data)?;
        self.nts
            .done::<req::StreamFeed>(StreamFeed {
                stream_id: self.id,
                data,
            })
            .await
    }

    /// Ends the stream.
    pub async fn destroy(self) -> Result<(), RequestError> {
        self.nts
            .done::<req::StreamDestroy>(StreamRef { stream_id: self.id })
            .await
    }
}

/// The session's files (nanome-lib's `self.files`): confined to the session's directory.
pub struct Files<'a> {
    nts: &'a Instance,
}

impl Files<'_> {
    async fn op(&self, op: FileOp) -> Result<FileReply, RequestError> {
        self.nts
            .call::<req::File>(op, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// The working directory (from the root, `/`).
    pub async fn pwd(&self) -> Result<String, RequestError> {
        Ok(self.op(FileOp::Pwd).await?.path.unwrap_or_default())
    }

    /// Changes the working directory; returns the new one.
    pub async fn cd(&self, path: &str) -> Result<String, RequestError> {
        Ok(self
            .op(FileOp::Cd { path: path.into() })
            .await?
            .path
            .unwrap_or_default())
    }

    /// Lists a directory.
    pub async fn ls(&self, path: &str) -> Result<Vec<FileEntry>, RequestError> {
        Ok(self
            .op(FileOp::Ls { path: path.into() })
            .await?
            .entries
            .unwrap_or_default())
    }

    /// Reads a file.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, RequestError> {
        Ok(self
            .op(FileOp::Get { path: path.into() })
            .await?
            .data
            .unwrap_or_default())
    }

    /// Writes a file.
    pub async fn put(&self, path: &str, data: Vec<u8>) -> Result<(), RequestError> {
        self.op(FileOp::Put {
            path: path.into(),
            data,
        })
        .await
        .map(|_| ())
    }

    /// Moves or renames.
    pub async fn mv(&self, src: &str, dst: &str) -> Result<(), RequestError> {
        self.op(FileOp::Mv {
            src: src.into(),
            dst: dst.into(),
        })
        .await
        .map(|_| ())
    }

    /// Copies a file.
    pub async fn cp(&self, src: &str, dst: &str) -> Result<(), RequestError> {
        self.op(FileOp::Cp {
            src: src.into(),
            dst: dst.into(),
        })
        .await
        .map(|_| ())
    }

    /// Removes a file.
    pub async fn rm(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Rm { path: path.into() }).await.map(|_| ())
    }

    /// Creates a directory.
    pub async fn mkdir(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Mkdir { path: path.into() })
            .await
            .map(|_| ())
    }

    /// Removes an empty directory.
    pub async fn rmdir(&self, path: &str) -> Result<(), RequestError> {
        self.op(FileOp::Rmdir { path: path.into() })
            .await
            .map(|_| ())
    }
}

/// Why the instance loop could not run.
#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    /// stdin/stdout could not be set up or read.
    #[error("instance stdio failed: {0}")]
    Io(#[from] std::io::Error),
    /// The host broke the protocol.
    #[error("instance protocol error: {0}")]
    Protocol(String),
}

crate::error::error_kind!(InstanceError => InstanceErrorKind {
    /// stdin/stdout could not be set up or read.
    Io,
    /// The host broke the protocol.
    Protocol,
});

/// Runs `plugin` against frames on this process's stdin/stdout until the link closes.
/// Anything the plugin prints to stdout goes to stderr instead, so it cannot corrupt
/// the frame stream.
pub async fn run_stdio<P: PluginInstance>(plugin: P) -> Result<(), InstanceError> {
    let (reader, writer) = stdio::take()?;
    run(plugin, reader, writer).await
}

/// Runs `plugin` over any frame reader and writer (tests use pipes).
pub async fn run<P, R, W>(mut plugin: P, reader: R, writer: W) -> Result<(), InstanceError>
where
    P: PluginInstance,
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
    W: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut frames = wire::frame::FrameReader::new(reader, wire::MAX_FRAME_DEFAULT);
    let first = frames
        .next()
        .await
        .map_err(|e| InstanceError::Protocol(e.to_string()))?;
    let info = match first.map(|f| wire::decode::<ToPlugin>(&f, wire::MAX_FRAME_DEFAULT)) {
        Some(Ok(Envelope {
            msg: ToPlugin::Start(info),
            ..
        })) => info,
        Some(Ok(other)) => {
            return Err(InstanceError::Protocol(format!(
                "expected \"start\" first, got {:?}",
                wire::Message::kind(&other.msg).as_str()
            )));
        }
        Some(Err(e)) => return Err(InstanceError::Protocol(format!("bad start frame: {e}"))),
        None => {
            return Err(InstanceError::Protocol(
                "stdin closed before \"start\"".into(),
            ));
        }
    };

    let (out_tx, out_rx) = mpsc::channel::<Outgoing>(1024);
    let writer_task = tokio::spawn(wire::frame::pump(writer, out_rx));
    let nts = Instance::new(out_tx.clone(), info);
    nts.send(Envelope::event(ToSession::Ready(Empty {})))
        .await
        .map_err(|_| InstanceError::Protocol("stdout closed".into()))?;

    // The reader resolves replies and answers pings itself, so a callback awaiting a
    // reply never blocks the delivery of that reply.
    let (events_tx, mut events_rx) = mpsc::channel::<Envelope<ToPlugin>>(1024);
    let reader_nts = nts.clone();
    let reader_task = tokio::spawn(async move {
        let mut chunks = wire::chunk::Reassembler::default();
        loop {
            let frame = match frames.next().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => {
                    eprintln!("nts instance: reading from the host failed: {e}");
                    break;
                }
            };
            let mut env = match wire::decode::<ToPlugin>(&frame, wire::MAX_FRAME_DEFAULT) {
                Ok(env) => env,
                Err(e) => {
                    eprintln!("nts instance: ignoring a bad frame from the host: {e}");
                    continue;
                }
            };
            if let ToPlugin::Chunk(part) = env.msg {
                env = match chunks.accept(part) {
                    Ok(Some(whole)) => whole,
                    Ok(None) => continue,
                    Err(e) => {
                        eprintln!("nts instance: dropping a chunked message: {e}");
                        continue;
                    }
                };
            }
            if let ToPlugin::Ping(_) = env.msg {
                let _ = reader_nts
                    .send(Envelope::with_id(env.id, ToSession::Pong(Empty {})))
                    .await;
                continue;
            }
            if let Some(env) = reader_nts.resolve(env) {
                let stop = matches!(env.msg, ToPlugin::Stop(_));
                if events_tx.send(env).await.is_err() || stop {
                    break;
                }
            }
        }
        reader_nts.close_pending();
    });

    plugin.start(&nts).await;
    while let Some(Envelope { id, msg }) = events_rx.recv().await {
        match msg {
            ToPlugin::Integration(req) => {
                let reply = match plugin.on_integration(&nts, req).await {
                    Ok(result) => ToSession::IntegrationResult(result),
                    Err(e) => ToSession::Error(e),
                };
                let _ = nts.send(Envelope::with_id(id, reply)).await;
            }
            ToPlugin::Run(_) => plugin.on_run(&nts).await,
            ToPlugin::AdvancedSettings(_) => plugin.on_advanced_settings(&nts).await,
            ToPlugin::PresenterChange(info) => plugin.on_presenter_change(&nts, info).await,
            ToPlugin::ComplexAdded(_) => {
                plugin.on_complex_added(&nts).await;
                plugin.on_complex_list_changed(&nts).await;
            }
            ToPlugin::ComplexRemoved(_) => {
                plugin.on_complex_removed(&nts).await;
                plugin.on_complex_list_changed(&nts).await;
            }
            ToPlugin::StreamInterrupt(i) => {
                plugin
                    .on_stream_interrupt(&nts, i.stream_id, i.reason)
                    .await
            }
            ToPlugin::MenuToggle(_)
            | ToPlugin::ButtonPress(_)
            | ToPlugin::ButtonHover(_)
            | ToPlugin::SliderChange(_)
            | ToPlugin::SliderRelease(_)
            | ToPlugin::TextChange(_)
            | ToPlugin::TextSubmit(_)
            | ToPlugin::ImagePress(_)
            | ToPlugin::ImageHold(_)
            | ToPlugin::ImageRelease(_)
            | ToPlugin::DropdownItemClick(_) => {
                let event = nts.inner.menus.lock().expect("lock").apply(&msg);
                if let Some(event) = event {
                    plugin.on_ui_event(&nts, event).await;
                }
            }
            ToPlugin::ComplexUpdated(c) => plugin.on_complex_updated(&nts, c).await,
            ToPlugin::SelectionChanged(c) => plugin.on_selection_changed(&nts, c).await,
            ToPlugin::StreamFeed(f) => plugin.on_stream_update(&nts, f.stream_id, f.data).await,
            ToPlugin::Stop(_) => break,
            ToPlugin::Error(e) => eprintln!("nts instance: the session reported an error: {e}"),
            ToPlugin::Start(_)
            | ToPlugin::PresenterInfo(_)
            | ToPlugin::Ping(_)
            | ToPlugin::Workspace(_)
            | ToPlugin::Complexes(_)
            | ToPlugin::ComplexesDeep(_)
            | ToPlugin::Done(_)
            | ToPlugin::Chunk(_)
            | ToPlugin::FileReply(_)
            | ToPlugin::StreamCreated(_)
            | ToPlugin::ControllerTransforms(_)
            | ToPlugin::Macros(_)
            | ToPlugin::ShapesUploaded(_)
            | ToPlugin::ShapesDestroyed(_)
            | ToPlugin::MenuTransform(_)
            | ToPlugin::Substructures(_)
            | ToPlugin::InteractionsCreated(_)
            | ToPlugin::Interactions(_)
            | ToPlugin::Credit(_) => {
                eprintln!(
                    "nts instance: ignoring an unexpected {:?}",
                    wire::Message::kind(&msg).as_str()
                );
            }
        }
    }
    // Stop order or host gone (stdin closed): on_stop either way.
    plugin.on_stop(&nts).await;
    reader_task.abort();
    drop(nts);
    drop(out_tx);
    let _ = writer_task.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::link::Notification;
    use crate::wire::frame::{FrameReader, write_frame};
    use crate::wire::subject::Token;
    use tokio::io::{AsyncWriteExt, DuplexStream};

    /// Asks for presenter info with a short deadline and reports the outcome.
    struct Asker;

    impl PluginInstance for Asker {
        async fn on_run(&mut self, nts: &Instance) {
            let text = match nts
                .request_presenter_info_within(Duration::from_millis(200))
                .await
            {
                Ok(p) => format!("presenter {}", p.account_name),
                Err(e) => format!("{:?}: {e}", e.kind()),
            };
            let _ = nts.send_notification(NotificationType::Message, text).await;
        }
        async fn on_stop(&mut self, nts: &Instance) {
            let _ = nts
                .send_notification(NotificationType::Message, "stopping")
                .await;
        }
    }

    struct Host {
        to: DuplexStream,
        from: FrameReader<DuplexStream>,
    }

    impl Host {
        async fn send(&mut self, env: Envelope<ToPlugin>) {
            write_frame(&mut self.to, &wire::encode(&env))
                .await
                .unwrap();
            self.to.flush().await.unwrap();
        }
        async fn recv(&mut self) -> Envelope<ToSession> {
            let f = tokio::time::timeout(Duration::from_secs(5), self.from.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            wire::decode(&f, 1 << 20).unwrap()
        }
        async fn notification(&mut self) -> String {
            match self.recv().await.msg {
                ToSession::Notification(Notification { text, .. }) => text,
                other => panic!("expected a notification, got {other:?}"),
            }
        }
    }

    async fn started() -> (Host, tokio::task::JoinHandle<Result<(), InstanceError>>) {
        let (host_out, inst_in) = tokio::io::duplex(1 << 16);
        let (inst_out, host_in) = tokio::io::duplex(1 << 16);
        let task = tokio::spawn(run(Asker, inst_in, inst_out));
        let mut host = Host {
            to: host_out,
            from: FrameReader::new(host_in, 1 << 20),
        };
        let info = StartInfo {
            plugin_id: Token::random(),
            plugin_name: "asker".into(),
            session_id: Token::random(),
            link_id: Token::random(),
            presenter: PresenterInfo::default(),
            max_message: 1 << 20,
        };
        host.send(Envelope::event(ToPlugin::Start(info))).await;
        assert!(matches!(host.recv().await.msg, ToSession::Ready(_)));
        (host, task)
    }

    #[tokio::test]
    async fn request_is_answered_by_id_while_pings_keep_flowing() {
        let (mut host, _task) = started().await;
        host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
        let req = host.recv().await;
        assert!(matches!(req.msg, ToSession::PresenterInfoRequest(_)));
        // The callback is blocked on the reply, yet pings are answered.
        host.send(Envelope::with_id(99, ToPlugin::Ping(Empty {})))
            .await;
        let pong = host.recv().await;
        assert_eq!(
            (pong.id, matches!(pong.msg, ToSession::Pong(_))),
            (99, true)
        );
        let info = PresenterInfo {
            account_name: "Ann".into(),
            ..Default::default()
        };
        host.send(Envelope::with_id(req.id, ToPlugin::PresenterInfo(info)))
            .await;
        assert_eq!(host.notification().await, "presenter Ann");
    }

    #[tokio::test]
    async fn request_fails_after_its_deadline() {
        let (mut host, _task) = started().await;
        host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
        assert!(matches!(
            host.recv().await.msg,
            ToSession::PresenterInfoRequest(_)
        ));
        let text = host.notification().await;
        assert!(text.starts_with("TimedOut"), "{text}");
    }

    #[tokio::test]
    async fn refused_request_carries_the_error() {
        let (mut host, _task) = started().await;
        host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
        let req = host.recv().await;
        host.send(Envelope::with_id(
            req.id,
            ToPlugin::Error(ErrorBody::new(crate::api::ErrorCode::Unavailable, "no")),
        ))
        .await;
        assert!(host.notification().await.starts_with("Refused"));
    }

    #[tokio::test]
    async fn stop_and_eof_both_run_on_stop() {
        let (mut host, task) = started().await;
        host.send(Envelope::event(ToPlugin::Stop(
            crate::api::link::StopInfo {
                reason: "bye".into(),
            },
        )))
        .await;
        assert_eq!(host.notification().await, "stopping");
        task.await.unwrap().unwrap();

        let (host, task) = started().await;
        let Host { to, from } = host;
        drop(to);
        let mut host = Host {
            to: tokio::io::duplex(1).0,
            from: FrameReader::new(from.into_inner(), 1 << 20),
        };
        assert_eq!(host.notification().await, "stopping");
        task.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_first_frame_other_than_start_is_refused() {
        let (mut host_out, inst_in) = tokio::io::duplex(1 << 16);
        let (inst_out, _host_in) = tokio::io::duplex(1 << 16);
        write_frame(
            &mut host_out,
            &wire::encode(&Envelope::event(ToPlugin::Run(Empty {}))),
        )
        .await
        .unwrap();
        host_out.flush().await.unwrap();
        let err = run(Asker, inst_in, inst_out).await.unwrap_err();
        assert!(err.to_string().contains("expected \"start\""), "{err}");
    }
}
