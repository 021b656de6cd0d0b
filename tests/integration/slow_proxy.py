#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that slows what the upstream sends.

    slow_proxy.py UPSTREAM_PORT BYTES_PER_SECOND PORT_FILE

Listens on an ephemeral loopback port (written to PORT_FILE), forwards each
connection to 127.0.0.1:UPSTREAM_PORT, and passes the upstream's bytes on at
most BYTES_PER_SECOND per connection (the client's bytes go unthrottled). When
the upstream closes or resets, the client's connection is closed. Used by the
pull fault tests so a kill of the registry lands while a pull moves bytes.
"""
import os
import socket
import sys
import threading
import time

CHUNK = 16384


def pump(src, dst, rate):
    start = time.monotonic()
    sent = 0
    try:
        while True:
            data = src.recv(CHUNK)
            if not data:
                break
            dst.sendall(data)
            sent += len(data)
            if rate > 0:
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client, upstream_port, rate):
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    threading.Thread(target=pump, args=(client, upstream, 0), daemon=True).start()
    pump(upstream, client, rate)
    client.close()
    upstream.close()


def main():
    upstream_port, rate, port_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(listener.getsockname()[1]))
    os.rename(tmp, port_file)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=serve, args=(client, upstream_port, rate), daemon=True).start()


if __name__ == "__main__":
    main()
