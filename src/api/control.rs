//! The control plane: requests to the coordinator, offers to hosts, and events.
//!
//! Requests go to `nts.v1.ctl.<kind>` (the envelope kind equals the endpoint name) and
//! are answered with a [`CtlReply`]. Failures are answered with an `error` reply whose
//! body is an [`ErrorBody`]; the NATS service error headers carry the
//! same information for generic `nats micro` tooling.

use serde::{Deserialize, Serialize};

use super::link::CloseReason;
use super::{Empty, ErrorBody, PluginMetadata, PresenterInfo};
use crate::messages;
use crate::wire::caller::Caller;
use crate::wire::subject::Token;

messages! {
    /// Requests to the coordinator.
    pub enum CtlRequest: CtlRequestKind {
        /// Host: register (or re-register) a plugin served by this host.
        PluginRegister("plugin.register", Register),
        /// Host: renew this host's lease on a plugin.
        PluginHeartbeat("plugin.heartbeat", Heartbeat),
        /// Host: graceful stop; remove this host from the plugin.
        PluginDeregister("plugin.deregister", HostRef),
        /// Anyone: the plugins available.
        PluginList("plugin.list", Empty),
        /// Session: open a session (room) with its first user as presenter.
        SessionOpen("session.open", SessionOpen),
        /// Session: a user joins an open session.
        SessionJoin("session.join", SessionJoin),
        /// Session: a user leaves; the last one out closes the session.
        SessionLeave("session.leave", UserAuth),
        /// Session: the presenter hands the role to another member.
        SessionPresenter("session.presenter", PresenterHandover),
        /// Session (presenter): connect a plugin.
        LinkOpen("link.open", LinkOpen),
        /// Session (presenter): disconnect a plugin.
        LinkClose("link.close", LinkClose),
        /// Host: a link ended (instance exit of any kind).
        LinkClosed("link.closed", LinkClosedReport),
        /// Operator: a user's or plugin's ticket may not connect any more.
        TicketRevoke("ticket.revoke", TicketRevoke),
    }
}

messages! {
    /// Coordinator replies.
    pub enum CtlReply: CtlReplyKind {
        /// Registration accepted.
        PluginRegistered("plugin.registered", Registered),
        /// The plugin list.
        PluginList("plugin.list", PluginList),
        /// A session opened or joined.
        SessionOpened("session.opened", SessionOpened),
        /// A link is open: the instance is running and ready.
        LinkOpened("link.opened", LinkOpened),
        /// Done, nothing to return.
        Ok("ok", Empty),
        /// The request failed.
        Error("error", ErrorBody),
    }
}

messages! {
    /// Coordinator → host requests: offers on `nts.v1.plugin.<pid>.link` (queue group) or
    /// `nts.v1.host.<hid>.ctl` (one host), close orders on the latter.
    pub enum HostRequest: HostRequestKind {
        /// Start an instance for this link, if there is capacity.
        LinkOffer("link.offer", LinkOffer),
        /// Stop the instance of this link.
        LinkClose("link.close", LinkCloseOrder),
    }
}

messages! {
    /// Host → coordinator replies.
    pub enum HostReply: HostReplyKind {
        /// The instance is running and completed its handshake.
        LinkAccepted("link.accepted", HostRef),
        /// This host cannot take the link (e.g. at capacity); try another.
        LinkDeclined("link.declined", Declined),
        /// Done.
        Ok("ok", Empty),
        /// The request failed.
        Error("error", ErrorBody),
    }
}

messages! {
    /// Events published by the coordinator on `nts.v1.evt.…`.
    pub enum Event: EventKind {
        /// A plugin appeared or gained a host (`evt.plugin.<pid>.registered`).
        PluginRegistered("plugin.registered", PluginInfo),
        /// A plugin lost its last host (`evt.plugin.<pid>.removed`).
        PluginRemoved("plugin.removed", PluginRemoved),
        /// Membership changed (`evt.session.<sid>.members`).
        SessionMembers("session.members", SessionMembers),
        /// The presenter changed (`evt.session.<sid>.presenter`).
        SessionPresenter("session.presenter", SessionPresenter),
        /// The session closed (`evt.session.<sid>.closed`).
        SessionClosed("session.closed", Empty),
        /// A link opened (`evt.session.<sid>.link_opened`).
        LinkOpened("link.opened", LinkOpened),
        /// A link closed (`evt.session.<sid>.link_closed`).
        LinkClosed("link.closed", LinkClosedEvent),
    }
}

/// Whether `caller`'s role may send requests of kind `op` at all (the coordinator then
/// checks the ids in each request against the caller; the callout grants publishing
/// only these subjects).
pub fn may_send(caller: &Caller, op: CtlRequestKind) -> bool {
    use CtlRequestKind as K;
    match caller {
        Caller::Host { .. } => matches!(
            op,
            K::PluginRegister | K::PluginHeartbeat | K::PluginDeregister | K::LinkClosed
        ),
        Caller::Lobby { .. } => matches!(op, K::PluginList | K::SessionOpen | K::SessionJoin),
        Caller::Member { .. } => matches!(
            op,
            K::PluginList | K::SessionLeave | K::SessionPresenter | K::LinkOpen | K::LinkClose
        ),
        Caller::Operator { .. } => matches!(op, K::PluginList | K::TicketRevoke),
    }
}

/// Revoke a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRevoke {
    /// The ticket's id (printed when it was issued).
    pub id: Token,
    /// Until when the revocation must hold (seconds since the Unix epoch): the ticket's
    /// expiry, or later.
    pub until: u64,
}

/// A host's refusal of a link offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declined {
    /// The declining host.
    pub host_id: Token,
    /// Why (`at_capacity`, ...).
    pub reason: ErrorBody,
}

/// A plugin registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// The registering host's id (chosen by the host).
    pub host_id: Token,
    /// What the plugin list shows.
    pub metadata: PluginMetadata,
    /// How many links this host serves at most.
    pub capacity: u32,
}

/// Registration result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    /// The plugin's id (shared by every host of the same plugin name).
    pub plugin_id: Token,
    /// Lease length: the host must heartbeat well within it.
    pub lease_ms: u64,
}

/// A lease renewal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    /// The plugin.
    pub plugin_id: Token,
    /// The host.
    pub host_id: Token,
    /// Links the host serves now.
    pub links: u32,
}

/// A host of a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostRef {
    /// The plugin.
    pub plugin_id: Token,
    /// The host.
    pub host_id: Token,
}

/// One entry of the plugin list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginInfo {
    /// The plugin's id.
    pub plugin_id: Token,
    /// Its metadata.
    pub metadata: PluginMetadata,
    /// Hosts serving it.
    pub hosts: u32,
    /// Total capacity over its hosts.
    pub capacity: u32,
    /// Links open now.
    pub links: u32,
}

/// The plugin list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginList {
    /// Plugins, sorted by name.
    pub plugins: Vec<PluginInfo>,
}

/// A plugin left the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginRemoved {
    /// The plugin.
    pub plugin_id: Token,
    /// Why (deregistered, lease expired).
    pub reason: String,
}

/// A user as a session describes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// Display name.
    pub name: String,
    /// Account id, if the user has one (defaults to the session-assigned user id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<super::Org>,
}

/// Open a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOpen {
    /// Room name.
    pub room: String,
    /// The first user, who becomes presenter.
    pub user: UserInfo,
}

/// Join a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionJoin {
    /// The session.
    pub session_id: Token,
    /// The room's secret, from a member's invitation (a public id alone is not enough).
    pub invitation: Token,
    /// The joining user.
    pub user: UserInfo,
}

/// A session member's credentials for a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAuth {
    /// The session.
    pub session_id: Token,
    /// The member's secret token (from `session.opened`).
    pub token: Token,
}

/// Session opened or joined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionOpened {
    /// The session.
    pub session_id: Token,
    /// The member's public id.
    pub user_id: Token,
    /// The member's secret token: proves membership in later requests.
    pub token: Token,
    /// Public id of the current presenter.
    pub presenter: Token,
    /// The current presenter's details.
    pub presenter_info: PresenterInfo,
    /// The room's secret: what another user needs, with the session id, to join.
    pub invitation: Token,
    /// The member's ticket: the credential of its connection to the room (the broker
    /// lets that connection reach this room and nothing else).
    pub ticket: String,
}

/// Hand the presenter role to another member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenterHandover {
    /// The session.
    pub session_id: Token,
    /// The current presenter's token.
    pub token: Token,
    /// Public id of the new presenter.
    pub to: Token,
}

/// Connect a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOpen {
    /// The session.
    pub session_id: Token,
    /// The presenter's token.
    pub token: Token,
    /// Plugin id or exact name.
    pub plugin: String,
}

/// A link is open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOpened {
    /// The link.
    pub link_id: Token,
    /// The plugin.
    pub plugin_id: Token,
    /// The host running the instance.
    pub host_id: Token,
}

/// Disconnect a plugin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClose {
    /// The session.
    pub session_id: Token,
    /// The presenter's token.
    pub token: Token,
    /// The link.
    pub link_id: Token,
}

/// A host reports that a link ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClosedReport {
    /// The link.
    pub link_id: Token,
    /// The reporting host.
    pub host_id: Token,
    /// Why.
    pub reason: CloseReason,
}

/// Offer of a link to a plugin's hosts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkOffer {
    /// The new link's id.
    pub link_id: Token,
    /// The session.
    pub session_id: Token,
    /// The plugin.
    pub plugin_id: Token,
    /// The session's presenter.
    pub presenter: PresenterInfo,
}

/// Order to close a link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCloseOrder {
    /// The link.
    pub link_id: Token,
    /// Why.
    pub reason: CloseReason,
}

/// A session member as events show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Public id.
    pub user_id: Token,
    /// Display name.
    pub name: String,
}

/// Session membership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMembers {
    /// Members in join order.
    pub members: Vec<Member>,
}

/// Who presents now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPresenter {
    /// Public id of the presenter.
    pub user_id: Token,
    /// The presenter's details.
    pub presenter: PresenterInfo,
}

/// A link closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkClosedEvent {
    /// The link.
    pub link_id: Token,
    /// The plugin.
    pub plugin_id: Token,
    /// Why.
    pub reason: CloseReason,
}
