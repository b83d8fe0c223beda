"""SMPP delivery receipts read into MessageStatus: the seed's example, every state, the TLVs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from smsc_soap import (
    MOSCOW_TIME,
    EmailError,
    InvalidParametersError,
    MessageStatus,
    MessageType,
    ReceiptError,
    SmscError,
    SmsError,
    StatusCode,
    parse_receipt,
)
from smsc_soap.smpp.receipts import ReceiptParts

from support.manual_clock import ManualClock

SEED_EXAMPLE = (
    "id:854019 sub:001 dlvrd:001 submit date:1108202241 done date:1108202241 stat:DELIVRD err:000"
)


def test_the_seeds_example() -> None:
    status = parse_receipt(SEED_EXAMPLE, phone="79991234567")

    assert status.message_id == "854019"
    assert status.phone == "79991234567"
    assert status.status is StatusCode.DELIVERED
    assert status.err is SmsError.NO_ERROR
    assert status.sms_cnt == 1
    assert status.send_date == datetime(2011, 8, 20, 22, 41, tzinfo=MOSCOW_TIME)
    assert status.last_date == status.send_date
    assert status.extra == {"dlvrd": "001"}
    assert status.is_delivered


# Receipt states and the status codes of the service's status page (0 transferred to the
# operator, 1 delivered, 3 expired, 20 unable to deliver) each is read as.
@pytest.mark.parametrize(
    ("state", "expected", "outcome"),
    [
        ("DELIVRD", 1, "delivered"),
        ("EXPIRED", 3, "failed"),
        ("UNDELIV", 20, "failed"),
        ("REJECTD", 20, "failed"),
        ("DELETED", 20, "failed"),
        ("ACCEPTD", 0, "pending"),
        ("ENROUTE", 0, "pending"),
        ("UNKNOWN", 0, "pending"),
    ],
)
def test_every_documented_state(state: str, expected: int, outcome: str) -> None:
    status = parse_receipt(SEED_EXAMPLE.replace("DELIVRD", state))

    assert status.status == expected
    assert isinstance(status.status, StatusCode)
    assert status.outcome.value == outcome


# SMPP 3.4 message_state numbers (1 ENROUTE, 2 DELIVERED, 3 EXPIRED, 4 DELETED,
# 5 UNDELIVERABLE, 6 ACCEPTED, 7 UNKNOWN, 8 REJECTED) and the status each must give,
# the same as the receipt state of that name.
@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, 0), (2, 1), (3, 3), (4, 20), (5, 20), (6, 0), (7, 0), (8, 20)],
)
def test_every_smpp_message_state_number(number: int, expected: int) -> None:
    from_tlv = parse_receipt("id:1", {0x0427: bytes([number])})

    assert from_tlv.status == expected
    assert isinstance(from_tlv.status, StatusCode)


@pytest.mark.parametrize("number", [0, 9, 255])
def test_numbers_that_are_no_smpp_message_state_are_refused(number: int) -> None:
    with pytest.raises(ReceiptError) as caught:
        parse_receipt("id:1 stat:DELIVRD", {0x0427: bytes([number])})

    assert caught.value.field == "message_state"


def test_the_services_tlvs() -> None:
    tlvs = {
        0x001E: b"854019\0",
        0x0427: 2,
        0x0423: b"\x03\x00\x01",  # GSM, error 1
        0x2000: b" 1.2500\0",
        0x2001: (8 | 0x20).to_bytes(2, "big"),  # e-mail, second balance
        0x2002: (3).to_bytes(2, "big"),
        0x2003: b"25001\0",
        0x1403: b"\x01\x02",
    }

    status = parse_receipt("id:999 stat:UNDELIV err:001", tlvs, phone="user@example.com")

    assert status.message_id == "854019"  # the TLV decides
    assert status.status is StatusCode.DELIVERED
    assert status.err is EmailError.RECIPIENT_DOES_NOT_EXIST  # the e-mail table, by the flag
    assert status.cost == Decimal("1.2500")
    assert status.flag is not None
    assert status.flag.second_balance
    assert status.message_type is MessageType.EMAIL
    assert status.sms_cnt == 3
    assert status.mccmnc == "25001"
    assert status.extra == {"tlv_0x1403": "0102"}


@pytest.mark.parametrize(("read", "expected"), [(2, StatusCode.READ), (4, StatusCode.CLICKED)])
def test_read_and_clicked_come_from_0x2004(read: int, expected: StatusCode) -> None:
    status = parse_receipt(SEED_EXAMPLE, {0x2004: read.to_bytes(2, "big")})

    assert status.status is expected
    assert status.is_delivered


def test_order_case_extra_fields_seconds_and_a_text_tail() -> None:
    text = (
        "STAT:undeliv Err:013 id:77 foo:bar Done_Date:2101021530 submit date:210102153045"
        " sub:2 dlvrd:0 Text:Hello: world id:1"
    )

    status = parse_receipt(text.encode())

    assert status.message_id == "77"
    assert status.status is StatusCode.UNDELIVERABLE
    assert status.err is SmsError.SUBSCRIBER_BLOCKED
    assert status.send_date == datetime(2021, 1, 2, 15, 30, 45, tzinfo=MOSCOW_TIME)
    assert status.last_date == datetime(2021, 1, 2, 15, 30, tzinfo=MOSCOW_TIME)
    assert status.message == "Hello: world id:1"
    assert status.sms_cnt == 2
    assert status.extra == {"foo": "bar", "dlvrd": "0"}


@pytest.mark.parametrize(
    ("text", "tlvs", "field"),
    [
        ("sub:001 stat:DELIVRD", {}, "id"),
        ("id:1 err:000", {}, "stat"),
        ("id:1 stat:GONE", {}, "stat"),
        ("id:1 stat:DELIVRD err:abc", {}, "err"),
        ("id:1 stat:DELIVRD sub:x", {}, "sub"),
        ("id:1 stat:DELIVRD done date:11082022", {}, "done date"),
        ("id:1 stat:DELIVRD submit date:1113202241", {}, "submit date"),
        ("id:1", {0x0427: 9}, "message_state"),
        ("id:1 stat:DELIVRD", {0x0423: b"\x01"}, "network_error_code"),
        ("id:1 stat:DELIVRD", {0x2000: b"lots"}, "cost (0x2000)"),
        ("id:1 stat:DELIVRD", {0x2002: b"\x00\x00\x00\x00\x01"}, "0x2002"),
    ],
)
def test_malformed_receipts_name_the_field(
    text: str, tlvs: dict[int, bytes | int], field: str
) -> None:
    with pytest.raises(ReceiptError) as caught:
        parse_receipt(text, tlvs)

    assert caught.value.field == field
    assert isinstance(caught.value, SmscError)


def test_per_part_receipts_are_grouped_by_message() -> None:
    parts = ReceiptParts()
    three = {0x2002: (3).to_bytes(2, "big")}

    assert parts.add(parse_receipt("id:5 stat:DELIVRD", three)) is None
    assert parts.add(parse_receipt("id:6 stat:DELIVRD")) is not None  # no part count: alone
    assert parts.add(parse_receipt("id:5 stat:UNDELIV", three)) is None
    assert parts.waiting == 1
    whole = parts.add(parse_receipt("id:5 stat:DELIVRD", three))

    assert whole is not None
    assert [part.status for part in whole] == [1, 20, 1]
    assert parts.waiting == 0
    grouped = ReceiptParts.group([*whole, parse_receipt("id:6 stat:EXPIRED")])
    assert {key: len(value) for key, value in grouped.items()} == {"5": 3, "6": 1}


KEYS = st.sampled_from(["id", "sub", "dlvrd", "submit date", "done date", "stat", "err", "text"])
VALUES = st.one_of(
    st.text(max_size=14),
    st.sampled_from(["DELIVRD", "UNDELIV", "000", "2101021530", "854019", "1108202241"]),
)
RECEIPT_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.tuples(KEYS, VALUES), max_size=9).map(
        lambda pairs: " ".join(f"{key}:{value}" for key, value in pairs)
    ),
)
TLVS = st.dictionaries(
    st.sampled_from([0x001E, 0x0427, 0x0423, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x1400]),
    st.one_of(st.binary(max_size=8), st.integers(0, 2**16), st.text(max_size=8)),
    max_size=4,
)


# What a ReceiptError may name: a field of the text, a standard TLV, or a TLV tag given.
RECEIPT_FIELDS = {
    "id",
    "stat",
    "err",
    "sub",
    "submit date",
    "done date",
    "message_state",
    "network_error_code",
    "cost (0x2000)",
}
# Every status a receipt can report: transferred, delivered, read, expired, clicked,
# unable to deliver.
RECEIPT_STATUSES = {0, 1, 2, 3, 4, 20}


def parsed_or_refused(
    text: str, tlvs: dict[int, bytes | int | str]
) -> MessageStatus | ReceiptError:
    try:
        return parse_receipt(text, tlvs)
    except ReceiptError as error:
        return error


@given(text=RECEIPT_TEXT, tlvs=TLVS)
@example(text="", tlvs={})
@example(text="stat:DELIVRD err:000", tlvs={})  # no id anywhere
@example(text="id:1 stat:GONE", tlvs={})
@example(text="id:1", tlvs={0x0427: 0})
@example(text="id:1 stat:DELIVRD", tlvs={0x2004: b"\x00\x04", 0x0423: b"\x00"})
@example(text="id:1 stat:DELIVRD", tlvs={0x2004: b"\x00\x04"})
def test_any_receipt_gives_a_status_or_a_receipt_error(
    text: str, tlvs: dict[int, bytes | int | str]
) -> None:
    result = parsed_or_refused(text, tlvs)  # any other exception fails the test

    if isinstance(result, ReceiptError):
        assert result.field in RECEIPT_FIELDS | {f"0x{tag:04x}" for tag in tlvs}
    else:
        assert type(result) is MessageStatus
        assert result.message_id
        assert result.status in RECEIPT_STATUSES
        assert isinstance(result.status, StatusCode)


@pytest.mark.parametrize("done", ["9912312359", f"{(datetime.now().year + 7) % 100:02d}01010000"])
def test_a_receipt_date_outside_the_services_lifetime_is_refused(done: str) -> None:
    with pytest.raises(ReceiptError, match="out of range") as caught:
        parse_receipt(f"id:1 stat:DELIVRD done date:{done}")

    assert caught.value.field == "done date"


def test_a_receipt_dated_at_the_first_moment_of_2000_is_read() -> None:
    status = parse_receipt("id:1 stat:DELIVRD done date:0001010000")

    assert status.last_date == datetime(2000, 1, 1, tzinfo=MOSCOW_TIME)


def test_a_receipt_claiming_more_parts_than_a_message_can_have_stands_alone() -> None:
    parts = ReceiptParts()

    alone = parts.add(parse_receipt("id:9 sub:9999999999 stat:DELIVRD"))

    assert alone is not None
    assert len(alone) == 1
    assert parts.waiting == 0


def test_at_most_max_waiting_messages_wait_the_oldest_given_up(clock: ManualClock) -> None:
    given_up: list[tuple[MessageStatus, ...]] = []
    parts = ReceiptParts(max_waiting=2, clock=clock, on_expired=given_up.append)
    for message_id in ("1", "2", "3"):
        assert parts.add(parse_receipt(f"id:{message_id} sub:2 stat:DELIVRD")) is None

    assert parts.waiting == 2
    assert [[part.message_id for part in group] for group in given_up] == [["1"]]
    assert parts.add(parse_receipt("id:2 sub:2 stat:DELIVRD")) is not None


def test_a_message_whose_parts_wait_longer_than_max_age_is_given_up(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    parts = ReceiptParts(max_age=60, clock=clock)
    assert parts.add(parse_receipt("id:1 sub:3 stat:DELIVRD")) is None
    clock.advance(30)
    assert parts.add(parse_receipt("id:2 sub:3 stat:DELIVRD")) is None
    clock.advance(30)

    assert parts.add(parse_receipt("id:3 stat:DELIVRD")) is not None

    assert parts.waiting == 1  # message 2, 30 s in
    assert "message 1 (1 arrived, 3 parts claimed)" in caplog.text


@pytest.mark.parametrize(
    "options",
    [{"max_waiting": 0}, {"max_waiting": True}, {"max_age": 0}, {"max_age": float("inf")}],
)
def test_bad_bounds_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(InvalidParametersError):
        ReceiptParts(**options)  # type: ignore[arg-type]
