"""The gateway's JSON face and its OpenAPI document, over real sockets with the sandbox as the
service."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from jsonschema import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from smsc_soap import StatusClient
from smsc_soap.errors import (
    ApiError,
    AuthenticationError,
    ConnectionFailedError,
    InvalidParametersError,
    IPBlockedError,
    MalformedResponseError,
    MessageNotFoundError,
    RateLimitError,
    RequestTimeoutError,
    SmscError,
)
from smsc_soap.gateway import Gateway
from smsc_soap.gateway.json_models import StatusBody
from smsc_soap.gateway.served import failure_status
from smsc_soap.limits.stores import open_limit_store
from smsc_soap.sandbox import Sandbox
from smsc_soap.views.status_columns import status_columns

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

AUTH = ("demo", "demo")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    app = CountingSandbox()
    with Sandbox(app) as sandbox, start_gateway(sandbox) as gateway:
        reply = requests.get(f"{gateway.url}/v1/openapi.json", timeout=10)
    assert reply.headers["Content-Type"] == "application/json"
    document: dict[str, Any] = reply.json()
    return document


def _status(
    gateway: Gateway, *, auth: tuple[str, str] | None = AUTH, **params: str
) -> requests.Response:
    return requests.get(f"{gateway.url}/v1/status", params=params, auth=auth, timeout=30)


def _statuses(
    gateway: Gateway, body: object, *, auth: tuple[str, str] | None = AUTH
) -> requests.Response:
    return requests.post(f"{gateway.url}/v1/statuses", json=body, auth=auth, timeout=30)


def _assert_valid(document: dict[str, Any], schema: str, instance: object) -> None:
    reference = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    OAS31Validator(reference).validate(instance)


def test_a_status_has_its_code_outcome_and_age(gateway: Gateway) -> None:
    reply = _status(gateway, phone=DELIVERED[0], id=DELIVERED[1])
    body = reply.json()
    assert (reply.status_code, reply.headers["Content-Type"]) == (200, "application/json")
    assert (body["status"], body["status_name"], body["outcome"]) == (1, "Delivered", "delivered")
    assert (body["err"], body["err_name"], body["age"]) == (0, "NO_ERROR", 0.0)
    assert body["last_date"].endswith("+03:00")  # ISO 8601 with the service's offset
    assert reply.headers["Age"] == "0"
    assert "message" not in body  # all=0: the usual fields only


def test_a_phone_written_as_people_write_it_is_found_on_every_face(gateway: Gateway) -> None:
    """The one phone rule: what the command line accepts, the gateway accepts."""
    for written in ("7 (999) 000-10-04", "+7 999 000-10-04", "8 (999) 000-10-04"):
        reply = _status(gateway, phone=written, id=DELIVERED[1])
        assert (reply.status_code, reply.json()["status"]) == (200, 1), written
    items = [{"phone": "8 (999) 000-10-04", "id": DELIVERED[1]}]
    listed = _statuses(gateway, {"messages": items}).json()
    assert [item["status"] for item in listed] == [1]


def test_all_2_gives_every_field_with_the_cost_as_text(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    with start_gateway(upstream[1], transport="http") as gateway:
        body = _status(gateway, phone=WITH_REGION[0], id=WITH_REGION[1], all="2").json()
        hlr = _status(gateway, phone=HLR[0], id=HLR[1], all="2").json()
    assert (body["cost"], body["comment"], body["region"]) == ("3.15", "заказ 1542", "Москва")
    assert (body["operator"], body["operator_orig"], body["mccmnc"]) == ("МТС", "Билайн", "25001")
    assert body["send_date"].endswith("+03:00")
    assert (hlr["message_type"], hlr["hlr_imsi"], hlr["hlr_net"]) == (4, "250011234567890", "МТС")


def test_the_status_fields_are_the_command_lines_result_columns() -> None:
    columns = list(status_columns(2))
    assert list(StatusBody.model_fields) == [*columns, "age"]


@pytest.mark.parametrize(
    "auth_header",
    [None, "Bearer abc", "Basic !!!", "Basic ZGVtbw=="],
    ids=["none", "another scheme", "not base64", "no password"],
)
def test_without_credentials_the_answer_is_401_with_a_challenge(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway, auth_header: str | None
) -> None:
    sandbox, _ = upstream
    headers = {} if auth_header is None else {"Authorization": auth_header}
    reply = requests.get(
        f"{gateway.url}/v1/status",
        params={"phone": DELIVERED[0], "id": DELIVERED[1]},
        headers=headers,
        timeout=30,
    )
    assert reply.status_code == 401
    assert reply.headers["WWW-Authenticate"] == 'Basic realm="smsc-soap"'
    assert reply.json()["error"]["code"] == 2
    assert sandbox.requests == 0


def test_a_wrong_password_is_401_from_the_service(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    reply = _status(gateway, auth=("demo", "wrong"), phone=DELIVERED[0], id=DELIVERED[1])
    assert reply.status_code == 401
    assert reply.json()["error"]["type"] == "AuthenticationError"
    assert upstream[0].errors[2] == 1


@pytest.mark.parametrize("transport", ["soap", "http"])
def test_an_unknown_message_is_404(
    upstream: tuple[CountingSandbox, Sandbox], transport: str
) -> None:
    with start_gateway(upstream[1], transport=transport) as gateway:
        reply = _status(gateway, phone=UNKNOWN[0], id=UNKNOWN[1])
    assert reply.status_code == 404
    assert (reply.json()["error"]["code"], reply.json()["error"]["type"]) == (
        3,
        "MessageNotFoundError",
    )


@pytest.mark.parametrize(
    "params",
    [{"id": "1004"}, {"phone": DELIVERED[0]}, {"phone": DELIVERED[0], "id": "1004", "all": "3"}],
    ids=["no phone", "no id", "all=3"],
)
def test_bad_parameters_are_400(gateway: Gateway, params: dict[str, str]) -> None:
    reply = _status(gateway, **params)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 1


def test_a_lookup_held_back_by_the_limits_is_429(upstream: tuple[CountingSandbox, Sandbox]) -> None:
    store = open_limit_store("memory://", clock=time.monotonic)
    # Another program on the same login and limit store has spent the message's minute.
    with StatusClient(
        "demo", "demo", endpoint=upstream[1].soap_endpoint, allow_insecure_http=True, limits=store
    ) as other:
        for _ in range(5):
            other.get_status(*PENDING)
    with start_gateway(upstream[1], store=store, deadline=5.0) as gateway:
        reply = _status(gateway, phone=PENDING[0], id=PENDING[1])
    assert reply.status_code == 429
    assert reply.json()["error"]["type"] == "RateLimitError"
    assert upstream[0].requests == 5


def test_a_due_status_whose_window_is_full_is_served_from_the_cache_at_once(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    sandbox, service = upstream
    store = open_limit_store("memory://", clock=time.monotonic)
    clock = ManualClock()
    # A long deadline: a lookup that waited for the window would wait out the minute.
    with start_gateway(service, clock, store=store, deadline=120.0) as gateway:
        first = _status(gateway, phone=PENDING[0], id=PENDING[1])
        # Another program on the same login and limit store spends the rest of the minute.
        with StatusClient(
            "demo", "demo", endpoint=service.soap_endpoint, allow_insecure_http=True, limits=store
        ) as other:
            for _ in range(4):
                other.get_status(*PENDING)
        clock.advance(13)  # the gateway's status is due to be asked for again
        due = _status(gateway, phone=PENDING[0], id=PENDING[1])
    assert (first.status_code, due.status_code) == (200, 200)
    assert due.json()["status"] == first.json()["status"]
    assert due.json()["age"] == pytest.approx(13)
    assert sandbox.requests == 5


@pytest.mark.parametrize(
    ("fault", "options", "expected_status"),
    [("http_500", {}, 502), (None, {"timeout": (1.0, 0.05)}, 504)],
    ids=["an error page", "no answer in time"],
)
def test_a_lookup_the_service_did_not_answer_is_502_or_504(
    fault: str | None, options: dict[str, object], expected_status: int
) -> None:
    with gateway_to_a_failing_service(fault, **options) as gateway:
        reply = _status(gateway, phone=DELIVERED[0], id=DELIVERED[1])
    assert reply.status_code == expected_status
    assert reply.json()["error"]["code"] is None


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (InvalidParametersError("x"), "400 Bad Request"),
        (AuthenticationError(from_service=True), "401 Unauthorized"),
        (MessageNotFoundError(from_service=True), "404 Not Found"),
        (RateLimitError("held back"), "429 Too Many Requests"),
        (IPBlockedError(from_service=True), "503 Service Unavailable"),
        (RequestTimeoutError("slow"), "504 Gateway Timeout"),
        (ConnectionFailedError("refused"), "502 Bad Gateway"),
        (MalformedResponseError("broken"), "502 Bad Gateway"),
        (ApiError(7, from_service=True), "502 Bad Gateway"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, SmscError) else value,
)
def test_each_failure_has_its_http_status(error: SmscError, expected: str) -> None:
    assert failure_status(error) == expected


def test_a_list_is_answered_in_order_and_one_failure_fails_only_its_item(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    messages = [DELIVERED, UNKNOWN, UNDELIVERABLE]
    reply = _statuses(gateway, {"messages": [{"phone": p, "id": i} for p, i in messages], "all": 1})
    items = reply.json()
    assert reply.status_code == 200
    assert [item["id"] for item in items] == ["1004", "999999", "1008"]
    assert [item.get("status") for item in items] == [1, None, 20]
    assert items[1]["error"]["type"] == "MessageNotFoundError"
    assert items[2]["cost"] == "3.15"  # all=1 asked for the full fields


def test_a_list_takes_numeric_ids(gateway: Gateway) -> None:
    reply = _statuses(gateway, {"messages": [{"phone": DELIVERED[0], "id": 1004}]})
    assert [(item["id"], item["status"]) for item in reply.json()] == [("1004", 1)]


_NOTHING_SENT = " (refused by the gateway; nothing was sent)"
_BAD_ID = "an id is a whole number of up to 20 digits, or a string of its digits"


@pytest.mark.parametrize(
    ("body", "expected_status", "expected_message"),
    [
        (b"{not json", 400, "the body is not JSON"),
        (b'{"messages": [{"phone": "79990001004"}]}', 422, "messages.0.id: Field required"),
        (
            b'{"messages": []}',
            422,
            "messages: List should have at least 1 item after validation, not 0",
        ),
        (
            b'{"messages": [{"phone": "79990001004", "id": "1"}], "all": 5}',
            422,
            "all: Input should be 0, 1 or 2",
        ),
        (
            b'{"messages": [{"phone": "79990001004", "id": "1"}], "all": true}',
            422,
            "all: Input should be 0, 1 or 2",
        ),
        (
            b'{"messages": [{"phone": "7999x", "id": "1"}]}',
            422,
            "messages.0.phone: a phone is digits with an optional leading + (spaces,"
            " parentheses, dashes and dots allowed), or an e-mail address",
        ),
        (b"[]", 422, "the body: Input should be a valid dictionary or instance of StatusesRequest"),
        (b'{"messages": [{"phone": "7", "id": true}]}', 422, f"messages.0.id: {_BAD_ID}"),
        (b'{"messages": [{"phone": "7", "id": -1}]}', 422, f"messages.0.id: {_BAD_ID}"),
        (b'{"messages": [{"phone": "7", "id": "1a"}]}', 422, f"messages.0.id: {_BAD_ID}"),
        (
            b'{"messages": [' + b",".join([b'{"phone": "7", "id": "1"}'] * 101) + b"]}",
            422,
            "at most 100 messages in one request",
        ),
    ],
    ids=[
        "not JSON",
        "no id",
        "no messages",
        "all=5",
        "all true",
        "phone not a phone",
        "not an object",
        "id true",
        "negative id",
        "id not digits",
        "101 messages",
    ],
)
def test_a_bad_body_gets_a_json_error_saying_where(
    upstream: tuple[CountingSandbox, Sandbox],
    gateway: Gateway,
    body: bytes,
    expected_status: int,
    expected_message: str,
) -> None:
    reply = requests.post(
        f"{gateway.url}/v1/statuses",
        data=body,
        auth=AUTH,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert (reply.status_code, reply.headers["Content-Type"]) == (
        expected_status,
        "application/json",
    )
    message = reply.json()["error"]["message"]
    assert message == expected_message + _NOTHING_SENT  # no values sent, no links
    assert upstream[0].requests == 0


def test_a_wrong_method_is_405_in_json(gateway: Gateway) -> None:
    reply = requests.get(f"{gateway.url}/v1/statuses", auth=AUTH, timeout=10)
    assert (reply.status_code, reply.headers["Allow"]) == (405, "POST")
    assert reply.json()["error"]["type"] == "GatewayError"


def test_the_openapi_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/v1/status", "/v1/statuses"}


def test_replies_match_the_documents_schemas(
    document: dict[str, Any], upstream: tuple[CountingSandbox, Sandbox]
) -> None:
    with start_gateway(upstream[1], transport="http") as gateway:
        full = _status(gateway, phone=WITH_REGION[0], id=WITH_REGION[1], all="2")
        usual = _status(gateway, phone=DELIVERED[0], id=DELIVERED[1])
        missing = _status(gateway, phone=UNKNOWN[0], id=UNKNOWN[1])
        unauthorised = _status(gateway, auth=None, phone=DELIVERED[0], id=DELIVERED[1])
        listed = _statuses(
            gateway, {"messages": [{"phone": p, "id": i} for p, i in (HLR, UNKNOWN)]}
        )
    _assert_valid(document, "StatusBody", full.json())
    _assert_valid(document, "StatusBody", usual.json())
    _assert_valid(document, "ErrorBody", missing.json())
    _assert_valid(document, "ErrorBody", unauthorised.json())
    _assert_valid(document, "StatusesBody", listed.json())


def test_the_schemas_refuse_what_is_not_a_reply(document: dict[str, Any], gateway: Gateway) -> None:
    # The check above can fail: a status without its outcome is not a StatusBody.
    body = _status(gateway, phone=DELIVERED[0], id=DELIVERED[1]).json()
    _assert_valid(document, "StatusBody", body)
    del body["outcome"]
    with pytest.raises(ValidationError, match="'outcome' is a required property"):
        _assert_valid(document, "StatusBody", body)


def test_lookups_are_counted_under_the_json_face(gateway: Gateway) -> None:
    _status(gateway, phone=DELIVERED[0], id=DELIVERED[1])
    _statuses(gateway, {"messages": [{"phone": p, "id": i} for p, i in (DELIVERED, UNKNOWN)]})
    metrics = requests.get(f"{gateway.url}/metrics", timeout=10).text
    assert 'smsc_gateway_lookups_total{face="json",outcome="delivered"} 2.0' in metrics
    assert 'smsc_gateway_lookups_total{face="json",outcome="not_found"} 1.0' in metrics


def test_the_access_log_shows_no_credentials_or_phone_numbers(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="smsc_soap.gateway")
    # Another login's wrong password: demo's own lookups are not held back by it.
    _status(gateway, auth=("someone", "s3cret-pass"), phone=PENDING[0], id=PENDING[1])
    _statuses(gateway, {"messages": [{"phone": PENDING[0], "id": PENDING[1]}]})
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("smsc_soap.gateway")]
    assert any("/v1/status 401" in line for line in lines)
    assert any("/v1/statuses 200" in line for line in lines)
    assert [line for line in lines if "s3cret" in line or PENDING[0] in line or "?" in line] == []
