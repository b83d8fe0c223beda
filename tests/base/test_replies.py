"""Reading replies: every documented field for all=0/1/2, undeclared elements, charsets, dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests_mock

from smsc_soap import (
    MOSCOW_TIME,
    ConnectionFailedError,
    MalformedResponseError,
    MessageStatus,
    MessageType,
    SmsError,
    StatusClient,
    StatusCode,
    TemplateKind,
)

from support.soap_replies import reply_with

ALL_0 = [("status", "1"), ("last_date", "15.08.2021 20:27:22"), ("err", "0")]
ALL_1 = [
    ("status", "1"),
    ("last_date", "15.08.2021 20:27:22"),
    ("last_timestamp", "1629048442"),
    ("err", "0"),
    ("send_date", "15.08.2021 20:27:10"),
    ("send_timestamp", "1629048430"),
    ("phone", "79991234567"),
    ("cost", "3.15"),
    ("sender_id", "SMSC.RU"),
    ("status_name", "Доставлено"),
    ("message", "Ваш код: 1234"),
    ("sms_cnt", "2"),
]
ALL_2 = [*ALL_1, ("operator", "МТС"), ("region", "Москва")]
MOMENT = datetime(2021, 8, 15, 20, 27, 22, tzinfo=MOSCOW_TIME)


def test_all_0(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, ALL_0)

    result = client.get_status("79991234567", "854019")

    assert result.status is StatusCode.DELIVERED
    assert result.err is SmsError.NO_ERROR
    assert result.last_date == MOMENT
    assert result.message_id == "854019"
    assert result.phone == "79991234567"
    assert result.cost is None
    assert result.extra == {}


def test_all_1(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, ALL_1)

    result = client.get_status("79991234567", "854019", all=1)

    assert result.last_date == MOMENT
    assert result.send_date == MOMENT - timedelta(seconds=12)
    assert result.cost == Decimal("3.15")
    assert result.sender_id == "SMSC.RU"
    assert result.status_name == "Доставлено"
    assert result.message == "Ваш код: 1234"
    assert result.sms_cnt == 2
    assert result.extra == {"sms_cnt": "2"}
    assert http_mock.last_request is not None
    assert b"<all>1</all>" in http_mock.last_request.body


def test_all_2(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, ALL_2)

    result = client.get_status("79991234567", "854019", all=2)

    assert (result.operator, result.region) == ("МТС", "Москва")
    assert result.cost == Decimal("3.15")


def test_fields_the_http_api_documents(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    # flag: e-mail type (8) | second balance (bit 5) | template (bit 8) | advertising (bits 10,9)
    flag = 8 | 1 << 5 | 1 << 8 | 0b11 << 9
    extra = [
        ("flag", str(flag)),
        ("comment", "заказ 42"),
        ("type", "0"),
        ("mccmnc", "25001"),
        ("country", "Россия"),
        ("operator_orig", "Билайн"),
    ]
    reply_with(http_mock, [*ALL_2, *extra])

    result = client.get_status("79991234567", "1", all=2)

    assert result.flag is not None
    assert result.flag.raw == flag
    assert result.flag.message_type is MessageType.EMAIL
    assert result.flag.second_balance
    assert result.flag.template
    assert result.flag.template_kind is TemplateKind.ADVERTISING
    assert result.comment == "заказ 42"
    assert result.message_type is MessageType.SMS
    assert (result.mccmnc, result.country, result.operator_orig) == ("25001", "Россия", "Билайн")
    assert result.extra == {"sms_cnt": "2", **dict(extra)}


def test_a_plain_flag_is_not_a_template(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    reply_with(http_mock, [*ALL_0, ("flag", "0")])

    flag = client.get_status("79991234567", "1").flag

    assert flag is not None
    assert (flag.message_type, flag.template, flag.template_kind) == (MessageType.SMS, False, None)


def test_hlr_reply(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    hlr = [("imsi", "250010000000000"), ("msc", "79160000000"), ("mcc", "250"), ("mnc", "01")]
    hlr += [("cn", "Россия"), ("net", "МТС"), ("rcn", ""), ("rnet", "")]
    reply_with(http_mock, [*ALL_0, *hlr, ("type", "4")])

    result = client.get_status("79991234567", "1")

    assert result.message_type is MessageType.HLR
    assert result.hlr is not None
    assert (result.hlr.imsi, result.hlr.mcc, result.hlr.mnc) == ("250010000000000", "250", "01")
    assert (result.hlr.cn, result.hlr.net, result.hlr.rcn) == ("Россия", "МТС", None)


@pytest.mark.parametrize("position", [0, 2, len(ALL_1)], ids=["start", "middle", "end"])
def test_undeclared_elements_anywhere_keep_every_declared_field(
    http_mock: requests_mock.Mocker, client: StatusClient, position: int
) -> None:
    fields = list(ALL_1)
    fields[position:position] = [("flag", "0"), ("mystery", "42")]
    reply_with(http_mock, fields)

    result = client.get_status("79991234567", "1", all=1)

    assert result.extra == {"flag": "0", "mystery": "42", "sms_cnt": "2"}
    assert result.status is StatusCode.DELIVERED
    assert result.last_date == MOMENT
    assert result.err is SmsError.NO_ERROR
    assert result.cost == Decimal("3.15")
    assert result.message == "Ваш код: 1234"


def test_dates_are_moscow_time_and_agree_with_timestamps(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    # The public sample: 1629048442 is 15.08.2021 20:27:22 in Moscow.
    readings = []
    for fields in (
        [("status", "1"), ("last_date", "15.08.2021 20:27:22")],
        [("status", "1"), ("last_timestamp", "1629048442")],
        [("status", "1"), ("last_date", "15.08.2021 20:27:22"), ("last_timestamp", "1629048442")],
    ):
        reply_with(http_mock, fields)
        readings.append(client.get_status("79991234567", "1").last_date)

    assert readings == [MOMENT] * 3
    assert {reading.utcoffset() for reading in readings if reading} == {timedelta(hours=3)}
    assert MOMENT.astimezone(timezone.utc) == datetime(2021, 8, 15, 17, 27, 22, tzinfo=timezone.utc)


def test_empty_fields_are_none(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, [("status", "-1"), ("last_date", ""), ("err", ""), ("cost", " ")])

    result = client.get_status("79991234567", "1")

    assert (result.last_date, result.err, result.cost) == (None, None, None)


@pytest.mark.parametrize(
    ("declared", "content_type"),
    [
        (True, "text/xml; charset=windows-1251"),  # the declaration says windows-1251
        (False, "text/xml; charset=windows-1251"),  # only the HTTP header says it
        (False, "text/xml"),  # nothing says it: not valid UTF-8, so read as windows-1251
    ],
    ids=["declared", "header-only", "unlabelled"],
)
def test_windows_1251_body_with_cyrillic(
    http_mock: requests_mock.Mocker, client: StatusClient, declared: bool, content_type: str
) -> None:
    fields = [("status", "1"), ("status_name", "Доставлено"), ("message", "Привет, мир")]
    reply_with(
        http_mock,
        fields,
        encoding="windows-1251",
        declare_encoding=declared,
        content_type=content_type,
    )

    result = client.get_status("79991234567", "1", all=1)

    assert (result.status_name, result.message) == ("Доставлено", "Привет, мир")


def test_cp1251_bytes_labelled_utf8(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>'
        '<n:StatusResponse xmlns:n="http://smsc.ru/sys/soap.php"><statusresult>'
        "<status>1</status><message>Привет</message>"
        "</statusresult></n:StatusResponse></e:Body></e:Envelope>"
    ).encode("windows-1251")
    http_mock.post("https://smsc.ru/sys/soap.php", content=body)

    assert client.get_status("79991234567", "1").message == "Привет"


@pytest.mark.parametrize(
    ("fields", "complaint"),
    [
        ([("last_date", "15.08.2021 20:27:22")], "neither a status nor an error"),
        ([("status", "")], "neither a status nor an error"),
        ([("status", "delivered")], "'status' is not an integer"),
        ([("status", "1.0")], "'status' is not an integer"),
        ([("status", "1"), ("status", "2")], "repeats the field 'status'"),
        ([("status", "1"), ("err", "x")], "'err' is not an integer"),
        ([("status", "1"), ("cost", "NaN")], "'cost' is not an amount"),
        ([("status", "1"), ("last_date", "2021-08-15")], "'last_date' is not a DD.MM.YYYY"),
        ([("status", "1"), ("last_timestamp", "999999999999999999")], "out of range"),
        ([("error", "two")], "'error' is not an integer"),
    ],
)
def test_broken_fields_are_reply_errors(
    http_mock: requests_mock.Mocker,
    client: StatusClient,
    fields: list[tuple[str, str]],
    complaint: str,
) -> None:
    reply_with(http_mock, fields)

    with pytest.raises(MalformedResponseError, match=complaint):
        client.get_status("79991234567", "1")


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"", "empty"),
        (b"Status = 1, check_time = 10.10.2010 10:10:10", "could not be read"),
        (b"<?xml version='1.0'?><result><status>1</status></result>", "not a SOAP 1.1 envelope"),
        (
            b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body/></e:Envelope>",
            "missing or empty",
        ),
        (
            b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body>"
            b"<n:StatusResponse xmlns:n='http://smsc.ru/sys/soap.php'><status>1</status>"
            b"</n:StatusResponse></e:Body></e:Envelope>",
            "no 'statusresult'",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
            b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body>"
            b"<n:StatusResponse xmlns:n='http://smsc.ru/sys/soap.php'><statusresult>"
            b"<status>1</status><message>&lol2;</message></statusresult>"
            b"</n:StatusResponse></e:Body></e:Envelope>",
            "DTD",
        ),
    ],
    ids=["empty", "not-xml", "wrong-root", "empty-body", "no-wrapper", "dtd"],
)
def test_broken_replies_are_reply_errors(
    http_mock: requests_mock.Mocker, client: StatusClient, body: bytes, complaint: str
) -> None:
    http_mock.post("https://smsc.ru/sys/soap.php", content=body)

    with pytest.raises(MalformedResponseError, match=complaint):
        client.get_status("79991234567", "1")


CUT = b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body><n:StatusRes"


def test_a_body_shorter_than_its_content_length_is_a_broken_connection_and_retried(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    http_mock.post(
        "https://smsc.ru/sys/soap.php",
        content=CUT,
        headers={"Content-Length": str(len(CUT) + 100)},
    )

    with pytest.raises(ConnectionFailedError, match=f"after {len(CUT)} of the") as caught:
        client.get_status("79991234567", "1")
    assert caught.value.attempts == 4


def test_a_whole_body_that_is_broken_xml_is_malformed_and_not_retried(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    """Its framing says it all arrived: the parser is not asked whether it was cut."""
    http_mock.post(
        "https://smsc.ru/sys/soap.php", content=CUT, headers={"Content-Length": str(len(CUT))}
    )

    with pytest.raises(MalformedResponseError) as caught:
        client.get_status("79991234567", "1")
    assert caught.value.attempts == 1


def test_results_are_frozen(http_mock: requests_mock.Mocker, client: StatusClient) -> None:
    reply_with(http_mock, [*ALL_1, ("flag", "0")])
    result = client.get_status("79991234567", "1", all=1)

    with pytest.raises(ValueError, match="frozen"):
        result.status = StatusCode.EXPIRED  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.extra["flag"] = "1"  # type: ignore[index]
    assert result.model_dump()["extra"] == {"sms_cnt": "2", "flag": "0"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("last_date", "01.01.0001 00:00:00"),
        ("last_date", "31.12.1999 23:59:59"),
        ("send_date", f"01.01.{datetime.now(MOSCOW_TIME).year + 7} 00:00:00"),
        ("last_timestamp", "0"),
        ("last_timestamp", "-62135596800"),
        ("send_timestamp", "99999999999999999"),
        ("send_timestamp", str(int(datetime.now(timezone.utc).timestamp()) + 7 * 366 * 86400)),
    ],
)
def test_a_date_outside_the_services_lifetime_is_malformed(
    http_mock: requests_mock.Mocker, client: StatusClient, field: str, value: str
) -> None:
    reply_with(http_mock, [("status", "1"), (field, value)])

    with pytest.raises(MalformedResponseError, match=f"'{field}' is out of range"):
        client.get_status("79991234567", "1")


def test_the_first_moment_of_2000_and_a_send_a_year_ahead_are_read(
    http_mock: requests_mock.Mocker, client: StatusClient
) -> None:
    ahead = datetime.now(MOSCOW_TIME).replace(microsecond=0) + timedelta(days=366)
    reply_with(
        http_mock,
        [
            ("status", "1"),
            ("last_date", "01.01.2000 00:00:00"),
            ("send_timestamp", str(int(ahead.timestamp()))),
        ],
    )

    status = client.get_status("79991234567", "1")

    assert status.last_date == datetime(2000, 1, 1, tzinfo=MOSCOW_TIME)
    assert status.send_date == ahead


def test_a_status_can_be_made_without_extra_fields() -> None:
    """What a custom transport or a test double builds: every optional field left out."""
    status = MessageStatus(message_id="1", phone="79991234567", status=1)
    assert (status.status, dict(status.extra)) == (StatusCode.DELIVERED, {})
    with pytest.raises(TypeError):
        status.extra["flag"] = "1"  # type: ignore[index]
