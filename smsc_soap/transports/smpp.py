"""Status on request over SMPP: QUERY_SM on one bound session, read into the usual fields.

The transport binds as a transmitter with the account's login and password (the SMPP
``system_id`` and ``password``), so that the service keeps sending delivery receipts to the
application's own receiver or transceiver session, not to this one. The session is bound at
the first lookup, shared by every thread, kept alive with enquire_link, and bound again at
the next lookup after it broke. Answers come back as the fields every transport gives:
``status`` through the SMPP state table receipts use too (``smpp_states``), ``err`` from
``error_code``, ``last_timestamp`` from ``final_date``; an SMPP error status the service
has an error code for as that code (``{"error": "3"}``), read into an ``ApiError`` by the
client like any other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from typing_extensions import Unpack

from smsc_soap.errors import (
    MalformedResponseError,
    RequestTimeoutError,
    TransportError,
    UnsupportedOperationError,
)
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.request import StatusRequest
from smsc_soap.smpp.absolute_time import read_absolute_time
from smsc_soap.smpp.binding import bind_credentials, bind_session, build_pdu, expect, parsed, unbind
from smsc_soap.smpp.protocol import (
    ESME_RBINDFAIL,
    ESME_RINVMSGID,
    ESME_RINVPASWD,
    ESME_RINVSRCADR,
    ESME_RINVSRCNPI,
    ESME_RINVSRCTON,
    ESME_RINVSYSID,
    ESME_RQUERYFAIL,
    ESME_RTHROTTLED,
)
from smsc_soap.smpp.session import SmppSession
from smsc_soap.smpp.states import TLV_MESSAGE_STATES, status_of_state
from smsc_soap.transports.base import Fields
from smsc_soap.transports.options import SmppOptionArgs, SmppOptions, smpp_options

__all__ = ["BIND_ERRORS", "QUERY_ERRORS", "SmppStatusTransport"]

BIND_ERRORS: Mapping[int, int] = {
    ESME_RBINDFAIL: 2,
    ESME_RINVPASWD: 2,
    ESME_RINVSYSID: 2,
    ESME_RTHROTTLED: 9,
}
"""A refused bind's SMPP status, as the service's error code: the credentials (2), or too
many sessions at once (9)."""

QUERY_ERRORS: Mapping[int, int] = {
    ESME_RINVSRCADR: 1,
    ESME_RINVSRCTON: 1,
    ESME_RINVSRCNPI: 1,
    ESME_RINVMSGID: 3,
    ESME_RQUERYFAIL: 3,
    ESME_RTHROTTLED: 9,
}
"""A query_sm answered with an error status, as the service's error code: a source address
it cannot take (1), no such message (3), too many requests (9)."""


class SmppStatusTransport:
    """Status lookups with QUERY_SM over one SMPP session, bound at the first lookup.

    ``source_addr`` (with ``source_addr_ton`` and ``source_addr_npi``) is the address the
    messages were submitted from, the sender SMSC shows: SMPP names a message by its id and
    its sender, not its phone. The phone of a lookup is checked as on the other transports
    and reported back, but never sent. Login and password only: SMPP has no API keys.
    Safe to share between threads; ``close()`` unbinds, and lookups after it are refused
    (a plain ``TransportError``, which no retry repeats).
    """

    def __init__(
        self, options: SmppOptions | None = None, /, **given: Unpack[SmppOptionArgs]
    ) -> None:
        """Built from keyword options (``host``, ``port``, ``source_addr``, ...), or from an
        ``SmppOptions`` value made already."""
        self.options = SmppOptions.resolve(options, given, smpp_options)
        self.endpoint = f"smpp://{self.options.host}:{self.options.port}"
        """Where lookups go; the host an IP block of the service would apply to."""
        self._lock = threading.Lock()  # one bind at a time, and the session it made
        self._session: SmppSession | None = None
        self._bound_as: Credentials | None = None
        self._closed = False

    def fetch(self, credentials: Credentials, request: StatusRequest, *, timeout: float) -> Fields:
        deadline = time.monotonic() + timeout
        if request.query:
            raise UnsupportedOperationError(
                "query_sm carries no extra parameters: send get_status2's query over SOAP or HTTP"
            )
        login, password = bind_credentials(credentials)
        session = self._session_for(credentials, login, password, deadline)
        if not isinstance(session, SmppSession):
            return session  # the bind's answer: an error code
        answer = session.request(
            lambda sequence: self._query_sm(sequence, request.message_id),
            timeout=deadline - time.monotonic(),
        )
        return _query_fields(answer, request.message_id)

    def close(self) -> None:
        """Unbind, and bind no more: a lookup after this is refused. A bind under way
        finishes first (it holds the lock), and its session is the one unbound."""
        with self._lock:
            self._closed = True
            session, self._session = self._session, None
        if session is not None:
            session.close(unbind)

    def _session_for(
        self, credentials: Credentials, login: str, password: str, deadline: float
    ) -> SmppSession | Fields:
        """The bound session, binding one first if there is none alive."""
        if not self._lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)):
            raise RequestTimeoutError(
                "the call's deadline passed while another thread was binding the SMPP session"
            )
        try:
            if self._closed:
                raise TransportError("the SMPP transport is closed; nothing was sent")
            session = self._session
            if session is not None and session.alive and self._bound_as == credentials:
                return session
            self._session = None
            if session is not None:
                session.close(unbind if session.alive else None)
            bound = self._bind(login, password, deadline)
            if isinstance(bound, SmppSession):
                self._session, self._bound_as = bound, credentials
            return bound
        finally:
            self._lock.release()

    def _bind(self, login: str, password: str, deadline: float) -> SmppSession | Fields:
        options = self.options
        bound = bind_session(
            options.host,
            options.port,
            "transmitter",
            login=login,
            password=password,
            system_type=options.system_type,
            timeout=min(options.timeout, max(deadline - time.monotonic(), 0.001)),
            keepalive=options.enquire_link_interval,
            max_pdu_bytes=options.max_pdu_bytes,
            io_timeout=options.timeout,
        )
        if isinstance(bound, int):
            return _error_fields(bound, BIND_ERRORS, "bind_transmitter")
        return bound

    def _query_sm(self, sequence: int, message_id: str) -> bytes:
        options = self.options
        return build_pdu(
            "query_sm",
            sequence,
            message_id=message_id,
            source_addr=options.source_addr,
            source_addr_ton=options.source_addr_ton,
            source_addr_npi=options.source_addr_npi,
        )

    def __repr__(self) -> str:
        return f"SmppStatusTransport({self.endpoint!r}, source_addr={self.options.source_addr!r})"


def _error_fields(status: int, codes: Mapping[int, int], asked: str) -> Fields:
    code = codes.get(status)
    if code is None:
        from smpplib.consts import DESCRIPTIONS

        meaning = DESCRIPTIONS.get(status, "an undocumented status")
        raise TransportError(
            f"the SMPP server answered {asked} with status 0x{status:08x} ({meaning})"
        )
    return {"error": str(code)}


def _query_fields(frame: bytes, message_id: str) -> Fields:
    answer = parsed(frame)
    expect(answer, "query_sm_resp", "query_sm")
    if answer.status:
        return _error_fields(answer.status, QUERY_ERRORS, "query_sm")
    answered_id = _text(answer.message_id)
    if answered_id and answered_id != message_id:
        raise MalformedResponseError(
            f"query_sm for message {message_id!r} was answered for message {answered_id[:65]!r}"
        )
    state, error_code = answer.message_state, answer.error_code
    status = status_of_state(state) if isinstance(state, int) else None
    if status is None:
        raise MalformedResponseError(
            f"the status in query_sm_resp is not an SMPP message_state: {state!r:.20}"
        )
    if not isinstance(error_code, int):
        raise MalformedResponseError("query_sm_resp ends before its error_code")
    fields = {
        "status": str(int(status)),
        "err": str(error_code),
        "message_state": TLV_MESSAGE_STATES[state],
    }
    final_date = _text(answer.final_date)
    if final_date:  # only a message in a final state has one
        moment = read_absolute_time(final_date)
        if moment is None:
            raise MalformedResponseError(
                f"query_sm_resp field 'final_date' is not an SMPP absolute time:"
                f" {final_date[:20]!r}"
            )
        fields["last_timestamp"] = str(int(moment.timestamp()))
    return fields


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)
