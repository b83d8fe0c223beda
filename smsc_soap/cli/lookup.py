"""``smsc-soap status``: one message's status."""

from __future__ import annotations

import csv
import sys
from typing import NoReturn

import click
from rich.console import Console

from smsc_soap.cli.exit_codes import exit_code_for
from smsc_soap.cli.output import Cell, as_json, as_text, print_table, result_fields
from smsc_soap.cli.settings import ConnectionSettings, connection_options, level_option
from smsc_soap.cli.wording import for_the_shell
from smsc_soap.errors import SmscError
from smsc_soap.service import phones
from smsc_soap.views.status_columns import status_columns

__all__ = ["status"]


@click.command()
@click.argument("phone")
@click.argument("message_id", metavar="ID")
@level_option
@click.option(
    "--query",
    multiple=True,
    metavar="KEY=VALUE",
    help="An extra parameter for get_status2; repeat for more.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@connection_options
def status(
    settings: ConnectionSettings,
    phone: str,
    message_id: str,
    level: int,
    query: tuple[str, ...],
    output_format: str,
) -> None:
    """Look up the status of the message ID sent to PHONE.

    PHONE may be written with spaces, parentheses and dashes. In CSV and JSON a failed
    lookup is also a row, its error in the error column; the exit code tells what failed.
    """
    extra = dict(_pair(item) for item in query)
    phone = phones.normalised(phone)
    try:
        client = settings.client()
    except SmscError as error:
        _fail(error)
    with client:
        try:
            if extra:
                result = client.get_status2(phone, message_id, level, query=extra)
            else:
                result = client.get_status(phone, message_id, level)
        except SmscError as error:
            if output_format != "table":
                _show(output_format, result_fields(phone, message_id, None, error, level), level)
            _fail(error)
    _show(output_format, result_fields(phone, message_id, result, None, level), level)


def _show(output_format: str, fields: dict[str, Cell], level: int) -> None:
    if output_format == "json":
        click.echo(as_json(fields, indent=2))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(fields)
        writer.writerow(as_text(cell) for cell in fields.values())
    else:
        columns = list(status_columns(level))
        print_table(Console(), columns, [fields])


def _fail(error: SmscError) -> NoReturn:
    click.echo(f"error: {for_the_shell(error)}", err=True)
    sys.exit(exit_code_for(error))


def _pair(item: str) -> tuple[str, str]:
    key, separator, value = item.partition("=")
    if not separator or not key:
        raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--query")
    return key, value
