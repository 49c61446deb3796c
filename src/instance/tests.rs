//! Unit tests of the frame loop: requests, deadlines, refusals and stops over pipes.

use crate::api::link::{Notification, NotificationType, StartInfo, ToPlugin, ToSession};
use crate::api::{Empty, ErrorBody, PresenterInfo};
use crate::wire::{self, Envelope};
use std::time::Duration;

use super::*;
use crate::wire::frame::{FrameReader, write_frame};
use crate::wire::subject::Token;
use tokio::io::{AsyncWriteExt, DuplexStream};

/// Asks for presenter info with a short deadline and reports the outcome.
struct Asker;

impl PluginInstance for Asker {
    async fn on_run(&mut self, nts: &Instance) {
        let text = match nts
            .request_presenter_info_within(Duration::from_millis(200))
            .await
        {
            Ok(p) => format!("presenter {}", p.account_name),
            Err(e) => format!("{:?}: {e}", e.kind()),
        };
        let _ = nts.send_notification(NotificationType::Message, text).await;
    }
    async fn on_stop(&mut self, nts: &Instance) {
        let _ = nts
            .send_notification(NotificationType::Message, "stopping")
            .await;
    }
}

struct Host {
    to: DuplexStream,
    from: FrameReader<DuplexStream>,
}

impl Host {
    async fn send(&mut self, env: Envelope<ToPlugin>) {
        write_frame(&mut self.to, &wire::encode(&env))
            .await
            .unwrap();
        self.to.flush().await.unwrap();
    }
    async fn recv(&mut self) -> Envelope<ToSession> {
        let f = tokio::time::timeout(Duration::from_secs(5), self.from.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        wire::decode(&f, 1 << 20).unwrap()
    }
    async fn notification(&mut self) -> String {
        match self.recv().await.msg {
            ToSession::Notification(Notification { text, .. }) => text,
            other => panic!("expected a notification, got {other:?}"),
        }
    }
}

async fn started() -> (Host, tokio::task::JoinHandle<Result<(), InstanceError>>) {
    let (host_out, inst_in) = tokio::io::duplex(1 << 16);
    let (inst_out, host_in) = tokio::io::duplex(1 << 16);
    let task = tokio::spawn(run(Asker, inst_in, inst_out));
    let mut host = Host {
        to: host_out,
        from: FrameReader::new(host_in, 1 << 20),
    };
    let info = StartInfo {
        plugin_id: Token::random(),
        plugin_name: "asker".into(),
        session_id: Token::random(),
        link_id: Token::random(),
        presenter: PresenterInfo::default(),
        max_message: 1 << 20,
    };
    host.send(Envelope::event(ToPlugin::Start(info))).await;
    assert!(matches!(host.recv().await.msg, ToSession::Ready(_)));
    (host, task)
}

#[tokio::test]
async fn request_is_answered_by_id_while_pings_keep_flowing() {
    let (mut host, _task) = started().await;
    host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
    let req = host.recv().await;
    assert!(matches!(req.msg, ToSession::PresenterInfoRequest(_)));
    // The callback is blocked on the reply, yet pings are answered.
    host.send(Envelope::with_id(99, ToPlugin::Ping(Empty {})))
        .await;
    let pong = host.recv().await;
    assert_eq!(
        (pong.id, matches!(pong.msg, ToSession::Pong(_))),
        (99, true)
    );
    let info = PresenterInfo {
        account_name: "Ann".into(),
        ..Default::default()
    };
    host.send(Envelope::with_id(req.id, ToPlugin::PresenterInfo(info)))
        .await;
    assert_eq!(host.notification().await, "presenter Ann");
}

#[tokio::test]
async fn request_fails_after_its_deadline() {
    let (mut host, _task) = started().await;
    host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
    assert!(matches!(
        host.recv().await.msg,
        ToSession::PresenterInfoRequest(_)
    ));
    let text = host.notification().await;
    assert!(text.starts_with("TimedOut"), "{text}");
}

#[tokio::test]
async fn refused_request_carries_the_error() {
    let (mut host, _task) = started().await;
    host.send(Envelope::event(ToPlugin::Run(Empty {}))).await;
    let req = host.recv().await;
    host.send(Envelope::with_id(
        req.id,
        ToPlugin::Error(ErrorBody::new(crate::api::ErrorCode::Unavailable, "no")),
    ))
    .await;
    assert!(host.notification().await.starts_with("Refused"));
}

#[tokio::test]
async fn stop_and_eof_both_run_on_stop() {
    let (mut host, task) = started().await;
    host.send(Envelope::event(ToPlugin::Stop(
        crate::api::link::StopInfo {
            reason: "bye".into(),
        },
    )))
    .await;
    assert_eq!(host.notification().await, "stopping");
    task.await.unwrap().unwrap();

    let (host, task) = started().await;
    let Host { to, from } = host;
    drop(to);
    let mut host = Host {
        to: tokio::io::duplex(1).0,
        from: FrameReader::new(from.into_inner(), 1 << 20),
    };
    assert_eq!(host.notification().await, "stopping");
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn a_first_frame_other_than_start_is_refused() {
    let (mut host_out, inst_in) = tokio::io::duplex(1 << 16);
    let (inst_out, _host_in) = tokio::io::duplex(1 << 16);
    write_frame(
        &mut host_out,
        &wire::encode(&Envelope::event(ToPlugin::Run(Empty {}))),
    )
    .await
    .unwrap();
    host_out.flush().await.unwrap();
    let err = run(Asker, inst_in, inst_out).await.unwrap_err();
    assert!(err.to_string().contains("expected \"start\""), "{err}");
}
