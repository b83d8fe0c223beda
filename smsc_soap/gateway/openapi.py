"""``GET /v1/openapi.json``: the JSON face described as an OpenAPI 3.1 document, its schemas
generated from the face's pydantic models."""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import version
from typing import Any

from pydantic.json_schema import models_json_schema

from smsc_soap.gateway.json_models import ErrorBody, StatusBody, StatusesBody, StatusesRequest
from smsc_soap.gateway.served import MAX_MESSAGES

__all__ = ["openapi_document"]

_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Bad parameters (error 1).",
    "401": "No HTTP Basic credentials, or the service answered error 2 for them.",
    "404": "The message is not found (error 3, status -3).",
    "429": "Held back: asking now would break the service's limits (error 9).",
    "502": "The service's reply was broken, or it answered another error.",
    "503": "The service has blocked this IP address for a while (error 4).",
    "504": "The service did not answer in time.",
}
_LIST_ERRORS = {
    "400": "The body is not JSON.",
    "401": "No HTTP Basic credentials.",
    "413": f"More than {MAX_MESSAGES} messages.",
    "422": "The body is not a list of messages as described.",
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
            parameter("phone", {"type": "string", "minLength": 1}, "The phone it was sent to."),
            parameter("id", {"type": "string", "minLength": 1}, "The message id."),
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
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model=schema)}}},
    }
