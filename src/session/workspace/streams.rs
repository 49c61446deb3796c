//! Streams: writing streams applied frame by frame, reading streams read back, and the
//! runs of consecutive atoms both go through.

use super::{Changes, SessionWorkspace};
use crate::api::link::ToPlugin;
use crate::api::stream::{
    StreamCreate, StreamCreated, StreamData, StreamDataType, StreamDirection, StreamFeed,
    StreamInterrupt, StreamInterruptReason, StreamKind,
};
use crate::api::structure::{Complex, Packed};
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::wire::subject::Token;
use std::collections::HashMap;

/// Where a stream element lives: complex slot and (for atoms) the atom's ordinal in the
/// complex's atom columns, plus the index it had, to notice when the workspace changed.
#[derive(Debug, Clone, Copy)]
struct Target {
    slot: usize,
    atom: usize,
    index: i64,
}

/// Consecutive stream elements that are consecutive atoms of one complex: a frame is
/// applied run by run, each a copy into a slice of a column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Run {
    /// Complex slot.
    pub(super) slot: usize,
    /// Ordinal of the run's first atom in the complex.
    first_atom: usize,
    /// Stream element of the run's first atom.
    first_elem: usize,
    /// Elements in the run.
    len: usize,
}

#[derive(Debug)]
pub(super) struct StreamState {
    /// The workspace generation at which the targets were last checked.
    checked: u64,
    kind: StreamKind,
    pub(super) direction: StreamDirection,
    pub(super) owner: Token,
    pub(super) runs: Vec<Run>,
    /// The index each element's target had at creation, in element order.
    indices: Vec<i64>,
}

/// Groups targets into runs of consecutive atoms.
fn runs_of(targets: &[Target]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (k, t) in targets.iter().enumerate() {
        if let Some(last) = runs.last_mut()
            && last.slot == t.slot
            && last.first_atom + last.len == t.atom
        {
            last.len += 1;
            continue;
        }
        runs.push(Run {
            slot: t.slot,
            first_atom: t.atom,
            first_elem: k,
            len: 1,
        });
    }
    runs
}

/// A frame's values, borrowed: floats as little-endian bytes, whichever way they came.
#[derive(Debug)]
enum Values<'a> {
    Float(std::borrow::Cow<'a, [u8]>),
    Byte(&'a [u8]),
    String(&'a [String]),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::Float(b) => b.len() / 4,
            Values::Byte(b) => b.len(),
            Values::String(v) => v.len(),
        }
    }

    fn data_type(&self) -> StreamDataType {
        match self {
            Values::Float(_) => StreamDataType::Float,
            Values::Byte(_) => StreamDataType::Byte,
            Values::String(_) => StreamDataType::String,
        }
    }
}

fn le_f32(b: &[u8]) -> f32 {
    f32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Most streams open in a session.
pub const MAX_STREAMS: usize = 256;

impl SessionWorkspace {
    /// Creates a writing stream for link `owner`, resolving its targets now.
    pub(super) fn create_stream(
        &mut self,
        owner: &Token,
        req: &StreamCreate,
    ) -> Result<ToPlugin, ErrorBody> {
        if self.streams.len() >= MAX_STREAMS {
            return Err(ErrorBody::new(
                ErrorCode::Unavailable,
                format!("at most {MAX_STREAMS} streams per session"),
            ));
        }
        let mut found: HashMap<i64, Target> = HashMap::new();
        for (slot, c) in self.workspace.complexes.iter().enumerate() {
            if req.kind == StreamKind::ComplexPositionRotation {
                let index = c.index();
                found.insert(
                    index,
                    Target {
                        slot,
                        atom: 0,
                        index,
                    },
                );
                continue;
            }
            for (atom, index) in c.atom_indices().enumerate() {
                found.insert(index, Target { slot, atom, index });
            }
        }
        let targets = req
            .indices
            .iter()
            .map(|i| {
                found.get(i).copied().ok_or_else(|| {
                    ErrorBody::new(
                        ErrorCode::NotFound,
                        format!("no target with index {i} in the workspace"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.next_stream += 1;
        let stream_id = self.next_stream;
        let indices = targets.iter().map(|t| t.index).collect();
        let runs = runs_of(&targets);
        self.streams.insert(
            stream_id,
            StreamState {
                checked: self.generation,
                kind: req.kind,
                direction: req.direction,
                owner: owner.clone(),
                runs,
                indices,
            },
        );
        Ok(ToPlugin::StreamCreated(StreamCreated {
            stream_id,
            data_type: req.kind.data_type(),
        }))
    }

    /// Whether every target of `stream` is still where it was resolved.
    fn targets_hold(&self, stream: &StreamState) -> bool {
        stream.runs.iter().all(|run| {
            let Some(c) = self.workspace.complexes.get(run.slot) else {
                return false;
            };
            if stream.kind == StreamKind::ComplexPositionRotation {
                return c.index() == stream.indices[run.first_elem];
            }
            c.atoms_are(run.first_atom, &stream.indices[run.first_elem..][..run.len])
        })
    }

    /// Applies one decoded frame (see [`Self::apply_frame`]).
    pub(super) fn feed(
        &mut self,
        owner: &Token,
        feed: &StreamFeed,
    ) -> (Result<ToPlugin, ErrorBody>, Changes) {
        let values = match &feed.data {
            #[cfg(target_endian = "little")]
            StreamData::Float(v) => {
                Values::Float(std::borrow::Cow::Borrowed(bytemuck::cast_slice(v)))
            }
            #[cfg(not(target_endian = "little"))]
            StreamData::Float(v) => Values::Float(std::borrow::Cow::Owned(
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            )),
            StreamData::Byte(v) => Values::Byte(v),
            StreamData::String(v) => Values::String(v),
        };
        self.apply_frame(owner, feed.stream_id, values)
    }

    /// Applies one frame read in place (see `wire::skim`).
    pub fn feed_frame(
        &mut self,
        owner: &Token,
        frame: &crate::wire::skim::StreamFrame<'_>,
    ) -> (Result<ToPlugin, ErrorBody>, Changes) {
        use crate::wire::skim::FrameValues;
        let values = match frame.values {
            FrameValues::Float(b) => Values::Float(std::borrow::Cow::Borrowed(b)),
            FrameValues::Byte(b) => Values::Byte(b),
        };
        self.apply_frame(owner, frame.stream_id, values)
    }

    /// Applies one frame, and names the complexes it moved when reading streams may care.
    fn apply_frame(
        &mut self,
        owner: &Token,
        stream_id: u32,
        values: Values<'_>,
    ) -> (Result<ToPlugin, ErrorBody>, Changes) {
        let reply = self.feed_values(owner, stream_id, values);
        let mut changes = Changes::default();
        if matches!(reply, Ok(ToPlugin::Done(_))) && self.has_readers() {
            changes.streamed = self.stream_complexes(stream_id);
        }
        (reply, changes)
    }

    /// Applies one frame. A target that moved or vanished interrupts the stream.
    fn feed_values(
        &mut self,
        owner: &Token,
        stream_id: u32,
        values: Values<'_>,
    ) -> Result<ToPlugin, ErrorBody> {
        let Some(stream) = self
            .streams
            .get(&stream_id)
            .filter(|s| &s.owner == owner && s.direction == StreamDirection::Writing)
        else {
            return Ok(ToPlugin::StreamInterrupt(StreamInterrupt {
                stream_id,
                reason: StreamInterruptReason::StreamNotFound,
            }));
        };
        let (kind, want) = (stream.kind, stream.indices.len() * stream.kind.arity());
        if values.data_type() != kind.data_type() || values.len() != want {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!(
                    "stream {} takes {want} {:?} values per frame, got {} {:?}",
                    stream_id,
                    kind.data_type(),
                    values.len(),
                    values.data_type()
                ),
            ));
        }
        // Targets are checked again only after the structures changed: a frame is then
        // a straight copy into the atoms.
        if stream.checked != self.generation {
            if !self.targets_hold(stream) {
                self.streams.remove(&stream_id);
                return Ok(ToPlugin::StreamInterrupt(StreamInterrupt {
                    stream_id,
                    reason: StreamInterruptReason::StreamNotFound,
                }));
            }
            let generation = self.generation;
            if let Some(s) = self.streams.get_mut(&stream_id) {
                s.checked = generation;
            }
        }
        let stream = &self.streams[&stream_id];
        let complexes = &mut self.workspace.complexes;
        // Labels go through the string table: the complexes they touch are unpacked
        // once per frame, written, and packed again.
        let mut labeled: Vec<(usize, Complex)> = Vec::new();
        for run in &stream.runs {
            let (k, n) = (run.first_elem, run.len);
            let c = &mut complexes[run.slot];
            match &values {
                Values::Float(b) if kind == StreamKind::ComplexPositionRotation => {
                    let v: Vec<f32> = b[k * 28..k * 28 + 28].chunks_exact(4).map(le_f32).collect();
                    c.set_transform([v[0], v[1], v[2]], [v[3], v[4], v[5], v[6]]);
                }
                Values::Float(b) if kind == StreamKind::Position => {
                    c.write_positions(run.first_atom, &b[k * 12..(k + n) * 12]);
                }
                Values::Float(b) => c.write_scales(run.first_atom, &b[k * 4..(k + n) * 4]),
                Values::Byte(v) => c.write_colors(run.first_atom, &v[k * 3..(k + n) * 3]),
                Values::String(v) => {
                    let at = match labeled.iter().position(|(slot, _)| *slot == run.slot) {
                        Some(at) => at,
                        None => {
                            labeled.push((run.slot, c.unpack()));
                            labeled.len() - 1
                        }
                    };
                    let atoms = labeled[at].1.atoms_mut().skip(run.first_atom);
                    for (atom, l) in atoms.zip(&v[k..k + n]) {
                        atom.label_text = l.chars().take(256).collect();
                    }
                }
            }
        }
        for (slot, c) in labeled {
            complexes[slot] = Packed::pack(&c);
        }
        Ok(ToPlugin::Done(Empty {}))
    }

    pub(super) fn has_readers(&self) -> bool {
        self.streams
            .values()
            .any(|s| s.direction == StreamDirection::Reading)
    }

    /// The complexes a stream's targets belong to.
    fn stream_complexes(&self, stream_id: u32) -> Vec<i64> {
        let Some(s) = self.streams.get(&stream_id) else {
            return Vec::new();
        };
        let mut out: Vec<i64> = s
            .runs
            .iter()
            .filter_map(|r| self.workspace.complexes.get(r.slot).map(Packed::index))
            .collect();
        out.dedup();
        out
    }

    /// A reading stream's current values; `None` if a target moved or vanished.
    pub(super) fn read_frame(&self, stream: &StreamState) -> Option<StreamData> {
        let n = stream.indices.len() * stream.kind.arity();
        let mut floats = Vec::new();
        let mut bytes = Vec::new();
        let mut texts = Vec::new();
        match stream.kind.data_type() {
            StreamDataType::Float => floats.reserve(n),
            StreamDataType::Byte => bytes.reserve(n),
            StreamDataType::String => texts.reserve(n),
        }
        for run in &stream.runs {
            let c = self.workspace.complexes.get(run.slot)?;
            let indices = &stream.indices[run.first_elem..][..run.len];
            if stream.kind == StreamKind::ComplexPositionRotation {
                if c.index() != indices[0] {
                    return None;
                }
                let (position, rotation) = c.transform();
                floats.extend(position);
                floats.extend(rotation);
                continue;
            }
            if !c.atoms_are(run.first_atom, indices) {
                return None;
            }
            let (first, n) = (run.first_atom, run.len);
            match stream.kind {
                StreamKind::Position => c.read_positions(first, n, &mut floats),
                StreamKind::Scale => c.read_scales(first, n, &mut floats),
                StreamKind::Color => c.read_colors(first, n, &mut bytes),
                StreamKind::Label => c.read_labels(first, n, &mut texts),
                StreamKind::ComplexPositionRotation => unreachable!("handled above"),
            }
        }
        Some(match stream.kind.data_type() {
            StreamDataType::Float => StreamData::Float(floats),
            StreamDataType::Byte => StreamData::Byte(bytes),
            StreamDataType::String => StreamData::String(texts),
        })
    }
}
