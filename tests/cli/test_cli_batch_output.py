"""One batch per output at a time, and rows a broken limit store refused looked up again."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.cli.output_lock import OutputInUseError, OutputLock
from smsc_soap.sandbox import BookMessage, MessageBook, Sandbox, SandboxApp, SandboxOptions

from support.sandboxes import SandboxStarter

SMSC_SOAP = str(Path(sys.executable).parent / "smsc-soap")
PHONE = "79990000001"
ROWS = 56


def env_for(endpoint: str, limits: str = "memory://") -> dict[str, str]:
    return {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": "demo",
        "SMSC_ENDPOINT": endpoint,
        "SMSC_INSECURE_HTTP": "1",
        "SMSC_LIMITS": limits,
    }


def output_rows(path: Path) -> int:
    return max(path.read_bytes().count(b"\n") - 1, 0) if path.exists() else 0


def lines_of(path: Path) -> list[str]:
    with path.open(newline="") as file:
        return [row["line"] for row in csv.DictReader(file)]


@pytest.mark.slow
def test_a_second_batch_on_the_same_output_is_refused_at_once(tmp_path: Path) -> None:
    book = MessageBook(BookMessage(id=str(n), phone=PHONE, status=1) for n in range(ROWS))
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("".join(f"{PHONE},{n}\n" for n in range(ROWS)))
    command = [SMSC_SOAP, "batch", str(source), "-o", str(output)]
    options = SandboxOptions(latency_ms=200, enforce_limits=False)  # the first runs ~3 s
    with Sandbox(SandboxApp(book, options)) as sandbox:
        env = {**os.environ, **env_for(sandbox.soap_endpoint)}
        first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        lock = tmp_path / ".out.csv.lock"
        give_up = time.monotonic() + 30
        while output_rows(output) < 4 and time.monotonic() < give_up:  # under way
            time.sleep(0.005)

        started = time.monotonic()
        second = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        took = time.monotonic() - started
        _, first_err = first.communicate(timeout=60)

    assert second.returncode == ExitCode.USAGE, second.stderr
    assert f"another batch (process {first.pid}) is writing to {output}" in second.stderr
    assert took < 5  # at once: no lookup made, nothing waited for
    assert first.returncode == ExitCode.OK, first_err
    assert lines_of(output) == [str(n) for n in range(1, ROWS + 1)]  # every line once
    assert not lock.exists()


def test_the_lock_is_free_after_its_holder_dies(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            " from smsc_soap.cli.output_lock import OutputLock;"
            " OutputLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)",
            str(output),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline() == "held\n"
    with pytest.raises(OutputInUseError, match=f"process {holder.pid}"):
        OutputLock(output).acquire()

    holder.kill()  # as a crash: the lock file stays, the lock does not
    holder.wait(timeout=10)
    assert (tmp_path / ".out.csv.lock").exists()
    lock = OutputLock(output)
    lock.acquire()
    lock.release()
    assert not (tmp_path / ".out.csv.lock").exists()


def test_rows_a_broken_limit_store_refused_are_looked_up_again(
    start_sandbox: SandboxStarter, tmp_path: Path
) -> None:
    sandbox = start_sandbox(enforce_limits=False)
    source, output = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text("79990001004,1004\n79990001003,1003\n")
    arguments = ["batch", str(source), "-o", str(output)]
    (tmp_path / "a-file").touch()
    broken = f"sqlite:///{tmp_path / 'a-file' / 'limits.db'}"  # under a file: cannot be made

    first = CliRunner().invoke(main, arguments, env=env_for(sandbox.soap_endpoint, broken))
    assert first.exit_code == ExitCode.FAILED_ROWS, first.output
    assert "2 failed in passing: run the same command again" in first.stderr

    second = CliRunner().invoke(main, arguments, env=env_for(sandbox.soap_endpoint))

    assert second.exit_code == ExitCode.OK, second.output
    assert "2 of them looked up again after failing in passing" in second.stderr
    assert "from an earlier run" not in second.stderr


def test_a_file_by_the_locks_name_that_is_no_lock_is_left_as_it_is(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    notes = tmp_path / ".out.csv.lock"
    notes.write_text("my notes, not a lock\n")

    with pytest.raises(OutputInUseError, match="not a batch's lock"):
        OutputLock(output).acquire()

    assert notes.read_text() == "my notes, not a lock\n"


def test_a_link_by_the_locks_name_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("someone else's\n")
    (tmp_path / ".out.csv.lock").symlink_to(target)

    with pytest.raises(OSError, match="link"):
        OutputLock(tmp_path / "out.csv").acquire()

    assert target.read_text() == "someone else's\n"
