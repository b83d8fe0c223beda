"""The seam behind which the statuses the gateway learns are kept: one small protocol, three
stores (``memory://``, ``sqlite:///path``, ``redis://``), on the limit stores' URL scheme.

A ``StatusStore`` keeps the latest known status of each message of a login, with how and when
it was learned (a lookup, a callback, an SMPP receipt) and when it was last confirmed; each
change is also appended to a feed of changes that readers follow by event id (the gateway's
``/v1/events`` and its replicas' caches). Writes are idempotent and never move a message
back: the rule is ``supersedes``. Beside the statuses a store keeps claims (a lease a holder
takes and renews: one replica asks the service about a message, one holds the SMPP session)
and remembered keys (the fingerprints of credentials the service has accepted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import EmailError, Outcome, SmsError, StatusCode, known_or_number
from smsc_soap.service.phones import normalised

__all__ = [
    "KEEP_CHANGES",
    "KEEP_SECONDS",
    "SETTLED_RANK",
    "Change",
    "KnownStatus",
    "Source",
    "StatusStore",
    "confirmed",
    "rank",
    "supersedes",
    "with_normalised_phone",
    "written",
]

Source = Literal["lookup", "callback", "receipt"]

KEEP_SECONDS = 3 * 24 * 3600.0
"""How long a status is kept after it was last written: the service's own lookups of older
messages are rare, and the store must not grow without bound."""
KEEP_CHANGES = 100_000
"""The most recent changes the feed keeps; a reader further behind resumes from the oldest."""

_RANKS: dict[Outcome, int] = {
    Outcome.NOT_FOUND: 0,
    Outcome.PENDING: 1,
    Outcome.UNKNOWN: 1,
    Outcome.DELIVERED: 2,
    Outcome.FAILED: 2,
}
SETTLED_RANK = _RANKS[Outcome.DELIVERED]
"""The rank of a delivered or failed status: rule 2's threshold."""
_ERROR_TABLES: dict[str, type[SmsError] | type[EmailError]] = {
    "SmsError": SmsError,
    "EmailError": EmailError,
}
_BEYOND_DELIVERED = frozenset({StatusCode.READ, StatusCode.CLICKED})


@dataclass(frozen=True)
class KnownStatus:
    """The latest status known of one message of ``login``."""

    login: str
    status: MessageStatus
    """Its ``phone`` is in the one normalised form (``service.phones.normalised``)."""
    source: Source
    """How the status was learned."""
    learned_at: float
    """When the store first held this status (seconds since the epoch, the store's clock)."""
    checked_at: float
    """When a source last gave this status (learned, or confirmed since)."""
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Every field the push carried, as sent (empty for a lookup)."""

    def to_json(self) -> str:
        """The record as the sqlite and Redis stores keep it."""
        return json.dumps(
            {
                "login": self.login,
                "status": self.status.model_dump(mode="json", exclude_none=True),
                "fields_sent": list(self.status.fields_sent),
                # Which table the error code reads in: the number alone does not say.
                "err_table": type(self.status.err).__name__,
                "source": self.source,
                "learned_at": self.learned_at,
                "checked_at": self.checked_at,
                "fields": dict(self.fields),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> KnownStatus:
        record: dict[str, Any] = json.loads(text)
        fields = {**record["status"], "fields_sent": tuple(record["fields_sent"])}
        table = _ERROR_TABLES.get(record.get("err_table", ""))
        if table is not None and fields.get("err") is not None:
            fields["err"] = known_or_number(table, fields["err"])
        status = MessageStatus.model_validate(fields)
        return cls(
            login=record["login"],
            status=status,
            source=record["source"],
            learned_at=float(record["learned_at"]),
            checked_at=float(record["checked_at"]),
            fields=MappingProxyType(dict(record["fields"])),
        )


@dataclass(frozen=True)
class Change:
    """A status that changed, as the feed carries it: ``event_id`` orders the feed."""

    event_id: str
    known: KnownStatus


def supersedes(new: MessageStatus, held: MessageStatus) -> bool:
    """Whether ``new`` replaces ``held``, the status kept of the same message.

    The rule, whatever the sources (a lookup, a callback, a receipt, in any order, any number
    of times):

    1. The same status (code and error) again changes nothing.
    2. A settled status (delivered, read, clicked or failed) is never replaced by a pending one
       or "not found": the sources' clocks may disagree, a message does not go back.
    3. Otherwise the status whose moment of change (``last_date``) is later wins.
    4. Without both moments, or at the same moment, the status further along wins: not found,
       then pending, then delivered or failed, then read or clicked; at equal standing the
       one held stays.
    """
    if (new.status, new.err) == (held.status, held.err):
        return False
    new_rank, held_rank = rank(new), rank(held)
    if held_rank >= SETTLED_RANK and new_rank < SETTLED_RANK:
        return False
    new_at, held_at = new.last_date, held.last_date
    if new_at is not None and held_at is not None and new_at != held_at:
        return new_at > held_at
    return new_rank > held_rank


def confirmed(
    held: KnownStatus,
    status: MessageStatus,
    source: Source,
    fields: Mapping[str, str] | None,
    now: float,
) -> KnownStatus:
    """``held`` given again by ``source`` at ``now``: a lookup's status replaces the one
    held, as it carries every field; a push makes it a pushed status (the service's word
    that the change happened: a pushed delivered status need not be asked for again) with
    the push's fields."""
    if source == "lookup":
        return replace(held, status=status, checked_at=now)
    return replace(held, source=source, fields=MappingProxyType(dict(fields or {})), checked_at=now)


def with_normalised_phone(status: MessageStatus) -> MessageStatus:
    """``status`` with its phone in the one normalised form the stores key messages by."""
    phone = normalised(status.phone)
    return status if phone == status.phone else status.model_copy(update={"phone": phone})


def written(
    held: KnownStatus | None,
    login: str,
    status: MessageStatus,
    source: Source,
    fields: Mapping[str, str] | None,
    now: float,
) -> tuple[KnownStatus, bool] | None:
    """What a store keeps when ``status`` (its phone normalised) is put over ``held`` at
    ``now``: the record and whether it is a change for the feed; None when nothing is kept
    (an older status)."""
    if held is None or supersedes(status, held.status):
        learned = KnownStatus(
            login=login,
            status=status,
            source=source,
            learned_at=now,
            checked_at=now,
            fields=MappingProxyType(dict(fields or {})),
        )
        return learned, True
    if (held.status.status, held.status.err) == (status.status, status.err):
        return confirmed(held, status, source, fields, now), False
    return None


def rank(status: MessageStatus) -> int:
    """How far along ``status`` is, for rule 4 of ``supersedes``."""
    if status.status in _BEYOND_DELIVERED:
        return _RANKS[Outcome.DELIVERED] + 1
    return _RANKS[status.outcome]


@runtime_checkable
class StatusStore(Protocol):
    def put(
        self,
        login: str,
        status: MessageStatus,
        source: Source,
        *,
        fields: Mapping[str, str] | None = None,
    ) -> Change | None:
        """Keep ``status`` (its phone normalised) of ``login`` if it ``supersedes`` the one
        held, as one atomic step; the change made, or None when nothing changed. The same
        status again refreshes ``checked_at`` without a change in the feed (``confirmed``)."""
        ...

    def get(self, login: str, phone: str, message_id: str) -> KnownStatus | None:
        """The status kept of the message (``phone`` normalised), or None."""
        ...

    def latest(self) -> str:
        """The event id of the newest change in the feed; ``"0"`` when there is none."""
        ...

    def changes(self, after: str, *, wait: float, limit: int = 100) -> list[Change]:
        """The changes after event id ``after``, oldest first, at most ``limit``; waiting up
        to ``wait`` seconds for one when there is none yet. An id older than the feed keeps
        gives the oldest kept; an id that is not one of the store's gives the newest only."""
        ...

    def claim(self, name: str, holder: str, seconds: float) -> bool:
        """Take the claim ``name`` for ``holder``, or renew it if ``holder`` has it, for
        ``seconds``; False while another holds it."""
        ...

    def let_go(self, name: str, holder: str) -> None:
        """Give the claim back if ``holder`` has it."""
        ...

    def remember(self, key: str, seconds: float) -> None:
        """Remember ``key`` for ``seconds`` (a credentials fingerprint, never a secret)."""
        ...

    def remembered(self, key: str) -> bool: ...

    def forget(self, key: str) -> None: ...

    def salt(self) -> bytes:
        """A random value made once per store, for hashing credentials into keys."""
        ...

    def close(self) -> None: ...
