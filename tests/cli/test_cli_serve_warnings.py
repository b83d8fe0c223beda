"""What ``smsc-soap serve`` warns of when it listens beyond this host."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests

UNSIGNED = "callbacks are taken unsigned"


def _warnings(*, secrets: str) -> str:
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "smsc_soap", "serve", "--host", "127.0.0.2", "--allow-remote"),
            *("--port", "0", "--limits", "memory://", "--insecure-http"),
            *("--endpoint", "http://127.0.0.1:9/sys/soap.php"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "SMSC_CALLBACK_SECRETS": secrets},
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert requests.get(f"{url}/healthz", timeout=10).ok  # serving: SIGTERM is handled
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()
    return stderr.decode()


@pytest.mark.slow
@pytest.mark.parametrize(("secrets", "warned"), [("", True), ("demo=s3cret", False)])
def test_serve_beyond_this_host_warns_of_clear_credentials_and_unsigned_callbacks(
    secrets: str, warned: bool
) -> None:
    stderr = _warnings(secrets=secrets)

    assert "credentials cross the network in the clear" in stderr
    assert (UNSIGNED in stderr) is warned
    assert "s3cret" not in stderr
