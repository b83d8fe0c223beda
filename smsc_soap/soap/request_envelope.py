"""SOAP request envelopes written once by zeep, filled in by each call.

zeep stays the authority on the WSDL: it writes an operation's request once, with a marker
where each value goes, and the text around the markers is kept. A call puts its values in,
escaped as lxml escapes element text, which gives the bytes zeep itself would have sent for
them (a property test holds the two equal) without a schema walk per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from smsc_soap.errors import InvalidParametersError

__all__ = ["EnvelopeTemplate"]

_CONTENT_TYPE = "text/xml; charset=utf-8"

# Anything outside XML 1.0's Char production; lxml refuses these in element text.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# What lxml writes for these in element text; everything else goes out as UTF-8.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# Every character the escaping touches, and some it must leave alone: the compile check.
_PROBE = "a&b<c>d\"e'f\r\ng\th]]>i\u00a0j\u2028k\u0436\U0001f600"


@dataclass(frozen=True, slots=True)
class EnvelopeTemplate:
    """One operation's request: the bytes between its values, and the values' names in order."""

    between: tuple[bytes, ...]
    names: tuple[str, ...]
    headers: Mapping[str, str]

    @classmethod
    def compile(cls, serialize: Callable[..., Any], names: Sequence[str]) -> EnvelopeTemplate:
        """The template of ``serialize`` (a zeep operation's ``input.serialize``) taking the
        string arguments ``names``; ``InvalidParametersError`` if filling it in would not give
        zeep's own bytes."""
        markers = {f"smsc-soap-value-{index}-": name for index, name in enumerate(names)}
        envelope, headers = _written(serialize, {name: m for m, name in markers.items()})
        pieces = re.split(f"({'|'.join(map(re.escape, markers))})".encode(), envelope)
        order = tuple(markers[marker.decode()] for marker in pieces[1::2])
        template = cls(tuple(pieces[0::2]), order, {**headers, "Content-Type": _CONTENT_TYPE})
        probe = {name: f"{_PROBE}{index}" for index, name in enumerate(names)}
        if sorted(order) != sorted(names) or template.fill(probe) != _written(serialize, probe)[0]:
            raise InvalidParametersError(
                "the WSDL's request cannot be filled in: its values are not plain element text"
            )
        return template

    def fill(self, values: Mapping[str, str]) -> bytes:
        """The request carrying ``values``, one for each name."""
        pieces = [self.between[0]]
        for name, after in zip(self.names, self.between[1:], strict=True):
            value = values[name]
            if _NOT_XML.search(value):
                raise InvalidParametersError(
                    f"the request cannot be built: {name} holds a character XML cannot carry"
                )
            pieces += (value.translate(_ESCAPES).encode(), after)
        return b"".join(pieces)


def _written(
    serialize: Callable[..., Any], values: Mapping[str, str]
) -> tuple[bytes, dict[str, str]]:
    message = serialize(**values)
    envelope = etree.tostring(message.content, xml_declaration=True, encoding="utf-8")
    return envelope, dict(message.headers)
