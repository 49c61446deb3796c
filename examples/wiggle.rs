//! `wiggle`: animates the first complex's atoms with a position stream.
//!
//! Sends `FRAMES` frames of a sideways wave, then a last frame that leaves every atom 1 Å
//! further along x than it started (acknowledged, so it is known to be applied).
//!
//! `nts up` runs it built in (`nts plugin wiggle`); this file is also a standalone program:
//!
//! ```text
//! cargo run --example wiggle
//! nts session run wiggle --load protein.pdb --exit-on notification
//! ```

use nts::api::link::NotificationType;
use nts::api::stream::{StreamData, StreamKind};
use nts::instance::{Instance, PluginInstance};
use nts::plugin::Plugin;

/// Frames per run, the acknowledged last one included.
pub const FRAMES: usize = 120;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "wiggle",
        "Animates the first complex's atoms with a position stream.",
    )
    .category("Examples")
    .tags(["example", "streams"])
    .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct Wiggle;

impl PluginInstance for Wiggle {
    async fn on_run(&mut self, nts: &Instance) {
        let result = async {
            let list = nts.request_complex_list().await?;
            let Some(first) = list.first() else {
                return Ok("load a structure first".to_string());
            };
            let complex = nts
                .request_complexes(&[first.index])
                .await?
                .into_iter()
                .flatten()
                .next();
            let Some(complex) = complex else {
                return Ok("the complex went away".to_string());
            };
            let (indices, start): (Vec<i64>, Vec<[f32; 3]>) =
                complex.atoms().map(|a| (a.index, a.position)).unzip();
            let stream = nts
                .create_writing_stream(indices, StreamKind::Position)
                .await?;
            // Atom i moves by 0.5·sin(phase + 0.1·i) along x. With sin and cos of 0.1·i
            // computed once, a frame costs two multiplications per atom, not a sine.
            let (sin_i, cos_i): (Vec<f32>, Vec<f32>) =
                (0..start.len()).map(|i| (i as f32 * 0.1).sin_cos()).unzip();
            // x moves by 0.5·(s·cos_i + c·sin_i) + shift; y and z stay.
            let frame = |s: f32, c: f32, shift: f32| -> StreamData {
                let mut v = Vec::with_capacity(start.len() * 3);
                for ((p, sin), cos) in start.iter().zip(&sin_i).zip(&cos_i) {
                    v.extend_from_slice(&[p[0] + 0.5 * (s * cos + c * sin) + shift, p[1], p[2]]);
                }
                StreamData::Float(v)
            };
            for f in 0..FRAMES - 1 {
                let (s, c) = (f as f32 / FRAMES as f32 * std::f32::consts::TAU).sin_cos();
                stream.update(frame(s, c, 0.0)).await?;
            }
            stream.update_acked(frame(0.0, 0.0, 1.0)).await?;
            stream.destroy().await?;
            Ok::<_, nts::instance::RequestError>(format!(
                "streamed {FRAMES} frames to {} atoms",
                start.len()
            ))
        }
        .await;
        let (kind, text) = match result {
            Ok(t) => (NotificationType::Success, t),
            Err(e) => (NotificationType::Error, format!("wiggle failed: {e}")),
        };
        let _ = nts.send_notification(kind, text).await;
    }
}

#[allow(dead_code)] // built into `nts` as a module, where `main` is unused
fn main() -> std::process::ExitCode {
    plugin().run(Wiggle::default)
}
