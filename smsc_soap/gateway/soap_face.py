"""``POST /sys/soap.php``: get_status and get_status2 answered as the service answers them.

The request is read and the reply written by ``smsc_soap.serving.soap``, so the gateway's
replies have the service's shape: API errors as ``<error>N</error>``, unreadable requests as
``SOAP-ENV:Client`` Faults. The reply to a cached status is written once for each detail,
namespace and operation it is asked in (``renders``); each request adds only its ``Age``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from smsc_soap.errors import ApiError, SmscError
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.renders import Renders
from smsc_soap.gateway.reply_fields import soap_fields
from smsc_soap.gateway.served import (
    Served,
    failure_status,
    failure_text,
    outcome_of,
    outcome_of_code,
    retry_headers,
    with_age,
)
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.serving.soap import SoapRequest, fault_reply, soap_reply

__all__ = ["serve_soap"]

_OPERATIONS = {"status": "get_status", "status2": "get_status2"}
_REPLIES: Renders[HttpReply] = Renders()


def serve_soap(request: SoapRequest, look_up: Callable[[Lookup], Answer]) -> Served:
    """The reply to ``request``; its outcome for the metrics is the status's, an error's
    (``outcome_of_code``), or ``fault`` for a lookup that got neither."""
    if not request.login or not request.password:
        return _error(request, 2)
    level = request.level
    if not request.well_formed or level is None:
        return _error(request, 1)
    lookup = Lookup(
        operation=_OPERATIONS[request.operation],
        login=request.login,
        password=request.password,
        phone=request.phone,
        message_id=request.message_id,
        all=level,
        query=request.query,
    )
    try:
        answer = look_up(lookup)
    except ApiError as error:
        return _error(request, error.code)
    except SmscError as error:
        fault = fault_reply("SOAP-ENV:Server", failure_text(error))
        headers = retry_headers(error)
        if headers:  # the limit store out of use: 503, to come back after a while
            fault = replace(fault, status=failure_status(error), headers=headers)
            return Served(fault, (outcome_of(error),))
        return Served(fault, ("fault",))
    status = answer.status
    outcome = status.outcome
    if outcome is Outcome.NOT_FOUND:
        return Served(soap_reply(request, None), (Outcome.NOT_FOUND.value,))
    key = (level, request.namespace, request.operation)
    reply = _REPLIES.get(status, key, lambda: _reply(request, status, level))
    return Served(with_age(reply, answer.age), (outcome.value,))


def _reply(request: SoapRequest, status: MessageStatus, level: int) -> HttpReply:
    return soap_reply(request, soap_fields(status, level))


def _error(request: SoapRequest, code: int) -> Served:
    return Served(soap_reply(request, code), (outcome_of_code(code),))
