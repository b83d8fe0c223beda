"""A request's body, read within its declared size and a cap."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["MAX_BODY_BYTES", "RefusedBody", "read_body"]

MAX_BODY_BYTES = 1 << 20
"""The largest request body read; a longer one is answered 413."""
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


class RefusedBody(ValueError):
    """A body not read: its HTTP status (400 or 413), and why."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_body(environ: Mapping[str, object]) -> bytes:
    """A WSGI request's body, as long as its Content-Length says and at most ``MAX_BODY_BYTES``."""
    declared = str(environ.get("CONTENT_LENGTH") or "0").strip()
    if not _DIGITS.fullmatch(declared):
        raise RefusedBody("400 Bad Request", f"Content-Length is not a size: {declared!r}")
    length = int(declared)
    if length > MAX_BODY_BYTES:
        raise RefusedBody(
            "413 Request Entity Too Large", f"the body is over {MAX_BODY_BYTES} bytes"
        )
    stream = environ.get("wsgi.input")
    if not length or not hasattr(stream, "read"):
        return b""
    body = stream.read(length)
    return body if isinstance(body, bytes) else b""
