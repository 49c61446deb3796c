//! Volumetric data (electron density, cryo-EM maps, electrostatic potential) shown with a
//! complex (nanome-lib's `add_volume`, `VolumeData`, `VolumeProperties`).

use serde::{Deserialize, Serialize};

use super::structure::{Complex, Vec3};

/// Most grid points in one volume (a 512³ map).
pub const MAX_VOXELS: usize = 512 * 512 * 512;
/// Most contour layers.
pub const MAX_LAYERS: usize = 16;

/// What a volume holds (nanome-lib's `VolumeType`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeType {
    /// Unspecified.
    #[default]
    Default,
    /// Electron density.
    Density,
    /// Difference density.
    DensityDiff,
    /// Cryo-EM map.
    CryoEm,
    /// Electrostatic potential.
    Electrostatic,
}

/// How a volume is drawn (nanome-lib's `VolumeVisualStyle`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VolumeStyle {
    /// Wire mesh.
    #[default]
    Mesh,
    /// Flat surface.
    FlatSurface,
    /// Smooth surface.
    SmoothSurface,
}

/// The crystallographic cell the grid spans.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UnitCell {
    /// Edge lengths a, b, c (Å).
    pub lengths: Vec3,
    /// Angles alpha, beta, gamma (degrees).
    pub angles: Vec3,
    /// Where the grid starts (Å).
    pub origin: Vec3,
}

impl Default for UnitCell {
    fn default() -> Self {
        UnitCell {
            lengths: [1.0; 3],
            angles: [90.0; 3],
            origin: [0.0; 3],
        }
    }
}

/// A grid of values: `width × height × depth` little-endian `f32`, x fastest.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct VolumeData {
    /// Points along x.
    pub width: u32,
    /// Points along y.
    pub height: u32,
    /// Points along z.
    pub depth: u32,
    /// Mean of the values.
    #[serde(default)]
    pub mean: f32,
    /// Root-mean-square deviation of the values.
    #[serde(default)]
    pub rmsd: f32,
    /// What the values are.
    #[serde(default)]
    pub kind: VolumeType,
    /// A name.
    #[serde(default)]
    pub name: String,
    /// The cell.
    #[serde(default)]
    pub cell: UnitCell,
    /// The values, as bytes.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

impl VolumeData {
    /// A grid from values (mean and RMSD computed).
    pub fn from_values(width: u32, height: u32, depth: u32, values: &[f32]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let var = values
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        VolumeData {
            width,
            height,
            depth,
            mean: mean as f32,
            rmsd: var.sqrt() as f32,
            data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ..VolumeData::default()
        }
    }

    /// Checks the grid's size against its data.
    pub fn validate(&self) -> Result<(), super::Invalid> {
        let points = (self.width as usize)
            .checked_mul(self.height as usize)
            .and_then(|p| p.checked_mul(self.depth as usize))
            .filter(|&p| p > 0 && p <= MAX_VOXELS)
            .ok_or_else(|| {
                super::Invalid::new(format!(
                    "a volume of {}×{}×{} points: each side at least 1, at most {MAX_VOXELS} points",
                    self.width, self.height, self.depth
                ))
            })?;
        if self.data.len() != points * 4 {
            return Err(super::Invalid::new(format!(
                "a {}×{}×{} volume needs {} bytes of f32, got {}",
                self.width,
                self.height,
                self.depth,
                points * 4,
                self.data.len()
            )));
        }
        Ok(())
    }
}

/// One contour level.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VolumeLayer {
    /// RGBA.
    pub color: u32,
    /// Level, in RMSDs from the mean.
    pub rmsd: f32,
}

/// How the volume is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeProperties {
    /// Shown.
    pub visible: bool,
    /// Clipped to a box around the view.
    pub boxed: bool,
    /// Moves with the map mover tool.
    pub use_map_mover: bool,
    /// Drawing style.
    pub style: VolumeStyle,
    /// Contour levels.
    pub layers: Vec<VolumeLayer>,
}

impl Default for VolumeProperties {
    fn default() -> Self {
        VolumeProperties {
            visible: true,
            boxed: true,
            use_map_mover: true,
            style: VolumeStyle::Mesh,
            layers: Vec::new(),
        }
    }
}

/// Add a complex with a volume (reply: `complexes`, the complex as added).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddVolume {
    /// The complex the volume belongs to (may have no atoms).
    pub complex: Complex,
    /// Align it to this complex (−1: place it as it is).
    #[serde(default = "unaligned")]
    pub align_to: i64,
    /// The grid.
    pub volume: VolumeData,
    /// How it is shown.
    #[serde(default)]
    pub properties: VolumeProperties,
}

fn unaligned() -> i64 {
    -1
}
