"""``smsc-soap status``: every field of ``--all 2`` in the table, CSV and JSON, one meaning of
``status_name`` in each, and a failed lookup as a row with its error in CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from smsc_soap.cli import main
from smsc_soap.cli.exit_codes import ExitCode
from smsc_soap.sandbox import BookMessage, Sandbox

PHONE = "79990000001"
REGIONAL = {"country": "Россия", "operator": "МТС", "region": "Москва", "comment": "заказ 7"}


pytestmark = pytest.mark.sandbox(
    lambda: [BookMessage(id="7", phone=PHONE, status=1, message="Привет", **REGIONAL)],
    enforce_limits=False,
)


def status(sandbox: Sandbox, *arguments: str) -> tuple[int, str, str]:
    env = {
        "SMSC_LOGIN": "demo",
        "SMSC_PASSWORD": "demo",
        "SMSC_TRANSPORT": "http",  # the HTTP API answers every field of all=2
        "SMSC_ENDPOINT": sandbox.status_endpoint,
        "SMSC_INSECURE_HTTP": "1",
    }
    result = CliRunner().invoke(main, ["status", *arguments], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_all_2_in_csv_has_every_field(sandbox: Sandbox) -> None:
    code, out, err = status(sandbox, PHONE, "7", "--all", "2", "--format", "csv")

    assert code == ExitCode.OK, err
    [row] = csv.DictReader(io.StringIO(out))
    assert {name: row[name] for name in REGIONAL} == REGIONAL
    assert (row["message"], row["sender_id"], row["sms_cnt"]) == ("Привет", "SMSC.RU", "1")
    assert (row["status_name"], row["service_status_name"]) == ("Delivered", "Доставлено")
    assert (row["error_type"], row["error"]) == ("", "")


def test_all_2_in_json_has_the_same_fields_with_numbers_as_numbers(sandbox: Sandbox) -> None:
    code, out, err = status(sandbox, PHONE, "7", "--all", "2", "--format", "json")

    assert code == ExitCode.OK, err
    fields = json.loads(out)
    assert {name: fields[name] for name in REGIONAL} == REGIONAL
    assert (fields["status"], fields["err"], fields["sms_cnt"]) == (1, 0, 1)
    assert (fields["status_name"], fields["service_status_name"]) == ("Delivered", "Доставлено")
    assert fields["error"] is None


def test_all_2_in_the_table_shows_country_operator_and_region(sandbox: Sandbox) -> None:
    code, out, err = status(sandbox, PHONE, "7", "--all", "2")

    assert code == ExitCode.OK, err
    header, _, row = out.splitlines()
    for name in ("country", "operator", "region", "comment", "message"):
        assert name in header.split()
    for value in ("Россия", "МТС", "Москва", "Привет"):
        assert value in row
    assert "error" not in header


def test_a_phone_as_people_write_it_is_looked_up(sandbox: Sandbox) -> None:
    code, out, err = status(sandbox, "7 (999) 000-00-01", "7", "--format", "json")

    assert code == ExitCode.OK, err
    assert json.loads(out)["phone"] == PHONE


@pytest.mark.parametrize("output_format", ["csv", "json"])
def test_a_failed_lookup_is_a_row_with_its_error(sandbox: Sandbox, output_format: str) -> None:
    code, out, err = status(sandbox, PHONE, "404", "--format", output_format)

    assert code == ExitCode.NOT_FOUND
    rows = list(csv.DictReader(io.StringIO(out))) if output_format == "csv" else [json.loads(out)]
    assert [(row["id"], row["error_type"]) for row in rows] == [("404", "MessageNotFoundError")]
    assert rows[0]["status"] in ("", None)
    assert err.startswith("error: ")
