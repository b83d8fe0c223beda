"""Processes the tests start: stopped politely, then for sure."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], *, grace: float = 5) -> None:
    """SIGTERM, then SIGKILL if the process has not ended after ``grace`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
