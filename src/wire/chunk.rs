//! Chunked transfer of envelopes larger than one message may be.
//!
//! A sender splits an encoded envelope into `chunk` messages `{transfer, seq, count, data}`,
//! sent in order on the same path; the receiver reassembles them and decodes the original
//! envelope. Session and instance chunk end to end; the host relays chunks like any other
//! message, so neither the broker's `max_payload` nor the stdio frame limit caps a workspace.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Envelope, Message};

/// Largest envelope reassembled from chunks (bytes).
pub const MAX_TRANSFER: usize = 512 * 1024 * 1024;
/// Most transfers in progress at once per receiver.
pub const MAX_OPEN: usize = 8;
/// Room left in each message for the chunk's own envelope.
pub const OVERHEAD: usize = 128;

/// One part of a chunked envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Transfer id, chosen by the sender.
    pub transfer: u64,
    /// Part number, from 0.
    pub seq: u32,
    /// Number of parts.
    pub count: u32,
    /// The part's bytes.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// Splits `bytes` into chunks whose messages stay within `max_message` bytes.
pub fn split(bytes: &[u8], max_message: usize) -> Vec<Chunk> {
    let part = max_message.saturating_sub(OVERHEAD).max(1024);
    let transfer: u64 = rand::random();
    let count = bytes.len().div_ceil(part) as u32;
    bytes
        .chunks(part)
        .enumerate()
        .map(|(seq, data)| Chunk {
            transfer,
            seq: seq as u32,
            count,
            data: data.to_vec(),
        })
        .collect()
}

/// Encodes `env` as the messages to send: itself if it fits in `max_message` bytes,
/// otherwise its parts, each wrapped into a `chunk` message by `wrap`.
pub fn encode_parts<M: Message>(
    env: &Envelope<M>,
    max_message: usize,
    wrap: impl Fn(Chunk) -> M,
) -> Vec<Vec<u8>> {
    let bytes = super::encode(env);
    if bytes.len() <= max_message {
        return vec![bytes];
    }
    split(&bytes, max_message)
        .into_iter()
        .map(|part| super::encode(&Envelope::event(wrap(part))))
        .collect()
}

/// Why a chunk was refused; the transfer it belonged to is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// A part arrived out of order or the count changed.
    #[error("chunk {seq} of transfer {transfer} is out of order or inconsistent")]
    OutOfOrder {
        /// Transfer id.
        transfer: u64,
        /// The part received.
        seq: u32,
    },
    /// The transfer exceeds the size limit.
    #[error("chunked transfer {transfer} exceeds {MAX_TRANSFER} bytes")]
    TooLarge {
        /// Transfer id.
        transfer: u64,
    },
    /// Too many transfers are open.
    #[error("more than {MAX_OPEN} chunked transfers in progress")]
    TooMany,
}

crate::error::error_kind!(ChunkError => ChunkErrorKind {
    /// A part arrived out of order or the count changed.
    OutOfOrder,
    /// The transfer exceeds the size limit.
    TooLarge,
    /// Too many transfers are open.
    TooMany,
});

#[derive(Debug)]
struct Partial {
    count: u32,
    next: u32,
    buf: Vec<u8>,
}

/// Reassembles chunked envelopes (sans-IO; bounded in size and number).
#[derive(Debug, Default)]
pub struct Reassembler {
    open: HashMap<u64, Partial>,
}

impl Reassembler {
    /// Takes one chunk; returns the whole envelope, decoded, when its last part arrives.
    pub fn accept<M: Message>(&mut self, part: Chunk) -> Result<Option<Envelope<M>>, String> {
        match self.push(part).map_err(|e| e.to_string())? {
            Some(bytes) => super::decode(&bytes, MAX_TRANSFER)
                .map(Some)
                .map_err(|e| format!("bad chunked message: {e}")),
            None => Ok(None),
        }
    }

    /// Takes one chunk; returns the whole envelope's bytes when its last part arrives.
    pub fn push(&mut self, c: Chunk) -> Result<Option<Vec<u8>>, ChunkError> {
        let Chunk {
            transfer,
            seq,
            count,
            data,
        } = c;
        if !self.open.contains_key(&transfer) {
            if seq != 0 || count == 0 {
                return Err(ChunkError::OutOfOrder { transfer, seq });
            }
            if self.open.len() >= MAX_OPEN {
                return Err(ChunkError::TooMany);
            }
            if count as usize > MAX_TRANSFER / 1024 + 1 {
                return Err(ChunkError::TooLarge { transfer });
            }
            self.open.insert(
                transfer,
                Partial {
                    count,
                    next: 0,
                    buf: Vec::new(),
                },
            );
        }
        let p = self.open.get_mut(&transfer).expect("inserted above");
        if seq != p.next || count != p.count {
            self.open.remove(&transfer);
            return Err(ChunkError::OutOfOrder { transfer, seq });
        }
        if p.buf.len() + data.len() > MAX_TRANSFER {
            self.open.remove(&transfer);
            return Err(ChunkError::TooLarge { transfer });
        }
        p.buf.extend_from_slice(&data);
        p.next += 1;
        if p.next == p.count {
            return Ok(self.open.remove(&transfer).map(|p| p.buf));
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_reassemble() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let parts = split(&bytes, 2048);
        assert!(parts.len() > 4 && parts.iter().all(|p| p.data.len() <= 2048 - OVERHEAD));
        let mut r = Reassembler::default();
        let mut out = None;
        for p in parts {
            out = r.push(p).unwrap();
        }
        assert_eq!(out.unwrap(), bytes);
        assert!(r.open.is_empty());
    }

    #[test]
    fn out_of_order_parts_drop_the_transfer() {
        let bytes = vec![7u8; 5000];
        let mut parts = split(&bytes, 2048);
        parts.swap(1, 2);
        let mut r = Reassembler::default();
        r.push(parts[0].clone()).unwrap();
        assert!(matches!(
            r.push(parts[1].clone()),
            Err(ChunkError::OutOfOrder { .. })
        ));
        assert!(r.open.is_empty(), "the transfer is dropped");
    }

    #[test]
    fn bounded_in_number_and_size() {
        let mut r = Reassembler::default();
        for t in 0..MAX_OPEN as u64 {
            r.push(Chunk {
                transfer: t,
                seq: 0,
                count: 2,
                data: vec![1],
            })
            .unwrap();
        }
        assert_eq!(
            r.push(Chunk {
                transfer: 99,
                seq: 0,
                count: 2,
                data: vec![1]
            }),
            Err(ChunkError::TooMany)
        );
        assert!(matches!(
            r.push(Chunk {
                transfer: 100,
                seq: 1,
                count: 2,
                data: vec![]
            }),
            Err(ChunkError::OutOfOrder { .. })
        ));
        let mut r = Reassembler::default();
        assert!(matches!(
            r.push(Chunk {
                transfer: 1,
                seq: 0,
                count: u32::MAX,
                data: vec![]
            }),
            Err(ChunkError::TooLarge { .. })
        ));
    }
}
