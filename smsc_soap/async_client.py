"""``AsyncStatusClient``: the status lookups from asyncio, with a loop that never blocks.

Each call is ``StatusClient``'s, run on a worker thread the client owns: one wire (its deadline,
size cap, refusal of redirects, redaction), one set of limits, one translation of errors. A
task cancelled while its call runs cancels the call: a wait for a place or a back-off ends at
once, a socket in use is shut, and the call sends nothing more. Its place goes back at once if
its request never left, and after the abandoned-request hold if it reached the service, which
may still be answering it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from typing import TypeVar

from pydantic import SecretStr
from typing_extensions import Unpack

from smsc_soap.calls.many import DEFAULT_MASS_SIZE
from smsc_soap.client import StatusClient
from smsc_soap.limits.service_limits import CONCURRENT_LIMIT
from smsc_soap.models import LookupResult, MessageStatus
from smsc_soap.options import ClientOptionArgs
from smsc_soap.runtime.cancellation import CURRENT, Cancellation, Cancelled, check, on_cancel
from smsc_soap.service.query import QueryValue

__all__ = ["AsyncStatusClient"]

T = TypeVar("T")
Ref = tuple[str, str | int]

_WORKERS = 2 * (CONCURRENT_LIMIT - 1)
"""Threads per client: the lookups the service allows in flight, and as many again waiting
for a place or driving batches (a batch's own lookups run on threads of its own)."""


class AsyncStatusClient:
    """``StatusClient`` for asyncio: the same options, results, errors and limits, awaited.

    Takes exactly what ``StatusClient`` takes; a ``limits`` store shared with sync clients
    (or other processes) keeps one login's limits together. Calls run on the client's own
    worker threads, so the event loop is never blocked. Cancelling a call (``asyncio.timeout``,
    a disconnected client) ends it, and no thread goes on sending for it; its place in the
    limits is kept while its request may still run at the service. Close it with ``await
    aclose()`` or ``async with``.
    """

    def __init__(
        self,
        login: str | None = None,
        password: str | SecretStr | None = None,
        *,
        api_key: str | SecretStr | None = None,
        **options: Unpack[ClientOptionArgs],
    ) -> None:
        self._client = StatusClient(login, password, api_key=api_key, **options)
        self.options = self._client.options
        """Every option, checked, with its default where none was given."""
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=_WORKERS, thread_name_prefix="smsc-soap-async"
        )

    async def get_status(self, phone: str, message_id: str | int, all: int = 0) -> MessageStatus:
        """The status of one message, as ``StatusClient.get_status``."""
        return await self._run(self._client.get_status, phone, message_id, all)

    async def get_status2(
        self,
        phone: str,
        message_id: str | int,
        all: int = 0,
        query: Mapping[str, QueryValue] | str | None = None,
    ) -> MessageStatus:
        """The status of one message with extra parameters, as ``StatusClient.get_status2``."""
        return await self._run(self._client.get_status2, phone, message_id, all, query)

    def get_statuses(
        self,
        refs: Iterable[Ref] | AsyncIterable[Ref],
        all: int = 0,
        *,
        mass_size: int = DEFAULT_MASS_SIZE,
    ) -> AsyncGenerator[LookupResult, None]:
        """Many lookups, as ``StatusClient.get_statuses``, for ``async for``; ``refs`` may be
        an async iterable. At most as many lookups run at once as the service allows in
        flight. Closing the iterator (``contextlib.aclosing``) or cancelling the task that
        reads it cancels the lookups running and stops reading ``refs``."""
        cancellation = Cancellation()
        if isinstance(refs, AsyncIterable):
            pairs = _read_from_loop(refs, asyncio.get_running_loop())
        else:
            pairs = iter(refs)
        results = self._client.get_statuses(_until_cancelled(pairs), all, mass_size=mass_size)
        return self._streamed(results, cancellation)

    async def delete(self, phone: str, message_id: str | int) -> None:
        """Delete a sent message, as ``StatusClient.delete`` (over HTTP only)."""
        await self._run(self._client.delete, phone, message_id)

    def reset_lockout(self) -> None:
        """Allow calls again after the service answered error 2 or 4."""
        self._client.reset_lockout()

    async def aclose(self) -> None:
        """Wait for calls still running to end, then close what ``StatusClient.close``
        closes; on a worker thread, not the loop."""
        await asyncio.get_running_loop().run_in_executor(None, self._close)

    async def __aenter__(self) -> AsyncStatusClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncStatusClient(transport={self._client._transport!r})"

    def _close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    async def _run(
        self,
        call: Callable[..., T],
        *args: object,
        cancellation: Cancellation | None = None,
    ) -> T:
        """``call(*args)`` on a worker thread, cancelled with the awaiting task."""
        cancellation = cancellation or Cancellation()
        context = contextvars.copy_context()
        context.run(CURRENT.set, cancellation)
        future = self._pool.submit(context.run, call, *args)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            cancellation.cancel()  # a call not started yet never starts: the future is cancelled
            raise

    async def _streamed(
        self, results: Iterator[LookupResult], cancellation: Cancellation
    ) -> AsyncGenerator[LookupResult, None]:
        # One step of the batch at a time; closing it waits for a step still running.
        stepping = threading.Lock()

        def step() -> LookupResult | None:
            with stepping:
                return next(results, None)

        def close() -> None:
            with stepping:
                close_batch = getattr(results, "close", None)
                if close_batch is not None:
                    close_batch()

        try:
            while (result := await self._run(step, cancellation=cancellation)) is not None:
                yield result
        finally:
            cancellation.cancel()
            # Not awaited: a generator finalized by the loop may await nothing here.
            threading.Thread(target=close, name="smsc-soap-batch-close").start()


def _until_cancelled(refs: Iterator[Ref]) -> Iterator[Ref]:
    """``refs``, read no further once the batch is cancelled."""
    while True:
        check()
        try:
            ref = next(refs)
        except StopIteration:
            return
        yield ref


def _read_from_loop(refs: AsyncIterable[Ref], loop: asyncio.AbstractEventLoop) -> Iterator[Ref]:
    """An async iterable read from a worker thread, each item awaited on ``loop``."""
    iterator = refs.__aiter__()
    while True:
        future = asyncio.run_coroutine_threadsafe(_next_or_end(iterator), loop)
        with on_cancel(future.cancel):
            try:
                ref = future.result()
            except concurrent.futures.CancelledError:
                raise Cancelled("the batch was cancelled while it read refs") from None
        if not ref:
            return
        yield ref[0]


async def _next_or_end(iterator: AsyncIterator[Ref]) -> tuple[Ref] | tuple[()]:
    """The next item, alone in a tuple; an empty one at the end."""
    try:
        return (await anext(iterator),)
    except StopAsyncIteration:
        return ()
