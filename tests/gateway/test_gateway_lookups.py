"""The gateway's cache of statuses: how many it keeps."""

from __future__ import annotations

from collections import Counter

from smsc_soap.gateway.lookups import Lookups
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode

from support.manual_clock import ManualClock


def test_the_cache_keeps_its_bound_letting_the_oldest_kept_go() -> None:
    lookups = Lookups(clock=ManualClock().monotonic, max_entries=2)
    asked: Counter[str] = Counter()

    def answer(message_id: str) -> str:
        def fetch() -> MessageStatus:
            asked[message_id] += 1
            # Undeliverable: final, so kept until let go for room.
            return MessageStatus(message_id=message_id, phone="7", status=StatusCode(20))

        return lookups.answer(message_id, fetch).source

    sources = [answer(message_id) for message_id in ("1", "2", "1", "3", "2", "1")]
    # "3" lets "1", the first kept, go; "1" asked for again then lets "2" go.
    assert sources == ["upstream", "upstream", "cache", "upstream", "cache", "upstream"]
    assert asked == {"1": 2, "2": 1, "3": 1}
    assert [answer(message_id) for message_id in ("3", "1", "2")] == [
        "cache",
        "cache",
        "upstream",
    ]
