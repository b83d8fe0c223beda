"""Turn a transport's reply fields (name -> text) into a ``MessageStatus`` or an ``ApiError``.

Every transport hands its reply over as text fields, so this is the one place where replies
are read, and the one place where an error code becomes an exception, whichever wire the
reply came over.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from smsc_soap.errors import MalformedResponseError, SmscError, api_error
from smsc_soap.models import MOSCOW_TIME, HlrInfo, MessageFlag, MessageStatus
from smsc_soap.service.codes import EmailError, MessageType, SmsError, StatusCode, known_or_number
from smsc_soap.service.moments import plausible, plausible_timestamp
from smsc_soap.service.request import StatusRequest

__all__ = [
    "DECLARED_FIELDS",
    "check_deleted",
    "mass_items",
    "raise_for_error",
    "read_moment",
    "status_from_reply",
]

DECLARED_FIELDS = frozenset(
    {
        "status",
        "last_date",
        "last_timestamp",
        "err",
        "error",
        "send_date",
        "send_timestamp",
        "phone",
        "cost",
        "sender_id",
        "status_name",
        "message",
        "operator",
        "region",
    }
)
"""The ``statusresult`` children the WSDL declares; every other element goes to ``extra``."""

_HLR_FIELDS = ("imsi", "msc", "mcc", "mnc", "cn", "net", "rcn", "rnet")
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_AMOUNT = re.compile(r"-?[0-9]{1,18}(\.[0-9]{1,18})?")
_DATE_FORMATS = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M")


def raise_for_error(fields: Mapping[str, str]) -> None:
    """Raise the ``ApiError`` for the error code a reply carries, if it carries one."""
    error = _text(fields, "error")
    if error is not None:
        raise api_error(_integer("error", error))


def check_deleted(fields: Mapping[str, str]) -> None:
    """A deletion's answer: ``result`` OK, or the error it carries."""
    raise_for_error(fields)
    if (_text(fields, "result") or "").upper() != "OK":
        raise MalformedResponseError("the deletion was answered without a result of OK")


def mass_items(
    reply: Mapping[str, str] | Sequence[Mapping[str, str] | SmscError],
) -> Sequence[Mapping[str, str] | SmscError]:
    """A mass reply's items, one per message asked; a reply to the whole request (one set of
    fields, not a list) raises the error it carries."""
    if isinstance(reply, Mapping):
        raise_for_error(reply)
        raise MalformedResponseError("a mass request was answered with one item")
    return reply


def status_from_reply(fields: Mapping[str, str], request: StatusRequest) -> MessageStatus:
    """The status a reply reports, or the ``ApiError`` it carries."""
    raise_for_error(fields)
    status = _text(fields, "status")
    if status is None:
        raise MalformedResponseError("the reply carries neither a status nor an error")

    phone = _text(fields, "phone") or request.phone
    message_type = _optional_integer(fields, "type")
    flag_bits = _optional_integer(fields, "flag")
    flag = None if flag_bits is None else MessageFlag.from_bits(flag_bits)
    is_email = (
        "@" in phone
        or message_type == MessageType.EMAIL
        or (flag is not None and flag.message_type == MessageType.EMAIL)
    )
    err = _optional_integer(fields, "err")
    return MessageStatus(
        message_id=request.message_id,
        phone=phone,
        status=known_or_number(StatusCode, _integer("status", status)),
        err=None if err is None else known_or_number(EmailError if is_email else SmsError, err),
        last_date=read_moment(fields, "last_date", "last_timestamp"),
        send_date=read_moment(fields, "send_date", "send_timestamp"),
        cost=_amount(fields, "cost"),
        sender_id=_text(fields, "sender_id"),
        status_name=_text(fields, "status_name"),
        message=_text(fields, "message"),
        comment=_text(fields, "comment"),
        message_type=None if message_type is None else known_or_number(MessageType, message_type),
        sms_cnt=_optional_integer(fields, "sms_cnt"),
        flag=flag,
        mccmnc=_text(fields, "mccmnc"),
        country=_text(fields, "country"),
        operator=_text(fields, "operator"),
        operator_orig=_text(fields, "operator_orig"),
        region=_text(fields, "region"),
        hlr=_hlr(fields),
        extra={name: value for name, value in fields.items() if name not in DECLARED_FIELDS},
        fields_sent=tuple(fields),
    )


def _text(fields: Mapping[str, str], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    return value.strip() or None


def _integer(name: str, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise MalformedResponseError(f"reply field {name!r} is not an integer: {text[:40]!r}")
    return int(text)


def _optional_integer(fields: Mapping[str, str], name: str) -> int | None:
    text = _text(fields, name)
    return None if text is None else _integer(name, text)


def _amount(fields: Mapping[str, str], name: str) -> Decimal | None:
    text = _text(fields, name)
    if text is None:
        return None
    if not _AMOUNT.fullmatch(text):
        raise MalformedResponseError(f"reply field {name!r} is not an amount: {text[:40]!r}")
    return Decimal(text)


def read_moment(fields: Mapping[str, str], date_name: str, timestamp_name: str) -> datetime | None:
    """The moment a timestamp field, else a ``DD.MM.YYYY hh:mm[:ss]`` date field (Moscow
    time) names, None when neither is there; ``MalformedResponseError`` for one that is no
    moment the service could write."""
    # The timestamp is exact; the date text is the same moment written in Moscow time. When
    # both come, the timestamp decides, so the two always agree in the result.
    timestamp = _optional_integer(fields, timestamp_name)
    if timestamp is not None:
        if not plausible_timestamp(timestamp):
            raise MalformedResponseError(
                f"reply field {timestamp_name!r} is out of range: {timestamp}"
            )
        return datetime.fromtimestamp(timestamp, MOSCOW_TIME)
    text = _text(fields, date_name)
    if text is None:
        return None
    for date_format in _DATE_FORMATS:
        try:
            wall_time = datetime.strptime(text, date_format)
        except ValueError:
            continue
        if not plausible(wall_time):
            raise MalformedResponseError(f"reply field {date_name!r} is out of range: {text!r}")
        return wall_time.replace(tzinfo=MOSCOW_TIME)
    raise MalformedResponseError(
        f"reply field {date_name!r} is not a DD.MM.YYYY hh:mm:ss date: {text[:40]!r}"
    )


def _hlr(fields: Mapping[str, str]) -> HlrInfo | None:
    present = {name: _text(fields, name) for name in _HLR_FIELDS if name in fields}
    return HlrInfo(**present) if present else None
