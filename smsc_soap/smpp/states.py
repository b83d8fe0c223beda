"""SMPP message states as the service's status codes: the one table receipts and queries share.

A DELIVER_SM receipt names its state as text (``stat:DELIVRD``) or as the ``message_state``
TLV; a QUERY_SM_RESP as ``message_state``. Both read through ``RECEIPT_STATES``, so a message
reads the same whichever way its status came.
"""

from __future__ import annotations

from collections.abc import Mapping

from smsc_soap.service.codes import StatusCode

__all__ = ["RECEIPT_STATES", "TLV_MESSAGE_STATES", "status_of_state"]

RECEIPT_STATES: Mapping[str, StatusCode] = {
    "ENROUTE": StatusCode.TRANSFERRED,  # on its way: still pending
    "DELIVRD": StatusCode.DELIVERED,
    "EXPIRED": StatusCode.EXPIRED,
    "DELETED": StatusCode.UNDELIVERABLE,  # removed before delivery: it will not arrive
    "UNDELIV": StatusCode.UNDELIVERABLE,
    "ACCEPTD": StatusCode.TRANSFERRED,  # accepted by the network, not yet delivered
    "UNKNOWN": StatusCode.TRANSFERRED,  # no outcome known yet: pending, not failed
    "REJECTD": StatusCode.UNDELIVERABLE,
}
"""Receipt states (the ``stat:`` text) as the service's status codes, written down once."""

TLV_MESSAGE_STATES: Mapping[int, str] = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
"""SMPP 3.4 ``message_state`` numbers and the receipt state each stands for."""


def status_of_state(number: int) -> StatusCode | None:
    """The status an SMPP ``message_state`` number stands for; None for no SMPP state."""
    state = TLV_MESSAGE_STATES.get(number)
    return None if state is None else RECEIPT_STATES[state]
