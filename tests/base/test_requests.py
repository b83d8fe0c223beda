"""What goes on the wire: endpoint, namespace per host, query, and input refused before it."""

from __future__ import annotations

import hashlib
import io
import json
import socket
from pathlib import Path

import pytest
import requests
import requests_mock
from lxml import etree
from requests.adapters import BaseAdapter

from smsc_soap import KNOWN_HOSTS, InvalidParametersError, MalformedResponseError, StatusClient

from support.soap_replies import PASSWORD, reply_with, soap_reply

WSDL_CACHE = Path(__file__).parents[2] / "wsdl_cache"
SOAP_ENV = "{http://schemas.xmlsoap.org/soap/envelope/}"
# The regional hosts the service runs on, each publishing the interface in its own namespace.
HOSTS = ["smsc.ru", "smscentre.com", "smsc.kz", "smsc.ua"]


def sent_element(http_mock: requests_mock.Mocker) -> etree._Element:
    """The operation element of the last request's SOAP body."""
    assert http_mock.last_request is not None
    envelope = etree.fromstring(http_mock.last_request.body)
    body = envelope.find(f"{SOAP_ENV}Body")
    assert body is not None
    return body[0]


def test_default_endpoint_is_https_whatever_the_wsdl_says(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")])

    client.get_status("79991234567", "1")

    assert http_mock.last_request is not None
    assert http_mock.last_request.url == "https://smsc.ru/sys/soap.php"
    assert b"http://smsc.ru/sys/soap.php" in (WSDL_CACHE / "soap.wsdl").read_bytes()


def test_the_known_hosts_are_the_regional_hosts() -> None:
    assert sorted(KNOWN_HOSTS) == sorted(HOSTS)


@pytest.mark.parametrize("host", HOSTS)
def test_each_host_is_spoken_to_in_its_own_namespace(
    http_mock: requests_mock.Mocker, host: str
) -> None:
    namespace = f"http://{host}/sys/soap.php"
    endpoint = f"https://{host}/sys/soap.php"
    reply_with(http_mock, [("status", "1")], url=endpoint, namespace=namespace)

    with StatusClient("demo", PASSWORD, host=host) as client:
        assert client.get_status("79991234567", "1").status == 1

    element = sent_element(http_mock)
    assert element.tag == f"{{{namespace}}}status"
    assert [child.tag for child in element] == ["login", "psw", "phone", "id", "all"]
    assert http_mock.last_request is not None
    assert http_mock.last_request.headers["SOAPAction"] == f'"{namespace}"'


def test_a_reply_in_another_hosts_namespace_is_refused(http_mock: requests_mock.Mocker) -> None:
    reply_with(
        http_mock,
        [("status", "1")],
        url="https://smsc.ua/sys/soap.php",
        namespace="http://smsc.ru/sys/soap.php",
    )

    client = StatusClient("demo", PASSWORD, host="smsc.ua")
    with pytest.raises(MalformedResponseError, match="expected 'StatusResponse'"):
        client.get_status("79991234567", "1")


def test_a_reply_in_the_https_spelling_of_the_namespace_is_accepted(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")], namespace="https://smsc.ru/sys/soap.php")

    assert client.get_status("79991234567", "1").status == 1


def test_the_reply_element_must_match_the_operation(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")], element="StatusResponse")

    with pytest.raises(MalformedResponseError, match="expected 'Status2Response'"):
        client.get_status2("79991234567", "1")


def test_an_explicit_endpoint_overrides_the_host(http_mock: requests_mock.Mocker) -> None:
    reply_with(http_mock, [("status", "1")], url="https://gateway.example/smsc")

    with StatusClient("demo", PASSWORD, endpoint="https://gateway.example/smsc") as client:
        client.get_status("79991234567", "1")

    assert http_mock.last_request is not None
    assert http_mock.last_request.url == "https://gateway.example/smsc"


def test_plain_http_only_when_allowed(http_mock: requests_mock.Mocker) -> None:
    with pytest.raises(InvalidParametersError, match="allow_insecure_http"):
        StatusClient("demo", PASSWORD, endpoint="http://127.0.0.1:8080/sys/soap.php")

    reply_with(http_mock, [("status", "1")], url="http://127.0.0.1:8080/sys/soap.php")
    with StatusClient(
        "demo", PASSWORD, endpoint="http://127.0.0.1:8080/sys/soap.php", allow_insecure_http=True
    ) as client:
        assert client.get_status("79991234567", "1").status == 1


@pytest.mark.parametrize(
    "options",
    [
        {"host": "smsc.example"},
        {"endpoint": "ftp://smsc.ru/sys/soap.php"},
        {"endpoint": "https://user:pw@smsc.ru/sys/soap.php"},
    ],
)
def test_bad_client_options_are_refused(options: dict[str, str]) -> None:
    with pytest.raises(InvalidParametersError):
        StatusClient("demo", PASSWORD, **options)  # type: ignore[arg-type]


def test_options_after_the_credentials_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        StatusClient("demo", PASSWORD, "smsc.kz")  # type: ignore[misc]


def test_building_a_client_touches_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[object, ...]] = []

    def no_network(*args: object, **kwargs: object) -> None:
        # Recorded as well as raised, in case the code under test swallows the error.
        opened.append(args)
        raise OSError("a client under construction opened a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)

    for host in HOSTS:
        StatusClient("demo", PASSWORD, host=host).close()
        StatusClient("demo", PASSWORD, host=host, transport="http").close()

    assert opened == []


def test_the_manifest_matches_the_shipped_wsdl() -> None:
    manifest = json.loads((WSDL_CACHE / "manifest.json").read_text())
    document = (WSDL_CACHE / manifest["file"]).read_bytes()

    assert hashlib.sha256(document).hexdigest() == manifest["sha256"]
    assert manifest["source_url"] == "https://smsc.ru/sys/soap.php?wsdl"
    assert f'targetNamespace="{manifest["namespace"]}"'.encode() in document


def test_a_callers_own_wsdl_decides_the_namespace(
    http_mock: requests_mock.Mocker, tmp_path: Path
) -> None:
    namespace = "https://smsc.ru/sys/soap.php"  # a copy fetched over https
    own_copy = tmp_path / "soap.wsdl"
    shipped = (WSDL_CACHE / "soap.wsdl").read_bytes()
    own_copy.write_bytes(shipped.replace(b"http://smsc.ru/sys/soap.php", namespace.encode()))
    reply_with(http_mock, [("status", "1")], namespace=namespace)

    with StatusClient("demo", PASSWORD, wsdl=own_copy) as client:
        client.get_status("79991234567", "1")

    assert sent_element(http_mock).tag == f"{{{namespace}}}status"


def test_a_wsdl_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    not_a_wsdl = tmp_path / "other.wsdl"
    not_a_wsdl.write_text("<definitions/>")

    with pytest.raises(InvalidParametersError, match="WSDL"):
        StatusClient("demo", PASSWORD, wsdl=tmp_path / "missing.wsdl")
    with pytest.raises(InvalidParametersError, match="WSDL"):
        StatusClient("demo", PASSWORD, wsdl=not_a_wsdl)


def test_get_status2_sends_an_empty_query_when_there_is_none(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")], element="Status2Response")

    client.get_status2("79991234567", "1")

    element = sent_element(http_mock)
    assert element.tag == "{http://smsc.ru/sys/soap.php}status2"
    assert [(child.tag, child.text or "") for child in element][-1] == ("query", "")


def test_get_status2_sends_the_encoded_query(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")], element="Status2Response")

    client.get_status2("79991234567", "1", all=1, query={"comment": "a&b=c d", "x": "я"})

    element = sent_element(http_mock)
    assert element.findtext("query") == "comment=a%26b%3Dc%20d&x=%D1%8F"
    assert element.findtext("all") == "1"


def test_get_status2_takes_a_ready_query_string(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [("status", "1")], element="Status2Response")

    client.get_status2("79991234567", "1", query="mes=1&fmt2=x")

    assert sent_element(http_mock).findtext("query") == "mes=1&fmt2=x"


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        (lambda c: c.get_status("", "1"), "phone"),
        (lambda c: c.get_status("79991234567", ""), "message_id"),
        (lambda c: c.get_status("7999abc", "1"), "phone"),
        (lambda c: c.get_status("79991234567\n", "1"), "control character"),
        (lambda c: c.get_status("79991234567", "1\x00"), "control character"),
        (lambda c: c.get_status("79991234567", "1,2"), "one id"),
        (lambda c: c.get_status("79991234567", None), "message_id"),
        (lambda c: c.get_status(79991234567, "1"), "phone"),
        (lambda c: c.get_status("79991234567", "1", all=3), "all"),
        (lambda c: c.get_status("79991234567", "1", all=-1), "all"),
        (lambda c: c.get_status("79991234567", "1", all=True), "all"),
        (lambda c: c.get_status("79991234567", "1", all=1.0), "all"),
        (lambda c: c.get_status("79991234567", "1", all="1"), "all"),
        (lambda c: c.get_status2("79991234567", "1", query={"psw": "x"}), "reserved"),
        (lambda c: c.get_status2("79991234567", "1", query="a=1&login=x"), "reserved"),
        (lambda c: c.get_status2("79991234567", "1", query="a=1\r\nb=2"), "control character"),
        (lambda c: c.get_status2("79991234567", "1", query={"a": [1]}), "string or a number"),
    ],
)
def test_bad_input_is_refused_before_the_network(
    http_mock: requests_mock.Mocker, client: StatusClient, call: object, complaint: str
) -> None:
    with pytest.raises(InvalidParametersError, match=complaint):
        call(client)  # type: ignore[operator]

    assert http_mock.call_count == 0


def test_accepted_identifiers(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, [("status", "1")])

    for given, phone, message_id in [
        ("+79991234567", "79991234567", 854019),
        ("+7 (999) 123-45-67", "79991234567", 854019),  # as people write it
        ("8 999 123 45 67", "79991234567", 1),  # with Russia's trunk prefix
        ("user@example.com", "user@example.com", "abc-1"),
    ]:
        result = client.get_status(given, message_id)
        element = sent_element(http_mock)
        assert (element.findtext("phone"), element.findtext("id")) == (phone, str(message_id))
        assert (result.phone, result.message_id) == (phone, str(message_id))


@pytest.mark.parametrize(
    ("login", "password"),
    [("", PASSWORD), ("demo", ""), ("de\nmo", PASSWORD), ("demo", "pa\x00ss")],
)
def test_bad_credentials_are_refused_without_showing_them(login: str, password: str) -> None:
    with pytest.raises(InvalidParametersError) as caught:
        StatusClient(login, password)

    assert not password or password not in str(caught.value)


def test_a_session_whose_adapter_gives_a_plain_body_still_works() -> None:
    """A caller's adapter may hand over a body that is not urllib3's; it is read all the same."""

    class PlainBodyAdapter(BaseAdapter):
        def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
            response = requests.Response()
            response.status_code = 200
            response.headers["Content-Type"] = "text/xml; charset=utf-8"
            response.raw = io.BytesIO(soap_reply([("status", "1"), ("err", "0")]))
            response.request = request
            return response

        def close(self) -> None:
            pass

    session = requests.Session()
    session.mount("https://", PlainBodyAdapter())
    with StatusClient("demo", PASSWORD, session=session) as client:
        assert client.get_status("79991234567", "1").is_delivered
