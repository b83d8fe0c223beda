"""The output of ``smsc-soap batch``: a journal of result rows, CSV or JSON lines.

Every row carries ``run``, a fingerprint of the input file and of the options that shape the
rows, so a rerun knows whether the file holds results of the same batch; a file of another
run is replaced only when asked (``--restart``), and a file that is not a journal at all (a
report, a one-line note, a file in another encoding) is never written to. The journal is
written in the input's encoding, byte-order mark and line endings, and recognised in any.
Each row is one line written with one ``write``: a kill can only cut the last line short,
and that line is dropped when the journal is read back. Starting a batch rewrites the
journal with the rows it keeps (into a temporary file, then renamed over it), so rows that
are looked up again are not left behind twice. One batch at a time writes to an output
(``output_lock``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from smsc_soap.cli.output import Cell, as_text
from smsc_soap.runtime import text_files

__all__ = [
    "Journal",
    "JournalFormat",
    "JournalMismatchError",
    "NotAJournalError",
    "read_journal",
    "run_of",
    "write_journal",
]

Row = Mapping[str, Cell]

# The start of every JSON line a journal holds: how a line cut short is known as one of ours.
_JSON_START = '{"line": '


class JournalMismatchError(Exception):
    """The output file is a journal of another batch; the text says why."""


class NotAJournalError(Exception):
    """The output file is not a journal of any batch: it is never written to."""


@dataclass(frozen=True)
class JournalFormat:
    """How the journal is written: its columns, CSV or JSON lines, and its encoding."""

    kind: Literal["csv", "jsonl"]
    columns: tuple[str, ...]
    delimiter: str
    codec: str
    """Never one that writes a byte-order mark by itself (``utf-16-le``, not ``utf-16``)."""
    byte_order_mark: bytes
    newline: str = "\n"

    @classmethod
    def of(
        cls,
        kind: Literal["csv", "jsonl"],
        columns: Sequence[str],
        *,
        delimiter: str,
        codec: str,
        input_mark: bytes,
        newline: str,
    ) -> JournalFormat:
        """The format of an input read in ``codec``: a CSV output begins with a byte-order
        mark when the input did (Excel reads UTF-8 and UTF-16 Cyrillic right only with it),
        and its lines end as the input's."""
        mark = input_mark if kind == "csv" else b""
        return cls(kind, tuple(columns), delimiter, codec, mark, newline)

    def line(self, row: Row) -> bytes:
        """One row as one line of bytes. Line breaks inside a CSV cell become spaces, so that
        a cut row is always the last line alone."""
        if self.kind == "jsonl":
            text = json.dumps({name: row[name] for name in self.columns}, ensure_ascii=False)
            return f"{text}{self.newline}".encode(self.codec, errors="replace")
        return self._csv_line([" ".join(as_text(row[name]).splitlines()) for name in self.columns])

    def header(self) -> bytes:
        return self.byte_order_mark + (self._csv_line(self.columns) if self.kind == "csv" else b"")

    def _csv_line(self, cells: Iterable[str]) -> bytes:
        text = io.StringIO()
        csv.writer(text, delimiter=self.delimiter, lineterminator=self.newline).writerow(cells)
        return text.getvalue().encode(self.codec, errors="replace")


def run_of(input_digest: str, options: Mapping[str, object]) -> str:
    """The fingerprint of a batch: its input's bytes and the options that shape its rows."""
    described = json.dumps({"input": input_digest, **options}, sort_keys=True)
    return hashlib.sha256(described.encode()).hexdigest()[:16]


def read_journal(path: Path, layout: JournalFormat, run: str) -> list[dict[str, Cell]]:
    """The whole rows of ``run`` in ``path`` (none if it is missing or empty); a half-written
    last line is left out. ``JournalMismatchError`` if it is a journal of another batch,
    ``NotAJournalError`` if it is not a journal at all."""
    try:
        content = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # none yet; writing it will tell why
        return []
    if not content:
        return []
    try:
        rows = _rows(text_files.decode(content, layout.codec), layout)
    except NotAJournalError:
        # Perhaps a journal written in another encoding: of another batch, then.
        try:
            sniffed = text_files.sniff(content)
        except text_files.TextFileError:
            raise NotAJournalError("it is not text") from None
        if sniffed.codec == layout.codec:
            raise
        _rows(sniffed.text, replace(layout, codec=sniffed.codec, columns=()))
        raise JournalMismatchError("it was written in another encoding") from None
    for row in rows:
        if row.get("run") != run:
            raise JournalMismatchError("its rows are of another input or other options")
    return rows


def _rows(text: str, layout: JournalFormat) -> list[dict[str, Cell]]:
    """The complete rows of a journal's ``text``, whatever its line endings. With no
    ``layout.columns``, only whether it is a journal at all."""
    *lines, cut = text.replace("\r\n", "\n").split("\n")
    if layout.kind == "csv":
        if not lines:  # the header is written whole, with its line break
            raise NotAJournalError("it has no header line")
        return _csv_rows(lines, layout)
    if cut and not _cut_row(cut, layout):
        raise NotAJournalError("its last line is not one of a journal's")
    return _json_rows(lines, layout)


def _cut_row(tail: str, layout: JournalFormat) -> bool:
    """Whether ``tail``, a last line without its line break, is a row a kill cut short: the
    start of one, or a whole one (cut just before its line break)."""
    try:
        row = json.loads(tail)
    except ValueError:
        return tail.startswith(_JSON_START)
    return isinstance(row, dict) and tuple(row) == layout.columns


def _csv_rows(lines: list[str], layout: JournalFormat) -> list[dict[str, Cell]]:
    try:
        cells = list(csv.reader(lines, delimiter=layout.delimiter))
    except csv.Error:  # stray line breaks or NULs: text in another encoding, or not text
        raise NotAJournalError("it is not CSV in its encoding") from None
    header = tuple(cells[0]) if cells and cells[0] else ()
    if not header or header[0] != "line" or header[-1] != "run":
        raise NotAJournalError("its first line is not a journal's header")
    if header != layout.columns:
        raise JournalMismatchError("its columns differ")
    if any(len(row) != len(header) for row in cells[1:]):
        raise JournalMismatchError("some of its rows have other columns")
    return [dict(zip(header, row, strict=True)) for row in cells[1:]]


def _json_rows(lines: list[str], layout: JournalFormat) -> list[dict[str, Cell]]:
    rows = []
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            raise NotAJournalError("it is not JSON lines") from None
        if not isinstance(row, dict) or not {"line", "run"} <= row.keys():
            raise NotAJournalError("its lines are not a journal's")
        if tuple(row) != layout.columns:
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
