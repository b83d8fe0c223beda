"""A requests adapter that answers every request with one canned SOAP reply: no network."""

from __future__ import annotations

import io

import requests
import urllib3
from requests.adapters import HTTPAdapter

REPLY = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"'
    b' xmlns:ns1="http://smsc.ru/sys/soap.php"><SOAP-ENV:Body><ns1:StatusResponse><statusresult>'
    b"<status>1</status><last_date>15.08.2021 20:27:22</last_date>"
    b"<last_timestamp>1629048442</last_timestamp><err>0</err>"
    b"</statusresult></ns1:StatusResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
)
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "Content-Length": str(len(REPLY))}


class CannedAdapter(HTTPAdapter):
    def send(self, request: requests.PreparedRequest, **kwargs: object) -> requests.Response:
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(REPLY), headers=HEADERS, status=200, preload_content=False
        )
        return self.build_response(request, raw)


def canned_session() -> requests.Session:
    session = requests.Session()
    session.mount("https://", CannedAdapter())
    return session
