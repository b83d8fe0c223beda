"""``GET /v1/openapi.json``: the JSON face described as an OpenAPI 3.1 document, its schemas
generated from the face's pydantic models."""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import version
from typing import Any

from pydantic.json_schema import models_json_schema

from smsc_soap.gateway.json_models import ErrorBody, StatusBody, StatusesBody, StatusesRequest
from smsc_soap.gateway.phones import ID_PATTERN, PHONE_PATTERN
from smsc_soap.gateway.served import MAX_MESSAGES

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Bad parameters (error 1).",
    "401": "No HTTP Basic credentials, or the service answered error 2 for them.",
    "404": "The message is not found (error 3, status -3).",
    "429": "Held back: asking now would break the service's limits (error 9).",
    "502": "The service's reply was broken, or it answered another error.",
    "503": (
        "The service has blocked this IP address for a while (error 4); or, with Retry-After,"
        " the gateway cannot use the store of the service's limits now and holds no status"
        " of the message, or it has too many requests at once."
    ),
    "504": "The service did not answer in time.",
}
_LIST_ERRORS = {
    "400": "The body is not JSON.",
    "401": "No HTTP Basic credentials, or the service answered error 2 for them.",
    "408": "The body did not arrive within the gateway's read deadline.",
    "413": "A body over 1 MiB.",
    "422": f"The body is not a list of up to {MAX_MESSAGES} messages as described.",
    "503": (
        "With Retry-After: the gateway cannot use the store of the service's limits now and"
        " holds none of the statuses, or it has too many requests at once."
    ),
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before asking again (with a 503 the gateway gives).",
        "schema": {"type": "integer", "minimum": 0},
    }
}


@cache
def openapi_document() -> bytes:
    return json.dumps(_document(), ensure_ascii=False, indent=1).encode("utf-8")


def _document() -> dict[str, Any]:
    _, definitions = models_json_schema(
        [
            (StatusBody, "serialization"),
            (ErrorBody, "serialization"),
            (StatusesBody, "serialization"),
            (StatusesRequest, "validation"),
        ],
        ref_template=_REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "smsc-soap gateway, JSON face",
            "version": version("smsc-soap"),
            "description": (
                "Delivery statuses of messages sent through SMS Center (SMSC), looked up with"
                " the caller's SMSC login and password, within the service's limits."
            ),
        },
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {"smsc": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"smsc": []}],
        "paths": {
            "/v1/status": {"get": _status_operation()},
            "/v1/statuses": {"post": _statuses_operation()},
        },
    }


def _status_operation() -> dict[str, Any]:
    def parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        required = name != "all"
        return {
            "name": name,
            "in": "query",
            "required": required,
            "schema": schema,
            "description": description,
        }

    return {
        "operationId": "getStatus",
        "summary": "The status of one message.",
        "parameters": [
            parameter(
                "phone",
                {"type": "string", "pattern": PHONE_PATTERN},
                "The phone it was sent to: digits with an optional leading +, spaces,"
                " parentheses, dashes and dots allowed; or the e-mail address.",
            ),
            parameter(
                "id", {"type": "string", "pattern": ID_PATTERN}, "The message id: its digits."
            ),
            parameter(
                "all",
                {"type": "integer", "enum": [0, 1, 2], "default": 0},
                "Detail: 0 usual, 1 full, 2 with operator and region.",
            ),
        ],
        "responses": {
            "200": _body("The status, with its age in seconds.", "StatusBody"),
            **{code: _body(text, "ErrorBody") for code, text in _ERRORS.items()},
        },
    }


def _statuses_operation() -> dict[str, Any]:
    return {
        "operationId": "getStatuses",
        "summary": f"The statuses of up to {MAX_MESSAGES} messages, in the order asked.",
        "requestBody": {"required": True, **_body("The messages.", "StatusesRequest")},
        "responses": {
            "200": _body(
                "One item per message: its status, or the error its lookup failed with.",
                "StatusesBody",
            ),
            **{code: _body(text, "ErrorBody") for code, text in _LIST_ERRORS.items()},
        },
    }


def _body(description: str, schema: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model=schema)}}},
    }
    if description.startswith("With Retry-After") or "with Retry-After" in description:
        body["headers"] = _RETRY_AFTER
    return body
