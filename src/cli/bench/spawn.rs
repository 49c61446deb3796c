//! Connect latency's baseline: a bare spawn and handshake of the instance binary.

use crate::api::link::{StartInfo, ToPlugin, ToSession};
use crate::host::InstanceCommand;
use crate::wire::frame::{FrameReader, write_frame};
use crate::wire::subject::Token;
use crate::wire::{self, Envelope};
use anyhow::{Context, bail};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Spawns the instance binary directly, sends `start`, waits for `ready`, stops it.
pub(super) async fn bare_spawn(command: &InstanceCommand) -> anyhow::Result<Duration> {
    let t0 = Instant::now();
    let mut child = tokio::process::Command::new(&command.program)
        .args(&command.args)
        .envs(command.env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().context("stdin")?;
    let start = ToPlugin::Start(StartInfo {
        plugin_id: Token::random(),
        plugin_name: "hello".into(),
        session_id: Token::random(),
        link_id: Token::random(),
        presenter: Default::default(),
        max_message: 1024 * 1024,
    });
    write_frame(&mut stdin, &wire::encode(&Envelope::event(start))).await?;
    tokio::io::AsyncWriteExt::flush(&mut stdin).await?;
    let mut frames = FrameReader::new(child.stdout.take().context("stdout")?, 1 << 20);
    let frame = tokio::time::timeout(Duration::from_secs(10), frames.next())
        .await??
        .context("no ready frame")?;
    let elapsed = t0.elapsed();
    match wire::decode::<ToSession>(&frame, 1 << 20)?.msg {
        ToSession::Ready(_) => {}
        other => bail!("expected ready, got {other:?}"),
    }
    drop(stdin); // EOF: the instance runs on_stop and exits
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    Ok(elapsed)
}
