"""build_query: percent-encoding that no value can escape, in the caller's order."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smsc_soap import InvalidParametersError, build_query


def test_values_cannot_smuggle_in_parameters() -> None:
    query = build_query({"comment": "x&login=evil", "tag": "a=b c"})

    assert query == "comment=x%26login%3Devil&tag=a%3Db%20c"
    assert parse_qsl(query) == [("comment", "x&login=evil"), ("tag", "a=b c")]


def test_cyrillic_is_utf8_percent_encoded() -> None:
    assert build_query({"текст": "Привет"}) == (
        "%D1%82%D0%B5%D0%BA%D1%81%D1%82=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"
    )


def test_keeps_the_callers_order() -> None:
    assert build_query({"b": 1, "a": 2, "c": 3}) == "b=1&a=2&c=3"


def test_scalars() -> None:
    query = build_query({"i": 7, "f": 1.5, "d": Decimal("0.10"), "t": True, "n": False, "s": ""})

    assert query == "i=7&f=1.5&d=0.10&t=1&n=0&s="


# The request's own parameters (login, psw, phone, id, all; apikey, fmt, charset and del of
# the HTTP API), which a query key must not replace.
RESERVED = ["login", "psw", "apikey", "phone", "id", "all", "fmt", "charset", "del"]


@pytest.mark.parametrize("key", [*RESERVED, "LOGIN", " psw", "login[]", "phone[0]", "id[x"])
def test_keys_that_would_replace_request_parameters(key: str) -> None:
    with pytest.raises(InvalidParametersError, match="reserved"):
        build_query({key: "x"})


def test_names_that_only_start_like_reserved_ones_are_fine() -> None:
    assert build_query({"identity": "x", "phones": "y", "x[login]": "z"}) == (
        "identity=x&phones=y&x%5Blogin%5D=z"
    )


@pytest.mark.parametrize("value", [None, [1], {"a": 1}, b"bytes", float("nan"), float("inf")])
def test_values_that_are_not_scalars(value: object) -> None:
    with pytest.raises(InvalidParametersError, match="query value"):
        build_query({"k": value})  # type: ignore[dict-item]


@pytest.mark.parametrize("key", ["", "   ", 1])
def test_keys_must_be_non_empty_strings(key: object) -> None:
    with pytest.raises(InvalidParametersError, match="non-empty strings"):
        build_query({key: "x"})  # type: ignore[dict-item]


def test_a_mapping_is_required() -> None:
    with pytest.raises(InvalidParametersError, match="mapping"):
        build_query([("a", "b")])  # type: ignore[arg-type]


# Keys that are sendable and do not decode to another name (no "%" or "+").
safe_keys = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs"), blacklist_characters="%+\ufffe\uffff"
    ),
    min_size=1,
).filter(lambda key: key.strip() and key.lstrip(" ").split("[")[0].lower() not in RESERVED)


@given(st.dictionaries(safe_keys, st.text(), max_size=8))
def test_round_trip_for_any_text(params: dict[str, str]) -> None:
    query = build_query(params)

    assert parse_qsl(query, keep_blank_values=True) == list(params.items())
    assert query.count("&") == max(len(params) - 1, 0)
