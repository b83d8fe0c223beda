"""``StatusClient``: the status lookups callers use."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from os import PathLike

import requests
from pydantic import SecretStr

from .models import MessageStatus
from .query import QueryValue
from .reply import status_from_reply
from .request import Credentials, Operation, StatusRequest
from .transports.base import StatusTransport
from .transports.soap import DEFAULT_TIMEOUT, SoapStatusTransport, Timeout

__all__ = ["StatusClient"]

logger = logging.getLogger("smsc_soap.client")


class StatusClient:
    """Asks SMS Center for the delivery status of sent messages over its SOAP API.

    Everything after the credentials is keyword-only. Requests go to
    ``https://{host}/sys/soap.php`` (``host`` one of smsc.ru, smscentre.com, smsc.kz, smsc.ua),
    or to ``endpoint``; plain http only with ``allow_insecure_http=True``. The WSDL is the
    copy shipped in the package, in the host's namespace, unless ``wsdl`` names another copy
    of the same interface (a path or URL). Building a client touches no network.

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
        session: requests.Session | None = None,
    ) -> None:
        self._credentials = Credentials(
            login, password if isinstance(password, SecretStr) else SecretStr(password)
        )
        self._transport: StatusTransport = SoapStatusTransport(
            host=host,
            endpoint=endpoint,
            wsdl=wsdl,
            allow_insecure_http=allow_insecure_http,
            timeout=timeout,
            session=session,
        )
        self.host = host

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
        return status_from_reply(self._transport.fetch(self._credentials, request), request)

    def close(self) -> None:
        """Release the HTTP connections (of a session the client made itself)."""
        self._transport.close()

    def __enter__(self) -> StatusClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StatusClient(host={self.host!r}, transport={self._transport!r})"
