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
use crate::api::structure::{Complex, Packed, PackedWorkspace, Workspace};
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::wire::subject::Token;
use std::collections::BTreeMap;

use streams::StreamState;

pub use streams::MAX_STREAMS;
pub use volumes::VolumeInfo;

pub use crate::api::structure::MAX_COMPLEXES;

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

/// A session's workspace, its index counter and its streams.
#[derive(Debug, Default)]
pub struct SessionWorkspace {
    /// Its complexes as columns: answered and replaced without building a tree.
    workspace: PackedWorkspace,
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

/// The "at most" error for a workspace of `n` complexes, if it has too many.
fn too_many(n: usize) -> Result<(), ErrorBody> {
    if n > MAX_COMPLEXES {
        return Err(ErrorBody::new(
            ErrorCode::BadRequest,
            format!("a workspace holds at most {MAX_COMPLEXES} complexes"),
        ));
    }
    Ok(())
}

/// The columns of trees, each validated first.
fn pack_valid(complexes: &[Complex]) -> Result<Vec<Packed>, ErrorBody> {
    complexes
        .iter()
        .map(|c| Packed::checked(c).map_err(ErrorBody::from))
        .collect()
}

impl SessionWorkspace {
    /// The workspace, as columns.
    pub fn workspace(&self) -> &PackedWorkspace {
        &self.workspace
    }

    fn next(&mut self) -> i64 {
        self.next_index += 1;
        self.next_index
    }

    /// The complex with index `index`, if the workspace has it.
    pub fn complex(&self, index: i64) -> Option<&Packed> {
        self.find(index).map(|slot| &self.workspace.complexes[slot])
    }

    /// Adds trees (validated, indexed); returns them as stored.
    pub fn add(&mut self, complexes: &[Complex]) -> Result<Vec<Complex>, ErrorBody> {
        let slots = self.insert(pack_valid(complexes)?)?;
        Ok(self.workspace.complexes[slots]
            .iter()
            .map(Packed::unpack)
            .collect())
    }

    /// Adds complexes (checked when packed; indexed here); returns their slots.
    pub fn insert(&mut self, complexes: Vec<Packed>) -> Result<std::ops::Range<usize>, ErrorBody> {
        too_many(self.workspace.complexes.len() + complexes.len())?;
        self.generation += 1;
        let first = self.workspace.complexes.len();
        for mut c in complexes {
            // Added structures get indices of their own, as in Nanome: a copy of a complex
            // already present (its members' indices with it) must not alias the original.
            c.clear_indices();
            c.give_indices(&mut self.next_index);
            self.workspace.complexes.push(c);
        }
        Ok(first..self.workspace.complexes.len())
    }

    /// Replaces the workspace with the tree `w` (validated, indexed); what changed.
    pub fn replace(&mut self, w: &Workspace) -> Result<Changes, ErrorBody> {
        too_many(w.complexes.len())?;
        let packed = PackedWorkspace {
            complexes: pack_valid(&w.complexes)?,
            position: w.position,
            rotation: w.rotation,
            scale: w.scale,
        };
        Ok(self.replace_packed(packed))
    }

    /// Whether `w` would be accepted as the workspace (its complexes were checked when
    /// they were decoded).
    pub fn check(w: &PackedWorkspace) -> Result<(), ErrorBody> {
        too_many(w.complexes.len())
    }

    /// Replaces the workspace with `w` (which [`SessionWorkspace::check`] accepted),
    /// taking it rather than a copy; what changed, for hooks and events.
    pub fn replace_packed(&mut self, mut w: PackedWorkspace) -> Changes {
        self.generation += 1;
        let before: Vec<i64> = self.workspace.complexes.iter().map(Packed::index).collect();
        for c in &mut w.complexes {
            c.give_indices(&mut self.next_index);
        }
        let after: Vec<i64> = w.complexes.iter().map(Packed::index).collect();
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
        changes
    }

    fn find(&self, index: i64) -> Option<usize> {
        if index < 0 {
            return None;
        }
        self.workspace
            .complexes
            .iter()
            .position(|c| c.index() == index)
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
            ToSession::RemoveFromWorkspace(_) | ToSession::StructuresUpdate(_)
        ) {
            self.generation += 1;
        }
        let done = || Ok(ToPlugin::Done(Empty {}));
        let none = Changes::default();
        Some(match msg {
            ToSession::WorkspaceRequest(_) => {
                (Ok(ToPlugin::Workspace(self.workspace.unpack())), none)
            }
            ToSession::ComplexListRequest(_) => {
                let complexes = self
                    .workspace
                    .complexes
                    .iter()
                    .map(Packed::shallow)
                    .collect();
                (Ok(ToPlugin::Complexes(ComplexList { complexes })), none)
            }
            ToSession::ComplexesRequest(Indices { indices }) => {
                let complexes = indices
                    .iter()
                    .map(|i| self.complex(*i).map(Packed::unpack))
                    .collect();
                (
                    Ok(ToPlugin::ComplexesDeep(ComplexesDeep { complexes })),
                    none,
                )
            }
            ToSession::AddToWorkspace(list) => match self.add(&list.complexes) {
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
                    .retain(|c| !indices.contains(&c.index()));
                let removed = self.workspace.complexes.len() < before;
                if removed {
                    self.forget_removed();
                }
                (done(), Changes { removed, ..none })
            }
            ToSession::WorkspaceUpdate(w) => match self.replace(w) {
                Ok(changes) => (done(), changes),
                Err(e) => (Err(e), none),
            },
            ToSession::StructuresUpdate(u) => {
                let old: Vec<Packed> = u
                    .complexes
                    .iter()
                    .filter(|c| self.compares(c.index))
                    .filter_map(|c| self.complex(c.index).cloned())
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
                let complex = self
                    .workspace
                    .complexes
                    .iter()
                    .find(|c| c.has_molecule(req.molecule))
                    .map(Packed::unpack);
                let molecule = complex
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
                let mut trees: Vec<Complex> = self
                    .workspace
                    .complexes
                    .iter()
                    .map(Packed::unpack)
                    .collect();
                match super::color::apply(&mut trees, req) {
                    Ok(updated) => {
                        for (slot, c) in self.workspace.complexes.iter_mut().zip(&trees) {
                            if updated.contains(&c.index) {
                                *slot = Packed::pack(c);
                            }
                        }
                        (done(), Changes { updated, ..none })
                    }
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
            } else {
                // Only the head changes: check it against the stored frames.
                self.workspace.complexes[slot]
                    .head_fits(c)
                    .map_err(ErrorBody::from)?;
            }
            slots.push(slot);
        }
        for (c, slot) in u.complexes.iter().zip(slots) {
            let stored = &mut self.workspace.complexes[slot];
            if u.deep {
                *stored = Packed::pack(c);
                stored.give_indices(&mut self.next_index);
            } else {
                let _ = stored.set_head(c); // checked above
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
