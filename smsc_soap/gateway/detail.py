"""A status the service gave with ``all=2``, cut down to the detail a caller asked for.

The gateway asks for every message's status with ``all=2`` and keeps that one status, so
that lookups of one message at different details share the service's 5 lookups a minute;
each caller is then answered only the fields the service gives at the detail asked for.
The cut-down copy of a cached status is made once (``renders``), not on every request.
"""

from __future__ import annotations

from smsc_soap.gateway.renders import Renders
from smsc_soap.models import MessageStatus

__all__ = ["FULLEST", "at_detail"]

FULLEST = 2
"""The ``all`` the service is asked with."""

_ABOVE: dict[int, frozenset[str]] = {
    # all=1 adds the sending's details; all=2 where the number is. An HLR request's fields
    # come at every detail.
    0: frozenset(
        {
            *("send_date", "cost", "sender_id", "status_name", "message", "comment"),
            *("message_type", "sms_cnt"),
            *("mccmnc", "country", "operator", "operator_orig", "region"),
        }
    ),
    1: frozenset({"mccmnc", "country", "operator", "operator_orig", "region"}),
    2: frozenset(),
}


def at_detail(status: MessageStatus, all: int) -> MessageStatus:
    """``status`` with the fields the service gives only above ``all`` left out."""
    above = _ABOVE[all]
    if not above:
        return status
    return _AT_DETAIL.get(status, all, lambda: status.model_copy(update=dict.fromkeys(above)))


_AT_DETAIL: Renders[MessageStatus] = Renders()
