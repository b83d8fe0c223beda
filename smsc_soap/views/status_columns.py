"""A status as named columns, the same names and meanings wherever it is shown: the command
line's table, CSV and JSON, and the gateway's JSON face.

Which columns there are depends on the detail asked for (``all``) alone, never on the
answer. ``status_name`` is always this project's English name of the status code; the
service's own (possibly localised) name is ``service_status_name``.
"""

from __future__ import annotations

from datetime import datetime

from smsc_soap.models import HlrInfo, MessageStatus
from smsc_soap.service.codes import StatusCode

__all__ = ["Cell", "status_columns", "status_fields"]

Cell = str | int | None
"""A field's value: text, a number (codes, counts), or None where the service gave none."""

_USUAL = (
    "phone",
    "id",
    "status",
    "status_name",
    "outcome",
    "err",
    "err_name",
    "send_date",
    "last_date",
    "cost",
)
_FULL = (  # all=1
    "sender_id",
    "service_status_name",
    "message",
    "comment",
    "message_type",
    "sms_cnt",
    "flag",
)
_REGION = (  # all=2
    "mccmnc",
    "country",
    "operator",
    "operator_orig",
    "region",
    *(f"hlr_{name}" for name in HlrInfo.model_fields),
)


def status_columns(level: int) -> tuple[str, ...]:
    """The columns of a status looked up with ``all=level``."""
    return (*_USUAL, *(_FULL if level >= 1 else ()), *(_REGION if level >= 2 else ()))


def status_fields(
    phone: str, message_id: str, status: MessageStatus | None, level: int
) -> dict[str, Cell]:
    """The columns of ``level`` (all None but the phone and id without a status): dates in
    ISO 8601, codes as numbers with their names, the cost as exact text."""
    fields: dict[str, Cell] = {"phone": phone, "id": message_id}
    if status is not None:
        fields.update(_all_fields(status))
    return {name: fields.get(name) for name in status_columns(level)}


def _all_fields(status: MessageStatus) -> dict[str, Cell]:
    code, err, hlr = status.status, status.err, status.hlr or HlrInfo()
    return {
        "status": int(code),
        "status_name": code.label if isinstance(code, StatusCode) else None,
        "outcome": status.outcome.value,
        "err": None if err is None else int(err),
        "err_name": getattr(err, "name", None),
        "send_date": _iso(status.send_date),
        "last_date": _iso(status.last_date),
        "cost": None if status.cost is None else str(status.cost),
        "sender_id": status.sender_id,
        "service_status_name": status.status_name,
        "message": status.message,
        "comment": status.comment,
        "message_type": None if status.message_type is None else int(status.message_type),
        "sms_cnt": status.sms_cnt,
        "flag": None if status.flag is None else status.flag.raw,
        "mccmnc": status.mccmnc,
        "country": status.country,
        "operator": status.operator,
        "operator_orig": status.operator_orig,
        "region": status.region,
        **{f"hlr_{name}": value for name, value in hlr.model_dump().items()},
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
