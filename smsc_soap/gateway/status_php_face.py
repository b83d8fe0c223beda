"""``/sys/status.php``: the HTTP status API answered as the service answers it.

The request is read and the reply written by ``smsc_soap.serving.status_php``, so the
gateway's replies have the service's formats (``fmt`` 0 to 3, its charsets, its error
replies, comma lists answered as lists). Each message of a comma list is one lookup through
the cache, so a comma list sends no mass request of its own (a login's first lookups go as
one: ``bursts``). The gateway passes the caller's login and password on; it refuses what it
cannot pass on or does not do, in the service's own words:

- no login and password (an ``apikey`` alone, too): error 2, as the service answers a
  request without credentials;
- more than ``MAX_MESSAGES`` messages, or phones and ids that do not pair up: error 1;
- ``del=1``: error 5, the gateway answers lookups only.

A lookup the service gave no status or error code for (an HTTP error, a broken reply, no
connection, a timeout) gets 502 or 504 with a line of text saying which, as the service's own
front answers when it fails.

What is written from a cached status alone is written once (``renders``): its fields at each
detail, and the whole reply to a request for that one message in each format and charset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from smsc_soap.errors import ApiError, SmscError
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.renders import Renders
from smsc_soap.gateway.reply_fields import http_fields
from smsc_soap.gateway.served import (
    MAX_MESSAGES,
    Served,
    failure_status,
    failure_text,
    look_up_each,
    outcome_of,
    outcome_of_code,
    retry_headers,
    with_age,
)
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.field_orders import ReplyFields
from smsc_soap.serving.http_reply import HttpReply, text_reply
from smsc_soap.serving.status_php import StatusForm, status_items, status_reply

__all__ = ["serve_status_form"]

_FIELDS: Renders[ReplyFields] = Renders()
_REPLIES: Renders[HttpReply] = Renders()


def serve_status_form(form: StatusForm, look_up: Callable[[Lookup], Answer]) -> Served:
    params = form.params
    login, password = params.get("login", ""), params.get("psw", "")
    if not login or not password:
        return _error(form, 2)
    if not form.well_formed or len(form.ids) > MAX_MESSAGES:
        return _error(form, 1)
    if form.deletes:
        return _error(form, 5)
    lookups = [
        Lookup(login=login, password=password, phone=phone, message_id=message_id, all=form.level)
        for phone, message_id in form.pairs
    ]
    results = look_up_each(lookups, look_up)
    outcomes = tuple(_outcome(result) for result in results)
    failed = next((result for result in results if isinstance(result, SmscError)), None)
    if isinstance(failed, ApiError):
        # As the service answers a request that fails: one error for the whole of it.
        return Served(status_reply(form, failed.code), outcomes)
    if failed is not None and retry_headers(failed):
        # The limit store out of use: error 9, try again later, as a 503 saying when.
        reply = replace(
            status_reply(form, 9), status=failure_status(failed), headers=retry_headers(failed)
        )
        return Served(reply, outcomes)
    if failed is not None:
        return Served(text_reply(failure_status(failed), failure_text(failed)), outcomes)
    answers = [result for result in results if isinstance(result, Answer)]
    if len(answers) == 1 and not form.mass:
        # One message: its reply depends on its status and the form's detail, format and
        # charset alone.
        status = answers[0].status
        key = (form.level, form.fmt, form.charset)
        reply = _REPLIES.get(status, key, lambda: status_reply(form, _items(form, [status])))
        return Served(with_age(reply, answers[0].age), outcomes)
    items = _items(form, [answer.status for answer in answers])
    # The reply is as old as the oldest status in it.
    reply = with_age(status_reply(form, items), max(answer.age for answer in answers))
    return Served(reply, outcomes)


def _items(form: StatusForm, statuses: list[MessageStatus]) -> list[ReplyFields]:
    found = [
        None if status.outcome is Outcome.NOT_FOUND else _fields(status, form)
        for status in statuses
    ]
    return status_items(form, found)


def _fields(status: MessageStatus, form: StatusForm) -> ReplyFields:
    level = form.level
    return _FIELDS.get(status, level, lambda: http_fields(status, level))


def _outcome(result: Answer | SmscError) -> str:
    return result.status.outcome.value if isinstance(result, Answer) else outcome_of(result)


def _error(form: StatusForm, code: int) -> Served:
    return Served(status_reply(form, code), (outcome_of_code(code),))
