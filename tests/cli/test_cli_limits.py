"""Commands started at once on one host keep the service's limits together, with no option."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

PHONE = "79990000001"
COMMANDS = 8


@pytest.fixture
def slow_sandbox() -> Iterator[Sandbox]:
    """Every request takes 1.5 s, so eight commands started together overlap at the server."""
    book = MessageBook([BookMessage(id=str(n), phone=PHONE, status=1) for n in range(COMMANDS)])
    with Sandbox(SandboxApp(book, SandboxOptions(latency_ms=1500, enforce_limits=True))) as sandbox:
        yield sandbox


def run_at_once(sandbox: Sandbox, state: Path, *extra: str) -> list[int]:
    """Eight ``smsc-soap status`` commands started together; their exit codes."""
    environment = {
        **os.environ,
        "XDG_STATE_HOME": str(state),
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": "demo",
        "SMSC_ENDPOINT": sandbox.soap_endpoint,
        "SMSC_INSECURE_HTTP": "1",
    }
    command = [sys.executable, "-m", "smsc_soap", "status", "--retries", "0", *extra]
    processes = [
        subprocess.Popen(
            [*command, PHONE, str(n)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(COMMANDS)
    ]
    return [process.wait(timeout=120) for process in processes]


@pytest.mark.slow
def test_commands_started_at_once_share_the_limits_by_default(
    slow_sandbox: Sandbox, tmp_path: Path
) -> None:
    codes = run_at_once(slow_sandbox, tmp_path)

    assert codes == [0] * COMMANDS  # none drew error 9 (exit 4)
    assert (tmp_path / "smsc-soap" / "limits.db").exists()


@pytest.mark.slow
def test_without_a_shared_store_the_same_commands_draw_error_9(
    slow_sandbox: Sandbox, tmp_path: Path
) -> None:
    """The scenario above is one the service punishes: the shared store is what avoids it."""
    codes = run_at_once(slow_sandbox, tmp_path, "--limits", "memory://")

    assert 4 in codes  # error 9 from the sandbox, not retried
    assert not (tmp_path / "smsc-soap" / "limits.db").exists()
