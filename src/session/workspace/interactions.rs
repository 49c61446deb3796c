//! Interactions: created between atoms in the workspace, and queried.

use super::SessionWorkspace;
use crate::api::interaction::{
    Interaction, InteractionList, InteractionQuery, MAX_INTERACTIONS, MAX_SIDE,
};
use crate::api::link::{Indices, ToPlugin};
use crate::api::structure::Packed;
use crate::api::{ErrorBody, ErrorCode};
use std::collections::HashSet;

impl SessionWorkspace {
    /// Every atom index in the workspace.
    pub(super) fn atom_indices(&self) -> HashSet<i64> {
        self.workspace
            .complexes
            .iter()
            .flat_map(Packed::atom_indices)
            .collect()
    }

    pub(super) fn create_interactions(
        &mut self,
        list: &InteractionList,
    ) -> Result<ToPlugin, ErrorBody> {
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
    pub(super) fn query_interactions(&self, q: &InteractionQuery) -> Vec<Interaction> {
        let named = !(q.complexes.is_empty()
            && q.molecules.is_empty()
            && q.chains.is_empty()
            && q.residues.is_empty()
            && q.atoms.is_empty());
        let mut atoms: HashSet<i64> = q.atoms.iter().copied().collect();
        if named {
            for c in self.workspace.complexes.iter().map(Packed::unpack) {
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
