"""The output of ``smsc-soap batch``: a journal of result rows, CSV or JSON lines.

Every row carries ``run``, a fingerprint of the input file and of the options that shape the
rows, so a rerun knows whether the file holds results of the same batch; a file of another
run, or not a journal at all, is never appended to. Each row is one line written with one
``write``: a kill can only cut the last line short, and that line is dropped when the journal
is read back. Starting a batch rewrites the journal with the rows it keeps (into a temporary
file, then renamed over it), so rows that are looked up again are not left behind twice.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from smsc_soap.cli.output import Cell, as_text

__all__ = [
    "Journal",
    "JournalFormat",
    "JournalMismatchError",
    "read_journal",
    "run_of",
    "write_journal",
]

Row = Mapping[str, Cell]

# Codecs that write a byte-order mark of their own would write one on every row.
_WITH_MARK = {
    "utf-8-sig": ("utf-8", codecs.BOM_UTF8),
    "utf-16": ("utf-16-le", codecs.BOM_UTF16_LE),
    "utf-32": ("utf-32-le", codecs.BOM_UTF32_LE),
}


class JournalMismatchError(Exception):
    """The output file is not a journal of this batch; the text says why."""


@dataclass(frozen=True)
class JournalFormat:
    """How the journal is written: its columns, CSV or JSON lines, and its encoding."""

    kind: Literal["csv", "jsonl"]
    columns: tuple[str, ...]
    delimiter: str
    codec: str
    """Never one that writes a byte-order mark by itself (see ``of``)."""
    byte_order_mark: bytes

    @classmethod
    def of(
        cls,
        kind: Literal["csv", "jsonl"],
        columns: Sequence[str],
        *,
        delimiter: str,
        encoding: str,
        input_mark: bytes,
    ) -> JournalFormat:
        """The format for ``encoding``; UTF-8 output gets a byte-order mark when the input
        had one (Excel's "CSV UTF-8" reads its Cyrillic only with it)."""
        name = codecs.lookup(encoding).name
        codec, mark = _WITH_MARK.get(name, (name, b""))
        if name == "utf-8" and input_mark == codecs.BOM_UTF8 and kind == "csv":
            mark = codecs.BOM_UTF8
        return cls(kind, tuple(columns), delimiter, codec, mark)

    def line(self, row: Row) -> bytes:
        """One row as one line of bytes. Line breaks inside a CSV cell become spaces, so that
        a cut row is always the last line alone."""
        if self.kind == "jsonl":
            text = json.dumps({name: row[name] for name in self.columns}, ensure_ascii=False)
            return f"{text}\n".encode(self.codec, errors="replace")
        return self._csv_line([" ".join(as_text(row[name]).splitlines()) for name in self.columns])

    def header(self) -> bytes:
        return self.byte_order_mark + (self._csv_line(self.columns) if self.kind == "csv" else b"")

    def _csv_line(self, cells: Iterable[str]) -> bytes:
        text = io.StringIO()
        csv.writer(text, delimiter=self.delimiter, lineterminator="\n").writerow(cells)
        return text.getvalue().encode(self.codec, errors="replace")


def run_of(input_digest: str, options: Mapping[str, object]) -> str:
    """The fingerprint of a batch: its input's bytes and the options that shape its rows."""
    described = json.dumps({"input": input_digest, **options}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def read_journal(path: Path, layout: JournalFormat, run: str) -> list[dict[str, Cell]]:
    """The whole rows of ``run`` in ``path`` (none if it is missing or empty); a half-written
    last line is left out. ``JournalMismatchError`` if it holds anything else."""
    try:
        content = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # none yet; writing it will tell why
        return []
    text = content.removeprefix(layout.byte_order_mark).decode(layout.codec, errors="replace")
    text = text[: text.rfind("\n") + 1]  # a kill can cut the last line short
    if not text:
        return []
    rows = _csv_rows(text, layout) if layout.kind == "csv" else _json_rows(text, layout)
    for row in rows:
        if row.get("run") != run:
            raise JournalMismatchError("its rows are of another input or other options")
    return rows


def _csv_rows(text: str, layout: JournalFormat) -> list[dict[str, Cell]]:
    lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))
    if not lines or tuple(lines[0]) != layout.columns:
        raise JournalMismatchError("its columns differ")
    if any(len(cells) != len(layout.columns) for cells in lines[1:]):
        raise JournalMismatchError("some of its rows have other columns")
    return [dict(zip(layout.columns, cells, strict=True)) for cells in lines[1:]]


def _json_rows(text: str, layout: JournalFormat) -> list[dict[str, Cell]]:
    rows = []
    for line in text.split("\n")[:-1]:  # JSON writes line breaks in strings as \n
        try:
            row = json.loads(line)
        except ValueError:
            raise JournalMismatchError("it is not JSON lines") from None
        if not isinstance(row, dict) or tuple(row) != layout.columns:
            raise JournalMismatchError("its rows have other fields")
        rows.append(row)
    return rows


class Journal:
    """The output file, open for appending one row at a time."""

    def __init__(self, path: Path, layout: JournalFormat, rows: Iterable[Row]) -> None:
        """Replace ``path`` with a journal of ``rows``, then open it for more."""
        self.path = path
        self.layout = layout
        write_journal(path, layout, rows)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_BINARY", 0))

    def write(self, row: Row) -> None:
        data = self.layout.line(row)
        while data:
            data = data[os.write(self._fd, data) :]

    def close(self) -> None:
        """Flush the rows to disk and close; closing twice is harmless."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def write_journal(path: Path, layout: JournalFormat, rows: Iterable[Row]) -> None:
    """Replace ``path`` with a journal of ``rows``, whole or not at all, and make it last."""
    content = layout.header() + b"".join(map(layout.line, rows))
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    if os.name == "posix":  # the rename itself lasts once the directory is on disk
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
