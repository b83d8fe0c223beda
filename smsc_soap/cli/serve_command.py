"""``smsc-soap serve``: the status gateway in the foreground."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import click

from smsc_soap.calls.retries import RetryPolicy
from smsc_soap.cli.listening import bound, listen_options, serve_until_stopped
from smsc_soap.cli.receipts_option import smpp_receipts_option, start_smpp_receipts
from smsc_soap.cli.settings import ConnectionSettings, default_limits, upstream_options
from smsc_soap.client import StatusClient
from smsc_soap.errors import InvalidParametersError
from smsc_soap.gateway import Gateway, GatewayApp, Upstream
from smsc_soap.limits.stores import open_limit_store
from smsc_soap.serving.wsdl import checked_public_url
from smsc_soap.statuses import open_status_store

__all__ = ["serve"]

_LOCAL = ("127.0.0.1", "::1", "localhost")


def _public_url(context: click.Context, parameter: click.Parameter, url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return checked_public_url(url)
    except InvalidParametersError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@listen_options(default_port=8080)
@click.option(
    "--allow-remote", is_flag=True, help="Allow an address other than this host's loopback."
)
@click.option(
    "--grace",
    type=click.FloatRange(0, 300),
    default=10.0,
    show_default=True,
    help="Seconds requests in flight may take to finish when stopping.",
)
@click.option(
    "--public-url",
    callback=_public_url,
    metavar="URL",
    help="The gateway's base URL as its clients reach it (https://... behind TLS): the"
    " address its WSDL gives. Default: the Host the WSDL was asked with.",
)
@click.option(
    "--statuses",
    metavar="URL",
    envvar="SMSC_STATUSES",
    default="memory://",
    show_default=True,
    help="Where the statuses the gateway learns are kept, shared by replicas:"
    " redis://host:port/db, sqlite:///path or memory:// [env SMSC_STATUSES].",
)
@click.option(
    "--callback-secret",
    "callback_secrets",
    metavar="LOGIN=SECRET",
    multiple=True,
    help="The secret a login's status handler signs its callbacks with (repeatable) [env"
    " SMSC_CALLBACK_SECRETS, pairs separated by commas; prefer it: a flag shows in the"
    " process list]. A login without one takes its callbacks unsigned.",
)
@upstream_options
@smpp_receipts_option
def serve(
    settings: ConnectionSettings,
    listen: str,
    port: int,
    allow_remote: bool,
    grace: float,
    public_url: str | None,
    statuses: str,
    callback_secrets: tuple[str, ...],
) -> None:
    """Run the status gateway in the foreground; its base URL is the first line printed.

    Point a SOAP client at <URL>/sys/soap.php (WSDL at ?wsdl), an HTTP one at
    <URL>/sys/status.php, or use the JSON face: GET <URL>/v1/status?phone=&id=&all= and
    POST <URL>/v1/statuses with the SMSC login and password in HTTP Basic auth (described
    at <URL>/v1/openapi.json); GET <URL>/v1/events streams status changes. Set
    <URL>/v1/callbacks/smsc/<login> as the login's status handler in the SMSC account, and
    the statuses the service pushes are served with no lookup. Each caller's own login and
    password are passed through to the service, the limits are kept for all of them, and
    statuses are served from a cache rather than answered with error 9. The service is
    chosen with SMSC_HOST, --endpoint, --transport and --insecure-http. SIGTERM or Ctrl-C stops it.
    """
    if listen not in _LOCAL and not allow_remote:
        raise click.UsageError(f"listening on {listen} needs --allow-remote")
    # The access lines show with -v, when the command line has a handler for them; without
    # one, no record is made for each request only to be dropped.
    if logging.getLogger().handlers:
        logging.getLogger("smsc_soap.gateway.access").setLevel(logging.INFO)
    secrets = _callback_secrets(callback_secrets)
    store = open_limit_store(settings.limits or default_limits(), clock=time.monotonic)
    try:
        known = open_status_store(statuses)
    except InvalidParametersError as error:
        raise click.BadParameter(str(error), param_hint="--statuses") from None

    def make_client(login: str, password: str, **options: Any) -> StatusClient:
        return StatusClient(
            login,
            password,
            host=settings.host,
            endpoint=settings.endpoint,
            allow_insecure_http=settings.insecure_http,
            transport=settings.transport,
            retry=RetryPolicy(attempts=settings.retries + 1),
            **options,
        )

    app = GatewayApp(
        Upstream(store, make_client),
        host=settings.host,
        public_url=public_url,
        statuses=known,
        callback_secrets=secrets,
    )
    holder = start_smpp_receipts(known, lambda verdict: app.metrics.receipts.labels(verdict).inc())
    if holder is not None:
        app.metrics.smpp_session_held.set_function(lambda: float(holder.counts().held))
    server = bound(lambda: Gateway(app, host=listen, port=port), listen, port)
    click.echo(server.url)
    if listen not in _LOCAL:
        click.echo(
            "warning: callers' SMSC credentials cross the network in the clear unless TLS"
            " terminates in front of the gateway",
            err=True,
        )
        if not secrets:
            click.echo(
                "warning: callbacks are taken unsigned: anyone who can reach"
                " /v1/callbacks/smsc/<login> can set statuses; give --callback-secret",
                err=True,
            )
    click.echo(
        f"SOAP {server.soap_endpoint} (WSDL at ?wsdl), HTTP {server.status_endpoint},"
        f" JSON {server.url}/v1/status (OpenAPI at /v1/openapi.json); Ctrl-C stops",
        err=True,
    )
    if not serve_until_stopped(server, grace):
        click.echo(f"warning: requests still in flight after {grace:g} s were cut off", err=True)


def _callback_secrets(flags: tuple[str, ...]) -> dict[str, str]:
    """Each login's callback secret, from SMSC_CALLBACK_SECRETS and then the flags; never
    quoted back in an error."""
    where = "SMSC_CALLBACK_SECRETS or --callback-secret"
    pairs = [*os.environ.get("SMSC_CALLBACK_SECRETS", "").split(","), *flags]
    secrets: dict[str, str] = {}
    for pair in (pair.strip() for pair in pairs):
        if not pair:
            continue
        login, equals, secret = pair.partition("=")
        login = login.strip()
        if not equals or not login or not secret:
            raise click.BadParameter("each callback secret is LOGIN=SECRET", param_hint=where)
        if secrets.get(login, secret) != secret:
            raise click.BadParameter(f"two secrets for login {login!r}", param_hint=where)
        secrets[login] = secret
    return secrets


# The callers' own credentials are used: the shared connection flags for one are not shown.
for _param in serve.params:
    if isinstance(_param, click.Option) and _param.name in ("login", "password", "api_key"):
        _param.hidden = True
