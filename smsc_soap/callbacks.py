"""The service's status handler: read and check the callbacks it sends to a web service.

The service can send each status change of a message, each incoming SMS and each "wait for a
call" confirmation to an address set in the account, as a form of text fields (a POST, or a
GET with the fields in the query). A web service hands the form (any ``Mapping[str, str]``:
Django's ``request.POST``, Flask's ``request.form``, a dict) to two functions:

- ``verify(form, secret)`` raises ``CallbackSignatureError`` unless the form's ``md5`` and/or
  ``sha1`` (or the ``X-SMSC-MD5``/``X-SMSC-SHA1`` headers) sign it with the handler's secret;
- ``parse(form)`` returns a ``StatusCallback`` (its ``status`` is the ``MessageStatus`` a
  lookup of that message returns), an ``IncomingMessage`` or a ``CallConfirmation``, or raises
  ``CallbackError``.

``sign(form, secret)`` adds the signature, as the sandbox does when it pushes.

What the service's page leaves open is read generously and written down here: the moment of
a change comes as ``ts`` (a Unix timestamp) and/or ``time`` (a Unix timestamp, or a
``DD.MM.YYYY hh:mm:ss`` date in Moscow time like the status page's dates); when both come,
``ts`` decides. A signature is the hex digest of the kind's string in UTF-8 (``encoding``
says otherwise): ``<id>:<phone>:<status>:<secret>`` for a status,
``<phone>:<mes>:<to>:<secret>`` for an incoming SMS and ``<phone>:<ts>:<secret>`` for a call
confirmation, each value exactly as sent.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from smsc_soap.errors import (
    CallbackError,
    CallbackSignatureError,
    InvalidParametersError,
    MalformedResponseError,
)
from smsc_soap.models import MessageStatus
from smsc_soap.service.message_ids import unusable_id
from smsc_soap.service.replies import read_moment, status_from_reply
from smsc_soap.service.request import StatusRequest

__all__ = [
    "ALGORITHMS",
    "CallConfirmation",
    "Callback",
    "IncomingMessage",
    "StatusCallback",
    "kind_of",
    "parse",
    "sign",
    "verify",
]

Algorithm = Literal["md5", "sha1"]
ALGORITHMS: tuple[Algorithm, ...] = ("md5", "sha1")
"""The signatures the service writes, each in a form field (or an ``X-SMSC-`` header) of its
name."""

Kind = Literal["status", "incoming", "call"]

# Fields of a status callback that are no reply field of a lookup: the message's id (the
# lookup's request names it), the signatures, and the moment (read as last_date below).
_NOT_REPLY_FIELDS = frozenset(
    {"id", "time", "ts", "error", "last_date", "last_timestamp", *ALGORITHMS}
)
_SIGNED_FIELDS: Mapping[Kind, tuple[str, ...]] = {
    "status": ("id", "phone", "status"),
    "incoming": ("phone", "mes", "to"),
    "call": ("phone", "ts"),
}
_QUOTED = 40  # characters of a malformed value an error quotes
_REPLY_FIELD = re.compile(r"reply field '(?P<name>\w+)' (?P<problem>.*)", re.S)


@dataclass(frozen=True)
class StatusCallback:
    """A status change of a sent message. ``status`` is what a lookup of the message
    returns (the fields the callback carries; a lookup with ``all=1`` carries the rest);
    ``fields`` every field as sent, read-only."""

    status: MessageStatus
    # Out of the repr: md5 and sha1 are derived from the handler's secret.
    fields: Mapping[str, str] = field(repr=False)

    kind: Literal["status"] = field(default="status", init=False)

    @property
    def message_id(self) -> str:
        return self.status.message_id

    @property
    def phone(self) -> str:
        return self.status.phone


@dataclass(frozen=True)
class IncomingMessage:
    """An SMS sent to one of the account's numbers: from ``phone`` to ``to``, reading
    ``text``; ``fields`` every field as sent, read-only."""

    phone: str
    text: str
    to: str | None
    received: datetime | None
    """When the service received it, if the callback says (``ts``/``time``)."""
    fields: Mapping[str, str] = field(repr=False)

    kind: Literal["incoming"] = field(default="incoming", init=False)


@dataclass(frozen=True)
class CallConfirmation:
    """A "wait for a call" confirmation: ``phone`` called (``waitcall``), at ``called``;
    ``fields`` every field as sent, read-only."""

    phone: str
    called: datetime | None
    fields: Mapping[str, str] = field(repr=False)

    kind: Literal["call"] = field(default="call", init=False)


Callback = StatusCallback | IncomingMessage | CallConfirmation
"""What ``parse`` returns; ``kind`` tells them apart (``"status"``, ``"incoming"``,
``"call"``), as does ``isinstance``."""


def kind_of(form: Mapping[str, str]) -> Kind:
    """Which callback the form is: a call confirmation (``waitcall``), an incoming SMS
    (``mes``) or a status (``status`` or ``id``); ``CallbackError`` for none of them."""
    if "waitcall" in form:
        return "call"
    if "mes" in form:
        return "incoming"
    if "status" in form or "id" in form:
        return "status"
    raise CallbackError(
        None, "the form is no callback the service sends: no status, mes or waitcall field"
    )


def parse(form: Mapping[str, str]) -> Callback:
    """The callback ``form`` carries, every field kept as sent; ``CallbackError`` for a form
    of no known kind, or one whose id, phone, status or moment is missing or malformed. The
    phone is read by the one phone rule (``+7 (999) …`` and ``8 999 …`` become ``7999…``).
    Check the signature first with ``verify`` when the handler has a secret."""
    # items(), not dict(form): Django's and Werkzeug's multi-value forms keep lists within.
    fields = MappingProxyType(dict(form.items()))
    kind = kind_of(fields)
    phone = _phone(fields)
    if kind == "call":
        return CallConfirmation(phone=phone, called=_moment(fields), fields=fields)
    if kind == "incoming":
        return IncomingMessage(
            phone=phone,
            text=fields["mes"],
            to=_text(fields, "to"),
            received=_moment(fields),
            fields=fields,
        )
    message_id = _required(fields, "id")
    problem = unusable_id(message_id)
    if problem is not None:
        raise CallbackError("id", problem)
    _required(fields, "status")
    request = StatusRequest.build("get_status", phone, message_id, 0)
    try:
        status = status_from_reply(_reply_fields(fields, request.phone), request)
    except MalformedResponseError as error:
        raise _unreadable(error, fields) from None
    return StatusCallback(status=status, fields=fields)


def verify(
    form: Mapping[str, str],
    secret: str,
    *,
    headers: Mapping[str, str] | None = None,
    encoding: str = "utf-8",
) -> None:
    """Raise ``CallbackSignatureError`` unless ``form`` is signed with ``secret``: each
    signature it carries (``md5``, ``sha1``; from the form, else from the ``X-SMSC-MD5`` and
    ``X-SMSC-SHA1`` headers when ``headers`` are given) must match, and at least one must be
    there. Compared in constant time; no error names the secret or a signature."""
    expected = _signatures(form, secret, ALGORITHMS, encoding)
    given = {name: sent for name in ALGORITHMS if (sent := _sent(form, headers, name))}
    if not given:
        raise CallbackSignatureError(None, "the callback is not signed: no md5 or sha1")
    for name, sent in given.items():
        # Bytes: compare_digest refuses a str that is not ASCII, and a forged one may not be.
        if not hmac.compare_digest(
            expected[name].encode(), sent.lower().encode(encoding, "replace")
        ):
            raise CallbackSignatureError(name, "the signature does not match the secret")


def sign(
    form: Mapping[str, str],
    secret: str,
    *,
    algorithms: tuple[Algorithm, ...] = ALGORITHMS,
    encoding: str = "utf-8",
) -> dict[str, str]:
    """``form`` with its signatures added (or replaced), as the service sends it."""
    return {**dict(form.items()), **_signatures(form, secret, algorithms, encoding)}


def _signatures(
    form: Mapping[str, str], secret: str, algorithms: tuple[Algorithm, ...], encoding: str
) -> dict[str, str]:
    if not isinstance(secret, str) or not secret:
        raise InvalidParametersError("the callback secret is empty", option="secret")
    values = [form.get(name, "") for name in _SIGNED_FIELDS[kind_of(form)]]
    signed = ":".join([*values, secret]).encode(encoding, "replace")
    return {
        name: hashlib.new(name, signed, usedforsecurity=False).hexdigest() for name in algorithms
    }


def _sent(form: Mapping[str, str], headers: Mapping[str, str] | None, name: str) -> str:
    sent = form.get(name, "").strip()
    if not sent and headers is not None:
        header = f"x-smsc-{name}"
        sent = next((value for key, value in headers.items() if key.lower() == header), "")
    return sent.strip()


def _text(fields: Mapping[str, str], name: str) -> str | None:
    return (fields.get(name) or "").strip() or None


def _required(fields: Mapping[str, str], name: str) -> str:
    value = _text(fields, name)
    if value is None:
        raise CallbackError(name, "missing or empty")
    return value


def _phone(fields: Mapping[str, str]) -> str:
    """The sender's or recipient's phone by the one phone rule, checked as a lookup's is."""
    phone = _required(fields, "phone")
    try:
        return StatusRequest.build("get_status", phone, "0", 0).phone
    except InvalidParametersError:
        raise CallbackError(
            "phone", f"not a phone number or e-mail address: {phone[:_QUOTED]!r}"
        ) from None


def _reply_fields(fields: Mapping[str, str], phone: str) -> dict[str, str]:
    """A status callback's fields as a lookup's reply names them: the phone by the one
    phone rule, the moment as ``last_timestamp`` (``ts``, or ``time`` when it is one) or
    ``last_date``."""
    reply = {name: value for name, value in fields.items() if name not in _NOT_REPLY_FIELDS}
    return {**reply, "phone": phone, **_moment_fields(fields)}


def _moment_fields(fields: Mapping[str, str]) -> dict[str, str]:
    moment: dict[str, str] = {}
    time_text = _text(fields, "time")
    if time_text is not None:
        moment["last_timestamp" if time_text.isdigit() else "last_date"] = time_text
    timestamp = _text(fields, "ts")
    if timestamp is not None:
        moment["last_timestamp"] = timestamp  # the exact moment decides, as in a lookup
    return moment


def _moment(fields: Mapping[str, str]) -> datetime | None:
    """The moment of an incoming SMS or a call, read as a status's moment is."""
    try:
        return read_moment(_moment_fields(fields), "last_date", "last_timestamp")
    except MalformedResponseError as error:
        raise _unreadable(error, fields) from None


def _unreadable(error: MalformedResponseError, fields: Mapping[str, str]) -> CallbackError:
    """The lookup's reading failed: the same words, about the field as the callback names
    it (its moment is read under the reply's names)."""
    named = _REPLY_FIELD.match(str(error))
    if named is None:
        return CallbackError(None, str(error))
    name = named["name"]
    if name in ("last_timestamp", "last_date"):
        name = "ts" if "ts" in fields else "time"
    return CallbackError(name, named["problem"])
