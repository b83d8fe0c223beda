"""SMPP's absolute time format, ``YYMMDDhhmmsstnnp``: read from a reply, written by the sandbox.

``t`` is tenths of a second, ``nn`` the offset from UTC in quarter hours and ``p`` its sign
(``+`` ahead of UTC, ``-`` behind); ``R`` there marks a relative time, which is no moment.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from smsc_soap.models import MOSCOW_TIME

__all__ = ["absolute_time", "read_absolute_time"]

_ABSOLUTE = re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+-])", re.ASCII)
_MOSCOW_QUARTERS = 12  # UTC+3


def read_absolute_time(text: str) -> datetime | None:
    """The moment ``text`` names, in Moscow time; None if it is not an absolute time."""
    parts = _ABSOLUTE.fullmatch(text)
    if parts is None:
        return None
    year, month, day, hour, minute, second, tenths, quarters = map(int, parts.groups()[:8])
    if quarters > 48:
        return None
    offset = timedelta(minutes=15 * quarters) * (1 if parts[9] == "+" else -1)
    try:
        moment = datetime(
            2000 + year, month, day, hour, minute, second, tenths * 100_000, timezone(offset)
        )
    except ValueError:  # the 31st of a short month, an hour 25
        return None
    return moment.astimezone(MOSCOW_TIME)


def absolute_time(moment: datetime) -> str:
    """``moment`` written in Moscow time, as the service writes its times."""
    local = moment.astimezone(MOSCOW_TIME)
    return f"{local:%y%m%d%H%M%S}{local.microsecond // 100_000}{_MOSCOW_QUARTERS:02d}+"
