"""The ``smsc-soap`` command line: one command per module, gathered here."""

from __future__ import annotations

import click

from .batch import batch
from .exit_codes import EXIT_CODES_HELP
from .lookup import status
from .sandbox_commands import demo, sandbox
from .wsdl_commands import wsdl

__all__ = ["main"]


@click.group(epilog=EXIT_CODES_HELP)
@click.version_option(package_name="smsc-soap")
def main() -> None:
    """Delivery-status lookups against SMS Center (SMSC) over its SOAP API.

    Credentials come from flags, then the environment (SMSC_LOGIN, SMSC_PASSWORD or
    SMSC_API_KEY, SMSC_HOST, SMSC_ENDPOINT, SMSC_TRANSPORT), then a .env file.
    """


for command in (status, batch, wsdl, sandbox, demo):
    main.add_command(command)
