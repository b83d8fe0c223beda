"""``POST /sys/soap.php``: get_status and get_status2, answered from the sandbox's book as the
service answers them (``smsc_soap.serving.soap`` reads the request and writes the reply)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsc_soap.sandbox.faults import with_fault
from smsc_soap.serving.field_orders import SOAP_ORDER, ReplyFields
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.serving.soap import SoapAnswer, SoapRequest, fault_reply, soap_reply

if TYPE_CHECKING:
    from smsc_soap.sandbox.app import SandboxApp

__all__ = ["soap_reply_from_book"]


def soap_reply_from_book(app: SandboxApp, request: SoapRequest) -> HttpReply:
    fault = app.fault_for([request.message_id])
    if fault == "soap_fault":
        return fault_reply("SOAP-ENV:Server", "Internal Server Error")
    reply = soap_reply(request, _answer(app, request), app.options.soap_charset)
    return with_fault(reply, fault)


def _answer(app: SandboxApp, request: SoapRequest) -> SoapAnswer:
    if not app.authorised(request.params):
        return 2
    with app.in_flight(request.login) as admitted:
        if not admitted:
            return 9
        if not request.well_formed or request.level is None:
            return 1
        order = SOAP_ORDER[request.level]
        found = app.look_up(request.login, request.phone, request.message_id, order)
    return found if found is None or isinstance(found, int) else _with_undeclared(found, app)


def _with_undeclared(fields: ReplyFields, app: SandboxApp) -> ReplyFields:
    undeclared = list(app.options.undeclared)
    at = {"start": 0, "middle": len(fields) // 2, "end": len(fields)}[app.options.undeclared_at]
    return [*fields[:at], *undeclared, *fields[at:]]
