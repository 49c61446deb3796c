//! The session: the Nanome side of the system, headless.
//!
//! A [`Session`] is one room with its user as a member: it lists plugins, connects them
//! (as presenter), sends them commands, and answers their requests (presenter info, pings)
//! itself. One task routes everything the session receives to the right [`Link`].

mod color;
pub mod files;
pub mod router;
pub mod ui;
pub mod workspace;

use std::time::Duration;

use tokio::sync::mpsc;

use crate::api::control::{
    CtlReply, CtlRequest, LinkClose, LinkOpen, PluginList, PresenterHandover, SessionJoin,
    SessionOpen, SessionOpened, UserAuth, UserInfo,
};
use crate::api::integration::{IntegrationRequest, IntegrationResult};
use crate::api::link::{CloseReason, ToPlugin, ToSession};
use crate::api::{Empty, ErrorBody, ErrorCode, PresenterInfo};
use crate::connect::{ConnectError, ConnectOptions, Profile};
use crate::coordinator::client::{self as ctl, CtlError};
use crate::wire::caller::Caller;
use crate::wire::subject::{self, LinkSubjects, Token};
use crate::wire::{self, Envelope};

use router::Router;

/// Largest message a session accepts from a plugin.
pub const MAX_INBOUND: usize = 16 * 1024 * 1024;

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The coordinator refused or could not be reached.
    #[error(transparent)]
    Control(#[from] CtlError),
    /// The broker connection failed.
    #[error("broker: {0}")]
    Broker(String),
    /// The broker could not be reached or refused the credential.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The link is closed.
    #[error("the link is closed")]
    Closed,
    /// The session refused an operation (e.g. an invalid structure).
    #[error("{0}")]
    Refused(ErrorBody),
    /// A request to the plugin got no answer in time.
    #[error("the plugin did not answer within {0:?}")]
    Timeout(Duration),
}

crate::error::error_kind!(SessionError => SessionErrorKind {
    /// The coordinator refused or could not be reached.
    Control,
    /// The broker connection failed.
    Broker,
    /// The broker could not be reached or refused the credential.
    Connect,
    /// The link is closed.
    Closed,
    /// The session refused an operation (e.g. an invalid structure).
    Refused,
    /// A request to the plugin got no answer in time.
    Timeout,
});

/// Something that happened on a link.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkEvent {
    /// A message from the plugin instance.
    Message(Envelope<ToSession>),
    /// The link closed; nothing follows.
    Closed(CloseReason),
}

/// Lists the plugins available, asking as `caller` on `client`.
pub async fn list_plugins(
    client: &async_nats::Client,
    caller: &Caller,
) -> Result<PluginList, SessionError> {
    let req = CtlRequest::PluginList(Empty {});
    match ctl::call(client, caller, req, ctl::CTL_TIMEOUT).await? {
        CtlReply::PluginList(list) => Ok(list),
        other => Err(ctl::unexpected("plugin.list", &other).into()),
    }
}

/// A user's connection before it is in a room, made with the user's ticket: it may list
/// plugins and open or join sessions, and the broker lets it do nothing else. Each
/// session it opens or joins gets a connection of its own, confined to that room.
pub struct Lobby {
    client: async_nats::Client,
    caller: Caller,
    profile: Profile,
}

impl Lobby {
    /// Connects with the ticket of `profile` (a user's profile, `nts user add`).
    pub async fn connect(profile: &Profile) -> Result<Lobby, SessionError> {
        if profile.ticket.trim().is_empty() {
            return Err(ConnectError::Missing(
                "this profile holds no user ticket: use the profile `nts up` writes \
                 (profile.json in its state directory) or one from `nts user add NAME`"
                    .into(),
            )
            .into());
        }
        let claims = crate::connect::ticket::peek(&profile.ticket).map_err(ConnectError::from)?;
        let user = Token::new(claims.name.clone()).map_err(|_| {
            ConnectError::Missing(format!(
                "the ticket's user name {:?} is not usable (letters, digits, '_' and '-')",
                claims.name
            ))
        })?;
        let caller = Caller::Lobby {
            user,
            conn: Token::random(),
        };
        let client = crate::connect::connect_as(
            profile,
            &caller,
            false,
            &profile.ticket,
            ConnectOptions::named("lobby"),
        )
        .await?;
        Ok(Lobby {
            client,
            caller,
            profile: profile.clone(),
        })
    }

    /// The broker connection.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The plugins available.
    pub async fn plugins(&self) -> Result<PluginList, SessionError> {
        list_plugins(&self.client, &self.caller).await
    }
}

/// What another user needs to join a room: its id and its secret. Written
/// `<session id>:<secret>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The room.
    pub session_id: Token,
    /// The room's secret.
    pub secret: Token,
}

impl std::fmt::Display for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.session_id, self.secret)
    }
}

impl std::str::FromStr for Invitation {
    type Err = crate::wire::subject::TokenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (sid, secret) = s.trim().split_once(':').unwrap_or((s, ""));
        Ok(Invitation {
            session_id: Token::new(sid)?,
            secret: Token::new(secret)?,
        })
    }
}

/// An open session, seen by one of its members.
pub struct Session {
    client: async_nats::Client,
    caller: Caller,
    opened: SessionOpened,
    router: Router,
    task: tokio::task::JoinHandle<()>,
    files_root: Option<std::path::PathBuf>,
}

impl Session {
    /// Opens a new session in `room`; `user` becomes its presenter.
    pub async fn open(lobby: &Lobby, room: &str, user: UserInfo) -> Result<Session, SessionError> {
        let req = CtlRequest::SessionOpen(SessionOpen {
            room: room.into(),
            user,
        });
        Self::start(lobby, req, "session.open").await
    }

    /// Joins an open session as another member, with an invitation from one of them.
    pub async fn join(
        lobby: &Lobby,
        invitation: &Invitation,
        user: UserInfo,
    ) -> Result<Session, SessionError> {
        let req = CtlRequest::SessionJoin(SessionJoin {
            session_id: invitation.session_id.clone(),
            invitation: invitation.secret.clone(),
            user,
        });
        Self::start(lobby, req, "session.join").await
    }

    async fn start(
        lobby: &Lobby,
        req: CtlRequest,
        kind: &'static str,
    ) -> Result<Session, SessionError> {
        let opened = match ctl::call(&lobby.client, &lobby.caller, req, ctl::CTL_TIMEOUT).await? {
            CtlReply::SessionOpened(o) => o,
            other => return Err(ctl::unexpected(kind, &other).into()),
        };
        let sid = opened.session_id.clone();
        // The room gets its own connection, made with the member ticket just issued:
        // the broker confines it to this room.
        let caller = Caller::Member {
            session_id: sid.clone(),
            user_id: opened.user_id.clone(),
        };
        if opened.ticket.is_empty() {
            return Err(ConnectError::Missing(
                "the coordinator issued no member ticket (it runs without the deployment's keys)"
                    .into(),
            )
            .into());
        }
        let client = crate::connect::connect_as(
            &lobby.profile,
            &caller,
            false,
            &opened.ticket,
            ConnectOptions::named("member"),
        )
        .await?;
        let broker = |e: async_nats::SubscribeError| SessionError::Broker(e.to_string());
        // Subscribed before any link opens, so an instance's first words are not lost.
        let inbound = client
            .subscribe(subject::session_inbound(&sid))
            .await
            .map_err(broker)?;
        let events = client
            .subscribe(subject::session_events(&sid))
            .await
            .map_err(broker)?;
        let (router, task) = Router::spawn(
            client.clone(),
            opened.presenter_info.clone(),
            inbound,
            events,
        );
        Ok(Session {
            client,
            caller,
            opened,
            router,
            task,
            files_root: None,
        })
    }

    /// The session's id.
    pub fn id(&self) -> &Token {
        &self.opened.session_id
    }

    /// What another user needs to join this session.
    pub fn invitation(&self) -> Invitation {
        Invitation {
            session_id: self.opened.session_id.clone(),
            secret: self.opened.invitation.clone(),
        }
    }

    /// Who this member's connection is on the broker.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// This member's secret token, which its control requests carry (the coordinator
    /// also checks that it is this connection's own).
    pub fn member_token(&self) -> &Token {
        &self.opened.token
    }

    /// This member's public id.
    pub fn user_id(&self) -> &Token {
        &self.opened.user_id
    }

    /// The current presenter, as last announced.
    pub async fn presenter(&self) -> PresenterInfo {
        self.router
            .presenter()
            .await
            .unwrap_or_else(|| self.opened.presenter_info.clone())
    }

    /// The broker connection.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Stream frames this session has applied, and when the first and latest arrived.
    pub async fn frame_stats(&self) -> router::FrameStats {
        self.router.frame_stats().await
    }

    /// The shapes plugins have drawn in this session.
    pub async fn shapes(&self) -> Vec<crate::api::shape::Shape> {
        self.router.shapes().await
    }

    /// The session's workspace as it is now.
    pub async fn workspace(&self) -> crate::api::structure::Workspace {
        self.router.workspace().await
    }

    /// The volumes plugins added, by the index of the complex they belong to.
    pub async fn volumes(&self) -> Vec<(i64, workspace::VolumeInfo)> {
        self.router.volumes().await
    }

    /// Loads complexes into the workspace (as a user opening files would); every linked
    /// plugin gets `complex_added`. Returns them shallow, with their new indices (their
    /// parts, indexed too, are in [`Session::workspace`]: a copy of a million atoms would
    /// double the session's memory for a moment).
    pub async fn add_complexes(
        &self,
        complexes: Vec<crate::api::structure::Complex>,
    ) -> Result<Vec<crate::api::structure::Complex>, SessionError> {
        // Packed here, on the caller's task: the router stores the columns as they are.
        let complexes = complexes
            .iter()
            .map(crate::api::structure::Packed::checked)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SessionError::Refused(ErrorBody::from(e)))?;
        self.add_packed(complexes).await
    }

    /// [`Session::add_complexes`] for complexes already in the form the workspace keeps
    /// (a file read by [`crate::files::load_packed`]: no tree is ever built); answers
    /// them shallow (without their atoms).
    pub async fn add_packed(
        &self,
        complexes: Vec<crate::api::structure::Packed>,
    ) -> Result<Vec<crate::api::structure::Complex>, SessionError> {
        self.router
            .add_complexes(complexes)
            .await
            .map_err(SessionError::Refused)
    }

    /// Replaces complexes already in the workspace (deep, by index), as a user editing
    /// them in VR would: hooked plugins get `complex_updated` / `selection_changed`.
    pub async fn update_complexes(
        &self,
        complexes: Vec<crate::api::structure::Complex>,
    ) -> Result<(), SessionError> {
        self.router
            .update_complexes(complexes)
            .await
            .map_err(SessionError::Refused)
    }

    /// Connects plugin `plugin` (id or name). Presenter only.
    pub async fn connect(&self, plugin: &str) -> Result<Link, SessionError> {
        let req = CtlRequest::LinkOpen(LinkOpen {
            session_id: self.opened.session_id.clone(),
            token: self.opened.token.clone(),
            plugin: plugin.into(),
        });
        let opened = match ctl::call(&self.client, &self.caller, req, ctl::CTL_TIMEOUT).await? {
            CtlReply::LinkOpened(o) => o,
            other => return Err(ctl::unexpected("link.open", &other).into()),
        };
        let (tx, rx) = mpsc::channel(8192);
        let subjects = subject::link(&opened.plugin_id, &self.opened.session_id, &opened.link_id);
        let files = self.files_view(&opened.plugin_id).await;
        let waiters = router::Waiters::default();
        self.router
            .tell(router::Command::AddLink {
                lid: opened.link_id.clone(),
                plugin_id: opened.plugin_id.clone(),
                to_plugin: subjects.to_plugin.clone(),
                files,
                tx,
                waiters: waiters.clone(),
            })
            .await;
        Ok(Link {
            client: self.client.clone(),
            caller: self.caller.clone(),
            subjects,
            id: opened.link_id,
            plugin_id: opened.plugin_id,
            host_id: opened.host_id,
            session_id: self.opened.session_id.clone(),
            token: self.opened.token.clone(),
            router: self.router.clone(),
            waiters,
            rx,
        })
    }

    /// Offers the plugins connected from now on the files in `root` (those that declared
    /// `local_files_access`), confined to that directory.
    pub fn set_files_dir(&mut self, root: std::path::PathBuf) {
        self.files_root = Some(root);
    }

    /// The files view a plugin gets, or why it gets none.
    async fn files_view(&self, plugin_id: &Token) -> Result<files::FilesView, ErrorBody> {
        let Some(root) = &self.files_root else {
            return Err(ErrorBody::new(
                ErrorCode::Forbidden,
                "this session offers no files (start it with --files DIR)",
            ));
        };
        let list = list_plugins(&self.client, &self.caller)
            .await
            .map_err(|e| ErrorBody::new(ErrorCode::Unavailable, e.to_string()))?;
        let declared = list.plugins.iter().any(|p| {
            &p.plugin_id == plugin_id
                && p.metadata
                    .permissions
                    .iter()
                    .any(|x| x == files::PERMISSION)
        });
        if !declared {
            return Err(ErrorBody::new(
                ErrorCode::Forbidden,
                format!(
                    "the plugin did not declare the {:?} permission",
                    files::PERMISSION
                ),
            ));
        }
        files::FilesView::new(root.clone()).map_err(|e| {
            ErrorBody::new(
                ErrorCode::Unavailable,
                format!("the session's files directory {}: {e}", root.display()),
            )
        })
    }

    /// Hands the presenter role to member `to`. Presenter only.
    pub async fn set_presenter(&self, to: &Token) -> Result<(), SessionError> {
        let req = CtlRequest::SessionPresenter(PresenterHandover {
            session_id: self.opened.session_id.clone(),
            token: self.opened.token.clone(),
            to: to.clone(),
        });
        ctl::call(&self.client, &self.caller, req, ctl::CTL_TIMEOUT).await?;
        Ok(())
    }

    /// Leaves the session (the last member out closes it and its links).
    pub async fn leave(self) -> Result<(), SessionError> {
        let req = CtlRequest::SessionLeave(UserAuth {
            session_id: self.opened.session_id.clone(),
            token: self.opened.token.clone(),
        });
        let r = ctl::call(&self.client, &self.caller, req, ctl::CTL_TIMEOUT).await;
        self.task.abort();
        if r.is_ok() {
            // The room connection's ticket is revoked now: close it rather than let it
            // retry (its links' handles share it).
            let _ = crate::runtime::within(Duration::from_secs(2), self.client.drain()).await;
        }
        r.map(|_| ()).map_err(Into::into)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A session's connection to one plugin instance.
pub struct Link {
    client: async_nats::Client,
    caller: Caller,
    subjects: LinkSubjects,
    id: Token,
    plugin_id: Token,
    host_id: Token,
    session_id: Token,
    token: Token,
    router: Router,
    /// This link's requests waiting for the instance's reply.
    waiters: router::Waiters,
    rx: mpsc::Receiver<router::Delivery>,
}

impl Link {
    /// The link's id.
    pub fn id(&self) -> &Token {
        &self.id
    }

    /// The host running this link's instance.
    pub fn host_id(&self) -> &Token {
        &self.host_id
    }

    /// The plugin's id.
    pub fn plugin_id(&self) -> &Token {
        &self.plugin_id
    }

    /// Sends a message to the instance (in chunks if it is larger than one message may be).
    pub async fn send(&self, env: Envelope<ToPlugin>) -> Result<(), SessionError> {
        publish_to_plugin(&self.client, &self.subjects.to_plugin, &env).await
    }

    /// Sends pre-encoded envelope bytes (benchmarks, and tests of bad input).
    pub async fn send_raw(&self, bytes: Vec<u8>) -> Result<(), SessionError> {
        self.client
            .publish(self.subjects.to_plugin.clone(), bytes.into())
            .await
            .map_err(|e| SessionError::Broker(e.to_string()))
    }

    /// The presenter pressed "Run".
    pub async fn run(&self) -> Result<(), SessionError> {
        self.send(Envelope::event(ToPlugin::Run(Empty {}))).await
    }

    /// The presenter pressed "Advanced settings".
    pub async fn advanced_settings(&self) -> Result<(), SessionError> {
        self.send(Envelope::event(ToPlugin::AdvancedSettings(Empty {})))
            .await
    }

    /// Round trip to the instance: `ping`, wait for `pong`.
    pub async fn ping(&self, timeout: Duration) -> Result<Duration, SessionError> {
        let t0 = std::time::Instant::now();
        self.request(ToPlugin::Ping(Empty {}), timeout).await?;
        Ok(t0.elapsed())
    }

    /// Calls an integration the plugin provides; its answer, or its error as `Refused`.
    pub async fn integration(
        &self,
        request: IntegrationRequest,
        timeout: Duration,
    ) -> Result<IntegrationResult, SessionError> {
        match self
            .request(ToPlugin::Integration(request), timeout)
            .await?
        {
            ToSession::IntegrationResult(r) => Ok(r),
            other => Err(SessionError::Broker(format!(
                "unexpected answer {:?}",
                wire::Message::kind(&other).as_str()
            ))),
        }
    }

    /// Sends a request and waits for the instance's reply with the same id.
    async fn request(&self, msg: ToPlugin, timeout: Duration) -> Result<ToSession, SessionError> {
        let (id, rx) = self.waiters.expect();
        // One deadline over sending and waiting: sending blocks too while the broker is away.
        let asked = async {
            self.send(Envelope::with_id(id, msg)).await?;
            rx.await.map_err(|_| SessionError::Closed)
        };
        match tokio::time::timeout(timeout, asked).await {
            Ok(Ok(ToSession::Error(e))) => Err(SessionError::Refused(e)),
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.waiters.forget(id);
                Err(e)
            }
            Err(_) => {
                self.waiters.forget(id);
                Err(SessionError::Timeout(timeout))
            }
        }
    }

    /// The next event; `None` after `Closed` has been returned.
    pub async fn next(&mut self) -> Option<LinkEvent> {
        self.rx.recv().await.map(|d| d.event)
    }

    /// Answers an instance request with an error (for requests the session cannot serve).
    pub async fn reply_error(&self, id: u64, body: ErrorBody) -> Result<(), SessionError> {
        self.send(Envelope::with_id(id, ToPlugin::Error(body)))
            .await
    }

    /// The plugin's menus as the session shows them now.
    pub async fn menus(&self) -> Vec<crate::api::ui::Menu> {
        self.router.menus(&self.id).await
    }

    /// The plugin's menus as text, one line per piece of content.
    pub async fn render_menus(&self) -> String {
        self.router.render_menus(&self.id).await
    }

    /// Does what a user in VR would (press a button, move a slider, type text, …) and
    /// sends the instance the events that causes. `NotFound` errors may resolve once the
    /// plugin shows the content: retry after its next menu change.
    pub async fn act(&self, action: &ui::UiAction) -> Result<(), ui::ActionError> {
        let events = self.router.act(&self.id, action).await?;
        for e in events {
            self.send(Envelope::event(e))
                .await
                .map_err(|e| ui::ActionError::Invalid(e.to_string()))?;
        }
        Ok(())
    }

    /// Disconnects the plugin (presenter only); its instance is stopped.
    pub async fn close(&self) -> Result<(), SessionError> {
        let req = CtlRequest::LinkClose(LinkClose {
            session_id: self.session_id.clone(),
            token: self.token.clone(),
            link_id: self.id.clone(),
        });
        ctl::call(&self.client, &self.caller, req, ctl::CTL_TIMEOUT).await?;
        Ok(())
    }
}

/// Publishes a `to_plugin` envelope, split into `chunk` messages when it is larger than the
/// broker's message limit.
pub(crate) async fn publish_to_plugin(
    client: &async_nats::Client,
    subject: &str,
    env: &Envelope<ToPlugin>,
) -> Result<(), SessionError> {
    publish_encoded_to_plugin(client, subject, wire::encode(env)).await
}

/// Sends an encoded envelope to a plugin, in chunks if it is larger than one message.
pub(crate) async fn publish_encoded_to_plugin(
    client: &async_nats::Client,
    subject: &str,
    bytes: Vec<u8>,
) -> Result<(), SessionError> {
    let max = client.server_info().max_payload.max(4096);
    for message in wire::chunk::parts(bytes, max, ToPlugin::Chunk) {
        client
            .publish(subject.to_string(), message.into())
            .await
            .map_err(|e| SessionError::Broker(e.to_string()))?;
    }
    Ok(())
}
