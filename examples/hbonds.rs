//! `hbonds`: finds hydrogen bonds in the loaded structures and selects the atoms involved.
//!
//! A hydrogen bond here is a nitrogen or oxygen pair from different residues 2.5–3.5 Å
//! apart (heavy-atom geometry; hydrogens are often absent from PDB files). Neighbours are
//! found with a uniform grid, so the run is linear in the number of atoms. Each bond is
//! selected, drawn as a line and added as an interaction; the plugin also provides the
//! `structure_prep` integration.
//!
//! `nts up` runs it built in (`nts plugin hbonds`); this file is also a standalone program:
//!
//! ```text
//! cargo run --example hbonds
//! nts session run hbonds --load protein.pdb --save out.pdb --exit-on notification
//! ```

use std::collections::HashMap;

use nts::api::integration::{IntegrationRequest, IntegrationResult};
use nts::api::interaction::{Interaction, InteractionKind};
use nts::api::link::NotificationType;
use nts::api::shape::{Anchor, AnchorType, Shape};
use nts::api::structure::Complex;
use nts::api::{ErrorBody, ErrorCode};
use nts::instance::{Instance, PluginInstance};
use nts::plugin::Plugin;

/// Shortest donor–acceptor distance counted (Å).
pub const MIN_DISTANCE: f32 = 2.5;
/// Longest donor–acceptor distance counted (Å).
pub const MAX_DISTANCE: f32 = 3.5;
/// Most bonds drawn as lines per run (all are counted and selected).
pub const MAX_LINES: usize = 1000;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "hbonds",
        "Finds hydrogen bonds (N/O pairs 2.5-3.5 Å apart) and selects their atoms.",
    )
    .category("Examples")
    .tags(["example", "structure"])
    .integrations(["structure_prep"])
    .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct HBonds;

/// Hydrogen bonds in `complex`, as pairs of atom ordinals.
pub fn find(complex: &Complex) -> Vec<(usize, usize)> {
    // (ordinal, residue number, position) of every N and O.
    let mut polar = Vec::new();
    for (ri, residue) in complex.residues().enumerate() {
        for atom in &residue.atoms {
            polar.push((
                ri,
                atom.symbol.eq_ignore_ascii_case("N") || atom.symbol.eq_ignore_ascii_case("O"),
                atom.position,
            ));
        }
    }
    let cell = |p: [f32; 3]| {
        [
            (p[0] / MAX_DISTANCE).floor() as i64,
            (p[1] / MAX_DISTANCE).floor() as i64,
            (p[2] / MAX_DISTANCE).floor() as i64,
        ]
    };
    let mut grid: HashMap<[i64; 3], Vec<usize>> = HashMap::new();
    for (i, (_, is_polar, p)) in polar.iter().enumerate() {
        if *is_polar {
            grid.entry(cell(*p)).or_default().push(i);
        }
    }
    let mut pairs = Vec::new();
    for (i, (ri, is_polar, p)) in polar.iter().enumerate() {
        if !is_polar {
            continue;
        }
        let c = cell(*p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let Some(others) = grid.get(&[c[0] + dx, c[1] + dy, c[2] + dz]) else {
                        continue;
                    };
                    for &j in others {
                        let (rj, _, q) = polar[j];
                        if j <= i || rj == *ri {
                            continue;
                        }
                        let d =
                            ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2))
                                .sqrt();
                        if (MIN_DISTANCE..=MAX_DISTANCE).contains(&d) {
                            pairs.push((i, j));
                        }
                    }
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs
}

/// Structure preparation: drops waters and adds the covalent bonds the file lacked.
pub fn prepare(mut complex: Complex) -> Complex {
    // Bond ordinals shift when atoms go: rebuild them all from the rule after removing.
    for m in &mut complex.molecules {
        for c in &mut m.chains {
            c.residues
                .retain(|r| !matches!(r.code.as_str(), "HOH" | "WAT" | "H2O" | "DOD"));
            for r in &mut c.residues {
                r.bonds.clear();
            }
        }
        m.chains.retain(|c| !c.residues.is_empty());
    }
    nts::files::bonds::infer(&mut complex);
    complex
}

impl PluginInstance for HBonds {
    async fn on_integration(
        &mut self,
        _nts: &Instance,
        request: IntegrationRequest,
    ) -> Result<IntegrationResult, ErrorBody> {
        match request {
            IntegrationRequest::StructurePrep { complexes } => Ok(IntegrationResult::Complexes {
                complexes: complexes.into_iter().map(prepare).collect(),
            }),
            other => Err(ErrorBody::new(
                ErrorCode::Unavailable,
                format!("hbonds does not provide {:?}", other.declared_as()),
            )),
        }
    }

    async fn on_run(&mut self, nts: &Instance) {
        let note = |kind, text: String| async move {
            let _ = nts.send_notification(kind, text).await;
        };
        let list = match nts.request_complex_list().await {
            Ok(l) if !l.is_empty() => l,
            Ok(_) => return note(NotificationType::Warning, "load a structure first".into()).await,
            Err(e) => {
                return note(
                    NotificationType::Error,
                    format!("could not list complexes: {e}"),
                )
                .await;
            }
        };
        let indices: Vec<i64> = list.iter().map(|c| c.index).collect();
        let complexes = match nts.request_complexes(&indices).await {
            Ok(c) => c.into_iter().flatten().collect::<Vec<_>>(),
            Err(e) => {
                return note(
                    NotificationType::Error,
                    format!("could not read the complexes: {e}"),
                )
                .await;
            }
        };
        let mut updated = Vec::new();
        let mut lines = Vec::new();
        let mut interactions = Vec::new();
        let mut total = 0;
        for mut complex in complexes {
            let pairs = find(&complex);
            total += pairs.len();
            // Draw the first bonds as dashed yellow lines between the two atoms.
            let index: Vec<i64> = complex.atoms().map(|a| a.index).collect();
            let at = |i: usize| Anchor {
                anchor_type: AnchorType::Atom,
                target: index[i],
                ..Default::default()
            };
            for (a, b) in pairs.iter().take(MAX_LINES.saturating_sub(lines.len())) {
                lines.push(Shape {
                    color: 0xffd700ff,
                    ..Shape::line(at(*a), at(*b))
                });
                // Also as interactions, which Nanome lists and filters with its own.
                interactions.push(Interaction::new(
                    InteractionKind::HydrogenBond,
                    index[*a],
                    index[*b],
                ));
            }
            let mut involved = vec![false; complex.atom_count()];
            for (a, b) in &pairs {
                involved[*a] = true;
                involved[*b] = true;
            }
            for (atom, hit) in complex.atoms_mut().zip(involved) {
                atom.selected = hit;
            }
            updated.push(complex);
        }
        if let Err(e) = nts.update_structures_deep(updated).await {
            return note(
                NotificationType::Error,
                format!("could not update the structures: {e}"),
            )
            .await;
        }
        if !lines.is_empty()
            && let Err(e) = nts.upload_shapes(lines).await
        {
            return note(
                NotificationType::Error,
                format!("could not draw the bonds: {e}"),
            )
            .await;
        }
        if !interactions.is_empty()
            && let Err(e) = nts.upload_interactions(interactions).await
        {
            return note(
                NotificationType::Error,
                format!("could not add the interactions: {e}"),
            )
            .await;
        }
        let plural = if total == 1 { "" } else { "s" };
        note(
            NotificationType::Success,
            format!("found {total} hydrogen bond{plural}"),
        )
        .await;
    }
}

#[allow(dead_code)] // built into `nts` as a module, where `main` is unused
fn main() -> std::process::ExitCode {
    plugin().run(HBonds::default)
}
