"""What ``smsc-soap serve`` warns of when it listens beyond this host."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest
import requests
from click.testing import CliRunner

from smsc_soap.cli import main

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


@pytest.mark.slow
def test_the_sandbox_says_on_stderr_when_its_callbacks_are_dropped() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "smsc_soap", "sandbox", "--port", "0"),
            *("--callback-url", "http://127.0.0.1:9/hook", "--callback-current"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 30
        line = b""
        while b"dropped" not in line and time.monotonic() < deadline:
            # Waited for with a bound: a sandbox that says nothing must fail, not hang.
            ready, _, _ = select.select([process.stderr], [], [], deadline - time.monotonic())
            if ready:
                line = process.stderr.readline()
    finally:
        process.kill()
        process.wait()

    assert b"smsc_soap.sandbox.callbacks" in line
    assert b"not taken after 5 attempts" in line


@pytest.mark.parametrize("secrets", ["demo", "demo=a,demo=b", "=s3cret"])
def test_bad_callback_secrets_are_a_usage_error_naming_where_they_came_from(
    secrets: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSC_CALLBACK_SECRETS", secrets)

    result = CliRunner().invoke(main, ["serve", "--port", "0", "--limits", "memory://"])

    assert result.exit_code == 2
    assert "SMSC_CALLBACK_SECRETS" in result.output
    assert "s3cret" not in result.output
