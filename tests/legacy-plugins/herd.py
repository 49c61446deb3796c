"""A reconnect herd (tests/legacy_live.rs): N connections open at once, as N nanome-lib
plugins do when their NTS comes back, each registering as plugin `Herd-<i>` with no key
(the gateway under test makes keys). Prints how many were acked with an id, then holds
the connections until stdin closes.

    python herd.py PORT N
"""
import json
import socket
import ssl
import struct
import sys
import threading

port, n = int(sys.argv[1]), int(sys.argv[2])
header = struct.Struct("<HIBIi")
acked = []
lock = threading.Lock()
sockets = []


def register(i):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60), server_hostname="nanome.ai")
    body = json.dumps({"name": "Herd-%d" % i, "description": "", "category": "", "tags": [],
                       "hasAdvanced": False, "auth": None, "permissions": [], "integrations": []}).encode()
    s.sendall(header.pack(0, 0, 1, 0, len(body)) + body)
    got = b""
    while len(got) < 15:
        chunk = s.recv(15 - len(got))
        if not chunk:
            return
        got += chunk
    _, _, kind, plugin_id, _ = header.unpack(got)
    with lock:
        sockets.append(s)
        if kind == 1 and plugin_id != 0:
            acked.append(plugin_id)


threads = [threading.Thread(target=register, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("acked %d distinct %d" % (len(acked), len(set(acked))), flush=True)
sys.stdin.read()
