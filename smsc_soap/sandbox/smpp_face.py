"""What the sandbox answers over SMPP: binds, query_sm from the message book, and receipts.

The service's statuses are more than SMPP's eight states; ``SMPP_STATE_OF`` is how the
sandbox writes each one (the client reads them back through ``smsc_soap.smpp.states``).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from smsc_soap.sandbox.book import BookMessage, StatusChange
from smsc_soap.service.codes import StatusCode
from smsc_soap.smpp.absolute_time import absolute_time
from smsc_soap.smpp.protocol import (
    DELIVER_SM,
    ESME_RINVPASWD,
    ESME_RQUERYFAIL,
    ESME_RTHROTTLED,
    QUERY_SM,
    RESPONSE_BIT,
    pdu,
)

if TYPE_CHECKING:
    from smsc_soap.sandbox.app import SandboxApp

__all__ = [
    "FINAL_STATES",
    "SMPP_STATE_OF",
    "QueryAnswer",
    "answer_query",
    "bind_status",
    "deliver_sm",
    "query_sm_resp",
]

SMPP_STATE_OF: Mapping[int, int] = {
    StatusCode.STOPPED: 4,  # DELETED: stopped before it was sent
    StatusCode.WAITING: 1,  # ENROUTE
    StatusCode.TRANSFERRED: 1,
    StatusCode.DELIVERED: 2,  # DELIVRD
    StatusCode.READ: 2,
    StatusCode.CLICKED: 2,
    StatusCode.EXPIRED: 3,
    StatusCode.UNDELIVERABLE: 5,  # UNDELIV
    StatusCode.WRONG_NUMBER: 5,
    StatusCode.UNAVAILABLE_NUMBER: 5,
    StatusCode.BANNED: 8,  # REJECTD
    StatusCode.INSUFFICIENT_FUNDS: 8,
}
"""A service status as the SMPP ``message_state`` the sandbox writes for it."""

FINAL_STATES = frozenset({2, 3, 4, 5, 8})
"""States with a ``final_date``: delivered, expired, deleted, undeliverable, rejected."""

_RECEIPT_STATES = {1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV"}
_RECEIPT_STATES[8] = "REJECTD"
_RECEIPT_BIT = 0x04
_MAX_SHORT = 0xFFFF  # the largest two-octet integer of a TLV
_MAX_SHORT_MESSAGE = 255  # sm_length is one octet


@dataclass(frozen=True)
class QueryAnswer:
    """A query_sm_resp: an error status, or the message's state."""

    status: int = 0
    message_state: int = 0
    final_date: str = ""
    error_code: int = 0


def bind_status(app: SandboxApp, system_id: str, password: str) -> int:
    """0 for the sandbox's login and password, else ESME_RINVPASWD."""
    options = app.options
    return 0 if (system_id, password) == (options.login, options.password) else ESME_RINVPASWD


def answer_query(app: SandboxApp, login: str, message_id: str, source_addr: str) -> QueryAnswer:
    """The answer to query_sm: the message sent from ``source_addr`` with that id, within the
    service's limits (ESME_RTHROTTLED where the HTTP API answers error 9)."""
    with app.in_flight(login) as admitted:
        if not admitted:
            return QueryAnswer(status=ESME_RTHROTTLED)
        message = app.book.find_sent(message_id, source_addr)
        if message is None:
            return QueryAnswer(status=ESME_RQUERYFAIL)
        if not app.limits.admit_lookup(login, message.phone, message_id):
            return QueryAnswer(status=ESME_RTHROTTLED)
        status, changed = message.state(app.started, app.now())
        state = SMPP_STATE_OF.get(status, 7)  # UNKNOWN for a status SMPP has no word for
        return QueryAnswer(
            message_state=state,
            final_date=absolute_time(changed) if state in FINAL_STATES else "",
            error_code=min(max(message.err, 0), 255),
        )


def query_sm_resp(sequence: int, message_id: str, answer: QueryAnswer) -> bytes:
    body = b""
    if not answer.status:
        body = (
            _c_string(message_id)
            + _c_string(answer.final_date)
            + bytes([answer.message_state, answer.error_code])
        )
    return pdu(QUERY_SM | RESPONSE_BIT, sequence, body, answer.status)


def deliver_sm(sequence: int, receipt: StatusChange, started: datetime) -> bytes:
    """A delivery receipt as the service sends it: the text, the standard TLVs and its own
    cost (0x2000) and parts (0x2002). ValueError for a book message SMPP cannot carry."""
    message = receipt.message
    _check_writable(message)
    state = SMPP_STATE_OF.get(receipt.status, 7)
    text = (
        f"id:{message.id} sub:{message.sms_cnt:03d} dlvrd:{int(state == 2) * message.sms_cnt:03d}"
        f" submit date:{message.sent_at(started):%y%m%d%H%M}"
        f" done date:{receipt.at:%y%m%d%H%M} stat:{_RECEIPT_STATES.get(state, 'UNKNOWN')}"
        f" err:{message.err:03d}"
    ).encode("ascii")
    if len(text) > _MAX_SHORT_MESSAGE:
        raise ValueError(f"the receipt text is {len(text)} bytes; sm_length holds 255 at most")
    tlvs: dict[int, bytes] = {
        0x001E: _c_string(message.id),
        0x0427: bytes([state]),
        0x0423: bytes([3]) + struct.pack(">H", max(message.err, 0)),  # GSM, the code
        0x2000: _c_string(f"{message.cost:.4f}".rjust(7)),
        0x2002: struct.pack(">H", message.sms_cnt),
    }
    body = (
        _c_string("")  # service_type
        + bytes([1, 1])
        + _c_string(message.phone)
        + bytes([5, 0])
        + _c_string(message.sender_id)
        + bytes([_RECEIPT_BIT, 0, 0])
        + _c_string("")  # schedule_delivery_time
        + _c_string("")  # validity_period
        + bytes([0, 0, 0, 0, len(text)])
        + text
        + b"".join(struct.pack(">HH", tag, len(value)) + value for tag, value in tlvs.items())
    )
    return pdu(DELIVER_SM, sequence, body)


def _check_writable(message: BookMessage) -> None:
    if not message.id.isascii():
        raise ValueError("the message id is not ASCII, as the receipt's text must be")
    if message.err > _MAX_SHORT:
        raise ValueError(f"err {message.err} does not fit the network_error_code TLV")
    if not 0 <= message.sms_cnt <= _MAX_SHORT:
        raise ValueError(f"sms_cnt {message.sms_cnt} does not fit two octets")


def _c_string(text: str) -> bytes:
    return text.encode("latin-1", "replace") + b"\0"
