"""How results are shown: one row of fields per lookup (``smsc_soap.views.status_columns``, then
the error's), with the same names and meanings in the table, CSV and JSON. Which columns
there are depends on ``--all`` alone, never on the answer, so a CSV has the same columns on
every row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

from smsc_soap.cli.wording import for_the_shell
from smsc_soap.errors import SmscError
from smsc_soap.models import MessageStatus
from smsc_soap.views.status_columns import Cell, status_columns, status_fields

__all__ = [
    "ALL_RESULT_COLUMNS",
    "ERROR_COLUMNS",
    "Cell",
    "as_json",
    "as_text",
    "print_table",
    "result_columns",
    "result_fields",
]

ERROR_COLUMNS = ("error_type", "error")
"""The error's class (``RequestTimeoutError``) and its text; empty for a status."""

ALL_RESULT_COLUMNS = (*status_columns(2), *ERROR_COLUMNS)


def result_columns(level: int) -> tuple[str, ...]:
    """The columns of a result looked up with ``all=level``."""
    return (*status_columns(level), *ERROR_COLUMNS)


def result_fields(
    phone: str,
    message_id: str,
    status: MessageStatus | None,
    error: SmscError | None,
    level: int,
) -> dict[str, Cell]:
    """A lookup's result as the columns of ``level``: its status's, then its error's."""
    fields: dict[str, Cell] = {**status_fields(phone, message_id, status, level)}
    fields.update(
        error_type=None if error is None else type(error).__name__,
        error=None if error is None else for_the_shell(error),
    )
    return fields


def as_text(cell: Cell) -> str:
    """A cell as CSV and the table show it: empty for None."""
    return "" if cell is None else str(cell)


def as_json(fields: Mapping[str, Cell], *, indent: int | None = None) -> str:
    return json.dumps(dict(fields), ensure_ascii=False, indent=indent)


def print_table(
    console: Console, columns: Sequence[str], rows: Sequence[Mapping[str, Cell]]
) -> None:
    """A rich table on a terminal; plain aligned columns when the output is piped."""
    texts = [[as_text(row[column]) for column in columns] for row in rows]
    if console.is_terminal:
        table = Table(*columns)
        for cells in texts:
            table.add_row(*cells)
        console.print(table)
        return
    lines = [list(columns), *texts]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    lines.insert(1, ["-" * width for width in widths])
    for line in lines:
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), markup=False, highlight=False, soft_wrap=True)
