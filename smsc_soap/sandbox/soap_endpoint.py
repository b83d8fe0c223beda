"""``POST /sys/soap.php``: get_status and get_status2, answered from the sandbox's book as the
service answers them (``smsc_soap.serving.soap`` reads the request and writes the reply)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsc_soap.serving.fields import SOAP_ORDER, Fields
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.soap import (
    LEVELS,
    REPLY_ELEMENTS,
    fault_reply,
    read_operation,
    status_envelope,
)

if TYPE_CHECKING:
    from smsc_soap.sandbox.app import SandboxApp

__all__ = ["answer_soap"]


def answer_soap(app: SandboxApp, body: bytes, content_type: str | None = None) -> Reply:
    operation = read_operation(body, content_type)
    if isinstance(operation, Reply):
        return operation
    name, params = operation.name, operation.params
    fault = app.fault_for([params.get("id", "")])
    if fault == "soap_fault":
        return fault_reply("SOAP-ENV:Server", "Internal Server Error")
    fields = _answer(app, params, needs_query=name == "status2")
    charset = app.options.soap_charset
    document = status_envelope(operation.namespace, REPLY_ELEMENTS[name], fields, charset)
    return Reply("200 OK", f"text/xml; charset={charset}", document, fault)


def _answer(app: SandboxApp, params: dict[str, str], *, needs_query: bool) -> Fields:
    if not app.authorised(params):
        return [("error", "2")]
    with app.in_flight(params.get("login", "")) as admitted:
        if not admitted:
            return [("error", "9")]
        phone, message_id, all = params.get("phone"), params.get("id"), params.get("all", "")
        if (
            not phone
            or not message_id
            or all not in LEVELS
            or (needs_query and "query" not in params)
        ):
            return [("error", "1")]
        found = app.look_up(params.get("login", ""), phone, message_id, SOAP_ORDER[LEVELS[all]])
    if found is None:  # over SOAP an unknown message is error 3
        return [("error", "3")]
    if isinstance(found, int):
        return [("error", str(found))]
    return _with_undeclared(found, app)


def _with_undeclared(fields: Fields, app: SandboxApp) -> Fields:
    undeclared = list(app.options.undeclared)
    at = {"start": 0, "middle": len(fields) // 2, "end": len(fields)}[app.options.undeclared_at]
    return [*fields[:at], *undeclared, *fields[at:]]
