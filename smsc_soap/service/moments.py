"""The moments a reply or a receipt can name: within the service's lifetime, with margin.

A date before 2000 or years ahead is no status change the service wrote, and reading it on
would only fail later (``01.01.0001`` cannot even be turned into UTC), so a reply or a
receipt naming one is malformed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from smsc_soap.models import MOSCOW_TIME

__all__ = ["AHEAD", "EARLIEST", "plausible", "plausible_timestamp"]

EARLIEST = datetime(2000, 1, 1)
"""Moscow time: before the service existed."""
AHEAD = timedelta(days=5 * 366)
"""How far ahead a date may lie: a send scheduled for later, never this far."""

_EARLIEST_TIMESTAMP = EARLIEST.replace(tzinfo=MOSCOW_TIME).timestamp()


def plausible(wall_time: datetime) -> bool:
    """Whether a Moscow wall-clock time (without a zone) is one the service could write."""
    latest = datetime.now(MOSCOW_TIME).replace(tzinfo=None) + AHEAD
    return EARLIEST <= wall_time <= latest


def plausible_timestamp(seconds: int) -> bool:
    """Whether a Unix timestamp is one the service could write."""
    return _EARLIEST_TIMESTAMP <= seconds <= time.time() + AHEAD.total_seconds()
