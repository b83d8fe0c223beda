"""The service's request limits (its status page), written down once.

More than ``LOOKUPS_PER_MESSAGE`` lookups of one message, or more than ``MASS_PER_WINDOW``
mass request, within ``WINDOW_SECONDS``, and ``CONCURRENT_LIMIT`` or more concurrent requests
on one login, are answered with error 9.
"""

from __future__ import annotations

__all__ = [
    "CONCURRENT_LIMIT",
    "LOOKUPS_PER_MESSAGE",
    "MASS_PER_WINDOW",
    "WINDOW_SECONDS",
]

LOOKUPS_PER_MESSAGE = 5
MASS_PER_WINDOW = 1
WINDOW_SECONDS = 60.0
CONCURRENT_LIMIT = 5
