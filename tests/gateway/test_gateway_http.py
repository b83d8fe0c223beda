"""The gateway's drop-in HTTP face, /sys/status.php, over real sockets with the sandbox as the
service."""

from __future__ import annotations

import json
import re

import pytest
import requests

from smsc_soap.gateway import Gateway
from smsc_soap.gateway.lookups import Lookup
from smsc_soap.sandbox import Sandbox, SandboxOptions
from smsc_soap.serving.status_php import read_status_form

from support.gateway_setup import (
    DELIVERED,
    HLR,
    PENDING,
    UNDELIVERABLE,
    UNKNOWN,
    WITH_REGION,
    CountingSandbox,
    gateway_to_a_failing_service,
    start_gateway,
)
from support.manual_clock import ManualClock

CREDENTIALS = {"login": "demo", "psw": "demo"}


def _envelope(phone: str, message_id: str) -> bytes:
    return (
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:s="http://smsc.ru/sys/soap.php"><soap:Body><s:status><login>demo</login>'
        f"<psw>demo</psw><phone>{phone}</phone><id>{message_id}</id><all>0</all>"
        "</s:status></soap:Body></soap:Envelope>"
    ).encode()


def _status_php(url: str, **params: str) -> requests.Response:
    return requests.get(f"{url}/sys/status.php", params=params, timeout=30)


def test_replies_are_the_services_own_in_every_format_and_detail() -> None:
    # The service answers itself without its limits here, so that it can be asked as often
    # as the gateway is.
    service = CountingSandbox(SandboxOptions(enforce_limits=False))
    with Sandbox(service) as sandbox, start_gateway(sandbox, transport="http") as gateway:
        differences = []
        for phone, message_id in (DELIVERED, UNDELIVERABLE, HLR, WITH_REGION, UNKNOWN):
            for fmt in ("0", "1", "2", "3"):
                for level in ("0", "1", "2"):
                    params = {"phone": phone, "id": message_id, "fmt": fmt, "all": level}
                    for charset in ({}, {"charset": "utf-8"}):
                        asked = {**CREDENTIALS, **params, **charset}
                        mine, theirs = (
                            _status_php(gateway.url, **asked),
                            _status_php(sandbox.url, **asked),
                        )
                        if (mine.content, mine.headers["Content-Type"]) != (
                            theirs.content,
                            theirs.headers["Content-Type"],
                        ):
                            differences.append((asked, mine.content, theirs.content))
    assert differences == []


@pytest.mark.parametrize("fmt", ["0", "1", "2", "3"])
def test_error_replies_are_the_services_own(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway, fmt: str
) -> None:
    _, sandbox = upstream
    asked = {"login": "demo", "psw": "wrong", "phone": PENDING[0], "id": PENDING[1], "fmt": fmt}
    mine, theirs = _status_php(gateway.url, **asked), _status_php(sandbox.url, **asked)
    assert (mine.status_code, mine.content) == (theirs.status_code, theirs.content)


def test_error_replies_are_written_as_the_service_documents_them(gateway: Gateway) -> None:
    asked = {"login": "demo", "psw": "wrong", "phone": PENDING[0], "id": PENDING[1]}
    replies = [_status_php(gateway.url, **asked, fmt=fmt).text for fmt in "0123"]
    assert replies[0].startswith("ERROR = 2 (")
    assert replies[1] == "0,-2"
    assert replies[2].startswith("<result><error>")
    assert replies[2].endswith("<error_code>2</error_code></result>")
    assert json.loads(replies[3])["error_code"] == 2


def test_a_comma_list_is_answered_as_a_list_with_one_lookup_per_message(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    sandbox, _ = upstream
    messages = (DELIVERED, UNDELIVERABLE, UNKNOWN)
    asked = {
        **CREDENTIALS,
        "phone": ",".join(phone for phone, _ in messages),
        "id": ",".join(message_id for _, message_id in messages),
        "fmt": "3",
    }
    items = _status_php(gateway.url, **asked).json()
    again = _status_php(gateway.url, **asked).json()  # the service takes one mass request a minute
    assert [(item["id"], item["phone"], item["status"]) for item in items] == [
        ("1004", DELIVERED[0], 1),
        ("1008", UNDELIVERABLE[0], 20),
        ("999999", UNKNOWN[0], -3),
    ]
    assert again == items
    # Each message asked about once (the login's first lookups together, in one mass
    # request): the second list is answered from the cache, the unknown message too (not
    # found is final).
    assert 1 <= sandbox.requests <= 3
    assert sandbox.errors[9] == 0
    as_xml = _status_php(gateway.url, **{**asked, "fmt": "2"}).text
    assert as_xml.startswith("<list><sms><status>1</status>")


def test_one_message_with_a_trailing_comma_is_answered_as_a_list(gateway: Gateway) -> None:
    reply = _status_php(gateway.url, **CREDENTIALS, phone=f"{DELIVERED[0]},", id="1004,", fmt="3")
    assert [(item["id"], item["status"]) for item in reply.json()] == [("1004", 1)]


def test_a_form_posted_is_answered_as_a_query(gateway: Gateway) -> None:
    asked = {**CREDENTIALS, "phone": DELIVERED[0], "id": DELIVERED[1], "fmt": "1"}
    posted = requests.post(f"{gateway.url}/sys/status.php", data=asked, timeout=30)
    assert (posted.status_code, posted.text) == (200, _status_php(gateway.url, **asked).text)
    assert posted.text.startswith("1,")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"apikey": "some-key"}, "0,-2"),
        ({**CREDENTIALS, "del": "1"}, "0,-5"),
        ({**CREDENTIALS, "phone": f"{DELIVERED[0]},{PENDING[0]}", "id": "1004"}, "0,-1"),
        ({**CREDENTIALS, "all": "3"}, "0,-1"),
        (
            {**CREDENTIALS, "phone": ",".join(["79990001004"] * 101), "id": ",".join(["1"] * 101)},
            "0,-1",
        ),
    ],
    ids=["an API key alone", "a deletion", "phones and ids unpaired", "all=3", "101 messages"],
)
def test_what_the_gateway_cannot_pass_on_is_refused_without_asking(
    upstream: tuple[CountingSandbox, Sandbox],
    gateway: Gateway,
    params: dict[str, str],
    expected: str,
) -> None:
    sandbox, _ = upstream
    asked = {"phone": DELIVERED[0], "id": DELIVERED[1], **params, "fmt": "1"}
    assert _status_php(gateway.url, **asked).text == expected
    assert sandbox.requests == 0


def test_the_soap_and_http_faces_share_the_cache(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    sandbox, _ = upstream
    first = _status_php(gateway.url, **CREDENTIALS, phone=DELIVERED[0], id=DELIVERED[1], fmt="1")
    soap = requests.post(gateway.soap_endpoint, data=_envelope(*DELIVERED), timeout=30)
    assert first.text.startswith("1,")
    assert b"<status>1</status>" in soap.content
    assert sandbox.requests == 1


def test_one_message_is_asked_about_once_however_its_phone_is_written(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    sandbox, _ = upstream
    phone, message_id = DELIVERED  # 79990001004
    for written in (phone, f"+{phone}", "8 (999) 000-10-04", "+7 999 000-10-04"):
        reply = _status_php(gateway.url, **CREDENTIALS, phone=written, id=message_id, fmt="1")
        assert reply.text.startswith("1,"), written
    assert sandbox.requests == 1


def test_an_unknown_message_is_asked_about_once_in_12_seconds_whichever_face_asks(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    sandbox, service = upstream
    clock = ManualClock()
    with start_gateway(service, clock) as gateway:
        soap = requests.post(gateway.soap_endpoint, data=_envelope(*UNKNOWN), timeout=30)
        http = _status_php(gateway.url, **CREDENTIALS, phone=UNKNOWN[0], id=UNKNOWN[1], fmt="1")
        again = requests.post(gateway.soap_endpoint, data=_envelope(*UNKNOWN), timeout=30)
        assert b"<error>3</error>" in soap.content  # over SOAP the service answers error 3
        assert http.text == "-3"  # over HTTP status -3
        assert again.content == soap.content
        assert sandbox.requests == 1
        clock.advance(12)  # it may have been sent since: asked about again
        requests.post(gateway.soap_endpoint, data=_envelope(*UNKNOWN), timeout=30)
        assert sandbox.requests == 2


def test_a_reply_carries_the_age_of_its_oldest_status(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    clock = ManualClock()
    with start_gateway(upstream[1], clock) as gateway:
        _status_php(gateway.url, **CREDENTIALS, phone=UNDELIVERABLE[0], id=UNDELIVERABLE[1])
        clock.advance(30)
        reply = _status_php(
            gateway.url,
            **CREDENTIALS,
            phone=f"{UNDELIVERABLE[0]},{DELIVERED[0]}",
            id=f"{UNDELIVERABLE[1]},{DELIVERED[1]}",
        )
    assert reply.headers["Age"] == "30"


@pytest.mark.parametrize(
    ("fault", "options", "expected_status", "expected_text"),
    [
        ("http_500", {}, 502, "the lookup failed: HTTP 500 from the service"),
        (
            None,
            {"timeout": (1.0, 0.05)},
            504,
            r"the lookup failed: 127\.0\.0\.1:\d+ did not answer within",
        ),
    ],
    ids=["an error page", "no answer in time"],
)
def test_a_lookup_the_service_did_not_answer_gets_502_or_504(
    fault: str | None,
    options: dict[str, object],
    expected_status: int,
    expected_text: str,
) -> None:
    with gateway_to_a_failing_service(fault, **options) as gateway:
        reply = _status_php(gateway.url, **CREDENTIALS, phone=DELIVERED[0], id=DELIVERED[1])
    assert reply.status_code == expected_status
    assert re.match(expected_text, reply.text), reply.text


def test_lookups_are_counted_under_the_http_face(gateway: Gateway) -> None:
    _status_php(
        gateway.url, **CREDENTIALS, phone=f"{DELIVERED[0]},{UNDELIVERABLE[0]}", id="1004,1008"
    )
    _status_php(gateway.url, login="demo", psw="wrong", phone=DELIVERED[0], id=DELIVERED[1])
    metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    assert 'smsc_gateway_lookups_total{face="http",outcome="delivered"} 1.0' in metrics
    assert 'smsc_gateway_lookups_total{face="http",outcome="failed"} 1.0' in metrics
    assert 'smsc_gateway_lookups_total{face="http",outcome="error_2"} 1.0' in metrics


def test_the_access_log_shows_no_query_string(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="smsc_soap.gateway")
    _status_php(gateway.url, login="demo", psw="s3cret-pass", phone=PENDING[0], id=PENDING[1])
    requests.post(
        f"{gateway.url}/sys/status.php",
        data={"login": "demo", "psw": "s3cret-pass", "phone": PENDING[0], "id": PENDING[1]},
        timeout=30,
    )
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("smsc_soap.gateway")]
    assert len([line for line in lines if "/sys/status.php 200" in line]) == 2
    assert [line for line in lines if "s3cret" in line or PENDING[0] in line or "?" in line] == []


def test_a_lookup_and_a_form_show_no_password() -> None:
    form = read_status_form(f"login=demo&psw=s3cret-pass&phone={PENDING[0]}&id=1003", b"")
    lookup = Lookup(login="demo", password="s3cret-pass", phone=PENDING[0], message_id="1003")
    assert [text for text in (repr(form), repr(lookup)) if "s3cret" in text] == []
