"""Every exit code of the table ``--help`` and the docs print, produced by the situation it
stands for, with the words the user sees: one line, naming the address or file involved."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.wsdl.shipped import shipped_wsdl

from support.fault_server import FaultServer, never_answers
from support.sandboxes import SandboxStarter

SMSC_SOAP = str(Path(sys.executable).parent / "smsc-soap")
DELIVERED = ("79990001004", "1004")
UNKNOWN = ("79990001004", "999999")


def shell(endpoint: str | None, *arguments: str, **env: str) -> tuple[int, str]:
    settings = {"SMSC_LOGIN": "demo", "SMSC_PASSWORD": "demo", "SMSC_LIMITS": "memory://"}
    env = {name: value or None for name, value in env.items()}  # "": unset
    if endpoint is not None:
        settings.update(SMSC_ENDPOINT=endpoint, SMSC_INSECURE_HTTP="1")
    result = CliRunner().invoke(
        main, list(arguments), env={**settings, **env}, prog_name="smsc-soap"
    )
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Said = tuple[int, str]
"""The exit code and what stderr said."""


def ok(start: SandboxStarter, tmp_path: Path) -> Said:
    return shell(start().soap_endpoint, "status", *DELIVERED)


def error(start: SandboxStarter, tmp_path: Path) -> Said:
    changed = shipped_wsdl("smsc.ru").replace(b'name="region"', b'name="area"')
    copy = tmp_path / "live.wsdl"
    copy.write_bytes(changed)
    code, _ = shell(None, "wsdl", "diff", "--file", str(copy))
    return code, "drift"  # told on stdout, as a diff is


def usage(start: SandboxStarter, tmp_path: Path) -> Said:
    return shell(None, "status", DELIVERED[0], DELIVERED[1], "--all", "7")


def authentication(start: SandboxStarter, tmp_path: Path) -> Said:
    return shell(start().soap_endpoint, "status", *DELIVERED, SMSC_PASSWORD="wrong")


def rate_limited(start: SandboxStarter, tmp_path: Path) -> Said:
    endpoint = start().soap_endpoint  # its limits on: 5 lookups of a message a minute
    for _ in range(5):  # each command its own store, as unrelated programs would
        assert shell(endpoint, "status", *DELIVERED, "--retries", "0")[0] == ExitCode.OK
    return shell(endpoint, "status", *DELIVERED, "--retries", "0")


def transport(start: SandboxStarter, tmp_path: Path) -> Said:
    endpoint = f"http://127.0.0.1:{closed_port()}/sys/soap.php"
    return shell(endpoint, "status", *DELIVERED, "--retries", "0")


def not_found(start: SandboxStarter, tmp_path: Path) -> Said:
    return shell(start().soap_endpoint, "status", *UNKNOWN)


def failed_rows(start: SandboxStarter, tmp_path: Path) -> Said:
    source = tmp_path / "in.csv"
    source.write_text(f"{DELIVERED[0]},{DELIVERED[1]}\n{UNKNOWN[0]},{UNKNOWN[1]}\n")
    return shell(start().soap_endpoint, "batch", str(source))


def system(start: SandboxStarter, tmp_path: Path) -> Said:
    return shell(start().soap_endpoint, "batch", str(tmp_path / "missing.csv"))


def interrupted(start: SandboxStarter, tmp_path: Path) -> Said:
    with FaultServer([never_answers]) as server:  # the lookup is under way when Ctrl-C comes
        env = {
            **os.environ,
            "SMSC_LOGIN": "demo",
            "SMSC_PASSWORD": "demo",
            "SMSC_ENDPOINT": f"{server.url}/sys/soap.php",
            "SMSC_INSECURE_HTTP": "1",
            "SMSC_LIMITS": "memory://",
        }
        command = subprocess.Popen(
            [SMSC_SOAP, "status", *DELIVERED], env=env, stderr=subprocess.PIPE, text=True
        )
        give_up = time.monotonic() + 30
        while not server.requests and time.monotonic() < give_up:
            time.sleep(0.01)
        command.send_signal(signal.SIGINT)
        _, said = command.communicate(timeout=30)
    return command.returncode, said


SITUATIONS: dict[ExitCode, tuple[Callable[[SandboxStarter, Path], Said], str]] = {
    ExitCode.OK: (ok, ""),
    ExitCode.ERROR: (error, "drift"),
    ExitCode.USAGE: (usage, "error: Invalid value for '--all'"),
    ExitCode.AUTHENTICATION: (authentication, "SMSC error 2"),
    ExitCode.RATE_LIMITED: (rate_limited, "SMSC error 9"),
    ExitCode.TRANSPORT: (transport, "the connection to 127.0.0.1:"),
    ExitCode.NOT_FOUND: (not_found, "SMSC error 3"),
    ExitCode.FAILED_ROWS: (failed_rows, "batch finished: 1 found, 1 failed"),
    ExitCode.SYSTEM: (system, "missing.csv: no such file or directory"),
    ExitCode.INTERRUPTED: (interrupted, "stopped by Ctrl-C"),
}


def test_every_code_of_the_table_has_its_situation() -> None:
    assert set(SITUATIONS) == set(ExitCode)


@pytest.mark.parametrize("code", list(SITUATIONS), ids=[code.name for code in SITUATIONS])
def test_the_situation_gives_its_exit_code(
    start_sandbox: SandboxStarter, tmp_path: Path, code: ExitCode, monkeypatch: pytest.MonkeyPatch
) -> None:
    situation, words = SITUATIONS[code]
    monkeypatch.chdir(tmp_path)
    given, said = situation(start_sandbox, tmp_path)
    assert given == code, said
    assert words in said
    assert len([line for line in said.splitlines() if line.startswith("error:")]) <= 1


def test_usage_errors_are_one_line_with_where_the_fix_is_told() -> None:
    code, said = shell(None, "batch", "in.csv", "--bogus")

    assert code == ExitCode.USAGE
    assert said == (
        "error: No such option '--bogus'. (Did you mean one of: '--host', '--verbose'?)"
        " (see smsc-soap batch --help)\n"
    )


@pytest.mark.parametrize(
    ("typed", "meant"), [("statsu", "status"), ("bach", "batch"), ("lockot", "lockout")]
)
def test_a_mistyped_command_gets_a_suggestion(typed: str, meant: str) -> None:
    code, said = shell(None, typed)

    assert code == ExitCode.USAGE
    assert said == f"error: no command {typed!r}: did you mean {meant!r}? (see smsc-soap --help)\n"


def test_a_bad_env_file_value_names_the_variable(tmp_path: Path) -> None:
    settings = tmp_path / "prod.env"
    settings.write_text("SMSC_INSECURE_HTTP=maybe\n")

    code, said = shell(None, "status", *DELIVERED, "--env-file", str(settings))

    assert code == ExitCode.USAGE
    assert said.startswith("error: SMSC_INSECURE_HTTP (or --insecure-http): input should be")


def test_missing_credentials_name_the_variables() -> None:
    code, said = shell(None, "status", *DELIVERED, SMSC_LOGIN="", SMSC_PASSWORD="")

    assert code == ExitCode.USAGE
    assert said.startswith("error: no credentials: set SMSC_LOGIN and SMSC_PASSWORD")


def test_a_refused_smpp_connection_names_its_address() -> None:
    from smsc_soap import ConnectionFailedError, RetryPolicy, StatusClient
    from smsc_soap.transports.smpp import SmppStatusTransport

    port = closed_port()
    smpp = SmppStatusTransport(host="127.0.0.1", port=port, source_addr="SMSC.RU", timeout=2)
    client = StatusClient("demo", "demo", transport=smpp, retry=RetryPolicy.disabled())
    with client, pytest.raises(ConnectionFailedError) as caught:
        client.get_status(*DELIVERED)

    told = f"the SMPP connection to 127.0.0.1:{port} could not be made: connection refused"
    assert str(caught.value) == told


@pytest.mark.parametrize("transport", ["soap", "http"])
def test_a_reply_cut_short_names_its_address(transport: str) -> None:
    from support.fault_server import truncated
    from support.soap_replies import soap_reply

    with FaultServer([truncated(soap_reply([("status", "1")]), reset=False)]) as server:
        path = "/sys/soap.php" if transport == "soap" else "/sys/status.php"
        code, said = shell(f"{server.url}{path}", "status", *DELIVERED, "--retries", "0")
        address = server.url.removeprefix("http://").partition("/")[0]

    assert code == ExitCode.TRANSPORT
    assert f"the connection to {address} broke: the reply was cut short (" in said
    assert "IncompleteRead" not in said


@pytest.mark.parametrize(
    "command",
    [[], ["batch"], ["status"], ["lockout"], ["lockout", "show"], ["lockout", "reset"], ["wsdl"]],
    ids=lambda command: " ".join(command) or "smsc-soap",
)
def test_help_shows_no_markup(command: list[str]) -> None:
    shown = CliRunner().invoke(main, [*command, "--help"], prog_name="smsc-soap")

    assert shown.exit_code == 0
    assert "``" not in shown.output
