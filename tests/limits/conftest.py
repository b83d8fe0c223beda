"""The limits layer's fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "redis"])
def limits(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store shared by processes: a SQLite file, then a real Redis server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'limits.db'}"
    url: str = request.getfixturevalue("redis_url")
    return url
