#!/usr/bin/env python3
"""A loopback TCP proxy a fault test controls.

  tcp_proxy.py LISTEN_PORT_FILE TARGET_HOST TARGET_PORT

Listens on 127.0.0.1 (a free port, written to LISTEN_PORT_FILE) and forwards
to the target. SIGUSR1 cuts every open connection at once (both sides see a
reset); new connections are accepted again right away. SIGUSR2 toggles
refusing new connections. Stops on SIGTERM.
"""
import asyncio
import signal
import socket
import struct
import sys


class Proxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.pairs = set()
        self.refusing = False
        self.cuts = 0

    async def pipe(self, reader, writer):
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            self.abort(writer)

    @staticmethod
    def abort(writer):
        sock = writer.get_extra_info("socket")
        if sock is not None:
            try:  # RST rather than FIN: the peer sees a dropped network
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        writer.close()

    async def handle(self, client_reader, client_writer):
        if self.refusing:
            self.abort(client_writer)
            return
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            self.abort(client_writer)
            return
        pair = (client_writer, server_writer)
        self.pairs.add(pair)
        await asyncio.gather(self.pipe(client_reader, server_writer),
                             self.pipe(server_reader, client_writer))
        self.pairs.discard(pair)

    def cut(self):
        self.cuts += 1
        for client, server in list(self.pairs):
            self.abort(client)
            self.abort(server)

    def toggle_refusing(self):
        self.refusing = not self.refusing


async def main():
    port_file, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    proxy = Proxy(host, port)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    import os
    os.rename(port_file + ".tmp", port_file)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGUSR2, proxy.toggle_refusing)
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
