"""The public names are a contract: importable from smsc_soap and listed in __all__."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import smsc_soap

CONTRACT = {
    "StatusClient",
    "AsyncStatusClient",
    "MessageStatus",
    "StatusCode",
    "build_query",
    "SmscError",
    "ApiError",
    "InvalidParametersError",
    "AuthenticationError",
    "MessageNotFoundError",
    "IPBlockedError",
    "DeleteError",
    "RateLimitError",
    "TransportError",
    "RequestTimeoutError",
    "ConnectionFailedError",
    "HTTPStatusError",
    "SoapFaultError",
    "MalformedResponseError",
    "RetryPolicy",
    "InstantClock",
    "StatusTransport",
    "SoapStatusTransport",
    "HttpStatusTransport",
    "SmppStatusTransport",
    "FakeTransport",
    "LookupResult",
    "ClientOptions",
    "Credentials",
    "StatusRequest",
}


def test_the_client_has_its_public_methods() -> None:
    for method in ("get_status", "get_status2", "get_statuses", "delete", "reset_lockout"):
        assert callable(getattr(smsc_soap.StatusClient, method))


def test_the_built_in_transports_implement_the_protocol() -> None:
    fake = smsc_soap.FakeTransport()
    soap = smsc_soap.SoapStatusTransport()
    http = smsc_soap.HttpStatusTransport()
    smpp = smsc_soap.SmppStatusTransport(host="127.0.0.1", port=2775, source_addr="SMSC.RU")
    for transport in (fake, soap, http, smpp):
        assert isinstance(transport, smsc_soap.StatusTransport)
        transport.close()


def test_all_lists_exactly_what_the_package_exports() -> None:
    # dir(), not vars(): the names are loaded when first used.
    public = {name for name in dir(smsc_soap) if not name.startswith("_")}
    modules = {name for name in public if isinstance(getattr(smsc_soap, name), ModuleType)}

    assert set(smsc_soap.__all__) == public - modules
    assert len(smsc_soap.__all__) == len(set(smsc_soap.__all__))


def test_the_contract_names_are_exported() -> None:
    assert set(smsc_soap.__all__) >= CONTRACT
    for name in CONTRACT:
        assert getattr(smsc_soap, name).__module__.startswith("smsc_soap.")


def test_every_exception_is_an_smsc_error() -> None:
    exceptions = [
        value
        for value in (getattr(smsc_soap, name) for name in smsc_soap.__all__)
        if isinstance(value, type) and issubclass(value, BaseException)
    ]

    assert len(exceptions) >= 14
    assert all(issubclass(exception, smsc_soap.SmscError) for exception in exceptions)


def test_the_type_checker_sees_each_public_name_where_it_is_loaded_from() -> None:
    """The package's ``TYPE_CHECKING`` imports (what a type checker reads) and the table its
    lazy loader reads name the same module for every public name."""
    source = Path(smsc_soap.__file__).read_text(encoding="utf-8")
    (type_checking,) = [node for node in ast.parse(source).body if isinstance(node, ast.If)]
    seen = {
        alias.asname or alias.name: node.module
        for node in type_checking.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    loaded = {name: module for module, names in smsc_soap._MODULES.items() for name in names}
    # Public modules (``smsc_soap.callbacks``) are loaded as modules, not from the table.
    modules = {name for name, module in seen.items() if module == "smsc_soap"}

    assert {name: seen[name] for name in seen.keys() - modules} == loaded
    assert modules == {"callbacks"}
    assert all(isinstance(getattr(smsc_soap, name), ModuleType) for name in modules)
