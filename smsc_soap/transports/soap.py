"""The SOAP transport: zeep builds the request from the WSDL, the reply is read by ``envelope``."""

from __future__ import annotations

import copy
import io
import logging
import re
from collections.abc import Mapping
from os import PathLike
from typing import cast

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.wsdl.definitions import Binding

from ..envelope import SOAP_ENVELOPE_NS, parse_xml, soap_fault, status_fields
from ..errors import (
    HTTPStatusError,
    InvalidParametersError,
    MalformedResponseError,
    SoapFaultError,
    TransportError,
)
from ..hosts import soap_endpoint
from ..request import Credentials, StatusRequest
from ..wsdl import shipped_wsdl
from .failures import REDACTED, redact, translated

__all__ = ["DEFAULT_TIMEOUT", "SoapStatusTransport", "Timeout"]

logger = logging.getLogger("smsc_soap.transport.soap")

Timeout = float | tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (10.0, 30.0)
"""Seconds to connect, and to wait for each read of the reply."""

_HTTP_BODY_KEPT = 2048
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._:-]+)", re.IGNORECASE)
_FAULT_PATH = f"{{{SOAP_ENVELOPE_NS}}}Body/{{{SOAP_ENVELOPE_NS}}}Fault"


class SoapStatusTransport:
    """Status lookups over ``soap.php`` with zeep.

    The WSDL comes from the package (the host's namespace put in) unless ``wsdl`` names a copy
    of the caller's. Requests go to ``https://{host}/sys/soap.php`` or to ``endpoint``.
    """

    def __init__(
        self,
        *,
        host: str = "smsc.ru",
        endpoint: str | None = None,
        wsdl: str | PathLike[str] | None = None,
        allow_insecure_http: bool = False,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = soap_endpoint(host, endpoint, allow_insecure_http=allow_insecure_http)
        self._owns_session = session is None
        self._session = session or requests.Session()
        client = _load_client(host, wsdl, _ZeepHttp(self._session, timeout))
        binding = _status_binding(client)
        self._service = client.create_service(str(binding.name), self.endpoint)
        self._replies: dict[str, tuple[str, frozenset[str]]] = {}
        for operation in ("get_status", "get_status2"):
            reply = etree.QName(binding.get(operation).output.body.qname)
            self._replies[operation] = (reply.localname, _scheme_variants(reply.namespace))

    def fetch(self, credentials: Credentials, request: StatusRequest) -> Mapping[str, str]:
        secret = credentials.password.get_secret_value()
        arguments = {
            "login": credentials.login,
            "psw": secret,
            "phone": request.phone,
            "id": request.message_id,
            "all": str(request.all),
        }
        if request.query is not None:
            arguments["query"] = request.query
        try:
            response = getattr(self._service, request.operation)(**arguments)
        except requests.RequestException as exc:
            raise translated(exc) from exc
        element, namespaces = self._replies[request.operation]
        charset = _charset(response.headers.get("Content-Type", ""))
        if response.status_code != 200:
            raise _error_reply(response, charset, secret)
        try:
            return status_fields(parse_xml(response.content, charset), element, namespaces)
        except SoapFaultError as fault:
            raise _redacted(fault, secret) from None

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> SoapStatusTransport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SoapStatusTransport(endpoint={self.endpoint!r})"


class _ZeepHttp(zeep.Transport):
    """zeep's transport with redirects off, timeouts on, and no password in its log.

    zeep's own ``post`` logs the whole envelope, password included, at DEBUG and follows
    redirects, which would resend the password wherever a redirect points.
    """

    def __init__(self, session: requests.Session, timeout: Timeout) -> None:
        # zeep is unannotated; untyped_calls_exclude does not reach super() calls.
        super().__init__(  # type: ignore[no-untyped-call]
            session=session, timeout=timeout, operation_timeout=timeout
        )
        session.headers["User-Agent"] = "smsc-soap"

    def post_xml(
        self, address: str, envelope: etree._Element, headers: dict[str, str]
    ) -> requests.Response:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("POST %s\n%s", address, _redacted_envelope(envelope))
        response = super().post_xml(address, envelope, headers)  # type: ignore[no-untyped-call]
        return cast(requests.Response, response)

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> requests.Response:
        response = self.session.post(
            address,
            data=message,
            headers=headers,
            timeout=self.operation_timeout,
            allow_redirects=False,
        )
        logger.debug("HTTP %s from %s", response.status_code, address)
        return response


def _load_client(host: str, wsdl: str | PathLike[str] | None, transport: _ZeepHttp) -> zeep.Client:
    settings = zeep.Settings(
        strict=True,
        raw_response=True,  # replies are read by envelope.status_fields, not by zeep
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        xml_huge_tree=False,
    )
    source = io.BytesIO(shipped_wsdl(host)) if wsdl is None else str(wsdl)
    try:
        return zeep.Client(source, transport=transport, settings=settings)
    except requests.RequestException as exc:
        raise translated(exc) from exc
    except (OSError, zeep.exceptions.Error, etree.LxmlError) as exc:
        raise InvalidParametersError(f"the WSDL {wsdl!s} could not be loaded: {exc}") from exc


def _status_binding(client: zeep.Client) -> Binding:
    try:
        binding = client.wsdl.services["Service"].ports["ServiceSoap"].binding
        for operation in ("get_status", "get_status2"):
            binding.get(operation)
    except (KeyError, ValueError) as exc:
        raise InvalidParametersError(
            f"the WSDL does not describe the status service (Service/ServiceSoap): {exc}"
        ) from exc
    return cast(Binding, binding)


def _scheme_variants(namespace: str | None) -> frozenset[str]:
    # Hosts publish the namespace with http; WSDLs fetched over https have been seen with
    # https. Either is the same host's interface; another host's namespace is not.
    if namespace is None:
        raise InvalidParametersError("the WSDL's reply element has no namespace")
    rest = namespace.split("://", 1)[-1]
    return frozenset({namespace, f"http://{rest}", f"https://{rest}"})


def _charset(content_type: str) -> str | None:
    match = _CHARSET.search(content_type)
    return match.group(1) if match else None


def _error_reply(response: requests.Response, charset: str | None, secret: str) -> TransportError:
    try:
        fault = parse_xml(response.content, charset).find(_FAULT_PATH)
    except MalformedResponseError:
        fault = None
    if fault is not None:
        return _redacted(soap_fault(fault), secret)
    head = response.content[:_HTTP_BODY_KEPT]
    try:
        body = head.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        body = head.decode("utf-8", errors="replace")
    return HTTPStatusError(response.status_code, redact(body, secret))


def _redacted(fault: SoapFaultError, secret: str) -> SoapFaultError:
    # A fault may echo the request back, password included.
    return SoapFaultError(
        redact(fault.faultcode, secret),
        redact(fault.faultstring, secret),
        None if fault.detail is None else redact(fault.detail, secret),
    )


def _redacted_envelope(envelope: etree._Element) -> str:
    shown = copy.deepcopy(envelope)
    for password in shown.iter("psw"):
        password.text = REDACTED
    return etree.tostring(shown, encoding="unicode")
