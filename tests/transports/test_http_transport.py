"""The HTTP status.php transport: what it sends, and how it reads fmt=3 replies."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import requests_mock

from smsc_soap import (
    AuthenticationError,
    HttpStatusTransport,
    InstantClock,
    InvalidParametersError,
    MalformedResponseError,
    MessageNotFoundError,
    RateLimitError,
    StatusClient,
    StatusCode,
    UnsupportedOperationError,
)
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

from support.manual_clock import ManualClock
from support.soap_replies import PASSWORD

URL = "https://smsc.ru/sys/status.php"
ONE = {"status": 1, "last_date": "15.08.2021 20:27:22", "last_timestamp": 1629048442, "err": 0}


def http_client(**options: object) -> StatusClient:
    options.setdefault("clock", InstantClock())
    if "api_key" not in options:
        options.update(login="demo", password=PASSWORD)
    return StatusClient(transport="http", **options)  # type: ignore[arg-type]


def sent_form(http_mock: requests_mock.Mocker) -> dict[str, str]:
    assert http_mock.last_request is not None
    return {k: v[0] for k, v in parse_qs(http_mock.last_request.text).items()}


def test_a_lookup_is_a_post_with_everything_in_the_body(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(URL, json=ONE)

    status = http_client().get_status2("79991234567", "7", all=1, query={"comment": "a&b"})

    assert status.status is StatusCode.DELIVERED
    assert http_mock.last_request is not None
    assert http_mock.last_request.url == URL  # nothing in the query string
    assert sent_form(http_mock) == {
        "phone": "79991234567",
        "id": "7",
        "all": "1",
        "comment": "a&b",
        "fmt": "3",
        "charset": "utf-8",
        "login": "demo",
        "psw": PASSWORD,
    }


def test_an_api_key_replaces_login_and_password(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(URL, json=ONE)

    http_client(api_key="k-123").get_status("79991234567", "7")

    form = sent_form(http_mock)
    assert form["apikey"] == "k-123"
    assert "login" not in form
    assert "psw" not in form


def test_an_api_key_is_refused_over_soap() -> None:
    with pytest.raises(InvalidParametersError, match="transport='http'"):
        StatusClient(api_key="k-123")
    with pytest.raises(InvalidParametersError, match="not both"):
        StatusClient("demo", PASSWORD, api_key="k-123", transport="http")


@pytest.mark.parametrize(
    ("reply", "raised"),
    [
        ({"error": "authorise error", "error_code": 2}, AuthenticationError),
        ({"error": "too many", "error_code": 9}, RateLimitError),
        ({"status": -3}, MessageNotFoundError),
    ],
)
def test_error_replies_are_the_same_errors(
    http_mock: requests_mock.Mocker, reply: dict[str, object], raised: type[Exception]
) -> None:
    http_mock.post(URL, json=reply)

    with pytest.raises(raised):
        http_client().get_status("79991234567", "7")


def test_an_archived_message_with_dates_keeps_its_status(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(URL, json={**ONE, "status": -3})

    assert http_client().get_status("79991234567", "7").status is StatusCode.NOT_FOUND


@pytest.mark.parametrize(
    "body",
    [b"", b"Status = 1", b"[1, 2]", b'"text"', b'{"status": {"a": 1}}', b'{"status": true}'],
)
def test_replies_that_are_not_the_documented_json_are_malformed(
    http_mock: requests_mock.Mocker, body: bytes
) -> None:
    http_mock.post(URL, content=body)

    with pytest.raises(MalformedResponseError):
        http_client().get_status("79991234567", "7")


def test_a_windows_1251_reply_is_read_whatever_its_label(http_mock: requests_mock.Mocker) -> None:
    body = json.dumps({**ONE, "message": "Привет"}, ensure_ascii=False).encode("windows-1251")
    http_mock.post(URL, content=body, headers={"Content-Type": "application/json; charset=utf-8"})

    assert http_client().get_status("79991234567", "7").message == "Привет"


def test_a_mass_request_sends_comma_lists_and_matches_items_back(
    http_mock: requests_mock.Mocker,
) -> None:
    items = [
        {**ONE, "status": 20, "id": "2", "phone": "79990000002"},
        {"status": -3, "id": "3", "phone": "79990000003"},
        {**ONE, "id": "1", "phone": "79990000001"},
    ]
    http_mock.post(URL, json=items)
    refs = [("79990000001", "1"), ("79990000002", "2"), ("79990000003", "3")]

    results = list(http_client().get_statuses(refs))

    assert http_mock.call_count == 1
    assert sent_form(http_mock)["phone"] == "79990000001,79990000002,79990000003,"
    assert sent_form(http_mock)["id"] == "1,2,3,"
    assert [r.message_id for r in results] == ["1", "2", "3"]
    assert results[0].status is not None
    assert results[0].status.status is StatusCode.DELIVERED
    assert results[1].status is not None
    assert results[1].status.status is StatusCode.UNDELIVERABLE
    assert isinstance(results[2].error, MessageNotFoundError)


def test_a_mass_reply_is_matched_by_the_phone_as_the_service_reads_it(
    http_mock: requests_mock.Mocker,
) -> None:
    """Rows that differ only in how the phone is written are one message, each answered;
    the reply may write the phone with "+" or padded."""
    items = [
        {**ONE, "id": "1", "phone": "+79990000001"},
        {**ONE, "status": 20, "id": "1", "phone": " 79990000002"},
    ]
    http_mock.post(URL, json=items)
    refs = [
        ("+7 (999) 000-00-01", "1"),
        ("79990000001", "1"),
        ("8 999 000-00-02", "1"),
        ("+79990000002", "1"),
    ]

    results = list(http_client().get_statuses(refs))

    assert sent_form(http_mock)["phone"] == "79990000001,79990000001,79990000002,79990000002,"
    statuses = [r.status.status if r.status else r.error for r in results]
    assert statuses == [StatusCode.DELIVERED] * 2 + [StatusCode.UNDELIVERABLE] * 2


def test_a_mass_reply_missing_an_item_fails_that_item_only(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(URL, json=[{**ONE, "id": "1", "phone": "79990000001"}])

    first, second = http_client().get_statuses([("79990000001", "1"), ("79990000002", "2")])

    assert first.ok
    assert isinstance(second.error, MalformedResponseError)


def test_one_mass_request_a_minute_against_the_sandbox() -> None:
    """Client and sandbox on one manual clock: 12 messages in groups of 5 take two waits."""
    clock = ManualClock()
    book = MessageBook(BookMessage(id=str(n), phone="79990000001", status=1) for n in range(12))
    app = SandboxApp(book, SandboxOptions(), clock=clock.monotonic)
    with Sandbox(app) as sandbox:
        client = StatusClient(
            "demo",
            "demo",
            transport="http",
            endpoint=sandbox.status_endpoint,
            allow_insecure_http=True,
            clock=clock,
        )
        refs = [("79990000001", str(n)) for n in range(12)]
        results = list(client.get_statuses(refs, all=1, mass_size=5))

    assert [r.message_id for r in results] == [str(n) for n in range(12)]
    assert all(r.ok for r in results)
    assert clock.sleeps == [pytest.approx(61.0), pytest.approx(61.0)]


def test_deletion_posts_del_1(http_mock: requests_mock.Mocker) -> None:
    http_mock.post(URL, json={"result": "OK"})

    http_client().delete("79991234567", "7")

    assert sent_form(http_mock)["del"] == "1"


def test_deletion_over_soap_is_unsupported() -> None:
    with pytest.raises(UnsupportedOperationError, match="transport='http'"):
        StatusClient("demo", PASSWORD).delete("79991234567", "7")


def test_the_transport_can_be_built_and_passed_in(http_mock: requests_mock.Mocker) -> None:
    http_mock.post("https://smsc.kz/sys/status.php", json=ONE)
    transport = HttpStatusTransport(host="smsc.kz")

    with StatusClient("demo", PASSWORD, transport=transport) as client:
        assert client.get_status("79991234567", "7").is_delivered
    assert "smsc.kz" in repr(client)


@pytest.mark.parametrize(
    "body",
    [
        f"Error: bad request login=demo&psw={PASSWORD}".encode(),
        json.dumps({"status": {"echo": PASSWORD}}).encode(),
        json.dumps([{"id": "7", "psw": [PASSWORD]}]).encode(),
    ],
    ids=["not-json", "bad-field", "bad-mass-item"],
)
def test_a_reply_that_echoes_the_password_never_shows_it(
    http_mock: requests_mock.Mocker, body: bytes
) -> None:
    http_mock.post(URL, content=body)

    if body.startswith(b"["):
        [result] = http_client().get_statuses([("79991234567", "7")])
        error = result.error
    else:
        with pytest.raises(MalformedResponseError) as caught:
            http_client().get_status("79991234567", "7")
        error = caught.value

    assert isinstance(error, MalformedResponseError)
    chain: BaseException | None = error
    while chain is not None:
        for text in (str(chain), repr(chain)):
            assert PASSWORD[:6] not in text  # not even the start of it, cut off in an excerpt
        chain = chain.__cause__ or chain.__context__
