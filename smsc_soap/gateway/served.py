"""What the gateway's faces share: the reply they serve with the outcomes to count, a list of
lookups answered together, and the HTTP status of a lookup that failed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from smsc_soap.errors import (
    API_ERROR_DESCRIPTIONS,
    ApiError,
    AuthenticationError,
    InvalidParametersError,
    IPBlockedError,
    LimitStoreError,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    SmscError,
)
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.limits.service_limits import CONCURRENT_LIMIT
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.app import on_the_loop
from smsc_soap.serving.http_reply import HttpReply

__all__ = [
    "MAX_MESSAGES",
    "RETRY_AFTER",
    "Served",
    "error_text",
    "failure_status",
    "failure_text",
    "look_up_each",
    "outcome_of",
    "outcome_of_code",
    "retry_headers",
    "with_age",
]

MAX_MESSAGES = 100
"""The most messages one request of the HTTP or JSON face may ask about."""

_AT_ONCE = CONCURRENT_LIMIT - 1  # the client lets no more of a login's requests out at once

_STATUSES: tuple[tuple[type[SmscError], str], ...] = (
    (InvalidParametersError, "400 Bad Request"),
    (AuthenticationError, "401 Unauthorized"),
    (MessageNotFoundError, "404 Not Found"),
    (RateLimitError, "429 Too Many Requests"),
    (IPBlockedError, "503 Service Unavailable"),
    (LimitStoreError, "503 Service Unavailable"),
    (RequestTimeoutError, "504 Gateway Timeout"),
)


_CODE_OUTCOMES = {1: "bad_request", 3: Outcome.NOT_FOUND.value}
_KNOWN_CODES = frozenset(API_ERROR_DESCRIPTIONS)

RETRY_AFTER = ("Retry-After", "5")
"""Sent with a refusal for the limit store being out of use: try again in a few seconds."""

_STORE_DOWN = (
    "the gateway cannot reach the store of the service's limits now, so nothing was sent;"
    " try again shortly"
)


@dataclass(frozen=True)
class Served:
    reply: HttpReply
    outcomes: tuple[str, ...]
    """For the metrics, one per lookup: a status's outcome, ``error_N`` or what stopped it."""


def look_up_each(
    lookups: Sequence[Lookup], look_up: Callable[[Lookup], Answer]
) -> list[Answer | SmscError]:
    """Each lookup's answer or error, in order; a few at a time, as the limits let them go."""

    def one(lookup: Lookup) -> Answer | SmscError:
        try:
            return look_up(lookup)
        except SmscError as error:
            return error

    if len(lookups) == 1 or on_the_loop():  # on the loop, from the cache alone: at once
        return [one(lookup) for lookup in lookups]
    with ThreadPoolExecutor(min(len(lookups), _AT_ONCE), "smsc-gateway-lookup") as pool:
        return list(pool.map(one, lookups))


def with_age(reply: HttpReply, age: float) -> HttpReply:
    """``reply`` with its age, as HTTP carries it: whole seconds since the service gave it."""
    headers = (*reply.headers, ("Age", str(int(age))))
    # Made directly: dataclasses.replace costs more than the rest of a cached answer's reply.
    return HttpReply(reply.status, reply.content_type, reply.body, headers)


def failure_status(error: SmscError) -> str:
    """The HTTP status that tells a caller why a lookup failed: the caller's mistake (400),
    its password (401), an unknown message (404), the limits (429), the IP block (503), or
    the service not answering (504 for a timeout, 502 for anything else)."""
    for kind, status in _STATUSES:
        if isinstance(error, kind):
            return status
    return "502 Bad Gateway"


def failure_text(error: SmscError) -> str:
    """What happened to a lookup that got neither a status nor an error code: the service
    answered an HTTP error or something unreadable, could not be reached, or was too slow."""
    return f"the lookup failed: {error_text(error)} ({type(error).__name__})"


def error_text(error: SmscError) -> str:
    """What a caller is told of ``error``: a refusal of the client the gateway runs is the
    gateway's own, and a limit store out of use is said so without its address or its error
    (those are logged for the operator)."""
    if isinstance(error, LimitStoreError):
        return _STORE_DOWN
    if isinstance(error, ApiError) and not error.from_service:
        return f"{error.detail or error.description} (refused by the gateway; nothing was sent)"
    return str(error)


def retry_headers(error: SmscError) -> tuple[tuple[str, str], ...]:
    """``Retry-After`` for a refusal that passes once the limit store is back."""
    return (RETRY_AFTER,) if isinstance(error, LimitStoreError) else ()


def outcome_of(error: SmscError) -> str:
    """A failed lookup as the metrics count it: as ``outcome_of_code`` its error code,
    ``store_unavailable``, or ``upstream_failed``."""
    if isinstance(error, ApiError):
        return outcome_of_code(error.code)
    return "store_unavailable" if isinstance(error, LimitStoreError) else "upstream_failed"


def outcome_of_code(code: int) -> str:
    """An error code as the metrics count it on every face: ``bad_request`` (1),
    ``not_found`` (3, as a status -3 is), ``error_N`` for the service's other documented
    codes, and ``error_other`` for any other, so that the label's values stay few."""
    if code in _CODE_OUTCOMES:
        return _CODE_OUTCOMES[code]
    return f"error_{code}" if code in _KNOWN_CODES else "error_other"
