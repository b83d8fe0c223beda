"""The one rule for a message id a person or a caller gives: the service's ids are whole
numbers. Its pages name no largest one; 20 digits hold any unsigned 64-bit number. The command
line's rows and the gateway's JSON face both check ids by it (the library itself also takes
the other ids a transport may use, e.g. over SMPP)."""

from __future__ import annotations

__all__ = ["MAX_ID_DIGITS", "unusable_id"]

MAX_ID_DIGITS = 20
"""The longest message id taken."""


def unusable_id(message_id: str) -> str | None:
    """Why ``message_id`` cannot be one of the service's message ids, or None if it can."""
    if not message_id:
        return "the message id is empty"
    if not (message_id.isascii() and message_id.isdigit()):
        return f"message id {message_id!r} is not a number: the service's ids are digits"
    if len(message_id) > MAX_ID_DIGITS:
        return f"message id {message_id[:12]}… has {len(message_id)} digits, over {MAX_ID_DIGITS}"
    return None
