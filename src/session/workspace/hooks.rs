//! Hooks and follow-ups: which links hear of a change (`complex_updated`,
//! `selection_changed`, reading-stream frames), and what a closed link or a removed
//! complex leaves behind.

use super::{Changes, SessionWorkspace};
use crate::api::analysis::ComplexHook;
use crate::api::link::ToPlugin;
use crate::api::stream::{StreamDirection, StreamFeed, StreamInterrupt, StreamInterruptReason};
use crate::api::structure::Packed;
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::wire::subject::Token;
use std::collections::HashSet;

impl SessionWorkspace {
    /// Whether changes to complex `index` feed anything: its hooks, or reading streams.
    /// Without either, comparing a large complex column by column is work for nobody.
    pub(super) fn compares(&self, index: i64) -> bool {
        self.hooks
            .get(&index)
            .is_some_and(|links| !links.is_empty())
            || self.has_readers()
    }

    /// Notes in `changes` how the complex `old` differs from the stored one with its index.
    pub(super) fn compare(&self, old: &Packed, changes: &mut Changes) {
        if !self.compares(old.index()) {
            return;
        }
        let Some(new) = self.complex(old.index()) else {
            return;
        };
        if !new.same_content(old) {
            changes.updated.push(old.index());
            if !new.same_selection(old) {
                changes.selected.push(old.index());
            }
        }
    }

    /// Hooks (or unhooks) link `lid` to a complex's events.
    pub(super) fn hook(&mut self, lid: &Token, h: &ComplexHook) -> Result<ToPlugin, ErrorBody> {
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
    pub(super) fn forget_removed(&mut self) {
        let present: HashSet<i64> = self.workspace.complexes.iter().map(Packed::index).collect();
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
                let Some(stored) = self.complex(*index) else {
                    continue;
                };
                let mut tree = None;
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
                    let c = tree.get_or_insert_with(|| stored.unpack()).clone();
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
                                .get(r.slot)
                                .is_some_and(|c| touched.contains(&c.index()))
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
}
