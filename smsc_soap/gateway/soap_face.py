"""``POST /sys/soap.php``: get_status and get_status2 answered as the service answers them.

The request is read and the reply written by ``smsc_soap.serving.soap``, so the gateway's
replies have the service's shape: API errors as ``<error>N</error>``, unreadable requests as
``SOAP-ENV:Client`` Faults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from smsc_soap.errors import ApiError, SmscError
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.reply_fields import soap_fields
from smsc_soap.gateway.served import failure_text, outcome_of_code
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.soap import (
    LEVELS,
    REPLY_ELEMENTS,
    fault_reply,
    read_operation,
    status_envelope,
)

__all__ = ["Answered", "SoapLookup", "answer_soap", "read_soap_lookup"]

_REQUEST_NAMES = {"status": "get_status", "status2": "get_status2"}
_REQUEST_ELEMENTS = {name: element for element, name in _REQUEST_NAMES.items()}


@dataclass(frozen=True, kw_only=True, repr=False)
class SoapLookup(Lookup):
    namespace: str
    """The namespace of the request's operation, which its reply answers in."""


def read_soap_lookup(body: bytes, content_type: str | None) -> SoapLookup | Reply:
    """The lookup a request asks for, or the reply that refuses it."""
    operation = read_operation(body, content_type)
    if isinstance(operation, Reply):
        return operation
    params = operation.params
    return SoapLookup(
        operation=_REQUEST_NAMES[operation.name],
        namespace=operation.namespace,
        login=params.get("login", ""),
        password=params.get("psw", ""),
        phone=params.get("phone", ""),
        message_id=params.get("id", ""),
        all=LEVELS.get(params.get("all", ""), -1),
        query=params.get("query") if operation.name == "status2" else None,
    )


@dataclass(frozen=True)
class Answered:
    reply: Reply
    outcome: str
    """For the metrics: the status's outcome, ``outcome_of_code`` an error's, or ``fault``."""
    answer: Answer | None = None


def answer_soap(lookup: SoapLookup, look_up: Callable[[SoapLookup], Answer]) -> Answered:
    if not lookup.login or not lookup.password:
        return _error(lookup, 2)
    if (
        not lookup.phone
        or not lookup.message_id
        or lookup.all < 0
        or (lookup.operation == "get_status2" and lookup.query is None)
    ):
        return _error(lookup, 1)
    try:
        answer = look_up(lookup)
    except ApiError as error:
        return _error(lookup, error.code)
    except SmscError as error:
        return Answered(fault_reply("SOAP-ENV:Server", failure_text(error)), "fault")
    if answer.status.outcome is Outcome.NOT_FOUND:  # over SOAP an unknown message is error 3
        return _error(lookup, 3)
    reply = _reply(lookup, soap_fields(answer.status, lookup.all))
    return Answered(reply, answer.status.outcome.value, answer)


def _error(lookup: SoapLookup, code: int) -> Answered:
    return Answered(_reply(lookup, [("error", str(code))]), outcome_of_code(code))


def _reply(lookup: SoapLookup, fields: list[tuple[str, str]]) -> Reply:
    element = REPLY_ELEMENTS[_REQUEST_ELEMENTS[lookup.operation]]
    document = status_envelope(lookup.namespace, element, fields, "utf-8")
    return Reply("200 OK", "text/xml; charset=utf-8", document)
