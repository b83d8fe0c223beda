"""``smsc-soap status``: one message's status."""

from __future__ import annotations

import csv
import sys

import click
from rich.console import Console

from ..errors import SmscError
from .exit_codes import exit_code_for
from .output import RESULT_COLUMNS, as_json, print_table, result_cells
from .settings import ConnectionSettings, connection_options
from .wording import for_the_shell

__all__ = ["status"]


@click.command()
@click.argument("phone")
@click.argument("message_id", metavar="ID")
@click.option(
    "--all",
    "level",
    type=click.IntRange(0, 2),
    default=0,
    show_default=True,
    help="0 usual, 1 full, 2 with country, operator and region.",
)
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
    """Look up the status of the message ID sent to PHONE."""
    extra = dict(_pair(item) for item in query)
    try:
        with settings.client() as client:
            if extra:
                result = client.get_status2(phone, message_id, level, query=extra)
            else:
                result = client.get_status(phone, message_id, level)
    except SmscError as error:
        click.echo(f"error: {for_the_shell(error)}", err=True)
        sys.exit(exit_code_for(error))
    cells = result_cells(result.phone, result.message_id, result, None)
    if output_format == "json":
        click.echo(as_json(result))
    elif output_format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=RESULT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerow(cells)
    else:
        columns = [column for column in RESULT_COLUMNS if column != "error"]
        print_table(Console(), columns, [cells])


def _pair(item: str) -> tuple[str, str]:
    key, separator, value = item.partition("=")
    if not separator or not key:
        raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--query")
    return key, value
