"""Opens a TLS connection to a gateway like nanome-lib does, sends one malformed packet
(tests/legacy_live.rs), and prints `closed` when the gateway ends the connection.

    python garbage.py PORT KIND     # KIND: negative, huge, type, json
"""
import socket
import ssl
import struct
import sys

port, kind = int(sys.argv[1]), sys.argv[2]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30), server_hostname="nanome.ai")
header = struct.Struct("<HIBIi")
if kind == "negative":
    s.sendall(header.pack(0, 0, 1, 0, -5))
elif kind == "huge":
    s.sendall(header.pack(0, 0, 1, 0, 0x7FFFFFFF) + b"x" * 1000)
elif kind == "type":
    s.sendall(header.pack(0, 0, 77, 0, 0))
elif kind == "json":
    body = b'{"name": 5'
    s.sendall(header.pack(0, 0, 1, 0, len(body)) + body)
got = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
except (ssl.SSLError, ConnectionResetError, OSError):
    pass
# A refusal (type 5) may come first; then the gateway closes.
print("closed", len(got))
