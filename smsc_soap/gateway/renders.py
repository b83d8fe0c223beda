"""What the faces work out from a cached status, worked out once per status object.

A cached status is one ``MessageStatus`` object, the same for every request it answers until
the service is asked again; a status is immutable, so what is worked out from it alone (the
status cut down to a detail, a face's reply but for its ``Age``) is the same every time. It
is kept here under the object's identity (the object itself held, so that its ``id`` cannot
be taken by another), for the most recent ``MAX_RENDERS`` of each kind: a cache hit then
costs a dictionary look-up instead of a rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import suppress
from typing import Generic, TypeVar

__all__ = ["MAX_RENDERS", "Renders"]

MAX_RENDERS = 4096
"""The most renderings of one kind kept; the oldest goes first."""

_Made = TypeVar("_Made")


class Renders(Generic[_Made]):
    """Renderings of one kind, keyed by a status object and what else they depend on."""

    def __init__(self, max_entries: int = MAX_RENDERS) -> None:
        self._max_entries = max_entries
        self._kept: dict[tuple[int, Hashable], tuple[object, _Made]] = {}

    def get(self, status: object, key: Hashable, make: Callable[[], _Made]) -> _Made:
        """What ``make`` gives for ``status`` and ``key``: made the first time, then kept.

        Safe from several threads without a lock: at worst two make the same rendering and
        one of the two (equal) is kept."""
        slot = (id(status), key)
        kept = self._kept.get(slot)
        if kept is not None and kept[0] is status:
            return kept[1]
        made = make()
        if len(self._kept) >= self._max_entries:
            # Another thread may have evicted it, or changed the dictionary meanwhile.
            with suppress(KeyError, RuntimeError, StopIteration):
                del self._kept[next(iter(self._kept))]
        self._kept[slot] = (status, made)
        return made
