//! A zero-copy reader for the one hot message: a `stream_feed` envelope of float or byte
//! values, as this crate's encoder writes it (keys in canonical order, definite lengths).
//!
//! Stream frames are megabytes; decoding one with serde copies its values twice. The host
//! (to validate) and the session (to apply) read them here instead, borrowing the values
//! from the message. Anything that is not exactly a canonical float or byte `stream_feed`
//! gives `None`, and the caller falls back to the full decoder, so this path accepts a
//! subset of what [`decode`](super::decode) accepts and never a message it would refuse.

use super::envelope::PROTOCOL_VERSION;

/// The values of a stream frame, borrowed from the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameValues<'a> {
    /// Little-endian `f32`, 4 bytes each.
    Float(&'a [u8]),
    /// Bytes.
    Byte(&'a [u8]),
}

impl FrameValues<'_> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            FrameValues::Float(b) => b.len() / 4,
            FrameValues::Byte(b) => b.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `stream_feed` envelope read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFrame<'a> {
    /// The envelope id (0: no acknowledgement wanted).
    pub id: u64,
    /// The stream.
    pub stream_id: u32,
    /// The values.
    pub values: FrameValues<'a>,
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// A head of major type `major` with a definite argument.
    fn head(&mut self, major: u8) -> Option<u64> {
        let first = *self.b.get(self.at)?;
        if first >> 5 != major {
            return None;
        }
        let info = first & 0x1f;
        let n = match info {
            0..=23 => return self.skip(1).map(|_| u64::from(info)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => return None, // indefinite lengths and reserved values: not canonical
        };
        let arg = self.b.get(self.at + 1..self.at + 1 + n)?;
        let v = arg.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x));
        self.skip(1 + n).map(|_| v)
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        (self.at + n <= self.b.len()).then(|| self.at += n)
    }

    fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let s = self.b.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }

    fn text(&mut self) -> Option<&'a [u8]> {
        let n = self.head(3)?;
        self.take(n)
    }

    fn key(&mut self, want: &str) -> Option<()> {
        (self.text()? == want.as_bytes()).then_some(())
    }

    fn uint(&mut self) -> Option<u64> {
        self.head(0)
    }
}

/// Reads a canonical float or byte `stream_feed` envelope in place; `None` for anything
/// else (other kinds, other key orders, texts, trailing bytes, ragged floats).
pub fn stream_frame(bytes: &[u8]) -> Option<StreamFrame<'_>> {
    let mut c = Cursor { b: bytes, at: 0 };
    (c.head(5)? == 4).then_some(())?;
    c.key("version")?;
    (c.uint()? == u64::from(PROTOCOL_VERSION)).then_some(())?;
    c.key("kind")?;
    (c.text()? == b"stream_feed").then_some(())?;
    c.key("id")?;
    let id = c.uint()?;
    c.key("body")?;
    (c.head(5)? == 2).then_some(())?;
    c.key("stream_id")?;
    let stream_id = u32::try_from(c.uint()?).ok()?;
    c.key("data")?;
    (c.head(5)? == 2).then_some(())?;
    c.key("type")?;
    let kind = c.text()?;
    c.key("values")?;
    let n = c.head(2)?;
    let raw = c.take(n)?;
    if c.at != bytes.len() {
        return None;
    }
    let values = match kind {
        b"float" if raw.len().is_multiple_of(4) => FrameValues::Float(raw),
        b"byte" => FrameValues::Byte(raw),
        _ => return None,
    };
    Some(StreamFrame {
        id,
        stream_id,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::link::ToSession;
    use crate::api::stream::{StreamData, StreamFeed};
    use crate::wire::{self, Envelope};

    fn encoded(id: u64, stream_id: u32, data: StreamData) -> Vec<u8> {
        wire::encode(&Envelope::with_id(
            id,
            ToSession::StreamFeed(StreamFeed { stream_id, data }),
        ))
    }

    #[test]
    fn reads_what_the_encoder_writes_as_the_decoder_does() {
        let floats: Vec<f32> = (0..100_000).map(|i| i as f32 * 0.25).collect();
        let bytes = encoded(9, 70_000, StreamData::Float(floats.clone()));
        let f = stream_frame(&bytes).expect("canonical float frame");
        assert_eq!((f.id, f.stream_id), (9, 70_000));
        let FrameValues::Float(raw) = f.values else {
            panic!("float")
        };
        let back: Vec<f32> = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(back, floats);

        let bytes = encoded(0, 1, StreamData::Byte(vec![1, 2, 3]));
        assert_eq!(
            stream_frame(&bytes).map(|f| f.values),
            Some(FrameValues::Byte(&[1, 2, 3]))
        );
    }

    #[test]
    fn anything_else_falls_back_to_the_full_decoder() {
        // Texts, other kinds, truncation, trailing bytes.
        let labels = encoded(1, 1, StreamData::String(vec!["a".into()]));
        assert!(stream_frame(&labels).is_none());
        let ping = wire::encode(&Envelope::with_id(3, ToSession::Pong(crate::api::Empty {})));
        assert!(stream_frame(&ping).is_none());
        let good = encoded(1, 1, StreamData::Float(vec![1.0, 2.0]));
        for cut in 0..good.len() {
            assert!(stream_frame(&good[..cut]).is_none(), "cut at {cut}");
        }
        let mut long = good.clone();
        long.push(0);
        assert!(stream_frame(&long).is_none());
        // Every single-byte corruption is either refused here or still a valid frame.
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x55;
            if stream_frame(&bad).is_some() {
                assert!(
                    wire::decode::<ToSession>(&bad, 1 << 20).is_ok(),
                    "byte {i}: skim accepted what the decoder refuses"
                );
            }
        }
    }
}
