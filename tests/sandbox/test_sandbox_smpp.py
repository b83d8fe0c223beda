"""The sandbox's SMPP face: receipts pushed for status changes, read by the receipt listener;
binds and queries as the service answers them; and ``smsc-soap sandbox --smpp-port``."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from decimal import Decimal

import pytest

from smsc_soap import MessageStatus, SmppStatusTransport, StatusClient, StatusCode
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SmppServer
from smsc_soap.smpp.listener import ReceiptClient, ReceiptListener

PHONE = "79991234567"
MOVING = BookMessage(
    id="5",
    phone=PHONE,
    status=0,
    err=0,
    cost=Decimal("1.25"),
    sms_cnt=2,
    then_status=1,
    then_after=0,
)
STILL = BookMessage(id="6", phone=PHONE, status=1)


pytestmark = pytest.mark.sandbox(lambda: [MOVING, STILL], smpp_port=0)


def smpp_port(sandbox: Sandbox) -> int:
    assert sandbox.smpp is not None
    return int(sandbox.smpp.port)


def test_a_status_change_is_pushed_as_a_receipt_the_listener_reads(sandbox: Sandbox) -> None:
    received: list[MessageStatus] = []
    client = ReceiptClient("127.0.0.1", smpp_port(sandbox), timeout=5)
    client.connect()
    try:
        client.bind_transceiver(system_id="demo", password="demo")
        ReceiptListener(on_status=received.append).attach(client)
        client.read_once()  # the DELIVER_SM, acknowledged once the listener has it
    finally:
        client.disconnect()

    assert len(received) == 1
    status = received[0]
    assert (status.message_id, status.phone, status.status) == ("5", PHONE, StatusCode.DELIVERED)
    assert (status.cost, status.sms_cnt, int(status.err or 0)) == (Decimal("1.25"), 2, 0)
    assert status.last_date is not None
    assert status.last_date.replace(second=0) == sandbox.app.started.replace(
        second=0, microsecond=0
    )


def test_a_receipt_is_pushed_once_to_one_receiver(sandbox: Sandbox) -> None:
    first: list[MessageStatus] = []
    clients = [ReceiptClient("127.0.0.1", smpp_port(sandbox), timeout=0.3) for _ in range(2)]
    try:
        for client in clients:
            client.connect()
            client.bind_receiver(system_id="demo", password="demo")
        ReceiptListener(on_status=first.append).attach(clients[0])
        clients[0].read_once()
        with pytest.raises(TimeoutError):  # nothing for the second receiver
            clients[1].read_once(auto_send_enquire_link=False)
    finally:
        for client in clients:
            client.disconnect()

    assert [status.message_id for status in first] == ["5"]


def test_the_query_and_the_receipt_of_a_message_agree(sandbox: Sandbox) -> None:
    transport = SmppStatusTransport(
        host="127.0.0.1", port=smpp_port(sandbox), source_addr="SMSC.RU"
    )
    with StatusClient("demo", "demo", transport=transport) as client:
        queried = client.get_status(PHONE, "5")

    assert queried.status is StatusCode.DELIVERED
    assert queried.extra == {"message_state": "DELIVRD"}


def test_the_sandbox_command_serves_smpp_beside_http() -> None:
    server = subprocess.Popen(
        [sys.executable, "-m", "smsc_soap", "sandbox", "--port", "0", "--smpp-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        said = server.stderr.readline()
        found = re.search(r"SMPP 127\.0\.0\.1:(\d+)", said)
        assert found, said
        transport = SmppStatusTransport(
            host="127.0.0.1", port=int(found[1]), source_addr="SMSC.RU", timeout=5
        )
        with StatusClient("demo", "demo", transport=transport) as client:
            status = client.get_status("79990001004", "1004")  # the book's DELIVERED
        assert status.status is StatusCode.DELIVERED
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=10) == 130  # Ctrl-C, as every command


def test_queries_keep_the_services_limits_and_name_a_message_by_its_sender() -> None:
    from smsc_soap import Credentials, StatusRequest

    book = MessageBook([STILL])
    with Sandbox(SandboxApp(book), smpp_port=0) as sandbox:
        port = smpp_port(sandbox)
        right, wrong = (
            SmppStatusTransport(host="127.0.0.1", port=port, source_addr=sender, timeout=5)
            for sender in ("SMSC.RU", "OTHER")
        )
        request = StatusRequest.build("get_status", PHONE, "6", 0)
        demo = Credentials.of("demo", "demo")
        try:
            answers = [right.fetch(demo, request, timeout=5)["status"] for _ in range(5)]
            over = right.fetch(demo, request, timeout=5)
            elsewhere = wrong.fetch(demo, request, timeout=5)
        finally:
            right.close()
            wrong.close()

    assert answers == ["1"] * 5
    assert over == {"error": "9"}  # a sixth lookup of one message within a minute
    assert elsewhere == {"error": "3"}  # the id, from another sender: no such message


def test_a_receipt_smpp_cannot_carry_is_logged_and_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("WARNING", logger="smsc_soap.sandbox")
    unwritable = [
        BookMessage(id="сообщение", phone=PHONE, status=0, then_status=1, then_after=0),
        BookMessage(id="8", phone=PHONE, status=0, err=70000, then_status=20, then_after=0),
    ]
    received: list[MessageStatus] = []
    with Sandbox(SandboxApp(MessageBook([*unwritable, MOVING])), smpp_port=0) as sandbox:
        client = ReceiptClient("127.0.0.1", smpp_port(sandbox), timeout=5)
        client.connect()
        try:
            client.bind_receiver(system_id="demo", password="demo")
            ReceiptListener(on_status=received.append).attach(client)
            client.read_once()
        finally:
            client.disconnect()

    assert [status.message_id for status in received] == ["5"]
    skipped = [r for r in caplog.records if r.name.startswith("smsc_soap.sandbox")]
    assert [("сообщение" in r.getMessage(), "70000" in r.getMessage()) for r in skipped] == [
        (True, False),
        (False, True),
    ]


def test_a_receiver_that_cannot_be_sent_to_is_retired_and_the_next_gets_the_receipt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from smsc_soap import ConnectionFailedError
    from smsc_soap.sandbox import smpp_server
    from smsc_soap.smpp.protocol import DELIVER_SM, header_of

    failed: list[object] = []
    send = smpp_server._Peer.send

    def first_receiver_broken(peer: smpp_server._Peer, data: bytes) -> None:
        if header_of(data)[0] == DELIVER_SM and (not failed or failed[0] is peer):
            failed.append(peer)
            raise ConnectionFailedError("the first receiver's connection is broken")
        send(peer, data)

    monkeypatch.setattr(smpp_server._Peer, "send", first_receiver_broken)
    received: list[MessageStatus] = []
    with Sandbox(SandboxApp(MessageBook([MOVING])), smpp_port=0) as sandbox:
        clients = [ReceiptClient("127.0.0.1", smpp_port(sandbox), timeout=5) for _ in range(2)]
        try:
            clients[0].connect()
            clients[0].bind_receiver(system_id="demo", password="demo")
            until = time.monotonic() + 5
            while not failed and time.monotonic() < until:
                time.sleep(0.01)
            clients[1].connect()
            clients[1].bind_receiver(system_id="demo", password="demo")
            ReceiptListener(on_status=received.append).attach(clients[1])
            clients[1].read_once()
        finally:
            for client in clients:
                client.disconnect()

    assert [status.message_id for status in received] == ["5"]
    assert len(failed) == 1  # tried once, not again and again while it was still listed


def test_a_connection_that_stays_quiet_is_dropped() -> None:
    server = SmppServer(SandboxApp(MessageBook([STILL])), idle_timeout=0.1).start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as quiet:
            assert quiet.recv(16) == b""  # closed by the server, long before 5 s
    finally:
        server.close()
