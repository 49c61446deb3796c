//! Chunked transfer of envelopes larger than one message may be.
//!
//! A sender splits an encoded envelope into `chunk` messages `{transfer, seq, count, data}`,
//! sent in order on the same path; the receiver reassembles them and decodes the original
//! envelope. Session and instance chunk end to end; the host relays chunks like any other
//! message, so neither the broker's `max_payload` nor the stdio frame limit caps a workspace.

use std::collections::HashMap;
use std::time::Instant;

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
    let part = part_size(max_message);
    let transfer: u64 = rand::random();
    let count = bytes.len().div_ceil(part) as u32;
    (0..count)
        .map(|seq| chunk_at(bytes, part, seq, count, transfer))
        .collect()
}

/// Part `seq` of `count` of `bytes` cut into parts of `part` bytes.
fn chunk_at(bytes: &[u8], part: usize, seq: u32, count: u32, transfer: u64) -> Chunk {
    let start = seq as usize * part;
    Chunk {
        transfer,
        seq,
        count,
        data: bytes[start..(start + part).min(bytes.len())].to_vec(),
    }
}

/// The data carried by each chunk of messages of at most `max_message` bytes.
fn part_size(max_message: usize) -> usize {
    max_message.saturating_sub(OVERHEAD).max(1024)
}

/// An encoded envelope as the messages that carry it: itself, or its chunks, made one at
/// a time as they are taken (a 17 MB structure is not held three times over: whole, as
/// chunks and as their messages).
pub fn parts<M: Message, W: Fn(Chunk) -> M>(
    bytes: Vec<u8>,
    max_message: usize,
    wrap: W,
) -> Parts<W> {
    let whole = bytes.len() <= max_message;
    let part = part_size(max_message);
    Parts {
        count: if whole {
            1
        } else {
            bytes.len().div_ceil(part) as u32
        },
        bytes: Some(bytes),
        whole,
        part,
        seq: 0,
        transfer: rand::random(),
        wrap,
    }
}

/// The messages of [`parts`].
pub struct Parts<W> {
    bytes: Option<Vec<u8>>,
    whole: bool,
    part: usize,
    seq: u32,
    count: u32,
    transfer: u64,
    wrap: W,
}

impl<M: Message, W: Fn(Chunk) -> M> Iterator for Parts<W> {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        if self.whole {
            return self.bytes.take();
        }
        let bytes = self.bytes.as_ref()?;
        if self.seq >= self.count {
            self.bytes = None;
            return None;
        }
        let chunk = chunk_at(bytes, self.part, self.seq, self.count, self.transfer);
        self.seq += 1;
        if self.seq == self.count {
            self.bytes = None; // freed with the last part made
        }
        Some(super::encode(&Envelope::event((self.wrap)(chunk))))
    }
}

/// Why a chunk was refused; the transfer it belonged to is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// A part does not continue its transfer.
    #[error("chunk {seq} of transfer {transfer} is out of order or inconsistent")]
    OutOfOrder {
        /// The transfer.
        transfer: u64,
        /// The part.
        seq: u32,
    },
    /// The transfer (or all open transfers together) would exceed the bound.
    #[error(
        "chunked transfer {transfer} exceeds {MAX_TRANSFER} bytes (alone or with the other transfers in progress)"
    )]
    TooLarge {
        /// The transfer.
        transfer: u64,
    },
    /// The transfer was dropped before this part came.
    #[error(
        "chunked transfer {transfer} was dropped: it made no progress for {} s, or {MAX_OPEN} newer transfers started; send it again",
        IDLE.as_secs()
    )]
    Dropped {
        /// The transfer.
        transfer: u64,
    },
}

crate::error::error_kind!(ChunkError => ChunkErrorKind {
    /// A part does not continue its transfer.
    OutOfOrder,
    /// The transfer would exceed the bound.
    TooLarge,
    /// The transfer was dropped before this part came.
    Dropped,
});

/// A transfer that makes no progress for this long is dropped (its memory freed).
pub const IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// How many dropped transfers are remembered, to say why their late parts are refused.
const REMEMBER_DROPPED: usize = 64;

#[derive(Debug)]
struct Partial {
    count: u32,
    next: u32,
    buf: Vec<u8>,
    /// When the last part arrived.
    last: Instant,
}

/// Reassembles chunked transfers, bounded: at most [`MAX_OPEN`] at once (a new one evicts
/// the one idle longest, so no sender can lock the others out), at most [`MAX_TRANSFER`]
/// bytes buffered over all of them, and none idle longer than [`IDLE`].
#[derive(Debug, Default)]
pub struct Reassembler {
    open: HashMap<u64, Partial>,
    /// Bytes held by the open transfers.
    buffered: usize,
    /// Recently dropped transfers (oldest first).
    dropped: std::collections::VecDeque<u64>,
}

impl Reassembler {
    /// Takes one part; returns the decoded envelope when it completes a transfer.
    pub fn accept<M: Message>(&mut self, part: Chunk) -> Result<Option<Envelope<M>>, String> {
        match self.push(part).map_err(|e| e.to_string())? {
            Some(bytes) => super::decode(&bytes, MAX_TRANSFER)
                .map(Some)
                .map_err(|e| format!("bad chunked message: {e}")),
            None => Ok(None),
        }
    }

    /// Takes one part now; returns the transfer's bytes when it is complete.
    pub fn push(&mut self, c: Chunk) -> Result<Option<Vec<u8>>, ChunkError> {
        self.push_at(c, Instant::now())
    }

    /// Takes one part at `now`; returns the transfer's bytes when it is complete.
    pub fn push_at(&mut self, c: Chunk, now: Instant) -> Result<Option<Vec<u8>>, ChunkError> {
        self.expire(now);
        let Chunk {
            transfer,
            seq,
            count,
            data,
        } = c;
        if !self.open.contains_key(&transfer) {
            if seq != 0 && self.dropped.contains(&transfer) {
                return Err(ChunkError::Dropped { transfer });
            }
            if seq != 0 || count == 0 {
                return Err(ChunkError::OutOfOrder { transfer, seq });
            }
            if count as usize > MAX_TRANSFER / 1024 + 1 {
                return Err(ChunkError::TooLarge { transfer });
            }
            if self.open.len() >= MAX_OPEN {
                let stalest = self
                    .open
                    .iter()
                    .min_by_key(|(_, p)| p.last)
                    .map(|(t, _)| *t)
                    .expect("open is full");
                self.drop_transfer(stalest);
            }
            self.open.insert(
                transfer,
                Partial {
                    count,
                    next: 0,
                    buf: Vec::new(),
                    last: now,
                },
            );
        }
        let p = self.open.get_mut(&transfer).expect("inserted above");
        if seq != p.next || count != p.count {
            self.drop_transfer(transfer);
            return Err(ChunkError::OutOfOrder { transfer, seq });
        }
        if p.buf.len() + data.len() > MAX_TRANSFER || self.buffered + data.len() > MAX_TRANSFER {
            self.drop_transfer(transfer);
            return Err(ChunkError::TooLarge { transfer });
        }
        p.buf.extend_from_slice(&data);
        p.next += 1;
        p.last = now;
        self.buffered += data.len();
        if p.next == p.count {
            let done = self.open.remove(&transfer).expect("open");
            self.buffered -= done.buf.len();
            return Ok(Some(done.buf));
        }
        Ok(None)
    }

    /// Drops the transfers idle for [`IDLE`] at `now`.
    pub fn expire(&mut self, now: Instant) {
        let idle: Vec<u64> = self
            .open
            .iter()
            .filter(|(_, p)| now.saturating_duration_since(p.last) >= IDLE)
            .map(|(t, _)| *t)
            .collect();
        for t in idle {
            self.drop_transfer(t);
        }
    }

    /// Bytes held by unfinished transfers.
    pub fn buffered(&self) -> usize {
        self.buffered
    }

    fn drop_transfer(&mut self, transfer: u64) {
        if let Some(p) = self.open.remove(&transfer) {
            self.buffered -= p.buf.len();
            if self.dropped.len() >= REMEMBER_DROPPED {
                self.dropped.pop_front();
            }
            self.dropped.push_back(transfer);
        }
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
    fn bounded_in_number_size_and_time() {
        let part = |transfer, seq, data: Vec<u8>| Chunk {
            transfer,
            seq,
            count: 3,
            data,
        };
        let t0 = Instant::now();
        let mut r = Reassembler::default();
        for t in 0..MAX_OPEN as u64 {
            let at = t0 + std::time::Duration::from_millis(t);
            r.push_at(part(t, 0, vec![1]), at).unwrap();
        }
        // A new transfer evicts the stalest instead of being locked out.
        r.push_at(part(99, 0, vec![1]), t0 + IDLE / 2).unwrap();
        assert_eq!(r.open.len(), MAX_OPEN);
        assert_eq!(
            r.push_at(part(0, 1, vec![1]), t0 + IDLE / 2),
            Err(ChunkError::Dropped { transfer: 0 }),
            "the evicted sender is told why"
        );
        r.push_at(part(1, 1, vec![1]), t0 + IDLE / 2).unwrap();
        // Transfers without progress for IDLE are dropped, their memory freed.
        r.push_at(part(1, 2, vec![]), t0 + IDLE / 2 + IDLE / 4)
            .unwrap()
            .expect("transfer 1 completes");
        r.expire(t0 + IDLE * 2);
        assert!(r.open.is_empty());
        assert_eq!(r.buffered(), 0);
        assert!(matches!(
            r.push(part(100, 1, vec![])),
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

    #[test]
    fn open_transfers_together_stay_under_the_bound() {
        let mut r = Reassembler::default();
        let big = vec![0u8; MAX_TRANSFER / 4 + 1];
        for t in 0..3u64 {
            r.push(Chunk {
                transfer: t,
                seq: 0,
                count: 8,
                data: big.clone(),
            })
            .unwrap();
        }
        assert_eq!(
            r.push(Chunk {
                transfer: 3,
                seq: 0,
                count: 8,
                data: big.clone(),
            }),
            Err(ChunkError::TooLarge { transfer: 3 })
        );
        assert_eq!(
            r.buffered(),
            3 * big.len(),
            "nothing of the refused part is kept"
        );
    }
}
