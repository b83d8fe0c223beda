"""Receipts over a real SMPP session on 127.0.0.1: bytes on a socket to a MessageStatus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smsc_soap import MessageStatus, ReceiptError, StatusCode
from smsc_soap.smpp.listener import ReceiptClient, ReceiptListener, deliver_sm_tlvs

from support.smpp_peer import DELIVER_SM_RESP, SmppPeer, deliver_sm

RECEIPT = (
    "id:854019 sub:001 dlvrd:001 submit date:1108202241 done date:1108202241 stat:DELIVRD err:000"
)
TLVS = {
    0x001E: b"854019\0",
    0x0427: b"\x02",
    0x0423: b"\x03\x00\x00",
    0x2000: b" 2.5000\0",
    0x2001: b"\x00\x00",
    0x2002: b"\x00\x01",
    0x2003: b"25001\0",
    0x2004: b"\x00\x02",
}


def receive(deliveries: list[bytes], listener_options: dict[str, object]) -> SmppPeer:
    with SmppPeer(deliveries) as peer:
        client = ReceiptClient("127.0.0.1", peer.port, timeout=5)
        client.connect()
        client.bind_transceiver(system_id="demo", password="secret")
        ReceiptListener(**listener_options).attach(client)  # type: ignore[arg-type]
        for _ in deliveries:
            client.read_once()
        client.disconnect()
    return peer


def test_a_receipt_reaches_the_callback_as_a_message_status() -> None:
    received: list[MessageStatus] = []

    peer = receive([deliver_sm(7, RECEIPT, TLVS)], {"on_status": received.append})

    [status] = received
    assert status.message_id == "854019"
    assert status.phone == "79991234567"
    assert status.status is StatusCode.READ  # delivered, and 0x2004 says read
    assert status.cost == Decimal("2.5000")
    assert status.mccmnc == "25001"
    assert status.sms_cnt == 1
    assert peer.bound_as == "demo"
    assert peer.answers == [(DELIVER_SM_RESP, 0, 7)]


def test_parts_are_grouped_and_bad_receipts_acknowledged() -> None:
    parts = {**TLVS, 0x2002: b"\x00\x02"}
    groups: list[tuple[MessageStatus, ...]] = []
    errors: list[ReceiptError] = []
    messages: list[object] = []

    peer = receive(
        [
            deliver_sm(1, RECEIPT, parts),
            deliver_sm(2, "id:854019 stat:NOPE", {}),
            deliver_sm(3, "hello there", {}, esm_class=0),  # an incoming message
            deliver_sm(4, RECEIPT.replace("DELIVRD", "UNDELIV"), {**parts, 0x0427: b"\x05"}),
        ],
        {"on_parts": groups.append, "on_error": errors.append, "on_message": messages.append},
    )

    [group] = groups
    assert [part.status for part in group] == [StatusCode.READ, StatusCode.UNDELIVERABLE]
    assert [error.field for error in errors] == ["stat"]
    assert len(messages) == 1
    assert [answer[2] for answer in peer.answers] == [1, 2, 3, 4]  # every PDU acknowledged
    assert all(answer[1] == 0 for answer in peer.answers)


def test_tlvs_are_read_from_the_pdus_bytes() -> None:
    raw = deliver_sm(9, RECEIPT, TLVS)

    assert deliver_sm_tlvs(raw) == TLVS


@pytest.mark.parametrize("cut", [20, 40, len(deliver_sm(9, RECEIPT, TLVS)) - 2])
def test_a_pdu_cut_short_is_a_receipt_error(cut: int) -> None:
    with pytest.raises(ReceiptError, match="deliver_sm"):
        deliver_sm_tlvs(deliver_sm(9, RECEIPT, TLVS)[:cut])


def test_a_listener_needs_exactly_one_callback() -> None:
    with pytest.raises(ValueError, match="on_status"):
        ReceiptListener()
    with pytest.raises(ValueError, match="on_status"):
        ReceiptListener(print, on_parts=print)
