"""Taking the secret out of reply bytes, in the one place they are read.

A server may echo the request, password and all: in an error page, a SOAP Fault, a field.
The wire runs every reply body through ``redacted`` before anything parses it, quotes it,
logs it or builds an error from it, so no excerpt, field value or message can hold the
secret, nor a cut split it. The debug log of a sent body goes through it too.

An echo is found character by character: each character of the secret may be spelt in any
way a parser or a reader would turn back into it, independently of its neighbours (a
percent-encoder that leaves letters alone, an XML writer that escapes only quotes), and XML
comments, processing instructions and CDATA boundaries may stand between characters, since
the parser drops them (and CDATA sections start and end there).
"""

from __future__ import annotations

import codecs
import functools
import re
from html.entities import codepoint2name

__all__ = ["MIN_REDACTED_LENGTH", "REDACTED", "redacted"]

REDACTED = b"[redacted]"
"""What stands where the secret stood; no markup, so XML and JSON stay well-formed."""

MIN_REDACTED_LENGTH = 4
"""Shorter secrets are not looked for: so short a string is too common in any reply to tell
an echo from data, and taking it out would corrupt the answer."""

_ENCODINGS = ("utf-8", "cp1251", "latin-1")
"""What a reply is read as (UTF-8, the service's windows-1251) or an error page written in."""

_ALWAYS = frozenset(codecs.lookup(encoding).name for encoding in _ENCODINGS)
_PERCENT_ENCODINGS = ("utf-8", "cp1251")
_MOJIBAKE = (("utf-8", "cp1251"), ("utf-8", "latin-1"), ("utf-8", "cp1252"), ("cp1251", "latin-1"))
"""Bytes of the secret in one encoding, read as another and written out again."""

_JSON_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                 "\r": "\\r", "\t": "\\t"}  # fmt: skip
_ENTITY_NAMES = {**codepoint2name, ord("'"): "apos"}

# What an XML parser drops between two characters of text.
_IGNORABLE = rb"(?:<!--(?:[^-]|-(?!->))*-->|<\?(?:[^?]|\?(?!>))*\?>|<!\[CDATA\[|\]\]>)*"
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,200}encoding=[\"']([A-Za-z0-9._:-]{1,40})")


def redacted(body: bytes, secret: str, charset: str | None = None) -> bytes:
    """``body`` with every spelling of ``secret`` a reply could echo replaced by
    ``REDACTED``: as it is, form- and percent-encoded, as XML entities or character
    references, as JSON escapes, as mojibake; in UTF-8, windows-1251 and latin-1, and in
    the encoding the reply names (``charset``, from its Content-Type, or its XML
    declaration)."""
    if len(secret) < MIN_REDACTED_LENGTH:
        return body
    declared = _DECLARED_ENCODING.match(body)
    names = (charset, declared.group(1).decode("ascii") if declared else None)
    named = {codec for name in names if name and (codec := _codec(name)) is not None}
    extra = tuple(sorted(named - _ALWAYS))
    return _echo(secret, extra).sub(REDACTED, body)


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:  # a name no codec has: nothing reads the reply in it
        return None


@functools.lru_cache(maxsize=16)
def _echo(secret: str, extra: tuple[str, ...]) -> re.Pattern[bytes]:
    return re.compile(_IGNORABLE.join(_character(char, extra) for char in secret))


def _character(char: str, extra: tuple[str, ...]) -> bytes:
    """A pattern for every spelling of ``char``."""
    literal_texts = {char, *_mojibake(char)}
    spellings = {
        re.escape(encoded)
        for text in literal_texts
        for encoding in (*_ENCODINGS, *extra)
        if (encoded := _encoded(text, encoding)) is not None
    }
    # Spellings of markup and escapes, in an encoding that does not write ASCII as ASCII.
    spellings |= {
        re.escape(encoded)
        for text in _escapes(char)
        for encoding in extra
        if (encoded := _encoded(text, encoding)) is not None
    }
    spellings |= set(_ascii_patterns(char))
    longest_first = sorted(spellings, key=lambda spelling: len(spelling), reverse=True)
    return b"(?:" + b"|".join(longest_first) + b")"


def _ascii_patterns(char: str) -> list[bytes]:
    """Character references, entities, JSON and percent escapes, with the freedom writers
    take: hex digits in either case, leading zeros."""
    code = ord(char)
    patterns = [
        b"&#0*" + str(code).encode() + b";",
        b"&#[xX]0*" + _any_case(f"{code:x}") + b";",
        *(re.escape(f"&{name};".encode()) for name in [_ENTITY_NAMES.get(code)] if name),
        *(re.escape(escape.encode()) for escape in [_JSON_ESCAPES.get(char)] if escape),
        b"".join(rb"\\u" + _any_case(f"{unit:04x}") for unit in _utf16_units(char)),
    ]
    for encoding in _PERCENT_ENCODINGS:
        encoded = _encoded(char, encoding)
        if encoded is not None:
            patterns.append(b"".join(b"%" + _any_case(f"{byte:02x}") for byte in encoded))
    if char == " ":
        patterns.append(rb"\+")
    return patterns


def _escapes(char: str) -> list[str]:
    code = ord(char)
    named = _ENTITY_NAMES.get(code)
    return [
        f"&#{code};",
        f"&#x{code:x};",
        *([f"&{named};"] if named else []),
        _JSON_ESCAPES.get(char) or "".join(f"\\u{unit:04x}" for unit in _utf16_units(char)),
    ]


def _mojibake(char: str) -> set[str]:
    found = set()
    for written, read in _MOJIBAKE:
        encoded = _encoded(char, written)
        if encoded is None:
            continue
        try:
            found.add(encoded.decode(read))
        except UnicodeDecodeError:  # a byte the reading encoding has no character for
            continue
    return found - {char}


def _encoded(text: str, encoding: str) -> bytes | None:
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:  # an encoding that cannot carry it cannot echo it
        return None


def _utf16_units(char: str) -> list[int]:
    encoded = char.encode("utf-16-be", "surrogatepass")
    return [int.from_bytes(encoded[at : at + 2], "big") for at in range(0, len(encoded), 2)]


def _any_case(hex_digits: str) -> bytes:
    return b"".join(
        f"[{digit}{digit.upper()}]".encode() if digit.isalpha() else digit.encode()
        for digit in hex_digits
    )
