//! The periodic table by atomic number: the atom columns carry an element as one byte.

/// Element symbols in atomic-number order: `ELEMENTS[0]` is hydrogen (Z = 1).
pub const ELEMENTS: [&str; 118] = [
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl",
    "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As",
    "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In",
    "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb",
    "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl",
    "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk",
    "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh",
    "Fl", "Mc", "Lv", "Ts", "Og",
];

/// The atomic number of `symbol`, spelled exactly as in [`ELEMENTS`] (`Fe`, not `FE`).
pub fn atomic_number(symbol: &str) -> Option<u8> {
    // Organic elements first: nearly every atom of a real structure is one of them.
    const COMMON: [(&str, u8); 6] = [("C", 6), ("H", 1), ("O", 8), ("N", 7), ("S", 16), ("P", 15)];
    if let Some((_, z)) = COMMON.iter().find(|(s, _)| *s == symbol) {
        return Some(*z);
    }
    ELEMENTS
        .iter()
        .position(|e| *e == symbol)
        .map(|i| i as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_the_table() {
        assert_eq!(atomic_number("H"), Some(1));
        assert_eq!(atomic_number("Fe"), Some(26));
        assert_eq!(atomic_number("Og"), Some(118));
        assert_eq!(atomic_number("FE"), None);
        assert_eq!(atomic_number("X"), None);
        for (i, e) in ELEMENTS.iter().enumerate() {
            assert_eq!(atomic_number(e), Some(i as u8 + 1), "{e}");
        }
    }
}
