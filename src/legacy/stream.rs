//! nanome-lib's streams (`StreamCreation` 0–2, `StreamCreationResult` 0–2, `StreamFeed`
//! 0–2, `StreamDestruction`, `StreamInterrupt`): creation by atom indices, frames of floats,
//! bytes or strings both ways, and interrupts. nts streams atoms and complexes; nanome-lib's
//! shape streams (positions, colours, sphere radii of shapes) are answered as unsupported,
//! as Nanome does for a stream it cannot make.

use super::serial::{Reader, SerialError, VersionTable, Writer, version_of};
use crate::api::stream::{
    StreamCreate, StreamData, StreamDataType, StreamDirection, StreamFeed, StreamInterrupt,
    StreamInterruptReason, StreamKind,
};

/// nanome-lib's `StreamCreationError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum CreationError {
    /// Made.
    None = 0,
    /// An atom named is not in the workspace.
    AtomNotFound = 1,
    /// A kind of stream this side does not make.
    Unsupported = 2,
}

/// The versions of the stream serializers a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    create: u8,
    result: u8,
    feed: u8,
}

impl Versions {
    /// The versions in a negotiated table (0 for a name missing, as nanome-lib does).
    pub fn of(table: &VersionTable) -> Versions {
        let v = |name: &str| version_of(table, name);
        Versions {
            create: v("StreamCreation"),
            result: v("StreamCreationResult"),
            feed: v("StreamFeed"),
        }
    }
}

/// What a `stream_create` asked: a stream nts makes, or a kind it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Create {
    /// A stream nts makes.
    Stream(StreamCreate),
    /// One of nanome-lib's shape streams.
    Unsupported(&'static str),
}

/// `stream_create`: kind (v1+), direction (v2+), then the indices.
pub fn read_create(r: &mut Reader<'_>, v: Versions) -> Result<Create, SerialError> {
    let kind = if v.create > 0 {
        r.u8("the stream's kind")?
    } else {
        0
    };
    let direction = match v.create >= 2 {
        true => match r.u8("the stream's direction")? {
            0 => StreamDirection::Writing,
            _ => StreamDirection::Reading,
        },
        false => StreamDirection::Writing,
    };
    let kind = match kind {
        0 => StreamKind::Position,
        1 => StreamKind::Color,
        2 => StreamKind::Scale,
        3 => StreamKind::Label,
        4 => StreamKind::ComplexPositionRotation,
        5 => return Ok(Create::Unsupported("stream_create of shape positions")),
        6 => return Ok(Create::Unsupported("stream_create of shape colours")),
        7 => return Ok(Create::Unsupported("stream_create of sphere radii")),
        n => {
            return Err(SerialError::Invalid {
                at: 0,
                what: format!("stream kind {n} is none nanome-lib has"),
            });
        }
    };
    let n = r.count(8, "the stream's indices")?;
    let indices = (0..n)
        .map(|_| r.i64("an index"))
        .collect::<Result<_, _>>()?;
    Ok(Create::Stream(StreamCreate {
        kind,
        direction,
        indices,
    }))
}

fn data_type_byte(t: StreamDataType) -> u8 {
    match t {
        StreamDataType::Float => 0,
        StreamDataType::Byte => 1,
        StreamDataType::String => 2,
    }
}

/// `stream_create_done`: error, id, data type (v1+), direction (v2+).
pub fn write_created(
    v: Versions,
    error: CreationError,
    id: u32,
    data_type: StreamDataType,
    direction: StreamDirection,
) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(error as u8).u32(id);
    if v.result > 0 {
        w.u8(data_type_byte(data_type));
    }
    if v.result >= 2 {
        w.u8(match direction {
            StreamDirection::Writing => 0,
            StreamDirection::Reading => 1,
        });
    }
    w.bytes
}

/// `stream_feed` from the plugin: id, data type (v1+), the values.
pub fn read_feed(r: &mut Reader<'_>, v: Versions) -> Result<StreamFeed, SerialError> {
    let stream_id = r.u32("the stream's id")?;
    let t = if v.feed > 0 {
        r.u8("the data's type")?
    } else {
        0
    };
    let data = match t {
        0 => {
            let n = r.count(4, "the frame's floats")?;
            StreamData::Float((0..n).map(|_| r.f32("a value")).collect::<Result<_, _>>()?)
        }
        1 => {
            let n = r.count(1, "the frame's bytes")?;
            StreamData::Byte(r.take(n, "the frame's bytes")?.to_vec())
        }
        2 => {
            let n = r.count(4, "the frame's strings")?;
            StreamData::String(
                (0..n)
                    .map(|_| r.string("a label"))
                    .collect::<Result<_, _>>()?,
            )
        }
        n => {
            return Err(SerialError::Invalid {
                at: 4,
                what: format!("stream data type {n} is none nanome-lib has"),
            });
        }
    };
    Ok(StreamFeed { stream_id, data })
}

/// `stream_feed` to the plugin (a reading stream's frame).
pub fn write_feed(v: Versions, feed: &StreamFeed) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(feed.stream_id);
    if v.feed > 0 {
        w.u8(data_type_byte(feed.data.data_type()));
    }
    match &feed.data {
        StreamData::Float(f) => {
            w.u32(f.len() as u32);
            for x in f {
                w.f32(*x);
            }
        }
        StreamData::Byte(b) => {
            w.u32(b.len() as u32);
            w.bytes.extend_from_slice(b);
        }
        StreamData::String(s) => {
            w.u32(s.len() as u32);
            for x in s {
                w.string(x);
            }
        }
    }
    w.bytes
}

/// `stream_interrupt`: the reason, then the stream.
pub fn write_interrupt(i: &StreamInterrupt) -> Vec<u8> {
    let mut w = Writer::default();
    w.u8(match i.reason {
        StreamInterruptReason::StreamNotFound => 0,
        StreamInterruptReason::Crashed => 1,
    })
    .u32(i.stream_id);
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATEST: Versions = Versions {
        create: 2,
        result: 2,
        feed: 2,
    };

    #[test]
    fn a_position_stream_is_made_fed_and_interrupted() {
        let mut w = Writer::default();
        w.u8(0).u8(0).u32(2).i64(5).i64(6);
        let made = read_create(&mut Reader::new(&w.bytes), LATEST).unwrap();
        assert_eq!(
            made,
            Create::Stream(StreamCreate {
                kind: StreamKind::Position,
                direction: StreamDirection::Writing,
                indices: vec![5, 6],
            })
        );
        let mut w = Writer::default();
        w.u8(5).u8(0).u32(0);
        assert!(matches!(
            read_create(&mut Reader::new(&w.bytes), LATEST).unwrap(),
            Create::Unsupported(_)
        ));
        assert_eq!(
            write_created(
                LATEST,
                CreationError::None,
                9,
                StreamDataType::Float,
                StreamDirection::Writing
            ),
            [0, 9, 0, 0, 0, 0, 0]
        );
        let feed = StreamFeed {
            stream_id: 9,
            data: StreamData::Float(vec![1.0, 2.0, 3.0]),
        };
        let bytes = write_feed(LATEST, &feed);
        assert_eq!(read_feed(&mut Reader::new(&bytes), LATEST).unwrap(), feed);
        for cut in 0..bytes.len() {
            assert!(read_feed(&mut Reader::new(&bytes[..cut]), LATEST).is_err());
        }
        let i = StreamInterrupt {
            stream_id: 9,
            reason: StreamInterruptReason::Crashed,
        };
        assert_eq!(write_interrupt(&i), [1, 9, 0, 0, 0]);
    }
}
