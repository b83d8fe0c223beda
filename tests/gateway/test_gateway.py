"""The status gateway over real sockets, with the sandbox (its limits on) as the service."""

from __future__ import annotations

import io
import re
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import zeep
from lxml import etree

from smsc_soap import RetryPolicy, StatusClient
from smsc_soap.gateway import Gateway, GatewayApp, Upstream
from smsc_soap.limits.stores import open_limit_store
from smsc_soap.runtime.clock import SYSTEM_CLOCK
from smsc_soap.sandbox import Sandbox, SandboxOptions
from smsc_soap.serving.server import ServiceServer

from support.gateway_setup import (
    DELIVERED,
    PENDING,
    UNDELIVERABLE,
    UNKNOWN,
    WITH_REGION,
    CountingSandbox,
    serve_process,
    start_gateway,
    wait_until_in_flight,
)
from support.manual_clock import ManualClock

NS = "http://smsc.ru/sys/soap.php"  # the namespace smsc.ru publishes its interface under
UA = "http://smsc.ua/sys/soap.php"
PUBLISHED_WSDL = Path(__file__).parents[1] / "support" / "published_smsc_ua.wsdl"


def _envelope(phone: str, message_id: str, *, psw: str = "demo", all: str = "0") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns:s="{NS}"><soap:Body><s:status><login>demo</login><psw>{psw}</psw>'
        f"<phone>{phone}</phone><id>{message_id}</id><all>{all}</all>"
        "</s:status></soap:Body></soap:Envelope>"
    ).encode()


def _post(
    server: ServiceServer, body: bytes, session: requests.Session | None = None
) -> requests.Response:
    return (session or requests).post(
        server.soap_endpoint,
        data=body,
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=30,
    )


def _field(reply: requests.Response, name: str) -> str | None:
    found = re.search(rf"<{name}>([^<]*)</{name}>".encode(), reply.content)
    return None if found is None else found.group(1).decode()


def test_a_zeep_client_built_from_the_gateways_wsdl_gets_statuses(gateway: Gateway) -> None:
    client = zeep.Client(f"{gateway.soap_endpoint}?wsdl")
    pending = client.service.get_status(
        login="demo", psw="demo", phone=PENDING[0], id=PENDING[1], all=0
    )
    assert (int(pending.status), int(pending.err)) == (0, 0)
    # With all=1 the service adds sms_cnt, which the gateway's WSDL declares (the service's
    # does not): zeep reads the reply with its default, strict, settings.
    full = client.service.get_status(
        login="demo", psw="demo", phone=UNDELIVERABLE[0], id=UNDELIVERABLE[1], all=1
    )
    assert (int(full.status), int(full.err), str(full.cost), full.sms_cnt) == (20, 6, "3.15", "1")


def test_a_client_built_from_the_published_wsdl_needs_only_the_gateways_address(
    gateway: Gateway,
) -> None:
    """A client generated from smsc.ua's WSDL (a copy written apart from the package's) with
    nothing changed but the address, as a 1C WS-reference or a .NET proxy would be."""
    published = zeep.Client(str(PUBLISHED_WSDL))
    service = published.create_service(f"{{{UA}}}ServiceSoap", gateway.soap_endpoint)
    delivered = service.get_status(login="demo", psw="demo", phone=DELIVERED[0], id=DELIVERED[1])
    pending = service.get_status2(
        login="demo", psw="demo", phone=PENDING[0], id=PENDING[1], query=""
    )
    wrong = service.get_status(login="demo", psw="demo", phone="79990000000", id="999999")
    assert (int(delivered.status), int(pending.status), int(wrong.error)) == (1, 0, 3)


def test_the_wsdl_names_the_gateways_own_address(gateway: Gateway) -> None:
    reply = requests.get(f"{gateway.soap_endpoint}?wsdl", timeout=10)
    assert f'location="{gateway.soap_endpoint}"'.encode() in reply.content


def test_a_host_header_that_is_no_host_does_not_reach_the_wsdl(gateway: Gateway) -> None:
    reply = requests.get(
        f"{gateway.soap_endpoint}?wsdl", headers={"Host": 'evil"/><x a="'}, timeout=10
    )
    locations = etree.fromstring(reply.content).findall(".//{*}address")
    assert {element.get("location") for element in locations} == {gateway.soap_endpoint}


@pytest.mark.parametrize(
    ("public_url", "scheme", "expected"),
    [
        ("https://gw.example.com/smsc/", "http", "https://gw.example.com/smsc/sys/soap.php"),
        (None, "https", "https://gw.example.com:8443/sys/soap.php"),
    ],
    ids=["the public URL given", "the scheme asked with"],
)
def test_the_wsdl_gives_the_public_url_or_the_scheme_asked_with(
    public_url: str | None, scheme: str, expected: str
) -> None:
    store = open_limit_store("memory://", clock=time.monotonic)
    app = GatewayApp(Upstream(store, StatusClient), public_url=public_url)
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/sys/soap.php",
        "QUERY_STRING": "wsdl",
        "HTTP_HOST": "gw.example.com:8443",
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(),
    }
    document = b"".join(app(environ, lambda status, headers: None))
    assert f'location="{expected}"'.encode() in document


@pytest.mark.parametrize(
    "url", ["ftp://gw.example.com", "https://gw.example.com/?a=1", 'https://gw"x', "gw.example.com"]
)
def test_serve_refuses_a_public_url_that_is_not_one(url: str) -> None:
    from click.testing import CliRunner

    from smsc_soap.cli import main

    result = CliRunner().invoke(main, ["serve", "--public-url", url, "--limits", "memory://"])
    assert result.exit_code == 2
    assert "--public-url" in result.output


def test_api_errors_are_error_replies(gateway: Gateway) -> None:
    unknown = _post(gateway, _envelope("79990000000", "999999"))
    missing = _post(gateway, _envelope("", "1003"))
    assert (unknown.status_code, _field(unknown, "error")) == (200, "3")
    assert (missing.status_code, _field(missing, "error")) == (200, "1")


@pytest.mark.parametrize(
    ("body", "expected_status"),
    [
        (b"<not xml", 500),
        (
            b'<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x/></soap:Body></soap:Envelope>',
            500,
        ),
        (b"x" * (1 << 20) + b"x", 413),
    ],
    ids=["broken XML", "unknown operation", "body over the cap"],
)
def test_bad_requests_get_a_fault_or_a_4xx(
    gateway: Gateway, body: bytes, expected_status: int
) -> None:
    reply = _post(gateway, body)
    assert reply.status_code == expected_status
    if expected_status == 500:
        assert _field(reply, "faultcode") == "SOAP-ENV:Client"


def test_a_service_error_page_is_a_server_fault_saying_so() -> None:
    service = CountingSandbox(SandboxOptions(faults={DELIVERED[1]: "http_500"}))
    with (
        Sandbox(service) as sandbox,
        start_gateway(sandbox, retry=RetryPolicy.disabled()) as gateway,
    ):
        reply = _post(gateway, _envelope(*DELIVERED))
    assert (reply.status_code, _field(reply, "faultcode")) == (500, "SOAP-ENV:Server")
    assert (_field(reply, "faultstring") or "").startswith(
        "the lookup failed: HTTP 500 from the service"
    ), reply.text


def test_a_final_status_is_served_from_the_cache(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway, clock: ManualClock
) -> None:
    sandbox, _ = upstream
    first = _post(gateway, _envelope(*UNDELIVERABLE))
    clock.advance(3600)
    again = _post(gateway, _envelope(*UNDELIVERABLE))
    assert [_field(reply, "status") for reply in (first, again)] == ["20", "20"]
    assert sandbox.requests == 1
    assert (first.headers["Age"], again.headers["Age"]) == ("0", "3600")


def test_a_status_that_can_change_is_asked_again_12_seconds_later(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway, clock: ManualClock
) -> None:
    sandbox, _ = upstream
    _post(gateway, _envelope(*DELIVERED))  # delivered can still become read or clicked
    clock.advance(11.9)
    cached = _post(gateway, _envelope(*DELIVERED))
    assert (sandbox.requests, cached.headers["Age"], _field(cached, "status")) == (1, "11", "1")
    clock.advance(0.1)
    asked = _post(gateway, _envelope(*DELIVERED))
    assert (sandbox.requests, asked.headers["Age"]) == (2, "0")


def test_one_lookup_answers_every_detail_each_with_its_own_fields(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    """The service is asked once, with all=2, for callers asking at all=0, 1 and 2 within
    12 s; each is answered the fields the service itself gives at the detail asked for."""
    sandbox, service = upstream
    mine = {level: _post(gateway, _envelope(*WITH_REGION, all=level)) for level in "012"}
    asked = sandbox.requests
    theirs = {level: _post(service, _envelope(*WITH_REGION, all=level)) for level in "012"}
    assert asked == 1
    assert {level: _fields(reply) for level, reply in mine.items()} == {
        level: _fields(reply) for level, reply in theirs.items()
    }
    brief = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": WITH_REGION[0], "id": WITH_REGION[1], "all": "0"},
        auth=("demo", "demo"),
        timeout=10,
    ).json()
    assert (brief["cost"], brief["send_date"], sandbox.requests) == (None, None, asked + 3)


def _fields(reply: requests.Response) -> list[tuple[str, str]]:
    return [
        (name.decode(), value.decode())
        for name, value in re.findall(rb"<(\w+)>([^<]*)</\1>", reply.content)
    ]


def test_identical_lookups_in_flight_are_coalesced() -> None:
    app = CountingSandbox(SandboxOptions(latency_ms=400))
    with Sandbox(app) as sandbox, start_gateway(sandbox) as gateway:
        with ThreadPoolExecutor(6) as pool:
            replies = list(pool.map(lambda _: _post(gateway, _envelope(*PENDING)), range(6)))
        metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    assert [_field(reply, "status") for reply in replies] == ["0"] * 6
    assert app.requests == 1
    assert "smsc_gateway_coalesced_total 5.0" in metrics


@pytest.mark.slow
def test_callers_polling_faster_than_allowed_get_statuses_not_error_9(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    """40 callers poll 10 messages for 10 s, the cache ageing in real time; the sandbox
    answers error 9 to a 4th request in flight or a 6th lookup of a message in a minute."""
    sandbox, service = upstream
    messages = [(f"7999000{n}", str(n)) for n in range(1001, 1011)]
    stop_at = time.monotonic() + 10

    def poll(caller: int) -> Counter[str]:
        seen: Counter[str] = Counter()
        with requests.Session() as session:
            while time.monotonic() < stop_at:
                for phone, message_id in messages[caller % 10 :] + messages[: caller % 10]:
                    reply = _post(gateway, _envelope(phone, message_id), session)
                    seen["status" if _field(reply, "status") else f"other {reply.status_code}"] += 1
        return seen

    with start_gateway(service, SYSTEM_CLOCK) as gateway, ThreadPoolExecutor(40) as pool:
        per_caller = list(pool.map(poll, range(40)))
    assert all(set(seen) == {"status"} for seen in per_caller), per_caller
    assert sandbox.errors[9] == 0
    # 10 s is less than the 12 s between two lookups of a message: each was asked for once,
    # the first ones together in one mass request as the login's first burst.
    assert 1 <= sandbox.requests <= len(messages)


def test_a_stale_password_reaches_the_service_at_most_once(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    sandbox, _ = upstream
    assert _field(_post(gateway, _envelope(*DELIVERED)), "status") == "1"
    with ThreadPoolExecutor(10) as pool:
        stale = list(pool.map(lambda _: _post(gateway, _envelope(*PENDING, psw="old")), range(10)))
    assert [_field(reply, "error") for reply in stale] == ["2"] * 10
    assert sandbox.errors[2] <= 1
    assert _field(_post(gateway, _envelope(*PENDING)), "status") == "0"


def test_healthz_and_metrics_answer(gateway: Gateway) -> None:
    _post(gateway, _envelope(*UNDELIVERABLE))
    _post(gateway, _envelope(*UNDELIVERABLE))
    health = requests.get(f"{gateway.url}/healthz", timeout=10)
    metrics = requests.get(f"{gateway.url}/metrics", timeout=10)
    assert (health.status_code, health.text) == (200, "ok")
    assert 'smsc_gateway_lookups_total{face="soap",outcome="failed"} 2.0' in metrics.text
    assert "smsc_gateway_cache_hits_total 1.0" in metrics.text
    assert "smsc_gateway_upstream_seconds_count 1.0" in metrics.text


def test_the_access_log_shows_no_credentials_or_phone_numbers(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="smsc_soap.gateway")
    _post(gateway, _envelope(*PENDING, psw="s3cret-pass"))
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("smsc_soap.gateway")]
    assert any("/sys/soap.php 200" in line for line in lines)
    assert not [line for line in lines if "s3cret-pass" in line or PENDING[0] in line]


@pytest.mark.slow
def test_sigterm_lets_requests_in_flight_finish_and_exits_0() -> None:
    app = CountingSandbox(SandboxOptions(latency_ms=600))
    with Sandbox(app) as sandbox, serve_process(sandbox.soap_endpoint) as (process, url):
        endpoint = f"{url}/sys/soap.php"
        messages = [(f"7999000{n}", str(n)) for n in range(1001, 1005)]
        with ThreadPoolExecutor(4) as pool:
            pending = [
                pool.submit(requests.post, endpoint, data=_envelope(*message), timeout=30)
                for message in messages
            ]
            wait_until_in_flight(url, len(messages))
            process.send_signal(signal.SIGTERM)
            replies = [future.result() for future in pending]
        assert process.wait(timeout=20) == 0
    assert [_field(reply, "status") for reply in replies] == ["-2", "-1", "0", "1"]


def test_serve_refuses_an_address_beyond_this_host_without_allow_remote() -> None:
    from click.testing import CliRunner

    from smsc_soap.cli import main

    result = CliRunner().invoke(main, ["serve", "--host", "192.0.2.1", "--limits", "memory://"])
    assert result.exit_code == 2
    assert "needs --allow-remote" in result.output


def test_a_path_cannot_forge_a_line_of_the_access_log(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="smsc_soap.gateway.access")
    requests.get(f"{gateway.url}/x%0D%0AGET%20/healthz%20200%201%20ms", timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "smsc_soap.gateway.access"]
    assert len(lines) == 1
    assert re.fullmatch(r"GET /x\\x0d\\x0aGET /healthz 200 1 ms 404 \d+ ms", lines[0]), lines


def test_every_face_counts_not_found_and_bad_requests_alike(gateway: Gateway) -> None:
    phone, message_id = UNKNOWN
    status_php = f"{gateway.url}/sys/status.php"
    json_status = f"{gateway.url}/v1/status"
    _post(gateway, _envelope(phone, message_id))
    _post(gateway, _envelope("", message_id))
    credentials = {"login": "demo", "psw": "demo"}
    requests.get(status_php, params={**credentials, "phone": phone, "id": message_id}, timeout=10)
    requests.get(status_php, params={**credentials, "phone": phone, "id": "1,2"}, timeout=10)
    auth = ("demo", "demo")
    requests.get(json_status, params={"phone": phone, "id": message_id}, auth=auth, timeout=10)
    requests.get(json_status, params={"phone": phone}, auth=auth, timeout=10)
    metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    for face in ("soap", "http", "json"):
        for outcome in ("not_found", "bad_request"):
            line = f'smsc_gateway_lookups_total{{face="{face}",outcome="{outcome}"}} 1.0'
            assert line in metrics, (face, outcome)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [("GET", "/sys/soap.php", "POST"), ("PUT", "/sys/status.php", "GET, POST")],
)
def test_a_wrong_method_is_405_saying_which_are_allowed(
    gateway: Gateway, method: str, path: str, allowed: str
) -> None:
    reply = requests.request(method, f"{gateway.url}{path}", timeout=10)
    assert (reply.status_code, reply.headers["Allow"]) == (405, allowed)


def test_serve_help_shows_no_credential_flags() -> None:
    from click.testing import CliRunner

    from smsc_soap.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--endpoint" in result.output
    assert [flag for flag in ("--login", "--password", "--api-key") if flag in result.output] == []
