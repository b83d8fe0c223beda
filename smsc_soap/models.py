"""Typed results: ``MessageStatus`` and the parts it is made of."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from smsc_soap.errors import SmscError
from smsc_soap.service.codes import (
    EmailError,
    MessageType,
    Outcome,
    SmsError,
    StatusCode,
    TemplateKind,
    known_or_number,
)

__all__ = ["MOSCOW_TIME", "HlrInfo", "LookupResult", "MessageFlag", "MessageStatus"]

MOSCOW_TIME = timezone(timedelta(hours=3), "MSK")
"""The service writes its dates in Moscow time, UTC+3 all year round."""

ReadOnlyMapping = Annotated[
    Mapping[str, str],
    AfterValidator(lambda fields: MappingProxyType(dict(fields))),
    PlainSerializer(dict, return_type=dict[str, str]),
]

_MESSAGE_TYPE_BITS = 0x000F
_SECOND_BALANCE_BIT = 1 << 5
_TEMPLATE_BIT = 1 << 8
_TEMPLATE_KIND_SHIFT = 9


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageFlag(_Frozen):
    """The ``flag`` field decoded: a 2-byte number of several characteristics."""

    raw: int
    message_type: MessageType | int
    second_balance: bool
    """Paid from the second balance (bit 5)."""
    template: bool
    """A template message (bit 8)."""
    template_kind: TemplateKind | None = None
    """Bits 10 and 9, for template messages only (None, and left out when written without
    its empty fields, for others)."""

    @classmethod
    def from_bits(cls, raw: int) -> MessageFlag:
        template = bool(raw & _TEMPLATE_BIT)
        return cls(
            raw=raw,
            message_type=known_or_number(MessageType, raw & _MESSAGE_TYPE_BITS),
            second_balance=bool(raw & _SECOND_BALANCE_BIT),
            template=template,
            template_kind=TemplateKind((raw >> _TEMPLATE_KIND_SHIFT) & 0b11) if template else None,
        )


class HlrInfo(_Frozen):
    """The subscriber data an HLR request returns."""

    imsi: str | None = None
    msc: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    cn: str | None = None
    """Country of the subscriber's registration."""
    net: str | None = None
    """Operator of the subscriber's registration."""
    rcn: str | None = None
    """Roaming country, when the subscriber is in a foreign network."""
    rnet: str | None = None
    """Roaming operator, when the subscriber is in a foreign network."""


class MessageStatus(_Frozen):
    """The delivery status of one message, as the service reported it.

    Codes the service has not documented are kept as plain ``int``. Dates are aware datetimes
    in Moscow time. Every reply element the WSDL does not declare is also kept, as text, in
    ``extra``, and ``fields_sent`` names every field the reply carried.
    """

    message_id: str
    phone: str
    status: StatusCode | int
    err: SmsError | EmailError | int | None = None
    """The delivery error code; read with the e-mail table for e-mail messages."""
    last_date: datetime | None = None
    """When the status last changed."""
    send_date: datetime | None = None
    cost: Decimal | None = None
    sender_id: str | None = None
    status_name: str | None = None
    """The service's own (possibly localised) name of the status."""
    message: str | None = None
    comment: str | None = None
    message_type: MessageType | int | None = None
    sms_cnt: int | None = None
    """Parts of an SMS message, or seconds of a voice message."""
    flag: MessageFlag | None = None
    mccmnc: str | None = None
    country: str | None = None
    operator: str | None = None
    operator_orig: str | None = None
    """The operator before the number was ported."""
    region: str | None = None
    hlr: HlrInfo | None = None
    extra: ReadOnlyMapping = Field(default_factory=lambda: MappingProxyType({}))
    fields_sent: tuple[str, ...] = Field(default=(), exclude=True, repr=False)
    """The names of the fields the service's reply carried, in its order, empty ones included
    (an empty text field reads as None above); empty when the status was not read from a
    reply. The gateway writes a field back, empty, when the service sent it empty. Which
    fields a transport's reply carries is no part of the status: dumps leave this out."""

    @field_validator("status", mode="before")
    @classmethod
    def _documented_status(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool | StatusCode):
            return known_or_number(StatusCode, value)
        return value

    @property
    def outcome(self) -> Outcome:
        """What the status means; ``Outcome.UNKNOWN`` for an undocumented code."""
        return self.status.outcome if isinstance(self.status, StatusCode) else Outcome.UNKNOWN

    @property
    def is_pending(self) -> bool:
        """Not settled yet: waiting, stopped with its mailing, or with the operator."""
        return self.outcome is Outcome.PENDING

    @property
    def is_delivered(self) -> bool:
        """Delivered, read, or delivered and its link clicked."""
        return self.outcome is Outcome.DELIVERED

    @property
    def is_failed(self) -> bool:
        """Will not be delivered: expired, undeliverable, wrong number, banned, ..."""
        return self.outcome is Outcome.FAILED

    @property
    def is_final(self) -> bool:
        """Asking again will not change the delivery outcome (delivered, failed or not found)."""
        return self.outcome in _FINAL_OUTCOMES


_FINAL_OUTCOMES = frozenset({Outcome.DELIVERED, Outcome.FAILED, Outcome.NOT_FOUND})


class LookupResult(_Frozen):
    """One item of a batch: the message asked about, and its status or the error for it."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    phone: str
    message_id: str
    status: MessageStatus | None = None
    error: SmscError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
