"""The tables and facts the README and the docs state, held to the code and the project's files:
exit codes, metrics, codes, the error tree, the set-up commands, the version and the figures."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import requests

import smsc_soap
from smsc_soap import EmailError, SmsError, StatusCode

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

INSTALL_AND_DEMO = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e '.[test]' && smsc-soap demo"
)
RUN_THE_TESTS = "python -m pytest"


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return [body.strip() for body in re.findall(r"^```\w*\n(.*?)^```", text, re.M | re.S)]


def test_the_readme_is_short_with_the_two_set_up_commands_first() -> None:
    readme = read(ROOT / "README.md")

    assert len(readme.splitlines()) < 200
    assert code_blocks(readme)[:2] == [INSTALL_AND_DEMO, RUN_THE_TESTS]


def test_ci_installs_and_tests_as_the_readme_says() -> None:
    ci = read(ROOT / ".ci" / "run")

    assert "python3 -m venv .venv" in ci
    assert "pip install --quiet -e '.[test]'" in ci
    assert re.search(r"^python -m pytest\b", ci, re.M)
    assert 'mkdocs build --strict -d "$(mktemp -d)"' in ci


def test_the_demo_of_the_quick_start_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "smsc_soap", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert "lookups over SOAP" in done.stdout + done.stderr


def test_the_exit_code_table_is_the_one_help_prints(reader_env: dict[str, str]) -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "smsc_soap", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=reader_env,
    ).stdout
    helped = re.findall(r"^\s+(\d+)  (.+)$", shown.split("Exit codes:")[1], re.M)
    documented = re.findall(r"^\| (\d+) \| (.+) \|$", read(DOCS / "reference" / "cli.md"), re.M)

    assert len(helped) == 10
    assert documented == helped


def test_the_metrics_table_is_what_the_gateway_serves(servers: dict[str, str]) -> None:
    exposition = requests.get(f"http://{servers['127.0.0.1:8080']}/metrics", timeout=10).text
    kinds = dict(re.findall(r"^# TYPE (\S+) (\S+)$", exposition, re.M))
    helps = dict(re.findall(r"^# HELP (\S+) (.+)$", exposition, re.M))
    served = {
        (name, kind, helps[name]) for name, kind in kinds.items() if not name.endswith("_created")
    }
    table = re.findall(
        r"^\| `(smsc_gateway_\w+)` \| (\w+) \| (.+) \|$", read(DOCS / "guides" / "gateway.md"), re.M
    )

    assert len(served) == 12
    assert set(table) == served


def test_the_status_and_error_code_tables_match_the_enums() -> None:
    page = read(DOCS / "guides" / "python.md")
    rows = set(re.findall(r"^\| (-?\d+) \| `(\w+)` \| ([^|]+) \| (\w+) \|$", page, re.M))
    error_rows = re.findall(r"^\| (\d+) \| (?:`(\w+)` \(([^)]+)\))? \| (?:`(\w+)`)?", page, re.M)

    assert rows == {
        (str(code.value), code.name, code.label, code.outcome.value) for code in StatusCode
    }
    assert {(int(v), name, label) for v, name, label, _ in error_rows if name} == {
        (code.value, code.name, code.label) for code in SmsError
    }
    assert {(int(v), name) for v, _, _, name in error_rows if name} == {
        (code.value, code.name) for code in EmailError
    }


def test_the_error_tree_is_the_one_the_errors_module_draws() -> None:
    module_doc = sys.modules[smsc_soap.SmscError.__module__].__doc__ or ""
    page = read(DOCS / "guides" / "limits-retries-errors.md")

    assert _tree_lines(page) == _tree_lines(module_doc)
    assert _tree_lines(page)[0].startswith("SmscError")


def _tree_lines(text: str) -> list[str]:
    """The drawn tree: from the SmscError line to the last line drawn with box characters."""
    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("SmscError "))
    tree = []
    for line in lines[start:]:
        if not line or line.startswith("```"):
            break
        tree.append(" ".join(line.split()))
    return tree


def test_the_version_is_written_once_and_the_changelog_has_it() -> None:
    version = re.search(r'^version = "([^"]+)"$', read(ROOT / "pyproject.toml"), re.M)
    assert version is not None
    changelog = read(ROOT / "CHANGELOG.md")

    assert smsc_soap.__version__ == version[1]
    assert f"## [{version[1]}]" in changelog
    assert "Keep a Changelog" in changelog


def test_the_figures_come_from_the_benchmark_results() -> None:
    """The performance page includes bench/RESULTS.md as it stands; no other page quotes a
    measured ratio or rate of its own."""
    assert '--8<-- "bench/RESULTS.md"' in read(DOCS / "performance.md")
    measured = re.compile(r"\*\*\d+(?:\.\d+)?(?:x|%)\*\*|\d+(?:\.\d+)? lookups/s")
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        if page.name != "performance.md":
            assert not measured.search(read(page)), page


def test_every_page_is_in_the_site() -> None:
    site = read(ROOT / "mkdocs.yml")
    for page in DOCS.rglob("*.md"):
        assert str(page.relative_to(DOCS)) in site, page
