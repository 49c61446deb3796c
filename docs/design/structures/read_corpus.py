#!/usr/bin/env python3
"""Read every structure file under the given roots and print per-file counts.

PDB / .ent / PQR / PDBQT / mmCIF -> gemmi (PQR and PDBQT are read with gemmi's PDB reader:
gemmi has no PQR reader of its own).  SDF / MOL / MOL2 -> RDKit.
.gz and .bz2 are decompressed here, so every reader gets bytes.

Counting rule (the one we propose for nts): all models are kept; per model, chains as gemmi
builds them (merge_chain_parts=True, i.e. chain ID = auth_asym_id for mmCIF); alternate
locations reduced with Structure.remove_alternative_conformations() (first atom of each name
in each residue, in file order; a second residue with the same seqid -- microheterogeneity --
is dropped); hydrogens and waters KEPT and counted separately.

Output: one TSV line per file, then a summary per format.
usage: read_corpus.py ROOT... > out.tsv
"""
import bz2, collections, gzip, os, sys, warnings

import gemmi

try:
    from rdkit import Chem, RDLogger
    RDLogger.DisableLog("rdApp.*")
except ImportError:  # pragma: no cover
    Chem = None

EXT = {".pdb": "pdb", ".ent": "pdb", ".pdb1": "pdb", ".pqr": "pqr", ".pdbqt": "pdbqt",
       ".cif": "mmcif", ".mmcif": "mmcif", ".pdbx": "mmcif",
       ".sdf": "sdf", ".mol": "mol", ".mol2": "mol2"}


def classify(path):
    n = path.lower()
    comp = ""
    for c in (".gz", ".bz2"):
        if n.endswith(c):
            comp, n = c, n[: -len(c)]
    return EXT.get(os.path.splitext(n)[1]), comp


def load(path, comp):
    with open(path, "rb") as f:
        data = f.read()
    # sniff the magic bytes: MDAnalysisTests ships tar archives named *.pdb.gz / *.pdb.bz2
    if comp and data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    elif comp and data[:3] == b"BZh":
        data = bz2.decompress(data)
    elif comp:
        raise ValueError(f"named {comp} but no {comp} magic (starts {data[:8]!r}): not decompressed")
    return data


def keep_first_altloc(st):
    """The nts rule ("first altloc per atom"), per model and per residue position
    (chain, residue number, insertion code):
      * an atom with a blank altloc is always kept (even a repeated name: not an altloc);
      * of the atoms that carry an altloc and share an atom name, the first in file order is
        kept (its altloc is then cleared), the others dropped -- also dropped when a blank-
        altloc atom of that name came before it;
      * microheterogeneity (e.g. PRO altloc A / SER altloc B at one position): altloc atoms
        whose residue name differs from the first altloc residue name at that position are
        dropped, so no chimera residue is built;
      * residues left empty are dropped.
    NOT gemmi's Structure.remove_alternative_conformations(): that one also deletes atoms with
    no altloc at all whenever a residue repeats an atom name (docking poses, coarse-grained
    beads) or a chain repeats a residue number (waters, MD files that wrap at 9999)."""
    dropped = 0
    for model in st:
        for chain in model:
            seen = set()
            first_name = {}
            for ri in range(len(chain)):
                res = chain[ri]
                pos = (res.seqid.num, res.seqid.icode)
                kill = []
                for ai, atom in enumerate(res):
                    if atom.altloc == "\0":
                        seen.add((res.seqid.num, res.seqid.icode, atom.name))
                        continue
                    name0 = first_name.setdefault(pos, res.name)
                    key = pos + (atom.name,)
                    if name0 != res.name or key in seen:
                        kill.append(ai)
                    else:
                        seen.add(key)
                        atom.altloc = "\0"
                for ai in reversed(kill):
                    del res[ai]
                dropped += len(kill)
            for ri in reversed(range(len(chain))):
                if len(chain[ri]) == 0:
                    del chain[ri]
    return dropped


def gemmi_counts(data, fmt):
    if fmt == "mmcif":
        doc = gemmi.cif.read_string(data.decode("utf-8", "replace"))
        block = doc.sole_block() if len(doc) == 1 else doc[0]
        if block.find_value("_atom_site.Cartn_x") is None and not block.find_loop("_atom_site.Cartn_x"):
            return None, "not-coordinates (no _atom_site loop: small-molecule/monomer/reflection CIF)"
        st = gemmi.make_structure_from_block(block)
    else:  # pdb, pdbqt: gemmi's PDB reader
        try:
            st = gemmi.read_pdb_string(data)
        except RuntimeError as e:
            if "Wrong format for charge" not in str(e):
                raise
            # pre-1996 files carry "IDCODE NNNN" line numbers in columns 73-80
            st = gemmi.read_pdb_string(data, max_line_length=72)
    raw_atoms = sum(len(r) for m in st for c in m for r in c)
    keep_first_altloc(st)
    st.setup_entities()
    models = len(st)
    if models == 0 or raw_atoms == 0:
        return None, "no atoms"
    m0 = st[0]
    chains = len(m0)
    residues = sum(len(c) for c in m0)
    atoms = sum(len(r) for c in m0 for r in c)
    hyd = sum(1 for c in m0 for r in c for a in r if a.is_hydrogen())
    wat = sum(1 for c in m0 for r in c if r.is_water())
    all_atoms = sum(len(r) for m in st for c in m for r in c)
    return dict(models=models, chains=chains, residues=residues, atoms=atoms,
                hydrogens=hyd, waters=wat, atoms_all_models=all_atoms,
                raw_atoms_all_models=raw_atoms), ""


def pqr_counts(data):
    """PQR is whitespace-separated (PDB2PQR, APBS): gemmi's fixed-column PDB reader reads it
    without error but with wrong coordinates and chain IDs whenever fields are not in the PDB
    columns, so tokens are split here: the last five are x y z charge radius."""
    models, chains, residues, atoms = 1, [], set(), 0
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("MODEL") and atoms:
            models += 1
        if not line.startswith(("ATOM", "HETATM")):
            continue
        t = line.split()
        if len(t) < 10:
            raise ValueError(f"short PQR atom line: {line!r}")
        x, y, z, q, r = map(float, t[-5:])  # ValueError if not numbers
        mid = t[3:-5]  # resName [chainID] resSeq
        chain = mid[1] if len(mid) == 3 else ""
        if models == 1:
            if chain not in chains:
                chains.append(chain)
            residues.add((chain, mid[-1], mid[0]))
            atoms += 1
    return dict(models=models, chains=len(chains), residues=len(residues), atoms=atoms,
                hydrogens="", waters=sum(1 for r in residues if r[2] in ("HOH", "WAT", "TIP3", "SOL")),
                atoms_all_models=atoms), ""


def rdkit_counts(data, fmt):
    if Chem is None:
        return None, "rdkit not installed"
    text = data.decode("utf-8", "replace")
    mols = []
    if fmt in ("sdf", "mol"):
        sup = Chem.SDMolSupplier()
        sup.SetData(text, sanitize=False, removeHs=False)
        mols = list(sup)
    else:  # mol2: one block per @<TRIPOS>MOLECULE
        parts = text.split("@<TRIPOS>MOLECULE")
        for p in parts[1:]:
            mols.append(Chem.MolFromMol2Block("@<TRIPOS>MOLECULE" + p, sanitize=False, removeHs=False))
    ok = [m for m in mols if m is not None]
    if not ok:
        return None, f"rdkit refused all {len(mols)} records"
    return dict(models=len(mols), chains=0, residues=0,
                atoms=ok[0].GetNumAtoms(), bonds=ok[0].GetNumBonds(),
                records_ok=len(ok), records_refused=len(mols) - len(ok),
                atoms_all_models=sum(m.GetNumAtoms() for m in ok),
                bonds_all=sum(m.GetNumBonds() for m in ok)), ""


def main(roots):
    summary = collections.defaultdict(collections.Counter)
    print("format\tstatus\tfile\tmodels\tchains\tresidues\tatoms(model1)\tH\twaters\tatoms(all models)\tnote")
    for root in roots:
        for d, _, fs in sorted(os.walk(root)):
            for f in sorted(fs):
                path = os.path.join(d, f)
                fmt, comp = classify(path)
                if not fmt:
                    continue
                key = fmt + comp
                try:
                    data = load(path, comp)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        if fmt in ("sdf", "mol", "mol2"):
                            res, note = rdkit_counts(data, fmt)
                        elif fmt == "pqr":
                            res, note = pqr_counts(data)
                        else:
                            res, note = gemmi_counts(data, fmt)
                except Exception as e:  # gemmi raises RuntimeError/ValueError on refusal
                    res, note = None, f"refused: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
                rel = os.path.relpath(path, root)
                if res is None:
                    status = "skipped" if note.startswith(("not-coordinates", "no atoms")) else "refused"
                    summary[key][status] += 1
                    print(f"{key}\t{status}\t{rel}\t\t\t\t\t\t\t\t{note}")
                else:
                    summary[key]["read"] += 1
                    summary[key]["atoms"] += res["atoms_all_models"]
                    extra = "" if "bonds" not in res else \
                        f"bonds(rec1)={res['bonds']} records_ok={res['records_ok']} refused={res['records_refused']} bonds(all)={res['bonds_all']}"
                    print(f"{key}\tread\t{rel}\t{res['models']}\t{res['chains']}\t{res['residues']}\t{res['atoms']}\t"
                          f"{res.get('hydrogens', '')}\t{res.get('waters', '')}\t{res['atoms_all_models']}\t{extra}")
    print("\n# summary: format read refused skipped total_atoms", file=sys.stderr)
    for k in sorted(summary):
        s = summary[k]
        print(f"# {k:10s} read={s['read']:4d} refused={s['refused']:3d} skipped={s['skipped']:3d} atoms={s['atoms']}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
