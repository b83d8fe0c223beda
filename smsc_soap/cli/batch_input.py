"""The input of ``smsc-soap batch``: the CSV people export, read into (line, phone, id) rows.

A byte-order mark decides the encoding and is dropped. The header, when there is one, is
found by its names (Russian or English, any case and spacing) or by ``--phone-column`` and
``--id-column``; without one the phone and the id are the first two columns. Every other
column is carried into the results under its own name. Phones lose their formatting.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from smsc_soap.cli.output import ALL_RESULT_COLUMNS
from smsc_soap.cli.phones import without_formatting

__all__ = ["ID_NAMES", "PHONE_NAMES", "InputRow", "InputTable", "read_input"]

PHONE_NAMES = (
    "phone",
    "phone number",
    "telephone",
    "mobile",
    "msisdn",
    "телефон",
    "номер телефона",
    "мобильный телефон",
    "мобильный",
    "абонент",
    "получатель",
    "tel",
    "тел",
    "number",
    "номер",
)
"""Header names of the phone column, the more certain first."""

ID_NAMES = (
    "message id",
    "sms id",
    "msg id",
    "id сообщения",
    "ид сообщения",
    "идентификатор сообщения",
    "номер сообщения",
    "код сообщения",
    "id",
    "ид",
    "идентификатор",
)
"""Header names of the message id column, the more certain first."""

RESERVED_NAMES = frozenset({"line", "run", *ALL_RESULT_COLUMNS})
"""Names the results use: an input column of the same name is carried as ``input_NAME``."""

_BYTE_ORDER_MARKS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SPACING = re.compile(r"[\s_\-.]+")


@dataclass(frozen=True)
class InputRow:
    line: int
    """The line of the input the row starts on, counting the header."""
    phone: str
    """As it is looked up: without spaces, parentheses or dashes."""
    message_id: str
    carried: tuple[str, ...]
    """The other cells, in the order of ``InputTable.carried_names``."""


@dataclass(frozen=True)
class InputTable:
    digest: str
    """SHA-256 of the file's bytes: which input the results belong to."""
    byte_order_mark: bytes
    """The mark the file began with, if any."""
    phone_and_id_at: tuple[int, int]
    """Where the phone and the id were found, counted from 0."""
    carried_names: tuple[str, ...]
    rows: tuple[InputRow, ...]


def read_input(
    path: Path,
    *,
    delimiter: str,
    encoding: str,
    phone_column: str | None,
    id_column: str | None,
) -> InputTable:
    """The rows of ``path``; ``click.BadParameter`` or ``click.UsageError`` when it cannot be
    read as asked."""
    content = path.read_bytes()
    mark, text = _decoded(content, encoding)
    records = [
        (line, cells)
        for line, cells in _records(text, delimiter)
        if any(cell.strip() for cell in cells)  # blank lines, as exports often end with
    ]
    header = _header(records[0][1] if records else [], (phone_column, id_column))
    if header is not None:
        records = records[1:]
    phone_at = _column("--phone-column", phone_column, header, PHONE_NAMES, default=0)
    id_at = _column("--id-column", id_column, header, ID_NAMES, default=1)
    if phone_at == id_at:
        raise click.UsageError("the phone and the message id cannot be the same column")
    width = max([len(header or []), 2, *(len(cells) for _, cells in records)])
    carried_at = [i for i in range(width) if i not in (phone_at, id_at)]
    rows = tuple(
        InputRow(
            line=line,
            phone=without_formatting(_cell(cells, phone_at).strip()),
            message_id=_cell(cells, id_at).strip(),
            carried=tuple(_cell(cells, i) for i in carried_at),
        )
        for line, cells in records
    )
    return InputTable(
        digest=hashlib.sha256(content).hexdigest(),
        byte_order_mark=mark,
        phone_and_id_at=(phone_at, id_at),
        carried_names=_carried_names(header or [], carried_at),
        rows=rows,
    )


def _decoded(content: bytes, encoding: str) -> tuple[bytes, str]:
    mark, encoding = next(
        ((mark, name) for mark, name in _BYTE_ORDER_MARKS if content.startswith(mark)),
        (b"", encoding),
    )
    try:
        return mark, content[len(mark) :].decode(encoding)
    except LookupError:
        raise click.BadParameter(
            f"{encoding!r} is not an encoding", param_hint="--encoding"
        ) from None
    except UnicodeDecodeError as error:
        raise click.BadParameter(
            f"the input is not {encoding} text (byte {error.start + len(mark) + 1} cannot be"
            " read); name its encoding, e.g. cp1251 for most Windows exports",
            param_hint="--encoding",
        ) from None


def _records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, next_line = [], 1
    try:
        for cells in reader:
            records.append((next_line, cells))
            next_line = reader.line_num + 1
    except csv.Error as error:
        raise click.UsageError(f"the input is not CSV from line {next_line}: {error}") from None
    return records


def _name(text: str) -> str:
    """A header name compared without case, spacing, underscores, dashes or dots."""
    return _SPACING.sub("", text).casefold().replace("ё", "е")


_KNOWN = frozenset(map(_name, PHONE_NAMES + ID_NAMES))


def _header(first: Sequence[str], given: Sequence[str | None]) -> list[str] | None:
    """The first row if it is a header: one of its cells is a known name or a given one."""
    names = {_name(choice) for choice in given if choice is not None and not choice.isdigit()}
    if any(_name(cell) in _KNOWN | names for cell in first):
        return list(first)
    return None


def _column(
    option: str,
    choice: str | None,
    header: Sequence[str] | None,
    known: Sequence[str],
    *,
    default: int,
) -> int:
    if choice is not None and choice.isdigit():
        if int(choice) < 1:
            raise click.BadParameter("columns are counted from 1", param_hint=option)
        return int(choice) - 1
    if header is None:
        if choice is not None:
            raise click.BadParameter(
                f"the input has no header row naming a column {choice!r}", param_hint=option
            )
        return default
    names = [_name(cell) for cell in header]
    for wanted in [choice] if choice is not None else known:
        if _name(wanted) in names:
            return names.index(_name(wanted))
    columns = ", ".join(repr(cell) for cell in header)
    if choice is not None:
        raise click.BadParameter(
            f"no column is named {choice!r} (columns: {columns})", param_hint=option
        )
    what = "phone" if option == "--phone-column" else "message id"
    raise click.UsageError(
        f"the header names no {what} column (columns: {columns}); name it with {option}"
    )


def _cell(cells: Sequence[str], at: int) -> str:
    return cells[at] if at < len(cells) else ""


def _carried_names(header: Sequence[str], carried_at: Sequence[int]) -> tuple[str, ...]:
    names: list[str] = []
    for at in carried_at:
        name = _cell(header, at).strip() or f"column_{at + 1}"
        if name in RESERVED_NAMES:
            name = f"input_{name}"
        if name in names:
            name = f"{name}_{at + 1}"
        names.append(name)
    return tuple(names)
