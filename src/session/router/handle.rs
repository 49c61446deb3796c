//! The handle sessions and links hold on their router task, and the commands it sends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::{Delivery, FrameStats};
use crate::api::link::{ToPlugin, ToSession};
use crate::api::structure::{Complex, Workspace};
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
    },
    /// Hand the instance's reply with this id to `tx` (sent before the request is).
    ExpectReply {
        lid: Token,
        id: u64,
        tx: oneshot::Sender<ToSession>,
    },
    /// The waiter for this id gave up.
    ForgetReply {
        lid: Token,
        id: u64,
    },
    Presenter(oneshot::Sender<PresenterInfo>),
    FrameStats(oneshot::Sender<FrameStats>),
    Shapes(oneshot::Sender<Vec<crate::api::shape::Shape>>),
    Volumes(oneshot::Sender<Vec<(i64, crate::session::workspace::VolumeInfo)>>),
    Workspace(oneshot::Sender<Workspace>),
    /// Add complexes as the session's own user would; every link is told.
    AddComplexes(
        Vec<Complex>,
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

/// Commands queued for the router at most; a handle waits beyond that.
const MAX_COMMANDS: usize = 256;

/// A handle on the router task; cheap to clone.
#[derive(Clone)]
pub(crate) struct Router {
    commands: mpsc::Sender<Command>,
    next_id: Arc<AtomicU64>,
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
        let handle = Router {
            commands: tx,
            next_id: Arc::new(AtomicU64::new(1)),
        };
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
        self.ask(Command::Workspace).await.unwrap_or_default()
    }

    pub(crate) async fn add_complexes(
        &self,
        complexes: Vec<Complex>,
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

    /// Registers a waiter for the instance's reply to a request about to be sent; the
    /// router takes commands before inbound messages, so the reply finds it.
    pub(crate) async fn expect_reply(&self, lid: &Token) -> (u64, oneshot::Receiver<ToSession>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.tell(Command::ExpectReply {
            lid: lid.clone(),
            id,
            tx,
        })
        .await;
        (id, rx)
    }

    pub(crate) async fn forget_reply(&self, lid: &Token, id: u64) {
        self.tell(Command::ForgetReply {
            lid: lid.clone(),
            id,
        })
        .await;
    }
}

fn gone() -> ErrorBody {
    ErrorBody::new(crate::api::ErrorCode::Closed, "the session is closed")
}
