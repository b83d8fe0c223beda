"""A reply a server of the service's interface sends over HTTP, and how WSGI sends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HttpReply", "StartResponse", "text_reply"]

StartResponse = Callable[[str, list[tuple[str, str]]], object]


@dataclass(frozen=True)
class HttpReply:
    status: str
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    """Headers beyond Content-Type and Content-Length."""

    def head(self) -> list[tuple[str, str]]:
        """The headers to send: the content's type and length, then the others."""
        return [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *self.headers,
        ]


def text_reply(status: str, text: str, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    return HttpReply(status, "text/plain; charset=utf-8", text.encode(), headers)
