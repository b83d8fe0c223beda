"""SOAP replies as the service writes them, and a way to serve them through requests-mock."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

import requests_mock

PASSWORD = "Pa55-never-shown"  # every test that could leak it looks for this string
ENDPOINT = "https://smsc.ru/sys/soap.php"
NAMESPACE = "http://smsc.ru/sys/soap.php"

Fields = Sequence[tuple[str, str]]


def soap_reply(
    fields: Fields,
    *,
    element: str = "StatusResponse",
    namespace: str = NAMESPACE,
    encoding: str = "utf-8",
    declare_encoding: bool = True,
) -> bytes:
    """A reply shaped as the service sends it: qualified top element, unqualified children."""
    children = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields)
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare_encoding else ""
    text = (
        f"{declaration}"
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
        f' xmlns:ns1="{namespace}"><SOAP-ENV:Body>'
        f"<ns1:{element}><statusresult>{children}</statusresult></ns1:{element}>"
        "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
    return text.encode(encoding)


def soap_fault(faultcode: str, faultstring: str, detail: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
        "<SOAP-ENV:Body><SOAP-ENV:Fault>"
        f"<faultcode>{escape(faultcode)}</faultcode><faultstring>{escape(faultstring)}</faultstring>"
        f"<detail>{escape(detail)}</detail>"
        "</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ).encode()


def reply_with(
    http_mock: requests_mock.Mocker,
    fields: Fields,
    *,
    url: str = ENDPOINT,
    content_type: str = "text/xml; charset=utf-8",
    status_code: int = 200,
    **reply_options: object,
) -> None:
    http_mock.post(
        url,
        content=soap_reply(fields, **reply_options),  # type: ignore[arg-type]
        headers={"Content-Type": content_type},
        status_code=status_code,
    )
