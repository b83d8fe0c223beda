"""The recording step of a call: each request's outcome, on the lockout and in the log.

The lockout learns of every answer of the service (error 2 or 4 start a hold, any other
answer shows the credentials were accepted) while the request still holds its place, so no
other request of the credentials goes out before the outcome is known. A store that fails
while an outcome is recorded does not replace it: the failure is logged and counted by the
limiter. Each request gets one DEBUG line on ``smsc_soap.client``, the logger the README
names for it.
"""

from __future__ import annotations

import logging
import time

from smsc_soap.errors import LimitStoreError, SmscError
from smsc_soap.limits.limiter import Place
from smsc_soap.models import MessageStatus
from smsc_soap.runtime import cancellation

__all__ = ["AttemptRecord"]

logger = logging.getLogger("smsc_soap.client")


class AttemptRecord:
    """The outcome of one request sent, recorded on the lockout of its ``place`` and logged
    with how long it took since the record was made."""

    def __init__(self, place: Place, describe: str, attempt: int) -> None:
        self._place = place
        self._describe = describe
        self._attempt = attempt
        self._started = time.perf_counter()

    def answered(self, result: object) -> None:
        """The request was answered and its answer read as ``result``."""
        self._log(f"status {int(result.status)}" if isinstance(result, MessageStatus) else "ok")
        try:
            self._place.lockout.record_accepted()
        except LimitStoreError as failure:
            self._place.store_failed("recording an answer", failure)

    def failed(self, error: BaseException) -> None:
        """The request failed with ``error`` (an answer of the service, or none)."""
        if not isinstance(error, SmscError):
            self._log("stopped")
            return
        self._log(type(error).__name__)
        cancellation.check()  # a socket shut by a cancel: no answer of the service
        try:
            self._place.lockout.record(error)
        except LimitStoreError as failure:
            self._place.store_failed("recording an answer", failure)

    def _log(self, outcome: str) -> None:
        logger.debug(
            "%s attempt %d: %s in %.3f s",
            self._describe,
            self._attempt,
            outcome,
            time.perf_counter() - self._started,
        )
