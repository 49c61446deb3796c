//! The instance SDK: what a plugin author implements, and the stdio loop that runs it.
//!
//! An instance is one OS process per link, started by its host. It speaks length-
//! prefixed CBOR frames on stdin/stdout (see `docs/PROTOCOL.md`) and holds no broker
//! credentials. Implement [`PluginInstance`], then start the process with
//! `nts::plugin::Plugin::run`, which is both the host and, re-run by the
//! host, the instance.
//!
//! ```no_run
//! use nts::api::link::NotificationType;
//! use nts::instance::{Instance, PluginInstance};
//! use nts::plugin::Plugin;
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

mod analysis;
mod files;
mod requests;
mod stdio;
mod stream;
pub mod ui;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};

use crate::api::integration::{IntegrationRequest, IntegrationResult};
use crate::api::link::{StartInfo, ToPlugin, ToSession};
use crate::api::request::Request;
use crate::api::stream::{StreamData, StreamInterruptReason};
use crate::api::structure::Complex;
use crate::api::{Empty, ErrorBody, PresenterInfo};
use crate::wire::frame::Outgoing;
use crate::wire::{self, Envelope};

pub use ui::UiEvent;

pub use crate::wire::frame::INSTANCE_ENV;

pub use files::Files;
pub use stream::{STREAM_WINDOW, Stream};

/// Default deadline of an instance's request to its session.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Encoded size from which a sent message's structure is freed on another thread.
const LARGE_MESSAGE: usize = 256 << 10;

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
        let bytes = wire::encode(&env);
        // Freeing a large structure takes milliseconds (a 100k-atom tree: ~1 ms) that the
        // frames would wait for on this single-threaded runtime: free it on another thread
        // while they travel.
        if bytes.len() >= LARGE_MESSAGE {
            tokio::task::spawn_blocking(move || drop(env));
        } else {
            drop(env);
        }
        for frame in wire::chunk::parts(bytes, max, ToSession::Chunk) {
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
mod tests;
