#!/usr/bin/env python3
"""Times gemmi parsing PDB/mmCIF files already in memory: the baseline for nts's own readers.
Each file is read and decompressed (gzip/bzip2 by magic bytes) once, then parsed from its
bytes (PDB: gemmi.read_pdb_string; mmCIF: gemmi.cif.read_string + make_structure_from_block of
the first block with _atom_site) at least 5 times and until 2 s have passed (at most 1000
times). One JSON line per file:

    {"file": ..., "median_ms": float, "atoms": int, "repeats": int}

atoms: as parsed, all models, before any altloc rule. Run it with the corpus venv's Python:

    "$(scripts/corpus | tail -n 1)"/venv/bin/python scripts/bench_gemmi.py FILE...
"""
import json
import os
import statistics
import sys
import time

import gemmi

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_reference import decompress, first_atom_block, format_of  # noqa: E402

MIN_REPEATS, MAX_REPEATS, BUDGET_S = 5, 1000, 2.0


def parser(fmt):
    if fmt == "mmcif":
        def parse(data):
            block = first_atom_block(gemmi.cif.read_string(data))
            if block is None:
                raise ValueError("no block with _atom_site coordinates")
            return gemmi.make_structure_from_block(block)
        return parse
    if fmt == "pdb":
        def parse(data):
            try:
                return gemmi.read_pdb_string(data)
            except RuntimeError as e:
                if "Wrong format for charge" not in str(e):
                    raise
                return gemmi.read_pdb_string(data, max_line_length=72)
        return parse
    raise ValueError(f"not a PDB or mmCIF file name: {fmt}")


def bench(path):
    parse = parser(format_of(path))
    with open(path, "rb") as f:
        data, _ = decompress(f.read(), path)
    times = []
    start = time.perf_counter()
    while len(times) < MIN_REPEATS or (time.perf_counter() - start < BUDGET_S
                                       and len(times) < MAX_REPEATS):
        t0 = time.perf_counter()
        st = parse(data)
        times.append(time.perf_counter() - t0)
    atoms = sum(m.count_atom_sites() for m in st)
    return dict(file=path, median_ms=round(statistics.median(times) * 1e3, 3), atoms=atoms,
                repeats=len(times))


def main(paths):
    if not paths:
        sys.exit(f"usage: {sys.argv[0]} FILE...")
    for path in paths:
        print(json.dumps(bench(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
