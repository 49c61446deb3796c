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

fn put_head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

fn put_text(out: &mut Vec<u8>, t: &str) {
    put_head(out, 3, t.len() as u64);
    out.extend_from_slice(t.as_bytes());
}

/// Encodes a float or byte `stream_feed` envelope in one pass into an exactly sized buffer:
/// the same bytes [`encode`](super::encode) writes, without its growing buffer (frames are
/// megabytes).
pub fn encode_stream_frame(id: u64, stream_id: u32, values: FrameValues<'_>) -> Vec<u8> {
    let raw = match values {
        FrameValues::Float(b) | FrameValues::Byte(b) => b,
    };
    let mut out = stream_frame_head(id, stream_id, values, raw.len() + 96);
    out.extend_from_slice(raw);
    out
}

/// Everything of [`encode_stream_frame`]'s output but the values themselves (which follow
/// it), in a buffer with room for `capacity` bytes: lets a writer send the values from
/// where they are.
pub fn stream_frame_head(
    id: u64,
    stream_id: u32,
    values: FrameValues<'_>,
    capacity: usize,
) -> Vec<u8> {
    let (kind, raw) = match values {
        FrameValues::Float(b) => ("float", b),
        FrameValues::Byte(b) => ("byte", b),
    };
    let mut out = Vec::with_capacity(capacity);
    put_head(&mut out, 5, 4);
    put_text(&mut out, "version");
    put_head(&mut out, 0, u64::from(PROTOCOL_VERSION));
    put_text(&mut out, "kind");
    put_text(&mut out, "stream_feed");
    put_text(&mut out, "id");
    put_head(&mut out, 0, id);
    put_text(&mut out, "body");
    put_head(&mut out, 5, 2);
    put_text(&mut out, "stream_id");
    put_head(&mut out, 0, u64::from(stream_id));
    put_text(&mut out, "data");
    put_head(&mut out, 5, 2);
    put_text(&mut out, "type");
    put_text(&mut out, kind);
    put_text(&mut out, "values");
    put_head(&mut out, 2, raw.len() as u64);
    out
}

/// The id and kind of an envelope of family `M`, the body checked for well-formedness
/// only: the fast walk when the envelope is canonical, else the full decoder's reading
/// (with its errors). For relays, which route by kind and leave bodies to receivers.
pub fn kind_of<M: super::Message>(
    bytes: &[u8],
    max: usize,
) -> Result<(u64, M::Kind), super::DecodeError> {
    if bytes.len() <= max
        && let Some((id, kind)) = envelope_head(bytes)
        && let Some(k) = <M::Kind as super::Kind>::parse(kind)
    {
        return Ok((id, k));
    }
    let env = super::decode::<super::KindOnly<M>>(bytes, max)?;
    Ok((env.id, super::Message::kind(&env.msg)))
}

/// Most nesting the walker follows (as the full decoder's limit).
const MAX_DEPTH: usize = 256;

impl Cursor<'_> {
    /// Skips one well-formed data item with definite lengths; `None` otherwise.
    fn skip_item(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let major = *self.b.get(self.at)? >> 5;
        let arg = self.head(major)?;
        match major {
            0 | 1 | 7 => Some(()), // integers, simple values and floats: the head is all
            2 | 3 => self.take(arg).map(|_| ()),
            4 => (0..arg).try_for_each(|_| self.skip_item(depth + 1)),
            5 => (0..arg).try_for_each(|_| {
                self.skip_item(depth + 1)?;
                self.skip_item(depth + 1)
            }),
            6 => self.skip_item(depth + 1), // a tag and its item
            _ => None,
        }
    }
}

/// The head of an envelope in canonical key order — `(id, kind)` — with the body walked
/// for well-formedness (lengths within the message, nesting bounded) but not decoded: no
/// copies, no UTF-8 checks. `None` for anything else (other key orders, indefinite
/// lengths, a kind of another version); the caller then uses the full decoder.
pub fn envelope_head(bytes: &[u8]) -> Option<(u64, &str)> {
    let mut c = Cursor { b: bytes, at: 0 };
    (c.head(5)? == 4).then_some(())?;
    c.key("version")?;
    (c.uint()? == u64::from(PROTOCOL_VERSION)).then_some(())?;
    c.key("kind")?;
    let kind = std::str::from_utf8(c.text()?).ok()?;
    c.key("id")?;
    let id = c.uint()?;
    c.key("body")?;
    c.skip_item(0)?;
    (c.at == bytes.len()).then_some((id, kind))
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
    fn the_frame_encoder_writes_what_the_envelope_encoder_writes() {
        for (id, stream_id, n) in [(0, 1, 0), (7, 300, 23), (1 << 40, 70_000, 100_000)] {
            let floats: Vec<f32> = (0..n).map(|i| i as f32 - 0.5).collect();
            let le: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
            assert_eq!(
                encode_stream_frame(id, stream_id, FrameValues::Float(&le)),
                encoded(id, stream_id, StreamData::Float(floats)),
                "{n} floats"
            );
            let bytes: Vec<u8> = (0..n).map(|i| i as u8).collect();
            assert_eq!(
                encode_stream_frame(id, stream_id, FrameValues::Byte(&bytes)),
                encoded(id, stream_id, StreamData::Byte(bytes.clone())),
                "{n} bytes"
            );
        }
    }

    #[test]
    fn envelope_heads_agree_with_the_decoder() {
        let ws = crate::api::structure::Workspace::default();
        let bytes = wire::encode(&Envelope::with_id(5, ToSession::WorkspaceUpdate(ws)));
        assert_eq!(envelope_head(&bytes), Some((5, "workspace_update")));
        assert_eq!(
            kind_of::<ToSession>(&bytes, 1 << 20).ok(),
            Some((5, crate::api::link::ToSessionKind::WorkspaceUpdate))
        );
        assert!(kind_of::<ToSession>(&[0xff, 0, 1], 1 << 20).is_err());
        for cut in 0..bytes.len() {
            assert!(envelope_head(&bytes[..cut]).is_none(), "cut at {cut}");
        }
        // Deep nesting is refused, not followed.
        let pong = wire::encode(&Envelope::with_id(5, ToSession::Pong(crate::api::Empty {})));
        assert_eq!(pong.last(), Some(&0xa0), "the body is an empty map");
        let mut deep = pong[..pong.len() - 1].to_vec();
        deep.extend(std::iter::repeat_n(0x81u8, 300)); // 300 nested one-item arrays
        deep.push(0x00);
        assert!(envelope_head(&deep).is_none());
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
