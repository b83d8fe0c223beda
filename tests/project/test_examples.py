"""The examples run as their docstrings say."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from smsc_soap import InstantClock
from smsc_soap.sandbox import Sandbox, SandboxApp, default_book

from support.smpp_peer import SmppPeer, deliver_sm

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_the_audited_transport_records_every_lookup() -> None:
    main = runpy.run_path(str(EXAMPLES / "audited_transport.py"))["main"]

    rows = main()

    assert len(rows) == 4
    assert rows[-1] == ("79990000000", "404", "status None error 3")
    assert all(row[2].startswith("status") for row in rows)


@pytest.mark.slow
def test_the_fake_transport_example_passes() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "2 passed" in finished.stdout


def test_the_smpp_example_prints_each_receipt(capsys: pytest.CaptureFixture[str]) -> None:
    receipt = "id:854019 sub:001 dlvrd:001 submit date:1108202241 done date:1108202241"
    main = runpy.run_path(str(EXAMPLES / "smpp_receipts.py"))["main"]
    with SmppPeer([deliver_sm(1, f"{receipt} stat:DELIVRD err:000", {})]) as peer:
        main("127.0.0.1", peer.port, "demo", "secret", receipts=1)

    assert capsys.readouterr().out == (
        "854019 to 79991234567: Delivered (delivered), err 0, cost None\n"
    )


def run_example(name: str, *arguments: str, **env: str) -> subprocess.CompletedProcess[str]:
    quiet = {key: value for key, value in os.environ.items() if not key.startswith("SMSC_")}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *arguments],
        env={**quiet, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("name", ["first_lookup.py", "smpp_receipts.py"])
def test_the_examples_print_their_usage_when_not_told_enough(name: str) -> None:
    done = run_example(name)

    assert done.returncode == 2
    assert f"python examples/{name}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_first_lookup_runs_as_its_docstring_says_against_a_sandbox() -> None:
    with Sandbox(SandboxApp(default_book())) as sandbox:
        done = run_example(
            "first_lookup.py",
            "79990001004",
            "1004",
            SMSC_LOGIN="demo",
            SMSC_PASSWORD="demo",
            SMSC_ENDPOINT=sandbox.soap_endpoint,
            SMSC_INSECURE_HTTP="1",
        )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("status 1 (delivered), err 0, changed 20")


def test_the_sandbox_faults_example_prints_what_its_docstring_says(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main = runpy.run_path(str(EXAMPLES / "sandbox_faults.py"))["main"]

    main(clock=InstantClock())  # the back-off waits, skipped

    printed = capsys.readouterr()
    assert printed.err == ""  # no traceback, no server noise
    lines = dict(line.split(": ", 1) for line in printed.out.splitlines())
    for retried in ("1004", "1005", "1007"):  # HTTP 500, a SOAP Fault, a dropped connection
        assert lines[retried].endswith("(after 4 attempts)"), lines[retried]
    assert lines["1006"].startswith("MalformedResponseError")  # whole but unreadable: at once
    assert "attempts" not in lines["1006"]
    assert lines["1003"].startswith("status 0")
    assert lines["1008"].startswith("status 20")
