"""The sandbox's status handler: each status change of its book POSTed to a web service as
the service sends it, so a receiver can be tried end to end here.

A thread of its own sends the book's changes (``then_status`` coming due; with
``callback_current``, each message's status at start first) as form fields, signed when a
secret is given. A receiver that fails (no connection, no answer in time, an answer other
than 2xx) is tried again after a back-off that doubles, a few times, then the change is
logged and dropped. Lookups are answered by the server's threads meanwhile, never waiting on
this one.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import urlsplit

import requests

from smsc_soap.callbacks import sign
from smsc_soap.models import MOSCOW_TIME
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.sandbox.app import SandboxApp
from smsc_soap.sandbox.book import StatusChange, status_changes
from smsc_soap.service.codes import MessageType
from smsc_soap.serving.field_orders import HLR_FIELDS

__all__ = ["ATTEMPTS", "CallbackPusher", "callback_form", "checked_callback_url"]

logger = logging.getLogger("smsc_soap.sandbox.callbacks")

ATTEMPTS = 5
"""Tries of one change before it is dropped: the first and four more."""
_FIRST_BACKOFF = 0.5  # seconds, doubled after each failure: 0.5, 1, 2, 4
_TIMEOUT = (3.05, 5.0)  # connect, read: a receiver is to answer fast
_IDLE_WAKE = 0.25  # seconds between looks at the book's clock with nothing due yet


def checked_callback_url(url: str) -> str:
    """``url`` if it is an http(s) address with a host; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the callback URL must be http:// or https:// with a host: {url[:80]!r}")
    return url


def callback_form(change: StatusChange, secret: str | None = None) -> dict[str, str]:
    """The form fields the service's status handler sends for ``change``: the message's id,
    phone, status, err, the moment (``time`` as the status page writes dates, ``ts`` as a
    Unix timestamp), type, flag, cost, parts and, for an HLR request, its fields; signed
    (``md5``, ``sha1``) with ``secret`` when one is given."""
    message = change.message
    form = {
        "id": message.id,
        "phone": message.phone,
        "status": str(change.status),
        "err": str(message.err),
        "time": change.at.astimezone(MOSCOW_TIME).strftime("%d.%m.%Y %H:%M:%S"),
        "ts": str(int(change.at.timestamp())),
        "type": str(message.type),
        "flag": str(message.flag),
        "cost": str(message.cost),
        "sms_cnt": str(message.sms_cnt),
    }
    if message.type == MessageType.HLR:
        form.update((name, getattr(message, name)) for name in HLR_FIELDS)
    return form if secret is None else sign(form, secret)


class CallbackPusher:
    """POSTs the status changes of ``app``'s book to ``app.options.callback_url``.

    ``clock`` times the back-off (``InstantClock`` makes it instant); the changes come due
    by the app's own clock. ``pushed`` counts the changes a receiver took, ``dropped`` those
    given up on, ``attempts`` every POST sent.
    """

    def __init__(
        self,
        app: SandboxApp,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        options = app.options
        if options.callback_url is None:
            raise ValueError("the sandbox's options name no callback URL")
        self.app = app
        self.url = checked_callback_url(options.callback_url)
        self._secret = options.callback_secret
        self._clock = clock
        self._session = requests.Session()
        self._pending = status_changes(app.book, app.started, current=options.callback_current)
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, name="smsc-sandbox-callbacks", daemon=True
        )
        self.pushed = 0
        self.dropped = 0
        self.attempts = 0

    def start(self) -> CallbackPusher:
        self._thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop: a back-off or a wait for the next change ends at once; a POST in flight
        ends within its timeout. Changes not yet pushed are not."""
        with self._condition:
            self._stopped = True
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._session.close()

    @property
    def pending(self) -> int:
        """Changes not yet pushed nor dropped."""
        with self._condition:
            return len(self._pending)

    def _run(self) -> None:
        while (change := self._next_due()) is not None:
            if not self._push(change):
                return  # stopped while backing off: the change is still pending
            with self._condition:
                self._pending.remove(change)

    def _next_due(self) -> StatusChange | None:
        """The earliest change once it is due; None once stopped."""
        with self._condition:
            while not self._stopped:
                wait = _IDLE_WAKE
                if self._pending:
                    wait = min(wait, (self._pending[0].at - self.app.now()).total_seconds())
                    if wait <= 0:
                        return self._pending[0]
                # The book's clock decides when a change is due: a real wait, bounded so that
                # a clock a test moves on is seen soon.
                self._condition.wait(wait)
            return None

    def _push(self, change: StatusChange) -> bool:
        """POST ``change`` until a receiver takes it or the attempts run out; False if the
        pusher was stopped first."""
        form = callback_form(change, self._secret)
        backoff = _FIRST_BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            failure = self._post(form)
            if failure is None:
                self.pushed += 1
                logger.debug(
                    "pushed status %s of message %s (attempt %d)",
                    change.status,
                    change.message.id,
                    attempt,
                )
                return True
            if attempt == ATTEMPTS:
                break
            logger.info(
                "the callback receiver failed (%s) with status %s of message %s;"
                " trying again in %g s",
                failure,
                change.status,
                change.message.id,
                backoff,
            )
            with self._condition:
                if not self._stopped:
                    self._clock.wait(self._condition, backoff)
                if self._stopped:
                    return False
            backoff *= 2
        self.dropped += 1
        logger.warning(
            "status %s of message %s was not taken after %d attempts (last: %s); dropped",
            change.status,
            change.message.id,
            ATTEMPTS,
            failure,
        )
        return True

    def _post(self, form: dict[str, str]) -> str | None:
        """None when the receiver took the form; else what failed, without the URL (it may
        carry a token) or the form (its signature is derived from the secret)."""
        self.attempts += 1
        try:
            reply = self._session.post(self.url, data=form, timeout=_TIMEOUT, allow_redirects=False)
        except requests.RequestException as error:
            return type(error).__name__
        reply.close()
        return None if 200 <= reply.status_code < 300 else f"HTTP {reply.status_code}"
