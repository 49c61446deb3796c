//! Integrations: Nanome features a plugin provides (hydrogens, structure preparation,
//! minimization, SMILES, ...). A plugin declares them at registration; the session calls one
//! with `integration` (a request with an id) and the instance answers `integration_result`.

use serde::{Deserialize, Serialize};

use super::structure::Complex;

/// A call of an integration, by kind (nanome-lib's `IntegrationCommands`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrationRequest {
    /// Add hydrogens to these complexes.
    HydrogenAdd {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Remove hydrogens from these complexes.
    HydrogenRemove {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Prepare these complexes (bonds, solvent, ...).
    StructurePrep {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Compute the electrostatic potential.
    CalculateEsp {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Start a minimization.
    MinimizationStart {
        /// Force field (0 = UFF, 1 = MMFF94, 2 = GAFF in Nanome's numbering).
        forcefield: u8,
        /// Steps.
        steps: i32,
        /// Steepest descent rather than conjugate gradients.
        steepest: bool,
        /// Non-bonded cutoff (Å).
        cutoff: f32,
    },
    /// Stop the minimization.
    MinimizationStop,
    /// The locations files can be exported to.
    ExportLocations,
    /// Export a file.
    ExportFile {
        /// Location (from `export_locations`).
        location: String,
        /// File name.
        filename: String,
        /// Content.
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// Import a file (the plugin asks its user which).
    ImportFile,
    /// Render images of these complexes.
    GenerateMoleculeImage {
        /// The complexes.
        complexes: Vec<Complex>,
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// SMILES of these complexes.
    ExportSmiles {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Complexes from SMILES strings.
    ImportSmiles {
        /// The SMILES.
        smiles: Vec<String>,
    },
    /// Compute interactions.
    RunInteractions,
}

impl IntegrationRequest {
    /// The integration a plugin must declare to receive this call.
    pub fn declared_as(&self) -> &'static str {
        match self {
            IntegrationRequest::HydrogenAdd { .. } | IntegrationRequest::HydrogenRemove { .. } => {
                "hydrogen"
            }
            IntegrationRequest::StructurePrep { .. } => "structure_prep",
            IntegrationRequest::CalculateEsp { .. } => "calculate_esp",
            IntegrationRequest::MinimizationStart { .. } | IntegrationRequest::MinimizationStop => {
                "minimization"
            }
            IntegrationRequest::ExportLocations => "export_locations",
            IntegrationRequest::ExportFile { .. } => "export_file",
            IntegrationRequest::ImportFile => "import_file",
            IntegrationRequest::GenerateMoleculeImage { .. } => "generate_molecule_image",
            IntegrationRequest::ExportSmiles { .. } | IntegrationRequest::ImportSmiles { .. } => {
                "smiles"
            }
            IntegrationRequest::RunInteractions => "interactions",
        }
    }
}

/// What an integration returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntegrationResult {
    /// Complexes (hydrogens, structure prep, ESP, import SMILES).
    Complexes {
        /// The complexes.
        complexes: Vec<Complex>,
    },
    /// Whether it worked (minimization start, export file).
    Success {
        /// Outcome.
        ok: bool,
    },
    /// Location names (export locations).
    Locations {
        /// Names.
        names: Vec<String>,
    },
    /// Images (generate molecule image), PNG or JPEG bytes.
    Images {
        /// One per complex.
        images: Vec<serde_bytes::ByteBuf>,
    },
    /// SMILES strings (export SMILES).
    Smiles {
        /// One per complex.
        smiles: Vec<String>,
    },
    /// Nothing to return.
    Done,
}
