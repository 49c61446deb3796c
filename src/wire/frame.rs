//! Length-prefixed stdio frames between a host and its instance processes.
//!
//! A frame is a 4-byte big-endian length `n` followed by `n` bytes: one CBOR envelope.
//! [`FrameDecoder`] is the sans-IO half (feed bytes, take frames; the length is checked
//! against the limit before anything is allocated). [`FrameReader`] and [`write_frame`]
//! are the thin async adapters.

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Default maximum frame payload: 16 MiB (larger data is chunked above this layer).
pub const MAX_FRAME_DEFAULT: usize = 16 * 1024 * 1024;

/// Environment variable a host sets to put a plugin executable in instance mode (speaking
/// frames on stdin/stdout).
pub const INSTANCE_ENV: &str = "NTS_INSTANCE";

/// Length of the frame header.
pub const HEADER_LEN: usize = 4;

/// A framing failure.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The peer announced a frame larger than allowed.
    #[error("frame of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Announced size.
        size: usize,
        /// Limit in force.
        max: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error("stream ended inside a frame ({have} of {want} bytes read)")]
    Truncated {
        /// Bytes of the frame received.
        have: usize,
        /// Bytes the frame announced (header included).
        want: usize,
    },
    /// Reading or writing the pipe failed.
    #[error("pipe I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

crate::error::error_kind!(FrameError => FrameErrorKind {
    /// The peer announced a frame larger than allowed.
    TooLarge,
    /// The stream ended in the middle of a frame.
    Truncated,
    /// Reading or writing the pipe failed.
    Io,
});

/// Sans-IO frame splitter: push bytes in, pull whole frames out.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: BytesMut,
    max: usize,
}

impl FrameDecoder {
    /// A decoder refusing frames over `max` bytes.
    pub fn new(max: usize) -> Self {
        FrameDecoder {
            buf: BytesMut::with_capacity(8 * 1024),
            max,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The buffer to read into directly (avoids a copy).
    pub fn buffer_mut(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Takes the next whole frame, if one is buffered.
    pub fn next_frame(&mut self) -> Result<Option<Bytes>, FrameError> {
        if self.buf.len() < HEADER_LEN {
            return Ok(None);
        }
        let len = u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize;
        if len > self.max {
            return Err(FrameError::TooLarge {
                size: len,
                max: self.max,
            });
        }
        if self.buf.len() < HEADER_LEN + len {
            self.buf.reserve(HEADER_LEN + len - self.buf.len());
            return Ok(None);
        }
        self.buf.advance(HEADER_LEN);
        Ok(Some(self.buf.split_to(len).freeze()))
    }

    /// Checks that the stream ended on a frame boundary.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let want = if self.buf.len() >= HEADER_LEN {
            HEADER_LEN
                + u32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize
        } else {
            HEADER_LEN
        };
        Err(FrameError::Truncated {
            have: self.buf.len(),
            want,
        })
    }
}

/// Encodes the 4-byte header for a payload of `len` bytes.
pub fn header(len: usize) -> Result<[u8; HEADER_LEN], FrameError> {
    let n = u32::try_from(len).map_err(|_| FrameError::TooLarge {
        size: len,
        max: u32::MAX as usize,
    })?;
    Ok(n.to_be_bytes())
}

/// Writes one frame (header + payload). The caller flushes.
pub async fn write_frame<W: AsyncWrite + Unpin>(
    w: &mut W,
    payload: &[u8],
) -> Result<(), FrameError> {
    w.write_all(&header(payload.len())?).await?;
    w.write_all(payload).await?;
    Ok(())
}

/// An item for [`pump`]: a frame, or a request to flush and confirm.
#[derive(Debug)]
pub enum Outgoing {
    /// One frame's payload.
    Frame(Bytes),
    /// One frame whose payload is these two parts, in order (a small head, and a large
    /// body written from where it already is).
    Parts(Bytes, Bytes),
    /// Flush everything queued before this, then signal.
    Flush(tokio::sync::oneshot::Sender<()>),
}

/// The single writer of a frame stream: writes queued frames in order and flushes
/// whenever the queue runs dry (batching under load, no delay when idle).
pub async fn pump<W: AsyncWrite + Unpin>(writer: W, mut rx: tokio::sync::mpsc::Receiver<Outgoing>) {
    let mut w = tokio::io::BufWriter::with_capacity(64 * 1024, writer);
    while let Some(first) = rx.recv().await {
        let mut next = Some(first);
        let mut flushed = Vec::new();
        while let Some(item) = next {
            match item {
                Outgoing::Frame(payload) => {
                    if write_frame(&mut w, &payload).await.is_err() {
                        return;
                    }
                }
                Outgoing::Parts(head, body) => {
                    let written = async {
                        w.write_all(&header(head.len() + body.len())?).await?;
                        w.write_all(&head).await?;
                        w.write_all(&body).await?;
                        Ok::<_, FrameError>(())
                    };
                    if written.await.is_err() {
                        return;
                    }
                }
                Outgoing::Flush(done) => flushed.push(done),
            }
            next = rx.try_recv().ok();
        }
        if w.flush().await.is_err() {
            return;
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
    let _ = w.shutdown().await;
}

/// Reads frames from an async byte stream.
#[derive(Debug)]
pub struct FrameReader<R> {
    inner: R,
    decoder: FrameDecoder,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    /// Wraps `inner`, refusing frames over `max` bytes.
    pub fn new(inner: R, max: usize) -> Self {
        FrameReader {
            inner,
            decoder: FrameDecoder::new(max),
        }
    }

    /// The underlying stream (buffered bytes are dropped).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next frame; `Ok(None)` at a clean end of stream.
    pub async fn next(&mut self) -> Result<Option<Bytes>, FrameError> {
        loop {
            if let Some(frame) = self.decoder.next_frame()? {
                return Ok(Some(frame));
            }
            let buf = self.decoder.buffer_mut();
            if buf.capacity() - buf.len() < 4096 {
                buf.reserve(8 * 1024);
            }
            if self.inner.read_buf(buf).await? == 0 {
                self.decoder.finish()?;
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(payload: &[u8]) -> Vec<u8> {
        let mut v = header(payload.len()).unwrap().to_vec();
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn splits_frames_fed_byte_by_byte() {
        let mut bytes = framed(b"hello");
        bytes.extend(framed(b""));
        bytes.extend(framed(b"world!"));
        let mut d = FrameDecoder::new(64);
        let mut out = Vec::new();
        for b in bytes {
            d.push(&[b]);
            while let Some(f) = d.next_frame().unwrap() {
                out.push(f);
            }
        }
        assert_eq!(
            out,
            vec![
                Bytes::from_static(b"hello"),
                Bytes::new(),
                Bytes::from_static(b"world!")
            ]
        );
        d.finish().unwrap();
    }

    #[test]
    fn refuses_oversized_length_before_allocating() {
        let mut d = FrameDecoder::new(1024);
        d.push(&u32::MAX.to_be_bytes());
        match d.next_frame() {
            Err(FrameError::TooLarge { size, max }) => {
                assert_eq!(size, u32::MAX as usize);
                assert_eq!(max, 1024);
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(
            d.buffer_mut().capacity() < 1 << 20,
            "no allocation for the announced size"
        );
    }

    #[test]
    fn truncated_stream_is_reported() {
        let mut d = FrameDecoder::new(64);
        d.push(&framed(b"hello")[..6]);
        assert!(d.next_frame().unwrap().is_none());
        assert!(matches!(
            d.finish(),
            Err(FrameError::Truncated { have: 6, want: 9 })
        ));
    }

    #[tokio::test]
    async fn reader_reads_frames_from_a_stream() {
        let mut bytes = framed(b"a");
        bytes.extend(framed(b"bc"));
        let mut r = FrameReader::new(&bytes[..], 16);
        assert_eq!(r.next().await.unwrap().unwrap(), Bytes::from_static(b"a"));
        assert_eq!(r.next().await.unwrap().unwrap(), Bytes::from_static(b"bc"));
        assert!(r.next().await.unwrap().is_none());
    }
}
