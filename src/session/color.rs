//! Colour schemes as the headless session applies them (`apply_color_scheme`): each
//! selected atom (and, for ribbons, each residue with a selected atom) gets the colour the
//! scheme gives it. Colours are RGBA, red in the high byte.

use crate::api::analysis::{ApplyColorScheme, ColorScheme, ColorSchemeTarget};
use crate::api::structure::{Atom, Complex, Residue, SecondaryStructure};
use crate::api::{ErrorBody, ErrorCode};

const WHITE: u32 = 0xFFFF_FFFF;
const GREY: u32 = 0x9090_90FF;
/// Distinct colours for chains (and unknown residue names).
const PALETTE: [u32; 10] = [
    0x1F77_B4FF,
    0xFF7F_0EFF,
    0x2CA0_2CFF,
    0xD627_28FF,
    0x9467_BDFF,
    0x8C56_4BFF,
    0xE377_C2FF,
    0x7F7F_7FFF,
    0xBCBD_22FF,
    0x17BE_CFFF,
];

/// CPK-style element colours (Jmol's table for the common elements).
fn element(symbol: &str) -> u32 {
    match symbol.trim().to_ascii_uppercase().as_str() {
        "H" => 0xFFFF_FFFF,
        "C" => 0x9090_90FF,
        "N" => 0x3050_F8FF,
        "O" => 0xFF0D_0DFF,
        "F" | "CL" => 0x1FF0_1FFF,
        "BR" => 0xA629_29FF,
        "I" => 0x9400_94FF,
        "S" => 0xFFFF_30FF,
        "P" => 0xFF80_00FF,
        "NA" => 0xAB5C_F2FF,
        "MG" => 0x8AFF_00FF,
        "K" => 0x8F40_D4FF,
        "CA" => 0x3DFF_00FF,
        "FE" => 0xE066_33FF,
        "ZN" => 0x7D80_B0FF,
        "CU" => 0xC880_33FF,
        "MN" => 0x9C7A_C7FF,
        _ => 0xFF14_93FF,
    }
}

/// Kyte-Doolittle hydropathy of an amino acid, if it is one.
fn hydropathy(residue: &str) -> Option<f32> {
    Some(match residue {
        "ILE" => 4.5,
        "VAL" => 4.2,
        "LEU" => 3.8,
        "PHE" => 2.8,
        "CYS" => 2.5,
        "MET" => 1.9,
        "ALA" => 1.8,
        "GLY" => -0.4,
        "THR" => -0.7,
        "SER" => -0.8,
        "TRP" => -0.9,
        "TYR" => -1.3,
        "PRO" => -1.6,
        "HIS" => -3.2,
        "GLU" | "GLN" | "ASP" | "ASN" => -3.5,
        "LYS" => -3.9,
        "ARG" => -4.5,
        _ => return None,
    })
}

/// "Shapely" residue colours.
fn residue_color(name: &str) -> u32 {
    match name {
        "ASP" | "GLU" => 0xE60A_0AFF,
        "CYS" | "MET" => 0xE6E6_00FF,
        "LYS" | "ARG" => 0x145A_FFFF,
        "SER" | "THR" => 0xFA96_00FF,
        "PHE" | "TYR" => 0x3232_AAFF,
        "ASN" | "GLN" => 0x00DC_DCFF,
        "GLY" => 0xEBEB_EBFF,
        "LEU" | "VAL" | "ILE" => 0x0F82_0FFF,
        "ALA" => 0xC8C8_C8FF,
        "TRP" => 0xB45A_B4FF,
        "HIS" => 0x8282_D2FF,
        "PRO" => 0xDC96_82FF,
        other => PALETTE[other.bytes().map(usize::from).sum::<usize>() % PALETTE.len()],
    }
}

/// Blue (t = 0) through white to red (t = 1).
fn blue_white_red(t: f32) -> u32 {
    let t = t.clamp(0.0, 1.0);
    let (r, g, b) = if t < 0.5 {
        let u = t * 2.0;
        (u, u, 1.0)
    } else {
        let u = (1.0 - t) * 2.0;
        (1.0, u, u)
    };
    rgb(r, g, b)
}

/// Blue (t = 0) around the hue circle to red (t = 1).
fn rainbow(t: f32) -> u32 {
    let h = (1.0 - t.clamp(0.0, 1.0)) * 240.0 / 60.0;
    let x = 1.0 - (h % 2.0 - 1.0).abs();
    let (r, g, b) = match h as u32 {
        0 => (1.0, x, 0.0),
        1 => (x, 1.0, 0.0),
        2 => (0.0, 1.0, x),
        _ => (0.0, x, 1.0),
    };
    rgb(r, g, b)
}

fn rgb(r: f32, g: f32, b: f32) -> u32 {
    let c = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u32;
    (c(r) << 24) | (c(g) << 16) | (c(b) << 8) | 0xFF
}

/// AlphaFold's pLDDT bands, read from the B-factor column.
fn plddt(b: f32) -> u32 {
    match b {
        b if b > 90.0 => 0x0053_D6FF,
        b if b > 70.0 => 0x65CB_F3FF,
        b if b > 50.0 => 0xFFDB_13FF,
        _ => 0xFF7D_45FF,
    }
}

/// Yellow-red-blue: charged oxygens red, charged nitrogens blue, carbons yellow.
fn yrb(residue: &str, atom: &Atom) -> u32 {
    match (residue, atom.name.trim()) {
        ("LYS", "NZ") | ("ARG", "NE" | "NH1" | "NH2") => 0x0000_FFFF,
        ("GLU", "OE1" | "OE2") | ("ASP", "OD1" | "OD2") => 0xFF00_00FF,
        _ if atom.symbol.eq_ignore_ascii_case("C") => 0xFFFF_00FF,
        _ => WHITE,
    }
}

fn secondary(ss: SecondaryStructure) -> u32 {
    match ss {
        SecondaryStructure::Helix => 0xFF00_80FF,
        SecondaryStructure::Sheet => 0xFFC8_00FF,
        _ => WHITE,
    }
}

/// Applies a scheme to the selected atoms of `complexes`; returns the indices of the
/// complexes it changed.
pub fn apply(complexes: &mut [Complex], req: &ApplyColorScheme) -> Result<Vec<i64>, ErrorBody> {
    if matches!(
        req.scheme,
        ColorScheme::Imgt | ColorScheme::Kabat | ColorScheme::Chothia | ColorScheme::Apf
    ) {
        return Err(ErrorBody::new(
            ErrorCode::Unavailable,
            format!(
                "the headless session has no antibody numbering or property fields for {:?}; use element, chain, residue, rainbow, b_factor, occupancy, secondary_structure, hydrophobicity, yrb_hydrophobicity, donor_acceptor, monochrome or b_factor_af",
                req.scheme
            ),
        ));
    }
    if req.target == ColorSchemeTarget::Surface {
        return Err(ErrorBody::new(
            ErrorCode::Unavailable,
            "the headless session draws no surfaces; colour atom_bond or ribbon",
        ));
    }
    let atoms = matches!(
        req.target,
        ColorSchemeTarget::AtomBond | ColorSchemeTarget::All
    );
    let ribbons = matches!(
        req.target,
        ColorSchemeTarget::Ribbon | ColorSchemeTarget::All
    );
    // B-factor colours span the selection's own range.
    let (lo, hi) = complexes
        .iter()
        .flat_map(|c| c.atoms())
        .filter(|a| a.selected)
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), a| {
            (lo.min(a.bfactor), hi.max(a.bfactor))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut changed = Vec::new();
    for c in complexes.iter_mut() {
        let mut touched = false;
        for m in &mut c.molecules {
            for (chain_no, chain) in m.chains.iter_mut().enumerate() {
                let n = chain.residues.len().max(2) - 1;
                for (pos, r) in chain.residues.iter_mut().enumerate() {
                    let along = pos as f32 / n as f32;
                    touched |= paint_residue(r, req, chain_no, along, (lo, span), atoms, ribbons);
                }
            }
        }
        if touched {
            changed.push(c.index);
        }
    }
    Ok(changed)
}

fn paint_residue(
    r: &mut Residue,
    req: &ApplyColorScheme,
    chain_no: usize,
    along: f32,
    (lo, span): (f32, f32),
    atoms: bool,
    ribbons: bool,
) -> bool {
    let name = crate::api::analysis::residue_code(r);
    let color_of = |a: &Atom| -> u32 {
        match req.scheme {
            ColorScheme::Element => element(&a.symbol),
            ColorScheme::Chain => PALETTE[chain_no % PALETTE.len()],
            ColorScheme::Residue => residue_color(&name),
            ColorScheme::Rainbow => rainbow(along),
            ColorScheme::BFactor => blue_white_red((a.bfactor - lo) / span),
            ColorScheme::BFactorAf => plddt(a.bfactor),
            ColorScheme::Occupancy => blue_white_red(a.occupancy),
            ColorScheme::DonorAcceptor if a.donor => 0x3050_F8FF,
            ColorScheme::DonorAcceptor if a.acceptor => 0xFF0D_0DFF,
            ColorScheme::DonorAcceptor => GREY,
            ColorScheme::SecondaryStructure => secondary(r.secondary_structure),
            ColorScheme::Hydrophobicity => {
                hydropathy(&name).map_or(GREY, |h| blue_white_red((h + 4.5) / 9.0))
            }
            ColorScheme::YrbHydrophobicity => yrb(&name, a),
            ColorScheme::Monochrome => WHITE,
            ColorScheme::Imgt | ColorScheme::Kabat | ColorScheme::Chothia | ColorScheme::Apf => {
                WHITE
            }
        }
    };
    let mut touched = false;
    let mut ribbon = None;
    for a in r.atoms.iter().filter(|a| a.selected) {
        let carbon = a.symbol.eq_ignore_ascii_case("C");
        if ribbon.is_none() || a.name.trim() == "CA" {
            ribbon = Some(color_of(a));
        }
        if atoms && (carbon || !req.only_carbons) {
            touched = true;
        }
    }
    if atoms {
        for a in r.atoms.iter_mut().filter(|a| a.selected) {
            if a.symbol.eq_ignore_ascii_case("C") || !req.only_carbons {
                a.atom_color = color_of(a);
            }
        }
    }
    if ribbons && let Some(c) = ribbon {
        r.ribbon_color = c;
        touched = true;
    }
    touched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::structure::{Chain, Molecule};

    fn complex() -> Complex {
        let atom = |name: &str, symbol: &str, b: f32| Atom {
            name: name.into(),
            symbol: symbol.into(),
            bfactor: b,
            selected: true,
            ..Atom::default()
        };
        let residue = |code: &str, atoms| Residue {
            code: code.into(),
            atoms,
            ..Residue::default()
        };
        Complex {
            index: 1,
            molecules: vec![Molecule {
                chains: vec![Chain {
                    name: "A".into(),
                    residues: vec![
                        residue("LYS", vec![atom("CA", "C", 10.0), atom("NZ", "N", 20.0)]),
                        residue("GLU", vec![atom("CA", "C", 30.0), atom("OE1", "O", 40.0)]),
                    ],
                    ..Chain::default()
                }],
                ..Molecule::default()
            }],
            ..Complex::default()
        }
    }

    fn colors(c: &Complex) -> Vec<u32> {
        c.atoms().map(|a| a.atom_color).collect()
    }

    fn req(scheme: ColorScheme, target: ColorSchemeTarget, only_carbons: bool) -> ApplyColorScheme {
        ApplyColorScheme {
            scheme,
            target,
            only_carbons,
        }
    }

    #[test]
    fn element_colours_follow_cpk_and_only_carbons_leaves_the_rest() {
        let mut cs = vec![complex()];
        let changed = apply(
            &mut cs,
            &req(ColorScheme::Element, ColorSchemeTarget::AtomBond, false),
        )
        .unwrap();
        assert_eq!(changed, vec![1]);
        assert_eq!(colors(&cs[0]), [GREY, 0x3050_F8FF, GREY, 0xFF0D_0DFF]);
        apply(
            &mut cs,
            &req(ColorScheme::Monochrome, ColorSchemeTarget::AtomBond, true),
        )
        .unwrap();
        assert_eq!(colors(&cs[0]), [WHITE, 0x3050_F8FF, WHITE, 0xFF0D_0DFF]);
    }

    #[test]
    fn b_factor_spans_the_selection_and_unselected_atoms_keep_their_colour() {
        let mut cs = vec![complex()];
        cs[0].molecules[0].chains[0].residues[1].atoms[1].selected = false;
        apply(
            &mut cs,
            &req(ColorScheme::BFactor, ColorSchemeTarget::All, false),
        )
        .unwrap();
        let c = colors(&cs[0]);
        assert_eq!(c[0], 0x0000_FFFF, "lowest is blue");
        assert_eq!(c[2], 0xFF00_00FF, "highest selected is red");
        assert_eq!(c[3], 0, "unselected untouched");
        assert_ne!(cs[0].molecules[0].chains[0].residues[0].ribbon_color, 0);
    }

    #[test]
    fn unsupported_schemes_and_targets_are_refused() {
        let mut cs = vec![complex()];
        assert!(
            apply(
                &mut cs,
                &req(ColorScheme::Kabat, ColorSchemeTarget::AtomBond, false)
            )
            .is_err()
        );
        assert!(
            apply(
                &mut cs,
                &req(ColorScheme::Element, ColorSchemeTarget::Surface, false)
            )
            .is_err()
        );
        assert_eq!(colors(&cs[0]), [0; 4]);
    }
}
