//! Instance requests about structures already in the workspace: substructures, colour
//! schemes, complex hooks, volumes and interactions.

use super::{DEFAULT_REQUEST_TIMEOUT, Instance, RequestError};
use crate::api::Empty;
use crate::api::analysis::{
    ApplyColorScheme, ColorScheme, ColorSchemeTarget, ComplexHook, Substructure,
    SubstructureRequest, SubstructureType,
};
use crate::api::interaction::{Interaction, InteractionList, InteractionQuery};
use crate::api::link::Indices;
use crate::api::request as req;
use crate::api::structure::Complex;
use crate::api::volume::{AddVolume, VolumeData, VolumeProperties};

impl Instance {
    /// A molecule's substructures, all or of one type (nanome-lib's `get_substructures`,
    /// `get_proteins`, `get_ligands`, `get_solvents`).
    pub async fn request_substructures(
        &self,
        molecule: i64,
        kind: Option<SubstructureType>,
    ) -> Result<Vec<Substructure>, RequestError> {
        let asked = SubstructureRequest { molecule, kind };
        self.call::<req::SubstructureRequest>(asked, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|s| s.substructures)
    }

    /// Colours the selected atoms (nanome-lib's `apply_color_scheme`); waits until applied.
    pub async fn apply_color_scheme(
        &self,
        scheme: ColorScheme,
        target: ColorSchemeTarget,
        only_carbons: bool,
    ) -> Result<(), RequestError> {
        self.done::<req::ApplyColorScheme>(ApplyColorScheme {
            scheme,
            target,
            only_carbons,
        })
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
        self.done::<req::ComplexHook>(ComplexHook {
            index,
            updated,
            selection,
        })
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
        let added = Box::new(AddVolume {
            complex,
            align_to,
            volume,
            properties,
        });
        let mut c = self
            .call::<req::AddVolume>(added, DEFAULT_REQUEST_TIMEOUT)
            .await?;
        match c.complexes.len() {
            1 => Ok(c.complexes.remove(0)),
            _ => Err(RequestError::Unexpected("complexes")),
        }
    }

    /// Creates interactions (or replaces those whose index is set); their indices, in
    /// order (nanome-lib's `Interaction.upload_multiple`).
    pub async fn upload_interactions(
        &self,
        interactions: Vec<Interaction>,
    ) -> Result<Vec<i64>, RequestError> {
        let list = InteractionList { interactions };
        self.call::<req::InteractionsCreate>(list, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|i| i.indices)
    }

    /// Destroys interactions by index.
    pub async fn destroy_interactions(&self, indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::InteractionsDestroy>(Indices {
            indices: indices.to_vec(),
        })
        .await
    }

    /// The interactions touching the structures a query names (nanome-lib's
    /// `Interaction.get`).
    pub async fn request_interactions(
        &self,
        query: InteractionQuery,
    ) -> Result<Vec<Interaction>, RequestError> {
        self.call::<req::InteractionsRequest>(query, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|l| l.interactions)
    }

    /// Tells the session an interactions calculation finished (nanome-lib's
    /// `Interaction.signal_calculation_done`).
    pub async fn signal_interactions_done(&self) -> Result<(), RequestError> {
        self.done::<req::InteractionsCalcDone>(Empty {}).await
    }
}
