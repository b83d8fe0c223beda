"""The ``query`` string of ``get_status2``: built so that no value can smuggle in a parameter.

The service reads ``query`` as ``name=value&name=value`` and merges it into the request. A key
that names one of the request's own parameters would replace the credentials, the message asked
about or the shape of the reply, so such keys are refused, also in the spellings PHP reads as
them: `` login``, ``login[]``, ``id%00`` (percent-decoded, then cut at the NUL as PHP cuts
names), ``LOGIN`` to be safe. Keys hold no control characters nor characters XML 1.0 cannot
carry; values, percent-encoded in UTF-8, no lone surrogates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl, quote, unquote_plus

from smsc_soap.errors import InvalidParametersError

__all__ = ["RESERVED_QUERY_KEYS", "build_query", "checked_query", "reject_unsendable"]

RESERVED_QUERY_KEYS = frozenset(
    {"login", "psw", "apikey", "phone", "id", "all", "fmt", "charset", "del"}
)

QueryValue = str | int | float | Decimal | bool

# Control characters, which no identifier, credential or key holds; characters XML 1.0
# cannot carry (U+FFFE, U+FFFF); lone surrogates, which UTF-8 cannot.
_UNSENDABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# How many times a key is percent-decoded in looking for a reserved name: once by the
# service's form parsing, once should it decode the query again, once more for margin.
_DECODINGS = 3


def reject_unsendable(field: str, value: str) -> str:
    """``value`` unchanged, or ``InvalidParametersError`` if it holds a control character
    or a character XML 1.0 or UTF-8 cannot carry."""
    if _UNSENDABLE.search(value):
        raise InvalidParametersError(
            f"{field} contains a control character or one XML or UTF-8 cannot carry",
            option=field,
        )
    return value


def build_query(params: Mapping[str, QueryValue]) -> str:
    """Percent-encode ``params`` into a ``query`` string, keeping the caller's order.

    Values must be scalars: ``str``, ``int``, finite ``float``, ``Decimal``, or ``bool``
    (sent as ``1``/``0``, the service's convention for flags).

    >>> build_query({"comment": "a&b=c d"})
    'comment=a%26b%3Dc%20d'
    """
    if not isinstance(params, Mapping):
        raise InvalidParametersError(f"query must be a mapping, not {type(params).__name__}")
    return "&".join(
        f"{quote(_checked_key(key), safe='')}={quote(_scalar_text(key, value), safe='')}"
        for key, value in params.items()
    )


def checked_query(query: str) -> str:
    """A caller's ready ``query`` string, refused if it would replace a request parameter."""
    reject_unsendable("query", query)
    for key, value in parse_qsl(query, keep_blank_values=True):
        _checked_value(_checked_key(key), value)
    return query


def _checked_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidParametersError(f"query keys must be non-empty strings, got {key!r}")
    reject_unsendable("query key", key)
    if _php_parameter_name(key) in RESERVED_QUERY_KEYS:
        raise InvalidParametersError(
            f"query key {key!r} would replace the request's own parameter;"
            f" reserved: {', '.join(sorted(RESERVED_QUERY_KEYS))}"
        )
    return key


def _php_parameter_name(key: str) -> str:
    # PHP percent-decodes a name, cuts it at a NUL, drops leading spaces and reads
    # "name[...]" as the array "name".
    for _ in range(_DECODINGS):
        key = unquote_plus(key)
    return key.split("\0", 1)[0].lstrip(" ").split("[", 1)[0].lower()


def _scalar_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParametersError(f"query value for {key!r} is not a finite number")
    if isinstance(value, str):
        return _checked_value(key, value)
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise InvalidParametersError(
        f"query value for {key!r} must be a string or a number, not {type(value).__name__}"
    )


def _checked_value(key: str, value: str) -> str:
    # A value goes percent-encoded, in UTF-8: anything is carried but a lone surrogate.
    if _SURROGATE.search(value):
        raise InvalidParametersError(
            f"query value for {key!r} contains a lone surrogate, which UTF-8 cannot carry"
        )
    return value
