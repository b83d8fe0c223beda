"""The documentation's own set-up: a sandbox and a gateway in front of it, each started as a
reader would start them (``smsc-soap sandbox``, ``smsc-soap serve``), on free ports of
127.0.0.1, once for the whole run."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.processes import stop

# What a reader's terminal would hold, less anything that points the commands elsewhere.
CLEAN_ENV = {key: value for key, value in os.environ.items() if not key.startswith("SMSC_")}


def command_env(state: Path) -> dict[str, str]:
    """The environment the documentation's commands run in: the project's commands first on
    PATH, limits kept in ``state``, a wide terminal, no SMSC settings of the caller's."""
    bin_dir = str(Path(sys.executable).parent)
    return {
        **CLEAN_ENV,
        "PATH": bin_dir + os.pathsep + CLEAN_ENV.get("PATH", ""),
        "XDG_STATE_HOME": str(state),
        "COLUMNS": "200",
        "PYTHONIOENCODING": "utf-8",
    }


def _start(arguments: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "smsc_soap", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    if not first.startswith("http://127.0.0.1:"):
        process.kill()
        process.wait()
        pytest.fail(f"smsc-soap {arguments[0]} printed {first!r} instead of its URL")
    return process, first


def _stop(process: subprocess.Popen[str]) -> None:
    stop(process, grace=15)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The base URLs the examples are written against, mapped to the ones started here: the
    sandbox the docs run on port 8000 and the gateway they run on port 8080."""
    env = command_env(tmp_path_factory.mktemp("servers-state"))
    sandbox, sandbox_url = _start(["sandbox", "--port", "0"], env)
    try:
        gateway, gateway_url = _start(
            [
                "serve",
                "--port",
                "0",
                "--endpoint",
                f"{sandbox_url}/sys/soap.php",
                "--insecure-http",
                "--limits",
                "memory://",
            ],
            env,
        )
        try:
            yield {
                "127.0.0.1:8000": sandbox_url.removeprefix("http://"),
                "127.0.0.1:8080": gateway_url.removeprefix("http://"),
            }
        finally:
            _stop(gateway)
    finally:
        _stop(sandbox)


@pytest.fixture
def reader_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A test's own environment for the documentation's commands."""
    return command_env(tmp_path_factory.mktemp("state"))
