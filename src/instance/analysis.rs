//! Instance requests about structures already in the workspace: substructures, colour
//! schemes, complex hooks, volumes and interactions.

use super::{DEFAULT_REQUEST_TIMEOUT, Instance, RequestError};
use crate::api::Empty;
use crate::api::analysis::{
    ApplyColorScheme, ColorScheme, ColorSchemeTarget, ComplexHook, Substructure,
    SubstructureRequest, SubstructureType,
};
use crate::api::interaction::{Interaction, InteractionList, InteractionQuery};
use crate::api::link::{Indices, ToPlugin, ToSession};
use crate::api::structure::Complex;
use crate::api::volume::{AddVolume, VolumeData, VolumeProperties};
use crate::wire;

impl Instance {
    /// A molecule's substructures, all or of one type (nanome-lib's `get_substructures`,
    /// `get_proteins`, `get_ligands`, `get_solvents`).
    pub async fn request_substructures(
        &self,
        molecule: i64,
        kind: Option<SubstructureType>,
    ) -> Result<Vec<Substructure>, RequestError> {
        let req = ToSession::SubstructureRequest(SubstructureRequest { molecule, kind });
        match self.request(req, DEFAULT_REQUEST_TIMEOUT).await? {
            ToPlugin::Substructures(s) => Ok(s.substructures),
            other => Err(RequestError::Unexpected(
                wire::Message::kind(&other).as_str(),
            )),
        }
    }

    /// Colours the selected atoms (nanome-lib's `apply_color_scheme`); waits until applied.
    pub async fn apply_color_scheme(
        &self,
        scheme: ColorScheme,
        target: ColorSchemeTarget,
        only_carbons: bool,
    ) -> Result<(), RequestError> {
        self.request_done(ToSession::ApplyColorScheme(ApplyColorScheme {
            scheme,
            target,
            only_carbons,
        }))
        .await
    }

    /// Starts (or, with both false, stops) [`on_complex_updated`] and
    /// [`on_selection_changed`] for one complex.
    ///
    /// [`on_complex_updated`]: super::PluginInstance::on_complex_updated
    /// [`on_selection_changed`]: super::PluginInstance::on_selection_changed
    pub async fn hook_complex(
        &self,
        index: i64,
        updated: bool,
        selection: bool,
    ) -> Result<(), RequestError> {
        self.request_done(ToSession::ComplexHook(ComplexHook {
            index,
            updated,
            selection,
        }))
        .await
    }

    /// Adds `complex` with a volume (nanome-lib's `add_volume`); `align_to` is a complex
    /// index or −1. Returns the complex as added, with its index.
    pub async fn add_volume(
        &self,
        complex: Complex,
        volume: VolumeData,
        properties: VolumeProperties,
        align_to: i64,
    ) -> Result<Complex, RequestError> {
        let req = ToSession::AddVolume(Box::new(AddVolume {
            complex,
            align_to,
            volume,
            properties,
        }));
        match self.request(req, DEFAULT_REQUEST_TIMEOUT).await? {
            ToPlugin::Complexes(mut c) if c.complexes.len() == 1 => Ok(c.complexes.remove(0)),
            other => Err(RequestError::Unexpected(
                wire::Message::kind(&other).as_str(),
            )),
        }
    }

    /// Creates interactions (or replaces those whose index is set); their indices, in
    /// order (nanome-lib's `Interaction.upload_multiple`).
    pub async fn upload_interactions(
        &self,
        interactions: Vec<Interaction>,
    ) -> Result<Vec<i64>, RequestError> {
        let req = ToSession::InteractionsCreate(InteractionList { interactions });
        match self.request(req, DEFAULT_REQUEST_TIMEOUT).await? {
            ToPlugin::InteractionsCreated(i) => Ok(i.indices),
            other => Err(RequestError::Unexpected(
                wire::Message::kind(&other).as_str(),
            )),
        }
    }

    /// Destroys interactions by index.
    pub async fn destroy_interactions(&self, indices: &[i64]) -> Result<(), RequestError> {
        self.request_done(ToSession::InteractionsDestroy(Indices {
            indices: indices.to_vec(),
        }))
        .await
    }

    /// The interactions touching the structures a query names (nanome-lib's
    /// `Interaction.get`).
    pub async fn request_interactions(
        &self,
        query: InteractionQuery,
    ) -> Result<Vec<Interaction>, RequestError> {
        match self
            .request(
                ToSession::InteractionsRequest(query),
                DEFAULT_REQUEST_TIMEOUT,
            )
            .await?
        {
            ToPlugin::Interactions(l) => Ok(l.interactions),
            other => Err(RequestError::Unexpected(
                wire::Message::kind(&other).as_str(),
            )),
        }
    }

    /// Tells the session an interactions calculation finished (nanome-lib's
    /// `Interaction.signal_calculation_done`).
    pub async fn signal_interactions_done(&self) -> Result<(), RequestError> {
        self.request_done(ToSession::InteractionsCalcDone(Empty {}))
            .await
    }
}
