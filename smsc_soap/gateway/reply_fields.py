"""A ``MessageStatus`` written back as the SOAP interface's reply fields, in its order."""

from __future__ import annotations

from datetime import datetime

from ..models import MOSCOW_TIME, MessageStatus
from ..sandbox.fields import SOAP_ORDER

__all__ = ["soap_fields"]


def soap_fields(status: MessageStatus, all: int) -> list[tuple[str, str]]:
    """The fields of ``get_status`` at detail ``all``; fields the service left out stay out."""
    values = {
        "status": _number(status.status),
        "last_date": _date(status.last_date),
        "last_timestamp": _timestamp(status.last_date),
        "err": _number(status.err),
        "send_date": _date(status.send_date),
        "send_timestamp": _timestamp(status.send_date),
        "phone": status.phone,
        "cost": None if status.cost is None else str(status.cost),
        "sender_id": status.sender_id,
        "status_name": status.status_name,
        "message": status.message,
        "operator": status.operator,
        "region": status.region,
        "sms_cnt": _number(status.sms_cnt),
    }
    return [(name, value) for name in SOAP_ORDER[all] if (value := values[name]) is not None]


def _number(value: int | None) -> str | None:
    return None if value is None else str(int(value))


def _date(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(MOSCOW_TIME).strftime("%d.%m.%Y %H:%M:%S")


def _timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else str(int(moment.timestamp()))
