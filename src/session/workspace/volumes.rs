//! Volumes: a grid shown with a complex, aligned to another if asked.

use super::SessionWorkspace;
use crate::api::structure::Complex;
use crate::api::volume::{VolumeData, VolumeProperties};
use crate::api::{ErrorBody, ErrorCode};
use std::collections::BTreeMap;

/// A volume shown with a complex.
#[derive(Debug, Clone, PartialEq)]
pub struct VolumeInfo {
    /// The grid (values included).
    pub volume: VolumeData,
    /// How it is shown.
    pub properties: VolumeProperties,
}

impl SessionWorkspace {
    /// Adds a complex with a volume, aligned to another complex if asked.
    pub(super) fn add_volume(
        &mut self,
        v: &crate::api::volume::AddVolume,
    ) -> Result<Complex, ErrorBody> {
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
            (complex.position, complex.rotation) = self.workspace.complexes[slot].transform();
        }
        let added = self.add(std::slice::from_ref(&complex))?.remove(0);
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
}
