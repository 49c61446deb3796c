//! `link.open` and `link.close`: offers to hosts (the queue group, then single hosts),
//! and the close order to the host running the instance.

use super::{Coordinator, MAX_CTL_REQUEST};
use crate::api::control::{CtlReply, HostReply, HostRequest, LinkOffer};
use crate::api::link::{CloseCode, CloseReason};
use crate::api::{ErrorBody, ErrorCode};
use crate::wire::subject::{self, Token};
use crate::wire::{self, Envelope};

/// Most offers made for one `link.open` (the queue group, then single hosts).
const MAX_OFFERS: u64 = 9;

/// How one link offer went.
enum Offer {
    /// This host runs the instance.
    Accepted(Token),
    /// This host is full (or otherwise declined); others may not be.
    Declined(Token, ErrorBody),
    /// Nobody answered (a named host, or the whole queue group when `None`).
    Unreachable(Option<Token>, ErrorBody),
    /// The host tried and failed (e.g. the instance did not start); not retried.
    Failed(ErrorBody),
}

impl Coordinator {
    /// Offers the link to the plugin's hosts until one accepts: first to the queue group
    /// (the broker picks a host), then, after a decline, directly to the hosts that still
    /// have spare capacity, most spare first.
    pub(super) async fn open_link(
        &self,
        req: crate::api::control::LinkOpen,
    ) -> Result<CtlReply, ErrorBody> {
        let offer = self.with("link.open", |s| s.begin_link(req))??;
        let mut tried: Vec<Token> = Vec::new();
        let mut subject = subject::plugin_link(&offer.plugin_id);
        let mut last = ErrorBody::new(
            ErrorCode::AtCapacity,
            "every host of this plugin is at capacity; try again later",
        );
        for attempt in 1..=MAX_OFFERS {
            match self.offer_once(&subject, &offer, attempt).await {
                Offer::Accepted(host_id) => return self.finish_link(&offer, host_id).await,
                Offer::Declined(host_id, reason) => {
                    tried.push(host_id);
                    last = reason;
                }
                Offer::Unreachable(host_id, reason) if host_id.is_some() => {
                    tried.extend(host_id);
                    last = reason;
                }
                Offer::Unreachable(_, reason) | Offer::Failed(reason) => return Err(reason),
            }
            let next = self
                .with("link.open", |s| s.candidates(&offer.plugin_id, &tried))?
                .into_iter()
                .next();
            match next {
                Some(host) => subject = subject::host_ctl(&offer.plugin_id, &host),
                None => break,
            }
        }
        Err(last)
    }

    /// Records an accepted link; if the session went away meanwhile, stops the instance.
    async fn finish_link(&self, offer: &LinkOffer, host_id: Token) -> Result<CtlReply, ErrorBody> {
        let completed = self
            .with("link.open", |s| s.complete_link(offer, host_id.clone()))
            .and_then(|r| r);
        match completed {
            Ok((opened, fx)) => {
                self.apply(fx).await;
                Ok(CtlReply::LinkOpened(opened))
            }
            Err(e) => {
                let reason = CloseReason::new(CloseCode::SessionClosed, e.message.clone());
                let order = crate::api::control::LinkCloseOrder {
                    link_id: offer.link_id.clone(),
                    reason,
                };
                self.order_close(&offer.plugin_id, &host_id, order).await;
                Err(e)
            }
        }
    }

    /// One offer on `subject` (the queue group or one host).
    async fn offer_once(&self, subject: &str, offer: &LinkOffer, attempt: u64) -> Offer {
        let payload = wire::encode(&Envelope::with_id(
            attempt,
            HostRequest::LinkOffer(offer.clone()),
        ));
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.config.offer_timeout));
        let host = crate::wire::subject::host_of_ctl(subject);
        let msg = match self.client.send_request(subject.to_string(), request).await {
            Ok(msg) => msg,
            Err(e) => {
                use async_nats::RequestErrorKind as K;
                let body = match e.kind() {
                    K::NoResponders => ErrorBody::new(
                        ErrorCode::Unavailable,
                        "the plugin has no running host; start the plugin and try again",
                    ),
                    K::TimedOut => ErrorBody::new(
                        ErrorCode::Timeout,
                        format!(
                            "the plugin's host did not start an instance within {:?}",
                            self.config.offer_timeout
                        ),
                    ),
                    _ => ErrorBody::new(
                        ErrorCode::Unavailable,
                        format!("offering the link failed: {e}"),
                    ),
                };
                return Offer::Unreachable(host, body);
            }
        };
        match wire::decode::<HostReply>(&msg.payload, MAX_CTL_REQUEST) {
            Ok(Envelope {
                msg: HostReply::LinkAccepted(h),
                ..
            }) => Offer::Accepted(h.host_id),
            Ok(Envelope {
                msg: HostReply::LinkDeclined(d),
                ..
            }) => Offer::Declined(d.host_id, d.reason),
            Ok(Envelope {
                msg: HostReply::Error(e),
                ..
            }) => Offer::Failed(e),
            Ok(other) => Offer::Failed(ErrorBody::new(
                ErrorCode::Internal,
                format!(
                    "host answered the offer with {:?}",
                    wire::Message::kind(&other.msg).as_str()
                ),
            )),
            Err(e) => Offer::Failed(ErrorBody::new(
                ErrorCode::Internal,
                format!("host sent a bad reply: {e}"),
            )),
        }
    }

    /// Asks a host to stop a link's instance; waits for its answer (bounded). Returns
    /// whether the host confirmed.
    pub(super) async fn order_close(
        &self,
        plugin_id: &Token,
        host_id: &Token,
        order: crate::api::control::LinkCloseOrder,
    ) -> bool {
        let payload = wire::encode(&Envelope::event(HostRequest::LinkClose(order)));
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.config.offer_timeout));
        match self
            .client
            .send_request(subject::host_ctl(plugin_id, host_id), request)
            .await
        {
            Ok(reply) => matches!(
                wire::decode::<HostReply>(&reply.payload, MAX_CTL_REQUEST),
                Ok(Envelope {
                    msg: HostReply::Ok(_),
                    ..
                })
            ),
            Err(e) => {
                tracing::warn!(host = %host_id, "host did not confirm closing a link: {e}");
                false
            }
        }
    }
}
