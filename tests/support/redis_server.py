"""A real ``redis-server`` on 127.0.0.1, its data in a temporary directory, for the tests of
the Redis limit store (a fake would not run its server-side scripts)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.processes import stop

STARTUP_SECONDS = 10.0


def free_port() -> int:
    """A port nothing listens on at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running_redis(directory: Path) -> Iterator[str]:
    """Start ``redis-server`` on a free port, with no persistence; yield its URL once it
    answers PING; stop it after."""
    executable = shutil.which("redis-server")
    if executable is None:
        raise FileNotFoundError("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [
            executable,
            *("--bind", "127.0.0.1", "--port", str(port)),
            *("--save", "", "--appendonly", "no", "--dir", str(directory)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_ping(server, port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


def _wait_for_ping(server: subprocess.Popen[bytes], port: int) -> None:
    import redis  # only where a server is started: free_port is of use without redis-py

    connection = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    give_up = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            if server.poll() is not None:
                errors = server.stderr.read().decode(errors="replace") if server.stderr else ""
                raise RuntimeError(f"redis-server exited with {server.returncode}: {errors}")
            try:
                if connection.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > give_up:
                    raise
            time.sleep(0.02)
    finally:
        connection.close()
