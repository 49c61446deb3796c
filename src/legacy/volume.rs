//! nanome-lib's `add_volume` (`AddVolume`, `VolumeData`, `UnitCell`, `VolumeProperties`,
//! `VolumeLayer`): a complex with its atom table, the complex to align to, a grid of
//! floats and how to show it.

use super::serial::{Reader, SerialError};
use super::structure::{self, Versions};
use crate::api::volume::{
    AddVolume, MAX_VOXELS, UnitCell, VolumeData, VolumeLayer, VolumeProperties, VolumeStyle,
    VolumeType,
};

/// Most layers one volume is drawn with.
const MAX_LAYERS: usize = 64;

fn side(r: &mut Reader<'_>, what: &'static str) -> Result<u32, SerialError> {
    let n = r.i32(what)?;
    u32::try_from(n).map_err(|_| r.invalid(format!("{what} is {n}; a side is at least 0")))
}

fn data(r: &mut Reader<'_>) -> Result<VolumeData, SerialError> {
    let (width, height, depth) = (
        side(r, "the volume's width")?,
        side(r, "the volume's height")?,
        side(r, "the volume's depth")?,
    );
    let mean = r.f32("the volume's mean")?;
    let rmsd = r.f32("the volume's rmsd")?;
    let kind = match r.i32("the volume's type")? {
        0 => VolumeType::Default,
        1 => VolumeType::Density,
        2 => VolumeType::DensityDiff,
        3 => VolumeType::CryoEm,
        4 => VolumeType::Electrostatic,
        n => return Err(r.invalid(format!("volume type {n} is none of 0 to 4"))),
    };
    let name = r.string("the volume's name")?;
    let [a, b, c, alpha, beta, gamma, x, y, z] = {
        let mut f = [0f32; 9];
        for v in &mut f {
            *v = r.f32("the volume's unit cell")?;
        }
        f
    };
    let n = r.count_at_most(4, MAX_VOXELS, "the volume's values")?;
    let data = r.take(n * 4, "the volume's values")?.to_vec();
    Ok(VolumeData {
        width,
        height,
        depth,
        mean,
        rmsd,
        kind,
        name,
        cell: UnitCell {
            lengths: [a, b, c],
            angles: [alpha, beta, gamma],
            origin: [x, y, z],
        },
        data,
    })
}

fn properties(r: &mut Reader<'_>) -> Result<VolumeProperties, SerialError> {
    let visible = r.bool("the volume's visibility")?;
    let boxed = r.bool("the volume's box")?;
    let use_map_mover = r.bool("the volume's map mover")?;
    let style = match r.i32("the volume's style")? {
        0 => VolumeStyle::Mesh,
        1 => VolumeStyle::FlatSurface,
        2 => VolumeStyle::SmoothSurface,
        n => return Err(r.invalid(format!("volume style {n} is none of 0 to 2"))),
    };
    let n = r.count_at_most(8, MAX_LAYERS, "the volume's layers")?;
    let layers = (0..n)
        .map(|_| {
            Ok(VolumeLayer {
                color: r.u32("a layer's colour")?,
                rmsd: r.f32("a layer's rmsd")?,
            })
        })
        .collect::<Result<_, SerialError>>()?;
    Ok(VolumeProperties {
        visible,
        boxed,
        use_map_mover,
        style,
        layers,
    })
}

/// `add_volume`: the complex (with its atom table), the complex to align to, the volume
/// and its properties.
pub fn read_add(r: &mut Reader<'_>, v: Versions) -> Result<AddVolume, SerialError> {
    let complex = structure::read_complex(r, v)?;
    let align_to = r.i64("the complex to align to")?;
    Ok(AddVolume {
        complex,
        align_to,
        volume: data(r)?,
        properties: properties(r)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::legacy::serial::Writer;

    fn volume(values: u32) -> Vec<u8> {
        let v = Versions::of(&crate::legacy::translate::versions());
        let mut w = Writer::default();
        // An empty complex, aligned to nothing.
        let mut bytes =
            structure::write_complexes(v, std::iter::once(&structure::unknown_complex()));
        // write_complexes writes an array: drop its count to leave one complex.
        bytes.drain(4..8);
        w.bytes = bytes;
        w.i64(-1)
            .i32(2)
            .i32(1)
            .i32(1)
            .f32(0.5)
            .f32(0.1)
            .i32(4)
            .string("esp");
        for f in [1.0, 1.0, 1.0, 90.0, 90.0, 90.0, 0.0, 0.0, 0.0] {
            w.f32(f);
        }
        w.u32(values);
        for i in 0..values.min(2) {
            w.f32(i as f32);
        }
        w.bool(true)
            .bool(false)
            .bool(true)
            .i32(2)
            .u32(1)
            .u32(0xff00_00ff)
            .f32(1.5);
        w.bytes
    }

    #[test]
    fn a_volume_reads_with_its_grid_and_layers() {
        let bytes = volume(2);
        let add = read_add(
            &mut Reader::new(&bytes),
            Versions::of(&crate::legacy::translate::versions()),
        )
        .unwrap();
        assert_eq!(
            (add.align_to, add.volume.width, add.volume.kind),
            (-1, 2, VolumeType::Electrostatic)
        );
        assert_eq!(add.volume.data.len(), 8);
        add.volume.validate().unwrap();
        assert_eq!(add.properties.style, VolumeStyle::SmoothSurface);
        assert_eq!(
            add.properties.layers,
            [VolumeLayer {
                color: 0xff00_00ff,
                rmsd: 1.5
            }]
        );
        // A grid claiming more values than the message holds.
        let e = read_add(
            &mut Reader::new(&volume(1 << 30)),
            Versions::of(&crate::legacy::translate::versions()),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("more than") || e.to_string().contains("at most"),
            "{e}"
        );
    }
}
