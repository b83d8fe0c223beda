"""How results are shown: one row of text cells per lookup, as a table, JSON or CSV."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table

from ..codes import StatusCode
from ..errors import SmscError
from ..models import MessageStatus

__all__ = ["RESULT_COLUMNS", "as_json", "print_table", "result_cells"]

RESULT_COLUMNS = (
    "phone",
    "id",
    "status",
    "status_name",
    "outcome",
    "err",
    "err_name",
    "send_date",
    "last_date",
    "cost",
    "error",
)


def result_cells(
    phone: str, message_id: str, status: MessageStatus | None, error: SmscError | None
) -> dict[str, str]:
    """A lookup's result as text: dates in ISO 8601, codes with their names."""
    cells = dict.fromkeys(RESULT_COLUMNS, "")
    cells.update(phone=phone, id=message_id)
    if error is not None:
        cells["error"] = f"{type(error).__name__}: {error}"
    if status is not None:
        code, err = status.status, status.err
        cells.update(
            status=str(int(code)),
            status_name=code.label if isinstance(code, StatusCode) else "",
            outcome=status.outcome.value,
            err="" if err is None else str(int(err)),
            err_name=getattr(err, "name", "") or "",
            send_date=_iso(status.send_date),
            last_date=_iso(status.last_date),
            cost="" if status.cost is None else str(status.cost),
        )
    return cells


def _iso(moment: datetime | None) -> str:
    return "" if moment is None else moment.isoformat(timespec="seconds")


def as_json(status: MessageStatus) -> str:
    return json.dumps(status.model_dump(mode="json"), ensure_ascii=False, indent=2)


def print_table(
    console: Console, columns: Sequence[str], rows: Sequence[Mapping[str, str]]
) -> None:
    """A rich table on a terminal; plain aligned columns when the output is piped."""
    if console.is_terminal:
        table = Table(*columns)
        for row in rows:
            table.add_row(*(row[column] for column in columns))
        console.print(table)
        return
    lines = [list(columns), *([row[column] for column in columns] for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    lines.insert(1, ["-" * width for width in widths])
    for line in lines:
        text = "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        console.print(text.rstrip(), markup=False, highlight=False, soft_wrap=True)
