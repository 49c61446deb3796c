#!/usr/bin/env python3
"""Baseline for the codec benchmark: nanome-lib 0.42.1's own binary serializer.

Builds a deterministic N-atom complex with nanome-lib's public structure API and
times the library's real message path for a deep structure message:

  encode: CommandMessageSerializer().serialize_message(rid, Messages.add_to_workspace,
          [complex], version_table, False) -> bytes
          (u32 request id, u32 hash, then the AddToWorkspace body: the atom table
          dict<i64, Atom> followed by array<Complex>, residues holding AtomIndex ids)
  decode: CommandMessageSerializer().deserialize_command(bytes, version_table)
          The command `add_to_workspace_done` has the same name hash as the message
          `add_to_workspace` and is registered with the same AddToWorkspace serializer,
          so the bytes decode exactly as the plugin would decode Nanome's reply.

The version table is the library's own full table (TypeSerializer.get_version_table(),
what a plugin sends in its `connect` reply: Atom 8, Complex 3, Residue 2, ...). No
network, no plugin process. Only encode and decode are timed (time.perf_counter);
building the complex and checking the result are not.

Layout (shared with the Rust side): one molecule, one chain "A", residues of 10 atoms
named A0..A9, element C, residue type GLY; atom i of residue r at (r, i, 0). No bonds.
Everything else keeps nanome-lib's defaults.

Prints one JSON line: {"atoms": N, "encode_ms": median, "decode_ms": median, "bytes": len}.
Run it through scripts/bench-codec, which installs nanome==0.42.1 in a private venv.
"""
import argparse
import gc
import json
import statistics
import sys
import time

ATOMS_PER_RESIDUE = 10


def build_complex(n_atoms):
    # `nanome.structure` is an attribute of the package (from .api import *), not a module.
    from nanome.api.structure import Atom, Chain, Complex, Molecule, Residue
    from nanome.util import Vector3

    complex = Complex()
    complex.name = "bench"
    molecule = Molecule()
    chain = Chain()
    chain.name = "A"
    residue = None
    for k in range(n_atoms):
        r, i = divmod(k, ATOMS_PER_RESIDUE)
        if i == 0:
            residue = Residue()
            residue.type = "GLY"
            chain.add_residue(residue)
        atom = Atom()
        atom.symbol = "C"
        atom.name = "A%d" % i
        atom.position = Vector3(float(r), float(i), 0.0)
        residue.add_atom(atom)
    molecule.add_chain(chain)
    complex.add_molecule(molecule)
    return complex


def check_decoded(decoded, n_atoms, request_id, expected_hash, got_hash, got_rid):
    """The round trip must give back the same structure (not timed)."""
    assert got_hash == expected_hash, (got_hash, expected_hash)
    assert got_rid == request_id, (got_rid, request_id)
    assert isinstance(decoded, list) and len(decoded) == 1, decoded
    (complex,) = decoded
    assert complex.name == "bench", complex.name
    molecules = list(complex.molecules)
    assert len(molecules) == 1, len(molecules)
    chains = list(complex.chains)
    assert len(chains) == 1 and chains[0].name == "A", [c.name for c in chains]
    residues = list(complex.residues)
    n_residues = (n_atoms + ATOMS_PER_RESIDUE - 1) // ATOMS_PER_RESIDUE
    assert len(residues) == n_residues, (len(residues), n_residues)
    assert all(res.type == "GLY" for res in residues)
    atoms = list(complex.atoms)
    assert len(atoms) == n_atoms, "decoded %d atoms, expected %d" % (len(atoms), n_atoms)
    for k, atom in enumerate(atoms):
        r, i = divmod(k, ATOMS_PER_RESIDUE)
        p = atom.position
        assert atom.symbol == "C" and atom.name == "A%d" % i, (k, atom.symbol, atom.name)
        assert (p.x, p.y, p.z) == (float(r), float(i), 0.0), (k, p.x, p.y, p.z)
        assert atom.residue is residues[r], k


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--atoms", type=int, default=100000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.atoms < 1 or args.repeat < 1:
        ap.error("--atoms and --repeat must be at least 1")

    import nanome
    from nanome._internal.enums import Commands, Messages
    from nanome._internal.serializer_fields import TypeSerializer
    from nanome.api._hashes import Hashes
    from nanome.api.serializers import CommandMessageSerializer

    if nanome.__version__ != "0.42.1":
        sys.exit("bench_codec_nanome: expected nanome 0.42.1, found %s" % nanome.__version__)

    serializer = CommandMessageSerializer()
    # The plugin's own (latest) table; a copy, so nothing registered later changes it.
    version_table = dict(TypeSerializer.get_version_table())
    for name, want in (("Atom", 8), ("Complex", 3), ("Molecule", 1), ("Residue", 2), ("Bond", 1)):
        assert version_table.get(name) == want, (name, version_table.get(name))

    message_hash = Hashes.MessageHashes[Messages.add_to_workspace]
    command_hash = Hashes.CommandHashes[Commands.add_to_workspace_done]
    assert message_hash == command_hash, (hex(message_hash), hex(command_hash))

    complex = build_complex(args.atoms)

    encode_s, decode_s = [], []
    payload = None
    for rep in range(args.repeat):
        request_id = rep + 1
        gc.collect()
        t0 = time.perf_counter()
        encoded = bytes(serializer.serialize_message(
            request_id, Messages.add_to_workspace, [complex], version_table, False))
        t1 = time.perf_counter()
        encode_s.append(t1 - t0)
        if payload is None:
            payload = encoded
        else:
            assert encoded[8:] == payload[8:], "encoding is not deterministic"

        gc.collect()
        t0 = time.perf_counter()
        decoded, got_hash, got_rid = serializer.deserialize_command(encoded, version_table)
        t1 = time.perf_counter()
        decode_s.append(t1 - t0)
        if rep == args.repeat - 1:
            check_decoded(decoded, args.atoms, request_id, command_hash, got_hash, got_rid)
        del decoded, encoded

    print(json.dumps({
        "atoms": args.atoms,
        "encode_ms": round(statistics.median(encode_s) * 1000, 3),
        "decode_ms": round(statistics.median(decode_s) * 1000, 3),
        "bytes": len(payload),
    }))


if __name__ == "__main__":
    main()
