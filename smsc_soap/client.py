"""``StatusClient``: the status lookups callers use."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from os import PathLike
from typing import Literal

import requests
from pydantic import SecretStr

from .clock import SYSTEM_CLOCK, Clock
from .errors import InvalidParametersError, SmscError
from .lockout import DEFAULT_COOLDOWN, Lockout
from .models import MessageStatus
from .query import QueryValue
from .reply import status_from_reply
from .request import Credentials, Operation, StatusRequest
from .retries import DEFAULT_DEADLINE, RetryPolicy, call_with_retries
from .throttle import Throttle
from .transports.base import StatusTransport
from .transports.soap import SoapStatusTransport
from .transports.wire import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Timeout

__all__ = ["StatusClient"]

logger = logging.getLogger("smsc_soap.client")


class StatusClient:
    """Asks SMS Center for the delivery status of sent messages over its SOAP API.

    Everything after the credentials is keyword-only. Requests go to
    ``https://{host}/sys/soap.php`` (``host`` one of smsc.ru, smscentre.com, smsc.kz, smsc.ua),
    or to ``endpoint``; plain http only with ``allow_insecure_http=True``. The WSDL is the
    copy shipped in the package, in the host's namespace, unless ``wsdl`` names another copy
    of the same interface (a path or URL). Building a client touches no network.

    Every call returns a ``MessageStatus`` or raises an ``SmscError`` within ``deadline``
    seconds: ``timeout`` (connect, read) bounds each request, ``retry`` says what is tried
    again, replies over ``max_response_bytes`` are cut off. The client keeps the service's
    limits (5 lookups of a message per minute, fewer than 5 requests in flight): a request
    that would break one waits for its turn, or with ``wait_for_limits=False`` raises
    ``RateLimitError``. After the service answers error 2 or 4, calls are refused without
    sending for ``lockout_cooldown`` seconds or until ``reset_lockout()``. ``clock`` is what
    it waits with: ``InstantClock()`` makes every wait instant, for tests.

    One client is safe to share between threads, and should be: its limits count the
    requests of all of them.

    The password is kept as a ``SecretStr``: it shows in no repr, log line or error.
    Inputs are checked before anything is sent; bad ones raise ``InvalidParametersError``.
    """

    def __init__(
        self,
        login: str,
        password: str | SecretStr,
        *,
        host: str = "smsc.ru",
        endpoint: str | None = None,
        wsdl: str | PathLike[str] | None = None,
        allow_insecure_http: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        retry: RetryPolicy | None = None,
        wait_for_limits: bool = True,
        lockout_cooldown: float = DEFAULT_COOLDOWN,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        session: requests.Session | None = None,
        clock: Clock = SYSTEM_CLOCK,
        transport: StatusTransport | Literal["soap"] = "soap",
    ) -> None:
        self._credentials = Credentials(
            login, password if isinstance(password, SecretStr) else SecretStr(password)
        )
        if transport == "soap":
            transport = SoapStatusTransport(
                host=host,
                endpoint=endpoint,
                wsdl=wsdl,
                allow_insecure_http=allow_insecure_http,
                timeout=timeout,
                max_response_bytes=max_response_bytes,
                session=session,
            )
        elif not isinstance(transport, StatusTransport):
            raise InvalidParametersError(
                f"transport must be 'soap' or a StatusTransport, not {transport!r}"
            )
        self._transport = transport
        self.host = host
        self.deadline = deadline
        self.retry = retry or RetryPolicy()
        self._clock = clock
        self._throttle = Throttle(clock=clock, wait=wait_for_limits)
        self._lockout = Lockout(clock=clock, cooldown=lockout_cooldown)

    def get_status(self, phone: str, message_id: str | int, all: int = 0) -> MessageStatus:
        """The status of one message (``all``: 0 usual, 1 full, 2 with operator and region)."""
        return self._lookup("get_status", phone, message_id, all)

    def get_status2(
        self,
        phone: str,
        message_id: str | int,
        all: int = 0,
        query: Mapping[str, QueryValue] | str | None = None,
    ) -> MessageStatus:
        """Like ``get_status``, with extra parameters in ``query``: a mapping (encoded with
        ``build_query``) or a ready ``name=value&...`` string."""
        return self._lookup("get_status2", phone, message_id, all, query)

    def reset_lockout(self) -> None:
        """Allow calls again after the service answered error 2 or 4 (fixed credentials,
        or a block known to be over)."""
        self._lockout.reset()

    def _lookup(
        self,
        operation: Operation,
        phone: object,
        message_id: object,
        all: object,
        query: Mapping[str, QueryValue] | str | None = None,
    ) -> MessageStatus:
        request = StatusRequest.build(operation, phone, message_id, all, query)
        logger.debug("%s id=%s all=%d", operation, request.message_id, request.all)
        deadline = self._clock.monotonic() + self.deadline
        sent = 0

        def attempt() -> MessageStatus:
            nonlocal sent
            self._lockout.check()
            with self._throttle.admitted((request.phone, request.message_id), deadline):
                sent += 1
                time_left = deadline - self._clock.monotonic()
                fields = self._transport.fetch(self._credentials, request, timeout=time_left)
            return status_from_reply(fields, request)

        try:
            return call_with_retries(
                attempt,
                policy=self.retry,
                clock=self._clock,
                deadline=deadline,
                describe=f"{operation} id={request.message_id}",
            )
        except SmscError as error:
            error.attempts = sent
            self._lockout.record(error)
            raise

    def close(self) -> None:
        """Release the HTTP connections (of a session the client made itself)."""
        self._transport.close()

    def __enter__(self) -> StatusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StatusClient(host={self.host!r}, transport={self._transport!r})"
