"""Sandboxes for tests: one way to start them, each stopped when its test ends."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import Any

from smsc_soap import RetryPolicy, StatusClient, StatusCode
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions
from smsc_soap.sandbox.book import default_book

Messages = Iterable[BookMessage] | Callable[[], Iterable[BookMessage] | MessageBook]
"""A book's messages, or what makes them (or the book) anew for each sandbox: a book changes
as it runs."""


class SandboxStarter:
    """``start(messages_or_app, smpp_port=0, enforce_limits=False)``: a running sandbox on
    127.0.0.1 with a book of ``messages`` (the default book when none) or the ``app`` given,
    the sandbox's own options as keywords; stopped by ``close()``."""

    def __init__(self) -> None:
        self._running = ExitStack()

    def __call__(
        self,
        source: Messages | SandboxApp | None = None,
        *,
        port: int = 0,
        smpp_port: int | None = None,
        channel_timeout: int | None = None,
        **options: Any,
    ) -> Sandbox:
        if isinstance(source, SandboxApp):
            if options:
                raise TypeError("give the sandbox's options to its app, not beside it")
            app = source
        else:
            app = SandboxApp(book_of(source), SandboxOptions(**options))
        server = {} if channel_timeout is None else {"channel_timeout": channel_timeout}
        return self._running.enter_context(Sandbox(app, port=port, smpp_port=smpp_port, **server))

    def close(self) -> None:
        self._running.close()


def book_of(messages: Messages | None) -> MessageBook:
    if messages is None:
        return default_book()
    made = messages() if callable(messages) else messages
    return made if isinstance(made, MessageBook) else MessageBook(made)


def assert_still_answers(sandbox: Sandbox, message: BookMessage) -> None:
    """A valid get_status of ``message`` (a delivered one), from the real client, is answered
    after whatever the test sent."""
    with StatusClient(
        "demo",
        "demo",
        endpoint=sandbox.soap_endpoint,
        allow_insecure_http=True,
        timeout=5,
        retry=RetryPolicy.disabled(),
    ) as client:
        result = client.get_status(message.phone, message.id)
    assert (result.status, result.message_id) == (StatusCode.DELIVERED, message.id)
