//! Structure files on disk: PDB, mmCIF and SDF into the models and back.

use std::path::Path;

use nts::api::structure::{BondKind, Complex};
use nts::files::{self, FileError};

/// One PDB ATOM/HETATM line, columns per the PDB format (written independently of nts).
fn atom_line(
    het: bool,
    serial: u32,
    name: &str,
    (res, chain, seq): (&str, char, i32),
    xyz: [f32; 3],
    element: &str,
) -> String {
    let record = if het { "HETATM" } else { "ATOM  " };
    let name = if name.len() < 4 {
        format!(" {name:<3}")
    } else {
        name.to_string()
    };
    format!(
        "{record}{serial:>5} {name} {res:>3} {chain}{seq:>4}    {:8.3}{:8.3}{:8.3}{:6.2}{:6.2}          {element:>2}\n",
        xyz[0], xyz[1], xyz[2], 1.0, 20.0
    )
}

/// Ala-Gly dipeptide (chain A) and an ethanol ligand (chain B, HETATM + CONECT).
fn dipeptide_pdb() -> String {
    let a = |s, n, r, seq, xyz, e| atom_line(false, s, n, (r, 'A', seq), xyz, e);
    let mut t = String::from("REMARK   1 TEST STRUCTURE\n");
    t += &a(1, "N", "ALA", 1, [0.0, 0.0, 0.0], "N");
    t += &a(2, "CA", "ALA", 1, [1.458, 0.0, 0.0], "C");
    t += &a(3, "C", "ALA", 1, [2.009, 1.420, 0.0], "C");
    t += &a(4, "O", "ALA", 1, [1.251, 2.390, 0.0], "O");
    t += &a(5, "CB", "ALA", 1, [1.988, -0.773, -1.199], "C");
    t += &a(6, "N", "GLY", 2, [3.332, 1.536, 0.0], "N");
    t += &a(7, "CA", "GLY", 2, [3.978, 2.846, 0.0], "C");
    t += &a(8, "C", "GLY", 2, [5.487, 2.702, 0.0], "C");
    t += &a(9, "O", "GLY", 2, [6.058, 1.615, 0.0], "O");
    t += "TER\n";
    t += &atom_line(true, 10, "C1", ("EOH", 'B', 1), [10.0, 10.0, 10.0], "C");
    t += &atom_line(true, 11, "C2", ("EOH", 'B', 1), [11.52, 10.0, 10.0], "C");
    t += &atom_line(true, 12, "O", ("EOH", 'B', 1), [12.0, 11.35, 10.0], "O");
    t += "CONECT   10   11\nCONECT   11   10   12\nCONECT   12   11\nEND\n";
    t
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn bond_pairs(c: &Complex) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = c
        .bonds()
        .map(|b| (b.atom1.min(b.atom2), b.atom1.max(b.atom2)))
        .collect();
    v.sort();
    v
}

#[test]
fn pdb_loads_atoms_chains_and_bonds() {
    let dir = tempfile::tempdir().unwrap();
    let c = files::load(&write(dir.path(), "dipeptide.pdb", &dipeptide_pdb())).unwrap();
    assert_eq!(c.name, "dipeptide");
    assert_eq!(c.atom_count(), 12);
    let chains: Vec<&str> = c.molecules[0]
        .chains
        .iter()
        .map(|ch| ch.name.as_str())
        .collect();
    assert_eq!(
        chains,
        ["A", "HB"],
        "HETATM-only chains are prefixed H, as in nanome-lib"
    );
    let codes: Vec<&str> = c.residues().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["ALA", "GLY", "EOH"]);
    let ca = c.atoms().nth(1).unwrap();
    assert_eq!(
        (ca.name.as_str(), ca.symbol.as_str(), ca.serial),
        ("CA", "C", 2)
    );
    assert!((ca.position[0] - 1.458).abs() < 1e-4);
    // Distance rule inside residues and across the peptide link, CONECT for the ligand.
    assert_eq!(
        bond_pairs(&c),
        [
            (0, 1),
            (1, 2),
            (1, 4),
            (2, 3),
            (2, 5),
            (5, 6),
            (6, 7),
            (7, 8),
            (9, 10),
            (10, 11)
        ]
    );
    assert!(c.remarks["REMARK 1"].contains("TEST STRUCTURE"));
}

#[test]
fn pdb_round_trips_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let c = files::load(&write(dir.path(), "in.pdb", &dipeptide_pdb())).unwrap();
    let out = dir.path().join("out.pdb");
    files::save(&c, &out).unwrap();
    let back = files::load(&out).unwrap();
    assert_eq!(back.atom_count(), c.atom_count());
    for (a, b) in c.atoms().zip(back.atoms()) {
        assert_eq!(
            (&a.name, &a.symbol, a.is_het),
            (&b.name, &b.symbol, b.is_het)
        );
        for k in 0..3 {
            assert!((a.position[k] - b.position[k]).abs() < 1e-3);
        }
    }
    assert_eq!(bond_pairs(&back), bond_pairs(&c));
}

#[test]
fn mmcif_loads_the_same_structure() {
    let dir = tempfile::tempdir().unwrap();
    let pdb_path = write(dir.path(), "x.pdb", &dipeptide_pdb());
    let cif = dir.path().join("x.cif");
    files::save(&files::load(&pdb_path).unwrap(), &cif).unwrap();
    let c = files::load(&cif).unwrap();
    assert_eq!(c.atom_count(), 12);
    assert_eq!(c.residues().count(), 3);
    // The peptide bond comes from the distance rule here too.
    assert!(bond_pairs(&c).contains(&(2, 5)));
}

const ETHANOL_SDF: &str = "ethanol
  test

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.5200    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000    1.3500    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  CHG  1   3  -1
M  END
> <source>
made by hand

$$$$
ethanol-2
  test

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.1000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.5200    0.0000    0.1000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000    1.3500    0.1000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  2  0
M  END
$$$$
";

#[test]
fn sdf_records_become_frames_with_bonds_charges_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let c = files::load(&write(dir.path(), "ethanol.sdf", ETHANOL_SDF)).unwrap();
    assert_eq!(c.molecules.len(), 2, "one frame per record");
    assert_eq!(c.atom_count(), 6);
    assert_eq!(bond_pairs(&c), [(0, 1), (1, 2), (3, 4), (4, 5)]);
    assert_eq!(c.bonds().nth(3).unwrap().kind, BondKind::CovalentDouble);
    assert_eq!(c.atoms().nth(2).unwrap().formal_charge, -1);
    assert_eq!(c.molecules[0].associated["source"], "made by hand");

    let out = dir.path().join("out.sdf");
    files::save(&c, &out).unwrap();
    let back = files::load(&out).unwrap();
    assert_eq!(bond_pairs(&back), bond_pairs(&c));
    assert_eq!(back.molecules[0].associated, c.molecules[0].associated);
    assert_eq!(back.atoms().nth(2).unwrap().formal_charge, -1);
}

#[test]
fn bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = files::load(&write(dir.path(), "x.xyz", "")).unwrap_err();
    assert!(matches!(e, FileError::UnknownFormat { .. }), "{e}");
    let truncated: String = ETHANOL_SDF.lines().take(5).collect::<Vec<_>>().join("\n");
    let e = files::load(&write(dir.path(), "t.sdf", &truncated))
        .unwrap_err()
        .to_string();
    assert!(e.contains("atom block"), "{e}");
    let bad_bond = ETHANOL_SDF.replacen("  2  3  1  0", "  2 99  1  0", 1);
    let e = files::load(&write(dir.path(), "b.sdf", &bad_bond))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bond 2-99"), "{e}");
    let e = files::load(&dir.path().join("missing.pdb")).unwrap_err();
    assert!(matches!(e, FileError::Io { .. }), "{e}");
    let e = files::load(&write(dir.path(), "garbage.pdb", "ATOM  xxxxx\u{0}\n"))
        .unwrap_err()
        .to_string();
    assert!(!e.is_empty());
}

#[test]
fn special_files_are_refused_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.pdb");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let random = dir.path().join("random.pdb");
    std::os::unix::fs::symlink("/dev/urandom", &random).unwrap();
    let fifo = dir.path().join("fifo.pdb");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let folder = dir.path().join("folder.pdb");
    std::fs::create_dir(&folder).unwrap();
    for path in [&zero, &random, &fifo, &folder] {
        // Without the check: /dev/zero aborts on a 4 GiB allocation, /dev/urandom reads
        // 2 GB, a FIFO waits for a writer for ever.
        let started = std::time::Instant::now();
        match files::load(path) {
            Err(FileError::Parse { message, .. }) => {
                assert!(message.contains("not a regular file"), "{message}")
            }
            other => panic!("{}: {other:?}", path.display()),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }
}

#[test]
fn a_gzip_bomb_is_cut_at_the_limit() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.pdb.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![b' '; 1 << 20];
    for _ in 0..3 {
        gz.write_all(&block).unwrap();
    }
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    match files::load_limited(&path, 2 << 20) {
        Err(FileError::Parse { message, .. }) => {
            assert!(message.contains("decompresses to more than"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_name_that_says_nothing_is_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let pdb = write(dir.path(), "structure.txt", &dipeptide_pdb());
    assert_eq!(files::load(&pdb).unwrap().molecules.len(), 1);
    // A gzipped SDF with a misleading name.
    let gz = dir.path().join("ligand.data");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, ETHANOL_SDF.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert!(!files::load(&gz).unwrap().molecules.is_empty());
    let cif = write(
        dir.path(),
        "entry",
        "# comment\ndata_x\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n_atom_site.B_iso_or_equiv\n_atom_site.pdbx_PDB_model_num\nATOM 1 N N ALA A 1 11.104 6.134 -6.504 1.0 0.0 1\n",
    );
    assert!(files::load(&cif).is_ok(), "{:?}", files::load(&cif).err());
    let junk = write(dir.path(), "notes.txt", "shopping list\neggs\n");
    assert!(matches!(
        files::load(&junk),
        Err(FileError::UnknownFormat { .. })
    ));
}
