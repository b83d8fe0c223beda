"""``smsc-soap serve --smpp-receipts HOST:PORT``: binds beside the gateway with SMPP_LOGIN and
SMPP_PASSWORD, takes the sandbox's receipts, and unbinds when SIGTERM stops the gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.sandbox import Sandbox

from support.receipt_sandbox import eventually, moving

pytestmark = pytest.mark.sandbox(lambda: moving(2, every=0), smpp_port=0, password="s3cret")


def serve(smpp: str, **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            *("-m", "smsc_soap", "serve", "--port", "0", "--limits", "memory://"),
            *("--smpp-receipts", smpp),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )


@pytest.mark.slow
def test_serve_binds_takes_the_receipts_and_unbinds_on_sigterm(sandbox: Sandbox) -> None:
    smpp = sandbox.smpp
    assert smpp is not None
    process = serve(f"127.0.0.1:{smpp.port}", SMPP_LOGIN="demo", SMPP_PASSWORD="s3cret")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert requests.get(f"{url}/healthz", timeout=10).ok  # serving: SIGTERM is handled
        eventually(lambda: smpp.acknowledged == 2, within=20)
        metrics = requests.get(f"{url}/metrics", timeout=10).text
        assert 'smsc_gateway_receipts_total{verdict="stored"} 2.0' in metrics
        assert "smsc_gateway_smpp_session_held 1.0" in metrics
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
        process.wait()

    assert process.returncode == 0, stderr
    assert (smpp.binds, smpp.unbinds) == (1, 1)
    assert b"SMPP receipts from 127.0.0.1:" in stderr
    assert b"s3cret" not in stderr


@pytest.mark.parametrize(
    ("address", "env", "said"),
    [
        ("127.0.0.1:2775", {"SMPP_LOGIN": "", "SMPP_PASSWORD": ""}, "SMPP_LOGIN and SMPP_PASSWORD"),
        ("127.0.0.1", {"SMPP_LOGIN": "demo", "SMPP_PASSWORD": "x"}, "HOST:PORT"),
        ("127.0.0.1:99999", {"SMPP_LOGIN": "demo", "SMPP_PASSWORD": "x"}, "65535"),
        (
            "127.0.0.1:2775",
            {"SMPP_LOGIN": "demo", "SMPP_PASSWORD": "much-too-long"},
            "at most 8",
        ),
    ],
)
def test_bad_receipt_settings_are_a_usage_error_before_anything_starts(
    address: str, env: dict[str, str], said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        main, ["serve", "--limits", "memory://", "--port", "0", "--smpp-receipts", address]
    )

    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "much-too-long" not in result.output
