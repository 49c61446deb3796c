//! nanome-lib's binary serialization, the part every command and message shares: little-
//! endian primitives, length-prefixed strings and arrays, the `request id | name hash |
//! body` frame of a type 3/4 payload, and the `connect` exchange with its version tables.
//!
//! Reading is total and bounded: every length is checked against the bytes left before
//! anything is allocated, and a short or malformed payload is an error naming the offset
//! (nanome-lib's own reader dies on a payload shorter than 8 bytes).

use super::hash::name_hash;
use thiserror::Error;

/// Longest string read (bytes).
pub const MAX_STRING: usize = 16 << 20;

/// Most entries in a version table (nanome-lib has 137).
pub const MAX_TABLE: usize = 1024;

/// Why a payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SerialError {
    /// The payload ends before a value it announces.
    #[error("the payload ends at byte {at}, inside {what}")]
    Truncated {
        /// Offset of the value.
        at: usize,
        /// What was being read.
        what: &'static str,
    },
    /// A value is out of range.
    #[error("byte {at}: {what}")]
    Invalid {
        /// Offset of the value.
        at: usize,
        /// What is wrong.
        what: String,
    },
}

/// What kind of [`SerialError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SerialErrorKind {
    /// Too few bytes.
    Truncated,
    /// A value out of range.
    Invalid,
}

impl SerialError {
    /// What kind of error it is.
    pub fn kind(&self) -> SerialErrorKind {
        match self {
            SerialError::Truncated { .. } => SerialErrorKind::Truncated,
            SerialError::Invalid { .. } => SerialErrorKind::Invalid,
        }
    }
}

/// Reads primitives from a payload, front to back.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, at: 0 }
    }

    /// The offset of the next byte.
    pub fn offset(&self) -> usize {
        self.at
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// The bytes not yet read, consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        let rest = &self.bytes[self.at..];
        self.at = self.bytes.len();
        rest
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SerialError> {
        if n > self.remaining() {
            return Err(SerialError::Truncated { at: self.at, what });
        }
        let b = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(b)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], SerialError> {
        let b = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    /// A byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, SerialError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A bool (one byte; anything but 0 is true, as Python's `struct` reads it).
    pub fn bool(&mut self, what: &'static str) -> Result<bool, SerialError> {
        Ok(self.u8(what)? != 0)
    }

    /// A u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, SerialError> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// An i32.
    pub fn i32(&mut self, what: &'static str) -> Result<i32, SerialError> {
        self.array(what).map(i32::from_le_bytes)
    }

    /// An i64.
    pub fn i64(&mut self, what: &'static str) -> Result<i64, SerialError> {
        self.array(what).map(i64::from_le_bytes)
    }

    /// An f32.
    pub fn f32(&mut self, what: &'static str) -> Result<f32, SerialError> {
        self.array(what).map(f32::from_le_bytes)
    }

    /// A string: u32 byte length, then UTF-8.
    pub fn string(&mut self, what: &'static str) -> Result<String, SerialError> {
        let at = self.at;
        let n = self.u32(what)? as usize;
        if n > MAX_STRING {
            return Err(SerialError::Invalid {
                at,
                what: format!("{what} is {n} bytes long; at most {MAX_STRING} are read"),
            });
        }
        let b = self.take(n, what)?;
        String::from_utf8(b.to_vec()).map_err(|_| SerialError::Invalid {
            at: at + 4,
            what: format!("{what} is not UTF-8"),
        })
    }

    /// Three f32s (a vector).
    pub fn vec3(&mut self, what: &'static str) -> Result<[f32; 3], SerialError> {
        Ok([self.f32(what)?, self.f32(what)?, self.f32(what)?])
    }

    /// An error about the value just read.
    pub fn invalid(&self, what: String) -> SerialError {
        SerialError::Invalid { at: self.at, what }
    }

    /// A byte array: a u32 length, then the bytes (bounded by what is left).
    pub fn byte_array(&mut self, what: &'static str) -> Result<&'a [u8], SerialError> {
        let n = self.u32(what)? as usize;
        self.take(n, what)
    }

    /// An array's count as [`Reader::count`], and at most `max` entries.
    pub fn count_at_most(
        &mut self,
        min_size: usize,
        max: usize,
        what: &'static str,
    ) -> Result<usize, SerialError> {
        let n = self.count(min_size, what)?;
        if n > max {
            return Err(self.invalid(format!("{what}: {n} entries; at most {max} are taken")));
        }
        Ok(n)
    }

    /// An array's count, checked against what is left: each element takes at least
    /// `min_size` bytes, so no count can make the caller reserve more than the payload
    /// holds.
    pub fn count(&mut self, min_size: usize, what: &'static str) -> Result<usize, SerialError> {
        let at = self.at;
        let n = self.u32(what)? as usize;
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            return Err(SerialError::Invalid {
                at,
                what: format!(
                    "{what} claims {n} entries, more than the {} bytes left can hold",
                    self.remaining()
                ),
            });
        }
        Ok(n)
    }
}

/// Writes primitives, as nanome-lib's serializer does.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    /// The bytes written.
    pub bytes: Vec<u8>,
}

impl Writer {
    /// A byte.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.bytes.push(v);
        self
    }

    /// A bool.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    /// A u32.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An i32.
    pub fn i32(&mut self, v: i32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An i64.
    pub fn i64(&mut self, v: i64) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// An f32.
    pub fn f32(&mut self, v: f32) -> &mut Self {
        self.bytes.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// A byte array: a u32 length, then the bytes.
    pub fn byte_array(&mut self, b: &[u8]) -> &mut Self {
        self.u32(u32::try_from(b.len()).unwrap_or(u32::MAX));
        self.bytes.extend_from_slice(b);
        self
    }

    /// A string (saturated at `u32::MAX` bytes, far beyond anything sent).
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.u32(u32::try_from(s.len()).unwrap_or(u32::MAX));
        self.bytes.extend_from_slice(s.as_bytes());
        self
    }
}

/// A type 3/4 payload: `u32 request id | u32 name hash | body`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Request id (a reply carries its request's).
    pub request_id: u32,
    /// The command's or message's name hash ([`name_hash`]).
    pub hash: u32,
    /// The rest.
    pub body: &'a [u8],
}

impl<'a> Frame<'a> {
    /// Reads a payload's frame.
    pub fn parse(payload: &'a [u8]) -> Result<Frame<'a>, SerialError> {
        let mut r = Reader::new(payload);
        let request_id = r.u32("the request id")?;
        let hash = r.u32("the name hash")?;
        Ok(Frame {
            request_id,
            hash,
            body: r.rest(),
        })
    }

    /// Whether this is the command or message named `name`.
    pub fn is(&self, name: &str) -> bool {
        self.hash == name_hash(name)
    }

    /// The payload: frame then body.
    pub fn encode(request_id: u32, name: &str, body: &[u8]) -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(request_id).u32(name_hash(name));
        w.bytes.extend_from_slice(body);
        w.bytes
    }
}

/// Serializer versions by name, in the order sent.
pub type VersionTable = Vec<(String, u8)>;

/// The version `table` gives serializer `name`; 0 when it has none, as nanome-lib reads it.
pub fn version_of(table: &VersionTable, name: &str) -> u8 {
    table.iter().find(|(n, _)| n == name).map_or(0, |(_, v)| *v)
}

fn read_table(r: &mut Reader<'_>) -> Result<VersionTable, SerialError> {
    let at = r.at;
    let n = r.count(5, "the version table")?;
    if n > MAX_TABLE {
        return Err(SerialError::Invalid {
            at,
            what: format!("the version table has {n} entries; at most {MAX_TABLE} are read"),
        });
    }
    (0..n)
        .map(|_| {
            Ok((
                r.string("a serializer name")?,
                r.u8("a serializer version")?,
            ))
        })
        .collect()
}

fn write_table(w: &mut Writer, table: &VersionTable) {
    w.u32(table.len() as u32);
    for (name, version) in table {
        w.string(name).u8(*version);
    }
}

/// Nanome's `connect` command to a new session (N → P): the serializer versions it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectCommand {
    /// Request id (nanome uses 0).
    pub request_id: u32,
    /// Nanome's versions.
    pub versions: VersionTable,
}

impl ConnectCommand {
    /// Reads a `connect` command's payload.
    pub fn parse(payload: &[u8]) -> Result<ConnectCommand, SerialError> {
        let f = Frame::parse(payload)?;
        expect(&f, "connect")?;
        let mut r = Reader::new(f.body);
        let versions = read_table(&mut r)?;
        Ok(ConnectCommand {
            request_id: f.request_id,
            versions,
        })
    }

    /// The payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        write_table(&mut w, &self.versions);
        Frame::encode(self.request_id, "connect", &w.bytes)
    }
}

/// A session's `connect` reply (P → N): compression (0: none) and the plugin's versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectReply {
    /// Request id (0 from nanome-lib, random from its beta SDK).
    pub request_id: u32,
    /// Compression of later payloads; nanome-lib sends 0 (none).
    pub compression: u8,
    /// The plugin's versions (its own table, or the negotiated one from the beta SDK).
    pub versions: VersionTable,
}

impl ConnectReply {
    /// Reads a `connect` reply's payload.
    pub fn parse(payload: &[u8]) -> Result<ConnectReply, SerialError> {
        let f = Frame::parse(payload)?;
        expect(&f, "connect")?;
        let mut r = Reader::new(f.body);
        let compression = r.u8("the compression type")?;
        let versions = read_table(&mut r)?;
        Ok(ConnectReply {
            request_id: f.request_id,
            compression,
            versions,
        })
    }

    /// The payload.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::default();
        w.u8(self.compression);
        write_table(&mut w, &self.versions);
        Frame::encode(self.request_id, "connect", &w.bytes)
    }
}

fn expect(f: &Frame<'_>, name: &str) -> Result<(), SerialError> {
    if f.is(name) {
        Ok(())
    } else {
        Err(SerialError::Invalid {
            at: 4,
            what: format!("name hash {:#010x} is not {name:?}", f.hash),
        })
    }
}

/// The versions both sides use: the names both know, each at the lower of its two
/// versions (nanome-lib's `get_best_version_table`); a name missing here is used at 0.
pub fn negotiate(plugin: &VersionTable, nanome: &VersionTable) -> VersionTable {
    plugin
        .iter()
        .filter_map(|(name, v)| {
            let theirs = nanome.iter().find(|(n, _)| n == name)?.1;
            Some((name.clone(), (*v).min(theirs)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_lying_payloads_are_errors_not_crashes() {
        // Four bytes: what killed nanome-lib's host (scenario E).
        let e = Frame::parse(&[0, 0, 0, 0]).unwrap_err();
        assert_eq!(e.kind(), SerialErrorKind::Truncated);
        assert!(e.to_string().contains("name hash"), "{e}");
        // A table that claims four billion entries in a few bytes.
        let mut lying = Frame::encode(0, "connect", &[]);
        lying.extend_from_slice(&u32::MAX.to_le_bytes());
        let e = ConnectCommand::parse(&lying).unwrap_err();
        assert_eq!(e.kind(), SerialErrorKind::Invalid);
        // A string longer than what is left.
        let mut r = Reader::new(&[9, 0, 0, 0, b'a']);
        assert_eq!(
            r.string("a name").unwrap_err().kind(),
            SerialErrorKind::Truncated
        );
        let mut r = Reader::new(&[2, 0, 0, 0, 0xff, 0xfe]);
        assert_eq!(
            r.string("a name").unwrap_err().kind(),
            SerialErrorKind::Invalid
        );
        // Another command where `connect` is expected.
        let run = Frame::encode(0, "run", &[]);
        assert!(ConnectCommand::parse(&run).is_err());
    }

    #[test]
    fn negotiation_keeps_common_names_at_the_lower_version() {
        let t = |v: &[(&str, u8)]| v.iter().map(|(n, v)| (n.to_string(), *v)).collect();
        let plugin: VersionTable = t(&[("Atom", 8), ("Complex", 3), ("Only", 1)]);
        let nanome: VersionTable = t(&[("Complex", 5), ("Atom", 5), ("ToClientProtocol", 1)]);
        assert_eq!(
            negotiate(&plugin, &nanome),
            t(&[("Atom", 5), ("Complex", 3)])
        );
    }
}
