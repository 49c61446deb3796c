//! The handle sessions and links hold on their router task, and the commands it sends.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{Delivery, FrameStats};
use crate::api::link::{ToPlugin, ToSession};
use crate::api::structure::{Complex, Packed, PackedWorkspace, Workspace};
use crate::api::{ErrorBody, PresenterInfo};
use crate::session::files::FilesView;
use crate::wire::subject::Token;

/// What a handle asks the router task. Queries carry the sender of their answer.
pub(crate) enum Command {
    /// Start delivering a link's events (first those that came before its reply).
    AddLink {
        lid: Token,
        plugin_id: Token,
        to_plugin: String,
        /// The link's view of the session's files, or why it has none.
        files: Result<FilesView, ErrorBody>,
        tx: mpsc::Sender<Delivery>,
        /// Who waits for which of the instance's replies.
        waiters: Waiters,
    },
    Presenter(oneshot::Sender<PresenterInfo>),
    FrameStats(oneshot::Sender<FrameStats>),
    Shapes(oneshot::Sender<Vec<crate::api::shape::Shape>>),
    Volumes(oneshot::Sender<Vec<(i64, crate::session::workspace::VolumeInfo)>>),
    /// The workspace's columns (a copy: the tree is built on the asker's task).
    Workspace(oneshot::Sender<PackedWorkspace>),
    /// Add complexes as the session's own user would; every link is told.
    AddComplexes(
        Vec<Packed>,
        oneshot::Sender<Result<Vec<Complex>, ErrorBody>>,
    ),
    /// Replace complexes (deep, by index) as the user would; hooked links are told.
    UpdateComplexes(Vec<Complex>, oneshot::Sender<Result<(), ErrorBody>>),
    /// A link's menus.
    Menus(Token, oneshot::Sender<Vec<crate::api::ui::Menu>>),
    /// A link's menus as text.
    RenderMenus(Token, oneshot::Sender<String>),
    /// What a user action on a link's menus sends the instance.
    Act(
        Token,
        crate::session::ui::UiAction,
        oneshot::Sender<Result<Vec<ToPlugin>, crate::session::ui::ActionError>>,
    ),
}

/// A link's requests waiting for the instance's reply, by envelope id. The link adds a
/// waiter before it sends its request and the router takes it when the reply comes; the
/// table is the only state the two share (one lock, taken for one map operation), so a
/// request costs no round trip through the router task.
#[derive(Clone, Default)]
pub(crate) struct Waiters(Arc<std::sync::Mutex<WaiterTable>>);

#[derive(Default)]
struct WaiterTable {
    next_id: u64,
    waiting: std::collections::HashMap<u64, oneshot::Sender<ToSession>>,
}

impl Waiters {
    /// A fresh request id and the receiver of its reply.
    pub(crate) fn expect(&self) -> (u64, oneshot::Receiver<ToSession>) {
        let (tx, rx) = oneshot::channel();
        let mut t = self.0.lock().expect("lock");
        t.next_id += 1;
        let id = t.next_id;
        t.waiting.insert(id, tx);
        (id, rx)
    }

    /// The waiter gave up.
    pub(crate) fn forget(&self, id: u64) {
        self.0.lock().expect("lock").waiting.remove(&id);
    }

    /// The waiter for reply `id`, if any.
    pub(crate) fn take(&self, id: u64) -> Option<oneshot::Sender<ToSession>> {
        self.0.lock().expect("lock").waiting.remove(&id)
    }
}

/// Commands queued for the router at most; a handle waits beyond that.
const MAX_COMMANDS: usize = 256;

/// A handle on the router task; cheap to clone.
#[derive(Clone)]
pub(crate) struct Router {
    commands: mpsc::Sender<Command>,
}

impl Router {
    /// Starts the router task for a session whose subscriptions are `inbound` (every link's
    /// `to_session`) and `events` (the room's events).
    pub(crate) fn spawn(
        client: async_nats::Client,
        presenter: PresenterInfo,
        inbound: async_nats::Subscriber,
        events: async_nats::Subscriber,
    ) -> (Router, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(MAX_COMMANDS);
        let task = tokio::spawn(super::Core::new(client, presenter, rx).run(inbound, events));
        let handle = Router { commands: tx };
        (handle, task)
    }

    /// Sends `cmd` and waits for its answer; `None` if the session is gone.
    async fn ask<T>(&self, cmd: impl FnOnce(oneshot::Sender<T>) -> Command) -> Option<T> {
        let (tx, rx) = oneshot::channel();
        self.commands.send(cmd(tx)).await.ok()?;
        rx.await.ok()
    }

    /// Sends `cmd` without waiting for an answer.
    pub(crate) async fn tell(&self, cmd: Command) {
        let _ = self.commands.send(cmd).await;
    }

    pub(crate) async fn presenter(&self) -> Option<PresenterInfo> {
        self.ask(Command::Presenter).await
    }

    pub(crate) async fn frame_stats(&self) -> FrameStats {
        self.ask(Command::FrameStats).await.unwrap_or_default()
    }

    pub(crate) async fn shapes(&self) -> Vec<crate::api::shape::Shape> {
        self.ask(Command::Shapes).await.unwrap_or_default()
    }

    pub(crate) async fn volumes(&self) -> Vec<(i64, crate::session::workspace::VolumeInfo)> {
        self.ask(Command::Volumes).await.unwrap_or_default()
    }

    pub(crate) async fn workspace(&self) -> Workspace {
        match self.ask(Command::Workspace).await {
            Some(packed) => packed.unpack(),
            None => Workspace::default(),
        }
    }

    pub(crate) async fn add_complexes(
        &self,
        complexes: Vec<Packed>,
    ) -> Result<Vec<Complex>, ErrorBody> {
        self.ask(|tx| Command::AddComplexes(complexes, tx))
            .await
            .unwrap_or_else(|| Err(gone()))
    }

    pub(crate) async fn update_complexes(&self, complexes: Vec<Complex>) -> Result<(), ErrorBody> {
        self.ask(|tx| Command::UpdateComplexes(complexes, tx))
            .await
            .unwrap_or_else(|| Err(gone()))
    }

    pub(crate) async fn menus(&self, lid: &Token) -> Vec<crate::api::ui::Menu> {
        self.ask(|tx| Command::Menus(lid.clone(), tx))
            .await
            .unwrap_or_default()
    }

    pub(crate) async fn render_menus(&self, lid: &Token) -> String {
        self.ask(|tx| Command::RenderMenus(lid.clone(), tx))
            .await
            .unwrap_or_default()
    }

    pub(crate) async fn act(
        &self,
        lid: &Token,
        action: &crate::session::ui::UiAction,
    ) -> Result<Vec<ToPlugin>, crate::session::ui::ActionError> {
        self.ask(|tx| Command::Act(lid.clone(), action.clone(), tx))
            .await
            .unwrap_or_else(|| {
                Err(crate::session::ui::ActionError::Invalid(
                    "the session is closed".into(),
                ))
            })
    }
}

fn gone() -> ErrorBody {
    ErrorBody::new(crate::api::ErrorCode::Closed, "the session is closed")
}
