"""``smsc-soap sandbox`` and ``smsc-soap demo``: the local SMSC, and the client run against it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click
from rich.console import Console

from smsc_soap.cli.listening import bound, listen_options, serve_until_stopped
from smsc_soap.cli.output import Cell, print_table, result_fields
from smsc_soap.client import StatusClient
from smsc_soap.errors import ApiError, SmscError
from smsc_soap.sandbox import (
    BookError,
    MessageBook,
    Sandbox,
    SandboxApp,
    SandboxOptions,
    default_book,
)
from smsc_soap.sandbox.callback_pusher import checked_callback_url

__all__ = ["demo", "sandbox"]

_UNKNOWN_ID = ("79990000000", "999999")  # not in the book: shows how "not found" looks
_DEMO_COLUMNS = (
    "id",
    "phone",
    "status",
    "status_name",
    "outcome",
    "err_name",
    "send_date",
    "last_date",
    "cost",
    "error_type",
)
_MAX_LATENCY_MS = 60_000.0  # a minute: longer is a hung server, which a test makes otherwise


@click.command()
@listen_options(default_port=0)
@click.option(
    "--book",
    "book_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV message book (see --show-book for the columns).",
)
@click.option(
    "--latency",
    type=click.FloatRange(0, _MAX_LATENCY_MS),
    default=0.0,
    help="Milliseconds added to each request, up to 60000.",
)
@click.option(
    "--idle-timeout",
    type=click.IntRange(min=1),
    default=30,
    show_default=True,
    help="Seconds after which an idle connection is closed.",
)
@click.option(
    "--smpp-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve SMPP (query_sm, receipts) on this port too (0: a free one).",
)
@click.option(
    "--callback-url",
    metavar="URL",
    default=None,
    help="POST each status change of the book to this http(s) address, as the service's"
    " status handler does.",
)
@click.option(
    "--callback-secret",
    metavar="SECRET",
    envvar="SMSC_SANDBOX_CALLBACK_SECRET",
    default=None,
    help="Sign the callbacks (md5, sha1) with this secret [env: SMSC_SANDBOX_CALLBACK_SECRET].",
)
@click.option(
    "--callback-current",
    is_flag=True,
    help="Also push each message's status at start, before the changes that come due.",
)
@click.option("--show-book", is_flag=True, help="Print the default message book as CSV and exit.")
def sandbox(
    listen: str,
    port: int,
    book_file: Path | None,
    latency: float,
    idle_timeout: int,
    smpp_port: int | None,
    callback_url: str | None,
    callback_secret: str | None,
    callback_current: bool,
    show_book: bool,
) -> None:
    """Run a local SMSC in the foreground; its base URL is the first line printed.

    It answers /sys/soap.php (WSDL at ?wsdl) and /sys/status.php for login demo, password
    demo, with the service's limits; with --smpp-port, SMPP binds and query_sm too, and
    DELIVER_SM receipts for the book's status changes; with --callback-url, the same
    changes POSTed as the service's status handler sends them. Ctrl-C stops it.
    """
    if show_book:
        click.echo(default_book().to_csv(), nl=False)
        return
    try:
        book = MessageBook.from_csv(book_file) if book_file else default_book()
    except BookError as error:
        raise click.UsageError(str(error)) from error
    if callback_url is not None:
        try:
            checked_callback_url(callback_url)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--callback-url'") from None
    elif callback_secret is not None or callback_current:
        raise click.UsageError("--callback-secret and --callback-current need --callback-url")
    if callback_secret == "":
        raise click.BadParameter("the secret is empty", param_hint="'--callback-secret'")
    options = SandboxOptions(
        latency_ms=latency,
        callback_url=callback_url,
        callback_secret=callback_secret,
        callback_current=callback_current,
    )
    server = bound(
        lambda: Sandbox(
            SandboxApp(book, options),
            host=listen,
            port=port,
            channel_timeout=idle_timeout,
            smpp_port=smpp_port,
        ),
        listen,
        port,
    )
    click.echo(server.url)
    smpp = "" if server.smpp is None else f"; SMPP {server.smpp.host}:{server.smpp.port}"
    pushed = ""
    if server.callbacks is not None:
        signed = "signed" if callback_secret else "unsigned"
        pushed = f"; {server.callbacks.pending} status changes POSTed ({signed}) as they come due"
    click.echo(
        f"{len(book)} messages; login {options.login}, password {options.password};"
        f" SOAP {server.soap_endpoint}"
        f" (WSDL at ?wsdl){smpp}{pushed}; Ctrl-C stops",
        err=True,
    )
    serve_until_stopped(server)


@click.command()
def demo() -> None:
    """Start the sandbox, check its messages over SOAP with the client, and print a table."""
    book = default_book()
    options = SandboxOptions()
    rows: list[dict[str, Cell]] = []
    outcomes: Counter[str] = Counter()
    with (
        Sandbox(SandboxApp(book, options)) as server,
        StatusClient(
            options.login, options.password, endpoint=server.soap_endpoint, allow_insecure_http=True
        ) as client,
    ):
        for phone, message_id in [*((m.phone, m.id) for m in book), _UNKNOWN_ID]:
            try:
                result = client.get_status(phone, message_id, all=1)
            except ApiError as error:  # the unknown id: error 3, as the service answers
                rows.append(result_fields(phone, message_id, None, error, level=1))
                outcomes[type(error).__name__] += 1
            except SmscError as error:
                raise click.ClickException(f"lookup of {message_id} failed: {error}") from error
            else:
                rows.append(result_fields(phone, message_id, result, None, level=1))
                outcomes[result.outcome.value] += 1
    print_table(Console(), _DEMO_COLUMNS, rows)
    summary = ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()))
    click.echo(f"\n{len(rows)} lookups over SOAP at {server.soap_endpoint}: {summary}")
