"""Refusing calls after the service said the credentials are wrong or the IP is blocked.

The service blocks an IP for 30 minutes after 5 authentication errors within 30 minutes, and
every request during a block only prolongs the trouble. The lockout lives in the client's
``LimitStore``, so every process sharing it keeps it:

- after the service answers error 2, that login-and-password pair (known to the store only
  by its fingerprint, a salted hash) is refused without sending, for the cool-down;
- while such a failure of a login is fresh, another password of that login goes only if the
  service has accepted it before: a stale password on one worker neither locks out the
  others nor gets a second failure sent;
- after error 4, every call to that host is refused for the cool-down.

Until the service has accepted a pair once, its requests go one at a time (``probe``), so a
wrong password costs one bad login, not one per thread or worker.
"""

from __future__ import annotations

import logging

from smsc_soap.errors import ApiError, AuthenticationError, IPBlockedError, SmscError
from smsc_soap.limits.stores import LimitStore
from smsc_soap.service.credentials import Credentials

__all__ = ["ACCEPTED_FOR", "DEFAULT_COOLDOWN", "Lockout"]

logger = logging.getLogger("smsc_soap.limits.lockout")

DEFAULT_COOLDOWN = 1800.0
"""Seconds: the service's 30-minute counting window for authentication errors, and the
longer of its two IP blocks."""

ACCEPTED_FOR = 86_400.0
"""Seconds a pair the service accepted is known as accepted, unless it fails sooner."""


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
        blocked = self._store.held(self._blocked_key)
        if blocked is not None:
            raise IPBlockedError(
                f"the service blocked this IP address for {self._host}"
                f" {self._elapsed(blocked[1]):.0f} s ago; calls are held for {blocked[1]:.0f} s"
                " more so that retrying cannot lengthen the block (reset_lockout() ends it)"
            )
        failed = self._store.held(self._failed_key)
        if failed is None:
            return
        digest, left = failed
        if digest == self.digest:
            raise AuthenticationError(
                f"the service refused these credentials {self._elapsed(left):.0f} s ago;"
                f" calls are held for {left:.0f} s more so that retrying cannot get the IP"
                " blocked (reset_lockout() ends the hold)"
            )
        if not self.accepted():
            raise AuthenticationError(
                f"the service refused another password of this login {self._elapsed(left):.0f}"
                " s ago, and it has not accepted this one yet; it is not tried for"
                f" {left:.0f} s more, so that no second failure can get the IP blocked"
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
            self._store.hold(self._failed_key, self.digest, self.cooldown)
            self._store.drop(self._accepted_key)
            self._known_accepted = False
        elif isinstance(error, IPBlockedError) and error.from_service:
            self._store.hold(self._blocked_key, "4", self.cooldown)
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
        self._store.drop(self._failed_key)
        self._store.drop(self._blocked_key)

    def _elapsed(self, left: float) -> float:
        return max(self.cooldown - left, 0.0)

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
    def _failed_key(self) -> str:
        return f"{{{self.scope}}}:auth-failed"

    @property
    def _accepted_key(self) -> str:
        return f"{{{self.scope}}}:accepted:{self.digest}"

    @property
    def _blocked_key(self) -> str:
        return f"host:{self._host}:blocked"
