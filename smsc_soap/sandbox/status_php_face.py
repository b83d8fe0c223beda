"""``/sys/status.php``: the HTTP status API answered from the sandbox's book, for one message
or many (``smsc_soap.serving.status_php`` reads the request and writes the reply)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from smsc_soap.sandbox.faults import with_fault
from smsc_soap.serving.field_orders import HTTP_ORDER, ReplyFields
from smsc_soap.serving.http_reply import HttpReply
from smsc_soap.serving.status_php import StatusAnswer, StatusForm, status_items, status_reply

if TYPE_CHECKING:
    from smsc_soap.sandbox.app import SandboxApp

__all__ = ["status_reply_from_book"]


def status_reply_from_book(app: SandboxApp, form: StatusForm) -> HttpReply:
    fault = app.fault_for(form.ids)
    reply = status_reply(form, _answer(app, form))
    return with_fault(reply, "http_500" if fault == "soap_fault" else fault)


def _answer(app: SandboxApp, form: StatusForm) -> StatusAnswer:
    params = form.params
    if not app.authorised(params):
        return 2
    login = params.get("login") or params.get("apikey", "")
    with app.in_flight(login) as admitted:
        if not admitted:
            return 9
        if not form.well_formed:
            return 1
        if form.mass and not app.limits.admit_mass(login):
            return 9
        if form.deletes:
            deleted = [app.book.delete(phone, message_id) for phone, message_id in form.pairs]
            return "OK" if all(deleted) else 5
        found: list[ReplyFields | None] = []
        for phone, message_id in form.pairs:
            fields = app.look_up(
                login, phone, message_id, HTTP_ORDER[form.level], counted=not form.mass
            )
            if isinstance(fields, int):
                return fields
            found.append(fields)
        return status_items(form, found)
