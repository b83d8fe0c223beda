"""What a call retries, how long it waits in between, and when it gives up (with tenacity).

Retried, because the next attempt can succeed: timeouts, broken connections and truncated
bodies, HTTP 408, 429, 500, 502, 503 and 504 (after the server's ``Retry-After`` when it
gives one no longer than ``retry_after_cap``), SOAP faults whose code is ``Server``, and the
service's error 9 (after ``rate_limited_wait``: it counts requests per minute).

Never retried: errors 1, 2, 3, 4 and 5, TLS failures, a host name that does not resolve (a
misspelt host or endpoint stays misspelt), client (``Client``) faults, redirects
and other HTTP statuses, malformed replies, and refusals of the client's own limits. Error 4
is not retried because the block outlasts any call: the client refuses calls instead.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

import tenacity
from pydantic import BaseModel, ConfigDict, Field

from smsc_soap.errors import (
    ConnectionFailedError,
    HostNotFoundError,
    HTTPStatusError,
    RateLimitError,
    RequestTimeoutError,
    SoapFaultError,
    TLSError,
)
from smsc_soap.runtime import cancellation
from smsc_soap.runtime.clock import Clock

__all__ = ["DEFAULT_DEADLINE", "RETRIED_HTTP_STATUSES", "RetryPolicy", "call_with_retries"]

logger = logging.getLogger("smsc_soap.calls.retries")

T = TypeVar("T")

DEFAULT_DEADLINE = 120.0
"""Seconds one call may take at most, its retries, waits and limits included."""

RETRIED_HTTP_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class RetryPolicy(BaseModel):
    """How a call retries. ``RetryPolicy()`` is the default; ``RetryPolicy.disabled()`` sends
    every request once.

    Between attempts the wait is jittered exponential back-off, ``uniform(0, min(backoff_max,
    backoff_initial * 2 ** (attempt - 1)))``, unless the server said how long (``Retry-After``)
    or the service answered error 9. The call's deadline (a client option) stops retries
    whose wait would pass it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    attempts: int = Field(default=4, ge=1, description="requests one call sends at most")
    backoff_initial: float = Field(default=0.5, gt=0)
    backoff_max: float = Field(default=8.0, gt=0)
    retry_after_cap: float = Field(
        default=30.0, ge=0, description="a longer Retry-After ends the call instead"
    )
    rate_limited_wait: float = Field(
        default=60.0, ge=0, description="the wait after error 9; the service counts per minute"
    )

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never retries."""
        return cls(attempts=1)

    def retries(self, error: BaseException) -> bool:
        """Whether a call that failed with ``error`` may try again."""
        if isinstance(error, RateLimitError):
            return error.from_service
        if isinstance(error, TLSError | HostNotFoundError):
            return False
        if isinstance(error, RequestTimeoutError | ConnectionFailedError):
            return True
        if isinstance(error, HTTPStatusError):
            return error.status_code in RETRIED_HTTP_STATUSES and (
                error.retry_after is None or error.retry_after <= self.retry_after_cap
            )
        if isinstance(error, SoapFaultError):
            return _is_server_fault(error.faultcode)
        return False


def _is_server_fault(faultcode: str) -> bool:
    # "SOAP-ENV:Server", "soap:Server.Busy": the local part, before any dotted refinement.
    return faultcode.rpartition(":")[2].split(".", 1)[0] == "Server"


def call_with_retries(
    attempt: Callable[[], T],
    *,
    policy: RetryPolicy,
    clock: Clock,
    deadline: float,
    describe: str,
) -> T:
    """``attempt()`` until it succeeds, ``policy`` says stop, or ``deadline`` (a reading of
    ``clock``) would pass during the next wait. The last error is raised as it is."""
    backoff = tenacity.wait_random_exponential(
        multiplier=policy.backoff_initial, max=policy.backoff_max
    )

    def wait(state: tenacity.RetryCallState) -> float:
        error = _error_of(state)
        if isinstance(error, RateLimitError):
            return policy.rate_limited_wait
        if isinstance(error, HTTPStatusError) and error.retry_after is not None:
            return error.retry_after
        return float(backoff(state))

    def stop(state: tenacity.RetryCallState) -> bool:
        return (
            state.attempt_number >= policy.attempts
            or clock.monotonic() + state.upcoming_sleep >= deadline
        )

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = _error_of(state)
        logger.warning(
            "%s: attempt %d of %d failed (%s: %s); retrying in %.2f s",
            describe,
            state.attempt_number,
            policy.attempts,
            type(error).__name__,
            error,
            state.upcoming_sleep,
        )

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(policy.retries),
        wait=wait,
        stop=stop,
        sleep=functools.partial(cancellation.sleep, clock),  # a cancelled call waits no more
        before_sleep=log_retry,
        reraise=True,
    )
    return retrying(attempt)


def _error_of(state: tenacity.RetryCallState) -> BaseException | None:
    return None if state.outcome is None else state.outcome.exception()
