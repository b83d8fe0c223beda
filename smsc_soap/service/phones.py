"""The one phone rule: a phone as people write it, in the form the service looks it up by.

People write ``+7 (999) 000-10-04``, ``8 999 000 10 04`` or ``7-999-000-10-04``; the service
keeps ``79990001004`` and finds the message under any of them. Every part of smsc-soap that
compares or looks up a phone (the client's requests, the HTTP transport's matching of a mass
reply, the sandbox's book, the gateway's faces, the command line's rows) uses ``normalised``,
so one phone never has two answers.
"""

from __future__ import annotations

import re

__all__ = ["normalised"]

# Spaces (no-break ones too), parentheses, dashes of every width and dots.
_FORMATTING = re.compile(r"[\s()\-.\u2010-\u2015\u2212]")
# A Russian number written with the trunk prefix 8 instead of the country code 7.
_TRUNK_8 = re.compile(r"8(?P<rest>[0-9]{10})")


def normalised(phone: str) -> str:
    """``phone`` as the service looks it up: formatting and a leading ``+`` dropped, and
    ``8XXXXXXXXXX`` (11 digits, no ``+``: Russia's trunk prefix) written ``7XXXXXXXXXX``.
    An e-mail address (e-mail messages are looked up by it) loses only surrounding spaces;
    anything else is returned without its formatting, for the caller's check to refuse."""
    if "@" in phone:
        return phone.strip()
    digits = _FORMATTING.sub("", phone)
    if digits.startswith("+") and digits[1:].isdigit():
        return digits[1:]  # international already: +8… is another country's code
    trunk = _TRUNK_8.fullmatch(digits)
    return f"7{trunk['rest']}" if trunk else digits
