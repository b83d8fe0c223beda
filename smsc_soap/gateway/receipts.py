"""SMPP receipts into the status store: one replica at a time holds the receiver session.

Every replica of the gateway started with ``--smpp-receipts`` runs a ``ReceiptHolder``. The
holder binds the receiver session only while it holds the claim
``smpp-receipts:<host>:<port>:<login>`` in the status store the replicas share; it renews the
claim every ``renew_seconds`` (3 s) for ``claim_seconds`` (10 s), and unbinds at once when a
renewal fails or finds the claim taken. When the holder dies its claim runs out, and the next
replica to try (every ``renew_seconds``) takes it and binds: a takeover within
``claim_seconds + renew_seconds``. A receipt is acknowledged only once it is in the store, so
one whose write failed, or that a dying holder had not written, is delivered again.

For the gateway's metrics, ``ReceiptHolder.counts()`` tells the receipts received, written
(and of those, changed a status), unreadable, the writes that failed, and whether this replica
holds the session; ``on_verdict`` is called with each receipt's verdict as it comes:
``"stored"`` (a change), ``"unchanged"``, ``"unreadable"`` or ``"failed"`` (the write).
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

from smsc_soap.errors import InvalidParametersError, ReceiptError
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.service.credentials import Credentials
from smsc_soap.smpp.binding import bind_credentials
from smsc_soap.smpp.receiver import Backoff, ReceiptReceiver
from smsc_soap.statuses import StatusStore

__all__ = ["CLAIM_SECONDS", "RENEW_SECONDS", "ReceiptCounts", "ReceiptHolder", "claim_name"]

logger = logging.getLogger("smsc_soap.gateway.receipts")

CLAIM_SECONDS = 10.0
"""How long a claim on the session lasts unrenewed: a dead holder's session moves this long
(and at most ``RENEW_SECONDS`` more) after its last renewal."""
RENEW_SECONDS = 3.0
"""How often the holder renews its claim, and another replica tries to take it."""


def claim_name(host: str, port: int, login: str) -> str:
    """The claim on the receiver session of ``login`` at ``host:port``."""
    return f"smpp-receipts:{host}:{port}:{login}"


@dataclass(frozen=True)
class ReceiptCounts:
    """What a holder has done since it started."""

    received: int
    """Receipts read from the session (not the unreadable ones)."""
    written: int
    """Receipts the store took (a new status, or the one held again)."""
    changed: int
    """Written receipts that changed the status held (the rest were no news)."""
    unreadable: int
    """Receipts that could not be read, acknowledged and dropped."""
    failed: int
    """Store writes that failed: those receipts were left for the service to send again."""
    held: bool
    """Whether this replica holds the claim, and so the session, now."""


class ReceiptHolder:
    """Holds the receiver session of ``credentials`` at ``host:port`` while it holds its claim
    in ``store``, and writes each receipt to ``store`` as ``put(login, status, "receipt")``.

    ``start()`` begins trying for the claim in the background; ``stop()`` unbinds and gives
    the claim back, so another replica takes over at its next try. ``clock`` paces the
    renewals and the receiver's back-off (tests give one whose waits are instant); the claim's
    own time is the store's.
    """

    def __init__(
        self,
        store: StatusStore,
        host: str,
        port: int,
        credentials: Credentials,
        *,
        claim_seconds: float = CLAIM_SECONDS,
        renew_seconds: float = RENEW_SECONDS,
        clock: Clock = SYSTEM_CLOCK,
        backoff: Backoff | None = None,
        enquire_link_interval: float = 30.0,
        timeout: float = 10.0,
        on_verdict: Callable[[str], object] | None = None,
    ) -> None:
        if not 0 < renew_seconds <= claim_seconds / 2:
            raise InvalidParametersError(
                "the claim must be renewed at least twice in its length:"
                " 0 < renew_seconds <= claim_seconds / 2",
                option="renew_seconds",
            )
        self.login = bind_credentials(credentials)[0]  # checked before anything is sent
        self.store = store
        self.claim = claim_name(host, port, self.login)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        """Who this replica is in the claim."""
        self.claim_seconds, self.renew_seconds = claim_seconds, renew_seconds
        self._clock = clock
        self._new_receiver = functools.partial(
            ReceiptReceiver,
            host,
            port,
            credentials,
            self._write,
            on_unreadable=self._unreadable,
            timeout=timeout,
            enquire_link_interval=enquire_link_interval,
            backoff=backoff,
            clock=clock,
        )
        self.receiver: ReceiptReceiver | None = None
        """The receiver session, while this replica holds the claim."""
        self._condition = threading.Condition()
        self._stopping = False
        self._on_verdict = on_verdict
        self._store_failing = False
        self._received = self._written = self._changed = self._unreadable_count = 0
        self._failed = 0
        self._thread = threading.Thread(
            target=self._run, name=f"smsc-soap-receipt-claim-{host}:{port}", daemon=True
        )

    def counts(self) -> ReceiptCounts:
        with self._condition:
            return ReceiptCounts(
                received=self._received,
                written=self._written,
                changed=self._changed,
                unreadable=self._unreadable_count,
                failed=self._failed,
                held=self.receiver is not None,
            )

    @property
    def bound(self) -> bool:
        """Whether this replica's receiver session is bound now."""
        receiver = self.receiver
        return receiver is not None and receiver.bound

    def start(self) -> ReceiptHolder:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Unbind, give the claim back, and try for it no more."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> ReceiptHolder:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        try:
            while not self._stopped():
                self._set_held(self._claimed())
                with self._condition:
                    if not self._stopping:
                        self._clock.wait(self._condition, self.renew_seconds)
        finally:
            if self.counts().held:
                self._set_held(False)
                self._let_go()

    def _stopped(self) -> bool:
        with self._condition:
            return self._stopping

    def _claimed(self) -> bool:
        try:
            claimed = self.store.claim(self.claim, self.holder, self.claim_seconds)
        except Exception as error:  # whatever the store raised: the claim is not known held
            if not self._store_failing:  # once, not at every try while the store is away
                logger.warning(
                    "the claim on the SMPP receipts could not be taken or renewed: %s: %s",
                    type(error).__name__,
                    error,
                )
            self._store_failing = True
            return False
        if self._store_failing:
            logger.warning("the claim on the SMPP receipts can be tried again: the store answers")
        self._store_failing = False
        return claimed

    def _set_held(self, held: bool) -> None:
        """Bind on taking the claim, unbind on losing it (only this thread calls it)."""
        receiver = self.receiver
        if held and receiver is None:
            logger.info("this replica holds the SMPP receipts' claim: binding")
            receiver = self._new_receiver()
            with self._condition:
                self.receiver = receiver
            receiver.start()
        elif not held and receiver is not None:
            logger.info("this replica no longer holds the SMPP receipts' claim: unbinding")
            receiver.stop()
            with self._condition:
                self.receiver = None

    def _let_go(self) -> None:
        try:
            self.store.let_go(self.claim, self.holder)
        except Exception as error:  # it runs out by itself
            logger.warning(
                "the claim on the SMPP receipts could not be given back: %s: %s",
                type(error).__name__,
                error,
            )

    def _write(self, status: MessageStatus) -> None:
        """On the receiver's thread: the receipt into the store, before it is acknowledged."""
        with self._condition:
            self._received += 1
        try:
            change = self.store.put(self.login, status, "receipt")
        except Exception:
            with self._condition:
                self._failed += 1
            self._verdict("failed")
            raise
        with self._condition:
            self._written += 1
            self._changed += change is not None
        self._verdict("unchanged" if change is None else "stored")

    def _unreadable(self, error: ReceiptError) -> None:
        logger.warning("an unreadable delivery receipt was acknowledged: %s", error)
        with self._condition:
            self._unreadable_count += 1
        self._verdict("unreadable")

    def _verdict(self, verdict: str) -> None:
        if self._on_verdict is not None:
            self._on_verdict(verdict)
