"""One status lookup as the client hands it to a transport, checked before anything is sent."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from smsc_soap.errors import InvalidParametersError
from smsc_soap.service import phones
from smsc_soap.service.query import QueryValue, build_query, checked_query, reject_unsendable

__all__ = ["StatusRequest"]

Operation = Literal["get_status", "get_status2"]

_PHONE = re.compile(r"[0-9]{1,20}")  # as ``phones.normalised`` leaves it
# Status lookups of e-mail messages pass the address as "phone" (the service's status page).
_EMAIL = re.compile(r"[^@\s,;]{1,64}@[^@\s,;]{1,255}")
# A comma would turn a single lookup into a mass request on the HTTP API.
_MESSAGE_ID = re.compile(r"[^,\s]{1,64}")


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """The validated parameters of one ``get_status``/``get_status2`` call; the phone as
    the service looks it up (``phones.normalised``)."""

    operation: Operation
    phone: str
    message_id: str
    all: int
    query: str | None

    @classmethod
    def build(
        cls,
        operation: Operation,
        phone: object,
        message_id: object,
        all: object,
        query: Mapping[str, QueryValue] | str | None = None,
    ) -> StatusRequest:
        """Check every input; raise ``InvalidParametersError`` before the network is touched."""
        return cls(
            operation=operation,
            phone=_checked_phone(phone),
            message_id=_checked_message_id(message_id),
            all=_checked_all(all),
            query=_checked_query(operation, query),
        )


def _checked_phone(phone: object) -> str:
    if not isinstance(phone, str) or not phone:
        raise InvalidParametersError("phone must be a non-empty string")
    reject_unsendable("phone", phone)
    looked_up = phones.normalised(phone)
    if not (_PHONE.fullmatch(looked_up) or _EMAIL.fullmatch(looked_up)):
        raise InvalidParametersError(
            f"phone {phone!r} must be digits with an optional leading + (or an e-mail address)"
        )
    return looked_up


def _checked_message_id(message_id: object) -> str:
    if isinstance(message_id, int) and not isinstance(message_id, bool):
        message_id = str(message_id)
    if not isinstance(message_id, str) or not message_id:
        raise InvalidParametersError("message_id must be a non-empty string or an integer")
    reject_unsendable("message_id", message_id)
    if not _MESSAGE_ID.fullmatch(message_id):
        raise InvalidParametersError(
            f"message_id {message_id!r} must be one id: up to 64 characters, no commas or spaces"
        )
    return message_id


def _checked_all(all: object) -> int:
    if not isinstance(all, int) or isinstance(all, bool) or all not in (0, 1, 2):
        raise InvalidParametersError(f"all must be 0, 1 or 2, got {all!r}")
    return int(all)


def _checked_query(
    operation: Operation, query: Mapping[str, QueryValue] | str | None
) -> str | None:
    if operation == "get_status":
        if query is not None:
            raise InvalidParametersError("get_status takes no query; use get_status2")
        return None
    if query is None:
        return ""  # the WSDL requires the element
    if isinstance(query, str):
        return checked_query(query)
    return build_query(query)
