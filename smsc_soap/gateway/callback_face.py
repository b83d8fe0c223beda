"""The callback receiver: ``POST`` (or ``GET``) ``/v1/callbacks/smsc/{login}``, the address a
login's owner sets as the account's status handler.

The form is checked with the login's secret when one is configured (401 for a signature
missing or wrong, nothing changed), read with ``smsc_soap.callbacks`` (400 for a form of no
known kind or a malformed one), and a status callback is written to the status store as
learned by ``callback``: the same change twice is one change, an older status after a newer
one changes nothing (``statuses.supersedes``). Incoming SMS and call confirmations are
acknowledged and counted, not kept. Every accepted callback is answered 200 ``OK`` at once;
one the status store could not keep is answered 503, so that the service sends it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote

from smsc_soap.callbacks import ALGORITHMS, StatusCallback, kind_of, parse, verify
from smsc_soap.errors import CallbackError, CallbackSignatureError, SmscError
from smsc_soap.gateway.json_face import json_error
from smsc_soap.gateway.known import Known
from smsc_soap.gateway.metrics import GatewayMetrics
from smsc_soap.gateway.served import RETRY_AFTER
from smsc_soap.serving.http_reply import HttpReply, text_reply

__all__ = ["CALLBACK_PATH", "callback_login", "serve_callback"]

CALLBACK_PATH = "/v1/callbacks/smsc/"
"""The receiver's path, the login following it."""


def callback_login(path: str) -> str | None:
    """The login a callback path names, or None for a path that is not the receiver's."""
    if not path.startswith(CALLBACK_PATH):
        return None
    login = unquote(path[len(CALLBACK_PATH) :])
    return login if login and "/" not in login else None


def serve_callback(
    login: str,
    query: str,
    body: bytes,
    headers: Mapping[str, str],
    secret: str | None,
    known: Known,
    metrics: GatewayMetrics,
) -> HttpReply:
    """The answer to one callback for ``login``, its form in ``query`` and a form-encoded
    ``body`` (whose fields win); ``secret`` the login's, if configured."""
    form = dict(parse_qsl(query, keep_blank_values=True))
    form.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        kind = kind_of(form)
    except CallbackError as error:
        metrics.callbacks.labels("unknown", "malformed").inc()
        return json_error("400 Bad Request", f"refused by the gateway: {error}")
    if secret is not None:
        try:
            verify(form, secret, headers=headers)
        except CallbackSignatureError as error:
            metrics.callbacks.labels(kind, "bad_signature").inc()
            return json_error("401 Unauthorized", f"refused by the gateway: {error}")
    try:
        callback = parse(form)
    except CallbackError as error:
        metrics.callbacks.labels(kind, "malformed").inc()
        return json_error("400 Bad Request", f"refused by the gateway: {error}")
    if not isinstance(callback, StatusCallback):
        metrics.callbacks.labels(kind, "acknowledged").inc()
        return text_reply("200 OK", "OK")
    # The signatures are derived from the secret: not kept.
    fields = {name: value for name, value in callback.fields.items() if name not in ALGORITHMS}
    try:
        change = known.write(login, callback.status, "callback", fields, shared=True)
    except SmscError:
        # Not OK: the service sends it again, and then every replica learns it.
        metrics.callbacks.labels(kind, "failed").inc()
        text = "refused by the gateway: its status store cannot be used now; send it again"
        return json_error("503 Service Unavailable", text, (RETRY_AFTER,))
    metrics.callbacks.labels(kind, "unchanged" if change is None else "stored").inc()
    return text_reply("200 OK", "OK")
