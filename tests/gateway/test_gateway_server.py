"""The gateway's server under production traffic, over real sockets: idle and slow
connections, the read deadline, the cap of requests at once, bodies over the cap on every
face, HEAD, the pages for people, and a limit store out of use."""

from __future__ import annotations

import re
import resource
import signal
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from html.parser import HTMLParser
from typing import Any, cast

import pytest
import requests
import zeep

from smsc_soap import StatusClient
from smsc_soap.errors import LimitStoreError
from smsc_soap.gateway import Gateway
from smsc_soap.gateway.served import outcome_of_code
from smsc_soap.limits.stores import LimitStore, open_limit_store
from smsc_soap.sandbox import Sandbox, SandboxOptions
from smsc_soap.serving.body import MAX_BODY_BYTES

from support.gateway_setup import (
    DELIVERED,
    PENDING,
    CountingSandbox,
    serve_process,
    start_gateway,
    wait_until_in_flight,
)
from support.manual_clock import ManualClock

AUTH = ("demo", "demo")
STORE_ADDRESS = "127.0.0.1:6390"


def _envelope(phone: str, message_id: str, *, psw: str = "demo") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        ' xmlns:s="http://smsc.ru/sys/soap.php"><soap:Body><s:status><login>demo</login>'
        f"<psw>{psw}</psw><phone>{phone}</phone><id>{message_id}</id><all>0</all>"
        "</s:status></soap:Body></soap:Envelope>"
    ).encode()


def _soap(gateway: Gateway, body: bytes, timeout: float = 30) -> requests.Response:
    return requests.post(
        gateway.soap_endpoint,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=timeout,
    )


def _status_php(gateway: Gateway, phone: str, message_id: str) -> requests.Response:
    params = {"login": "demo", "psw": "demo", "phone": phone, "id": message_id, "fmt": "0"}
    return requests.get(gateway.status_endpoint, params=params, timeout=30)


def _json(gateway: Gateway, phone: str, message_id: str, timeout: float = 30) -> requests.Response:
    params = {"phone": phone, "id": message_id}
    return requests.get(f"{gateway.url}/v1/status", params=params, auth=AUTH, timeout=timeout)


def _port(gateway: Gateway) -> int:
    return int(gateway.url.rsplit(":", 1)[1])


@contextmanager
def _open_files(needed: int) -> Iterator[None]:
    """At least ``needed`` file descriptors allowed to this process for the block."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(max(soft, needed), hard)
    if wanted < needed:
        pytest.fail(f"the open-files limit is {hard}; the test needs {needed}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _assert_answers_within_a_second(gateway: Gateway) -> None:
    started = time.monotonic()
    health = requests.get(f"{gateway.url}/healthz", timeout=5)
    cached = _json(gateway, *DELIVERED, timeout=5)
    took = time.monotonic() - started
    assert (health.status_code, cached.status_code) == (200, 200)
    assert "Age" in cached.headers
    assert took < 1.0, f"{took:.2f} s"


@pytest.mark.slow
def test_a_thousand_idle_connections_leave_the_gateway_answering(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    with _open_files(2400), start_gateway(upstream[1]) as gateway, ExitStack() as held:
        assert _json(gateway, *DELIVERED).status_code == 200  # now in the cache
        for _ in range(1000):
            idle = held.enter_context(socket.create_connection(("127.0.0.1", _port(gateway))))
            idle.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        # One kept alive after a request as well, as a pool of callers leaves them.
        with requests.Session() as session:
            assert session.get(f"{gateway.url}/healthz", timeout=5).status_code == 200
            _assert_answers_within_a_second(gateway)


@pytest.mark.slow
def test_two_hundred_slow_bodies_leave_the_gateway_answering(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    with _open_files(1000), start_gateway(upstream[1]) as gateway, ExitStack() as held:
        assert _json(gateway, *DELIVERED).status_code == 200
        head = b"POST /sys/soap.php HTTP/1.1\r\nHost: x\r\nContent-Length: 900\r\n\r\n<soap:"
        slow = []
        for _ in range(200):
            connection = held.enter_context(socket.create_connection(("127.0.0.1", _port(gateway))))
            connection.sendall(head)
            slow.append(connection)
        for connection in slow:  # a byte more each, as a trickle does
            connection.sendall(b"E")
        _assert_answers_within_a_second(gateway)


def test_a_body_not_in_within_the_read_deadline_is_408_and_the_gateway_answers_on(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    app = start_gateway(upstream[1]).app
    with Gateway(app, read_timeout=0.5) as gateway:
        with socket.create_connection(("127.0.0.1", _port(gateway)), timeout=10) as slow:
            slow.sendall(b"POST /v1/statuses HTTP/1.1\r\nContent-Length: 50\r\n\r\n{")
            started = time.monotonic()
            received = b""
            while chunk := slow.recv(65536):
                received += chunk
        assert received.startswith(b"HTTP/1.1 408 ")
        assert b'"error"' in received  # the JSON face's ErrorBody
        assert time.monotonic() - started < 3
        assert _json(gateway, *DELIVERED).status_code == 200


class _CappedGateway(Gateway):
    max_in_flight = 2


@pytest.mark.slow
def test_requests_over_the_cap_get_503_with_retry_after_in_the_faces_format() -> None:
    service = CountingSandbox(SandboxOptions(latency_ms=700))
    with Sandbox(service) as sandbox:
        app = start_gateway(sandbox).app
        with _CappedGateway(app) as gateway, ThreadPoolExecutor(2) as pool:
            busy = [pool.submit(_json, gateway, *PENDING), pool.submit(_json, gateway, *DELIVERED)]
            time.sleep(0.3)  # both in, waiting for the service
            json_reply = _json(gateway, *PENDING)
            soap_reply = _soap(gateway, _envelope(*PENDING))
            assert [future.result().status_code for future in busy] == [200, 200]
    assert json_reply.status_code == soap_reply.status_code == 503
    assert json_reply.headers["Retry-After"] == soap_reply.headers["Retry-After"] == "1"
    assert json_reply.json()["error"]["type"] == "GatewayError"
    assert b"<faultcode>SOAP-ENV:Server</faultcode>" in soap_reply.content


def test_a_body_over_the_cap_is_refused_in_each_faces_format(gateway: Gateway) -> None:
    big = b" " * (MAX_BODY_BYTES + 1)
    json_reply = requests.post(f"{gateway.url}/v1/statuses", data=big, auth=AUTH, timeout=30)
    soap_reply = _soap(gateway, big)
    http_reply = requests.post(f"{gateway.url}/sys/status.php?fmt=0", data=big, timeout=30)

    assert json_reply.status_code == soap_reply.status_code == http_reply.status_code == 413
    assert json_reply.json()["error"]["message"].startswith("refused by the gateway: the body")
    assert b"<faultcode>SOAP-ENV:Client</faultcode>" in soap_reply.content
    assert http_reply.text.startswith("ERROR = 1 ")


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/metrics", "/v1/openapi.json", "/sys/soap.php?wsdl", "/docs"]
)
def test_head_is_answered_where_get_is(gateway: Gateway, path: str) -> None:
    got = requests.get(f"{gateway.url}{path}", timeout=10)
    head = requests.head(f"{gateway.url}{path}", timeout=10)

    assert head.status_code == got.status_code == 200
    assert head.headers["Content-Type"] == got.headers["Content-Type"]
    assert head.content == b""


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value for name, value in attrs if name in ("href", "src") and value]


def _links(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.links


def test_the_landing_page_names_the_faces_and_links_what_an_operator_needs(
    gateway: Gateway,
) -> None:
    page = requests.get(f"{gateway.url}/", timeout=10)

    assert page.headers["Content-Type"].startswith("text/html")
    assert {"/sys/soap.php?wsdl", "/docs", "/v1/openapi.json", "/healthz", "/metrics"} <= set(
        _links(page.text)
    )
    for face in ("/sys/soap.php", "/sys/status.php", "/v1/status", "/v1/statuses"):
        assert face in page.text
    for link in _links(page.text):
        assert requests.get(f"{gateway.url}{link}", timeout=10).status_code == 200


def test_the_docs_render_from_the_gateway_alone(gateway: Gateway) -> None:
    page = requests.get(f"{gateway.url}/docs", timeout=10)
    links = _links(page.text)

    assert page.status_code == 200
    assert links, page.text
    # Everything the page loads comes from the gateway: no other host is named.
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page.text)
    for link in links:
        asset = requests.get(f"{gateway.url}{link}", timeout=10)
        assert asset.status_code == 200, link
        assert asset.content
    script = requests.get(f"{gateway.url}/docs/start.js", timeout=10).text
    assert '"/v1/openapi.json"' in script
    assert "validatorUrl: null" in script
    bundle = requests.get(f"{gateway.url}/docs/swagger-ui-bundle.js", timeout=10)
    assert "SwaggerUIBundle" in bundle.text


def test_a_formatted_phone_is_taken_on_get_and_post_as_the_command_line_takes_it(
    gateway: Gateway,
) -> None:
    formatted = "7 (999) 000-10-04"
    got = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": formatted, "id": DELIVERED[1]},
        auth=AUTH,
        timeout=30,
    )
    posted = requests.post(
        f"{gateway.url}/v1/statuses",
        json={"messages": [{"phone": formatted, "id": DELIVERED[1]}]},
        auth=AUTH,
        timeout=30,
    )
    assert (got.status_code, posted.status_code) == (200, 200)
    assert got.json()["phone"] == posted.json()[0]["phone"] == DELIVERED[0]
    assert got.json()["status"] == posted.json()[0]["status"] == 1


@pytest.mark.parametrize(
    ("phone", "message_id"),
    [(DELIVERED[0], "1a"), (DELIVERED[0], "-1"), ("7999-x", DELIVERED[1]), ("", "1")],
)
def test_get_and_post_refuse_the_same_phones_and_ids(
    gateway: Gateway, phone: str, message_id: str
) -> None:
    got = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": phone, "id": message_id},
        auth=AUTH,
        timeout=30,
    )
    posted = requests.post(
        f"{gateway.url}/v1/statuses",
        json={"messages": [{"phone": phone, "id": message_id}]},
        auth=AUTH,
        timeout=30,
    )
    assert (got.status_code, posted.status_code) == (400, 422)


@pytest.mark.parametrize("all", ["true", "", "1.0", "3"])
def test_all_on_get_is_0_1_or_2_and_nothing_else(gateway: Gateway, all: str) -> None:
    reply = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": DELIVERED[0], "id": DELIVERED[1], "all": all},
        auth=AUTH,
        timeout=30,
    )
    assert reply.status_code == 400


def test_a_wrong_password_is_401_on_every_json_route_at_once_after_the_first(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    wrong = ("demo", "not-the-password")
    first = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": DELIVERED[0], "id": DELIVERED[1]},
        auth=wrong,
        timeout=30,
    )
    asked = upstream[0].requests
    started = time.monotonic()
    listed = requests.post(
        f"{gateway.url}/v1/statuses",
        json={"messages": [{"phone": PENDING[0], "id": PENDING[1]}]},
        auth=wrong,
        timeout=30,
    )
    soap = _soap(gateway, _envelope(*PENDING, psw="not-the-password"))

    assert (first.status_code, listed.status_code) == (401, 401)
    assert listed.headers["WWW-Authenticate"].startswith("Basic")
    assert listed.json()["error"]["code"] == 2
    assert b"<error>2</error>" in soap.content
    assert time.monotonic() - started < 1
    assert upstream[0].requests == asked  # answered by the gateway, the service not asked again


def test_an_unknown_error_code_folds_into_one_label_value() -> None:
    assert outcome_of_code(9) == "error_9"
    assert outcome_of_code(42) == outcome_of_code(-7) == "error_other"


def test_lookups_refused_without_sending_do_not_feed_the_upstream_histogram(
    gateway: Gateway,
) -> None:
    wrong = ("demo", "not-the-password")
    for _ in range(3):  # the first reaches the service; the lockout answers the others
        requests.get(
            f"{gateway.url}/v1/status",
            params={"phone": DELIVERED[0], "id": DELIVERED[1]},
            auth=wrong,
            timeout=30,
        )
    metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    assert "smsc_gateway_upstream_seconds_count 1.0" in metrics


class _OutageStore:
    """A memory store that can be taken down: every call then fails as Redis's does when it
    is not there, naming its address (the salt, read once, stays known)."""

    def __init__(self, *, salt_known: bool = True) -> None:
        self._store = open_limit_store("memory://", clock=time.monotonic)
        self.down = False
        self._kept = ("salt", "close") if salt_known else ("close",)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name in self._kept or not callable(found):
            return found

        def checked(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise LimitStoreError(f"Error 111 connecting to {STORE_ADDRESS}. Refused.")
            return found(*args, **kwargs)

        return checked


def test_a_limit_store_out_of_use_is_503_with_retry_after_on_every_face_without_its_address(
    upstream: tuple[CountingSandbox, Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    store = _OutageStore()
    clock = ManualClock()
    typed = cast(LimitStore, store)
    with start_gateway(upstream[1], clock, store=typed) as gateway:
        assert _json(gateway, *PENDING).status_code == 200  # held by the gateway from now
        store.down = True
        clock.advance(13)  # due to be asked again: the status held is served, with its age
        held = _json(gateway, *PENDING)
        json_reply = _json(gateway, *DELIVERED)
        listed = requests.post(
            f"{gateway.url}/v1/statuses",
            json={"messages": [{"phone": DELIVERED[0], "id": DELIVERED[1]}]},
            auth=AUTH,
            timeout=30,
        )
        soap_reply = _soap(gateway, _envelope(*DELIVERED))
        http_reply = _status_php(gateway, *DELIVERED)

    assert held.status_code == 200
    assert held.json()["age"] == pytest.approx(13)
    assert held.headers["Age"] == "13"
    for reply in (json_reply, listed, soap_reply, http_reply):
        assert reply.status_code == 503
        assert reply.headers["Retry-After"] == "5"
        assert STORE_ADDRESS not in reply.text
        assert "111" not in reply.text
    assert json_reply.json()["error"]["type"] == "LimitStoreError"
    assert "the gateway cannot reach the store" in json_reply.json()["error"]["message"]
    assert b"<faultcode>SOAP-ENV:Server</faultcode>" in soap_reply.content
    assert http_reply.text.startswith("ERROR = 9 ")
    assert STORE_ADDRESS in caplog.text  # for the operator, in the log


def test_a_limit_store_out_of_use_at_a_first_lookup_is_logged_for_the_operator(
    upstream: tuple[CountingSandbox, Sandbox], caplog: pytest.LogCaptureFixture
) -> None:
    store = _OutageStore(salt_known=False)
    store.down = True  # before the salt that tells credentials apart was ever read
    with start_gateway(upstream[1], store=cast(LimitStore, store)) as gateway:
        reply = _json(gateway, *DELIVERED)

    assert reply.status_code == 503
    assert STORE_ADDRESS not in reply.text
    assert "the limit store cannot be used" in caplog.text
    assert STORE_ADDRESS in caplog.text


@pytest.mark.parametrize("face", ["soap", "http", "json"])
def test_a_due_status_under_a_full_window_is_served_at_once_on_every_face(
    upstream: tuple[CountingSandbox, Sandbox], face: str
) -> None:
    sandbox, service = upstream
    store = open_limit_store("memory://", clock=time.monotonic)
    clock = ManualClock()
    ask = {
        "soap": lambda gateway: _soap(gateway, _envelope(*PENDING)),
        "http": lambda gateway: _status_php(gateway, *PENDING),
        "json": lambda gateway: _json(gateway, *PENDING),
    }[face]
    # A long deadline: a lookup that waited for the window would wait out the minute.
    with start_gateway(service, clock, store=store, deadline=120.0) as gateway:
        assert ask(gateway).status_code == 200
        with StatusClient(
            "demo", "demo", endpoint=service.soap_endpoint, allow_insecure_http=True, limits=store
        ) as other:
            for _ in range(4):  # another program spends the rest of the message's minute
                other.get_status(*PENDING)
        clock.advance(13)
        started = time.monotonic()
        due = ask(gateway)
        took = time.monotonic() - started
    assert due.status_code == 200
    assert due.headers["Age"] == "13"
    assert took < 1
    assert sandbox.requests == 5


def _burst(
    gateway: Gateway, messages: list[tuple[str, str]], auth: tuple[str, str] = AUTH
) -> list[requests.Response]:
    """Each of ``messages`` asked for at once on the JSON face, by callers of one login."""

    def ask(message: tuple[str, str]) -> requests.Response:
        params = {"phone": message[0], "id": message[1]}
        return requests.get(f"{gateway.url}/v1/status", params=params, auth=auth, timeout=30)

    with ThreadPoolExecutor(len(messages)) as pool:
        return list(pool.map(ask, messages))


_EIGHT = [(f"7999000{n}", str(n)) for n in range(1001, 1009)]


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["soap", "http"])
def test_eight_first_lookups_at_once_take_one_round_trip_in_one_mass_request(
    transport: str,
) -> None:
    service = CountingSandbox(SandboxOptions(latency_ms=500))
    with Sandbox(service) as sandbox:
        # One round trip as a login's first lookup takes it (the pair's hash, its client,
        # the request), through another gateway of its own.
        with start_gateway(sandbox, transport=transport) as alone:
            started = time.monotonic()
            assert _burst(alone, [("79990001009", "1009")])[0].status_code == 200
            round_trip = time.monotonic() - started
        with start_gateway(sandbox, transport=transport) as gateway:
            started = time.monotonic()
            replies = _burst(gateway, _EIGHT)
            took = time.monotonic() - started
        ids = [reply.json()["id"] for reply in replies]
    assert [reply.status_code for reply in replies] == [200] * 8
    assert ids == [message_id for _, message_id in _EIGHT]
    # New credentials' first lookups gathered into one status.php request, which is also the
    # probe: one round trip, where the probe alone, then 4 at a time, took three.
    assert (service.requests, gateway.app.bursts.mass_requests) == (1 + 1, 1)
    assert 0.5 < round_trip < 1.5
    # Under 2: two round trips would be the probe, then the rest; the margin is for load.
    assert took < 1.6 * round_trip, f"{took:.2f} s, one round trip {round_trip:.2f} s"


def test_a_wrong_password_in_a_first_burst_reaches_the_service_once() -> None:
    service = CountingSandbox()
    with Sandbox(service) as sandbox, start_gateway(sandbox) as gateway:
        replies = _burst(gateway, _EIGHT, auth=("demo", "wrong"))
        again = _burst(gateway, _EIGHT[:2], auth=("demo", "wrong"))
    assert [reply.status_code for reply in replies + again] == [401] * 10
    assert service.requests == 1


def test_a_first_burst_goes_one_by_one_when_the_mass_request_of_the_minute_is_taken() -> None:
    service = CountingSandbox()
    store = open_limit_store("memory://", clock=time.monotonic)
    with Sandbox(service) as sandbox, start_gateway(sandbox, store=store) as gateway:
        with StatusClient(
            "demo",
            "demo",
            endpoint=sandbox.status_endpoint,
            transport="http",
            allow_insecure_http=True,
            limits=store,
        ) as other:
            list(other.get_statuses([_EIGHT[0]]))  # another program's mass request
        replies = _burst(gateway, _EIGHT[1:])
    assert [reply.status_code for reply in replies] == [200] * 7
    assert gateway.app.bursts.mass_requests == 0  # held back by the limits, not sent
    assert service.requests == 1 + 7  # the other's, then each alone


def test_lookups_that_come_while_the_probe_is_in_flight_go_after_it_in_one_request() -> None:
    service = CountingSandbox(SandboxOptions(latency_ms=200))
    with (
        Sandbox(service) as sandbox,
        start_gateway(sandbox) as gateway,
        ThreadPoolExecutor(1) as pool,
    ):
        probe = pool.submit(_burst, gateway, _EIGHT[:1])
        for _ in range(500):  # until the probe has left, its gathering closed
            if gateway.app.bursts._in_flight:
                break
            time.sleep(0.002)
        replies = _burst(gateway, _EIGHT[1:])
        replies += probe.result()
    assert [reply.status_code for reply in replies] == [200] * 8
    assert service.requests == 2  # the probe, then the others together
    assert gateway.app.bursts.mass_requests == 1


def test_get_status2_lookups_are_not_gathered() -> None:
    service = CountingSandbox()
    with Sandbox(service) as sandbox, start_gateway(sandbox) as gateway:
        client = zeep.Client(f"{gateway.soap_endpoint}?wsdl")
        with ThreadPoolExecutor(3) as pool:
            statuses = list(
                pool.map(
                    lambda message: client.service.get_status2(
                        login="demo", psw="demo", phone=message[0], id=message[1], query=""
                    ),
                    _EIGHT[:3],
                )
            )
    assert [status.error for status in statuses] == [None] * 3
    assert gateway.app.bursts.mass_requests == 0
    assert service.requests == 3


def test_lookups_of_accepted_credentials_are_not_gathered() -> None:
    service = CountingSandbox()
    with Sandbox(service) as sandbox, start_gateway(sandbox) as gateway:
        first = _burst(gateway, _EIGHT[:1])
        replies = _burst(gateway, _EIGHT[1:])
    assert [reply.status_code for reply in first + replies] == [200] * 8
    assert gateway.app.bursts.mass_requests == 0
    assert service.requests == 8


@pytest.mark.slow
def test_sigterm_during_twenty_lookups_answers_every_one_and_exits_0() -> None:
    service = CountingSandbox(SandboxOptions(latency_ms=300))
    with Sandbox(service) as sandbox, serve_process(sandbox.soap_endpoint) as (process, url):
        messages = [(f"7999000{n}", str(n)) for n in range(1001, 1021)]
        with ThreadPoolExecutor(20) as pool:
            pending = [
                pool.submit(
                    requests.get,
                    f"{url}/v1/status",
                    params={"phone": phone, "id": message_id},
                    auth=AUTH,
                    timeout=30,
                )
                for phone, message_id in messages
            ]
            wait_until_in_flight(url, len(messages))
            process.send_signal(signal.SIGTERM)
            replies = [future.result() for future in pending]
        assert process.wait(timeout=30) == 0
    assert {reply.status_code for reply in replies} <= {200, 404}
    assert len(replies) == 20
    assert service.requests >= 1  # the login's first lookups gathered: one mass request


def test_healthz_shows_a_limit_store_found_restarted_empty(gateway: Gateway) -> None:
    assert requests.get(f"{gateway.url}/healthz", timeout=10).text == "ok"
    store = gateway.app.upstream.limit_waits
    store._store.restarts = 2  # type: ignore[attr-defined]  # as a Redis store counts them

    shown = requests.get(f"{gateway.url}/healthz", timeout=10)

    assert shown.status_code == 200
    assert shown.text.startswith("ok\nlimit store: found restarted empty 2 times")
