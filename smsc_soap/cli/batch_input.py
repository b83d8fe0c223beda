"""The input of ``smsc-soap batch``: the CSV people export, read into (line, phone, id) rows.

Its shape is checked before anything is looked up: the encoding is told from the bytes
(``runtime.text_files``: a byte-order mark, UTF-16/32, UTF-8, cp1251) and the delimiter must
split the lines into columns, or the file is refused with what it looks like. The header,
when there is one, is found by its names (Russian or English, any case and spacing), by
``--phone-column`` and ``--id-column``, or by its cells not being a phone and an id where
the next row's are; without one the phone and the id are the first two columns. Every other
column is carried into the results under its own name. Phones are read by the one phone
rule (``service.phones``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from smsc_soap.cli.output import ALL_RESULT_COLUMNS
from smsc_soap.runtime import text_files
from smsc_soap.service import phones
from smsc_soap.service.message_ids import unusable_id

__all__ = [
    "ID_NAMES",
    "PHONE_NAMES",
    "InputRow",
    "InputTable",
    "read_input",
]


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
    codec: str
    """The encoding the file was read in (one that writes no mark of its own)."""
    newline: str
    """How its lines end: ``\\r\\n`` or ``\\n``."""
    delimiter: str
    phone_and_id_at: tuple[int, int]
    """Where the phone and the id were found, counted from 0."""
    carried_names: tuple[str, ...]
    rows: tuple[InputRow, ...]


def read_input(
    path: Path,
    *,
    delimiter: str | None,
    encoding: str | None,
    phone_column: str | None,
    id_column: str | None,
) -> InputTable:
    """The rows of ``path``; ``click.BadParameter`` or ``click.UsageError`` when it cannot be
    read as asked (with what it looks like), before anything is looked up."""
    content = path.read_bytes()
    sniffed = _decoded(path, content, encoding)
    delimiter = _delimiter(path, sniffed.text, delimiter)
    records = [
        (line, cells)
        for line, cells in _records(sniffed.text, delimiter)
        if any(cell.strip() for cell in cells)  # blank lines, as exports often end with
    ]
    header = _header(records, (phone_column, id_column))
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
            phone=phones.normalised(_cell(cells, phone_at).strip()),
            message_id=_cell(cells, id_at).strip(),
            carried=tuple(_cell(cells, i) for i in carried_at),
        )
        for line, cells in records
    )
    return InputTable(
        digest=hashlib.sha256(content).hexdigest(),
        byte_order_mark=sniffed.byte_order_mark,
        codec=sniffed.codec,
        newline=sniffed.newline,
        delimiter=delimiter,
        phone_and_id_at=(phone_at, id_at),
        carried_names=_carried_names(header or [], carried_at),
        rows=rows,
    )


def _decoded(path: Path, content: bytes, encoding: str | None) -> text_files.SniffedText:
    try:
        return text_files.sniff(content, encoding)
    except LookupError:
        raise click.BadParameter(
            f"{encoding!r} is not an encoding", param_hint="--encoding"
        ) from None
    except text_files.TextFileError as error:
        looks = str(error).rpartition("it looks like ")[2] if "looks like" in str(error) else None
        fix = (
            f"add --encoding {looks}"
            if looks is not None
            else "export it again as CSV (UTF-8 or Windows-1251)"
        )
        raise click.UsageError(f"{path} cannot be read: {error}; {fix}") from None


_CANDIDATES = (",", ";", "\t", "|")
_SAMPLE = 50


def _delimiter(path: Path, text: str, given: str | None) -> str:
    """``given`` if it splits the first lines into the same columns; with none given, ``,``
    unless another delimiter splits them into more. ``click.UsageError`` naming the delimiter
    to add when the one in use does not fit and another does."""
    chosen = given if given is not None else ","
    width = _even_width(text, chosen)
    others = [
        (other_width, candidate)
        for candidate in _CANDIDATES
        if candidate != chosen
        for other_width in [_even_width(text, candidate)]
        if other_width > (0 if given is not None else width)
    ]
    if (width and given is not None) or not others:
        return chosen
    better = max(others)[1]
    shown = "\\t" if better == "\t" else better
    name = "tab" if better == "\t" else f"`{better}`"
    raise click.UsageError(
        f"{path} looks {name}-separated, not `{chosen}`: add --delimiter '{shown}'"
    )


def _even_width(text: str, delimiter: str) -> int:
    """How many columns ``delimiter`` splits the first non-blank lines into, if nearly all
    of them (a total or a note aside) into the same two or more; else 0."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    widths = []
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                widths.append(len(cells))
            if len(widths) > _SAMPLE:
                break
    except csv.Error:
        return 0
    if not widths:
        return 0
    width, lines = Counter(widths[:_SAMPLE]).most_common(1)[0]
    return width if width >= 2 and lines >= 0.8 * len(widths[:_SAMPLE]) else 0


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


def _header(
    records: Sequence[tuple[int, Sequence[str]]], given: Sequence[str | None]
) -> list[str] | None:
    """The first row if it is a header: one of its cells is a known name or a given one, or
    (columns given by number, or names unknown) its phone and id cells are words, with no
    digit, while the next row's are a phone and a message id."""
    if not records:
        return None
    first = records[0][1]
    names = {_name(choice) for choice in given if choice is not None and not choice.isdigit()}
    if any(_name(cell) in _KNOWN | names for cell in first):
        return list(first)
    at = [
        int(choice) - 1 if choice and choice.isdigit() else default
        for choice, default in zip(given, (0, 1), strict=True)
    ]
    words = not any(character.isdigit() for character in "".join(_cell(first, i) for i in at))
    if len(records) > 1 and words and _data(records[1][1], at):
        return list(first)
    return None


def _data(cells: Sequence[str], at: Sequence[int]) -> bool:
    """Whether the cells at ``at`` (phone, id) look like a phone and a message id."""
    phone = phones.normalised(_cell(cells, at[0]).strip())
    return (phone.isdigit() or "@" in phone) and unusable_id(_cell(cells, at[1]).strip()) is None


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
