//! Who may ask what: every control request is checked against its caller — the identity
//! the broker bound to the connection, read from the request's subject — before the
//! registry acts on it. A body's ids must be the caller's own: a host speaks only for
//! itself and its links, a member only for itself in its own room.

use super::{Registry, err};
use crate::api::ErrorBody;
use crate::api::ErrorCode;
use crate::api::control::{CtlRequest, may_send};
use crate::wire::Message as _;
use crate::wire::caller::Caller;
use crate::wire::subject::{Token, plugin_id_for};

impl Registry {
    /// `Ok` if `caller` may send `req`; otherwise a `forbidden` error saying why.
    pub fn authorize(&self, caller: &Caller, req: &CtlRequest) -> Result<(), ErrorBody> {
        let kind = req.kind();
        if !may_send(caller, kind) {
            return Err(forbidden(format!(
                "a {} connection may not send {}",
                caller.role(),
                kind.as_str()
            )));
        }
        match (caller, req) {
            (Caller::Host { plugin_id, host_id }, req) => {
                let (pid, hid) = match req {
                    CtlRequest::PluginRegister(r) => {
                        (plugin_id_for(&r.metadata.name), r.host_id.clone())
                    }
                    CtlRequest::PluginHeartbeat(r) => (r.plugin_id.clone(), r.host_id.clone()),
                    CtlRequest::PluginDeregister(r) => (r.plugin_id.clone(), r.host_id.clone()),
                    CtlRequest::LinkClosed(r) => {
                        if self.link(&r.link_id).is_some_and(|l| &l.host_id != host_id) {
                            return Err(forbidden("that link is not this host's"));
                        }
                        (plugin_id.clone(), r.host_id.clone())
                    }
                    _ => return Ok(()),
                };
                if &pid != plugin_id || &hid != host_id {
                    return Err(forbidden(
                        "a host may speak only for itself: the plugin and host ids must be \
                         its credential's",
                    ));
                }
                Ok(())
            }
            (
                Caller::Member {
                    session_id,
                    user_id,
                },
                req,
            ) => {
                let (sid, token) = match req {
                    CtlRequest::SessionLeave(r) => (&r.session_id, &r.token),
                    CtlRequest::SessionPresenter(r) => (&r.session_id, &r.token),
                    CtlRequest::LinkOpen(r) => (&r.session_id, &r.token),
                    CtlRequest::LinkClose(r) => (&r.session_id, &r.token),
                    _ => return Ok(()),
                };
                self.own_member(session_id, user_id, sid, token)
            }
            (Caller::Lobby { .. } | Caller::Operator { .. }, _) => Ok(()),
        }
    }

    /// The member token `token` of room `sid` must be the caller's own.
    fn own_member(
        &self,
        caller_sid: &Token,
        caller_uid: &Token,
        sid: &Token,
        token: &Token,
    ) -> Result<(), ErrorBody> {
        if sid != caller_sid {
            return Err(forbidden(
                "a member may act only in its own session (this connection's credential names another)",
            ));
        }
        match self.member_by_token(sid, token) {
            Some(uid) if uid == caller_uid => Ok(()),
            Some(_) => Err(forbidden(
                "that member token belongs to another member's connection",
            )),
            None => Err(forbidden("not a member of this session (bad token)")),
        }
    }
}

fn forbidden(message: impl Into<String>) -> ErrorBody {
    err(ErrorCode::Forbidden, message)
}
