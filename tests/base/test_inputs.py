"""Every input typed: characters XML 1.0 or UTF-8 cannot carry, control characters and keys
that PHP would read as a reserved name are refused before anything is sent; any input gives
a well-formed request or ``InvalidParametersError``; any reply body and header values give
a status or a documented error."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
import requests_mock
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from smsc_soap import (
    Credentials,
    InvalidParametersError,
    MessageStatus,
    SmscError,
    StatusClient,
    StatusRequest,
)
from smsc_soap.service import phones
from smsc_soap.service.query import build_query, checked_query
from smsc_soap.service.replies import status_from_reply
from smsc_soap.transports.http import HttpStatusTransport
from smsc_soap.transports.soap import SoapStatusTransport

from support.soap_replies import PASSWORD, soap_reply

PHONE = "79991234567"
SOAP_URL = "https://smsc.ru/sys/soap.php"
HTTP_URL = "https://smsc.ru/sys/status.php"
UNSENDABLE = ["\ufffe", "\uffff", "\ud800", "\udfff", "\x00", "\x1f", "\x7f", "\x85"]


@pytest.mark.parametrize("char", UNSENDABLE, ids=ascii)
def test_an_id_or_phone_that_cannot_be_sent_is_refused(char: str) -> None:
    for phone, message_id in [(PHONE, f"1{char}"), (f"user{char}@example.com", "1")]:
        with pytest.raises(InvalidParametersError, match="cannot carry"):
            StatusRequest.build("get_status", phone, message_id, 0)


@pytest.mark.parametrize("char", UNSENDABLE, ids=ascii)
@pytest.mark.parametrize("which", ["login", "password", "api_key"])
def test_credentials_that_cannot_be_sent_are_refused_when_the_client_is_built(
    char: str, which: str
) -> None:
    given = {"login": "demo", "password": PASSWORD, "api_key": None}
    if which == "api_key":
        given = {"login": None, "password": None, "api_key": f"key-{char}-key"}
    else:
        given[which] = f"{given[which]}{char}"

    with pytest.raises(InvalidParametersError, match="cannot carry") as caught:
        StatusClient(**given, transport="http")  # type: ignore[arg-type]

    assert caught.value.option == which
    assert caught.value.attempts == 0


@pytest.mark.parametrize(
    "key",
    [
        "id\x00",
        "id%00",
        "id%2500",
        "%69d",
        "+id",
        "  Psw",
        "LOGIN[]",
        "del%5B%5D",
        "a\r\nb",
        "x\ufffe",
    ],
    ids=ascii,
)
def test_a_query_key_php_would_read_as_a_reserved_name_or_that_cannot_be_sent_is_refused(
    key: str,
) -> None:
    with pytest.raises(InvalidParametersError):
        build_query({key: "999"})


@pytest.mark.parametrize(
    "query", ["a=1&id%00=999", "id%2500=999", "%69d=999", "a=1&+all=2", "a%0D%0Ab=1"], ids=ascii
)
def test_a_ready_query_string_smuggling_a_reserved_name_is_refused(query: str) -> None:
    with pytest.raises(InvalidParametersError):
        checked_query(query)


def test_query_values_may_hold_line_breaks_but_not_lone_surrogates() -> None:
    assert build_query({"comment": "two\r\nlines"}) == "comment=two%0D%0Alines"
    with pytest.raises(InvalidParametersError, match="surrogate"):
        build_query({"comment": "half \ud83d"})
    with pytest.raises(InvalidParametersError, match="cannot carry"):
        checked_query("comment=half \ud83d")


ANY_CHARACTER = st.characters(exclude_categories=[])  # surrogates and controls included
ANY_TEXT = st.text(alphabet=ANY_CHARACTER, max_size=12)
TEXTS_THAT_MAY_PASS = st.one_of(
    ANY_TEXT,
    st.from_regex(r"\+?[0-9]{1,15}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,8}@[a-z]{1,8}\.ru", fullmatch=True),
)
QUERY_VALUES = st.one_of(
    ANY_TEXT,
    st.integers(),
    st.floats(),
    st.decimals(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=1),
)
QUERIES = st.one_of(
    st.none(),
    ANY_TEXT,
    st.dictionaries(ANY_TEXT, QUERY_VALUES, max_size=3),
    # Well-formed but for the key: a reserved name, as written or as PHP would read it.
    st.dictionaries(
        st.sampled_from(["id", "id%00", "%69d", "+all", "PSW[]", "mes"]), st.just("9"), max_size=2
    ),
)


@pytest.fixture(scope="module")
def transports() -> Iterator[dict[str, SoapStatusTransport | HttpStatusTransport]]:
    soap, http = SoapStatusTransport(), HttpStatusTransport()
    yield {"soap": soap, "http": http}
    soap.close()
    http.close()


REPLIES = {
    "soap": soap_reply([("status", "1")]),
    "http": b'{"status": 1}',
}
STATUS2_REPLY = soap_reply([("status", "1")], element="Status2Response")


def sent_fields(which: str, body: bytes) -> dict[str, list[str]]:
    """The request's parameters as the service reads them."""
    if which == "http":
        return parse_qs(body.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    element = etree.fromstring(body)[0][0]  # Envelope / Body / the operation
    return {child.tag: [child.text or ""] for child in element}


VALID = {
    "login": st.just("demo"),
    "password": st.just(PASSWORD),
    "phone": st.just(PHONE),
    "message_id": st.just("1"),
    "all": st.just(0),
    "query": st.just({"mes": 1}),
}
ANY = {
    "login": st.one_of(ANY_TEXT, st.none()),
    "password": st.one_of(ANY_TEXT, st.none()),
    "phone": st.one_of(TEXTS_THAT_MAY_PASS, st.integers(), st.none()),
    "message_id": st.one_of(TEXTS_THAT_MAY_PASS, st.integers(), st.floats(), st.none()),
    "all": st.one_of(st.integers(), st.booleans(), ANY_TEXT),
    "query": QUERIES,
}


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.sampled_from(["soap", "http"]), data=st.data())
def test_any_input_gives_a_well_formed_request_or_invalid_parameters(
    transports: dict[str, SoapStatusTransport | HttpStatusTransport],
    which: str,
    data: st.DataObject,
) -> None:
    # One or two inputs drawn from anything, the others valid: so that a bad one is the
    # only thing that can stop the request.
    drawn = data.draw(st.sets(st.sampled_from(sorted(ANY)), min_size=1, max_size=2))
    inputs = {name: data.draw((ANY if name in drawn else VALID)[name], label=name) for name in ANY}
    login, password, phone, message_id, all, query = (
        inputs[name] for name in ("login", "password", "phone", "message_id", "all", "query")
    )
    url = SOAP_URL if which == "soap" else HTTP_URL
    operation = "get_status" if query is None else "get_status2"
    reply = REPLIES[which] if operation == "get_status" or which == "http" else STATUS2_REPLY
    # A password that is a word of the reply itself is taken out of it as an echo would be.
    assume(not (isinstance(password, str) and password in reply.decode()))
    with requests_mock.Mocker() as http_mock:
        http_mock.post(url, content=reply)
        result: object
        try:
            credentials = Credentials.of(login, password)  # type: ignore[arg-type]
            request = StatusRequest.build(operation, phone, message_id, all, query)  # type: ignore[arg-type]
            result = transports[which].fetch(credentials, request, timeout=5)
        except InvalidParametersError as refusal:
            result = refusal
        sent_requests = http_mock.call_count
        body = http_mock.last_request.body if http_mock.last_request else None

    if isinstance(result, InvalidParametersError):
        assert sent_requests == 0
        # Refused by the client's checks, not by a library failing to build the request.
        assert result.__cause__ is None
        assert result.__context__ is None
        return
    assert isinstance(result, dict)
    assert isinstance(body, bytes)
    sent = sent_fields(which, body)
    # Each of the request's own parameters once, with the value given: nothing smuggled.
    assert sent["login"] == [login]
    assert sent["psw"] == [password]
    assert sent["phone"] == [phones.normalised(phone)]  # the one phone rule, and nothing else
    assert sent["id"] == [str(message_id)]
    assert sent["all"] == [str(all)]


HEADER_VALUES = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=30),
    st.sampled_from(["²", "1²", "0", "-1", "1e3", "99999999999999999999", "utf-16", "koi8-r"]),
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(["soap", "http"]),
    body=st.one_of(st.binary(max_size=300), st.sampled_from(list(REPLIES.values()))),
    status_code=st.sampled_from([200, 200, 302, 429, 500, 503]),
    retry_after=HEADER_VALUES,
    content_length=HEADER_VALUES,
    charset=HEADER_VALUES,
)
def test_any_reply_body_and_header_values_give_a_status_or_a_documented_error(
    transports: dict[str, SoapStatusTransport | HttpStatusTransport],
    which: str,
    body: bytes,
    status_code: int,
    retry_after: str | None,
    content_length: str | None,
    charset: str | None,
) -> None:
    headers = {
        name: value
        for name, value in {
            "Retry-After": retry_after,
            "Content-Length": content_length,
            "Content-Type": None if charset is None else f"text/xml; charset={charset}",
        }.items()
        if value is not None
    }
    request = StatusRequest.build("get_status", PHONE, "1", 0)
    with requests_mock.Mocker() as http_mock:
        http_mock.post(
            SOAP_URL if which == "soap" else HTTP_URL,
            content=body,
            status_code=status_code,
            headers=headers,
        )
        try:
            fields = transports[which].fetch(Credentials.of("demo", PASSWORD), request, timeout=5)
            result: object = status_from_reply(fields, request)
        except Exception as error:  # anything but an SmscError is the failure looked for
            result = error

    assert isinstance(result, MessageStatus | SmscError), repr(result)
    assert type(result).__module__ in {"smsc_soap.models", "smsc_soap.errors"}
