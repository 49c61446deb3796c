//! The workspace's hot paths: plugin messages that carry or ask for whole complexes,
//! decoded and answered as columns ([`Packed`]). A 100k-atom workspace is then copied as
//! byte strings both ways instead of built and freed as a tree of atoms.

use super::Core;
use crate::api::link::{Indices, ToPluginKind, ToSession, ToSessionKind};
use crate::api::structure::{Packed, PackedWorkspace};
use crate::api::{Empty, ErrorBody};
use crate::session::workspace::{Changes, SessionWorkspace};
use crate::wire::subject::Token;
use crate::wire::{self, DecodeError, Envelope};
use serde::{Deserialize, Serialize};

/// Complexes as columns (`add_to_workspace`'s body).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct PackedList {
    #[serde(deserialize_with = "crate::api::structure::bounded_complexes")]
    pub(crate) complexes: Vec<Packed>,
}

crate::messages! {
    /// The plugin messages whose complexes the session takes as columns: the same kinds
    /// and bodies as [`ToSession`]'s, decoded into [`Packed`] instead of trees.
    pub(crate) enum Structures: StructuresKind {
        /// `workspace_update`.
        WorkspaceUpdate("workspace_update", PackedWorkspace),
        /// `add_to_workspace`.
        AddToWorkspace("add_to_workspace", PackedList),
    }
}

/// A plugin's message as the router reads it, in one decoding pass: the kinds of
/// [`Structures`] with their complexes as columns, every other kind as [`ToSession`].
#[derive(Debug)]
pub(super) enum Inbound {
    Structures(Structures),
    Other(ToSession),
}

impl wire::Message for Inbound {
    type Kind = ToSessionKind;
    const KINDS: &'static [&'static str] = ToSession::KINDS;

    fn kind(&self) -> ToSessionKind {
        match self {
            Inbound::Structures(Structures::WorkspaceUpdate(_)) => ToSessionKind::WorkspaceUpdate,
            Inbound::Structures(Structures::AddToWorkspace(_)) => ToSessionKind::AddToWorkspace,
            Inbound::Other(m) => m.kind(),
        }
    }

    fn serialize_body<S: serde::ser::SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
        match self {
            Inbound::Structures(m) => m.serialize_body(map),
            Inbound::Other(m) => m.serialize_body(map),
        }
    }

    fn deserialize_body<'de, A: serde::de::MapAccess<'de>>(
        kind: &str,
        map: &mut A,
    ) -> Result<Option<Self>, A::Error> {
        // `Structures` reads nothing for a kind it does not have.
        if let Some(m) = Structures::deserialize_body(kind, map)? {
            return Ok(Some(Inbound::Structures(m)));
        }
        Ok(ToSession::deserialize_body(kind, map)?.map(Inbound::Other))
    }
}

/// Decodes a plugin's message: structures as columns, the rest as [`ToSession`].
pub(super) fn decode(bytes: &[u8], max: usize) -> Result<Envelope<Inbound>, DecodeError> {
    wire::decode::<Inbound>(bytes, max)
}

/// `complexes_deep`'s body, borrowed from the workspace.
#[derive(Serialize)]
struct Deep<'a> {
    complexes: Vec<Option<&'a Packed>>,
}

/// `complexes`' body, borrowed from the workspace.
#[derive(Serialize)]
struct Added<'a> {
    complexes: &'a [Packed],
}

impl Core {
    /// Publishes an answer encoded from the workspace in place.
    async fn answer_encoded(&self, to: &str, bytes: Vec<u8>) {
        if let Err(e) = super::super::publish_encoded_to_plugin(&self.client, to, bytes).await {
            tracing::warn!("answering a plugin failed: {e}");
        }
    }

    /// `workspace_request`: the columns as stored (a copy would cost as much again).
    pub(super) async fn answer_workspace(&self, id: u64, to: &str) {
        if id != 0 {
            let ws = self.workspace.workspace();
            let bytes = wire::encode_borrowed(id, ToPluginKind::Workspace, ws);
            self.answer_encoded(to, bytes).await;
        }
    }

    /// `complexes_request`: the complexes asked for, as stored (`null` for unknown ones).
    pub(super) async fn answer_complexes(&self, id: u64, req: &Indices, to: &str) {
        if id != 0 {
            let deep = Deep {
                complexes: req
                    .indices
                    .iter()
                    .map(|i| self.workspace.complex(*i))
                    .collect(),
            };
            let bytes = wire::encode_borrowed(id, ToPluginKind::ComplexesDeep, &deep);
            self.answer_encoded(to, bytes).await;
        }
    }

    /// A plugin's `workspace_update` or `add_to_workspace`, taken without a copy; returns
    /// the message as the link's events show it (its complexes shallow).
    pub(super) async fn structures(
        &mut self,
        lid: &Token,
        env: Envelope<Structures>,
        to: &str,
    ) -> Envelope<ToSession> {
        let id = env.id;
        let shown = match env.msg {
            Structures::WorkspaceUpdate(w) => {
                let shown = ToSession::WorkspaceUpdate(w.shallow());
                self.update_workspace(lid, id, w, to).await;
                shown
            }
            Structures::AddToWorkspace(list) => {
                let complexes = list.complexes.iter().map(Packed::shallow).collect();
                self.add_to_workspace(lid, id, list.complexes, to).await;
                ToSession::AddToWorkspace(crate::api::link::ComplexList { complexes })
            }
        };
        Envelope { id, msg: shown }
    }

    /// `workspace_update`. A valid one is answered before it is applied (indices, comparing
    /// with the old workspace for hooks); this task takes the link's next request only
    /// after.
    async fn update_workspace(&mut self, lid: &Token, id: u64, w: PackedWorkspace, to: &str) {
        let checked = SessionWorkspace::check(&w);
        if id != 0 {
            let answer = checked
                .clone()
                .map(|()| crate::api::link::ToPlugin::Done(Empty {}));
            self.reply(to, id, answer).await;
            // Let the broker connection send the answer first: woken by the publish, it
            // waits in this worker's next-task slot, which no other worker takes from.
            tokio::task::yield_now().await;
        } else if let Err(e) = &checked {
            self.reply(to, 0, Err(e.clone())).await;
        }
        if checked.is_ok() {
            let changes = self.workspace.replace_packed(w);
            self.announce(Some(lid), changes).await;
        }
    }

    /// `add_to_workspace`: answered with the complexes as stored (their new indices).
    async fn add_to_workspace(&mut self, lid: &Token, id: u64, list: Vec<Packed>, to: &str) {
        match self.workspace.insert(list) {
            Ok(_) if id == 0 => self.announce(Some(lid), Changes::added()).await,
            Ok(slots) => {
                let stored = &self.workspace.workspace().complexes[slots];
                let bytes = wire::encode_borrowed(
                    id,
                    ToPluginKind::Complexes,
                    &Added { complexes: stored },
                );
                self.answer_encoded(to, bytes).await;
                self.announce(Some(lid), Changes::added()).await;
            }
            Err(e) => self.reply(to, id, Err::<_, ErrorBody>(e)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::structure::{Complex, MAX_COMPLEXES, Workspace};
    use crate::wire::Kind;

    fn update(complexes: Vec<Complex>) -> Vec<u8> {
        wire::encode(&Envelope::with_id(
            7,
            ToSession::WorkspaceUpdate(Workspace {
                complexes,
                ..Default::default()
            }),
        ))
    }

    #[test]
    fn structures_decode_as_columns_and_the_rest_as_trees() {
        let env = decode(&update(vec![Complex::default()]), 1 << 20).unwrap();
        assert!(
            matches!(env.msg, Inbound::Structures(_)),
            "decoded as columns"
        );
        assert_eq!(env.id, 7);
        let ping = wire::encode(&Envelope::with_id(1, ToSession::WorkspaceRequest(Empty {})));
        assert!(matches!(
            decode(&ping, 1 << 20).map(|e| e.msg),
            Ok(Inbound::Other(_))
        ));
    }

    #[test]
    fn a_flood_of_empty_complexes_is_refused_before_it_is_read() {
        // 1,025 empty complexes are ~1 KB on the wire and would be ~400 KB as columns.
        let e = match decode(
            &update(vec![Complex::default(); MAX_COMPLEXES + 1]),
            1 << 20,
        ) {
            Err(e) => e,
            Ok(_) => panic!("refused"),
        };
        assert!(e.to_string().contains("more than 1024"), "{e}");
    }

    #[test]
    fn the_kinds_are_those_of_to_session() {
        for k in <StructuresKind as Kind>::ALL {
            assert!(
                ToSessionKind::parse(k.as_str()).is_some(),
                "{k} is not a ToSession kind"
            );
        }
    }
}
