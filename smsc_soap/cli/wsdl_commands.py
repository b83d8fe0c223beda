"""``smsc-soap wsdl show|refresh|diff``: the WSDL the client speaks, and drift from the live one."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import platformdirs

from smsc_soap.cli.exit_codes import ExitCode, exit_code_for
from smsc_soap.cli.wording import for_the_shell
from smsc_soap.errors import SmscError
from smsc_soap.service.hosts import KNOWN_HOSTS, SOAP_PATH
from smsc_soap.wsdl.drift import OperationFields, drift, fetch_wsdl, operations, store_wsdl
from smsc_soap.wsdl.shipped import shipped_wsdl

__all__ = ["wsdl"]

_host = click.option("--host", type=click.Choice(KNOWN_HOSTS), default="smsc.ru", show_default=True)


@click.group()
def wsdl() -> None:
    """The WSDL: show the shipped copy, refresh a cached one, diff against the live one."""


@wsdl.command()
@_host
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show this WSDL instead of the shipped copy.",
)
def show(host: str, path: Path | None) -> None:
    """List the operations and their fields."""
    document = path.read_bytes() if path else shipped_wsdl(host)
    for name, fields in _read(document).items():
        click.echo(f"{name}")
        click.echo(f"  in:  {', '.join(fields.inputs)}")
        click.echo(f"  out: {', '.join(fields.outputs)}")


@wsdl.command()
@_host
@click.option("--url", help="Fetch from here [default: https://HOST/sys/soap.php?wsdl].")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="SMSC_CACHE_DIR",
    help="Where to keep it [default: the user cache].",
)
def refresh(host: str, url: str | None, cache_dir: Path | None) -> None:
    """Fetch the live WSDL into the user cache, with a manifest (never over the shipped copy)."""
    source = url or _live_url(host)
    document = _fetched(source)
    directory = (cache_dir or Path(platformdirs.user_cache_dir("smsc-soap"))) / "wsdl" / host
    click.echo(store_wsdl(document, source, directory))


@wsdl.command()
@_host
@click.option("--url", help="Compare this URL's WSDL [default: https://HOST/sys/soap.php?wsdl].")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Compare this file instead of a live WSDL.",
)
def diff(host: str, url: str | None, path: Path | None) -> None:
    """Operations and fields added or removed, live (or --file) against the shipped copy.

    Exits 0 when they match and 1 when they drift, like diff.
    """
    document = path.read_bytes() if path else _fetched(url or _live_url(host))
    changes = drift(_read(shipped_wsdl(host)), _read(document))
    for name in changes.added_operations:
        click.echo(f"+ operation {name}")
    for name in changes.removed_operations:
        click.echo(f"- operation {name}")
    for name, fields in changes.added_fields.items():
        click.echo("\n".join(f"+ {name}: {field}" for field in fields))
    for name, fields in changes.removed_fields.items():
        click.echo("\n".join(f"- {name}: {field}" for field in fields))
    if not changes:
        click.echo("no drift: the same operations and fields as the shipped copy")
    sys.exit(ExitCode.ERROR if changes else ExitCode.OK)


def _live_url(host: str) -> str:
    return f"https://{host}{SOAP_PATH}?wsdl"


def _fetched(url: str) -> bytes:
    try:
        return fetch_wsdl(url)
    except SmscError as error:
        click.echo(f"error: {url}: {for_the_shell(error)}", err=True)
        sys.exit(exit_code_for(error))


def _read(document: bytes) -> dict[str, OperationFields]:
    try:
        return operations(document)
    except SmscError as error:
        raise click.UsageError(for_the_shell(error)) from None
