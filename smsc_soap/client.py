"""``StatusClient``: the status lookups callers use."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit

from pydantic import SecretStr
from typing_extensions import Unpack

from smsc_soap.calls.many import DEFAULT_MASS_SIZE, concurrent_lookups, mass_lookups
from smsc_soap.calls.pipeline import Call, Pipeline
from smsc_soap.calls.retries import RetryPolicy
from smsc_soap.errors import InvalidParametersError, SmscError, UnsupportedOperationError
from smsc_soap.limits.limiter import MASS, Limiter, Window
from smsc_soap.limits.lockout import Lockout
from smsc_soap.limits.stores import open_limit_store
from smsc_soap.models import LookupResult, MessageStatus
from smsc_soap.options import ClientOptionArgs, ClientOptions, client_options
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.query import QueryValue
from smsc_soap.service.replies import check_deleted, mass_items, status_from_reply
from smsc_soap.service.request import StatusRequest
from smsc_soap.transports.base import (
    DeletingTransport,
    Fields,
    MassLookupTransport,
    StatusTransport,
)
from smsc_soap.transports.http import HttpStatusTransport

__all__ = ["StatusClient"]


class StatusClient:
    """Asks SMS Center for the delivery status of sent messages, over SOAP by default.

    Credentials are a login and password, or (over HTTP) ``api_key``; everything after them
    is keyword-only. ``transport`` is ``"soap"`` (``https://{host}/sys/soap.php``), ``"http"``
    (``https://{host}/sys/status.php``) or any ``StatusTransport``; ``host`` is one of
    smsc.ru, smscentre.com, smsc.kz, smsc.ua, and ``endpoint`` replaces the whole URL (plain
    http only with ``allow_insecure_http=True``). Over SOAP the WSDL is the copy shipped in
    the package, in the host's namespace, unless ``wsdl`` names another copy of the same
    interface (a path or URL). Building a client touches no network.

    Every call returns or raises an ``SmscError`` within ``deadline`` seconds: ``timeout``
    (connect, read) bounds each request, ``retry`` says what is tried again, replies over
    ``max_response_bytes`` are cut off. The client keeps the service's limits (5 lookups of
    a message and 1 mass request per minute, fewer than 5 requests in flight): a request
    that would break one waits for its turn, or with ``wait_for_limits=False`` raises
    ``RateLimitError``. After the service answers error 2 or 4, calls are refused without
    sending for ``lockout_cooldown`` seconds or until ``reset_lockout()``. ``clock`` is what
    it waits with: ``InstantClock()`` makes every wait instant, for tests.

    One client is safe to share between threads, and should be: its limits count the
    requests of all of them.

    Secrets are kept as ``SecretStr``: they show in no repr, log line or error. Inputs are
    checked before anything is sent; bad ones raise ``InvalidParametersError``.
    """

    def __init__(
        self,
        login: str | None = None,
        password: str | SecretStr | None = None,
        *,
        api_key: str | SecretStr | None = None,
        **options: Unpack[ClientOptionArgs],
    ) -> None:
        self._credentials = Credentials.of(login, password, api_key)
        self.options = client_options(**options)
        """Every option, checked, with its default where none was given."""
        self._transport = _transport_for(self.options)
        if api_key is not None and _speaks_soap(self._transport):
            raise InvalidParametersError(
                "the SOAP interface takes a login and password; use transport='http'"
                " for an API key",
                option="api_key",
            )
        clock = self.options.clock
        limits = self.options.limits
        self._owns_store = isinstance(limits, str)
        self._store = (
            open_limit_store(limits, clock=clock.monotonic) if isinstance(limits, str) else limits
        )
        lockout = Lockout(
            self._store,
            self._credentials,
            host=_host_of(self._transport, self.options),
            cooldown=self.options.lockout_cooldown,
        )
        self._limiter = Limiter(
            self._store,
            lockout,
            clock=clock,
            wait=self.options.wait_for_limits,
            lease_margin=self.options.lease_margin,
        )
        self._pipeline = Pipeline(
            self._limiter, clock=clock, deadline=self.options.deadline, retry=self.options.retry
        )

    def get_status(self, phone: str, message_id: str | int, all: int = 0) -> MessageStatus:
        """The status of one message (``all``: 0 usual, 1 full, 2 with operator and region)."""
        return self.lookup(StatusRequest.build("get_status", phone, message_id, all))

    def get_status2(
        self,
        phone: str,
        message_id: str | int,
        all: int = 0,
        query: Mapping[str, QueryValue] | str | None = None,
    ) -> MessageStatus:
        """Like ``get_status``, with extra parameters in ``query``: a mapping (encoded with
        ``build_query``) or a ready ``name=value&...`` string."""
        return self.lookup(StatusRequest.build("get_status2", phone, message_id, all, query))

    def get_statuses(
        self,
        refs: Iterable[tuple[str, str | int]],
        all: int = 0,
        *,
        mass_size: int = DEFAULT_MASS_SIZE,
    ) -> Iterator[LookupResult]:
        """Look up many ``(phone, message_id)`` pairs, yielding each result as it arrives.

        A failed item is a ``LookupResult`` carrying its error; the batch goes on. An
        ``AuthenticationError`` or ``IPBlockedError`` from the service ends it at once,
        raised, since every further request would only deepen the trouble. Over a transport
        with mass lookups (HTTP) up to ``mass_size`` messages go in one request, one request
        a minute; otherwise single lookups run concurrently within the limits, and results
        arrive in the order they complete. ``refs`` is read lazily: it may be a generator.
        """
        level = StatusRequest.build("get_status", "0", "0", all).all
        transport = self._transport
        if isinstance(transport, MassLookupTransport):
            if isinstance(mass_size, bool) or not isinstance(mass_size, int) or mass_size < 1:
                raise InvalidParametersError(
                    "mass_size must be a whole number of at least 1", option="mass_size"
                )
            return mass_lookups(
                refs, level, mass_size, functools.partial(self._lookup_many, transport)
            )
        return concurrent_lookups(refs, level, self._limiter.in_flight_limit, self.lookup)

    def delete(self, phone: str, message_id: str | int) -> None:
        """Delete a sent message (before it moves to the archive); over HTTP only.

        Not retried: a repeat after a lost answer would report error 5 for a message
        that was deleted. Raises ``DeleteError`` if the service cannot delete it, and
        ``UnsupportedOperationError`` on a transport without deletion (SOAP).
        """
        request = StatusRequest.build("get_status", phone, message_id, 0)
        transport = self._transport
        if not isinstance(transport, DeletingTransport):
            raise UnsupportedOperationError(
                f"{type(transport).__name__} cannot delete messages; use transport='http'"
            )
        self._pipeline.run(
            Call(
                f"delete id={request.message_id}",
                Window.of_message(request.phone, request.message_id),
                functools.partial(
                    transport.delete, self._credentials, request.phone, request.message_id
                ),
                check_deleted,
                retry=RetryPolicy.disabled(),
            )
        )

    def lookup(self, request: StatusRequest, *, wait_for_windows: bool = True) -> MessageStatus:
        """The status ``request`` asks for. With ``wait_for_windows=False`` a lookup whose
        message window is full is refused at once with ``RateLimitError`` instead of waiting
        for the window to open: for a caller with an older answer to give meanwhile (the
        gateway's cache)."""
        call = Call(
            f"{request.operation} id={request.message_id}",
            Window.of_message(request.phone, request.message_id),
            functools.partial(self._transport.fetch, self._credentials, request),
            functools.partial(status_from_reply, request=request),
        )
        return self._pipeline.run(call, wait_for_windows=wait_for_windows)

    def reset_lockout(self) -> None:
        """Allow calls again after the service answered error 2 or 4 (fixed credentials,
        or a block known to be over)."""
        self._limiter.lockout.reset()

    def _lookup_many(
        self, transport: MassLookupTransport, requests: list[StatusRequest]
    ) -> Sequence[Fields | SmscError]:
        call = Call(
            f"mass lookup of {len(requests)} messages",
            MASS,
            functools.partial(transport.fetch_many, self._credentials, requests),
            mass_items,
        )
        return self._pipeline.run(call)

    def close(self) -> None:
        """Release the transport's connections (of a session the client made itself) and
        the limit store (one the client opened from a URL)."""
        self._transport.close()
        if self._owns_store:
            self._store.close()

    def __enter__(self) -> StatusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StatusClient(transport={self._transport!r})"


def _host_of(transport: StatusTransport, options: ClientOptions) -> str:
    """The host an IP block of the service applies to: the one requests go to."""
    endpoint = getattr(transport, "endpoint", None)
    host = urlsplit(endpoint).hostname if isinstance(endpoint, str) else None
    return host or options.host


def _transport_for(options: ClientOptions) -> StatusTransport:
    if options.transport == "soap":
        from smsc_soap.transports.soap import (
            SoapStatusTransport,  # zeep with it: only when asked for
        )

        return SoapStatusTransport(options.for_soap())
    if options.transport == "http":
        return HttpStatusTransport(options.for_http())
    return options.transport


def _speaks_soap(transport: StatusTransport) -> bool:
    # Until its module is loaded no SoapStatusTransport exists; importing it to ask would load
    # zeep into every client.
    soap = sys.modules.get("smsc_soap.transports.soap")
    return soap is not None and isinstance(transport, soap.SoapStatusTransport)
