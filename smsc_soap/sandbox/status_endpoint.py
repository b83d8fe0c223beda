"""``/sys/status.php``: the HTTP status API answered from the sandbox's book, for one message
or many (``smsc_soap.serving.status_php`` reads the request and writes the reply)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from smsc_soap.serving.fields import HTTP_ORDER, Fields, not_found_fields
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.status_php import StatusAnswer, StatusForm, mass_item, status_reply

if TYPE_CHECKING:
    from smsc_soap.sandbox.app import SandboxApp

__all__ = ["answer_status"]


def answer_status(app: SandboxApp, form: StatusForm) -> Reply:
    fault = app.fault_for(form.ids)
    reply = status_reply(form, _answer(app, form))
    return replace(reply, fault="http_500" if fault == "soap_fault" else fault)


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
        pairs = list(zip(form.phones, form.ids, strict=True))
        if params.get("del") == "1":
            deleted = [app.book.delete(phone, message_id) for phone, message_id in pairs]
            return "OK" if all(deleted) else 5
        order = HTTP_ORDER[int(params.get("all", "0"))]
        items: list[Fields] = []
        for phone, message_id in pairs:
            found = app.look_up(login, phone, message_id, order, counted=not form.mass)
            if isinstance(found, int):
                return found
            if found is None:  # over HTTP an unknown message is status -3
                found = not_found_fields()
            items.append(mass_item(found, phone, message_id) if form.mass else found)
        return items
