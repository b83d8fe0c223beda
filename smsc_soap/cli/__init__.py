"""The ``smsc-soap`` command line: one command per module, gathered here."""

from __future__ import annotations

import errno
from typing import Any

import click

from .batch import batch
from .exit_codes import EXIT_CODES_HELP, ExitCode
from .lookup import status
from .os_errors import os_error_text
from .sandbox_commands import demo, sandbox
from .wsdl_commands import wsdl

__all__ = ["main"]


class _Commands(click.Group):
    """The commands, with any operating-system error they meet told in one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as error:
            if error.errno == errno.EPIPE:
                raise  # a reader that went away: click ends quietly
            click.echo(f"error: {os_error_text(error)}", err=True)
            ctx.exit(ExitCode.SYSTEM)


@click.group(cls=_Commands, epilog=EXIT_CODES_HELP)
@click.version_option(package_name="smsc-soap")
def main() -> None:
    """Delivery-status lookups against SMS Center (SMSC) over its SOAP API.

    Credentials come from flags, then the environment (SMSC_LOGIN, SMSC_PASSWORD or
    SMSC_API_KEY, SMSC_HOST, SMSC_ENDPOINT, SMSC_TRANSPORT), then a .env file.
    Also run as ``python -m smsc_soap``.
    """


for command in (status, batch, wsdl, sandbox, demo):
    main.add_command(command)
