"""The ``smsc-soap`` command line: one command per module, gathered here.

A command's module is imported only when that command runs, so ``smsc-soap --help`` and
``--version`` load click and nothing else: not the client, zeep, requests or rich.
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any, NoReturn

import click

from smsc_soap.cli.exit_codes import EXIT_CODES_HELP, ExitCode
from smsc_soap.cli.os_errors import os_error_text

__all__ = ["main"]

# name: (module, the first paragraph of its help, which --help lists; a test holds the two equal)
COMMANDS = {
    "batch": (
        ".batch",
        "Look up the message of every row of INPUT.csv and write one result row per line.",
    ),
    "demo": (
        ".sandbox_commands",
        "Start the sandbox, check its messages over SOAP with the client, and print a table.",
    ),
    "lockout": (
        ".lockout_command",
        "After a wrong password or an IP block: show what is held back, or reset it.",
    ),
    "sandbox": (
        ".sandbox_commands",
        "Run a local SMSC in the foreground; its base URL is the first line printed.",
    ),
    "serve": (
        ".serve_command",
        "Run the status gateway in the foreground; its base URL is the first line printed.",
    ),
    "status": (".lookup", "Look up the status of the message ID sent to PHONE."),
    "wsdl": (
        ".wsdl_commands",
        "The WSDL: show the shipped copy, refresh a cached one, diff against the live one.",
    ),
}


class _LazyGroup(click.Group):
    """The commands, each imported when it is run; a usage error, an operating-system error
    and Ctrl-C told in one line, with the exit code the table gives them."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, **kwargs)
        except KeyboardInterrupt:  # between click's handlers: while a command is imported
            _interrupted()

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise _OneLine(error) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise _OneLine(error) from None
        except (KeyboardInterrupt, click.Abort):
            _interrupted()
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # a reader that went away: click ends quietly
            click.echo(f"error: {os_error_text(error)}", err=True)
            ctx.exit(ExitCode.SYSTEM)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        if name not in COMMANDS and not name.startswith("-"):
            import difflib

            close = difflib.get_close_matches(name, COMMANDS, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(COMMANDS)}"
            raise click.UsageError(f"no command {name!r}: {hint}", ctx)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = getattr(importlib.import_module(COMMANDS[cmd_name][0], __name__), cmd_name)
        if not isinstance(command, click.Command):
            raise TypeError(f"{cmd_name} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click lists them, from the summaries above rather than the imported commands.
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl(
                [
                    (name, click.Command(name, help=summary).get_short_help_str(limit))
                    for name, (_, summary) in sorted(COMMANDS.items())
                ]
            )


class _OneLine(click.UsageError):
    """A usage error as one line: what is wrong, and where the fix is told."""

    def __init__(self, error: click.UsageError) -> None:
        super().__init__(error.format_message(), error.ctx)

    def show(self, file: Any = None) -> None:
        message = self.format_message()
        if self.ctx is not None and self.ctx.command_path and "--help" not in message:
            message = f"{message} (see {self.ctx.command_path} --help)"
        click.echo(f"error: {message}", err=True)


def _interrupted() -> NoReturn:
    click.echo("\nstopped by Ctrl-C", err=True)
    sys.exit(ExitCode.INTERRUPTED)


@click.group(None, _LazyGroup, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="smsc-soap")
def main() -> None:
    """Delivery-status lookups against SMS Center (SMSC) over its SOAP API.

    Credentials come from flags, then the environment (SMSC_LOGIN, SMSC_PASSWORD or
    SMSC_API_KEY, SMSC_HOST, SMSC_ENDPOINT, SMSC_TRANSPORT), then a .env file.
    Also run as: python -m smsc_soap.
    """
