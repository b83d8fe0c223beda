"""The HTTP transport: ``/sys/status.php`` with JSON replies (``fmt=3``) in UTF-8.

Everything goes in a POST body, never in the URL, where proxies and server logs would keep
the password. Login and password or an API key; one message or many (comma lists, matched
back by id and phone); ``del=1`` deletion.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from typing_extensions import Unpack

from smsc_soap.errors import InvalidParametersError, MalformedResponseError, SmscError
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service import phones
from smsc_soap.service.credentials import Credentials
from smsc_soap.service.hosts import STATUS_PATH
from smsc_soap.service.request import StatusRequest
from smsc_soap.transports.base import Fields, MassReply
from smsc_soap.wire.http_post import WireTransport
from smsc_soap.wire.options import WireOptionArgs, WireOptions, wire_options

__all__ = ["HttpStatusTransport"]

logger = logging.getLogger("smsc_soap.transports.http")

Reply = dict[str, object] | list[object]
"""A fmt=3 reply: an object for one message or an error, a list for a mass request."""

_NOT_FOUND = -3
_FALLBACK_CHARSET = "windows-1251"  # the service's default, should it ignore charset=utf-8


class HttpStatusTransport(WireTransport):
    """Status lookups and deletions over the HTTP API, ``https://{host}/sys/status.php``.

    Over HTTP an unknown message comes back as status -3 with no dates; this transport
    answers it as error 3, as the SOAP interface does, so the caller sees the same
    ``MessageNotFoundError`` over both.
    """

    path = STATUS_PATH

    def __init__(
        self, options: WireOptions | None = None, /, **given: Unpack[WireOptionArgs]
    ) -> None:
        """Built from keyword options (``host``, ``endpoint``, ``timeout``, ...), or from a
        ``WireOptions`` value made already."""
        super().__init__(WireOptions.resolve(options, given, wire_options))

    def fetch(self, credentials: Credentials, request: StatusRequest, *, timeout: float) -> Fields:
        form = {"phone": request.phone, "id": request.message_id, "all": str(request.all)}
        form.update(parse_qsl(request.query or "", keep_blank_values=True))
        return _single(self._post(credentials, form, timeout))

    def fetch_many(
        self, credentials: Credentials, requests: Sequence[StatusRequest], *, timeout: float
    ) -> MassReply:
        if not requests:
            return []
        levels = {request.all for request in requests}
        if len(levels) != 1 or any(request.query for request in requests):
            raise InvalidParametersError("one mass request has one value of all and no query")
        # A trailing comma keeps a single message in the mass format (the status page).
        form = {
            "phone": ",".join(request.phone for request in requests) + ",",
            "id": ",".join(request.message_id for request in requests) + ",",
            "all": str(levels.pop()),
        }
        reply = self._post(credentials, form, timeout)
        if isinstance(reply, dict):
            return _whole_request_answer(reply)
        found = _by_message(reply)
        asked = Counter(request.message_id for request in requests)
        return [
            _matched(found, request, alone=asked[request.message_id] == 1) for request in requests
        ]

    def delete(
        self, credentials: Credentials, phone: str, message_id: str, *, timeout: float
    ) -> Fields:
        form = {"phone": phone, "id": message_id, "del": "1"}
        reply = self._post(credentials, form, timeout)
        if not isinstance(reply, dict):
            raise MalformedResponseError("a deletion was answered with a list")
        return _fields(reply)

    def _post(self, credentials: Credentials, form: dict[str, str], timeout: float) -> Reply:
        with mapped(Step.BUILD):
            body = urlencode(
                {**form, "fmt": "3", "charset": "utf-8", **_credential_fields(credentials)}
            ).encode("ascii")
        reply = self._wire.post(
            self.endpoints,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
            time_left=timeout,
            secret=credentials.secret,
        )
        if reply.status_code != 200:
            raise reply.status_error()
        return _json(reply.content, reply.charset)


def _credential_fields(credentials: Credentials) -> dict[str, str]:
    if credentials.api_key is not None:
        return {"apikey": credentials.api_key.get_secret_value()}
    if credentials.login is None or credentials.password is None:
        raise InvalidParametersError("a login and password, or an API key, are needed")
    return {"login": credentials.login, "psw": credentials.password.get_secret_value()}


def _json(content: bytes, charset: str | None) -> Reply:
    with mapped(Step.READ):
        try:
            text = content.decode(charset or "utf-8")
        except (UnicodeDecodeError, LookupError):  # the codecs' own: read it as the service's
            text = content.decode(_FALLBACK_CHARSET, errors="replace")
        reply = json.loads(text)
    if not isinstance(reply, dict | list):
        raise MalformedResponseError(f"the reply is neither an object nor a list: {reply!r:.40}")
    return reply


def _fields(item: dict[str, object]) -> dict[str, str]:
    """An item's values as the text the SOAP reply would carry; an error as its code."""
    if "error_code" in item or "error" in item:
        return {"error": _text("error_code", item.get("error_code", item.get("error")))}
    return {name: _text(name, value) for name, value in item.items() if value is not None}


def _single(reply: Reply) -> dict[str, str]:
    if not isinstance(reply, dict):
        raise MalformedResponseError("a single lookup was answered with a list")
    return _normalised(_fields(reply))


def _by_message(reply: list[object]) -> dict[tuple[str | None, str], Mapping[str, str]]:
    """A mass reply's items by (phone, id), the phone as the service looks it up (it writes
    phones with or without ``+``, padded or formatted); by (None, id)
    for items that do not name their phone."""
    found: dict[tuple[str | None, str], Mapping[str, str]] = {}
    for item in reply:
        if not isinstance(item, dict):
            raise MalformedResponseError(f"a mass reply item is not an object: {item!r:.40}")
        fields = _fields(item)
        message_id = fields.pop("id", None)
        if message_id is None:
            raise MalformedResponseError("a mass reply item does not name its message id")
        phone = fields.get("phone")
        found[(None if phone is None else phones.normalised(phone), message_id)] = fields
    return found


def _text(name: str, value: object) -> str:
    if isinstance(value, bool | dict | list):
        raise MalformedResponseError(f"reply field {name!r} is not a plain value: {value!r:.40}")
    return str(value)


def _normalised(fields: dict[str, str]) -> dict[str, str]:
    # The HTTP API's "not found": status -3 and nothing else about the message.
    if fields.get("status") == str(_NOT_FOUND) and not (
        fields.keys() & {"last_date", "last_timestamp", "send_date", "send_timestamp"}
    ):
        return {"error": "3"}
    return fields


def _whole_request_answer(reply: dict[str, object]) -> Fields:
    # An object instead of the list: an error of the whole request, read by the client.
    fields = _fields(reply)
    if "error" not in fields:
        raise MalformedResponseError("a mass request was answered with one item, not a list")
    return fields


def _matched(
    found: dict[tuple[str | None, str], Mapping[str, str]],
    request: StatusRequest,
    *,
    alone: bool,
) -> Fields | SmscError:
    """The item for ``request``: by phone and id; by id only when the item names no phone
    and no other message asked has that id. Never another message's item."""
    fields = found.get((phones.normalised(request.phone), request.message_id))
    if fields is None and alone:
        fields = found.get((None, request.message_id))
    if fields is None:
        return MalformedResponseError(
            f"the mass reply has no item that is surely for message {request.message_id!r}"
            " to this phone"
        )
    return _normalised(dict(fields))
