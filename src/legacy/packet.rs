//! nanome-lib's packets: a 15-byte little-endian header (`<HIBIi`: version, session id,
//! type, plugin id, payload length) and the payload, back to back on a TLS stream.
//!
//! [`Decoder`] is sans-IO: bytes in, whole packets out. Unlike nanome-lib's own reader it
//! bounds a payload before buffering it ([`MAX_PAYLOAD`], or the caller's limit) and refuses a
//! negative length or an unknown type with an error that names it; the caller then closes
//! that one connection.

use thiserror::Error;

/// Bytes in a header.
pub const HEADER: usize = 15;

/// Default largest payload accepted (a deep complex of a few million atoms fits).
pub const MAX_PAYLOAD: usize = 256 << 20;

/// What a packet is (`packet.py`'s types 0–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacketType {
    /// The plugin list (between the NTS and Nanome; unused by plugins).
    PluginList = 0,
    /// Registration (plugin → NTS, JSON) and its acknowledgement (the id in the header).
    PluginConnection = 1,
    /// A Nanome client joined (unused by plugins).
    ClientConnection = 2,
    /// A command for one session of the plugin (NTS → plugin).
    MessageToPlugin = 3,
    /// A message from one session of the plugin (plugin → NTS).
    MessageToClient = 4,
    /// Refusal or kick (NTS → plugin); a session's process ended (plugin → NTS).
    PluginDisconnection = 5,
    /// A session is gone (NTS → plugin).
    ClientDisconnection = 6,
    /// The presenter changed (ignored by nanome-lib; it hears `presenter_change` instead).
    MasterChange = 7,
    /// Keep-alive, both ways.
    KeepAlive = 8,
    /// The NTS asks for the plugin's logs (payload: a decimal id).
    LogsRequest = 9,
    /// A log record (GELF JSON), plugin → NTS.
    LiveLogs = 10,
}

impl PacketType {
    /// Every type, by number.
    const ALL: [PacketType; 11] = [
        PacketType::PluginList,
        PacketType::PluginConnection,
        PacketType::ClientConnection,
        PacketType::MessageToPlugin,
        PacketType::MessageToClient,
        PacketType::PluginDisconnection,
        PacketType::ClientDisconnection,
        PacketType::MasterChange,
        PacketType::KeepAlive,
        PacketType::LogsRequest,
        PacketType::LiveLogs,
    ];

    /// The type numbered `n`, if there is one.
    pub fn from_byte(n: u8) -> Option<PacketType> {
        Self::ALL.get(n as usize).copied()
    }
}

/// A packet's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Protocol version: always 0 (nanome-lib never checks it).
    pub version: u16,
    /// The session (room) a packet is about; 0 for the plugin's own. nanome-lib's
    /// keep-alive carries its plugin id here instead.
    pub session_id: u32,
    /// What the packet is.
    pub kind: PacketType,
    /// The plugin's id (0: none yet).
    pub plugin_id: u32,
}

/// One packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// Its header (the length is the payload's).
    pub header: Header,
    /// Its payload.
    pub payload: Vec<u8>,
}

impl Packet {
    /// A packet of `kind` with no session, no plugin id and no payload.
    pub fn new(kind: PacketType) -> Packet {
        Packet {
            header: Header {
                version: 0,
                session_id: 0,
                kind,
                plugin_id: 0,
            },
            payload: Vec::new(),
        }
    }

    /// The packet's bytes: header, then payload.
    ///
    /// A payload over `i32::MAX` bytes cannot be framed; the decoder's bound is far below
    /// it, and this writes the length saturated rather than wrapped.
    pub fn encode(&self) -> Vec<u8> {
        let h = &self.header;
        let len = i32::try_from(self.payload.len()).unwrap_or(i32::MAX);
        let mut out = Vec::with_capacity(HEADER + self.payload.len());
        out.extend_from_slice(&h.version.to_le_bytes());
        out.extend_from_slice(&h.session_id.to_le_bytes());
        out.push(h.kind as u8);
        out.extend_from_slice(&h.plugin_id.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&self.payload);
        out
    }
}

/// Why a stream of packets cannot be read on: the connection is closed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PacketError {
    /// The header names a type nanome-lib does not have.
    #[error("packet type {0} is not one of nanome-lib's (0–10)")]
    UnknownType(u8),
    /// The header's length is negative.
    #[error("a packet claims a negative payload length ({0})")]
    NegativeLength(i32),
    /// The payload would be larger than this connection accepts.
    #[error("a packet of {size} bytes is larger than the {max} bytes accepted")]
    TooLarge {
        /// Claimed payload size.
        size: usize,
        /// The bound.
        max: usize,
    },
}

/// What kind of [`PacketError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketErrorKind {
    /// Not a packet of this protocol.
    Malformed,
    /// A bound was exceeded.
    TooLarge,
}

impl PacketError {
    /// What kind of error it is.
    pub fn kind(&self) -> PacketErrorKind {
        match self {
            PacketError::UnknownType(_) | PacketError::NegativeLength(_) => {
                PacketErrorKind::Malformed
            }
            PacketError::TooLarge { .. } => PacketErrorKind::TooLarge,
        }
    }
}

/// Reads packets from a byte stream: [`Decoder::feed`] what arrived, then take packets
/// with [`Decoder::next_packet`] until it has none.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    at: usize,
    max: usize,
    failed: Option<PacketError>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(MAX_PAYLOAD)
    }
}

impl Decoder {
    /// A decoder accepting payloads of at most `max` bytes.
    pub fn new(max: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            at: 0,
            max,
            failed: None,
        }
    }

    /// Takes bytes that arrived.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.at > 0 && self.at == self.buf.len() {
            self.buf.clear();
            self.at = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that are not yet a whole packet.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.at
    }

    /// The next whole packet, `Ok(None)` if more bytes are needed. After an error every
    /// call returns it again: the stream cannot be resynchronised.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, PacketError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let rest = &self.buf[self.at..];
        let Some(h) = rest.get(..HEADER) else {
            return Ok(None);
        };
        let le32 = |at: usize| [h[at], h[at + 1], h[at + 2], h[at + 3]];
        let header = match PacketType::from_byte(h[6]) {
            Some(kind) => Header {
                version: u16::from_le_bytes([h[0], h[1]]),
                session_id: u32::from_le_bytes(le32(2)),
                kind,
                plugin_id: u32::from_le_bytes(le32(7)),
            },
            None => return Err(self.fail(PacketError::UnknownType(h[6]))),
        };
        let len = i32::from_le_bytes(le32(11));
        let size = match usize::try_from(len) {
            Ok(size) if size <= self.max => size,
            Ok(size) => {
                let max = self.max;
                return Err(self.fail(PacketError::TooLarge { size, max }));
            }
            Err(_) => return Err(self.fail(PacketError::NegativeLength(len))),
        };
        // Memory follows the bytes that came, never the length a header claims.
        let Some(payload) = rest.get(HEADER..HEADER + size) else {
            return Ok(None);
        };
        let packet = Packet {
            header,
            payload: payload.to_vec(),
        };
        self.at += HEADER + size;
        // Keep the buffer from growing with everything ever read.
        if self.at >= 1 << 20 && self.at * 2 >= self.buf.len() {
            self.buf.drain(..self.at);
            self.at = 0;
        }
        Ok(Some(packet))
    }

    fn fail(&mut self, e: PacketError) -> PacketError {
        self.buf = Vec::new();
        self.at = 0;
        self.failed = Some(e.clone());
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(kind: u8, len: i32) -> Vec<u8> {
        let mut h = vec![0, 0, 42, 0, 0, 0, kind, 7, 0, 0, 0];
        h.extend_from_slice(&len.to_le_bytes());
        h
    }

    #[test]
    fn packets_round_trip_and_arrive_in_any_pieces() {
        let mut p = Packet::new(PacketType::MessageToClient);
        p.header.session_id = 42;
        p.header.plugin_id = 7;
        p.payload = b"hello".to_vec();
        let mut stream = p.encode();
        stream.extend(Packet::new(PacketType::KeepAlive).encode());
        for piece in [1, 2, 7, 15, 16, stream.len()] {
            let mut d = Decoder::default();
            let mut got = Vec::new();
            for bytes in stream.chunks(piece) {
                d.feed(bytes);
                while let Some(p) = d.next_packet().unwrap() {
                    got.push(p);
                }
            }
            assert_eq!(got, [p.clone(), Packet::new(PacketType::KeepAlive)]);
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn bad_headers_are_refused_before_anything_is_buffered() {
        let mut d = Decoder::new(1024);
        d.feed(&header(3, 1025));
        let e = d.next_packet().unwrap_err();
        assert_eq!(e.kind(), PacketErrorKind::TooLarge);
        assert_eq!(d.buffered(), 0, "nothing kept");
        assert_eq!(d.next_packet().unwrap_err(), e, "the stream stays refused");
        let mut d = Decoder::default();
        d.feed(&header(3, -1));
        assert_eq!(
            d.next_packet().unwrap_err(),
            PacketError::NegativeLength(-1)
        );
        let mut d = Decoder::default();
        d.feed(&header(11, 0));
        let e = d.next_packet().unwrap_err();
        assert_eq!(
            (e.kind(), e.to_string().contains("11")),
            (PacketErrorKind::Malformed, true)
        );
    }

    #[test]
    fn a_large_claim_is_not_allocated_until_its_bytes_come() {
        let mut d = Decoder::default();
        d.feed(&header(3, (MAX_PAYLOAD) as i32));
        assert_eq!(d.next_packet().unwrap(), None);
        assert_eq!(d.buffered(), HEADER);
        assert!(d.buf.capacity() < 1 << 20, "{}", d.buf.capacity());
    }
}
