"""The JSON face's rules for a phone and a message id: one declaration, which the OpenAPI
document shows as its patterns and the server checks, on GET and POST alike.

A phone is taken as the command line takes it: digits with an optional leading ``+``, written
with the spaces, parentheses, dashes and dots people format numbers with, or an e-mail
address, which the service looks e-mail messages up by; it is then looked up in the form the
project's one phone rule (``smsc_soap.service.phones``) gives it (``+7 (999) 000-10-04`` as
``79990001004``). ``caller_phone`` is the one place the JSON face applies it.
"""

from __future__ import annotations

import re

from smsc_soap.errors import InvalidParametersError
from smsc_soap.service.message_ids import MAX_ID_DIGITS
from smsc_soap.service.phones import normalised

__all__ = [
    "ID_PATTERN",
    "ID_RULE",
    "MAX_ID",
    "PHONE_PATTERN",
    "PHONE_RULE",
    "caller_message_id",
    "caller_phone",
]

PHONE_RULE = (
    "a phone is digits with an optional leading + (spaces, parentheses, dashes and dots"
    " allowed), or an e-mail address"
)
ID_RULE = f"an id is a whole number of up to {MAX_ID_DIGITS} digits, or a string of its digits"

# Spaces (no-break ones too), parentheses, dashes of every width and dots: the command line's.
_FORMATTING = r"[\s()\-.\u2010-\u2015\u2212]"
# What the service's request cannot carry: control characters, U+FFFE and U+FFFF; and lone
# surrogates, which no UTF-8 text holds and JSON Schema's patterns cannot name, refused apart.
_UNSENDABLE = r"\x00-\x1f\x7f-\x9f\ufffe\uffff"
_SURROGATE = re.compile("[\ud800-\udfff]")
_ADDRESS_PART = rf"[^@\s,;{_UNSENDABLE}]"

PHONE_PATTERN = (
    rf"^(?:{_FORMATTING}*\+?(?:{_FORMATTING}*[0-9]){{1,20}}{_FORMATTING}*"
    rf"|\s*{_ADDRESS_PART}{{1,64}}@{_ADDRESS_PART}{{1,255}}\s*)$"
)
"""A phone as a caller may write it (as JSON Schema reads a pattern: searched for)."""
ID_PATTERN = rf"^[0-9]{{1,{MAX_ID_DIGITS}}}$"
"""A message id: the service's ids are whole numbers."""
MAX_ID = 10**MAX_ID_DIGITS - 1
"""The largest id given as a JSON number."""

_PHONE = re.compile(PHONE_PATTERN)
_ID = re.compile(ID_PATTERN)


def caller_phone(phone: str) -> str:
    """``phone`` as it is looked up (``normalised``); ``InvalidParametersError`` if it is
    neither a phone nor an address."""
    if not _PHONE.search(phone) or _SURROGATE.search(phone):
        raise InvalidParametersError(PHONE_RULE, option="phone")
    return normalised(phone)


def caller_message_id(message_id: str) -> str:
    """``message_id`` as it is looked up; ``InvalidParametersError`` unless it is digits,
    ``MAX_ID_DIGITS`` at most."""
    if not _ID.search(message_id):
        raise InvalidParametersError(ID_RULE, option="id")
    return message_id.strip()
