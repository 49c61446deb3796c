//! Links: the presenter's open and close, host capacity, and a link's end.

use super::{
    Effect, LinkRec, MAX_ENTRIES, Registry, err, link_key, no_session, plugin_key, session_key,
};
use crate::api::control::{
    Event, LinkClose, LinkCloseOrder, LinkClosedEvent, LinkClosedReport, LinkOffer, LinkOpen,
    LinkOpened,
};
use crate::api::link::{CloseCode, CloseReason, ToSession};
use crate::api::{ErrorBody, ErrorCode};
use crate::wire::subject::{self, Token};

impl Registry {
    /// `link.open`, first half: checks the presenter and the plugin, returns the offer
    /// to send to the plugin's hosts.
    pub fn begin_link(&mut self, req: LinkOpen) -> Result<LinkOffer, ErrorBody> {
        let session = self
            .sessions
            .get(&req.session_id)
            .ok_or_else(|| no_session(&req.session_id))?;
        Self::require_presenter(session, &req.token)?;
        let presenter = Self::presenter_info(session);
        let plugin_id = self.find_plugin(&req.plugin)?.id.clone();
        if self.links.len() >= MAX_ENTRIES {
            return Err(err(ErrorCode::Unavailable, "too many open links"));
        }
        if session.links.len() >= super::MAX_LINKS_PER_SESSION {
            return Err(err(
                ErrorCode::Unavailable,
                format!(
                    "this session has {} plugins connected; disconnect one first",
                    super::MAX_LINKS_PER_SESSION
                ),
            ));
        }
        Ok(LinkOffer {
            link_id: self.next_id(),
            session_id: req.session_id,
            plugin_id,
            presenter,
        })
    }

    /// Hosts of `pid` with spare capacity, most spare first, excluding `tried`.
    pub fn candidates(&self, pid: &Token, tried: &[Token]) -> Vec<Token> {
        let Some(plugin) = self.plugins.get(pid) else {
            return vec![];
        };
        let mut hosts: Vec<(u32, &Token)> = plugin
            .hosts
            .iter()
            .filter(|(hid, h)| h.links < h.capacity && !tried.contains(hid))
            .map(|(hid, h)| (h.capacity - h.links, hid))
            .collect();
        hosts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        hosts.into_iter().map(|(_, hid)| hid.clone()).collect()
    }

    /// `link.open`, second half: a host accepted. Fails (and the adapter must close the
    /// instance) if the session or the host went away meanwhile.
    pub fn complete_link(
        &mut self,
        offer: &LinkOffer,
        host_id: Token,
    ) -> Result<(LinkOpened, Vec<Effect>), ErrorBody> {
        let host = self
            .plugins
            .get_mut(&offer.plugin_id)
            .and_then(|p| p.hosts.get_mut(&host_id))
            .ok_or_else(|| {
                err(
                    ErrorCode::Unavailable,
                    "the plugin's host went away while connecting; try again",
                )
            })?;
        let session = self
            .sessions
            .get_mut(&offer.session_id)
            .ok_or_else(|| no_session(&offer.session_id))?;
        host.links += 1;
        session.links.insert(offer.link_id.clone());
        let opened = LinkOpened {
            link_id: offer.link_id.clone(),
            plugin_id: offer.plugin_id.clone(),
            host_id: host_id.clone(),
        };
        self.changed.extend([
            link_key(&offer.link_id),
            session_key(&offer.session_id),
            plugin_key(&offer.plugin_id),
        ]);
        self.links.insert(
            offer.link_id.clone(),
            LinkRec {
                session_id: offer.session_id.clone(),
                plugin_id: offer.plugin_id.clone(),
                host_id,
            },
        );
        let effects = vec![Effect::Event {
            subject: subject::session_event(&offer.session_id, "link_opened"),
            event: Event::LinkOpened(opened.clone()),
        }];
        Ok((opened, effects))
    }

    /// `link.close`: presenter only; returns the host to order and the order.
    pub fn begin_close(&self, req: &LinkClose) -> Result<(LinkRec, LinkCloseOrder), ErrorBody> {
        let session = self
            .sessions
            .get(&req.session_id)
            .ok_or_else(|| no_session(&req.session_id))?;
        Self::require_presenter(session, &req.token)?;
        let link = self
            .links
            .get(&req.link_id)
            .filter(|l| l.session_id == req.session_id)
            .ok_or_else(|| {
                err(
                    ErrorCode::NotFound,
                    format!("no open link {} in this session", req.link_id),
                )
            })?;
        let order = LinkCloseOrder {
            link_id: req.link_id.clone(),
            reason: CloseReason::new(
                CloseCode::ClosedByPresenter,
                "the presenter disconnected the plugin",
            ),
        };
        Ok((link.clone(), order))
    }

    /// `link.closed` from a host, or the coordinator's own decision: forgets the link
    /// and publishes its end. Idempotent.
    pub fn link_closed(&mut self, report: LinkClosedReport) -> Vec<Effect> {
        match self.links.get(&report.link_id) {
            Some(l) if l.host_id == report.host_id => {
                self.close_link(&report.link_id, report.reason, false)
            }
            _ => vec![],
        }
    }

    /// The link record, if open.
    pub fn link(&self, lid: &Token) -> Option<&LinkRec> {
        self.links.get(lid)
    }

    /// Removes a link and emits its `link_closed` event. With `tell_session`, also sends
    /// `closed` on the link itself (the host cannot: it is gone).
    pub(super) fn close_link(
        &mut self,
        lid: &Token,
        reason: CloseReason,
        tell_session: bool,
    ) -> Vec<Effect> {
        let Some(link) = self.links.remove(lid) else {
            return vec![];
        };
        self.changed.extend([
            link_key(lid),
            session_key(&link.session_id),
            plugin_key(&link.plugin_id),
        ]);
        if let Some(h) = self
            .plugins
            .get_mut(&link.plugin_id)
            .and_then(|p| p.hosts.get_mut(&link.host_id))
        {
            h.links = h.links.saturating_sub(1);
        }
        if let Some(s) = self.sessions.get_mut(&link.session_id) {
            s.links.remove(lid);
        }
        let mut effects = Vec::new();
        if reason.code == CloseCode::SessionClosed {
            effects.push(Effect::CloseLink {
                plugin_id: link.plugin_id.clone(),
                host_id: link.host_id.clone(),
                order: LinkCloseOrder {
                    link_id: lid.clone(),
                    reason: reason.clone(),
                },
            });
        }
        if tell_session {
            let subjects = subject::link(&link.plugin_id, &link.session_id, lid);
            effects.push(Effect::ToSession {
                subject: subjects.to_session,
                msg: ToSession::Closed(reason.clone()),
            });
        }
        effects.push(Effect::Event {
            subject: subject::session_event(&link.session_id, "link_closed"),
            event: Event::LinkClosed(LinkClosedEvent {
                link_id: lid.clone(),
                plugin_id: link.plugin_id,
                reason,
            }),
        });
        effects
    }
}
