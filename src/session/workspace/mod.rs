//! The headless session's workspace: the structures plugins see and change.
//!
//! Sans-IO: [`SessionWorkspace::handle`] takes a plugin's request and returns the reply and
//! what changed; the router publishes both. Indices are assigned here, as the Nanome app
//! would, to every complex, molecule, chain, residue, atom and bond that has none.

mod hooks;
mod interactions;
mod shapes;
mod streams;
mod volumes;

use crate::api::link::{
    ComplexList, ComplexesDeep, Indices, StructuresUpdate, ToPlugin, ToSession,
};
use std::collections::HashMap;

use crate::api::analysis::{ComplexHook, SubstructureList};
use crate::api::interaction::{Interaction, InteractionList};
use crate::api::shape::{Shape, ShapeIndices, ShapesDestroyed};
use crate::api::stream::StreamDirection;
use crate::api::structure::{Complex, Workspace};
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::wire::subject::Token;
use std::collections::BTreeMap;

use streams::StreamState;

pub use streams::MAX_STREAMS;
pub use volumes::VolumeInfo;

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

/// Frees a replaced workspace off the caller's thread when it is large: dropping a
/// 100k-atom tree takes milliseconds the session's next request would wait for.
fn dispose(old: Workspace) {
    let atoms: usize = old.complexes.iter().map(Complex::atom_count).sum();
    if atoms >= 10_000
        && let Ok(rt) = tokio::runtime::Handle::try_current()
    {
        rt.spawn_blocking(move || drop(old));
    }
}

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

impl SessionWorkspace {
    /// The workspace.
    pub fn workspace(&self) -> &Workspace {
        &self.workspace
    }

    fn next(&mut self) -> i64 {
        self.next_index += 1;
        self.next_index
    }

    /// Gives an index to everything in `c` that has none, level by level (its molecules,
    /// then its chains, residues, atoms, bonds): the members of a new complex's level get
    /// consecutive indices, which travel as a run instead of eight bytes each.
    fn index(&mut self, c: &mut Complex) {
        let mut give = |index: &mut i64| {
            if *index < 0 {
                self.next_index += 1;
                *index = self.next_index;
            }
        };
        give(&mut c.index);
        for m in &mut c.molecules {
            give(&mut m.index);
        }
        for ch in c.chains_mut() {
            give(&mut ch.index);
        }
        for r in c.residues_mut() {
            give(&mut r.index);
        }
        for a in c.atoms_mut() {
            give(&mut a.index);
        }
        for b in c.residues_mut().flat_map(|r| r.bonds.iter_mut()) {
            give(&mut b.index);
        }
    }

    /// Adds complexes (validated, indexed); returns them as stored.
    pub fn add(&mut self, complexes: Vec<Complex>) -> Result<Vec<Complex>, ErrorBody> {
        let slots = self.insert(complexes)?;
        Ok(self.workspace.complexes[slots].to_vec())
    }

    /// Adds complexes (validated, indexed) without copying them; returns their slots.
    pub fn insert(&mut self, complexes: Vec<Complex>) -> Result<std::ops::Range<usize>, ErrorBody> {
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
        let first = self.workspace.complexes.len();
        for mut c in complexes {
            if self.find(c.index).is_some() {
                c.index = -1; // a copy of a complex already present: add it as new
            }
            self.index(&mut c);
            self.workspace.complexes.push(c);
        }
        Ok(first..self.workspace.complexes.len())
    }

    /// Replaces the workspace with `w` (checked, indexed), taking it rather than a copy;
    /// what changed, for hooks and events.
    pub fn replace(&mut self, w: crate::api::structure::Workspace) -> Result<Changes, ErrorBody> {
        Self::check(&w)?;
        Ok(self.replace_checked(w))
    }

    /// [`SessionWorkspace::replace`] with a workspace [`SessionWorkspace::check`] accepted.
    pub(crate) fn replace_checked(&mut self, mut w: crate::api::structure::Workspace) -> Changes {
        self.generation += 1;
        let before: Vec<i64> = self.workspace.complexes.iter().map(|c| c.index).collect();
        for c in &mut w.complexes {
            self.index(c);
        }
        let after: Vec<i64> = w.complexes.iter().map(|c| c.index).collect();
        let old = std::mem::replace(&mut self.workspace, w);
        let mut changes = Changes {
            added: after.iter().any(|i| !before.contains(i)),
            removed: before.iter().any(|i| !after.contains(i)),
            ..Changes::default()
        };
        for c in &old.complexes {
            self.compare(c, &mut changes);
        }
        if changes.removed {
            self.forget_removed();
        }
        dispose(old);
        changes
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

    /// Whether `w` would be accepted as the workspace, checked without applying it.
    pub fn check(w: &crate::api::structure::Workspace) -> Result<(), ErrorBody> {
        if w.complexes.len() > MAX_COMPLEXES {
            return Err(ErrorBody::new(
                ErrorCode::BadRequest,
                format!("a workspace holds at most {MAX_COMPLEXES} complexes"),
            ));
        }
        w.complexes
            .iter()
            .try_for_each(Complex::validate)
            .map_err(ErrorBody::from)
    }

    /// Answers a workspace request; `None` if `msg` is not one.
    pub fn handle(&mut self, msg: &ToSession) -> Option<(Result<ToPlugin, ErrorBody>, Changes)> {
        if matches!(
            msg,
            ToSession::RemoveFromWorkspace(_) | ToSession::StructuresUpdate(_)
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
            ToSession::WorkspaceUpdate(w) => match self.replace(w.clone()) {
                Ok(changes) => (done(), changes),
                Err(e) => (Err(e), none),
            },
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

#[cfg(test)]
mod tests;
