"""The JSON face: ``GET /v1/status`` and ``POST /v1/statuses``, with the caller's SMSC login
and password in HTTP Basic auth.

A status is answered 200 with a ``StatusBody``; a lookup that fails with an ``ErrorBody`` and
the HTTP status ``failure_status`` chooses (400 bad parameters, 401 error 2, 404 not found,
429 held back by the limits, 503 IP blocked, 502 and 504 the service not answering). A list
is answered 200 with one item per message, each a status or an ``ItemError``: one failed
lookup does not fail the others. A body that is not JSON is answered 400, one that is not a
``StatusesRequest`` 422 (with a line for each place it differs: pydantic's errors, read here
from the cause ``mapped`` keeps, without the values sent), more than ``MAX_MESSAGES``
messages 422 as well.

A cached status's body (all but its ``age``) is validated and written once for each phone, id
and detail it is asked with (``renders``); each request adds only its ``age``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from urllib.parse import parse_qsl

from pydantic import ValidationError

from smsc_soap.errors import (
    ApiError,
    AuthenticationError,
    InvalidParametersError,
    LimitStoreError,
    MessageNotFoundError,
    SmscError,
)
from smsc_soap.gateway.json_models import (
    ErrorBody,
    ErrorDetail,
    ItemError,
    StatusBody,
    StatusesRequest,
)
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.phones import caller_message_id, caller_phone
from smsc_soap.gateway.renders import Renders
from smsc_soap.gateway.served import (
    MAX_MESSAGES,
    Served,
    error_text,
    failure_status,
    look_up_each,
    outcome_of,
    retry_headers,
    with_age,
)
from smsc_soap.models import MessageStatus
from smsc_soap.runtime.foreign_errors import Step, mapped
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.views.status_columns import status_fields

__all__ = [
    "AUTHENTICATE",
    "basic_credentials",
    "failure_reply",
    "json_error",
    "serve_status",
    "serve_statuses",
]

AUTHENTICATE = ("WWW-Authenticate", 'Basic realm="smsc-soap"')

LookUp = Callable[[Lookup], Answer]

_BODIES: Renders[dict[str, object]] = Renders()
_TEXTS: Renders[str] = Renders()


def serve_status(query: str, authorization: str, look_up: LookUp) -> Served:
    credentials = basic_credentials(authorization)
    if credentials is None:
        return _unauthorised()
    params = dict(parse_qsl(query, keep_blank_values=True))
    try:
        phone = caller_phone(params.get("phone", ""))
        message_id = caller_message_id(params.get("id", ""))
        level = _detail_level(params.get("all"))
    except InvalidParametersError as error:
        return _failed(error)
    login, password = credentials
    lookup = Lookup(login=login, password=password, phone=phone, message_id=message_id, all=level)
    (result,) = look_up_each([lookup], look_up)
    result = _found(result)
    if isinstance(result, SmscError):
        return _failed(result)
    reply = with_age(_json_text("200 OK", _status_text(lookup, result)), result.age)
    return Served(reply, (result.status.outcome.value,))


def serve_statuses(body: bytes, authorization: str, look_up: LookUp) -> Served:
    credentials = basic_credentials(authorization)
    if credentials is None:
        return _unauthorised()
    try:
        with mapped(Step.BUILD):
            data = json.loads(body)
    except InvalidParametersError:
        return _failed(InvalidParametersError("the body is not JSON"))
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list) and len(messages) > MAX_MESSAGES:
        error = InvalidParametersError(f"at most {MAX_MESSAGES} messages in one request")
        return _failed(error, status="422 Unprocessable Entity")
    try:
        with mapped(Step.BUILD):
            request = StatusesRequest.model_validate(data)
    except InvalidParametersError as error:
        return _failed(
            InvalidParametersError(_what_is_wrong(error)),
            status="422 Unprocessable Entity",
        )
    login, password = credentials
    lookups = [
        Lookup(
            login=login,
            password=password,
            phone=message.phone,
            message_id=str(message.id),
            all=request.all,
        )
        for message in request.messages
    ]
    results = look_up_each(lookups, look_up)
    refused = next((each for each in results if isinstance(each, AuthenticationError)), None)
    if refused is not None:
        # The credentials are the whole request's: refused for one message, for all.
        return _failed(refused)
    store_down = [each for each in results if isinstance(each, LimitStoreError)]
    if len(store_down) == len(results):
        return _failed(store_down[0])  # nothing held, nothing can be sent: 503, come back later
    items: list[object] = []
    outcomes: list[str] = []
    for lookup, result in zip(lookups, results, strict=True):
        result = _found(result)
        if isinstance(result, SmscError):
            item = ItemError(phone=lookup.phone, id=lookup.message_id, error=_detail(result))
            items.append(item.model_dump(mode="json"))
            outcomes.append(outcome_of(result))
        else:
            items.append(_status_body(lookup, result))
            outcomes.append(result.status.outcome.value)
    return Served(_json("200 OK", items), tuple(outcomes))


def _detail_level(text: str | None) -> int:
    """``all`` of a query: absent for 0, else 0, 1 or 2 as the OpenAPI document says."""
    if text is None:
        return 0
    if text not in ("0", "1", "2"):
        raise InvalidParametersError("all is 0, 1 or 2", option="all")
    return int(text)


def _what_is_wrong(error: InvalidParametersError) -> str:
    """Where the body differs from a ``StatusesRequest`` and how, a line for each place,
    without the values sent or pydantic's links."""
    cause = error.__cause__
    if not isinstance(cause, ValidationError):
        return str(error)
    return "; ".join(
        f"{_place(found['loc'])}: {found['msg'].removeprefix('Value error, ')}"
        for found in cause.errors(include_url=False, include_input=False, include_context=False)
    )


def _place(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "the body"


def _found(result: Answer | SmscError) -> Answer | SmscError:
    """A status -3 (as status.php gives it) is the error 3 the SOAP interface gives."""
    if isinstance(result, Answer) and result.status.outcome is Outcome.NOT_FOUND:
        return MessageNotFoundError(from_service=True)
    return result


def _status_body(lookup: Lookup, answer: Answer) -> dict[str, object]:
    # age is the model's last field: the body's own order is kept.
    return {**_ageless_body(lookup, answer), "age": _age(answer)}


def _status_text(lookup: Lookup, answer: Answer) -> str:
    """``_status_body`` as JSON: the ageless body's text, written once, and the age."""
    status = answer.status
    key = (lookup.phone, lookup.message_id, lookup.all)
    ageless = _TEXTS.get(status, key, lambda: _dumps(_ageless_body(lookup, answer))[:-1])
    return f'{ageless}, "age": {_dumps(_age(answer))}}}'


def _ageless_body(lookup: Lookup, answer: Answer) -> dict[str, object]:
    status = answer.status
    key = (lookup.phone, lookup.message_id, lookup.all)
    return _BODIES.get(status, key, lambda: _validated_body(lookup, status))


def _validated_body(lookup: Lookup, status: MessageStatus) -> dict[str, object]:
    """The ``StatusBody`` of ``status`` as ``lookup`` asks for it, less its age."""
    fields = status_fields(lookup.phone, lookup.message_id, status, lookup.all)
    body = StatusBody.model_validate({**fields, "age": 0.0})
    # Only the fields of the detail asked for: those given are those set.
    dumped = body.model_dump(mode="json", exclude_unset=True)
    del dumped["age"]
    return dumped


def _age(answer: Answer) -> float:
    return round(answer.age, 3)


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, colon, password = decoded.partition(":")
    return (login, password) if colon and login and password else None


def _unauthorised() -> Served:
    error = AuthenticationError("the SMSC login and password are needed, in HTTP Basic auth")
    return _failed(error)


def _failed(error: SmscError, *, status: str | None = None) -> Served:
    return Served(failure_reply(error, status=status), (outcome_of(error),))


def failure_reply(error: SmscError, *, status: str | None = None) -> HttpReply:
    """The JSON face's answer to a lookup that failed with ``error``: an ``ErrorBody`` with
    the HTTP status ``failure_status`` chooses (or ``status``)."""
    status = status or failure_status(error)
    headers = (AUTHENTICATE,) if status.startswith("401") else retry_headers(error)
    return _json(status, ErrorBody(error=_detail(error)).model_dump(), headers)


def _detail(error: SmscError) -> ErrorDetail:
    code = error.code if isinstance(error, ApiError) else None
    return ErrorDetail(code=code, type=type(error).__name__, message=error_text(error))


def _json(status: str, body: object, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    return _json_text(status, _dumps(body), headers)


def _json_text(status: str, text: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    return HttpReply(status, "application/json", text.encode("utf-8"), headers)


def _dumps(body: object) -> str:
    return json.dumps(body, ensure_ascii=False)


def json_error(status: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    """A request the JSON face has no answer for (an unknown path, a wrong method)."""
    detail = ErrorDetail(code=None, type="GatewayError", message=message)
    return _json(status, ErrorBody(error=detail).model_dump(), headers)
