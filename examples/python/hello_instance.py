#!/usr/bin/env python3
"""A plugin instance in Python: stdlib + cbor2, no SDK.

Run it under a host:  nts host --name py-hello -- python3 examples/python/hello_instance.py

The host talks to the instance over stdin/stdout in frames: a 4-byte big-endian length,
then that many bytes holding one CBOR envelope {"version": 1, "kind", "id", "body"}
(see schemas/link.cddl). The first frame is "start"; the instance answers "ready".
Afterwards it reacts to "run", "ping", "presenter_change" and "presenter_info", and
exits on "stop" or end of input. stdout carries frames only: logs go to stderr.
"""

import logging
import os
import struct
import sys

import cbor2

MAX_FRAME = 16 * 1024 * 1024  # the host's limit; a larger frame is a protocol error
VERSION = 1

log = logging.getLogger("hello_instance")


class ProtocolError(Exception):
    """The host sent something this instance cannot read."""


def read_exact(stream, n):
    """Reads exactly n bytes; returns b"" at end of input before the first byte."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            if buf:
                raise ProtocolError(f"input ended inside a frame ({len(buf)} of {n} bytes)")
            return b""
        buf += chunk
    return bytes(buf)


def read_envelope(stream):
    """The next envelope as a dict, or None at a clean end of input."""
    header = read_exact(stream, 4)
    if not header:
        return None
    (length,) = struct.unpack(">I", header)
    if length > MAX_FRAME:  # checked before reading (or allocating) the payload
        raise ProtocolError(f"frame of {length} bytes exceeds {MAX_FRAME}")
    payload = read_exact(stream, length)
    if len(payload) < length:
        raise ProtocolError("input ended inside a frame")
    env = cbor2.loads(payload)
    if not isinstance(env, dict) or env.get("version") != VERSION:
        raise ProtocolError(f"not a version {VERSION} envelope: {env!r:.200}")
    return env


def send(stream, kind, body=None, msg_id=0):
    """Writes one envelope, keys in canonical order version, kind, id, body."""
    payload = cbor2.dumps({"version": VERSION, "kind": kind, "id": msg_id, "body": body or {}})
    stream.write(struct.pack(">I", len(payload)) + payload)
    stream.flush()


def main():
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s: %(message)s")
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer

    start = read_envelope(stdin)
    if start is None or start.get("kind") != "start":
        log.error("expected a start frame first, got %r", start)
        return 1
    info = start["body"]
    log.info("serving session %s on link %s", info["session_id"], info["link_id"])
    send(stdout, "ready")

    def notify(kind, text):
        send(stdout, "notification", {"type": kind, "text": text})

    next_id = 1  # request ids we allocate; replies echo them
    pending = set()  # ids of presenter_info_request awaiting an answer

    while True:
        env = read_envelope(stdin)
        if env is None:
            log.info("end of input, exiting")
            return 0
        kind, msg_id, body = env.get("kind"), env.get("id", 0), env.get("body")
        if kind == "run":
            notify("success", "Hello from Python!")
            send(stdout, "presenter_info_request", msg_id=next_id)
            pending.add(next_id)
            next_id += 1
        elif kind == "presenter_info" and msg_id in pending:
            pending.discard(msg_id)
            notify("message", f"Presenter is {body['account_name']}")
        elif kind == "presenter_change":
            notify("message", f"Presenter changed to {body['account_name']}")
        elif kind == "ping":
            send(stdout, "pong", msg_id=msg_id)
        elif kind == "error":
            pending.discard(msg_id)
            log.warning("error reply to request %s: %s", msg_id, body)
        elif kind == "stop":
            log.info("stopping: %s", (body or {}).get("reason", ""))
            return 0
        else:
            log.info("ignoring %r (id %s)", kind, msg_id)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ProtocolError, cbor2.CBORDecodeError) as e:
        log.error("protocol error: %s", e)
        sys.exit(2)
    except BrokenPipeError:  # the host went away; silence the flush at shutdown too
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
