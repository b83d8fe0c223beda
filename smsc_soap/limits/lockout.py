"""Refusing calls after the service said the credentials are wrong or the IP is blocked.

The service blocks an IP for 30 minutes after 5 authentication errors within 30 minutes, and
every request during a block only prolongs the trouble. The lockout protects the IP without
making a typo cost half an hour. It lives in the client's ``LimitStore``, so every process
sharing it keeps it, and it is kept per service host and login (a failure against a sandbox
does not hold the real service):

- after the service answers error 2, that login-and-password pair (known to the store only
  by its fingerprint, a salted hash) is refused without sending, for the cool-down: ten
  tries of one wrong password reach the service once;
- another password of the login may still be tried, while fewer than ``REFUSED_BUDGET`` of
  the login's passwords were refused within the cool-down: the right password works at once
  after a typo, and five different wrong ones reach the service at most twice, well under
  its block;
- a password the service has accepted before always goes (until it is refused itself): one
  caller's wrong password never holds another's good one;
- after error 4, every call to that host is refused for the cool-down.

Until the service has accepted a pair once, its requests go one at a time (``probe``), so a
wrong password costs one bad login, not one per thread or worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from smsc_soap.errors import ApiError, AuthenticationError, IPBlockedError, SmscError
from smsc_soap.limits.stores import LimitStore
from smsc_soap.service.credentials import Credentials

__all__ = [
    "ACCEPTED_FOR",
    "DEFAULT_COOLDOWN",
    "REFUSED_BUDGET",
    "Holds",
    "Lockout",
    "clear_holds",
    "holds_of",
]

logger = logging.getLogger("smsc_soap.limits.lockout")

DEFAULT_COOLDOWN = 1800.0
"""Seconds: the service's 30-minute counting window for authentication errors, and the
longer of its two IP blocks."""

ACCEPTED_FOR = 86_400.0
"""Seconds a pair the service accepted is known as accepted, unless it fails sooner."""

REFUSED_BUDGET = 2
"""Passwords of one login the service may refuse within the cool-down before a password it
has not accepted yet is held back: its block comes at 5 errors in 30 minutes."""

_KEPT = 5
"""Refusals kept per login and host: the budget, and room for passwords accepted before
that are refused later (the service's block threshold, so none is forgotten early)."""


@dataclass(frozen=True)
class Holds:
    """What the lockout holds for a login at a host, as ``smsc-soap lockout show`` tells it."""

    host: str
    refused: tuple[tuple[str, float], ...]
    """The fingerprint of each refused password with the seconds its hold has left."""
    blocked_for: float | None
    """Seconds the host's IP block is still held, or None."""


def _refused_key(scope: str, host: str) -> str:
    return f"{{{scope}}}:refused:{host}"


def _blocked_key(host: str) -> str:
    return f"host:{host}:blocked"


def _refusals(store: LimitStore, scope: str, host: str) -> list[tuple[str, float]]:
    """The refused passwords' fingerprints with the seconds each hold has left. They are kept
    under one key, held as long as the longest, each as ``digest@seconds before its end``:
    one read per check, whatever the number."""
    held = store.held(_refused_key(scope, host))
    if held is None:
        return []
    value, left = held
    refusals = []
    for entry in value.split(";"):
        digest, _, earlier = entry.partition("@")
        try:
            entry_left = left - float(earlier or 0)
        except ValueError:  # not written by this module: nothing to keep from it
            continue
        if digest and entry_left > 0:
            refusals.append((digest, entry_left))
    return refusals


def _keep_refusals(
    store: LimitStore, scope: str, host: str, refusals: list[tuple[str, float]]
) -> None:
    longest = max(left for _, left in refusals)
    value = ";".join(f"{digest}@{longest - left:.3f}" for digest, left in refusals)
    store.hold(_refused_key(scope, host), value, longest)


def holds_of(store: LimitStore, scope: str, host: str) -> Holds:
    """The holds of ``scope`` (a login) at ``host`` in ``store``."""
    blocked = store.held(_blocked_key(host))
    refused = _refusals(store, scope, host)
    return Holds(host, tuple(refused), None if blocked is None else blocked[1])


def clear_holds(store: LimitStore, scope: str, host: str) -> None:
    """End every hold of ``scope`` at ``host``: its refused passwords and the host's block."""
    store.drop(_refused_key(scope, host))
    store.drop(_blocked_key(host))


class Lockout:
    """Whether calls of one credential pair to one host are held after error 2 or 4."""

    def __init__(
        self,
        store: LimitStore,
        credentials: Credentials,
        *,
        host: str,
        cooldown: float = DEFAULT_COOLDOWN,
    ) -> None:
        self.cooldown = cooldown
        self._store = store
        self._credentials = credentials
        self._host = host
        self._known: tuple[str, str] | None = None
        self._known_accepted = False

    def check(self) -> None:
        """Raise the held error, as a refusal of the client's own, while a hold lasts."""
        holds = holds_of(self._store, self.scope, self._host)
        if holds.blocked_for is not None:
            raise IPBlockedError(
                f"the service blocked this IP address for {self._host}"
                f" {self._ago(holds.blocked_for)}; calls are held for"
                f" {_duration(holds.blocked_for)} more so that retrying cannot lengthen the"
                " block (reset_lockout() ends the hold once the block is known to be over)"
            )
        mine = [left for digest, left in holds.refused if digest == self.digest]
        if mine:
            raise AuthenticationError(
                f"the service refused this password of login {self._login} at {self._host}"
                f" {self._ago(mine[0])}: it is not sent again for"
                f" {_duration(mine[0])}, so that retrying cannot get the IP blocked. Check the"
                " login and password; if it was changed on the service since, reset_lockout()"
                " sends it again"
            )
        if len(holds.refused) >= REFUSED_BUDGET and not self.accepted():
            left = min(left for _, left in holds.refused)
            raise AuthenticationError(
                f"the service refused {len(holds.refused)} other passwords of login"
                f" {self._login} at {self._host} within {_duration(self.cooldown)}; another"
                " failure could get this IP blocked, so a password it has not accepted yet is"
                f" not tried for {_duration(left)}. Check the login and password;"
                " reset_lockout() allows a try now"
            )

    def accepted(self) -> bool:
        """Whether the service has accepted this pair (in any process sharing the store)."""
        if not self._known_accepted:
            self._known_accepted = self._store.held(self._accepted_key) is not None
        return self._known_accepted

    def record(self, error: SmscError) -> None:
        """Start a hold if ``error`` is the service's error 2 or 4; note an accepted pair if
        the service answered it with anything else."""
        if isinstance(error, AuthenticationError) and error.from_service:
            self._hold_refused()
            self._store.drop(self._accepted_key)
            self._known_accepted = False
        elif isinstance(error, IPBlockedError) and error.from_service:
            self._store.hold(_blocked_key(self._host), "4", self.cooldown)
        else:
            if isinstance(error, ApiError) and error.from_service:
                self.record_accepted()  # any other answer of the service: the login passed
            return
        logger.warning(
            "SMSC answered error %d; not retried, and calls are held for %.0f s",
            error.code,
            self.cooldown,
        )

    def record_accepted(self) -> None:
        if not self._known_accepted:
            self._store.hold(self._accepted_key, "1", ACCEPTED_FOR)
            self._known_accepted = True

    def reset(self) -> None:
        """End the holds of this login at this host (every password's, and the block)."""
        clear_holds(self._store, self.scope, self._host)

    def _hold_refused(self) -> None:
        """This pair's refusal, held for the cool-down, beside the login's others; the most
        recent ``_KEPT`` are kept (more can be refused only among passwords accepted before)."""
        others = [
            (digest, left)
            for digest, left in _refusals(self._store, self.scope, self._host)
            if digest != self.digest
        ]
        recent = sorted(others, key=lambda refusal: refusal[1])[-(_KEPT - 1) :]
        _keep_refusals(self._store, self.scope, self._host, [*recent, (self.digest, self.cooldown)])

    def _ago(self, left: float) -> str:
        """When a hold with ``left`` seconds to go began, as a person says it."""
        elapsed = max(self.cooldown - left, 0.0)
        return "just now" if elapsed < 60 else f"{_duration(elapsed)} ago"

    @property
    def _login(self) -> str:
        return self._credentials.login or "(API key)"

    @property
    def scope(self) -> str:
        """What the credentials' limits and holds are kept under in the store."""
        return self._in_store()[0]

    @property
    def digest(self) -> str:
        """The pair's fingerprint: what the store knows of the password."""
        return self._in_store()[1]

    def _in_store(self) -> tuple[str, str]:
        # Made at the first use, not when the client is built: the salt is read from the store.
        if self._known is None:
            salt = self._store.salt()
            self._known = (self._credentials.scope(salt), self._credentials.fingerprint(salt))
        return self._known

    @property
    def _accepted_key(self) -> str:
        return f"{{{self.scope}}}:accepted:{self._host}:{self.digest}"


def _duration(seconds: float) -> str:
    """``45 s``, ``29 min``: how long, as a person says it."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
