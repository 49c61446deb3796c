//! Sessions and their members: open, join, leave, close and the presenter role.

use super::{
    Effect, MAX_ENTRIES, MAX_MEMBERS, MemberRec, Registry, Session, err, no_session, session_key,
};
use crate::api::control::{
    Event, Member, PresenterHandover, SessionJoin, SessionMembers, SessionOpen, SessionOpened,
    SessionPresenter, UserAuth, UserInfo,
};
use crate::api::link::{CloseCode, CloseReason, ToPlugin};
use crate::api::{Empty, ErrorBody, ErrorCode, PresenterInfo};
use crate::wire::subject::{self, Token};
use std::collections::BTreeSet;
use std::time::Instant;

/// Compares two secrets in time independent of where they differ.
fn same_secret(a: &Token, b: &Token) -> bool {
    let (a, b) = (a.as_str().as_bytes(), b.as_str().as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Registry {
    /// The public id of the member of session `sid` whose secret token is `token`.
    pub fn member_by_token(&self, sid: &Token, token: &Token) -> Option<&Token> {
        self.sessions
            .get(sid)?
            .members
            .iter()
            .find(|m| same_secret(&m.token, token))
            .map(|m| &m.user_id)
    }

    /// Revokes the member ticket of `uid` (it left room `sid`) until any ticket issued to
    /// it has expired.
    fn revoke(&mut self, sid: &Token, uid: &Token) -> Effect {
        let until = crate::connect::ticket::unix_now() + super::MEMBER_TICKET.as_secs() + 60;
        let member = crate::wire::caller::Caller::Member {
            session_id: sid.clone(),
            user_id: uid.clone(),
        };
        self.mark_revoked(uid.clone(), until, Some(member.connection_name(false)))
    }

    /// `ticket.revoke`: the ticket `id` may not connect again until `until`.
    pub fn revoke_ticket(&mut self, id: Token, until: u64) -> Vec<Effect> {
        vec![self.mark_revoked(id, until, None)]
    }

    /// Records the revocation of `id` (kept at its latest `until`) for the store and the
    /// callouts.
    fn mark_revoked(&mut self, id: Token, until: u64, drop: Option<String>) -> Effect {
        let until = until.max(self.revoked.get(&id).copied().unwrap_or(0));
        self.revoked.insert(id.clone(), until);
        self.changed.insert(format!("revoked.{id}"));
        Effect::Revoke { id, until, drop }
    }

    /// The revoked members and until when, for the callout.
    pub fn revocations(&self) -> impl Iterator<Item = (&Token, u64)> {
        self.revoked.iter().map(|(id, until)| (id, *until))
    }

    /// Forgets revocations whose tickets have all expired at `now` (Unix seconds).
    pub fn prune_revoked(&mut self, now: u64) {
        let done: Vec<Token> = self
            .revoked
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in done {
            self.revoked.remove(&id);
            self.changed.insert(format!("revoked.{id}"));
        }
    }

    fn new_member(&mut self, owner: &str, user: UserInfo) -> Result<MemberRec, ErrorBody> {
        let rooms = self
            .sessions
            .values()
            .flat_map(|s| s.members.iter())
            .filter(|m| !owner.is_empty() && m.user == owner)
            .count();
        if rooms >= super::MAX_ROOMS_PER_USER {
            return Err(err(
                ErrorCode::Unavailable,
                format!(
                    "user {owner:?} is already in {} rooms; leave one first",
                    super::MAX_ROOMS_PER_USER
                ),
            ));
        }
        let name = user.name.trim();
        if name.is_empty() || name.len() > crate::api::MAX_NAME_LEN {
            return Err(err(
                ErrorCode::BadRequest,
                "user name must be 1-128 characters",
            ));
        }
        let user_id = self.next_id();
        let info = PresenterInfo {
            account_id: user.account_id.unwrap_or_else(|| user_id.to_string()),
            account_name: name.to_string(),
            account_email: user.email.unwrap_or_default(),
            org: user.org,
        };
        Ok(MemberRec {
            user_id,
            token: Token::random(),
            info,
            user: owner.to_string(),
            // Not connected to its room yet.
            absent_since: Some(Instant::now()),
        })
    }

    /// `session.open`: the first user becomes presenter.
    pub fn open_session(
        &mut self,
        owner: &str,
        req: SessionOpen,
    ) -> Result<(SessionOpened, Vec<Effect>), ErrorBody> {
        if req.room.len() > crate::api::MAX_NAME_LEN {
            return Err(err(
                ErrorCode::BadRequest,
                "room name must be at most 128 characters",
            ));
        }
        if self.sessions.len() >= MAX_ENTRIES {
            return Err(err(ErrorCode::Unavailable, "too many open sessions"));
        }
        let member = self.new_member(owner, req.user)?;
        let sid = self.next_id();
        let secret = Token::random();
        let reply = SessionOpened {
            session_id: sid.clone(),
            user_id: member.user_id.clone(),
            token: member.token.clone(),
            presenter: member.user_id.clone(),
            presenter_info: member.info.clone(),
            invitation: secret.clone(),
            ticket: String::new(),
        };
        let session = Session {
            presenter: member.user_id.clone(),
            members: vec![member],
            links: BTreeSet::new(),
            secret,
        };
        self.sessions.insert(sid.clone(), session);
        self.changed.insert(session_key(&sid));
        let effects = vec![self.members_event(&sid), self.presenter_event(&sid)];
        Ok((reply, effects))
    }

    /// `session.join`.
    pub fn join_session(
        &mut self,
        owner: &str,
        req: SessionJoin,
    ) -> Result<(SessionOpened, Vec<Effect>), ErrorBody> {
        let member = self.new_member(owner, req.user)?;
        let session = self.session_mut(&req.session_id)?;
        if !same_secret(&session.secret, &req.invitation) {
            return Err(err(
                ErrorCode::Forbidden,
                "wrong invitation: joining needs the room's invitation from one of its members",
            ));
        }
        if session.members.len() >= MAX_MEMBERS {
            return Err(err(
                ErrorCode::Unavailable,
                format!("session is full ({MAX_MEMBERS} members)"),
            ));
        }
        let reply = SessionOpened {
            session_id: req.session_id.clone(),
            user_id: member.user_id.clone(),
            token: member.token.clone(),
            presenter: session.presenter.clone(),
            presenter_info: Self::presenter_info(session),
            invitation: session.secret.clone(),
            ticket: String::new(),
        };
        session.members.push(member);
        self.changed.insert(session_key(&req.session_id));
        Ok((reply, vec![self.members_event(&req.session_id)]))
    }

    /// `session.leave`: the presenter role passes to the next member; the last one out
    /// closes the session and its links.
    pub fn leave_session(&mut self, req: UserAuth) -> Result<Vec<Effect>, ErrorBody> {
        let session = self.session_mut(&req.session_id)?;
        let pos = session
            .members
            .iter()
            .position(|m| m.token == req.token)
            .ok_or_else(|| err(ErrorCode::Forbidden, "not a member of this session"))?;
        Ok(self.remove_member(&req.session_id, pos))
    }

    /// Removes member `pos` of session `sid`: the presenter role passes on, the last one
    /// out closes the session; the member is revoked.
    fn remove_member(&mut self, sid: &Token, pos: usize) -> Vec<Effect> {
        let Some(session) = self.sessions.get_mut(sid) else {
            return vec![];
        };
        let gone = session.members.remove(pos);
        let last_out = session.members.is_empty();
        self.changed.insert(session_key(sid));
        let revoke = self.revoke(sid, &gone.user_id);
        if last_out {
            let mut effects = self.close_session(sid);
            effects.push(revoke);
            return effects;
        }
        let mut effects = vec![revoke, self.members_event(sid)];
        let session = self.sessions.get_mut(sid).expect("exists");
        if session.presenter == gone.user_id {
            session.presenter = session.members[0].user_id.clone();
            effects.extend(self.presenter_effects(sid));
        }
        effects
    }

    /// The broker says member `uid` of `sid` has (`present`) or lost its room connection.
    pub fn member_seen(&mut self, sid: &Token, uid: &Token, present: bool, now: Instant) {
        if let Some(m) = self
            .sessions
            .get_mut(sid)
            .and_then(|s| s.members.iter_mut().find(|m| &m.user_id == uid))
        {
            m.absent_since = if present { None } else { Some(now) };
        }
    }

    /// How many members all sessions have.
    pub fn member_count(&self) -> usize {
        self.sessions.values().map(|s| s.members.len()).sum()
    }

    /// Counts every member as connected (when the broker cannot say who is).
    pub fn members_all_present(&mut self) {
        for m in self
            .sessions
            .values_mut()
            .flat_map(|s| s.members.iter_mut())
        {
            m.absent_since = None;
        }
    }

    /// Removes the members absent for the member grace at `now` (their sessions
    /// close when they were the last).
    pub fn expire_members(&mut self, now: Instant) -> Vec<Effect> {
        let grace = self.member_grace;
        let gone: Vec<(Token, Token)> = self
            .sessions
            .iter()
            .flat_map(|(sid, s)| {
                s.members
                    .iter()
                    .filter(|m| {
                        m.absent_since
                            .is_some_and(|t| now.saturating_duration_since(t) >= grace)
                    })
                    .map(move |m| (sid.clone(), m.user_id.clone()))
            })
            .collect();
        let mut effects = Vec::new();
        for (sid, uid) in gone {
            let pos = self
                .sessions
                .get(&sid)
                .and_then(|s| s.members.iter().position(|m| m.user_id == uid));
            if let Some(pos) = pos {
                tracing::info!(session = %sid, member = %uid, "member removed: no connection to its room for {:?}", grace);
                effects.extend(self.remove_member(&sid, pos));
            }
        }
        effects
    }

    fn close_session(&mut self, sid: &Token) -> Vec<Effect> {
        let Some(session) = self.sessions.get(sid) else {
            return vec![];
        };
        let links: Vec<Token> = session.links.iter().cloned().collect();
        let members: Vec<Token> = session.members.iter().map(|m| m.user_id.clone()).collect();
        let mut effects: Vec<Effect> = members.iter().map(|uid| self.revoke(sid, uid)).collect();
        for lid in links {
            effects.extend(self.close_link(
                &lid,
                CloseReason::new(CloseCode::SessionClosed, "the session closed"),
                false,
            ));
        }
        self.sessions.remove(sid);
        self.changed.insert(session_key(sid));
        effects.push(Effect::Event {
            subject: subject::session_event(sid, "closed"),
            event: Event::SessionClosed(Empty {}),
        });
        effects
    }

    /// `session.presenter`: only the presenter can hand the role over, to a member.
    pub fn change_presenter(&mut self, req: PresenterHandover) -> Result<Vec<Effect>, ErrorBody> {
        let session = self.session_mut(&req.session_id)?;
        Self::require_presenter(session, &req.token)?;
        if !session.members.iter().any(|m| m.user_id == req.to) {
            return Err(err(
                ErrorCode::NotFound,
                format!("user {} is not a member of this session", req.to),
            ));
        }
        if session.presenter == req.to {
            return Ok(vec![]);
        }
        session.presenter = req.to;
        self.changed.insert(session_key(&req.session_id));
        Ok(self.presenter_effects(&req.session_id))
    }

    fn session_mut(&mut self, sid: &Token) -> Result<&mut Session, ErrorBody> {
        self.sessions.get_mut(sid).ok_or_else(|| no_session(sid))
    }

    pub(super) fn require_presenter(session: &Session, token: &Token) -> Result<(), ErrorBody> {
        let member = session
            .members
            .iter()
            .find(|m| &m.token == token)
            .ok_or_else(|| {
                err(
                    ErrorCode::Forbidden,
                    "not a member of this session (bad token)",
                )
            })?;
        if member.user_id != session.presenter {
            return Err(err(
                ErrorCode::NotPresenter,
                "only the session's presenter can connect or disconnect plugins; ask the presenter, or become presenter first",
            ));
        }
        Ok(())
    }

    pub(super) fn presenter_info(session: &Session) -> PresenterInfo {
        session
            .members
            .iter()
            .find(|m| m.user_id == session.presenter)
            .map(|m| m.info.clone())
            .unwrap_or_default()
    }

    fn members_event(&self, sid: &Token) -> Effect {
        let session = &self.sessions[sid];
        let members = session
            .members
            .iter()
            .map(|m| Member {
                user_id: m.user_id.clone(),
                name: m.info.account_name.clone(),
            })
            .collect();
        Effect::Event {
            subject: subject::session_event(sid, "members"),
            event: Event::SessionMembers(SessionMembers { members }),
        }
    }

    fn presenter_event(&self, sid: &Token) -> Effect {
        let session = &self.sessions[sid];
        Effect::Event {
            subject: subject::session_event(sid, "presenter"),
            event: Event::SessionPresenter(SessionPresenter {
                user_id: session.presenter.clone(),
                presenter: Self::presenter_info(session),
            }),
        }
    }

    /// The presenter event plus `presenter_change` into every link of the session.
    fn presenter_effects(&self, sid: &Token) -> Vec<Effect> {
        let session = &self.sessions[sid];
        let info = Self::presenter_info(session);
        let mut effects = vec![self.presenter_event(sid)];
        for lid in &session.links {
            if let Some(link) = self.links.get(lid) {
                effects.push(Effect::ToPlugin {
                    subject: subject::link(&link.plugin_id, sid, lid).to_plugin,
                    msg: ToPlugin::PresenterChange(info.clone()),
                });
            }
        }
        effects
    }
}
