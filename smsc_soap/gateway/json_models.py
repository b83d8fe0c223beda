"""The JSON face's bodies, as frozen pydantic models: the OpenAPI document's schemas are
generated from them.

A status has the fields of ``smsc-soap status --json`` (the command line's result columns:
the same names and meanings), only those of the detail asked for, and its ``age``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    WithJsonSchema,
)

from smsc_soap.errors import InvalidParametersError
from smsc_soap.gateway.phones import (
    ID_PATTERN,
    ID_RULE,
    MAX_ID,
    PHONE_PATTERN,
    PHONE_RULE,
    caller_message_id,
    caller_phone,
)
from smsc_soap.gateway.served import MAX_MESSAGES
from smsc_soap.service.codes import Outcome

__all__ = [
    "Detail",
    "ErrorBody",
    "ErrorDetail",
    "ItemError",
    "MessageRef",
    "Phone",
    "StatusBody",
    "StatusesBody",
    "StatusesRequest",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StatusBody(_Frozen):
    """A message's status as the service gave it ``age`` seconds ago. Fields after ``cost``
    come with ``all`` 1 (up to ``flag``) and 2 (the rest); null where the service gave none."""

    phone: str
    id: str
    status: int = Field(description="The service's status code (-3 to 25).")
    status_name: str | None = Field(description="The status code's name; null if undocumented.")
    outcome: Outcome
    err: int | None = Field(description="The delivery error code.")
    err_name: str | None
    send_date: AwareDatetime | None
    last_date: AwareDatetime | None = Field(description="When the status last changed.")
    cost: str | None = Field(description="Exact, as the service wrote it.")
    sender_id: str | None = None
    service_status_name: str | None = Field(
        default=None, description="The service's own, possibly localised, name of the status."
    )
    message: str | None = None
    comment: str | None = None
    message_type: int | None = None
    sms_cnt: int | None = None
    flag: int | None = None
    mccmnc: str | None = None
    country: str | None = None
    operator: str | None = None
    operator_orig: str | None = None
    region: str | None = None
    hlr_imsi: str | None = None
    hlr_msc: str | None = None
    hlr_mcc: str | None = None
    hlr_mnc: str | None = None
    hlr_cn: str | None = None
    hlr_net: str | None = None
    hlr_rcn: str | None = None
    hlr_rnet: str | None = None
    age: float = Field(ge=0, description="Seconds since the service gave this status.")


class ErrorDetail(_Frozen):
    code: int | None = Field(description="The service's error code (1 to 9); null when none.")
    type: str = Field(description="The error's class in smsc-soap, e.g. RateLimitError.")
    message: str


class ErrorBody(_Frozen):
    error: ErrorDetail


class ItemError(_Frozen):
    """A message of a list whose lookup failed."""

    phone: str
    id: str
    error: ErrorDetail


def _message_id(value: object) -> object:
    """A message's id as its digits: the service's ids are whole numbers, 0 or more."""
    if _whole(value) and 0 <= value <= MAX_ID:  # type: ignore[operator]
        return str(int(value))  # type: ignore[call-overload]
    try:
        if isinstance(value, str):
            return caller_message_id(value)
    except InvalidParametersError:
        pass
    raise ValueError(ID_RULE)


def _phone(value: str) -> str:
    try:
        return caller_phone(value)
    except InvalidParametersError:
        raise ValueError(PHONE_RULE) from None


def _detail(value: object) -> int:
    if not _whole(value) or value not in (0, 1, 2):
        raise ValueError("Input should be 0, 1 or 2")
    return int(value)


def _whole(value: object) -> bool:
    """A JSON integer as JSON Schema reads one: a number without a fraction (``2.0`` too),
    never ``true`` or ``false``."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


MessageId = Annotated[
    str,
    BeforeValidator(_message_id),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": ID_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            ]
        }
    ),
]
Phone = Annotated[
    str, AfterValidator(_phone), WithJsonSchema({"type": "string", "pattern": PHONE_PATTERN})
]
Detail = Annotated[
    int, BeforeValidator(_detail), WithJsonSchema({"type": "integer", "enum": [0, 1, 2]})
]
"""``all``: 0, 1 or 2, a JSON integer (not ``true``, nor ``"1"``)."""


class MessageRef(_Frozen):
    phone: Phone
    id: MessageId


class StatusesRequest(_Frozen):
    messages: list[MessageRef] = Field(min_length=1, max_length=MAX_MESSAGES)
    all: Detail = 0


class StatusesBody(RootModel[list[StatusBody | ItemError]]):
    """One item per message asked about, in the order asked."""

    model_config = ConfigDict(frozen=True)
