"""The ``smsc-soap`` command line: one command per module, gathered here.

A command's module is imported only when that command runs, so ``smsc-soap --help`` and
``--version`` load click and nothing else: not the client, zeep, requests or rich.
"""

from __future__ import annotations

import errno
import importlib
from typing import Any

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
    """The commands, each imported when it is run, with any operating-system error they
    meet told in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # a reader that went away: click ends quietly
            click.echo(f"error: {os_error_text(error)}", err=True)
            ctx.exit(ExitCode.SYSTEM)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

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


@click.group(None, _LazyGroup, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="smsc-soap")
def main() -> None:
    """Delivery-status lookups against SMS Center (SMSC) over its SOAP API.

    Credentials come from flags, then the environment (SMSC_LOGIN, SMSC_PASSWORD or
    SMSC_API_KEY, SMSC_HOST, SMSC_ENDPOINT, SMSC_TRANSPORT), then a .env file.
    Also run as ``python -m smsc_soap``.
    """
