"""Batches: many ``(phone, message_id)`` pairs, streamed, one result per pair.

Single lookups run concurrently (as many at once as the client's in-flight limit allows);
over a transport with mass lookups, the pairs go in groups, one request per group. Either
way a failed item is a ``LookupResult`` carrying its error, and an authentication error or
IP block ends the batch, raised.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from smsc_soap.errors import (
    AuthenticationError,
    InvalidParametersError,
    IPBlockedError,
    MalformedResponseError,
    SmscError,
)
from smsc_soap.models import LookupResult, MessageStatus
from smsc_soap.service.replies import status_from_reply
from smsc_soap.service.request import StatusRequest

__all__ = ["DEFAULT_MASS_SIZE", "concurrent_lookups", "mass_lookups"]

DEFAULT_MASS_SIZE = 100
"""Messages per mass request. The service documents no maximum; at one mass request a minute
this gives 100 lookups a minute without touching the per-message limits."""

Answer = Mapping[str, str] | SmscError


def concurrent_lookups(
    refs: Iterable[object],
    level: int,
    workers: int,
    lookup: Callable[[StatusRequest], MessageStatus],
) -> Iterator[LookupResult]:
    """Single lookups on ``workers`` threads; results in the order they complete."""
    # At most two lookups per worker wait in the pool, so a long or endless ``refs`` is read
    # as the batch goes, in constant memory.
    running: dict[Future[MessageStatus], StatusRequest] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smsc-soap") as pool:
        try:
            for item in _checked(refs, level):
                if isinstance(item, LookupResult):
                    yield item
                    continue
                # In the batch's context: a caller's cancellation reaches every lookup.
                running[pool.submit(contextvars.copy_context().run, lookup, item)] = item
                if len(running) >= 2 * workers:
                    yield from _finished(running)
            while running:
                yield from _finished(running)
        finally:
            for future in running:
                future.cancel()


def _finished(running: dict[Future[MessageStatus], StatusRequest]) -> Iterator[LookupResult]:
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    for future in done:
        request = running.pop(future)
        yield _outcome(request, future.result)


def mass_lookups(
    refs: Iterable[object],
    level: int,
    size: int,
    lookup_many: Callable[[list[StatusRequest]], Sequence[Answer]],
) -> Iterator[LookupResult]:
    """Groups of ``size`` in one request each; results in the order asked."""
    group: list[StatusRequest] = []
    for item in _checked(refs, level):
        if isinstance(item, LookupResult):
            yield item
            continue
        group.append(item)
        if len(group) == size:
            yield from _group(group, lookup_many)
            group = []
    if group:
        yield from _group(group, lookup_many)


def _group(
    group: list[StatusRequest], lookup_many: Callable[[list[StatusRequest]], Sequence[Answer]]
) -> Iterator[LookupResult]:
    answers: Sequence[Answer]
    try:
        answers = lookup_many(group)
    except SmscError as error:
        # Each item its own instance: a caller may annotate or re-raise one alone.
        answers = [error.copy() for _ in group]
    if len(answers) != len(group):
        answers = [
            MalformedResponseError("the mass reply does not answer every message") for _ in group
        ]
    for request, answer in zip(group, answers, strict=True):
        yield _outcome(request, functools.partial(_read, answer, request))


def _read(answer: Answer, request: StatusRequest) -> MessageStatus:
    if isinstance(answer, SmscError):
        raise answer
    return status_from_reply(answer, request)


def _checked(refs: Iterable[object], level: int) -> Iterator[StatusRequest | LookupResult]:
    for ref in refs:
        if not (isinstance(ref, tuple | list) and len(ref) == 2):
            error = InvalidParametersError(
                f"each item must be a (phone, message_id) pair: {ref!r:.40}"
            )
            yield LookupResult(phone="", message_id="", error=error)
            continue
        phone, message_id = ref
        try:
            yield StatusRequest.build("get_status", phone, message_id, level)
        except InvalidParametersError as error:
            yield LookupResult(phone=str(phone), message_id=str(message_id), error=error)


def _outcome(request: StatusRequest, status: Callable[[], MessageStatus]) -> LookupResult:
    """The item's result, with ``status()`` or its error; an error that must end the batch
    (a refused login, a blocked IP) is raised instead."""
    try:
        return LookupResult(phone=request.phone, message_id=request.message_id, status=status())
    except (AuthenticationError, IPBlockedError):
        raise
    except SmscError as error:
        return LookupResult(phone=request.phone, message_id=request.message_id, error=error)
