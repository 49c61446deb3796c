//! `tour`: a structure plugin that calls, once each, the APIs about what is already in
//! the workspace — substructures, selection and colour schemes, complex hooks, a reading
//! stream, a volume, interactions, the menu transform — and reports each result as a
//! notification. Afterwards it reports every change the session makes to the complex.
//!
//! `nts up` runs it built in (`nts plugin tour`); this file is also a standalone program:
//!
//! ```text
//! cargo run --example tour
//! nts session run tour --load protein.pdb --exit-on notification
//! ```

use nts::api::analysis::{ColorScheme, ColorSchemeTarget, SubstructureType};
use nts::api::interaction::{Interaction, InteractionKind, InteractionQuery};
use nts::api::link::NotificationType;
use nts::api::stream::{StreamData, StreamKind};
use nts::api::structure::{Complex, IDENTITY};
use nts::api::volume::{VolumeData, VolumeLayer, VolumeProperties};
use nts::instance::{Instance, PluginInstance, RequestError, Stream};
use nts::plugin::Plugin;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "tour",
        "Substructures, colours, hooks, a reading stream, a volume and interactions on the first complex.",
    )
    .category("Examples")
    .tags(["example", "structure"])
    .version(env!("CARGO_PKG_VERSION"))
}

/// Grid points per side of the density the tour adds.
const GRID: u32 = 8;

/// One instance per session.
#[derive(Default)]
pub struct Tour {
    reader: Option<Stream>,
}

async fn say(nts: &Instance, kind: NotificationType, text: String) {
    let _ = nts.send_notification(kind, text).await;
}

/// A Gaussian blob centred in a `GRID`³ box around the complex's atoms.
fn density(complex: &Complex) -> VolumeData {
    let n = complex.atom_count().max(1) as f32;
    let mut centre = [0.0f32; 3];
    for a in complex.atoms() {
        for (c, p) in centre.iter_mut().zip(a.position) {
            *c += p / n;
        }
    }
    let half = GRID as f32 / 2.0;
    let mut values = Vec::with_capacity((GRID * GRID * GRID) as usize);
    for z in 0..GRID {
        for y in 0..GRID {
            for x in 0..GRID {
                let d2 = [x, y, z]
                    .iter()
                    .map(|&v| (v as f32 + 0.5 - half).powi(2))
                    .sum::<f32>();
                values.push((-d2 / 8.0).exp());
            }
        }
    }
    let mut v = VolumeData::from_values(GRID, GRID, GRID, &values);
    v.name = format!("{} density", complex.name);
    v.cell.lengths = [GRID as f32; 3];
    v.cell.origin = centre.map(|c| c - half);
    v
}

impl Tour {
    async fn tour(&mut self, nts: &Instance) -> Result<(), RequestError> {
        let list = nts.request_complex_list().await?;
        let Some(first) = list.first() else {
            say(
                nts,
                NotificationType::Warning,
                "load a structure first (nts session run tour --load FILE)".into(),
            )
            .await;
            return Ok(());
        };
        let Some(mut complex) = nts.request_complexes(&[first.index]).await?.remove(0) else {
            return Ok(()); // removed meanwhile
        };

        // Substructures of the shown frame's molecule.
        let frame = complex.current_frame as usize;
        if let Some(molecule) = complex.molecules.get(frame) {
            let subs = nts.request_substructures(molecule.index, None).await?;
            let count = |k| subs.iter().filter(|s| s.kind == k).count();
            say(
                nts,
                NotificationType::Message,
                format!(
                    "substructures: {} protein, {} ligand, {} solvent",
                    count(SubstructureType::Protein),
                    count(SubstructureType::Ligand),
                    count(SubstructureType::Solvent)
                ),
            )
            .await;
        }

        // Select every atom, colour the selection by element.
        for a in complex.atoms_mut() {
            a.selected = true;
        }
        nts.update_structures_deep(vec![complex.clone()]).await?;
        nts.apply_color_scheme(ColorScheme::Element, ColorSchemeTarget::AtomBond, false)
            .await?;
        say(
            nts,
            NotificationType::Message,
            format!("coloured {} atoms by element", complex.atom_count()),
        )
        .await;

        // Hear about later changes, and read the first atom's position.
        nts.hook_complex(complex.index, true, true).await?;
        if let Some(atom) = complex.atoms().next() {
            self.reader = Some(
                nts.create_reading_stream(vec![atom.index], StreamKind::Position)
                    .await?,
            );
        }

        // A density map aligned with the complex.
        let props = VolumeProperties {
            layers: vec![VolumeLayer {
                color: 0x3050_F880,
                rmsd: 1.0,
            }],
            ..VolumeProperties::default()
        };
        let holder = Complex {
            name: format!("{} map", complex.name),
            ..Complex::default()
        };
        let added = nts
            .add_volume(holder, density(&complex), props, complex.index)
            .await?;
        say(
            nts,
            NotificationType::Message,
            format!("volume added as complex {}", added.index),
        )
        .await;

        // An interaction between the two atoms closest across two residues.
        let residues: Vec<_> = complex.residues().collect();
        if let [r1, r2, ..] = residues.as_slice()
            && let (Some(a), Some(b)) = (r1.atoms.first(), r2.atoms.first())
        {
            nts.upload_interactions(vec![Interaction::new(
                InteractionKind::Proximal,
                a.index,
                b.index,
            )])
            .await?;
            let found = nts
                .request_interactions(InteractionQuery {
                    complexes: vec![complex.index],
                    ..InteractionQuery::default()
                })
                .await?;
            nts.signal_interactions_done().await?;
            say(
                nts,
                NotificationType::Message,
                format!("{} interaction(s) on the complex", found.len()),
            )
            .await;
        }

        // Put the menu in front of the presenter and read it back.
        nts.set_menu_transform(0, [0.0, 1.5, 0.8], IDENTITY, [1.0; 3])
            .await?;
        let t = nts.request_menu_transform(0).await?;
        say(
            nts,
            NotificationType::Message,
            format!("menu at {:?}", t.position),
        )
        .await;
        say(nts, NotificationType::Success, "tour done".into()).await;
        Ok(())
    }
}

impl PluginInstance for Tour {
    async fn on_run(&mut self, nts: &Instance) {
        if let Err(e) = self.tour(nts).await {
            say(nts, NotificationType::Error, format!("tour failed: {e}")).await;
        }
    }

    async fn on_complex_updated(&mut self, nts: &Instance, complex: Complex) {
        let text = format!("complex {} updated", complex.index);
        say(nts, NotificationType::Message, text).await;
    }

    async fn on_selection_changed(&mut self, nts: &Instance, complex: Complex) {
        let n = complex.atoms().filter(|a| a.selected).count();
        let text = format!("selection of {}: {n} atoms", complex.index);
        say(nts, NotificationType::Message, text).await;
    }

    async fn on_stream_update(&mut self, nts: &Instance, stream_id: u32, data: StreamData) {
        if self.reader.as_ref().map(Stream::id) != Some(stream_id) {
            return;
        }
        if let StreamData::Float(v) = data
            && let [x, y, z, ..] = v[..]
        {
            let text = format!("first atom at ({x:.3}, {y:.3}, {z:.3})");
            say(nts, NotificationType::Message, text).await;
        }
    }
}

#[allow(dead_code)] // built into `nts` as a module, where `main` is unused
fn main() -> std::process::ExitCode {
    plugin().run(Tour::default)
}
