//! nanome-lib's interaction serializers (`Interaction` 1, `CreateInteractions`,
//! `GetInteractions`, `DeleteInteractions`) read into nts's interactions, and the
//! session's answers written back.

use super::serial::{Reader, SerialError, Writer};
use crate::api::interaction::{
    Interaction, InteractionKind, InteractionQuery, MAX_INTERACTIONS, MAX_SIDE,
};

/// nanome-lib's `InteractionKind` values from 1 (0 is the `All` filter), in order.
const KINDS: [InteractionKind; 20] = [
    InteractionKind::Covalent,
    InteractionKind::HydrogenBond,
    InteractionKind::Ionic,
    InteractionKind::XBond,
    InteractionKind::MetalComplex,
    InteractionKind::Aromatic,
    InteractionKind::Hydrophobic,
    InteractionKind::VanDerWaals,
    InteractionKind::VanDerWaalsClash,
    InteractionKind::WeakHBond,
    InteractionKind::Polar,
    InteractionKind::WeakPolar,
    InteractionKind::Clash,
    InteractionKind::Carbonyl,
    InteractionKind::CarbonPi,
    InteractionKind::CationPi,
    InteractionKind::DonorPi,
    InteractionKind::HalogenPi,
    InteractionKind::MetsulphurPi,
    InteractionKind::Proximal,
];

/// The smallest interaction on the wire: index, kind, two empty sides, two absent
/// conformations, visibility.
const MIN_INTERACTION: usize = 8 + 1 + 4 + 4 + 1 + 1 + 1;

fn kind_value(kind: InteractionKind) -> u8 {
    KINDS
        .iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as u8 + 1)
}

/// A kind byte; `None` for 0 (`All`, only meaningful as a filter).
fn kind_of(r: &Reader<'_>, b: u8) -> Result<Option<InteractionKind>, SerialError> {
    match b {
        0 => Ok(None),
        n => KINDS
            .get(usize::from(n) - 1)
            .copied()
            .map(Some)
            .ok_or_else(|| r.invalid(format!("interaction kind {n} is none nanome-lib has"))),
    }
}

fn longs(r: &mut Reader<'_>, max: usize, what: &'static str) -> Result<Vec<i64>, SerialError> {
    let n = r.count_at_most(8, max, what)?;
    (0..n).map(|_| r.i64(what)).collect()
}

fn w_longs(w: &mut Writer, values: &[i64]) {
    w.u32(values.len() as u32);
    for v in values {
        w.i64(*v);
    }
}

fn conformation(r: &mut Reader<'_>, what: &'static str) -> Result<Option<u32>, SerialError> {
    if !r.bool(what)? {
        return Ok(None);
    }
    let c = r.i32(what)?;
    u32::try_from(c)
        .map(Some)
        .map_err(|_| r.invalid(format!("{what}: conformer {c} is negative")))
}

fn read_one(r: &mut Reader<'_>) -> Result<Interaction, SerialError> {
    let index = r.i64("the interaction's index")?;
    let b = r.u8("the interaction's kind")?;
    let kind = kind_of(r, b)?.ok_or_else(|| {
        r.invalid("an interaction of kind All (0): All only filters a query".into())
    })?;
    Ok(Interaction {
        index,
        kind,
        atom1: longs(r, MAX_SIDE, "the interaction's first atoms")?,
        atom2: longs(r, MAX_SIDE, "the interaction's second atoms")?,
        atom1_conformation: conformation(r, "the first side's conformer")?,
        atom2_conformation: conformation(r, "the second side's conformer")?,
        visible: r.bool("the interaction's visibility")?,
    })
}

/// `create_interactions`: an array of interactions.
pub fn read_create(r: &mut Reader<'_>) -> Result<Vec<Interaction>, SerialError> {
    // A session holds at most as many as one message may carry.
    let n = r.count_at_most(MIN_INTERACTION, MAX_INTERACTIONS, "the interactions")?;
    (0..n).map(|_| read_one(r)).collect()
}

/// `get_interactions`: complexes, molecules, chains, residues and atoms to look in, and
/// a kind (0: all).
pub fn read_query(r: &mut Reader<'_>) -> Result<InteractionQuery, SerialError> {
    // A query names workspace structures; no workspace holds more indices than a message.
    let max = r.remaining() / 8;
    let complexes = longs(r, max, "the complexes to look in")?;
    let molecules = longs(r, max, "the molecules to look in")?;
    let chains = longs(r, max, "the chains to look in")?;
    let residues = longs(r, max, "the residues to look in")?;
    let atoms = longs(r, max, "the atoms to look in")?;
    let b = r.u8("the kind of interaction")?;
    Ok(InteractionQuery {
        complexes,
        molecules,
        chains,
        residues,
        atoms,
        kind: kind_of(r, b)?,
    })
}

/// `create_interactions_result`: the index of each created interaction.
pub fn write_created(indices: &[i64]) -> Vec<u8> {
    let mut w = Writer::default();
    w_longs(&mut w, indices);
    w.bytes
}

/// `get_interactions_response`: the interactions found.
pub fn write_list(list: &[Interaction]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(list.len() as u32);
    for x in list {
        w.i64(x.index).u8(kind_value(x.kind));
        w_longs(&mut w, &x.atom1);
        w_longs(&mut w, &x.atom2);
        for c in [x.atom1_conformation, x.atom2_conformation] {
            match c {
                Some(c) => w.bool(true).i32(i32::try_from(c).unwrap_or(i32::MAX)),
                None => w.bool(false),
            };
        }
        w.bool(x.visible);
    }
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Interaction> {
        vec![
            Interaction {
                index: 7,
                kind: InteractionKind::HydrogenBond,
                atom1: vec![1],
                atom2: vec![2, 3],
                atom1_conformation: Some(4),
                atom2_conformation: None,
                visible: false,
            },
            Interaction::new(InteractionKind::Proximal, 5, 6),
        ]
    }

    #[test]
    fn interactions_round_trip_and_every_kind_has_its_value() {
        let bytes = write_list(&sample());
        assert_eq!(read_create(&mut Reader::new(&bytes)).unwrap(), sample());
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(kind_value(*k), i as u8 + 1);
        }
        // nanome-lib's numbering: HydrogenBond = 2, Proximal = 20.
        assert_eq!(bytes[12], 2);
    }

    #[test]
    fn a_query_reads_its_five_lists_and_the_all_filter() {
        let mut w = Writer::default();
        w_longs(&mut w, &[1]);
        for _ in 0..3 {
            w_longs(&mut w, &[]);
        }
        w_longs(&mut w, &[9, 10]);
        w.u8(0);
        let q = read_query(&mut Reader::new(&w.bytes)).unwrap();
        assert_eq!((q.complexes, q.atoms, q.kind), (vec![1], vec![9, 10], None));
        let last = w.bytes.len() - 1;
        w.bytes[last] = 21;
        let e = read_query(&mut Reader::new(&w.bytes)).unwrap_err();
        assert!(e.to_string().contains("kind 21"), "{e}");
    }

    #[test]
    fn lies_are_errors() {
        // A side of more atoms than a side may have.
        let mut x = sample();
        x[0].atom1 = (0..=MAX_SIDE as i64).collect();
        let e = read_create(&mut Reader::new(&write_list(&x))).unwrap_err();
        assert!(e.to_string().contains("at most"), "{e}");
        // A count beyond the bytes.
        let e = read_create(&mut Reader::new(&[255, 255, 255, 255, 0])).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
        // Kind All in a created interaction.
        let mut bytes = write_list(&sample()[1..]);
        bytes[12] = 0;
        let e = read_create(&mut Reader::new(&bytes)).unwrap_err();
        assert!(e.to_string().contains("All"), "{e}");
    }
}
