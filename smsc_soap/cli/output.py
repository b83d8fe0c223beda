"""How results are shown: one row of fields per lookup, with the same names and meanings in
the table, CSV and JSON.

``status_name`` is always this project's English name of the status code; the service's own
(possibly localised) name is ``service_status_name``. Which columns there are depends on
``--all`` alone, never on the answer, so a CSV has the same columns on every row.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table

from ..codes import StatusCode
from ..errors import SmscError
from ..models import HlrInfo, MessageStatus
from .wording import for_the_shell

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

Cell = str | int | None
"""A field's value: text, a number (codes, counts), or None where the service gave none."""

_USUAL = (
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
)
_FULL = (  # --all 1
    "sender_id",
    "service_status_name",
    "message",
    "comment",
    "message_type",
    "sms_cnt",
    "flag",
)
_REGION = (  # --all 2
    "mccmnc",
    "country",
    "operator",
    "operator_orig",
    "region",
    *(f"hlr_{name}" for name in HlrInfo.model_fields),
)
ERROR_COLUMNS = ("error_type", "error")
"""The error's class (``RequestTimeoutError``) and its text; empty for a status."""

ALL_RESULT_COLUMNS = (*_USUAL, *_FULL, *_REGION, *ERROR_COLUMNS)


def result_columns(level: int) -> tuple[str, ...]:
    """The columns of a result looked up with ``all=level``."""
    return (
        *_USUAL,
        *(_FULL if level >= 1 else ()),
        *(_REGION if level >= 2 else ()),
        *ERROR_COLUMNS,
    )


def result_fields(
    phone: str,
    message_id: str,
    status: MessageStatus | None,
    error: SmscError | None,
    level: int,
) -> dict[str, Cell]:
    """A lookup's result as the columns of ``level``: dates in ISO 8601, codes as numbers
    with their names, the cost as exact text."""
    fields: dict[str, Cell] = {"phone": phone, "id": message_id}
    if status is not None:
        fields.update(_status_fields(status))
    if error is not None:
        fields.update(error_type=type(error).__name__, error=for_the_shell(error))
    return {name: fields.get(name) for name in result_columns(level)}


def _status_fields(status: MessageStatus) -> dict[str, Cell]:
    code, err, hlr = status.status, status.err, status.hlr or HlrInfo()
    return {
        "status": int(code),
        "status_name": code.label if isinstance(code, StatusCode) else None,
        "outcome": status.outcome.value,
        "err": None if err is None else int(err),
        "err_name": getattr(err, "name", None),
        "send_date": _iso(status.send_date),
        "last_date": _iso(status.last_date),
        "cost": None if status.cost is None else str(status.cost),
        "sender_id": status.sender_id,
        "service_status_name": status.status_name,
        "message": status.message,
        "comment": status.comment,
        "message_type": None if status.message_type is None else int(status.message_type),
        "sms_cnt": status.sms_cnt,
        "flag": None if status.flag is None else status.flag.raw,
        "mccmnc": status.mccmnc,
        "country": status.country,
        "operator": status.operator,
        "operator_orig": status.operator_orig,
        "region": status.region,
        **{f"hlr_{name}": value for name, value in hlr.model_dump().items()},
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")


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
