"""``/sys/status.php``: the HTTP status API answered as the service answers it.

The request is read and the reply written by ``smsc_soap.serving.status_php``, so the
gateway's replies have the service's formats (``fmt`` 0 to 3, its charsets, its error
replies, comma lists answered as lists). Each message of a comma list is one lookup through
the cache, so no mass request reaches the service. The gateway passes the caller's login and
password on; it refuses what it cannot pass on or does not do, in the service's own words:

- no login and password (an ``apikey`` alone, too): error 2, as the service answers a
  request without credentials;
- more than ``MAX_MESSAGES`` messages, or phones and ids that do not pair up: error 1;
- ``del=1``: error 5, the gateway answers lookups only.

A lookup the service gave no status or error code for (an HTTP error, a broken reply, no
connection, a timeout) gets 502 or 504 with a line of text saying which, as the service's own
front answers when it fails.
"""

from __future__ import annotations

from collections.abc import Callable

from smsc_soap.errors import ApiError, SmscError
from smsc_soap.gateway.lookups import Answer, Lookup
from smsc_soap.gateway.reply_fields import http_fields
from smsc_soap.gateway.served import (
    MAX_MESSAGES,
    Served,
    failure_status,
    failure_text,
    look_up_each,
    outcome_of,
    outcome_of_code,
)
from smsc_soap.service.codes import Outcome
from smsc_soap.serving.fields import not_found_fields
from smsc_soap.serving.reply import Reply
from smsc_soap.serving.status_php import StatusForm, mass_item, status_reply

__all__ = ["serve_status_form"]


def serve_status_form(form: StatusForm, look_up: Callable[[Lookup], Answer]) -> Served:
    params = form.params
    login, password = params.get("login", ""), params.get("psw", "")
    if not login or not password:
        return _error(form, 2)
    if not form.well_formed or len(form.ids) > MAX_MESSAGES:
        return _error(form, 1)
    if params.get("del") == "1":
        return _error(form, 5)
    level = int(params.get("all", "0"))
    pairs = list(zip(form.phones, form.ids, strict=True))
    lookups = [
        Lookup(login=login, password=password, phone=phone, message_id=message_id, all=level)
        for phone, message_id in pairs
    ]
    results = look_up_each(lookups, look_up)
    outcomes = tuple(_outcome(result) for result in results)
    failed = next((result for result in results if isinstance(result, SmscError)), None)
    if isinstance(failed, ApiError):
        # As the service answers a request that fails: one error for the whole of it.
        return Served(status_reply(form, failed.code), outcomes)
    if failed is not None:
        text = failure_text(failed)
        return Served(
            Reply(failure_status(failed), "text/plain; charset=utf-8", text.encode()), outcomes
        )
    answers = [result for result in results if isinstance(result, Answer)]
    items = []
    for (phone, message_id), answer in zip(pairs, answers, strict=True):
        fields = (
            not_found_fields()  # over HTTP an unknown message is status -3 alone
            if answer.status.outcome is Outcome.NOT_FOUND
            else http_fields(answer.status, level)
        )
        items.append(mass_item(fields, phone, message_id) if form.mass else fields)
    # The reply carries its age as HTTP does: whole seconds since the service gave its oldest.
    age = max(answer.age for answer in answers)
    return Served(status_reply(form, items), outcomes, (("Age", str(int(age))),))


def _outcome(result: Answer | SmscError) -> str:
    return result.status.outcome.value if isinstance(result, Answer) else outcome_of(result)


def _error(form: StatusForm, code: int) -> Served:
    return Served(status_reply(form, code), (outcome_of_code(code),))
