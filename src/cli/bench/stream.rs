//! Position streams: frames from the `wiggle` plugin applied by a session, against the
//! same bytes published over raw NATS.

use super::DEADLINE;
use super::codec::codec_complex;
use crate::api::control::UserInfo;
use crate::api::link::ToSession;
use crate::host::Host;
use crate::session::{LinkEvent, Lobby, Session};
use crate::wire::{self, Envelope};
use anyhow::bail;
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Rounds of the stream measurement (each: one plugin run, one raw run); the medians are
/// reported, since one run of 120 frames lasts well under a second.
pub(super) const STREAM_ROUNDS: usize = 5;

/// Streams `FRAMES` position frames of an `atoms`-atom complex from the `wiggle` plugin to a
/// session, against publishing the same bytes over raw NATS, `STREAM_ROUNDS` times each,
/// interleaved. Returns the median (ours, raw) frames/s and the frame size.
pub(super) async fn stream_bench(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    session_client: &Lobby,
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    atoms: usize,
    stop: CancellationToken,
) -> anyhow::Result<(f64, f64, usize)> {
    serve_builtin(profile, exe, "wiggle", stop).await?;
    let frame = crate::api::stream::StreamFeed {
        stream_id: 1,
        data: crate::api::stream::StreamData::Float(vec![0.5; atoms * 3]),
    };
    let bytes = bytes::Bytes::from(wire::encode(&Envelope::event(ToSession::StreamFeed(frame))));
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..STREAM_ROUNDS {
        ours.push(stream_run(session_client, atoms).await?);
        raw.push(raw_stream_run(raw_a, raw_b, &bytes).await?);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((median(ours), median(raw), bytes.len()))
}

/// Registers a host for built-in plugin `name` in this process, serving until `stop`.
pub(super) async fn serve_builtin(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    name: &str,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let cfg = crate::plugins::host_config(name, exe).expect("built in");
    let host = Host::connect(profile, cfg, false).await?;
    tokio::spawn(host.serve(stop));
    Ok(())
}

/// Opens a session holding an `atoms`-atom complex, runs `plugin` on it and returns the
/// text of the first notification it sends (its result).
pub(super) async fn run_on_complex(
    session_client: &Lobby,
    plugin: &str,
    atoms: usize,
) -> anyhow::Result<(Session, crate::session::Link, String)> {
    let session = Session::open(
        session_client,
        plugin,
        UserInfo {
            name: "bench".into(),
            ..Default::default()
        },
    )
    .await?;
    session.add_complexes(vec![codec_complex(atoms)]).await?;
    let mut link = session.connect(plugin).await?;
    link.run().await?;
    loop {
        match tokio::time::timeout(DEADLINE, link.next()).await {
            Ok(Some(LinkEvent::Message(Envelope {
                msg: ToSession::Notification(n),
                ..
            }))) => return Ok((session, link, n.text)),
            Ok(Some(LinkEvent::Message(_))) => {} // the plugin's requests, answered by the session
            other => bail!("{plugin} failed: {other:?}"),
        }
    }
}

/// One run of the `wiggle` plugin on a fresh session; frames/s applied by the session.
async fn stream_run(session_client: &Lobby, atoms: usize) -> anyhow::Result<f64> {
    let (session, link, text) = run_on_complex(session_client, "wiggle", atoms).await?;
    if !text.starts_with("streamed") {
        bail!("the stream run failed: {text}");
    }
    let stats = session.frame_stats().await;
    let (Some(first), Some(last)) = (stats.first, stats.last) else {
        bail!("no frames arrived")
    };
    let rate = (stats.count.saturating_sub(1)) as f64 / (last - first).as_secs_f64();
    link.close().await?;
    session.leave().await?;
    Ok(rate)
}

/// The same number of frames of the same bytes over raw NATS: one publisher, one
/// subscriber; frames/s received.
async fn raw_stream_run(
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    bytes: &bytes::Bytes,
) -> anyhow::Result<f64> {
    let mut sub = raw_b.subscribe("bench.stream").await?;
    raw_b.request("bench.echo", "sync".into()).await?;
    let n = crate::plugins::wiggle::FRAMES;
    let sender = raw_a.clone();
    let payload = bytes.clone();
    tokio::spawn(async move {
        for _ in 0..n {
            if sender
                .publish("bench.stream", payload.clone())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut first = None;
    let mut last = Instant::now();
    for _ in 0..n {
        match tokio::time::timeout(Duration::from_secs(30), sub.next()).await {
            Ok(Some(_)) => {
                last = Instant::now();
                first.get_or_insert(last);
            }
            _ => bail!("the raw stream stalled"),
        }
    }
    sub.unsubscribe().await?;
    Ok((n - 1) as f64 / (last - first.unwrap_or(last)).as_secs_f64())
}
