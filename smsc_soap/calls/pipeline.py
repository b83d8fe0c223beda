"""A call as a pipeline of named steps, the same for lookups, mass lookups and deletions.

``Pipeline.run`` gives the call its deadline and retries its attempts (``retries``). Each
attempt is admitted by the limiter within the limits and the lockout (``limits.limiter``),
sent with what is left of the deadline (``sending``), its answer translated by the call's
translation (``service.replies``), and recorded on the lockout and in the log (``recording``)
before its place is given back. The attempt tells its place what became of the request (sent
or not, and whether a connection was made), which says when the place is given back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from smsc_soap.calls.recording import AttemptRecord
from smsc_soap.calls.retries import RetryPolicy, call_with_retries
from smsc_soap.calls.sending import reached_the_service, time_to_send
from smsc_soap.errors import SmscError
from smsc_soap.limits.limiter import Limiter, Window
from smsc_soap.runtime.clock import Clock

__all__ = ["Call", "Pipeline", "Send"]

A = TypeVar("A")
A_co = TypeVar("A_co", covariant=True)
T = TypeVar("T")


class Send(Protocol[A_co]):
    """Sends one request, taking at most ``timeout`` seconds, and returns the answer."""

    def __call__(self, *, timeout: float) -> A_co: ...


@dataclass(frozen=True, slots=True)
class Call(Generic[A, T]):
    """What one call asks: the window its requests count in, how one is sent, how its answer
    is translated (raising the service's error it carries), and what is retried (``None``: the
    client's policy)."""

    describe: str
    window: Window
    send: Send[A]
    translate: Callable[[A], T]
    retry: RetryPolicy | None = None


class Pipeline:
    """Runs the calls of one client: one limiter (and its lockout), one clock, each call
    ``deadline`` seconds at most, retried as ``retry`` says unless the call says otherwise."""

    def __init__(
        self, limiter: Limiter, *, clock: Clock, deadline: float, retry: RetryPolicy
    ) -> None:
        self.limiter = limiter
        self._clock = clock
        self._deadline = deadline
        self._retry = retry

    def run(self, call: Call[A, T], *, wait_for_windows: bool = True) -> T:
        """The result of ``call``; an error raised carries the requests it sent
        (``attempts``). ``wait_for_windows=False`` refuses a full window at once."""
        attempts = _Attempts(
            self.limiter,
            self._clock,
            call,
            deadline=self._clock.monotonic() + self._deadline,
            wait_for_windows=wait_for_windows,
        )
        try:
            return call_with_retries(
                attempts.next,
                policy=call.retry or self._retry,
                clock=self._clock,
                deadline=attempts.deadline,
                describe=call.describe,
            )
        except SmscError as error:
            error.attempts = attempts.sent  # the count of the call: known only as it ends
            raise


class _Attempts(Generic[A, T]):
    """The attempts of one call, and how many of them sent a request."""

    def __init__(
        self,
        limiter: Limiter,
        clock: Clock,
        call: Call[A, T],
        *,
        deadline: float,
        wait_for_windows: bool,
    ) -> None:
        self.deadline = deadline
        self.sent = 0
        self._limiter = limiter
        self._clock = clock
        self._call = call
        self._wait_for_windows = wait_for_windows

    def next(self) -> T:
        """One attempt: admitted, sent, translated and recorded, in that order."""
        call = self._call
        with self._limiter.admitted(
            call.window, self.deadline, wait_for_windows=self._wait_for_windows
        ) as place:
            time_left = time_to_send(self.deadline, self._clock)
            place.sent = True
            self.sent += 1
            record = AttemptRecord(place, call.describe, self.sent)
            try:
                result = call.translate(call.send(timeout=time_left))
            except BaseException as error:
                place.reached = reached_the_service(error)
                record.failed(error)
                raise
            record.answered(result)
            return result
