"""``smsc_soap.callbacks``: the status handler's forms told apart, read and their signatures
checked, without a network."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest

import smsc_soap
from smsc_soap import (
    MOSCOW_TIME,
    CallbackError,
    CallbackSignatureError,
    CallConfirmation,
    IncomingMessage,
    InvalidParametersError,
    MessageType,
    SmscError,
    SmsError,
    StatusCallback,
    StatusCode,
    callbacks,
)

SECRET = "handler-secret-Зе1"
STATUS_FORM = {
    "id": "1005",
    "phone": "79990001005",
    "status": "1",
    "err": "0",
    "ts": "1764900000",
    "time": "05.12.2025 05:00:00",
    "type": "0",
    "flag": "0",
    "cost": "3.15",
    "sms_cnt": "2",
    "cnt": "1",  # a field of the service's this library does not name: kept as sent
}
INCOMING_FORM = {"phone": "8 999 000-10-05", "mes": "Привет, ok", "to": "79001234567", "ts": ""}
CALL_FORM = {"phone": "+79990001005", "waitcall": "1", "ts": "1764900000"}
SIGNED_LAST = {"status": "status", "incoming": "to", "call": "ts"}


def test_a_status_callback_reads_into_the_status_a_lookup_returns() -> None:
    callback = callbacks.parse(STATUS_FORM)

    assert isinstance(callback, StatusCallback)
    assert callback.kind == "status"
    status = callback.status
    assert (callback.message_id, callback.phone) == ("1005", "79990001005")
    assert (status.status, status.err) == (StatusCode.DELIVERED, SmsError.NO_ERROR)
    assert status.last_date == datetime.fromtimestamp(1764900000, MOSCOW_TIME)
    assert (status.cost, status.sms_cnt, status.message_type) == (
        Decimal("3.15"),
        2,
        MessageType.SMS,
    )
    assert status.is_delivered
    assert status.is_final
    assert status.extra["cnt"] == "1"


def test_every_field_is_kept_as_sent_and_read_only() -> None:
    signed = callbacks.sign(STATUS_FORM, SECRET)
    callback = callbacks.parse(signed)

    assert dict(callback.fields) == signed
    with pytest.raises(TypeError):
        callback.fields["status"] = "3"  # type: ignore[index]


def test_the_phone_is_read_by_the_one_phone_rule() -> None:
    for written in ("+7 (999) 000-10-05", "8 999 000 10 05", "7-999-000-10-05"):
        callback = callbacks.parse({**STATUS_FORM, "phone": written})
        assert callback.phone == "79990001005"
        assert callback.fields["phone"] == written


def test_an_email_status_reads_its_error_from_the_email_table() -> None:
    form = {**STATUS_FORM, "phone": "client@example.com", "status": "20", "err": "3", "type": "8"}
    status = callbacks.parse(form)
    assert isinstance(status, StatusCallback)
    assert status.phone == "client@example.com"
    assert type(status.status.err).__name__ == "EmailError"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ({"ts": "1764900000"}, datetime.fromtimestamp(1764900000, MOSCOW_TIME)),
        ({"time": "1764900000"}, datetime.fromtimestamp(1764900000, MOSCOW_TIME)),
        ({"time": "05.12.2025 05:00:00"}, datetime(2025, 12, 5, 5, 0, tzinfo=MOSCOW_TIME)),
        ({"time": "05.12.2025 05:00"}, datetime(2025, 12, 5, 5, 0, tzinfo=MOSCOW_TIME)),
        # The exact moment decides when both come, as in a lookup's reply.
        (
            {"time": "01.01.2020 00:00:00", "ts": "1764900000"},
            datetime.fromtimestamp(1764900000, MOSCOW_TIME),
        ),
        (
            {"time": "1577836800", "ts": "1764900000"},
            datetime.fromtimestamp(1764900000, MOSCOW_TIME),
        ),
        ({}, None),
    ],
)
def test_the_moment_is_read_as_the_service_writes_it(
    moment: dict[str, str], expected: datetime | None
) -> None:
    base = {name: value for name, value in STATUS_FORM.items() if name not in ("ts", "time")}
    callback = callbacks.parse({**base, **moment})
    assert isinstance(callback, StatusCallback)
    assert callback.status.last_date == expected


def test_an_incoming_sms_and_a_call_confirmation_are_told_from_a_status() -> None:
    incoming = callbacks.parse(INCOMING_FORM)
    call = callbacks.parse(CALL_FORM)

    assert isinstance(incoming, IncomingMessage)
    assert (incoming.kind, incoming.phone, incoming.text, incoming.to) == (
        "incoming",
        "79990001005",
        "Привет, ok",
        "79001234567",
    )
    assert incoming.received is None
    assert isinstance(call, CallConfirmation)
    assert (call.kind, call.phone) == ("call", "79990001005")
    assert call.called == datetime.fromtimestamp(1764900000, MOSCOW_TIME)
    assert callbacks.kind_of(STATUS_FORM) == "status"
    # A call confirmation or an incoming SMS that also names an id is still not a status.
    assert callbacks.kind_of({**CALL_FORM, "id": "1"}) == "call"
    assert callbacks.kind_of({**INCOMING_FORM, "id": "1"}) == "incoming"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({}, None),
        ({"phone": "79990001005", "ts": "1764900000"}, None),
        ({**STATUS_FORM, "id": ""}, "id"),
        ({name: v for name, v in STATUS_FORM.items() if name != "id"}, "id"),
        ({**STATUS_FORM, "id": "10a5"}, "id"),
        ({**STATUS_FORM, "id": "1" * 21}, "id"),
        ({name: v for name, v in STATUS_FORM.items() if name != "phone"}, "phone"),
        ({**STATUS_FORM, "phone": "not a phone"}, "phone"),
        ({**STATUS_FORM, "phone": "7999,7998"}, "phone"),
        ({name: v for name, v in STATUS_FORM.items() if name != "status"}, "status"),
        ({**STATUS_FORM, "status": "delivered"}, "status"),
        ({**STATUS_FORM, "err": "x"}, "err"),
        ({**STATUS_FORM, "cost": "3,15"}, "cost"),
        ({**STATUS_FORM, "ts": "5"}, "ts"),
        ({**STATUS_FORM, "ts": "soon"}, "ts"),
        ({"id": "1", "phone": "79990001005", "status": "1", "time": "32.13.2025 10:00"}, "time"),
        ({**INCOMING_FORM, "phone": ""}, "phone"),
        ({**CALL_FORM, "ts": "99999999999999"}, "ts"),
    ],
)
def test_a_malformed_form_is_refused_with_the_typed_error(
    form: dict[str, str], field: str | None
) -> None:
    with pytest.raises(CallbackError) as caught:
        callbacks.parse(form)
    assert caught.value.field == field
    assert isinstance(caught.value, SmscError)
    assert not isinstance(caught.value, CallbackSignatureError)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize(
    ("form", "signed"),
    [
        (STATUS_FORM, "1005:79990001005:1:"),
        (INCOMING_FORM, "8 999 000-10-05:Привет, ok:79001234567:"),
        (CALL_FORM, "+79990001005:1764900000:"),
    ],
)
def test_the_signature_is_md5_and_sha1_of_the_kinds_string(
    form: dict[str, str], signed: str
) -> None:
    data = (signed + SECRET).encode()
    assert callbacks.sign(form, SECRET) == {
        **form,
        "md5": hashlib.md5(data).hexdigest(),  # noqa: S324 - the service's signature
        "sha1": hashlib.sha1(data).hexdigest(),  # noqa: S324 - the service's signature
    }
    assert callbacks.sign(form, SECRET, algorithms=("sha1",)).keys() == {*form, "sha1"}


@pytest.mark.parametrize("algorithms", [("md5",), ("sha1",), ("md5", "sha1")])
@pytest.mark.parametrize("form", [STATUS_FORM, INCOMING_FORM, CALL_FORM])
def test_a_right_signature_passes(
    form: dict[str, str], algorithms: tuple[callbacks.Algorithm, ...]
) -> None:
    callbacks.verify(callbacks.sign(form, SECRET, algorithms=algorithms), SECRET)
    # Upper-case hex is the same digest.
    shouted = {
        name: value.upper() if name in algorithms else value
        for name, value in callbacks.sign(form, SECRET, algorithms=algorithms).items()
    }
    callbacks.verify(shouted, SECRET)


@pytest.mark.parametrize("form", [STATUS_FORM, INCOMING_FORM, CALL_FORM])
def test_a_wrong_or_missing_signature_is_refused(form: dict[str, str]) -> None:
    signed = callbacks.sign(form, SECRET)
    refused = [
        form,  # not signed
        {**signed, "md5": "", "sha1": ""},
        callbacks.sign(form, SECRET + "x"),
        {**signed, "md5": "0" * 32},
        {**signed, "sha1": "0" * 40},  # both are checked when both come
        callbacks.sign(form, SECRET, algorithms=("md5",)) | {"md5": "Ж" * 32},
        # The signed fields are what is signed: another status, text or moment breaks it.
        {**signed, SIGNED_LAST[callbacks.kind_of(form)]: "2"},
        {**signed, "phone": signed["phone"] + "0"},
    ]
    for wrong in refused:
        with pytest.raises(CallbackSignatureError) as caught:
            callbacks.verify(wrong, SECRET)
        text = repr(caught.value) + str(caught.value)
        assert SECRET not in text
        assert signed["md5"] not in text
        assert signed["sha1"] not in text


def test_the_signature_may_come_in_headers() -> None:
    signed = callbacks.sign(STATUS_FORM, SECRET)
    headers = {"X-SMSC-MD5": signed["md5"], "x-smsc-sha1": signed["sha1"]}
    callbacks.verify(STATUS_FORM, SECRET, headers=headers)
    callbacks.verify(STATUS_FORM, SECRET, headers={"x-smsc-md5": signed["md5"]})
    with pytest.raises(CallbackSignatureError):
        callbacks.verify(STATUS_FORM, SECRET, headers={"X-SMSC-MD5": "0" * 32})
    with pytest.raises(CallbackSignatureError):
        callbacks.verify(STATUS_FORM, SECRET, headers={"X-Other": signed["md5"]})


def test_an_empty_secret_is_refused_before_anything_is_compared() -> None:
    with pytest.raises(InvalidParametersError) as caught:
        callbacks.verify(callbacks.sign(STATUS_FORM, SECRET), "")
    assert caught.value.option == "secret"


def test_a_form_of_no_kind_cannot_be_verified() -> None:
    with pytest.raises(CallbackError) as caught:
        callbacks.verify({"md5": "0" * 32}, SECRET)
    assert not isinstance(caught.value, CallbackSignatureError)


def test_no_repr_shows_a_signature() -> None:
    signed = callbacks.sign(STATUS_FORM, SECRET)
    for form in (signed, callbacks.sign(INCOMING_FORM, SECRET), callbacks.sign(CALL_FORM, SECRET)):
        shown = repr(callbacks.parse(form))
        assert form["md5"] not in shown
        assert form["sha1"] not in shown


def test_the_names_are_public() -> None:
    for name in ("StatusCallback", "IncomingMessage", "CallConfirmation", "CallbackError"):
        assert name in smsc_soap.__all__
    assert smsc_soap.callbacks.parse is callbacks.parse


class MultiValueForm(dict[str, list[str]]):
    """A form as Django's QueryDict and Werkzeug's MultiDict keep it: a dict of lists, whose
    items and lookups give one value each."""

    def __getitem__(self, name: str) -> str:  # type: ignore[override]
        return super().__getitem__(name)[-1]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        return self[name] if name in self else default  # noqa: SIM401 - this is self.get

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
        return ((name, self[name]) for name in self)


def test_a_multi_value_form_is_read_by_its_values() -> None:
    signed = callbacks.sign(STATUS_FORM, SECRET)
    form = MultiValueForm({name: [value] for name, value in signed.items()})

    callbacks.verify(form, SECRET)  # type: ignore[arg-type]
    callback = callbacks.parse(form)  # type: ignore[arg-type]
    assert dict(callback.fields) == signed
    assert callbacks.sign(form, SECRET) == signed  # type: ignore[arg-type]
