//! Control-plane samples: coordinator and host requests and replies, events.

use crate::{close_reasons, error_body, metadata, plugin_info, presenter, tok, user};
use nts::api::control::*;
use nts::api::{Empty, ErrorCode};

pub(crate) fn ctl_request_samples() -> Vec<CtlRequest> {
    let mut v = vec![
        CtlRequest::PluginRegister(Register {
            host_id: tok("h1"),
            metadata: metadata(),
            capacity: 8,
        }),
        CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
            links: 0,
        }),
        CtlRequest::PluginDeregister(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlRequest::PluginList(Empty {}),
        CtlRequest::SessionOpen(SessionOpen {
            room: "Room 1".into(),
            user: user(true),
        }),
        CtlRequest::SessionOpen(SessionOpen {
            room: String::new(),
            user: user(false),
        }),
        CtlRequest::SessionJoin(SessionJoin {
            session_id: tok("s-1"),
            invitation: tok("room_SECRET"),
            user: user(false),
        }),
        CtlRequest::SessionLeave(UserAuth {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
        }),
        CtlRequest::SessionPresenter(PresenterHandover {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            to: tok("u2"),
        }),
        CtlRequest::LinkOpen(LinkOpen {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            plugin: "Hello Plugin".into(),
        }),
        CtlRequest::LinkClose(LinkClose {
            session_id: tok("s-1"),
            token: tok("secret_TOKEN"),
            link_id: tok("l1"),
        }),
    ];
    v.push(CtlRequest::TicketRevoke(TicketRevoke {
        id: tok("t1"),
        until: 1_800_000_000,
    }));
    v.extend(close_reasons().into_iter().map(|reason| {
        CtlRequest::LinkClosed(LinkClosedReport {
            link_id: tok("l1"),
            host_id: tok("h1"),
            reason,
        })
    }));
    v
}

pub(crate) fn ctl_reply_samples() -> Vec<CtlReply> {
    vec![
        CtlReply::PluginRegistered(Registered {
            plugin_id: tok("p_hello"),
            lease_ms: 15_000,
        }),
        CtlReply::PluginList(PluginList::default()),
        CtlReply::PluginList(PluginList {
            plugins: vec![
                plugin_info(0),
                PluginInfo {
                    metadata: metadata(),
                    ..plugin_info(3)
                },
            ],
        }),
        CtlReply::SessionOpened(SessionOpened {
            session_id: tok("s-1"),
            user_id: tok("u1"),
            token: tok("secret_TOKEN"),
            presenter: tok("u1"),
            presenter_info: presenter(true),
            invitation: tok("room_SECRET"),
            ticket: "nts1.e30.c2ln".into(),
        }),
        CtlReply::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        CtlReply::Ok(Empty {}),
        CtlReply::Error(error_body(ErrorCode::AtCapacity)),
    ]
}

pub(crate) fn host_request_samples() -> Vec<HostRequest> {
    let mut v = vec![HostRequest::LinkOffer(LinkOffer {
        link_id: tok("l1"),
        session_id: tok("s-1"),
        plugin_id: tok("p_hello"),
        presenter: presenter(true),
    })];
    v.extend(close_reasons().into_iter().map(|reason| {
        HostRequest::LinkClose(LinkCloseOrder {
            link_id: tok("l1"),
            reason,
        })
    }));
    v
}

pub(crate) fn host_reply_samples() -> Vec<HostReply> {
    vec![
        HostReply::LinkAccepted(HostRef {
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
        HostReply::LinkDeclined(Declined {
            host_id: tok("h1"),
            reason: error_body(ErrorCode::AtCapacity),
        }),
        HostReply::Ok(Empty {}),
        HostReply::Error(error_body(ErrorCode::Internal)),
    ]
}

pub(crate) fn event_samples() -> Vec<Event> {
    let mut v = vec![
        Event::PluginRegistered(PluginInfo {
            metadata: metadata(),
            ..plugin_info(1)
        }),
        Event::PluginRemoved(PluginRemoved {
            plugin_id: tok("p_hello"),
            reason: "lease expired".into(),
        }),
        Event::SessionMembers(SessionMembers { members: vec![] }),
        Event::SessionMembers(SessionMembers {
            members: vec![
                Member {
                    user_id: tok("u1"),
                    name: "Ada".into(),
                },
                Member {
                    user_id: tok("u2"),
                    name: "Grace".into(),
                },
            ],
        }),
        Event::SessionPresenter(SessionPresenter {
            user_id: tok("u2"),
            presenter: presenter(false),
        }),
        Event::SessionClosed(Empty {}),
        Event::LinkOpened(LinkOpened {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            host_id: tok("h1"),
        }),
    ];
    v.extend(close_reasons().into_iter().map(|reason| {
        Event::LinkClosed(LinkClosedEvent {
            link_id: tok("l1"),
            plugin_id: tok("p_hello"),
            reason,
        })
    }));
    v
}
