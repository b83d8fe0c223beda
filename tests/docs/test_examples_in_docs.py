"""Every code block of the README and the docs either runs here, against the sandbox and the
gateway on 127.0.0.1, or says why it cannot; where the text shows output, the run prints it.

The convention (docs/development.md tells it to writers): an HTML comment on the line just
before a block says what the block is.

- no comment: a ``python`` block runs (the blocks of a page share one namespace, in order); a
  ``console`` block runs each ``$ `` line in bash and compares what it prints with the lines
  under it; a ``sh`` or ``bash`` block runs as one bash script. Any other block needs a comment.
- ``<!-- not-run: REASON -->``: not run, for the reason given (a ``python`` one is still
  compiled).
- ``<!-- output -->``: what the block before it printed on stdout.
- ``<!-- output: FILE [ENCODING] -->``: what FILE holds after the blocks before it ran.
- ``<!-- file: FILE [ENCODING] -->``: a file the blocks after it read; it is written first.

A page runs in a directory of its own; exports of its shell blocks carry over to the next.
The sandbox is written at 127.0.0.1:8000 and the gateway at 127.0.0.1:8080; the ones started
here run on free ports, which replace those in the code and the output. Dates and times, unix
timestamps and the gateway's ``age`` are compared by shape; a line ``...`` in an output stands
for any lines.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

MARKER = re.compile(
    r"<!-- (?:not-run: (?P<reason>.*\S)"
    r"|output(?:: (?P<output>\S+)(?: (?P<output_encoding>\S+))?)?"
    r"|file: (?P<file>\S+)(?: (?P<file_encoding>\S+))?) -->"
)
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<language>[\w+-]*)")
RUNNABLE = {"python", "console", "sh", "bash"}
BASH = shutil.which("bash") or "/bin/bash"

DATE = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)?"
    r"|\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d"
)
AGE = re.compile(r'"age": \d+(?:\.\d+)?')
TIMESTAMP = re.compile(r'("\w*timestamp": )\d+')


@dataclass(frozen=True)
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    language: str
    text: str
    marker: re.Match[str] | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced blocks of a page, each with the marker on the line before it, if any."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    previous = ""
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            if lines[index].strip():
                previous = lines[index].strip()
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        assert end < len(lines), f"{page}:{index + 1}: a block that is never closed"
        body = "\n".join(line[indent:] for line in lines[index + 1 : end])
        marker = MARKER.fullmatch(previous)
        found.append(Block(page, index + 1, opening["language"], body + "\n", marker))
        previous = ""
        index = end + 1
    return found


def substitute(text: str, servers: dict[str, str]) -> str:
    for written, started in servers.items():
        text = re.sub(re.escape(written) + r"(?!\d)", started, text)
    return text


def normalised(text: str) -> str:
    text = AGE.sub('"age": <seconds>', DATE.sub("<date>", text))
    text = TIMESTAMP.sub(r"\1<timestamp>", text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def assert_printed(block: Block, expected: str, printed: str) -> None:
    """``printed`` is ``expected`` up to dates and ages, a ``...`` line standing for any lines."""
    want, got = normalised(expected), normalised(printed)
    pattern = "".join(
        r"(?:[^\n]*\n)*?" if line == "..." else re.escape(line) + "\n" for line in want.splitlines()
    )
    if not re.fullmatch(pattern, got + "\n"):
        assert got == want, f"{block.where}: the text shows other output than a run prints"


class PageRun:
    """One page's blocks, run in order in a directory of the page's own."""

    def __init__(self, directory: Path, servers: dict[str, str], env: dict[str, str]) -> None:
        self.directory = directory
        self.servers = servers
        self.env = env
        self.namespace: dict[str, object] = {"__name__": "__docs__"}
        self.printed: str | None = None

    def run(self, block: Block) -> None:
        marker = block.marker
        if marker is not None and marker["reason"] is not None:
            if block.language == "python":
                compile(block.text, block.where, "exec")
            return
        text = substitute(block.text, self.servers)
        if marker is not None and marker["file"] is not None:
            target = self.directory / marker["file"]
            target.write_text(text, encoding=marker["file_encoding"] or "utf-8", newline="")
            return
        if marker is not None:  # an output
            if marker["output"] is None:
                assert self.printed is not None, f"{block.where}: output of no run before it"
                assert_printed(block, text, self.printed)
            else:
                encoding = marker["output_encoding"] or "utf-8"
                held = (self.directory / marker["output"]).read_text(encoding=encoding)
                assert_printed(block, text, held)
            return
        assert block.language in RUNNABLE, (
            f"{block.where}: a {block.language or 'plain'} block needs a marker:"
            " <!-- not-run: REASON -->, <!-- output -->, <!-- file: NAME -->"
        )
        if block.language == "python":
            self.printed = self.python(block, text)
        elif block.language == "console":
            self.printed = self.console(block, text)
        else:
            self.printed = self.shell(block, text)

    def python(self, block: Block, code: str) -> str:
        out = io.StringIO()
        here = Path.cwd()
        os.chdir(self.directory)
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, block.where, "exec"), self.namespace)  # noqa: S102
        finally:
            os.chdir(here)
        return out.getvalue()

    def shell(self, block: Block, script: str) -> str:
        dump = self.directory / ".env-after"
        wrapped = f"set -e\ntrap 'env -0 > \"$DOCS_ENV_DUMP\"' EXIT\n{script}"
        done = subprocess.run(
            [BASH, "-c", wrapped],
            cwd=self.directory,
            env={**self.env, "DOCS_ENV_DUMP": str(dump)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"{block.where}: exit {done.returncode}\n{done.stderr}"
        pairs = (entry.partition("=") for entry in dump.read_text().split("\0") if entry)
        skip = {"DOCS_ENV_DUMP", "_", "SHLVL", "PWD", "OLDPWD"}
        self.env = {name: value for name, _, value in pairs if name not in skip}
        return done.stdout

    def console(self, block: Block, text: str) -> str:
        """Each ``$ `` command (with its ``\\`` continuations), its output compared."""
        commands: list[tuple[str, list[str]]] = []
        continued = False
        for line in text.splitlines():
            if continued:
                commands[-1] = (commands[-1][0] + "\n" + line, commands[-1][1])
            elif line.startswith("$ "):
                commands.append((line[2:], []))
            else:
                assert commands, f"{block.where}: output before any $ command"
                commands[-1][1].append(line)
            continued = line.endswith("\\") and not commands[-1][1]
        printed = ""
        for command, expected in commands:
            printed = self.shell(block, command + "\n")
            if expected:
                assert_printed(block, "\n".join(expected), printed)
        return printed


# Pages whose examples start many processes run with the slow tests.
_SLOW_PAGES = {ROOT / "docs" / "guides" / "erp-scripts.md"}


@pytest.mark.parametrize(
    "page",
    [pytest.param(p, marks=pytest.mark.slow) if p in _SLOW_PAGES else p for p in PAGES],
    ids=[str(p.relative_to(ROOT)) for p in PAGES],
)
def test_the_examples_of_the_page_run_as_written(
    page: Path, servers: dict[str, str], reader_env: dict[str, str], tmp_path: Path
) -> None:
    run = PageRun(tmp_path, servers, reader_env)
    for block in blocks(page):
        run.run(block)


def test_every_page_is_looked_at() -> None:
    """The pages found are the README and the docs, and every marker reads as one."""
    assert (ROOT / "README.md") in PAGES
    assert len(PAGES) > 5
    for page in PAGES:
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip().startswith(("<!-- not-run", "<!-- output", "<!-- file")):
                assert MARKER.fullmatch(line.strip()), f"{page}:{number}: a marker misread"


def test_the_environment_is_the_readers(reader_env: dict[str, str]) -> None:
    assert not any(name.startswith("SMSC_") for name in reader_env)
    assert reader_env["PATH"].split(os.pathsep)[0].endswith(("bin", "Scripts"))
