"""Options are one checked value: bad ones fail when the client is built, naming the option."""

from __future__ import annotations

import http.server
import math
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from smsc_soap import (
    ClientOptions,
    FakeTransport,
    HttpStatusTransport,
    InstantClock,
    InvalidParametersError,
    RetryPolicy,
    SoapStatusTransport,
    StatusClient,
)
from smsc_soap.transports.options import WIRE_OPTIONS, SoapOptions

from support.soap_replies import PASSWORD

WSDL_CACHE = Path(__file__).parents[2] / "wsdl_cache"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": math.nan}, "timeout"),
        ({"timeout": math.inf}, "timeout"),
        ({"timeout": (5.0, -1.0)}, "timeout"),
        ({"timeout": (5.0, 5.0, 5.0)}, "timeout"),
        ({"timeout": "10"}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": math.nan}, "deadline"),
        ({"deadline": math.inf}, "deadline"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": 1.5}, "max_response_bytes"),
        ({"lockout_cooldown": -1}, "lockout_cooldown"),
        ({"lockout_cooldown": math.inf}, "lockout_cooldown"),
        ({"host": "example.com"}, "host"),
        ({"host": None}, "host"),
        ({"endpoint": "ftp://example.com/sys/soap.php"}, "endpoint"),
        ({"endpoint": "http://127.0.0.1:9/sys/soap.php"}, "endpoint"),
        ({"endpoint": "https://user:pw@example.com/sys/soap.php"}, "endpoint"),
        ({"endpoint": "https://[::1/sys/soap.php"}, "endpoint"),
        ({"allow_insecure_http": "yes"}, "allow_insecure_http"),
        ({"wait_for_limits": 1}, "wait_for_limits"),
        ({"retry": "often"}, "retry"),
        ({"clock": object()}, "clock"),
        ({"transport": "smpp"}, "transport"),
        ({"session": "a session"}, "session"),
        ({"wsdl": 42}, "wsdl"),
        ({"hots": "smsc.ru"}, "hots"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_bad_option_is_refused_at_construction_naming_it(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidParametersError, match=f"option '{named}'") as caught:
        StatusClient("demo", PASSWORD, **options)

    assert caught.value.option == named
    assert caught.value.attempts == 0
    assert not caught.value.from_service
    assert caught.value.__cause__ is None  # pydantic's error quotes the input


def test_an_option_error_never_quotes_the_value() -> None:
    secret_url = f"https://demo:{PASSWORD}@smsc.example/sys/soap.php"

    with pytest.raises(InvalidParametersError) as caught:
        StatusClient("demo", PASSWORD, endpoint=secret_url)

    assert PASSWORD not in str(caught.value)
    assert PASSWORD not in repr(caught.value.args)


def test_good_options_are_kept_as_one_frozen_value() -> None:
    client = StatusClient("demo", PASSWORD, timeout=3, deadline=9.5, host="smsc.kz")

    assert client.options.timeout == 3
    assert client.options.deadline == 9.5
    assert client.options.host == "smsc.kz"
    assert client.options.retry == RetryPolicy()
    with pytest.raises(ValueError, match="frozen"):
        client.options.deadline = 1  # type: ignore[misc]
    assert "smsc.kz" in repr(client)


@pytest.mark.parametrize("option", sorted(WIRE_OPTIONS))
def test_a_transport_object_with_wire_options_is_refused(option: str) -> None:
    values: dict[str, object] = {
        "host": "smsc.ua",
        "endpoint": "https://smsc.kz/sys/status.php",
        "backup_hosts": ("www2.smsc.ru",),
        "allow_insecure_http": True,
        "timeout": 5.0,
        "max_response_bytes": 100,
        "session": requests.Session(),
        "wsdl": WSDL_CACHE / "soap.wsdl",
    }
    transport = HttpStatusTransport(endpoint="https://smsc.kz/sys/status.php")

    with pytest.raises(InvalidParametersError, match=f"option '{option}'") as caught:
        StatusClient("demo", PASSWORD, transport=transport, **{option: values[option]})  # type: ignore[arg-type]

    assert caught.value.option == option


def test_a_transport_object_alone_is_taken_as_it_is() -> None:
    transport = HttpStatusTransport(endpoint="https://smsc.kz/sys/status.php")
    client = StatusClient("demo", PASSWORD, transport=transport, deadline=5)

    assert "https://smsc.kz/sys/status.php" in repr(client)
    assert "smsc.ru" not in repr(client)


def test_a_wsdl_for_the_http_transport_is_refused() -> None:
    with pytest.raises(InvalidParametersError, match="option 'wsdl'"):
        StatusClient("demo", PASSWORD, transport="http", wsdl=WSDL_CACHE / "soap.wsdl")


def test_a_transport_takes_one_options_value_or_keywords_not_both() -> None:
    options = SoapOptions.of({"host": "smsc.kz"})
    assert SoapStatusTransport(options).endpoint == "https://smsc.kz/sys/soap.php"
    with pytest.raises(InvalidParametersError, match="not both"):
        SoapStatusTransport(options, host="smsc.ua")


def test_a_transport_is_given_its_own_options_alone() -> None:
    client = StatusClient("demo", PASSWORD, transport="http", host="smsc.kz", deadline=5)
    transport = client._transport

    assert isinstance(transport, HttpStatusTransport)
    assert type(transport.options).model_fields.keys() == WIRE_OPTIONS - {"wsdl"}
    assert transport.options.host == "smsc.kz"
    with pytest.raises(InvalidParametersError, match="options must be SoapOptions"):
        SoapStatusTransport(client.options)  # type: ignore[arg-type]


OPTION_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "smsc.ru",
            "smsc.kz",
            "soap",
            "http",
            "https://127.0.0.1/sys/soap.php",
            "http://127.0.0.1/sys/soap.php",
            "https://[::1/x",
            "https://\x00/",
            (1.0, 2.0),
            (0.0, 1.0),
            (1.0,),
            RetryPolicy(),
            InstantClock(),
            FakeTransport(),
            object(),
            b"bytes",
        ]
    ),
)
OPTION_NAMES = st.sampled_from(
    [*sorted(set(ClientOptions.model_fields) - {"wsdl", "session"}), "nonsense", ""]
)


@settings(max_examples=400, deadline=None)
@given(options=st.dictionaries(OPTION_NAMES, OPTION_VALUES, max_size=5))
def test_any_options_build_a_client_or_raise_invalid_parameters(options: dict[str, Any]) -> None:
    """No third-party exception, whatever the options (the WSDL's are left out: a URL there
    would be fetched)."""
    refused: InvalidParametersError | None = None
    try:
        StatusClient("demo", PASSWORD, **options).close()
    except InvalidParametersError as error:
        refused = error
    if refused is not None:
        assert refused.attempts == 0
        assert refused.option is not None


class _CountingServer(http.server.ThreadingHTTPServer):
    hits = 0


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, _CountingServer)
        self.server.hits += 1
        body = b'<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"/>'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def resource_server() -> Iterator[_CountingServer]:
    server = _CountingServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _shipped_with(before_types: str = "", in_schema: str = "") -> str:
    document = (WSDL_CACHE / "soap.wsdl").read_text(encoding="utf-8")
    document = document.replace("<wsdl:types>", f"{before_types}<wsdl:types>", 1)
    marker = '<xsd:schema targetNamespace="http://smsc.ru/sys/soap.php">'
    return document.replace(marker, marker + in_schema, 1)


def test_a_wsdl_importing_an_external_schema_is_refused_without_fetching_it(
    tmp_path: Path, resource_server: _CountingServer
) -> None:
    port = resource_server.server_address[1]
    imported = (
        f'<xsd:import namespace="urn:evil" schemaLocation="http://127.0.0.1:{port}/evil.xsd"/>'
    )
    wsdl = tmp_path / "importing.wsdl"
    wsdl.write_text(_shipped_with(in_schema=imported), encoding="utf-8")

    with pytest.raises(InvalidParametersError, match="WSDL") as caught:
        StatusClient("demo", PASSWORD, wsdl=wsdl)

    assert "ExternalReferenceForbidden" in str(caught.value)
    assert resource_server.hits == 0


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE wsdl:definitions SYSTEM "http://127.0.0.1:9/evil.dtd">',
        '<!DOCTYPE d [<!ENTITY leak SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    ],
    ids=["external-dtd", "external-entity", "internal-entities"],
)
def test_a_wsdl_with_a_dtd_or_entities_is_refused(tmp_path: Path, doctype: str) -> None:
    document = _shipped_with()
    declaration_end = document.index("?>") + 2
    wsdl = tmp_path / "with-dtd.wsdl"
    wsdl.write_text(
        document[:declaration_end] + doctype + document[declaration_end:], encoding="utf-8"
    )

    with pytest.raises(InvalidParametersError, match="WSDL could not be loaded"):
        StatusClient("demo", PASSWORD, wsdl=wsdl)
