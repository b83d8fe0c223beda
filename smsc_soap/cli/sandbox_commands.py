"""``smsc-soap sandbox`` and ``smsc-soap demo``: the local SMSC, and the client run against it."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import click
from rich.console import Console

from smsc_soap.callbacks import StatusCallback, parse, verify
from smsc_soap.cli.listening import bound, listen_options, serve_until_stopped
from smsc_soap.cli.output import Cell, print_table, result_fields
from smsc_soap.cli.verbosity import configure_logging
from smsc_soap.client import StatusClient
from smsc_soap.errors import ApiError, CallbackError, SmscError
from smsc_soap.models import MessageStatus
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
_PUSH_WAIT = 10.0  # seconds the demo waits for the sandbox's callbacks after its lookups
# What a callback and a lookup over SOAP with all=1 both carry.
_COMPARED = {"message_id", "status", "err", "last_date", "cost", "sms_cnt"}


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
    if callback_url is not None:
        # A receiver that fails is retried, then the change dropped: said on stderr, or a
        # mistyped URL would lose every change in silence.
        configure_logging(1)
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
    """Start the sandbox, check its messages over SOAP with the client, and print a table.

    The sandbox also pushes each message's status, as signed callbacks, to a receiver of the
    demo's own on 127.0.0.1; the summary counts them and those that agree with the lookups.
    """
    book = default_book()
    secret = secrets.token_hex(16)
    rows: list[dict[str, Cell]] = []
    outcomes: Counter[str] = Counter()
    looked_up: dict[str, MessageStatus] = {}
    with _inbox(secret) as (inbox_url, pushed, inbox_ready):
        options = SandboxOptions(
            callback_url=inbox_url, callback_secret=secret, callback_current=True
        )
        with (
            Sandbox(SandboxApp(book, options)) as server,
            StatusClient(
                options.login,
                options.password,
                endpoint=server.soap_endpoint,
                allow_insecure_http=True,
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
                    looked_up[message_id] = result
            inbox_ready(len(book))
    print_table(Console(), _DEMO_COLUMNS, rows)
    same = sum(
        status.model_dump(include=_COMPARED) == looked_up[message_id].model_dump(include=_COMPARED)
        for message_id, status in pushed.items()
        if message_id in looked_up
    )
    click.echo(
        f"\n{len(pushed)} statuses pushed as signed callbacks to {inbox_url},"
        f" {same} as the lookup read them"
    )
    summary = ", ".join(f"{count} {name}" for name, count in sorted(outcomes.items()))
    click.echo(f"{len(rows)} lookups over SOAP at {server.soap_endpoint}: {summary}")


@contextmanager
def _inbox(
    secret: str,
) -> Iterator[tuple[str, dict[str, MessageStatus], Callable[[int], None]]]:
    """A status handler on 127.0.0.1 for the demo, as a user's web service would be: each
    callback's signature checked and its status kept by message id (the latest wins). Yields
    its URL, the statuses, and a wait for a number of them (``_PUSH_WAIT`` at most)."""
    pushed: dict[str, MessageStatus] = {}
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            try:
                verify(form, secret)
                callback = parse(form)
            except CallbackError:
                self.send_response(400)
            else:
                if isinstance(callback, StatusCallback):
                    with arrived:
                        pushed[callback.message_id] = callback.status
                        arrived.notify_all()
                self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: object) -> None:
            pass  # the demo prints its own table, not a line per request

    def wait_for(count: int) -> None:
        with arrived:
            arrived.wait_for(lambda: len(pushed) >= count, _PUSH_WAIT)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/smsc/callback", pushed, wait_for
    finally:
        server.shutdown()
        server.server_close()
