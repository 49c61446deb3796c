#!/usr/bin/env python3
"""Reference counts for every structure file of the corpus (run by scripts/corpus, in the
corpus venv with gemmi 0.7.5 and RDKit 2026.9.1; rules in docs/design/structures.md §2-§3).

    <corpus>/venv/bin/python scripts/corpus_reference.py ROOT > reference.jsonl

One JSON object per structure file under ROOT, sorted by path:

    {"file": "<path relative to ROOT>", "format": "pdb|mmcif|pqr|sdf|mol2",
     "status": "ok|refused|skipped", "models": int, "chains": int, "residues": int,
     "atoms": int, "bonds": int|null, "note": "..."}

* format: from the name, after stripping .gz/.bz2 (pdb/ent, cif/mmcif/pdbx, pqr, sdf/mol, mol2);
  compression: from the magic bytes only (1f 8b gzip, "BZh" bzip2); a file named .gz/.bz2
  that is neither is read as it is (noted).
* PDB, mmCIF: gemmi (the first CIF block with _atom_site; a PDB refused for its charge
  columns is read again with max_line_length=72). Counts are summed over all models: chains
  are one per chain id (auth_asym_id) and model, the parts of a chain merged (polymer, ligands,
  waters); residues as gemmi groups atoms; all after the nts altloc rule (keep_first_altloc).
  Hydrogens and waters kept; bonds null (nts infers them).
* PQR: a whitespace-token reader (gemmi's fixed-column PDB reader misreads PQR).
* SDF/MOL, MOL2: RDKit without sanitizing or removing hydrogens; one model, chain and residue
  per record; atoms and bonds summed over the records read.
* status: "ok" (counts set), "refused" (the reader raised or read nothing; counts null, the
  reason in note), "skipped" (nothing to count: no atoms, or RDKit unavailable; counts null).
"""
import bz2
import gzip
import json
import logging
import os
import re
import sys

import gemmi

try:
    from rdkit import Chem, rdBase
except ImportError:
    Chem = None

FORMATS = {"pdb": "pdb", "ent": "pdb", "cif": "mmcif", "mmcif": "mmcif", "pdbx": "mmcif",
           "pqr": "pqr", "sdf": "sdf", "mol": "sdf", "mol2": "mol2"}


def format_of(name):
    """The format from the file name, ignoring a trailing .gz/.bz2; None if not a structure."""
    n = name.lower()
    for c in (".gz", ".bz2"):
        if n.endswith(c):
            n = n[: -len(c)]
            break
    return FORMATS.get(os.path.splitext(n)[1].lstrip("."))


def decompress(data, name):
    """The bytes to parse and a note: gzip/bzip2 by magic bytes only, never by name."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data), ""
    if data[:3] == b"BZh":
        return bz2.decompress(data), ""
    n = name.lower()
    if n.endswith((".gz", ".bz2")):
        if data[257:262] == b"ustar":  # MDAnalysisTests' cryst_then_model.pdb.gz and others
            what = "a tar archive (gemmi stops at the NUL bytes of its header)"
        else:
            what = "not compressed"
        return data, f"named .{n.rsplit('.', 1)[1]} but {what}: read as it is"
    return data, ""


def first_atom_block(doc):
    """The first block of a CIF document with _atom_site coordinates, or None."""
    for block in doc:
        if len(block.find_values("_atom_site.Cartn_x")):
            return block
    return None


def gemmi_read(data, fmt):
    """A gemmi Structure (None if the CIF has no _atom_site) and a note."""
    if fmt == "mmcif":
        block = first_atom_block(gemmi.cif.read_string(data))
        return (None if block is None else gemmi.make_structure_from_block(block)), ""
    try:
        return gemmi.read_pdb_string(data), ""
    except RuntimeError as e:
        if "Wrong format for charge" not in str(e):
            raise
        # pre-1996 entries carry "IDCODE NNNN" line numbers in columns 73-80
        return gemmi.read_pdb_string(data, max_line_length=72), \
            f"read with max_line_length=72 (gemmi: {one_line(e)})"


def keep_first_altloc(st):
    """The nts altloc rule (docs/design/structures.md §2.3), per model and per residue position
    (chain, residue number, insertion code); returns the number of atoms dropped:
      1. an atom with a blank altloc is always kept (a repeated name is not an altloc);
      2. of the altloc atoms sharing an atom name, the first in file order is kept (its altloc
         cleared), later ones dropped -- also dropped when a blank-altloc atom of that name
         came first;
      3. microheterogeneity: altloc atoms whose residue name differs from that of the first
         altloc atom at the position are dropped (no chimera residue);
      4. residues left empty are dropped, then chains left empty.
    Not gemmi's remove_alternative_conformations(): that also drops atoms without any altloc
    whenever a residue repeats an atom name or a chain repeats a residue number."""
    dropped = 0
    for model in st:
        for chain in model:
            seen = set()  # (num, icode, atom name) taken at this position
            first_name = {}  # (num, icode) -> residue name of the first altloc atom
            for res in chain:
                pos = (res.seqid.num, res.seqid.icode)
                kill = []
                for i, atom in enumerate(res):
                    key = pos + (atom.name,)
                    if atom.altloc == "\0":
                        seen.add(key)
                    elif first_name.setdefault(pos, res.name) != res.name or key in seen:
                        kill.append(i)
                    else:
                        seen.add(key)
                        atom.altloc = "\0"
                for i in reversed(kill):
                    del res[i]
                dropped += len(kill)
            for i in reversed(range(len(chain))):
                if len(chain[i]) == 0:
                    del chain[i]
        for i in reversed(range(len(model))):
            if len(model[i]) == 0:
                del model[i]
    return dropped


def gemmi_counts(data, fmt):
    st, note = gemmi_read(data, fmt)
    if st is None:
        return "skipped", None, "no _atom_site coordinates (not a model file)"
    raw = sum(m.count_atom_sites() for m in st)
    if raw == 0:
        return "skipped", None, join(note, f"no atoms (gemmi: {len(st)} model(s), 0 atoms)")
    # one Chain per chain id and model, as gemmi.read_structure() gives by default (the string
    # readers keep the polymer, ligand and water parts of a chain apart)
    st.merge_chain_parts()
    dropped = keep_first_altloc(st)
    if dropped:
        note = join(note, f"altloc rule dropped {dropped} of {raw} atoms")
    empty = sum(1 for m in st if len(m) == 0)
    if empty:
        note = join(note, f"{empty} of {len(st)} models empty")
    counts = dict(models=len(st),
                  chains=sum(len(m) for m in st),
                  residues=sum(len(c) for m in st for c in m),
                  atoms=sum(len(r) for m in st for c in m for r in c),
                  bonds=None)
    return "ok", counts, note


def pqr_counts(data):
    """PQR as PDB2PQR/APBS write it: whitespace tokens `record serial name resname [chain]
    resseq x y z charge radius` (the chain present when there are 11 tokens). A residue is a
    run of consecutive atoms with the same (chain, resseq, resname); chains are the distinct
    chain ids of a model (blank is one); models by MODEL/ENDMDL, else one."""
    models = []  # per model: [chain ids, residue count, atom count]
    current = None  # the open model
    last = None  # (chain, resseq, resname) of the previous atom in the model
    for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if line.startswith("MODEL"):
            models.append([set(), 0, 0])
            current, last = models[-1], None
            continue
        if line.startswith("ENDMDL"):
            current, last = None, None
            continue
        if not line.startswith(("ATOM", "HETATM")):
            continue
        t = line.split()
        if len(t) == 11:
            chain, resseq = t[4], t[5]
        elif len(t) == 10:
            chain, resseq = "", t[4]
        else:
            raise ValueError(f"line {n}: {len(t)} tokens in a PQR atom record, not 10 or 11")
        for v in t[-5:]:
            float(v)  # ValueError if x y z charge radius are not numbers
        if current is None:
            models.append([set(), 0, 0])
            current, last = models[-1], None
        res = (chain, resseq, t[3])
        current[0].add(chain)
        current[1] += res != last
        current[2] += 1
        last = res
    models = [m for m in models if m[2]]
    if not models:
        return "skipped", None, "no atoms"
    return "ok", dict(models=len(models), chains=sum(len(m[0]) for m in models),
                      residues=sum(m[1] for m in models), atoms=sum(m[2] for m in models),
                      bonds=None), ""


class RdkitLog(logging.Handler):
    """Collects RDKit's log messages (the reason a record was refused), instead of stderr."""

    def __init__(self):
        super().__init__()
        self.messages = []
        rdBase.LogToPythonLogger()
        logger = logging.getLogger("rdkit")
        logger.propagate = False
        logger.handlers[:] = [self]
        logger.setLevel(logging.INFO)

    def emit(self, record):
        self.messages.append(record.getMessage())

    NOISE = re.compile(r"\*+$|-+$|Stacktrace:|\d+# |Violation occurred|Failed Expression")

    def take(self):
        """The messages logged since the last call, without stack traces, on one line."""
        lines = [re.sub(r"^\[\d\d:\d\d:\d\d\] ", "", line).strip()
                 for msg in self.messages for line in msg.splitlines()]
        self.messages = []
        return one_line(": ".join(l for l in lines if l and not self.NOISE.match(l))
                        or "no message from rdkit")


LOG = None


def rdkit_counts(data, fmt):
    global LOG
    if Chem is None:
        return "skipped", None, "rdkit unavailable"
    if LOG is None:
        LOG = RdkitLog()
    LOG.take()
    text = data.decode("utf-8", "replace")
    mols, reasons = [], []
    if fmt == "sdf":
        sup = Chem.SDMolSupplier()
        try:
            sup.SetData(text, sanitize=False, removeHs=False, strictParsing=False)
        except TypeError:  # an RDKit without strictParsing
            sup.SetData(text, sanitize=False, removeHs=False)
        for i in range(len(sup)):
            m = sup[i]
            mols.append(m)
            if m is None:
                reasons.append(f"record {i + 1}: {LOG.take()}")
    else:  # MOL2: MolFromMol2Block reads only the first molecule of a block
        blocks = re.split(r"(?m)^(?=@<TRIPOS>MOLECULE)", text)
        for i, block in enumerate(b for b in blocks if b.startswith("@<TRIPOS>MOLECULE")):
            m = Chem.MolFromMol2Block(block, sanitize=False, removeHs=False)
            mols.append(m)
            if m is None:
                reasons.append(f"molecule {i + 1}: {LOG.take()}")
    ok = [m for m in mols if m is not None]
    note = ""
    if reasons:
        note = f"rdkit refused {len(reasons)} of {len(mols)} records; first: {reasons[0]}"
    if not ok:
        return "refused", None, note or "no records"
    n = len(ok)
    return "ok", dict(models=n, chains=n, residues=n,
                      atoms=sum(m.GetNumAtoms() for m in ok),
                      bonds=sum(m.GetNumBonds() for m in ok)), note


def one_line(e):
    s = " ".join(str(e).split())
    return s if len(s) <= 200 else s[:197] + "..."


def join(*notes):
    return "; ".join(n for n in notes if n)


def reference(path, rel):
    fmt = format_of(rel)
    out = dict(file=rel, format=fmt, status="refused", models=None, chains=None,
               residues=None, atoms=None, bonds=None, note="")
    note = ""
    try:
        with open(path, "rb") as f:
            data, note = decompress(f.read(), rel)
        if fmt in ("pdb", "mmcif"):
            status, counts, more = gemmi_counts(data, fmt)
        elif fmt == "pqr":
            status, counts, more = pqr_counts(data)
        else:
            status, counts, more = rdkit_counts(data, fmt)
        out["status"] = status
        out.update(counts or {})
        note = join(note, more)
    except Exception as e:  # gemmi raises RuntimeError/ValueError on refusal: record, go on
        note = join(note, f"{type(e).__name__}: {one_line(e)}")
    out["note"] = note
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit(f"usage: {argv[0]} ROOT > reference.jsonl")
    root = argv[1]
    rels = []
    for d, dirs, files in os.walk(root):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/")
            if format_of(rel):
                rels.append(rel)
    for rel in sorted(rels):
        print(json.dumps(reference(os.path.join(root, rel), rel)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
