//! Streams: per-frame data for many atoms (or complexes) at once, without re-sending
//! structures.
//!
//! A plugin creates a stream over a list of indices; the session answers with the stream id
//! and the data type every feed must use. Feeds carry flat values in index order: floats as
//! one CBOR byte string of little-endian `f32`, bytes as a byte string, labels as texts.
//! Feeds are fire-and-forget (a feed with a request id is acknowledged with `done`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a stream drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    /// Atom positions: 3 floats (x, y, z) per atom.
    Position,
    /// Atom colours: 3 bytes (r, g, b) per atom.
    Color,
    /// Atom scales: 1 float per atom.
    Scale,
    /// Atom labels: 1 text per atom.
    Label,
    /// Complex placement: 7 floats (position x, y, z, rotation x, y, z, w) per complex.
    ComplexPositionRotation,
}

impl StreamKind {
    /// Values per element.
    pub fn arity(self) -> usize {
        match self {
            StreamKind::Position | StreamKind::Color => 3,
            StreamKind::Scale | StreamKind::Label => 1,
            StreamKind::ComplexPositionRotation => 7,
        }
    }

    /// The data type feeds must use.
    pub fn data_type(self) -> StreamDataType {
        match self {
            StreamKind::Color => StreamDataType::Byte,
            StreamKind::Label => StreamDataType::String,
            _ => StreamDataType::Float,
        }
    }
}

/// Which way data flows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamDirection {
    /// Plugin → session.
    #[default]
    Writing,
    /// Session → plugin.
    Reading,
}

/// The type of a stream's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamDataType {
    /// `f32`.
    Float,
    /// `u8`.
    Byte,
    /// Text.
    String,
}

/// Create a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCreate {
    /// What it drives.
    pub kind: StreamKind,
    /// Which way.
    #[serde(default)]
    pub direction: StreamDirection,
    /// Atom indices (complex indices for `complex_position_rotation`), in feed order.
    pub indices: Vec<i64>,
}

/// A created stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamCreated {
    /// The stream's id.
    pub stream_id: u32,
    /// The type every feed must use.
    pub data_type: StreamDataType,
}

/// One frame of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamFeed {
    /// The stream.
    pub stream_id: u32,
    /// The values, flat, in index order.
    pub data: StreamData,
}

/// A stream frame's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "values", rename_all = "snake_case")]
pub enum StreamData {
    /// Floats (sent as little-endian `f32` bytes).
    Float(#[serde(with = "f32_bytes")] Vec<f32>),
    /// Bytes.
    Byte(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Texts.
    String(Vec<String>),
}

impl StreamData {
    /// The data type.
    pub fn data_type(&self) -> StreamDataType {
        match self {
            StreamData::Float(_) => StreamDataType::Float,
            StreamData::Byte(_) => StreamDataType::Byte,
            StreamData::String(_) => StreamDataType::String,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            StreamData::Float(v) => v.len(),
            StreamData::Byte(v) => v.len(),
            StreamData::String(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a stream stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamInterruptReason {
    /// The stream or one of its targets no longer exists.
    StreamNotFound,
    /// The session failed to apply it.
    Crashed,
}

/// A stream was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInterrupt {
    /// The stream.
    pub stream_id: u32,
    /// Why.
    pub reason: StreamInterruptReason,
}

/// A stream's id (destroy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamRef {
    /// The stream.
    pub stream_id: u32,
}

/// Floats as one byte string of little-endian `f32`. On little-endian machines the
/// floats are written straight from memory and read with one copy: stream frames are
/// megabytes, and every pass over them costs frames per second.
pub mod f32_bytes {
    use super::*;

    /// Writes the floats as bytes.
    pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
        #[cfg(target_endian = "little")]
        {
            s.serialize_bytes(bytemuck::cast_slice(v))
        }
        #[cfg(not(target_endian = "little"))]
        {
            let b: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            s.serialize_bytes(&b)
        }
    }

    /// Floats from little-endian bytes; `None` if the length is not a multiple of 4.
    pub fn from_le_bytes(b: &[u8]) -> Option<Vec<f32>> {
        if !b.len().is_multiple_of(4) {
            return None;
        }
        #[cfg(target_endian = "little")]
        {
            // One copy when the bytes happen to be aligned (allocations are), else a loop.
            match bytemuck::try_cast_slice::<u8, f32>(b) {
                Ok(floats) => Some(floats.to_vec()),
                Err(_) => Some(
                    b.chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect(),
                ),
            }
        }
        #[cfg(not(target_endian = "little"))]
        {
            Some(
                b.chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        }
    }

    struct Floats;

    impl<'de> serde::de::Visitor<'de> for Floats {
        type Value = Vec<f32>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a byte string of little-endian f32")
        }

        fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Vec<f32>, E> {
            from_le_bytes(b).ok_or_else(|| {
                E::custom(format!(
                    "float data is {} bytes, not a multiple of 4",
                    b.len()
                ))
            })
        }

        fn visit_byte_buf<E: serde::de::Error>(self, b: Vec<u8>) -> Result<Vec<f32>, E> {
            self.visit_bytes(&b)
        }
    }

    /// Reads the floats; a length that is not a multiple of 4 is an error.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
        d.deserialize_byte_buf(Floats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_travel_as_12_bytes_per_position() {
        let feed = StreamFeed {
            stream_id: 1,
            data: StreamData::Float(vec![1.0; 300]),
        };
        let mut out = Vec::new();
        ciborium::into_writer(&feed, &mut out).unwrap();
        assert!(
            out.len() < 1200 + 64,
            "{} bytes for 100 positions",
            out.len()
        );
        let back: StreamFeed = ciborium::from_reader(&out[..]).unwrap();
        assert_eq!(back, feed);
    }

    #[test]
    fn ragged_float_bytes_are_refused() {
        let v = ciborium::Value::Map(vec![
            ("type".into(), "float".into()),
            ("values".into(), ciborium::Value::Bytes(vec![0; 7])),
        ]);
        assert!(v.deserialized::<StreamData>().is_err());
    }
}

#[cfg(test)]
mod big_frames {
    use super::*;
    use crate::api::link::ToSession;
    use crate::wire::{self, Envelope};

    #[test]
    fn a_megabyte_frame_survives_the_envelope_codec() {
        let v: Vec<f32> = (0..300_000).map(|i| i as f32 * 0.5).collect();
        let env = Envelope::with_id(
            7,
            ToSession::StreamFeed(StreamFeed {
                stream_id: 3,
                data: StreamData::Float(v.clone()),
            }),
        );
        let bytes = wire::encode(&env);
        let back = wire::decode::<ToSession>(&bytes, 8 << 20).unwrap();
        assert_eq!(back.id, 7);
        let ToSession::StreamFeed(f) = back.msg else {
            panic!("kind")
        };
        assert_eq!(f.data, StreamData::Float(v));
    }
}
