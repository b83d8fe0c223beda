"""A ``MessageStatus`` written back as the service's reply fields, in its order: those of
``get_status`` for the SOAP face, those of status.php for the HTTP face."""

from __future__ import annotations

from datetime import datetime

from smsc_soap.models import MOSCOW_TIME, HlrInfo, MessageStatus
from smsc_soap.serving.field_orders import (
    HLR_FIELDS,
    HTTP_ORDER,
    REPLY_SEQUENCE,
    SOAP_ORDER,
    ReplyFields,
)

__all__ = ["http_fields", "soap_fields"]

# Where status.php numbers its columns (fmt=1), a text field the service left out (the SOAP
# interface has no comment, for one) is written empty rather than shifting the ones after it.
_TEXTS = frozenset(
    {
        *("phone", "cost", "sender_id", "status_name", "message", "comment"),
        *("mccmnc", "country", "operator", "operator_orig", "region"),
        *HlrInfo.model_fields,
    }
)


# What a SOAP reply at each detail may carry: the fields the service gives at that detail over
# SOAP or over status.php (a SOAP reply carries those too, though its WSDL does not declare
# them), and an HLR request's.
_SOAP_DETAIL = {
    level: frozenset({*SOAP_ORDER[level], *HTTP_ORDER[level], *HLR_FIELDS}) for level in SOAP_ORDER
}


def soap_fields(status: MessageStatus, all: int) -> ReplyFields:
    """The fields of ``get_status`` at detail ``all``, in the sequence the gateway's WSDL
    declares: a field the service sent empty is written empty, one it left out stays out."""
    values = _values(status)
    sent = frozenset(status.fields_sent)
    return [
        (name, values.get(name, ""))
        for name in REPLY_SEQUENCE
        if name in _SOAP_DETAIL[all] and (name in values or name in sent)
    ]


def http_fields(status: MessageStatus, all: int) -> ReplyFields:
    """The fields of status.php at detail ``all`` (an HLR request's after ``err``); text the
    service left out is empty, numbers it left out stay out."""
    values = _values(status)
    names = list(HTTP_ORDER[all])
    if status.hlr is not None:
        after_err = names.index("err") + 1
        names[after_err:after_err] = HlrInfo.model_fields
    fields = [(name, values.get(name, "" if name in _TEXTS else None)) for name in names]
    return [(name, value) for name, value in fields if value is not None]


def _values(status: MessageStatus) -> dict[str, str]:
    values = {
        "status": _number(status.status),
        "last_date": _date(status.last_date),
        "last_timestamp": _timestamp(status.last_date),
        "flag": None if status.flag is None else str(status.flag.raw),
        "err": _number(status.err),
        "send_date": _date(status.send_date),
        "send_timestamp": _timestamp(status.send_date),
        "phone": status.phone,
        "cost": None if status.cost is None else str(status.cost),
        "sender_id": status.sender_id,
        "status_name": status.status_name,
        "message": status.message,
        "comment": status.comment,
        "type": _number(status.message_type),
        "sms_cnt": _number(status.sms_cnt),
        "mccmnc": status.mccmnc,
        "country": status.country,
        "operator": status.operator,
        "operator_orig": status.operator_orig,
        "region": status.region,
        **(status.hlr.model_dump() if status.hlr is not None else {}),
    }
    return {name: value for name, value in values.items() if value is not None}


def _number(value: int | None) -> str | None:
    return None if value is None else str(int(value))


def _date(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(MOSCOW_TIME).strftime("%d.%m.%Y %H:%M:%S")


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else str(int(moment.timestamp()))
