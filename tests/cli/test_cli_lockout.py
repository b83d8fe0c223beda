"""The lockout from the shell: a typo costs one refused try, the right password works at
once, ``smsc-soap lockout show|reset`` tell and end the holds, and a batch with a wrong
password ends saying so with exit 3."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.sandbox import Sandbox

from support.gateway_setup import DELIVERED, CountingSandbox


def shell(sandbox: Sandbox, limits: Path, password: str, *arguments: str) -> tuple[int, str]:
    env = {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": password,
        "SMSC_ENDPOINT": sandbox.soap_endpoint,
        "SMSC_INSECURE_HTTP": "1",
        "SMSC_LIMITS": f"sqlite:///{limits}",
    }
    result = CliRunner().invoke(main, list(arguments), env=env)
    assert "Traceback" not in result.output
    assert password == "demo" or password not in result.output  # "demo" is the login too
    return result.exit_code, result.output


def test_a_typo_then_the_right_password(
    upstream: tuple[CountingSandbox, Sandbox], tmp_path: Path
) -> None:
    counted, sandbox = upstream
    limits = tmp_path / "limits.db"
    status = ("status", *DELIVERED)

    for _ in range(3):
        code, said = shell(sandbox, limits, "typo-pa55", *status)
        assert code == ExitCode.AUTHENTICATION
    assert "not sent again for 30 min" in said
    assert "`smsc-soap lockout reset`" in said  # what to do, in the shell's words
    code, said = shell(sandbox, limits, "demo", *status)

    assert code == ExitCode.OK, said
    assert counted.errors[2] == 1


def test_lockout_show_and_reset(upstream: tuple[CountingSandbox, Sandbox], tmp_path: Path) -> None:
    counted, sandbox = upstream
    limits = tmp_path / "limits.db"
    for n in range(2):
        shell(sandbox, limits, f"wrong-{n}", "status", *DELIVERED)
    code, said = shell(sandbox, limits, "demo", "status", *DELIVERED)
    assert code == ExitCode.AUTHENTICATION
    assert "refused 2 other passwords of login demo at 127.0.0.1" in said

    code, shown = shell(sandbox, limits, "wrong-1", "lockout", "show")
    assert code == ExitCode.OK
    assert shown.splitlines()[0] == "login demo at 127.0.0.1:"
    assert "the password given was refused: not sent again for 30 min" in shown
    assert "a password was refused" in shown

    code, said = shell(sandbox, limits, "demo", "lockout", "reset", "--login", "demo")
    assert (code, said) == (ExitCode.OK, "the lockout of login demo at 127.0.0.1 is reset\n")
    assert shell(sandbox, limits, "demo", "lockout", "show")[1].endswith("nothing is held\n")
    assert shell(sandbox, limits, "demo", "status", *DELIVERED)[0] == ExitCode.OK
    assert counted.errors[2] == 2


def test_a_batch_with_a_wrong_password_says_so_and_exits_3(
    upstream: tuple[CountingSandbox, Sandbox], tmp_path: Path
) -> None:
    _, sandbox = upstream
    source = tmp_path / "in.csv"
    source.write_text("".join(f"79990001004,{n}\n" for n in range(1000, 1010)))

    code, said = shell(sandbox, tmp_path / "limits.db", "typo", "batch", str(source))

    assert code == ExitCode.AUTHENTICATION
    assert said.splitlines()[-1].startswith("batch stopped: wrong login or password")
    assert "resume" not in said
