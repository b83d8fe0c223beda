"""What the faces work out from a cached status, kept per status object."""

from __future__ import annotations

import pytest

from smsc_soap.gateway.renders import Renders
from smsc_soap.models import MessageStatus
from smsc_soap.service.codes import StatusCode
from smsc_soap.serving import soap


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


def _envelope(padding: str = "") -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns:s="http://smsc.ru/sys/soap.php">{padding}<soap:Body><s:status>'
        "<login>demo</login><psw>demo</psw><phone>79990001008</phone><id>1008</id>"
        "</s:status></soap:Body></soap:Envelope>"
    ).encode()


def test_a_small_soap_body_sent_again_is_read_once_and_each_caller_gets_its_own_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[bytes] = []
    read = soap._read

    def counted(body: bytes, content_type: str | None) -> object:
        reads.append(body)
        return read(body, content_type)

    soap._remembered.cache_clear()
    monkeypatch.setattr(soap, "_read", counted)
    first = soap.read_soap_request(_envelope(), "text/xml")
    assert isinstance(first, soap.SoapRequest)
    first.params["id"] = "changed by its caller"
    again = soap.read_soap_request(_envelope(), "text/xml")
    large = _envelope("<!--" + "x" * soap.MEMO_BODY_BYTES + "-->")
    soap.read_soap_request(large, "text/xml")
    soap.read_soap_request(large, "text/xml")

    assert isinstance(again, soap.SoapRequest)
    assert again.params["id"] == "1008"
    assert reads == [_envelope(), large, large]  # the large body read each time
