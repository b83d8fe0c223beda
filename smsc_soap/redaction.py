"""Taking the secret out of reply bytes, in the one place they are read.

A server may echo the request, password and all: in an error page, a SOAP Fault, a field.
The wire runs every reply body through ``redacted`` before anything parses it, quotes it,
logs it or builds an error from it, so no excerpt, field value or message can hold the
secret, nor a cut split it. The debug log of a sent body goes through it too.
"""

from __future__ import annotations

import functools
import json
from urllib.parse import quote, quote_plus
from xml.sax.saxutils import escape

__all__ = ["MIN_REDACTED_LENGTH", "REDACTED", "redacted"]

REDACTED = b"[redacted]"
"""What stands where the secret stood; no markup, so XML and JSON stay well-formed."""

MIN_REDACTED_LENGTH = 4
"""Shorter secrets are not looked for: so short a string is too common in any reply to tell
an echo from data, and taking it out would corrupt the answer."""

_ENCODINGS = ("utf-8", "windows-1251", "latin-1")
_QUOTES = {'"': "&quot;", "'": "&apos;"}


def redacted(body: bytes, secret: str) -> bytes:
    """``body`` with every spelling of ``secret`` a reply could echo replaced by
    ``REDACTED``: as it is, form- and percent-encoded, XML-escaped, as character references
    and JSON escapes, in UTF-8, windows-1251 and latin-1."""
    if len(secret) < MIN_REDACTED_LENGTH:
        return body
    for spelling in _spellings(secret):
        body = body.replace(spelling, REDACTED)
    return body


@functools.lru_cache(maxsize=8)
def _spellings(secret: str) -> tuple[bytes, ...]:
    texts = {
        secret,
        escape(secret, _QUOTES),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        "".join(f"&#{ord(char)};" for char in secret),
        "".join(f"&#x{ord(char):x};" for char in secret),
    }
    found: set[bytes] = set()
    for encoding in _ENCODINGS:
        for text in texts:
            try:
                encoded = text.encode(encoding)
            except UnicodeEncodeError:  # an encoding that cannot carry it cannot echo it
                continue
            found.add(encoded)
            found.add(quote_plus(encoded).encode("ascii"))
            found.add(quote(encoded, safe="").encode("ascii"))
    # Longest first, so no shorter spelling leaves part of a longer one behind.
    return tuple(sorted(found, key=len, reverse=True))
