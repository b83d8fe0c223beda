"""The HTTP transport: ``/sys/status.php`` with JSON replies (``fmt=3``) in UTF-8.

Everything goes in a POST body, never in the URL, where proxies and server logs would keep
the password. Login and password or an API key; one message or many (comma lists, matched
back by id and phone); ``del=1`` deletion.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlencode

from ..errors import InvalidParametersError, MalformedResponseError, SmscError, api_error
from ..hosts import STATUS_PATH
from ..request import Credentials, StatusRequest
from .failures import echoes_redacted, redact
from .wire import WireTransport

__all__ = ["HttpStatusTransport"]

logger = logging.getLogger("smsc_soap.transport.http")

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

    def fetch(
        self, credentials: Credentials, request: StatusRequest, *, timeout: float
    ) -> Mapping[str, str]:
        form = {"phone": request.phone, "id": request.message_id, "all": str(request.all)}
        form.update(parse_qsl(request.query or "", keep_blank_values=True))
        return echoes_redacted(
            credentials.secret, lambda: _single(self._post(credentials, form, timeout))
        )

    def fetch_many(
        self, credentials: Credentials, requests: Sequence[StatusRequest], *, timeout: float
    ) -> list[Mapping[str, str] | SmscError]:
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
        found = echoes_redacted(
            credentials.secret, lambda: _by_message(self._post(credentials, form, timeout))
        )
        return [_matched(found, request) for request in requests]

    def delete(
        self, credentials: Credentials, phone: str, message_id: str, *, timeout: float
    ) -> None:
        form = {"phone": phone, "id": message_id, "del": "1"}
        echoes_redacted(
            credentials.secret, lambda: _deleted(self._post(credentials, form, timeout))
        )

    def _post(self, credentials: Credentials, form: dict[str, str], timeout: float) -> Reply:
        secrets = _credential_fields(credentials)
        body = {**form, "fmt": "3", "charset": "utf-8", **secrets}
        logger.debug("POST %s %s", self.endpoint, {**form, "fmt": "3"})
        reply = self._wire.post(
            self.endpoint,
            urlencode(body).encode("ascii"),
            {"Content-Type": "application/x-www-form-urlencoded"},
            time_left=timeout,
        )
        secret = credentials.secret
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("reply from %s\n%s", self.endpoint, reply.text(secret))
        if reply.status_code != 200:
            raise reply.status_error(secret)
        return _json(reply.content, reply.charset, secret)


def _credential_fields(credentials: Credentials) -> dict[str, str]:
    if credentials.api_key is not None:
        return {"apikey": credentials.api_key.get_secret_value()}
    if credentials.login is None or credentials.password is None:
        raise InvalidParametersError("a login and password, or an API key, are needed")
    return {"login": credentials.login, "psw": credentials.password.get_secret_value()}


def _json(content: bytes, charset: str | None, secret: str) -> Reply:
    try:
        text = content.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        text = content.decode(_FALLBACK_CHARSET, errors="replace")
    try:
        reply = json.loads(text)
    except ValueError as exc:
        excerpt = redact(text, secret)[:40]  # redacted first: a cut could split the secret
        raise MalformedResponseError(f"the reply is not JSON: {excerpt!r}") from exc
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


def _deleted(reply: Reply) -> None:
    if isinstance(reply, dict) and "error_code" in reply:
        raise _whole_request_error(reply)
    if not (isinstance(reply, dict) and str(reply.get("result", "")).upper() == "OK"):
        raise MalformedResponseError(f"a deletion was answered with {reply!r:.60}")


def _by_message(reply: Reply) -> dict[tuple[str | None, str], Mapping[str, str]]:
    """A mass reply's items by (phone, id), and by id alone for items without a phone."""
    if isinstance(reply, dict):
        raise _whole_request_error(reply)
    found: dict[tuple[str | None, str], Mapping[str, str]] = {}
    for item in reply:
        if not isinstance(item, dict):
            raise MalformedResponseError(f"a mass reply item is not an object: {item!r:.40}")
        fields = _fields(item)
        message_id = fields.pop("id", None)
        if message_id is None:
            raise MalformedResponseError("a mass reply item does not name its message id")
        found[(fields.get("phone"), message_id)] = fields
        found.setdefault((None, message_id), fields)
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


def _whole_request_error(reply: dict[str, object]) -> SmscError:
    code = _fields(reply).get("error")
    if code is None or not code.lstrip("-").isdigit():
        raise MalformedResponseError(f"unexpected reply {reply!r:.60}")
    return api_error(int(code))


def _matched(
    found: dict[tuple[str | None, str], Mapping[str, str]], request: StatusRequest
) -> Mapping[str, str] | SmscError:
    fields = found.get((request.phone, request.message_id)) or found.get((None, request.message_id))
    if fields is None:
        return MalformedResponseError(
            f"the mass reply has no item for message {request.message_id!r}"
        )
    return _normalised(dict(fields))
