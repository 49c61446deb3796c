//! The headless session's workspace: the structures plugins see and change.
//!
//! Sans-IO: [`SessionWorkspace::handle`] takes a plugin's request and returns the reply and
//! what changed; the router publishes both. Indices are assigned here, as the Nanome app
//! would, to every complex, molecule, chain, residue, atom and bond that has none.
//!
//! Over 800 lines: the sans-IO workspace (structures, streams, shapes, interactions, volumes, hooks) and its tests; one file per plane is the split to make (issue 8, part 2).

use crate::api::link::{
    ComplexList, ComplexesDeep, Indices, StructuresUpdate, ToPlugin, ToSession,
};
use std::collections::HashMap;

use crate::api::analysis::{ComplexHook, SubstructureList};
use crate::api::interaction::{
    Interaction, InteractionList, InteractionQuery, MAX_INTERACTIONS, MAX_SIDE,
};
use crate::api::shape::{
    AnchorType, MAX_SHAPES, Shape, ShapeIndices, ShapeList, ShapeResult, ShapeResults,
    ShapesDestroyed,
};
use crate::api::stream::{
    StreamCreate, StreamCreated, StreamData, StreamDataType, StreamDirection, StreamFeed,
    StreamInterrupt, StreamInterruptReason, StreamKind,
};
use crate::api::structure::{Complex, Workspace};
use crate::api::volume::{VolumeData, VolumeProperties};
use crate::api::{Empty, ErrorBody, ErrorCode, Invalid};
use crate::wire::subject::Token;
use std::collections::{BTreeMap, HashSet};

/// Most complexes a session holds.
pub const MAX_COMPLEXES: usize = 1024;

/// What a request changed, for the other links' events.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// Complexes were added.
    pub added: bool,
    /// Complexes were removed.
    pub removed: bool,
    /// Complexes whose content an update changed (for `complex_updated` hooks).
    pub updated: Vec<i64>,
    /// Complexes whose selection changed (for `selection_changed` hooks).
    pub selected: Vec<i64>,
    /// Complexes a writing stream changed (for reading streams only: hooks would flood).
    pub streamed: Vec<i64>,
    /// A reading stream just created, which gets its first frame at once.
    pub new_reader: Option<u32>,
}

impl Changes {
    pub(crate) fn added() -> Self {
        Changes {
            added: true,
            ..Changes::default()
        }
    }
}

/// Where a stream element lives: complex slot (and molecule, chain, residue, atom
/// positions for atoms), plus the index it had, to notice when the workspace changed.
#[derive(Debug, Clone, Copy)]
struct Target {
    path: [usize; 5],
    index: i64,
}

/// Consecutive stream elements that are consecutive atoms of one residue (or one complex):
/// a frame is applied run by run, with one residue lookup per run.
#[derive(Debug, Clone, Copy)]
struct Run {
    /// Complex slot, molecule, chain, residue.
    at: [usize; 4],
    /// Position of the run's first atom in its residue.
    first_atom: usize,
    /// Stream element of the run's first atom.
    first_elem: usize,
    /// Elements in the run.
    len: usize,
}

#[derive(Debug)]
struct StreamState {
    /// The workspace generation at which the targets were last checked.
    checked: u64,
    kind: StreamKind,
    direction: StreamDirection,
    owner: Token,
    runs: Vec<Run>,
    /// The index each element's target had at creation, in element order.
    indices: Vec<i64>,
}

/// Groups targets into runs of consecutive atoms.
fn runs_of(targets: &[Target]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for (k, t) in targets.iter().enumerate() {
        let [ci, mi, hi, ri, ai] = t.path;
        if let Some(last) = runs.last_mut()
            && last.at == [ci, mi, hi, ri]
            && last.first_atom + last.len == ai
        {
            last.len += 1;
            continue;
        }
        runs.push(Run {
            at: [ci, mi, hi, ri],
            first_atom: ai,
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

/// A session's workspace, its index counter and its streams.
#[derive(Debug, Default)]
pub struct SessionWorkspace {
    workspace: Workspace,
    /// Bumped by every change that may move or remove atoms (streams re-check then).
    generation: u64,
    next_index: i64,
    streams: HashMap<u32, StreamState>,
    next_stream: u32,
    shapes: std::collections::BTreeMap<i32, Shape>,
    next_shape: i32,
    /// Per complex, the links hooked to its updates and selection changes.
    hooks: HashMap<i64, HashMap<Token, ComplexHook>>,
    interactions: BTreeMap<i64, Interaction>,
    volumes: BTreeMap<i64, VolumeInfo>,
}

/// A volume shown with a complex.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeInfo {
    /// The grid (values included).
    pub volume: VolumeData,
    /// How it is shown.
    pub properties: VolumeProperties,
}

impl SessionWorkspace {
    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    fn next(&mut self) -> i64 {
        self.next_index += 1;
        self.next_index
    }

    /// Gives an index to everything in `c` that has none.
    fn index(&mut self, c: &mut Complex) {
        if c.index < 0 {
            c.index = self.next();
        }
        for m in &mut c.molecules {
            if m.index < 0 {
                m.index = self.next();
            }
            for ch in &mut m.chains {
                if ch.index < 0 {
                    ch.index = self.next();
                }
                for r in &mut ch.residues {
                    if r.index < 0 {
                        r.index = self.next();
                    }
                    for a in &mut r.atoms {
                        if a.index < 0 {
                            a.index = self.next();
                        }
                    }
                    for b in &mut r.bonds {
                        if b.index < 0 {
                            b.index = self.next();
                        }
                    }
                }
            }
        }
    }

    /// Adds complexes (validated, indexed); returns them as stored.
    pub fn add(&mut self, complexes: Vec<Complex>) -> Result<Vec<Complex>, ErrorBody> {
        if self.workspace.complexes.len() + complexes.len() > MAX_COMPLEXES {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!("a workspace holds at most {MAX_COMPLEXES} complexes"),
            ));
        }
        for c in &complexes {
            c.validate().map_err(ErrorBody::from)?;
        }
        self.generation += 1;
        let mut added = Vec::with_capacity(complexes.len());
        for mut c in complexes {
            if self.find(c.index).is_some() {
                c.index = -1; // a copy of a complex already present: add it as new
            }
            self.index(&mut c);
            added.push(c.clone());
            self.workspace.complexes.push(c);
        }
        Ok(added)
    }

    fn find(&self, index: i64) -> Option<usize> {
        if index < 0 {
            return None;
        }
        self.workspace
            .complexes
            .iter()
            .position(|c| c.index == index)
    }

    /// Creates a writing stream for link `owner`, resolving its targets now.
    fn create_stream(&mut self, owner: &Token, req: &StreamCreate) -> Result<ToPlugin, ErrorBody> {
        if self.streams.len() >= MAX_STREAMS {
            return Err(ErrorBody::new(
                ErrorCode::Unavailable,
                format!("at most {MAX_STREAMS} streams per session"),
            ));
        }
        let mut found: HashMap<i64, Target> = HashMap::new();
        for (ci, c) in self.workspace.complexes.iter().enumerate() {
            if req.kind == StreamKind::ComplexPositionRotation {
                found.insert(
                    c.index,
                    Target {
                        path: [ci, 0, 0, 0, 0],
                        index: c.index,
                    },
                );
                continue;
            }
            for (mi, m) in c.molecules.iter().enumerate() {
                for (hi, ch) in m.chains.iter().enumerate() {
                    for (ri, r) in ch.residues.iter().enumerate() {
                        for (ai, a) in r.atoms.iter().enumerate() {
                            found.insert(
                                a.index,
                                Target {
                                    path: [ci, mi, hi, ri, ai],
                                    index: a.index,
                                },
                            );
                        }
                    }
                }
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
            let [ci, mi, hi, ri] = run.at;
            let Some(c) = self.workspace.complexes.get(ci) else {
                return false;
            };
            if stream.kind == StreamKind::ComplexPositionRotation {
                return c.index == stream.indices[run.first_elem];
            }
            let atoms = c
                .molecules
                .get(mi)
                .and_then(|m| m.chains.get(hi))
                .and_then(|c| c.residues.get(ri))
                .and_then(|r| r.atoms.get(run.first_atom..run.first_atom + run.len));
            atoms.is_some_and(|atoms| {
                atoms
                    .iter()
                    .zip(&stream.indices[run.first_elem..])
                    .all(|(a, i)| a.index == *i)
            })
        })
    }

    /// Applies one decoded frame (see [`Self::apply_frame`]).
    fn feed(&mut self, owner: &Token, feed: &StreamFeed) -> (Result<ToPlugin, ErrorBody>, Changes) {
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
        for run in &stream.runs {
            let [ci, mi, hi, ri] = run.at;
            let (k, n) = (run.first_elem, run.len);
            if let (StreamKind::ComplexPositionRotation, Values::Float(b)) = (kind, &values) {
                let c = &mut complexes[ci];
                let v: Vec<f32> = b[k * 28..k * 28 + 28].chunks_exact(4).map(le_f32).collect();
                c.position = [v[0], v[1], v[2]];
                c.rotation = [v[3], v[4], v[5], v[6]];
                continue;
            }
            let atoms = &mut complexes[ci].molecules[mi].chains[hi].residues[ri].atoms
                [run.first_atom..run.first_atom + n];
            match &values {
                Values::Float(b) if kind == StreamKind::Position => {
                    for (atom, p) in atoms
                        .iter_mut()
                        .zip(b[k * 12..(k + n) * 12].chunks_exact(12))
                    {
                        let p = [le_f32(&p[0..4]), le_f32(&p[4..8]), le_f32(&p[8..12])];
                        if p.iter().all(|x| x.is_finite()) {
                            atom.position = p;
                        }
                    }
                }
                Values::Float(b) => {
                    for (atom, s) in atoms.iter_mut().zip(b[k * 4..(k + n) * 4].chunks_exact(4)) {
                        atom.atom_scale = le_f32(s);
                    }
                }
                Values::Byte(v) => {
                    for (atom, c) in atoms.iter_mut().zip(v[k * 3..(k + n) * 3].chunks_exact(3)) {
                        atom.atom_color = u32::from_be_bytes([c[0], c[1], c[2], 0xff]);
                    }
                }
                Values::String(v) => {
                    for (atom, l) in atoms.iter_mut().zip(&v[k..k + n]) {
                        atom.label_text = l.chars().take(256).collect();
                    }
                }
            }
        }
        Ok(ToPlugin::Done(Empty {}))
    }

    /// The shapes drawn now, by index.
    pub fn shapes(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.values()
    }

    /// Creates or replaces shapes; each is checked on its own (geometry, anchor targets).
    fn upload_shapes(&mut self, list: &ShapeList) -> ToPlugin {
        let complexes: std::collections::HashSet<i64> =
            self.workspace.complexes.iter().map(|c| c.index).collect();
        let atoms: std::collections::HashSet<i64> = if list
            .shapes
            .iter()
            .flat_map(|s| &s.anchors)
            .any(|a| a.anchor_type == AnchorType::Atom)
        {
            self.workspace
                .complexes
                .iter()
                .flat_map(|c| c.atoms().map(|a| a.index))
                .collect()
        } else {
            Default::default()
        };
        let mut results = Vec::with_capacity(list.shapes.len());
        for shape in &list.shapes {
            let check = shape.validate().and_then(|()| {
                for a in &shape.anchors {
                    let known = match a.anchor_type {
                        AnchorType::Workspace => true,
                        AnchorType::Complex => complexes.contains(&a.target),
                        AnchorType::Atom => atoms.contains(&a.target),
                    };
                    if !known {
                        return Err(Invalid::new(format!(
                            "anchor target {} ({:?}) is not in the workspace",
                            a.target, a.anchor_type
                        )));
                    }
                }
                if shape.index < 0 && self.shapes.len() >= MAX_SHAPES {
                    return Err(Invalid::new(format!(
                        "a session holds at most {MAX_SHAPES} shapes"
                    )));
                }
                if shape.index >= 0 && !self.shapes.contains_key(&shape.index) {
                    return Err(Invalid::new(format!("no shape {} to replace", shape.index)));
                }
                Ok(())
            });
            results.push(match check {
                Ok(()) => {
                    let index = if shape.index >= 0 {
                        shape.index
                    } else {
                        self.next_shape += 1;
                        self.next_shape
                    };
                    self.shapes.insert(
                        index,
                        Shape {
                            index,
                            ..shape.clone()
                        },
                    );
                    ShapeResult { index, error: None }
                }
                Err(e) => ShapeResult {
                    index: -1,
                    error: Some(e.message),
                },
            });
        }
        ToPlugin::ShapesUploaded(ShapeResults { results })
    }

    /// Answers a request from link `lid`; `None` if `msg` is not a workspace or stream one.
    pub fn handle_for(
        &mut self,
        lid: &Token,
        msg: &ToSession,
    ) -> Option<(Result<ToPlugin, ErrorBody>, Changes)> {
        let none = Changes::default();
        Some(match msg {
            ToSession::StreamCreate(req) => {
                let reply = self.create_stream(lid, req);
                let new_reader = match &reply {
                    Ok(ToPlugin::StreamCreated(c)) if req.direction == StreamDirection::Reading => {
                        Some(c.stream_id)
                    }
                    _ => None,
                };
                (reply, Changes { new_reader, ..none })
            }
            ToSession::StreamFeed(feed) => self.feed(lid, feed),
            ToSession::ComplexHook(h) => (self.hook(lid, h), none),
            ToSession::StreamDestroy(r) => {
                if self
                    .streams
                    .get(&r.stream_id)
                    .is_some_and(|s| &s.owner == lid)
                {
                    self.streams.remove(&r.stream_id);
                }
                (Ok(ToPlugin::Done(Empty {})), none)
            }
            other => return self.handle(other),
        })
    }

    /// Answers a workspace request; `None` if `msg` is not one.
    pub fn handle(&mut self, msg: &ToSession) -> Option<(Result<ToPlugin, ErrorBody>, Changes)> {
        if matches!(
            msg,
            ToSession::RemoveFromWorkspace(_)
                | ToSession::WorkspaceUpdate(_)
                | ToSession::StructuresUpdate(_)
        ) {
            self.generation += 1;
        }
        let done = || Ok(ToPlugin::Done(Empty {}));
        let none = Changes::default();
        Some(match msg {
            ToSession::WorkspaceRequest(_) => {
                (Ok(ToPlugin::Workspace(self.workspace.clone())), none)
            }
            ToSession::ComplexListRequest(_) => {
                let complexes = self
                    .workspace
                    .complexes
                    .iter()
                    .map(Complex::shallow)
                    .collect();
                (Ok(ToPlugin::Complexes(ComplexList { complexes })), none)
            }
            ToSession::ComplexesRequest(Indices { indices }) => {
                let complexes = indices
                    .iter()
                    .map(|i| self.find(*i).map(|p| self.workspace.complexes[p].clone()))
                    .collect();
                (
                    Ok(ToPlugin::ComplexesDeep(ComplexesDeep { complexes })),
                    none,
                )
            }
            ToSession::AddToWorkspace(list) => match self.add(list.complexes.clone()) {
                Ok(complexes) => (
                    Ok(ToPlugin::Complexes(ComplexList { complexes })),
                    Changes::added(),
                ),
                Err(e) => (Err(e), none),
            },
            ToSession::RemoveFromWorkspace(Indices { indices }) => {
                let before = self.workspace.complexes.len();
                self.workspace
                    .complexes
                    .retain(|c| !indices.contains(&c.index));
                let removed = self.workspace.complexes.len() < before;
                if removed {
                    self.forget_removed();
                }
                (done(), Changes { removed, ..none })
            }
            ToSession::WorkspaceUpdate(w) => {
                if let Err(m) = w.complexes.iter().try_for_each(Complex::validate) {
                    return Some((Err(m.into()), none));
                }
                let before: Vec<i64> = self.workspace.complexes.iter().map(|c| c.index).collect();
                let mut w = w.clone();
                for c in &mut w.complexes {
                    self.index(c);
                }
                let after: Vec<i64> = w.complexes.iter().map(|c| c.index).collect();
                let old = std::mem::replace(&mut self.workspace, w);
                let mut changes = Changes {
                    added: after.iter().any(|i| !before.contains(i)),
                    removed: before.iter().any(|i| !after.contains(i)),
                    ..none
                };
                for c in &old.complexes {
                    self.compare(c, &mut changes);
                }
                if changes.removed {
                    self.forget_removed();
                }
                (done(), changes)
            }
            ToSession::StructuresUpdate(u) => {
                let old: Vec<Complex> = u
                    .complexes
                    .iter()
                    .filter_map(|c| self.find(c.index))
                    .map(|slot| self.workspace.complexes[slot].clone())
                    .collect();
                match self.update(u) {
                    Ok(()) => {
                        let mut changes = none;
                        for c in &old {
                            self.compare(c, &mut changes);
                        }
                        (done(), changes)
                    }
                    Err(e) => (Err(e), none),
                }
            }
            ToSession::SubstructureRequest(req) => {
                let molecule = self
                    .workspace
                    .complexes
                    .iter()
                    .flat_map(|c| &c.molecules)
                    .find(|m| m.index == req.molecule);
                match molecule {
                    Some(m) => (
                        Ok(ToPlugin::Substructures(SubstructureList {
                            substructures: m.substructures(req.kind),
                        })),
                        none,
                    ),
                    None => (
                        Err(ErrorBody::new(
                            ErrorCode::NotFound,
                            format!("no molecule with index {} in the workspace", req.molecule),
                        )),
                        none,
                    ),
                }
            }
            ToSession::ApplyColorScheme(req) => {
                match super::color::apply(&mut self.workspace.complexes, req) {
                    Ok(updated) => (done(), Changes { updated, ..none }),
                    Err(e) => (Err(e), none),
                }
            }
            ToSession::AddVolume(v) => match self.add_volume(v) {
                Ok(c) => (
                    Ok(ToPlugin::Complexes(ComplexList { complexes: vec![c] })),
                    Changes::added(),
                ),
                Err(e) => (Err(e), none),
            },
            ToSession::InteractionsCreate(list) => (self.create_interactions(list), none),
            ToSession::InteractionsDestroy(Indices { indices }) => {
                for i in indices {
                    self.interactions.remove(i);
                }
                (done(), none)
            }
            ToSession::InteractionsRequest(q) => (
                Ok(ToPlugin::Interactions(InteractionList {
                    interactions: self.query_interactions(q),
                })),
                none,
            ),
            ToSession::InteractionsCalcDone(_) => (done(), none),
            ToSession::ZoomOn(_) | ToSession::CenterOn(_) => (done(), none),
            ToSession::ShapesUpload(list) => (Ok(self.upload_shapes(list)), none),
            ToSession::ShapesDestroy(ShapeIndices { indices }) => {
                let destroyed = indices
                    .iter()
                    .map(|i| self.shapes.remove(i).is_some())
                    .collect();
                (
                    Ok(ToPlugin::ShapesDestroyed(ShapesDestroyed { destroyed })),
                    none,
                )
            }
            _ => return None,
        })
    }

    fn update(&mut self, u: &StructuresUpdate) -> Result<(), ErrorBody> {
        // Check everything first, so a bad entry changes nothing.
        let mut slots = Vec::with_capacity(u.complexes.len());
        for c in &u.complexes {
            let slot = self.find(c.index).ok_or_else(|| {
                ErrorBody::new(
                    ErrorCode::NotFound,
                    format!("no complex with index {} in the workspace", c.index),
                )
            })?;
            if u.deep {
                c.validate().map_err(ErrorBody::from)?;
            }
            slots.push(slot);
        }
        for (c, slot) in u.complexes.iter().zip(slots) {
            let mut c = c.clone();
            if u.deep {
                self.index(&mut c);
            } else {
                c.molecules = std::mem::take(&mut self.workspace.complexes[slot].molecules);
            }
            self.workspace.complexes[slot] = c;
        }
        Ok(())
    }
}

/// Hooks, reading streams, volumes and interactions.
impl SessionWorkspace {
    /// Notes in `changes` how the complex `old` differs from the stored one with its index.
    fn compare(&self, old: &Complex, changes: &mut Changes) {
        let Some(slot) = self.find(old.index) else {
            return;
        };
        let new = &self.workspace.complexes[slot];
        if new != old {
            changes.updated.push(old.index);
            if !old
                .atoms()
                .map(|a| a.selected)
                .eq(new.atoms().map(|a| a.selected))
            {
                changes.selected.push(old.index);
            }
        }
    }

    /// Hooks (or unhooks) link `lid` to a complex's events.
    fn hook(&mut self, lid: &Token, h: &ComplexHook) -> Result<ToPlugin, ErrorBody> {
        if self.find(h.index).is_none() {
            return Err(ErrorBody::new(
                ErrorCode::NotFound,
                format!("no complex with index {} in the workspace", h.index),
            ));
        }
        let links = self.hooks.entry(h.index).or_default();
        if h.updated || h.selection {
            links.insert(lid.clone(), *h);
        } else {
            links.remove(lid);
        }
        Ok(ToPlugin::Done(Empty {}))
    }

    /// Drops what belonged to complexes no longer in the workspace (after a removal).
    fn forget_removed(&mut self) {
        let present: HashSet<i64> = self.workspace.complexes.iter().map(|c| c.index).collect();
        self.hooks.retain(|i, _| present.contains(i));
        self.volumes.retain(|i, _| present.contains(i));
        if !self.interactions.is_empty() {
            let atoms = self.atom_indices();
            self.interactions
                .retain(|_, x| x.atom1.iter().chain(&x.atom2).all(|a| atoms.contains(a)));
        }
    }

    /// Forgets a closed link's streams and hooks.
    pub fn drop_link(&mut self, lid: &Token) {
        self.streams.retain(|_, s| &s.owner != lid);
        for links in self.hooks.values_mut() {
            links.remove(lid);
        }
    }

    fn has_readers(&self) -> bool {
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
            .filter_map(|r| self.workspace.complexes.get(r.at[0]).map(|c| c.index))
            .collect();
        out.dedup();
        out
    }

    /// A reading stream's current values; `None` if a target moved or vanished.
    fn read_frame(&self, stream: &StreamState) -> Option<StreamData> {
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
            let [ci, mi, hi, ri] = run.at;
            let c = self.workspace.complexes.get(ci)?;
            if stream.kind == StreamKind::ComplexPositionRotation {
                if c.index != stream.indices[run.first_elem] {
                    return None;
                }
                floats.extend(c.position);
                floats.extend(c.rotation);
                continue;
            }
            let atoms = c
                .molecules
                .get(mi)?
                .chains
                .get(hi)?
                .residues
                .get(ri)?
                .atoms
                .get(run.first_atom..run.first_atom + run.len)?;
            for (j, a) in atoms.iter().enumerate() {
                if a.index != stream.indices[run.first_elem + j] {
                    return None;
                }
                match stream.kind {
                    StreamKind::Position => floats.extend(a.position),
                    StreamKind::Scale => floats.push(a.atom_scale),
                    StreamKind::Color => bytes.extend(&a.atom_color.to_be_bytes()[..3]),
                    StreamKind::Label => texts.push(a.label_text.clone()),
                    StreamKind::ComplexPositionRotation => unreachable!("handled above"),
                }
            }
        }
        Some(match stream.kind.data_type() {
            StreamDataType::Float => StreamData::Float(floats),
            StreamDataType::Byte => StreamData::Byte(bytes),
            StreamDataType::String => StreamData::String(texts),
        })
    }

    /// The events `changes` causes for links other than `origin`: `complex_updated` and
    /// `selection_changed` for hooked links, frames (or interrupts) for reading streams.
    pub fn followups(
        &mut self,
        origin: Option<&Token>,
        changes: &Changes,
    ) -> Vec<(Token, ToPlugin)> {
        let mut out = Vec::new();
        let others = |lid: &Token| origin != Some(lid);
        for (list, selection) in [(&changes.updated, false), (&changes.selected, true)] {
            for index in list {
                let Some(links) = self.hooks.get(index) else {
                    continue;
                };
                let Some(slot) = self.find(*index) else {
                    continue;
                };
                for (lid, hook) in links {
                    if !others(lid)
                        || !(if selection {
                            hook.selection
                        } else {
                            hook.updated
                        })
                    {
                        continue;
                    }
                    let c = self.workspace.complexes[slot].clone();
                    out.push((
                        lid.clone(),
                        if selection {
                            ToPlugin::SelectionChanged(c)
                        } else {
                            ToPlugin::ComplexUpdated(c)
                        },
                    ));
                }
            }
        }
        if !self.has_readers() {
            return out;
        }
        let touched: HashSet<i64> = changes
            .updated
            .iter()
            .chain(&changes.streamed)
            .copied()
            .collect();
        let mut lost = Vec::new();
        for (id, s) in &self.streams {
            let wanted = s.direction == StreamDirection::Reading
                && (changes.new_reader == Some(*id)
                    || (others(&s.owner)
                        && s.runs.iter().any(|r| {
                            self.workspace
                                .complexes
                                .get(r.at[0])
                                .is_some_and(|c| touched.contains(&c.index))
                        })));
            if !wanted {
                continue;
            }
            match self.read_frame(s) {
                Some(data) => out.push((
                    s.owner.clone(),
                    ToPlugin::StreamFeed(StreamFeed {
                        stream_id: *id,
                        data,
                    }),
                )),
                None => lost.push((*id, s.owner.clone())),
            }
        }
        for (id, owner) in lost {
            self.streams.remove(&id);
            out.push((
                owner,
                ToPlugin::StreamInterrupt(StreamInterrupt {
                    stream_id: id,
                    reason: StreamInterruptReason::StreamNotFound,
                }),
            ));
        }
        out
    }

    /// Every atom index in the workspace.
    fn atom_indices(&self) -> HashSet<i64> {
        self.workspace
            .complexes
            .iter()
            .flat_map(|c| c.atoms().map(|a| a.index))
            .collect()
    }

    /// Adds a complex with a volume, aligned to another complex if asked.
    fn add_volume(&mut self, v: &crate::api::volume::AddVolume) -> Result<Complex, ErrorBody> {
        let bad = |m: String| ErrorBody::new(ErrorCode::BadRequest, m);
        v.volume.validate().map_err(ErrorBody::from)?;
        if v.properties.layers.len() > crate::api::volume::MAX_LAYERS {
            return Err(bad(format!(
                "at most {} contour layers",
                crate::api::volume::MAX_LAYERS
            )));
        }
        let mut complex = v.complex.clone();
        if v.align_to >= 0 {
            let Some(slot) = self.find(v.align_to) else {
                return Err(ErrorBody::new(
                    ErrorCode::NotFound,
                    format!("no complex {} to align the volume to", v.align_to),
                ));
            };
            let target = &self.workspace.complexes[slot];
            complex.position = target.position;
            complex.rotation = target.rotation;
        }
        let added = self.add(vec![complex])?.remove(0);
        self.volumes.insert(
            added.index,
            VolumeInfo {
                volume: v.volume.clone(),
                properties: v.properties.clone(),
            },
        );
        Ok(added)
    }

    /// The volumes shown, by complex index.
    pub fn volumes(&self) -> &BTreeMap<i64, VolumeInfo> {
        &self.volumes
    }

    fn create_interactions(&mut self, list: &InteractionList) -> Result<ToPlugin, ErrorBody> {
        if self.interactions.len() + list.interactions.len() > MAX_INTERACTIONS {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!("a session holds at most {MAX_INTERACTIONS} interactions"),
            ));
        }
        let atoms = self.atom_indices();
        for (k, x) in list.interactions.iter().enumerate() {
            for side in [&x.atom1, &x.atom2] {
                if side.is_empty() || side.len() > MAX_SIDE {
                    return Err(ErrorBody::new(
                        ErrorCode::BadRequest,
                        format!("interaction {k}: each side has 1 to {MAX_SIDE} atoms"),
                    ));
                }
                if let Some(a) = side.iter().find(|a| !atoms.contains(a)) {
                    return Err(ErrorBody::new(
                        ErrorCode::NotFound,
                        format!("interaction {k}: no atom with index {a} in the workspace"),
                    ));
                }
            }
            if x.index >= 0 && !self.interactions.contains_key(&x.index) {
                return Err(ErrorBody::new(
                    ErrorCode::NotFound,
                    format!("interaction {k}: no interaction {} to replace", x.index),
                ));
            }
        }
        let mut indices = Vec::with_capacity(list.interactions.len());
        for x in &list.interactions {
            let index = if x.index >= 0 { x.index } else { self.next() };
            self.interactions
                .insert(index, Interaction { index, ..x.clone() });
            indices.push(index);
        }
        Ok(ToPlugin::InteractionsCreated(Indices { indices }))
    }

    /// Interactions with an atom inside the queried structures (all, if none named).
    fn query_interactions(&self, q: &InteractionQuery) -> Vec<Interaction> {
        let named = !(q.complexes.is_empty()
            && q.molecules.is_empty()
            && q.chains.is_empty()
            && q.residues.is_empty()
            && q.atoms.is_empty());
        let mut atoms: HashSet<i64> = q.atoms.iter().copied().collect();
        if named {
            for c in &self.workspace.complexes {
                let whole_c = q.complexes.contains(&c.index);
                for m in &c.molecules {
                    let whole_m = whole_c || q.molecules.contains(&m.index);
                    for ch in &m.chains {
                        let whole_ch = whole_m || q.chains.contains(&ch.index);
                        for r in &ch.residues {
                            if whole_ch || q.residues.contains(&r.index) {
                                atoms.extend(r.atoms.iter().map(|a| a.index));
                            }
                        }
                    }
                }
            }
        }
        self.interactions
            .values()
            .filter(|x| q.kind.is_none_or(|k| x.kind == k))
            .filter(|x| !named || x.atom1.iter().chain(&x.atom2).any(|a| atoms.contains(a)))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::structure::{Atom, Chain, Molecule, Residue};

    fn complex(name: &str, atoms: usize) -> Complex {
        let residue = Residue {
            code: "UNK".into(),
            atoms: (0..atoms).map(|_| Atom::default()).collect(),
            ..Default::default()
        };
        Complex {
            name: name.into(),
            molecules: vec![Molecule {
                chains: vec![Chain {
                    residues: vec![residue],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    fn reply(ws: &mut SessionWorkspace, msg: ToSession) -> (ToPlugin, Changes) {
        let (r, c) = ws.handle(&msg).expect("a workspace request");
        (r.expect("accepted"), c)
    }

    #[test]
    fn add_assigns_indices_everywhere_and_lists_shallow() {
        let mut ws = SessionWorkspace::default();
        let (r, changes) = reply(
            &mut ws,
            ToSession::AddToWorkspace(ComplexList {
                complexes: vec![complex("a", 2)],
            }),
        );
        assert!(changes.added);
        let ToPlugin::Complexes(list) = r else {
            panic!()
        };
        let c = &list.complexes[0];
        assert!(c.index > 0 && c.atoms().all(|a| a.index > 0));
        let (r, _) = reply(&mut ws, ToSession::ComplexListRequest(Empty {}));
        let ToPlugin::Complexes(list) = r else {
            panic!()
        };
        assert!(list.complexes[0].molecules.is_empty(), "shallow");
        let (r, _) = reply(
            &mut ws,
            ToSession::ComplexesRequest(Indices {
                indices: vec![c.index, 999],
            }),
        );
        let ToPlugin::ComplexesDeep(deep) = r else {
            panic!()
        };
        assert_eq!(deep.complexes[0].as_ref().unwrap().atom_count(), 2);
        assert!(deep.complexes[1].is_none(), "unknown index");
    }

    #[test]
    fn updates_are_checked_before_anything_changes() {
        let mut ws = SessionWorkspace::default();
        let added = ws.add(vec![complex("a", 1)]).unwrap();
        let mut renamed = added[0].clone();
        renamed.name = "renamed".into();
        let mut ghost = complex("ghost", 1);
        ghost.index = 12345;
        let (r, _) = ws
            .handle(&ToSession::StructuresUpdate(StructuresUpdate {
                deep: true,
                complexes: vec![renamed.clone(), ghost],
            }))
            .unwrap();
        assert_eq!(r.unwrap_err().code, ErrorCode::NotFound);
        assert_eq!(ws.workspace().complexes[0].name, "a", "nothing changed");
        // Shallow keeps the molecules even if the update carries none.
        renamed.molecules.clear();
        reply(
            &mut ws,
            ToSession::StructuresUpdate(StructuresUpdate {
                deep: false,
                complexes: vec![renamed],
            }),
        );
        assert_eq!(
            (
                ws.workspace().complexes[0].name.as_str(),
                ws.workspace().complexes[0].atom_count()
            ),
            ("renamed", 1)
        );
    }

    #[test]
    fn remove_reports_what_it_removed() {
        let mut ws = SessionWorkspace::default();
        let added = ws.add(vec![complex("a", 1), complex("b", 1)]).unwrap();
        let (_, c) = reply(
            &mut ws,
            ToSession::RemoveFromWorkspace(Indices {
                indices: vec![added[0].index],
            }),
        );
        assert!(c.removed);
        let (_, c) = reply(
            &mut ws,
            ToSession::RemoveFromWorkspace(Indices {
                indices: vec![added[0].index],
            }),
        );
        assert!(!c.removed);
        assert_eq!(ws.workspace().complexes.len(), 1);
    }

    #[test]
    fn shapes_are_checked_one_by_one_and_replaced_or_destroyed_by_index() {
        use crate::api::shape::{Anchor, AnchorType, Shape};
        let mut ws = SessionWorkspace::default();
        let added = ws.add(vec![complex("a", 2)]).unwrap();
        let atom = added[0].atoms().next().unwrap().index;
        let on = |t: i64| Anchor {
            anchor_type: AnchorType::Atom,
            target: t,
            ..Default::default()
        };
        let upload = |shapes| ToSession::ShapesUpload(ShapeList { shapes });
        let (r, _) = reply(
            &mut ws,
            upload(vec![
                Shape::sphere(1.0, on(atom)),
                Shape::sphere(1.0, on(999_999)),
                Shape::line(on(atom), on(atom)),
                Shape {
                    anchors: vec![],
                    ..Shape::label("x", on(atom))
                },
            ]),
        );
        let ToPlugin::ShapesUploaded(r) = r else {
            panic!()
        };
        let ok: Vec<bool> = r.results.iter().map(|x| x.error.is_none()).collect();
        assert_eq!(
            ok,
            [true, false, true, false],
            "unknown anchor target and missing anchor are refused: {r:?}"
        );
        let first = r.results[0].index;
        let (r, _) = reply(
            &mut ws,
            upload(vec![Shape {
                index: first,
                ..Shape::sphere(2.0, on(atom))
            }]),
        );
        let ToPlugin::ShapesUploaded(r) = r else {
            panic!()
        };
        assert_eq!(r.results[0].index, first, "an index replaces that shape");
        assert_eq!(ws.shapes().count(), 2);
        let (r, _) = reply(
            &mut ws,
            ToSession::ShapesDestroy(ShapeIndices {
                indices: vec![first, first],
            }),
        );
        assert_eq!(
            r,
            ToPlugin::ShapesDestroyed(ShapesDestroyed {
                destroyed: vec![true, false]
            })
        );
    }

    #[test]
    fn invalid_complexes_are_refused() {
        let mut ws = SessionWorkspace::default();
        let mut bad = complex("bad", 1);
        bad.molecules[0].chains[0].residues[0]
            .bonds
            .push(crate::api::structure::Bond {
                index: -1,
                atom1: 0,
                atom2: 5,
                kind: Default::default(),
            });
        let (r, c) = ws
            .handle(&ToSession::AddToWorkspace(ComplexList {
                complexes: vec![bad],
            }))
            .unwrap();
        assert_eq!(r.unwrap_err().code, ErrorCode::BadRequest);
        assert!(!c.added && ws.workspace().complexes.is_empty());
    }
}
