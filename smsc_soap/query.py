"""The ``query`` string of ``get_status2``: built so that no value can smuggle in a parameter.

The service reads ``query`` as ``name=value&name=value`` and merges it into the request. A key
that names one of the request's own parameters would replace the credentials, the message asked
about or the shape of the reply, so such keys are refused, also in the spellings PHP reads as
them (`` login``, ``login[]``, ``LOGIN`` to be safe).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import parse_qsl, quote

from .errors import InvalidParametersError

__all__ = ["RESERVED_QUERY_KEYS", "build_query", "checked_query", "reject_control_characters"]

RESERVED_QUERY_KEYS = frozenset(
    {"login", "psw", "apikey", "phone", "id", "all", "fmt", "charset", "del"}
)

QueryValue = str | int | float | Decimal | bool

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def reject_control_characters(field: str, value: str) -> str:
    """``value`` unchanged, or ``InvalidParametersError`` if it holds a control character."""
    if _CONTROL_CHARACTERS.search(value):
        raise InvalidParametersError(f"{field} contains a control character", option=field)
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
    reject_control_characters("query", query)
    for key, _ in parse_qsl(query, keep_blank_values=True):
        _checked_key(key)
    return query


def _checked_key(key: object) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidParametersError(f"query keys must be non-empty strings, got {key!r}")
    if _php_parameter_name(key) in RESERVED_QUERY_KEYS:
        raise InvalidParametersError(
            f"query key {key!r} would replace the request's own parameter;"
            f" reserved: {', '.join(sorted(RESERVED_QUERY_KEYS))}"
        )
    return key


def _php_parameter_name(key: str) -> str:
    # PHP drops leading spaces and reads "name[...]" as the array "name".
    return key.lstrip(" ").split("[", 1)[0].lower()


def _scalar_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidParametersError(f"query value for {key!r} is not a finite number")
    if isinstance(value, str | int | float | Decimal):
        return str(value)
    raise InvalidParametersError(
        f"query value for {key!r} must be a string or a number, not {type(value).__name__}"
    )
