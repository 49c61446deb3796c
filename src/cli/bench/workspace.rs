//! Workspace round trip: the instance reads the whole workspace and writes it back,
//! against the same bytes there and back over raw NATS.

use super::stream::{run_on_complex, serve_builtin};
use super::{DEADLINE, stats};
use crate::api::link::ToPlugin;
use crate::session::Lobby;
use crate::wire::{self, Envelope};
use anyhow::bail;
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Times `echo::ROUNDS` workspace round trips by the `workspace-echo` plugin against raw
/// NATS request/reply carrying the same bytes both ways. Returns (ours, raw) medians and
/// the size of the workspace envelope.
pub(super) async fn workspace_bench(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    session_client: &Lobby,
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    atoms: usize,
    stop: CancellationToken,
) -> anyhow::Result<(Duration, Duration, [Duration; 2], usize)> {
    serve_builtin(profile, exe, "workspace-echo", stop).await?;
    let (session, link, text) = run_on_complex(session_client, "workspace-echo", atoms).await?;
    // The workspace as the round trips moved it: its first complex (the plugin then adds a
    // copy of it, which the round trips did not carry).
    let mut ws = session.workspace().await;
    ws.complexes.truncate(1);
    let ws_bytes = wire::encode(&Envelope::with_id(1, ToPlugin::Workspace(ws)));
    let ours = round_trips(&text)?;
    let legs = [part(&text, "requests: "), part(&text, "updates: ")].map(|t| {
        if t.is_empty() {
            Duration::ZERO
        } else {
            stats(t).median
        }
    });
    link.close().await?;
    session.leave().await?;

    // The same bytes there and back over raw NATS.
    let mut echo = raw_b.subscribe("bench.ws").await?;
    let responder = raw_b.clone();
    let serve = tokio::spawn(async move {
        while let Some(m) = echo.next().await {
            if let Some(reply) = m.reply {
                let _ = responder.publish(reply, m.payload).await;
            }
        }
    });
    raw_b.flush().await?;
    let payload = bytes::Bytes::from(ws_bytes);
    let mut raw = Vec::with_capacity(crate::plugins::echo::ROUNDS);
    for _ in 0..crate::plugins::echo::ROUNDS {
        let t0 = Instant::now();
        tokio::time::timeout(DEADLINE, raw_a.request("bench.ws", payload.clone())).await??;
        raw.push(t0.elapsed());
    }
    serve.abort();
    Ok((stats(ours).median, stats(raw).median, legs, payload.len()))
}

/// The round-trip times `workspace-echo` reports ("round trips (µs): 1 2 3; …").
pub(super) fn round_trips(text: &str) -> anyhow::Result<Vec<Duration>> {
    let Some(times) = text.strip_prefix("round trips (µs): ") else {
        bail!("the workspace round trips failed: {text}");
    };
    Ok(micros(times.split(';').next().unwrap_or_default()))
}

/// The times `workspace-echo` reports after `label` ("…; requests: 1 2 3; …").
fn part(text: &str, label: &str) -> Vec<Duration> {
    text.split("; ")
        .find_map(|p| p.strip_prefix(label))
        .map(micros)
        .unwrap_or_default()
}

/// Space-separated microseconds.
fn micros(list: &str) -> Vec<Duration> {
    list.split(' ')
        .filter_map(|t| t.parse().ok())
        .map(Duration::from_micros)
        .collect()
}
