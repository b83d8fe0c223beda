"""Text files as people's programs write them: which encoding, byte-order mark and line
endings, told from the bytes.

1C and older Windows programs export cp1251, Excel's "CSV UTF-8" starts with a byte-order
mark, "Unicode text" is UTF-16, with or without a mark. ``sniff`` tells them apart so a file
is read as what it is, and what is written back for it can be written the same way.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["SniffedText", "TextFileError", "decode", "sniff"]

_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a mark, a wide encoding shows in its NUL bytes: plain text has none.
_WIDE = ("utf-32-le", "utf-32-be", "utf-16-le", "utf-16-be")
_SINGLE_BYTE_FALLBACK = "cp1251"
_ALPHABETS_END = "\u0530"  # Latin, Greek and Cyrillic letters come before it
_CONTROL = frozenset(map(chr, range(32))) - {"\t", "\n", "\r"}


class TextFileError(ValueError):
    """Bytes that are not text in the encoding asked for (or in any the sniffer knows); the
    text says why and what to do."""


@dataclass(frozen=True)
class SniffedText:
    text: str
    """Without the byte-order mark."""
    codec: str
    """The codec's canonical name, one that writes no mark of its own (``utf-16-le``)."""
    byte_order_mark: bytes
    """The mark the file began with, if any."""
    newline: str
    """``\\r\\n`` when the first line ends so, else ``\\n``."""


def sniff(content: bytes, encoding: str | None = None) -> SniffedText:
    """``content`` decoded: by its byte-order mark if it has one, else as ``encoding`` if
    given, else as the first of UTF-32/UTF-16 (by their NUL bytes), UTF-8 and cp1251 that
    reads it. ``TextFileError`` when the bytes do not fit ``encoding`` (with the one they
    look like) or hold NUL bytes no encoding explains; ``LookupError`` for an unknown
    ``encoding``."""
    asked = None if encoding is None else _plain(codecs.lookup(encoding).name)
    for mark, name in _BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return _decoded(content[len(mark) :], name, mark)
    looks = _looks_like(content)
    if asked is None:
        if looks is None:
            raise TextFileError("it holds NUL bytes: it is not a text file")
        return _decoded(content, looks, b"")
    if looks != asked and (looks in _WIDE or asked in _WIDE or _misread(content, asked, looks)):
        raise TextFileError(
            f"it is not {asked} text"
            + (f": it looks like {looks}" if looks is not None else ": it holds NUL bytes")
        )
    try:
        return _decoded(content, asked, b"")
    except UnicodeDecodeError as error:
        raise TextFileError(
            f"it is not {asked} text (byte {error.start + 1} cannot be read)"
            + (f": it looks like {looks}" if looks is not None else "")
        ) from None


def decode(content: bytes, codec: str) -> str:
    """``content`` in ``codec``, a byte-order mark of any kind dropped; unreadable bytes
    replaced (for reading back what was written)."""
    for mark, _ in _BYTE_ORDER_MARKS:
        if content.startswith(mark):
            content = content[len(mark) :]
            break
    return content.decode(codec, errors="replace")


def _plain(name: str) -> str:
    # Codecs that write a mark of their own would write one before every piece written.
    return {"utf-8-sig": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}.get(name, name)


def _looks_like(content: bytes) -> str | None:
    """The encoding that reads ``content`` as text, or None for bytes with stray NULs."""
    if b"\0" in content:
        return next((name for name in _WIDE if _reads_as_text(content, name)), None)
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return _SINGLE_BYTE_FALLBACK
    return "utf-8"


def _reads_as_text(content: bytes, name: str) -> bool:
    try:
        text = content.decode(name)
    except UnicodeDecodeError:
        return False
    # Tables are mostly digits and letters of the Latin and Cyrillic alphabets; stray NULs
    # read as a wide encoding give characters from all over the code space.
    plain = sum(character < _ALPHABETS_END for character in text)
    return not _CONTROL.intersection(text) and plain >= 0.9 * len(text)


def _misread(content: bytes, asked: str, looks: str | None) -> bool:
    """Whether a single-byte ``asked`` would read UTF-8 letters as other letters (Excel's
    "CSV UTF-8" opened as cp1251): the bytes are UTF-8 and not all ASCII."""
    return looks == "utf-8" and not content.isascii() and codecs.lookup(asked).name != "utf-8"


def _decoded(content: bytes, codec: str, mark: bytes) -> SniffedText:
    text = content.decode(codec)
    first_break = text.find("\n")
    newline = "\r\n" if first_break > 0 and text[first_break - 1] == "\r" else "\n"
    return SniffedText(text, codec, mark, newline)
