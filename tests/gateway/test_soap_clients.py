"""SOAP clients nobody here wrote, built from the gateway's WSDL: PHP's SoapClient, Node's
``soap``, suds-community and zeep reading strictly. Each calls get_status and get_status2 at
all=0, 1 and 2 through the gateway and must get every field the service (the sandbox) sent,
empty ones included, with the values its book holds.

PHP (``php-cli``, ``php-soap``) and Node's ``soap`` (``npm ci`` in tests/support/node) are
installed by .ci/run; elsewhere a test whose client is missing is skipped, saying why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import suds.client
import zeep
import zeep.helpers
from lxml import etree

from smsc_soap.gateway import Gateway
from smsc_soap.sandbox import Sandbox
from smsc_soap.serving.field_orders import REPLY_SEQUENCE, SOAP_ORDER

from support.gateway_setup import (
    DELIVERED,
    HLR,
    UNDELIVERABLE,
    WITH_REGION,
    CountingSandbox,
    start_gateway,
)
from support.manual_clock import ManualClock
from support.required import missing

SUPPORT = Path(__file__).parents[1] / "support"
NODE_DIRECTORY = SUPPORT / "node"
LEVELS = (0, 1, 2)
OPERATIONS = ("get_status", "get_status2")
# An HLR request's fields, one with the number's region filled in, and two with operator,
# region (and for the HLR one message) sent empty.
MESSAGES = (HLR, WITH_REGION, DELIVERED, UNDELIVERABLE)
CALLS = [
    (operation, message, level)
    for message in MESSAGES
    for operation in OPERATIONS
    for level in LEVELS
]

Fields = dict[str, str]
Caller = Callable[[str, list[dict[str, Any]]], list[Fields]]


def _params(operation: str, message: tuple[str, str], level: int) -> dict[str, Any]:
    params = {"login": "demo", "psw": "demo", "phone": message[0], "id": message[1]}
    params["all"] = str(level)
    if operation == "get_status2":
        params["query"] = ""
    return params


def _calls() -> list[dict[str, Any]]:
    return [
        {"operation": operation, "params": _params(operation, message, level)}
        for operation, message, level in CALLS
    ]


def _sent(app: CountingSandbox, message: tuple[str, str], level: int) -> Fields:
    """What the sandbox answers over SOAP at ``level``, every field in its order."""
    fields = app.look_up("demo", *message, SOAP_ORDER[level], counted=False)
    assert isinstance(fields, list)
    return dict(fields)


def _run(command: list[str], calls: list[dict[str, Any]]) -> list[Fields]:
    done = subprocess.run(
        command,
        input=json.dumps(calls),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    replies: list[Fields] = json.loads(done.stdout)
    return replies


def _php(wsdl: str, calls: list[dict[str, Any]]) -> list[Fields]:
    php = shutil.which("php")
    if php is None:
        missing("php is not installed (Debian: php-cli php-soap)")
    modules = subprocess.run([php or "php", "-m"], capture_output=True, text=True, check=False)
    if "soap" not in modules.stdout.split():
        missing("PHP's soap extension is not installed (Debian: php-soap)")
    return _run([php or "php", str(SUPPORT / "soap_client.php"), wsdl], calls)


def _node(wsdl: str, calls: list[dict[str, Any]]) -> list[Fields]:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (NODE_DIRECTORY / "node_modules" / "soap").is_dir():
        missing("Node's soap package is not installed (npm ci in tests/support/node)")
    return _run([node or "node", str(NODE_DIRECTORY / "soap_client.js"), wsdl], calls)


def _suds(wsdl: str, calls: list[dict[str, Any]]) -> list[Fields]:
    client = suds.client.Client(wsdl, cache=None)
    replies = []
    for call in calls:
        reply = getattr(client.service, call["operation"])(**call["params"])
        # suds sets an attribute for each element the reply holds, None for an empty one.
        replies.append(
            {
                name: "" if value is None else str(value)
                for name, value in suds.client.Client.dict(reply).items()
            }
        )
    return replies


CALLERS: dict[str, Caller] = {"php": _php, "node": _node, "suds": _suds}


@pytest.mark.parametrize("client", CALLERS)
def test_a_soap_client_reads_every_field_of_every_reply(
    client: str, upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    app, _ = upstream
    replies = CALLERS[client](f"{gateway.soap_endpoint}?wsdl", _calls())
    expected = [_sent(app, message, level) for _, message, level in CALLS]
    assert [list(reply.items()) for reply in replies] == [list(e.items()) for e in expected]
    _check_against_the_book(app, dict(zip(CALLS, replies, strict=True)))


def test_zeep_reading_strictly_reads_every_field_of_every_reply(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    app, _ = upstream
    client = zeep.Client(f"{gateway.soap_endpoint}?wsdl", settings=zeep.Settings(strict=True))
    replies = {}
    for operation, message, level in CALLS:
        reply = client.service[operation](**_params(operation, message, level))
        # zeep's object has every declared field, None for one absent or empty.
        values = zeep.helpers.serialize_object(reply, dict)
        assert list(values) == list(REPLY_SEQUENCE)
        replies[operation, message, level] = values
        sent = _sent(app, message, level)
        assert values == {name: sent.get(name) or None for name in REPLY_SEQUENCE}
    _check_against_the_book(
        app, {call: {k: v or "" for k, v in values.items()} for call, values in replies.items()}
    )


def _check_against_the_book(
    app: CountingSandbox, replies: dict[tuple[str, tuple[str, str], int], Fields]
) -> None:
    """The values that matter, read against the book itself rather than the sandbox's reply."""
    hlr, region = app.book.find(*HLR), app.book.find(*WITH_REGION)
    assert hlr is not None
    assert region is not None
    for operation in OPERATIONS:
        for level in LEVELS:
            got = replies[operation, HLR, level]
            assert (got["imsi"], got["net"], got["rcn"]) == (hlr.imsi, hlr.net, "")
        full = replies[operation, WITH_REGION, 2]
        assert (full["operator"], full["region"]) == (region.operator, region.region)
        assert full["sms_cnt"] == str(region.sms_cnt)
        assert replies[operation, HLR, 1]["message"] == ""
        assert int(replies[operation, UNDELIVERABLE, 0]["err"]) == 6


def test_all_2_replies_carry_the_empty_fields_the_service_sent(
    upstream: tuple[CountingSandbox, Sandbox], gateway: Gateway
) -> None:
    """Byte for byte: the gateway's reply has the service's fields, empty ones and an HLR
    request's included, in the service's order."""
    _, service = upstream
    replies = {
        message: [_post_fields(server, message) for server in (gateway, service)]
        for message in (HLR, DELIVERED)
    }
    for mine, theirs in replies.values():
        assert mine == theirs
    assert ("rnet", "") in replies[HLR][0]
    assert ("message", "") in replies[HLR][0]
    assert ("operator", "") in replies[DELIVERED][0]


def test_the_gateways_wsdl_declares_every_field_and_only_what_it_answers(
    gateway: Gateway,
) -> None:
    document = requests.get(f"{gateway.soap_endpoint}?wsdl", timeout=10).content
    client = zeep.Client(f"{gateway.soap_endpoint}?wsdl")
    operations = client.wsdl.services["Service"].ports["ServiceSoap"].binding.all()
    assert sorted(operations) == ["get_status", "get_status2"]
    declared = client.get_type("{http://smsc.ru/sys/soap.php}statusresult")
    assert [name for name, _ in declared.elements] == list(REPLY_SEQUENCE)
    for name in ("sms_cnt", "imsi", "rnet", "flag", "comment", "mccmnc", "operator_orig", "type"):
        assert f'name="{name}"'.encode() in document
    assert b"balance" not in document


def test_the_sandbox_serves_the_services_published_wsdl(sandbox: Sandbox) -> None:
    document = requests.get(f"{sandbox.soap_endpoint}?wsdl", timeout=10).content
    assert b'<wsdl:operation name="get_balance">' in document
    assert b'name="sms_cnt"' not in document


def test_a_gateway_asking_over_status_php_gives_strict_clients_its_fields(
    upstream: tuple[CountingSandbox, Sandbox],
) -> None:
    """status.php sends fields the SOAP interface does not (comment, mccmnc, country, ...):
    the gateway's WSDL declares them too, so a strict client reads them."""
    app, service = upstream
    with start_gateway(service, ManualClock(), transport="http") as gateway:
        client = zeep.Client(f"{gateway.soap_endpoint}?wsdl", settings=zeep.Settings(strict=True))
        full = client.service.get_status(**_params("get_status", WITH_REGION, 2))
        brief = client.service.get_status(**_params("get_status", WITH_REGION, 0))
    message = app.book.find(*WITH_REGION)
    assert message is not None
    assert (full.comment, full.mccmnc, full.country, full.operator_orig, full.region) == (
        message.comment,
        message.mccmnc,
        message.country,
        message.operator_orig,
        message.region,
    )
    assert (full.type, full.flag, full.sms_cnt) == ("0", str(message.flag), "1")
    assert (brief.flag, brief.comment, brief.region) == (str(message.flag), None, None)


def _post_fields(server: Gateway | Sandbox, message: tuple[str, str]) -> list[tuple[str, str]]:
    """The fields of ``server``'s all=2 get_status reply, in order, empty ones as ""."""
    soap = "http://schemas.xmlsoap.org/soap/envelope/"
    envelope = etree.Element(f"{{{soap}}}Envelope", nsmap={"soap": soap})
    status = etree.SubElement(
        etree.SubElement(envelope, f"{{{soap}}}Body"), "{http://smsc.ru/sys/soap.php}status"
    )
    for name, value in _params("get_status", message, 2).items():
        etree.SubElement(status, name).text = value
    reply = requests.post(
        server.soap_endpoint,
        data=etree.tostring(envelope),
        headers={"Content-Type": "text/xml; charset=utf-8"},
        timeout=10,
    )
    wrapper = etree.fromstring(reply.content).find(".//statusresult")
    assert wrapper is not None
    return [(str(child.tag), child.text or "") for child in wrapper]
