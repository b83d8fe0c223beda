"""Schemathesis, with every check, against the JSON face's OpenAPI document on a live
gateway: the document promises what the server does, for valid and invalid requests alike."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smsc_soap.sandbox import Sandbox, SandboxOptions

from support.gateway_setup import CountingSandbox, start_gateway


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_schemathesis_finds_nothing_against_the_openapi_document(
    seed: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    service = CountingSandbox(SandboxOptions(enforce_limits=False))
    with Sandbox(service) as sandbox, start_gateway(sandbox) as gateway:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{gateway.url}/v1/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                "60",
                "--seed",
                str(seed),
                "--auth",
                "demo:demo",
                "--generation-database",
                "none",
                "--workers",
                "2",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path_factory.mktemp("schemathesis"),  # its reports stay out of the tree
            check=False,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Tested: 2" in run.stdout
