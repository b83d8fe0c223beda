"""What a test needs from the machine: without it the test skips, except under CI
(``CI=true``), whose .ci/run installs it, so that there a skip cannot hide the test."""

from __future__ import annotations

import importlib.util
import os
from typing import NoReturn

import pytest


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; under CI it must be there (.ci/run installs it)")
    pytest.skip(reason)


def require_redis_py() -> None:
    if importlib.util.find_spec("redis") is None:
        missing("redis-py is not installed (pip install -e '.[test]')")
