"""The gateway's pages for people: ``/``, a landing page naming the faces, and ``/docs``, the
JSON face's OpenAPI document in Swagger UI, whose script and style come from the installed
``swagger-ui-bundle-v2`` package, so that the page works with no network."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from smsc_soap.serving.http_reply import HttpReply

__all__ = ["DOCS_PATH", "docs_reply", "landing_reply"]

DOCS_PATH = "/docs"

_ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
# Swagger UI started on the gateway's own document; no validator badge, which would call out.
_START = b"""window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/v1/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
  });
};
"""
_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>smsc-soap gateway: the JSON face</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""
_LANDING_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>smsc-soap gateway</title></head>
<body>
<h1>smsc-soap gateway {version}</h1>
<p>Delivery statuses of SMS Center (SMSC) messages, looked up with each caller's own SMSC login
and password, within the service's limits, and served from a cache where the service would
refuse.</p>
<ul>
<li><b>SOAP</b>: POST <code>/sys/soap.php</code>, as SMSC's own SOAP interface; its
<a href="/sys/soap.php?wsdl">WSDL</a>.</li>
<li><b>HTTP</b>: GET or POST <code>/sys/status.php</code>, as SMSC's own status.php.</li>
<li><b>JSON</b>: GET <code>/v1/status</code> and POST <code>/v1/statuses</code>, with the login
and password in HTTP Basic auth: <a href="/docs">its documentation</a> and
<a href="/v1/openapi.json">its OpenAPI document</a>.</li>
<li><b>Changes</b>: GET <code>/v1/events</code> streams status changes (Server-Sent Events,
same login and password); the service pushes them to <code>/v1/callbacks/smsc/LOGIN</code>, the
address to set as the account's status handler.</li>
<li>For operators: <a href="/healthz">/healthz</a> and <a href="/metrics">/metrics</a>.</li>
</ul>
</body>
</html>
"""


def landing_reply() -> HttpReply:
    page = _LANDING_PAGE.format(version=version("smsc-soap"))
    return HttpReply("200 OK", "text/html; charset=utf-8", page.encode())


def docs_reply(path: str) -> HttpReply | None:
    """The reply on ``path`` under ``/docs``, or None if it is not one of the pages."""
    if path in (DOCS_PATH, f"{DOCS_PATH}/"):
        return HttpReply("200 OK", "text/html; charset=utf-8", _DOCS_PAGE.encode())
    name = path.removeprefix(f"{DOCS_PATH}/")
    if name == "start.js":
        return HttpReply("200 OK", "text/javascript; charset=utf-8", _START)
    if name not in _ASSETS:
        return None
    return HttpReply("200 OK", _ASSETS[name], _asset(name), (("Cache-Control", "max-age=86400"),))


@cache
def _asset(name: str) -> bytes:
    from swagger_ui_bundle import swagger_ui_path

    data: bytes = swagger_ui_path.joinpath(name).read_bytes()
    return data
