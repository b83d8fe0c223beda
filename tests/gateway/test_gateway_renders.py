"""What the faces work out from a cached status, kept per status object."""

from __future__ import annotations

from smsc_soap.gateway.renders import Renders
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode


def _status(code: StatusCode = StatusCode.DELIVERED) -> MessageStatus:
    return MessageStatus(message_id="1", phone="79990000001", status=code)


def test_a_rendering_is_made_once_per_status_object_and_key() -> None:
    renders: Renders[str] = Renders()
    made: list[str] = []

    def make(text: str) -> str:
        made.append(text)
        return text

    status = _status()
    assert renders.get(status, 0, lambda: make("a")) == "a"
    assert renders.get(status, 0, lambda: make("b")) == "a"
    assert renders.get(status, 1, lambda: make("c")) == "c"
    # An equal status is another object: a status asked for anew is rendered anew.
    assert renders.get(_status(), 0, lambda: make("d")) == "d"
    assert made == ["a", "c", "d"]


def test_renderings_are_kept_for_the_latest_statuses_only() -> None:
    renders: Renders[int] = Renders(max_entries=2)
    statuses = [_status() for _ in range(3)]
    for number, status in enumerate(statuses):
        renders.get(status, 0, lambda number=number: number)
    assert renders.get(statuses[0], 0, lambda: -1) == -1  # the oldest went first
    assert renders.get(statuses[2], 0, lambda: -1) == 2
