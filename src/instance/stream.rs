//! Writing and reading streams: creation, per-frame updates with flow control, and
//! destruction.

use super::{DEFAULT_REQUEST_TIMEOUT, Instance, RequestError};
use crate::api::ErrorBody;
use crate::api::link::{ToPlugin, ToSession};
use crate::api::request as req;
use crate::api::stream::{
    StreamCreate, StreamData, StreamDataType, StreamDirection, StreamFeed, StreamKind, StreamRef,
};
use crate::wire::frame::Outgoing;
use crate::wire::{self, Envelope};
use std::sync::Arc;
use tokio::sync::oneshot;

impl Instance {
    /// Creates a writing stream over atom indices (complex indices for
    /// `ComplexPositionRotation`); feed it with [`Stream::update`].
    pub async fn create_writing_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
    ) -> Result<Stream, RequestError> {
        self.create_stream(indices, kind, StreamDirection::Writing)
            .await
    }

    /// Creates a reading stream: the session sends the targets' values at once and
    /// whenever they change, to [`PluginInstance::on_stream_update`]. Destroy it to stop.
    ///
    /// [`PluginInstance::on_stream_update`]: super::PluginInstance::on_stream_update
    pub async fn create_reading_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
    ) -> Result<Stream, RequestError> {
        self.create_stream(indices, kind, StreamDirection::Reading)
            .await
    }

    async fn create_stream(
        &self,
        indices: Vec<i64>,
        kind: StreamKind,
        direction: StreamDirection,
    ) -> Result<Stream, RequestError> {
        let elements = indices.len();
        let create = StreamCreate {
            kind,
            direction,
            indices,
        };
        let c = self
            .call::<req::StreamCreate>(create, DEFAULT_REQUEST_TIMEOUT)
            .await?;
        Ok(Stream {
            nts: self.clone(),
            id: c.stream_id,
            kind,
            data_type: c.data_type,
            elements,
            flow: Arc::new(tokio::sync::Mutex::new(Flow::default())),
        })
    }
}

/// Bytes of stream frames that may be on their way to the session, unapplied. Frames are
/// fire-and-forget, but a producer faster than the session would pile them up in the
/// broker until it cut the session off as a slow consumer; so every half window one frame
/// asks for an acknowledgement, and the next half window waits for it.
pub const STREAM_WINDOW: usize = 48 << 20;

/// Floats viewed as their little-endian bytes (on little-endian machines), to hand a frame's
/// values to the writer without copying them.
#[cfg(target_endian = "little")]
struct LeFloats(Vec<f32>);

#[cfg(target_endian = "little")]
impl AsRef<[u8]> for LeFloats {
    fn as_ref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

/// Flow control of one writing stream (see [`STREAM_WINDOW`]).
#[derive(Default)]
struct Flow {
    /// Bytes sent since the last frame that asked for an acknowledgement.
    unacked: usize,
    /// That acknowledgement, while it is awaited.
    pending: Option<(u64, oneshot::Receiver<ToPlugin>)>,
}

/// A writing stream: per-frame values for its targets, in their order.
#[derive(Clone)]
pub struct Stream {
    nts: Instance,
    id: u32,
    kind: StreamKind,
    data_type: StreamDataType,
    elements: usize,
    flow: Arc<tokio::sync::Mutex<Flow>>,
}

impl Stream {
    /// The stream's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Values one frame must carry (targets × values per target).
    pub fn frame_len(&self) -> usize {
        self.elements * self.kind.arity()
    }

    fn check(&self, data: &StreamData) -> Result<(), RequestError> {
        if data.data_type() != self.data_type || data.len() != self.frame_len() {
            return Err(RequestError::Refused(ErrorBody::new(
                crate::api::ErrorCode::BadRequest,
                format!(
                    "stream {} takes {} {:?} values per frame, got {} {:?}",
                    self.id,
                    self.frame_len(),
                    self.data_type,
                    data.len(),
                    data.data_type()
                ),
            )));
        }
        Ok(())
    }

    /// Sends one frame, checked for length and type first. It does not wait for the
    /// session, except to keep at most [`STREAM_WINDOW`] bytes in flight.
    pub async fn update(&self, data: StreamData) -> Result<(), RequestError> {
        self.check(&data)?;
        let size = match &data {
            StreamData::Float(v) => v.len() * 4,
            StreamData::Byte(v) => v.len(),
            StreamData::String(v) => v.iter().map(|s| s.len() + 1).sum(),
        };
        let mut flow = self.flow.lock().await;
        flow.unacked += size;
        // Every half window, one frame asks for an acknowledgement; before that, the
        // previous one must have come back.
        let ask = flow.unacked >= STREAM_WINDOW / 2;
        if ask && let Some((id, rx)) = flow.pending.take() {
            match self.nts.wait_reply(id, rx, DEFAULT_REQUEST_TIMEOUT).await? {
                ToPlugin::Done(_) => {}
                ToPlugin::StreamInterrupt(i) => {
                    return Err(RequestError::Refused(ErrorBody::new(
                        crate::api::ErrorCode::NotFound,
                        format!("stream {} was interrupted ({:?})", self.id, i.reason),
                    )));
                }
                other => {
                    return Err(RequestError::Unexpected(
                        wire::Message::kind(&other).as_str(),
                    ));
                }
            }
        }
        let (id, ack) = if ask {
            let (id, rx) = self.nts.expect_reply();
            (id, Some(rx))
        } else {
            (0, None)
        };
        // When it fits one message: a small head, then the values written to the pipe
        // from where they are (no encoding pass, no copy).
        let max = self.nts.inner.info.max_message.max(4096) as usize;
        let parts = match data {
            #[cfg(target_endian = "little")]
            StreamData::Float(v) if size + 128 <= max => {
                let values = wire::skim::FrameValues::Float(bytemuck::cast_slice(&v));
                let head = wire::skim::stream_frame_head(id, self.id, values, 96);
                Ok((head, bytes::Bytes::from_owner(LeFloats(v))))
            }
            StreamData::Byte(v) if size + 128 <= max => {
                let values = wire::skim::FrameValues::Byte(&v);
                let head = wire::skim::stream_frame_head(id, self.id, values, 96);
                Ok((head, bytes::Bytes::from(v)))
            }
            other => Err(other),
        };
        let sent = match parts {
            Ok((head, body)) => self
                .nts
                .inner
                .out
                .send(Outgoing::Parts(head.into(), body))
                .await
                .map_err(|_| RequestError::Closed),
            Err(data) => {
                let feed = ToSession::StreamFeed(StreamFeed {
                    stream_id: self.id,
                    data,
                });
                self.nts.send(Envelope::with_id(id, feed)).await
            }
        };
        if let Err(e) = sent {
            self.nts.inner.pending.lock().expect("lock").remove(&id);
            return Err(e);
        }
        if let Some(rx) = ack {
            flow.pending = Some((id, rx));
            flow.unacked = 0;
        }
        Ok(())
    }

    /// Sends one frame and waits until the session has applied it.
    pub async fn update_acked(&self, data: StreamData) -> Result<(), RequestError> {
        self.check(&data)?;
        self.nts
            .done::<req::StreamFeed>(StreamFeed {
                stream_id: self.id,
                data,
            })
            .await
    }

    /// Ends the stream.
    pub async fn destroy(self) -> Result<(), RequestError> {
        self.nts
            .done::<req::StreamDestroy>(StreamRef { stream_id: self.id })
            .await
    }
}
