"""The fields of a status reply, in the orders the service writes them."""

from __future__ import annotations

from smsc_soap.models import HlrInfo
from smsc_soap.service.codes import StatusCode

__all__ = [
    "HLR_FIELDS",
    "HTTP_ORDER",
    "REPLY_SEQUENCE",
    "SOAP_ORDER",
    "ReplyFields",
    "not_found_fields",
]

ReplyFields = list[tuple[str, str]]
"""A reply's fields, in order, as text."""

_SENT = ("send_date", "send_timestamp", "phone", "cost", "sender_id", "status_name", "message")

# SOAP: the WSDL's declared order, with sms_cnt (documented for all=1, not declared) last.
SOAP_ORDER: dict[int, tuple[str, ...]] = {
    0: ("status", "last_date", "last_timestamp", "err"),
    1: ("status", "last_date", "last_timestamp", "err", *_SENT, "sms_cnt"),
    2: ("status", "last_date", "last_timestamp", "err", *_SENT, "operator", "region", "sms_cnt"),
}
# status.php with fmt=2/3, as its page lists the fields.
HTTP_ORDER: dict[int, tuple[str, ...]] = {
    0: ("status", "last_date", "last_timestamp", "flag", "err"),
    1: (
        *("status", "last_date", "last_timestamp", "flag", "err", *_SENT),
        *("comment", "type", "sms_cnt"),
    ),
    2: (
        *("status", "last_date", "last_timestamp", "flag", "err", *_SENT),
        *("comment", "mccmnc", "country", "operator", "operator_orig", "region", "type"),
        "sms_cnt",
    ),
}

HLR_FIELDS = tuple(HlrInfo.model_fields)
"""An HLR request's fields, which both interfaces place after ``err``, at every detail."""

# Every field a status reply can carry, in one order that each order above keeps: the WSDL's
# sequence, with the HLR fields after err and the fields status.php adds where status.php
# places them. The gateway's WSDL declares this sequence and its SOAP face writes in it, so
# that a client reading strictly against that WSDL reads every reply.
REPLY_SEQUENCE: tuple[str, ...] = (
    *("status", "last_date", "last_timestamp", "flag", "err", *HLR_FIELDS, "error", *_SENT),
    *("comment", "mccmnc", "country", "operator", "operator_orig", "region", "type", "sms_cnt"),
)


def not_found_fields() -> ReplyFields:
    """What status.php answers for a message it does not know: status -3 alone."""
    return [("status", str(StatusCode.NOT_FOUND.value))]
