"""The sandbox's message book: what it answers about, loaded from CSV or the default set."""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from smsc_soap.runtime import text_files
from smsc_soap.service import phones
from smsc_soap.service.codes import EmailError, MessageType, Outcome, SmsError, StatusCode

__all__ = [
    "BookError",
    "BookMessage",
    "MessageBook",
    "StatusChange",
    "default_book",
    "status_changes",
]


class BookError(ValueError):
    """A book file that cannot be read; names the line and the column."""


@dataclass(frozen=True, slots=True)
class BookMessage:
    """One sent message. Times are seconds relative to the sandbox's start."""

    id: str
    phone: str
    status: int
    err: int = 0
    message: str = ""
    sender_id: str = "SMSC.RU"
    cost: Decimal = Decimal("0")
    type: int = MessageType.SMS
    sms_cnt: int = 1
    flag: int = 0
    comment: str = ""
    mccmnc: str = ""
    country: str = ""
    operator: str = ""
    operator_orig: str = ""
    region: str = ""
    sent_ago: int = 600
    """Seconds before the sandbox started that the message was sent."""
    changed_after: int = 10
    """Seconds after sending that ``status`` was reached."""
    then_status: int | None = None
    """A status the message moves to ``then_after`` seconds after the sandbox started."""
    then_after: int | None = None
    imsi: str = ""
    msc: str = ""
    mcc: str = ""
    mnc: str = ""
    cn: str = ""
    net: str = ""
    rcn: str = ""
    rnet: str = ""

    def state(self, started: datetime, now: datetime) -> tuple[int, datetime]:
        """The status at ``now`` and when it was reached."""
        if self.then_status is not None and self.then_after is not None:
            moved = started + timedelta(seconds=self.then_after)
            if now >= moved:
                return self.then_status, moved
        sent = self.sent_at(started)
        return self.status, sent + timedelta(seconds=self.changed_after)

    def sent_at(self, started: datetime) -> datetime:
        return started - timedelta(seconds=self.sent_ago)


COLUMNS = tuple(field.name for field in dataclasses.fields(BookMessage))


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A status a message reached, and when: what the sandbox pushes, as an SMPP receipt or
    a status-handler callback. Pushed when ``at`` comes, or at once if it has passed."""

    message: BookMessage
    status: int
    at: datetime


def status_changes(
    messages: Iterable[BookMessage], started: datetime, *, current: bool = False
) -> list[StatusChange]:
    """The changes the book's messages go through after ``started`` (``then_status`` coming
    due), earliest first; with ``current``, each message's status at ``started`` comes first,
    at the moment it was reached, as a lookup then reports it (a change due by ``started`` is
    that status, and comes once)."""
    changes: list[StatusChange] = []
    for message in messages:
        if current:
            changes.append(StatusChange(message, *message.state(started, started)))
        if message.then_status is None or message.then_after is None:
            continue
        moved = started + timedelta(seconds=message.then_after)
        if not (current and moved <= started):
            changes.append(StatusChange(message, message.then_status, moved))
    return sorted(changes, key=lambda change: change.at)


class MessageBook:
    """Messages by (phone, id), the phone as the service looks it up (``+7 (999) …`` and
    ``8 999 …`` find ``7999…``); safe to use from the server's threads."""

    def __init__(self, messages: Iterable[BookMessage]) -> None:
        self._messages = {
            (phones.normalised(message.phone), message.id): message for message in messages
        }
        self._lock = threading.Lock()

    def find(self, phone: str, message_id: str) -> BookMessage | None:
        with self._lock:
            return self._messages.get((phones.normalised(phone), message_id))

    def find_sent(self, message_id: str, sender_id: str) -> BookMessage | None:
        """The message with that id sent from ``sender_id``: how SMPP names a message."""
        with self._lock:
            return next(
                (
                    message
                    for message in self._messages.values()
                    if message.id == message_id and message.sender_id == sender_id
                ),
                None,
            )

    def delete(self, phone: str, message_id: str) -> bool:
        with self._lock:
            return self._messages.pop((phones.normalised(phone), message_id), None) is not None

    def __iter__(self) -> Iterator[BookMessage]:
        with self._lock:
            return iter(list(self._messages.values()))

    def __len__(self) -> int:
        return len(self._messages)

    @classmethod
    def from_csv(cls, path: Path) -> MessageBook:
        """Read a book written by ``to_csv`` (columns may be left out or reordered), in the
        encoding its bytes show: UTF-8 or cp1251, UTF-16 or UTF-32, with a byte-order mark
        or without (as Excel and 1C save it)."""
        try:
            text = text_files.sniff(path.read_bytes()).text
        except text_files.TextFileError as error:
            raise BookError(f"{path}: {error}") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        unknown = set(reader.fieldnames or ()) - set(COLUMNS)
        if unknown:
            raise BookError(f"{path}: unknown columns {', '.join(sorted(unknown))}")
        return cls(_parsed(path, reader.line_num, row) for row in reader)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for message in self:
            writer.writerow(
                {name: "" if value is None else value for name, value in _items(message)}
            )
        return out.getvalue()


def _items(message: BookMessage) -> Iterator[tuple[str, object]]:
    return ((name, getattr(message, name)) for name in COLUMNS)


_OPTIONAL = {"then_status": int, "then_after": int}
_NUMBERS: dict[str, type[int] | type[Decimal]] = {
    "status": int,
    "err": int,
    "type": int,
    "sms_cnt": int,
    "flag": int,
    "sent_ago": int,
    "changed_after": int,
    "cost": Decimal,
}


def _parsed(path: Path, line: int, row: dict[str, str]) -> BookMessage:
    values: dict[str, object] = {}
    for name, raw in row.items():
        text = (raw or "").strip()
        try:
            if name in _OPTIONAL:
                values[name] = _OPTIONAL[name](text) if text else None
            elif name in _NUMBERS:
                if text:  # an empty number keeps the default
                    values[name] = _NUMBERS[name](text)
            else:
                values[name] = text
        except (ValueError, InvalidOperation) as exc:
            raise BookError(f"{path}, line {line}: column {name!r} holds {text!r}") from exc
    if not values.get("id") or not values.get("phone") or "status" not in values:
        raise BookError(f"{path}, line {line}: id, phone and status are required")
    return BookMessage(**values)  # type: ignore[arg-type]


_TEXTS = (
    "Ваш код подтверждения: 4821",
    "Заказ №1542 передан в доставку",
    "Your verification code is 7719",
    "Запись к врачу на 12:30 подтверждена",
)
_LONG_TEXT = (
    "Уважаемый клиент! Напоминаем, что срок действия вашей карты истекает в конце месяца. "
    "Новую карту можно получить в любом отделении банка с паспортом. "
    "Подробности по телефону горячей линии или в мобильном приложении."
)
# A failed status to show each delivery error under.
_FAILED_WITH = {0: StatusCode.DELIVERED, 200: StatusCode.DELIVERED}


def default_book() -> MessageBook:
    """Every documented status and err code, Cyrillic and multi-part texts, e-mail and HLR
    entries, and messages that move from pending to delivered while the sandbox runs."""
    messages: list[BookMessage] = []

    def add(phone: str | None = None, **fields: object) -> None:
        number = 1001 + len(messages)
        phone = phone or f"7999000{number:04d}"
        text = _TEXTS[number % len(_TEXTS)]
        defaults: dict[str, object] = {"message": text, "cost": Decimal("3.15")}
        messages.append(BookMessage(id=str(number), phone=phone, **{**defaults, **fields}))  # type: ignore[arg-type]

    for status in StatusCode:
        if status is not StatusCode.NOT_FOUND:  # the answer for ids the book does not hold
            failed = status.outcome is Outcome.FAILED
            add(status=status, err=SmsError.SUBSCRIBER_OFFLINE if failed else 0)
    for sms_error in SmsError:
        add(status=_FAILED_WITH.get(sms_error, StatusCode.UNDELIVERABLE), err=sms_error)
    for email_error in EmailError:
        add(
            phone=f"client{len(messages)}@example.com",
            status=_FAILED_WITH.get(email_error, StatusCode.UNDELIVERABLE),
            err=email_error,
            type=MessageType.EMAIL,
            flag=MessageType.EMAIL,
            cost=Decimal("0.30"),
        )
    add(status=StatusCode.DELIVERED, message=_LONG_TEXT, sms_cnt=3, cost=Decimal("9.45"))
    add(
        status=StatusCode.DELIVERED,
        type=MessageType.HLR,
        flag=MessageType.HLR,
        message="",
        imsi="250011234567890",
        msc="79168999999",
        mcc="250",
        mnc="01",
        cn="Россия",
        net="МТС",
    )
    add(status=StatusCode.TRANSFERRED, then_status=StatusCode.DELIVERED, then_after=5)
    add(status=StatusCode.WAITING, then_status=StatusCode.DELIVERED, then_after=10)
    add(status=StatusCode.TRANSFERRED, then_status=StatusCode.EXPIRED, then_after=15)
    add(
        status=StatusCode.DELIVERED,
        comment="заказ 1542",
        mccmnc="25001",
        country="Россия",
        operator="МТС",
        operator_orig="Билайн",
        region="Москва",
        flag=1 << 8 | 0b01 << 9,  # a transactional template message
    )
    return MessageBook(messages)
