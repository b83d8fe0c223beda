"""What the sandbox says about a message: its reply fields, in the order asked for."""

from __future__ import annotations

from datetime import datetime

from smsc_soap.models import MOSCOW_TIME
from smsc_soap.sandbox.book import BookMessage
from smsc_soap.service.codes import MessageType
from smsc_soap.serving.field_orders import ReplyFields

__all__ = ["message_fields"]

_STATUS_NAMES = {
    -3: "Сообщение не найдено",
    -2: "Остановлено",
    -1: "Ожидает отправки",
    0: "Передано оператору",
    1: "Доставлено",
    2: "Прочитано",
    3: "Просрочено",
    4: "Нажата ссылка",
    20: "Невозможно доставить",
    22: "Неверный номер",
    23: "Запрещено",
    24: "Недостаточно средств",
    25: "Недоступный номер",
}
_HLR = ("imsi", "msc", "mcc", "mnc", "cn", "net", "rcn", "rnet")


def message_fields(
    message: BookMessage, order: tuple[str, ...], *, started: datetime, now: datetime
) -> ReplyFields:
    """The fields in ``order`` (HLR requests add theirs after ``err``), as text."""
    status, changed = message.state(started, now)
    sent = message.sent_at(started)
    values = {
        "status": str(status),
        "last_date": _date(changed),
        "last_timestamp": str(int(changed.timestamp())),
        "err": str(message.err),
        "flag": str(message.flag),
        "send_date": _date(sent),
        "send_timestamp": str(int(sent.timestamp())),
        "phone": message.phone,
        "cost": str(message.cost),
        "sender_id": message.sender_id,
        "status_name": _STATUS_NAMES.get(status, ""),
        "message": message.message,
        "comment": message.comment,
        "type": str(message.type),
        "sms_cnt": str(message.sms_cnt),
        "mccmnc": message.mccmnc,
        "country": message.country,
        "operator": message.operator,
        "operator_orig": message.operator_orig,
        "region": message.region,
        **{name: getattr(message, name) for name in _HLR},
    }
    names = list(order)
    if message.type == MessageType.HLR:
        after_err = names.index("err") + 1
        names[after_err:after_err] = _HLR
    return [(name, values[name]) for name in names]


def _date(moment: datetime) -> str:
    return moment.astimezone(MOSCOW_TIME).strftime("%d.%m.%Y %H:%M:%S")
