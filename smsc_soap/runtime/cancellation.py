"""A caller giving up on a call that runs in another thread (an awaiting task cancelled).

The thread runs the call in a context holding a ``Cancellation``; the limiter's waits, the
back-off between attempts and the wire's watch register with it, so ``cancel()`` ends a wait
and shuts the socket a request is on, and the call raises ``Cancelled`` at its next step
instead of sending.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from smsc_soap.runtime.clock import Clock, SystemClock

__all__ = ["Cancellation", "Cancelled", "check", "on_cancel", "sleep"]

Callback = Callable[[], object]


class Cancelled(Exception):
    """The call was given up on by its caller; nobody waits for its result."""


class Cancellation:
    """Set once; what is registered runs when it is set (at once if it is already)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callback] = {}
        self.cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            callbacks, self._callbacks = list(self._callbacks.values()), {}
        for callback in callbacks:
            callback()

    def _register(self, callback: Callback) -> int | None:
        with self._lock:
            if not self.cancelled:
                key = id(callback)
                self._callbacks[key] = callback
                return key
        callback()
        return None

    def _unregister(self, key: int | None) -> None:
        with self._lock:
            if key is not None:
                self._callbacks.pop(key, None)


CURRENT: ContextVar[Cancellation | None] = ContextVar("smsc_soap_cancellation", default=None)
"""The cancellation of the call running in this context, if its caller can give up on it."""


def check() -> None:
    """Raise ``Cancelled`` if the current call was given up on."""
    cancellation = CURRENT.get()
    if cancellation is not None and cancellation.cancelled:
        raise Cancelled("the call was cancelled by its caller")


@contextmanager
def on_cancel(callback: Callback) -> Iterator[None]:
    """Run ``callback`` if the current call is cancelled while the block runs."""
    cancellation = CURRENT.get()
    if cancellation is None:
        yield
        return
    key = cancellation._register(callback)
    try:
        yield
    finally:
        cancellation._unregister(key)


def sleep(clock: Clock, seconds: float) -> None:
    """``clock.sleep(seconds)``; on the real clock (``SystemClock``) in a call that can be
    cancelled, a wait on it that the cancel ends, raising ``Cancelled``. Another clock's
    sleep is its own (instant, in tests), and a cancel is seen when it returns."""
    if CURRENT.get() is None or not isinstance(clock, SystemClock):
        clock.sleep(seconds)
        check()
        return
    woken = threading.Condition()

    def wake() -> None:
        with woken:
            woken.notify_all()

    with on_cancel(wake), woken:
        check()  # under the lock: a cancel's wake cannot come before the wait
        clock.wait(woken, seconds)
    check()
