"""Phones as people write them: ``+7 (999) 000-10-04`` is looked up as ``+79990001004``."""

from __future__ import annotations

import re

__all__ = ["without_formatting"]

# Spaces (no-break ones too), parentheses, dashes of every width and dots.
_FORMATTING = re.compile(r"[\s()\-.\u2010-\u2015\u2212]")


def without_formatting(phone: str) -> str:
    """``phone`` without the characters people format numbers with; an e-mail address (the
    service looks e-mail messages up by it) is left as it is."""
    if "@" in phone:
        return phone.strip()
    return _FORMATTING.sub("", phone)
