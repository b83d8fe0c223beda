"""``AsyncStatusClient`` behind ``StatusClient``'s blocking calls, so one scenario runs on both:
each call is awaited in ``asyncio.run``, and a batch's refs arrive as an async iterable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from smsc_soap import AsyncStatusClient, LookupResult, MessageStatus


class AwaitedClient:
    def __init__(self, *args: object, **options: object) -> None:
        self.client = AsyncStatusClient(*args, **options)  # type: ignore[arg-type]

    def get_status(self, *args: object, **kwargs: object) -> MessageStatus:
        return asyncio.run(self.client.get_status(*args, **kwargs))  # type: ignore[arg-type]

    def get_status2(self, *args: object, **kwargs: object) -> MessageStatus:
        return asyncio.run(self.client.get_status2(*args, **kwargs))  # type: ignore[arg-type]

    def get_statuses(self, refs: Iterable[object], **kwargs: object) -> list[LookupResult]:
        async def collected() -> list[LookupResult]:
            batch = self.client.get_statuses(_arriving(refs), **kwargs)  # type: ignore[arg-type]
            return [result async for result in batch]

        return asyncio.run(collected())

    def delete(self, *args: object) -> None:
        asyncio.run(self.client.delete(*args))  # type: ignore[arg-type]

    def close(self) -> None:
        asyncio.run(self.client.aclose())


async def _arriving(refs: Iterable[object]) -> AsyncIterator[object]:
    for ref in refs:
        await asyncio.sleep(0)
        yield ref
