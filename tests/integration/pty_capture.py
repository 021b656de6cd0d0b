"""Runs a command with stdout and stderr on a pseudo-terminal, as an operator
would see it, and writes every byte the terminal received to a file.

usage: pty_capture.py [--seconds N] OUT_FILE COMMAND...
Exit code: the command's. With --seconds, the command is stopped (SIGTERM)
after N seconds and what it printed until then is kept. Bounded either way.
"""
import os
import pty
import select
import signal
import subprocess
import sys
import time


def main():
    args = sys.argv[1:]
    limit = 240.0
    if args[0] == "--seconds":
        limit, args = float(args[1]), args[2:]
    out_path, command = args[0], args[1:]
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    deadline = time.monotonic() + limit
    captured = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0 and proc.poll() is None:
            proc.terminate()
            deadline = time.monotonic() + 10
            continue
        ready, _, _ = select.select([master], [], [], max(0.0, min(left, 1.0)))
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        captured += chunk
    rc = proc.wait(timeout=10)
    with open(out_path, "wb") as f:
        f.write(captured)
    sys.exit(rc if rc >= 0 else 128 - rc)


if __name__ == "__main__":
    main()
