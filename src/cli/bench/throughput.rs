//! Throughput: pipelined raw NATS echo against pipelined session ↔ instance commands.

use crate::api::Empty;
use crate::api::link::{ToPlugin, ToSession};
use crate::session::LinkEvent;
use crate::wire::{self, Envelope};
use anyhow::bail;
use futures::StreamExt;
use std::time::{Duration, Instant};

pub(super) async fn raw_throughput(
    client: &async_nats::Client,
    n: usize,
    window: usize,
    payload: &[u8],
) -> anyhow::Result<f64> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(format!("{inbox}.*")).await?;
    client.request("bench.echo", "sync".into()).await?;
    let t0 = Instant::now();
    let (mut sent, mut got) = (0usize, 0usize);
    while got < n {
        while sent < n && sent - got < window {
            client
                .publish_with_reply(
                    "bench.echo",
                    format!("{inbox}.{sent}"),
                    payload.to_vec().into(),
                )
                .await?;
            sent += 1;
        }
        match tokio::time::timeout(Duration::from_secs(10), replies.next()).await {
            Ok(Some(_)) => got += 1,
            _ => bail!("raw echo stalled after {got} of {n} replies"),
        }
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

pub(super) async fn link_throughput(
    link: &mut crate::session::Link,
    n: usize,
    window: usize,
) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let (mut sent, mut got) = (0usize, 0usize);
    while got < n {
        while sent < n && sent - got < window {
            // Ids unknown to the router: pongs come back as link events.
            let ping = wire::encode(&Envelope::with_id(
                1_000_000_000 + sent as u64,
                ToPlugin::Ping(Empty {}),
            ));
            link.send_raw(ping).await?;
            sent += 1;
        }
        match tokio::time::timeout(Duration::from_secs(10), link.next()).await {
            Ok(Some(LinkEvent::Message(Envelope {
                msg: ToSession::Pong(_),
                ..
            }))) => got += 1,
            Ok(Some(other)) => bail!("unexpected event during the throughput run: {other:?}"),
            Ok(None) => bail!("link ended during the throughput run"),
            Err(_) => bail!("link stalled after {got} of {n} replies"),
        }
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}
