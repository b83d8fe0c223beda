"""The one phone rule: every form people write a phone in is the phone the service looks up."""

from __future__ import annotations

import pytest

from smsc_soap.service import phones


@pytest.mark.parametrize(
    "written",
    [
        "79990001004",
        "+79990001004",
        "+7 (999) 000-10-04",
        "8 (999) 000-10-04",
        "89990001004",
        "7 999 000 10 04",
        " +7\u00a0999\u00a0000\u201110\u201104 ",
        "7.999.000.10.04",
    ],
)
def test_the_forms_people_write_are_one_phone(written: str) -> None:
    assert phones.normalised(written) == "79990001004"


@pytest.mark.parametrize(
    ("written", "looked_up"),
    [
        ("+8 (123) 456-78-90", "81234567890"),  # "+8…" is international already
        ("9990001004", "9990001004"),  # ten digits: no country code is guessed
        ("+380 44 123 45 67", "380441234567"),
        (" user@example.com ", "user@example.com"),
        ("8 (999) abc", "8999abc"),  # left for the caller's check to refuse
    ],
)
def test_other_phones_keep_their_digits(written: str, looked_up: str) -> None:
    assert phones.normalised(written) == looked_up
