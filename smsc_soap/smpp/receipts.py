"""SMPP delivery receipts (DELIVER_SM) read into the same ``MessageStatus`` a lookup gives.

A receipt is the text ``id:… sub:… dlvrd:… submit date:… done date:… stat:… err:…`` (any
order and case, extra fields kept, a ``text:`` tail allowed) plus TLVs: the standard
``receipted_message_id``, ``message_state`` and ``network_error_code``, and the service's own
0x2000 (cost), 0x2001 (flag), 0x2002 (parts), 0x2003 (mccmnc) and 0x2004 (read or clicked).
Where a TLV and the text say the same thing, the TLV decides: it is the structured one.
Receipt dates (``YYMMDDhhmm``, seconds optional) are read as Moscow time, like every date
the service writes.
"""

from __future__ import annotations

import logging
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from smsc_soap.errors import InvalidParametersError, ReceiptError
from smsc_soap.models import MOSCOW_TIME, MessageFlag, MessageStatus
from smsc_soap.runtime.clock import SYSTEM_CLOCK, Clock
from smsc_soap.service.codes import EmailError, MessageType, SmsError, StatusCode, known_or_number
from smsc_soap.service.moments import plausible
from smsc_soap.smpp.states import RECEIPT_STATES, TLV_MESSAGE_STATES

__all__ = [
    "MAX_PARTS",
    "RECEIPT_STATES",
    "TLV_MESSAGE_STATES",
    "ReceiptParts",
    "parse_receipt",
]

TlvValue = bytes | int | str

logger = logging.getLogger("smsc_soap.smpp.receipts")


RECEIPTED_MESSAGE_ID = 0x001E
MESSAGE_STATE = 0x0427
NETWORK_ERROR_CODE = 0x0423
SMSC_COST = 0x2000
SMSC_FLAG = 0x2001
SMSC_PARTS = 0x2002
SMSC_MCCMNC = 0x2003
SMSC_READ_STATUS = 0x2004
_READ_STATUSES = {2: StatusCode.READ, 4: StatusCode.CLICKED}
_KNOWN_TLVS = {
    RECEIPTED_MESSAGE_ID,
    MESSAGE_STATE,
    NETWORK_ERROR_CODE,
    SMSC_COST,
    SMSC_FLAG,
    SMSC_PARTS,
    SMSC_MCCMNC,
    SMSC_READ_STATUS,
}

# A key is a word, or "submit date"/"done date"; it starts the text or follows a space.
_KEY = re.compile(r"(?:^|(?<=\s))(submit[ _]date|done[ _]date|[a-z][a-z_]*)\s*:", re.IGNORECASE)
_DATE = re.compile(r"\d{10}(\d{2})?")
_NUMBER = re.compile(r"\d{1,10}")


def parse_receipt(
    text: str | bytes,
    tlvs: Mapping[int, TlvValue] | None = None,
    *,
    phone: str = "",
) -> MessageStatus:
    """The ``MessageStatus`` a receipt reports; ``ReceiptError`` naming the field if it is
    malformed. ``tlvs`` maps tag numbers to raw bytes or values; ``phone`` is the receipt's
    ``source_addr`` (the phone the message went to), which the text does not carry."""
    fields = _text_fields(text.decode("latin-1") if isinstance(text, bytes) else text)
    tlvs = tlvs or {}

    text_id = fields.pop("id", "")
    message_id = _tlv_text(tlvs, RECEIPTED_MESSAGE_ID) or text_id
    if not message_id:
        raise ReceiptError("id", "missing: neither the text nor receipted_message_id has it")
    status = _status(fields, tlvs)
    flag_bits = _tlv_int(tlvs, SMSC_FLAG)
    flag = None if flag_bits is None else MessageFlag.from_bits(flag_bits)
    is_email = "@" in phone or (flag is not None and flag.message_type == MessageType.EMAIL)
    err = _err(fields, tlvs)
    parts = _tlv_int(tlvs, SMSC_PARTS)
    sub = _number(fields, "sub")
    extra = {name: value for name, value in fields.items() if name not in _CONSUMED}
    extra.update(
        {f"tlv_0x{tag:04x}": _hex(value) for tag, value in tlvs.items() if tag not in _KNOWN_TLVS}
    )
    return MessageStatus(
        message_id=message_id,
        phone=phone,
        status=status,
        err=None if err is None else known_or_number(EmailError if is_email else SmsError, err),
        last_date=_date(fields, "done date"),
        send_date=_date(fields, "submit date"),
        cost=_cost(tlvs),
        message=fields.get("text"),
        sms_cnt=parts if parts is not None else sub,
        flag=flag,
        message_type=None if flag is None else flag.message_type,
        mccmnc=_tlv_text(tlvs, SMSC_MCCMNC),
        extra=extra,
    )


_CONSUMED = {"stat", "err", "submit date", "done date", "text", "sub"}


def _text_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    matches = list(_KEY.finditer(text))
    for index, match in enumerate(matches):
        key = match.group(1).lower().replace("_", " ")
        if key == "text":  # the tail: the message's first characters, colons and all
            fields[key] = text[match.end() :].strip()
            break
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        fields.setdefault(key, text[match.end() : end].strip())
    return fields


def _status(fields: dict[str, str], tlvs: Mapping[int, TlvValue]) -> StatusCode:
    state_number = _tlv_int(tlvs, MESSAGE_STATE)
    if state_number is not None:
        if state_number not in TLV_MESSAGE_STATES:
            raise ReceiptError("message_state", f"not an SMPP message state: {state_number}")
        state = TLV_MESSAGE_STATES[state_number]
    else:
        state = fields.get("stat", "").upper()
        if not state:
            raise ReceiptError("stat", "missing: neither the text nor message_state has it")
        if state not in RECEIPT_STATES:
            raise ReceiptError("stat", f"not a receipt state: {state[:20]!r}")
    status = RECEIPT_STATES[state]
    read_status = _tlv_int(tlvs, SMSC_READ_STATUS)
    if status is StatusCode.DELIVERED and read_status in _READ_STATUSES:
        return _READ_STATUSES[read_status]
    return status


def _err(fields: dict[str, str], tlvs: Mapping[int, TlvValue]) -> int | None:
    value = tlvs.get(NETWORK_ERROR_CODE)
    if value is not None:
        if isinstance(value, bytes):
            # network type (1 byte), then the error code (2 bytes, big-endian)
            if len(value) != 3:
                raise ReceiptError("network_error_code", f"{len(value)} bytes, not 3")
            return int.from_bytes(value[1:], "big")
        return _tlv_int(tlvs, NETWORK_ERROR_CODE)
    return _number(fields, "err")


def _number(fields: dict[str, str], name: str) -> int | None:
    text = fields.get(name)
    if text is None:
        return None
    if not _NUMBER.fullmatch(text):
        raise ReceiptError(name, f"not a number: {text[:20]!r}")
    return int(text)


def _date(fields: dict[str, str], name: str) -> datetime | None:
    text = fields.get(name)
    if text is None:
        return None
    if not _DATE.fullmatch(text):
        raise ReceiptError(name, f"not YYMMDDhhmm[ss]: {text[:20]!r}")
    try:
        moment = datetime.strptime(text, "%y%m%d%H%M%S" if len(text) == 12 else "%y%m%d%H%M")
    except ValueError as exc:
        raise ReceiptError(name, f"not a date: {text!r}") from exc
    if not plausible(moment):
        raise ReceiptError(name, f"out of range: {text!r}")
    return moment.replace(tzinfo=MOSCOW_TIME)


def _cost(tlvs: Mapping[int, TlvValue]) -> Decimal | None:
    text = _tlv_text(tlvs, SMSC_COST)
    if text is None:
        return None
    try:
        cost = Decimal(text)
    except InvalidOperation:
        raise ReceiptError("cost (0x2000)", f"not an amount: {text[:20]!r}") from None
    if not cost.is_finite():
        raise ReceiptError("cost (0x2000)", f"not an amount: {text[:20]!r}")
    return cost


def _tlv_text(tlvs: Mapping[int, TlvValue], tag: int) -> str | None:
    value = tlvs.get(tag)
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.split(b"\0", 1)[0].decode("latin-1")  # a C-octet string
    return str(value).strip() or None


def _tlv_int(tlvs: Mapping[int, TlvValue], tag: int) -> int | None:
    value = tlvs.get(tag)
    if value is None:
        return None
    if isinstance(value, bytes):
        if not 1 <= len(value) <= 4:
            raise ReceiptError(f"0x{tag:04x}", f"{len(value)} bytes is not an integer")
        return int.from_bytes(value, "big")
    if isinstance(value, str):
        if not _NUMBER.fullmatch(value.strip()):
            raise ReceiptError(f"0x{tag:04x}", f"not a number: {value[:20]!r}")
        return int(value)
    return value


def _hex(value: TlvValue) -> str:
    return value.hex() if isinstance(value, bytes) else str(value)


MAX_PARTS = 255
"""The most parts one message can have: concatenated SMS number their parts in one byte."""
DEFAULT_MAX_WAITING = 10_000
DEFAULT_MAX_AGE = 24 * 3600.0
"""A day: a message's parts are delivered within its validity period, at most that."""


@dataclass
class _Waiting:
    since: float
    parts: list[MessageStatus]


class ReceiptParts:
    """Per-part receipts (``system-type = "SINGLE"``) gathered by message id.

    ``add`` returns every part of a message once as many have arrived as it has parts (from
    0x2002 or ``sub``), else None; a receipt that does not say how many parts there are, or
    claims more than ``MAX_PARTS``, stands alone. At most ``max_waiting`` messages wait, for
    at most ``max_age`` seconds of ``clock`` from their first part: past either, the oldest
    is given up, its parts handed to ``on_expired`` (or, without one, a warning logged), so
    receipts that claim parts that never come cannot fill the memory.
    """

    def __init__(
        self,
        *,
        max_waiting: int = DEFAULT_MAX_WAITING,
        max_age: float = DEFAULT_MAX_AGE,
        clock: Clock = SYSTEM_CLOCK,
        on_expired: Callable[[tuple[MessageStatus, ...]], object] | None = None,
    ) -> None:
        if isinstance(max_waiting, bool) or not isinstance(max_waiting, int) or max_waiting < 1:
            raise InvalidParametersError("max_waiting must be a whole number of at least 1")
        if not isinstance(max_age, int | float) or not 0 < max_age < math.inf:
            raise InvalidParametersError("max_age must be a positive, finite number of seconds")
        self.max_waiting = max_waiting
        self.max_age = max_age
        self._clock = clock
        self._on_expired = on_expired
        self._waiting: OrderedDict[str, _Waiting] = OrderedDict()

    def add(self, status: MessageStatus) -> tuple[MessageStatus, ...] | None:
        now = self._clock.monotonic()
        self._expire(now)
        waiting = self._waiting.get(status.message_id)
        if waiting is None:
            waiting = self._waiting[status.message_id] = _Waiting(now, [])
        waiting.parts.append(status)
        expected = status.sms_cnt
        if expected is not None and expected <= MAX_PARTS and len(waiting.parts) < expected:
            self._make_room()
            return None
        return tuple(self._waiting.pop(status.message_id).parts)

    def _expire(self, now: float) -> None:
        while self._waiting:
            oldest = next(iter(self._waiting.values()))
            if now - oldest.since < self.max_age:
                return
            self._give_up("waited too long")

    def _make_room(self) -> None:
        while len(self._waiting) > self.max_waiting:
            self._give_up(f"more than {self.max_waiting} messages waited")

    def _give_up(self, why: str) -> None:
        message_id, waiting = self._waiting.popitem(last=False)
        parts = tuple(waiting.parts)
        if self._on_expired is not None:
            self._on_expired(parts)
            return
        logger.warning(
            "gave up waiting for the other parts of message %s (%d arrived, %s parts claimed): %s",
            message_id,
            len(parts),
            parts[-1].sms_cnt,
            why,
        )

    @staticmethod
    def group(statuses: Iterable[MessageStatus]) -> dict[str, tuple[MessageStatus, ...]]:
        """Receipts already at hand, by message id, in the order they came."""
        grouped: dict[str, list[MessageStatus]] = {}
        for status in statuses:
            grouped.setdefault(status.message_id, []).append(status)
        return {message_id: tuple(parts) for message_id, parts in grouped.items()}

    @property
    def waiting(self) -> int:
        """Messages with some, not all, of their parts in."""
        return len(self._waiting)
