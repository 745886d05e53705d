"""Tasks fulfilled by a confirmation or a document, and tasks that end missed.

Musterstadt with a calendar of its own: the departments confirm a report ("bericht", a
confirmation), the controlling office uploads the council paper ("vorlage", a document).
Every decision is taken as of a day given with `--on`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from models.db import session_scope
from models.task_delivery import TaskDelivery
from tests.conftest import MUSTERSTADT, Cli, row_counts

pytestmark = pytest.mark.both_databases

CALENDAR = """
[[phases]]
kind = "evaluation"
opens = "February 1"
closes = "March 3"

  [[phases.deadlines]]
  key = "bericht"
  title = "Bericht zur Zielerreichung vorlegen"
  due = "February 26"
  responsible = "departments"
  delivers = "confirmation"

  [[phases.deadlines]]
  key = "vorlage"
  title = "Vorlage für den Rat einbringen"
  due = "March 3"
  responsible = "steuerung"
  delivers = "document"

[[phases]]
kind = "budget_resolution"
opens = "December 1"
closes = "December 31"

[council_sessions]
2027 = [2027-12-31]
"""
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def town(tmp_path: Path, cli: Cli) -> Cli:
    body = tmp_path / "musterstadt"
    shutil.copytree(MUSTERSTADT, body)
    (body / "calendar.toml").write_text(CALENDAR, encoding="utf-8")
    text = (body / "body.toml").read_text(encoding="utf-8")
    (body / "body.toml").write_text(text.split("[elections]")[0], encoding="utf-8")
    assert cli("init", "--body-dir", str(body)).exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    assert cli("tick", "--on", "2027-02-01").exit_code == 0
    return cli


def tasks(cli: Cli, on: str = "2027-02-12") -> dict[tuple[str, str], dict]:
    result = cli("status", "2027", "--json", "--on", on)
    assert result.exit_code == 0, result.output
    return {(t["assignee_key"], t["deadline"]): t for t in json.loads(result.stdout)["tasks"]}


def test_a_department_confirms_its_task_and_the_controlling_office_reviews_it(
    town: Cli, engine
) -> None:
    task = tasks(town)[("bauen", "bericht")]
    assert (task["status"], task["delivers"]) == ("open", "confirmation")
    number = str(task["id"])
    done = town(
        "task",
        "confirm",
        number,
        "--done-on",
        "2027-02-10",
        "--note",
        "Bericht im Amt",
        "--on",
        "2027-02-12",
    )
    assert done.exit_code == 0, done.output
    assert "erledigt am 10.02.2027" in done.stdout
    assert tasks(town)[("bauen", "bericht")]["status"] == "submitted"

    before = row_counts(engine)
    again = town("task", "confirm", number, "--note", "nochmal", "--on", "2027-02-12")
    assert again.exit_code == 1
    assert "wartet auf Prüfung" in again.stderr
    assert row_counts(engine) == before

    returned = town("task", "return", number, "--comment", "Anlage fehlt", "--on", "2027-02-13")
    assert returned.exit_code == 0, returned.output
    assert tasks(town)[("bauen", "bericht")]["status"] == "returned"
    assert (
        town("task", "confirm", number, "--note", "mit Anlage", "--on", "2027-02-15").exit_code == 0
    )
    accepted = town("task", "accept", number, "--on", "2027-02-16")
    assert accepted.exit_code == 0, accepted.output
    assert tasks(town)[("bauen", "bericht")]["status"] == "accepted"
    with session_scope(engine) as session:
        rows = session.exec(select(TaskDelivery).order_by(TaskDelivery.attempt)).all()
        assert [(r.attempt, r.note) for r in rows] == [(1, "Bericht im Amt"), (2, "mit Anlage")]
        assert rows[1].done_on.isoformat() == "2027-02-15"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--note", "x", "--done-on", "2027-03-01"], 2, "liegt in der Zukunft"),
        (["--note", "   "], 2, "Bitte einen Vermerk angeben"),
        (["--note", "x" * 2001], 2, "höchstens 2000"),
        (["--note", "x", "--done-on", "2027-02-30"], 2, "kein Datum"),
    ],
)
def test_a_bad_confirmation_is_explained_and_changes_nothing(
    town: Cli, engine, args, code, message
) -> None:  # type: ignore[no-untyped-def]
    number = str(tasks(town)[("bauen", "bericht")]["id"])
    before = row_counts(engine)
    result = town("task", "confirm", number, *args, "--on", "2027-02-12")
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert row_counts(engine) == before


def test_the_controlling_office_uploads_its_paper_and_its_own_task_is_done(
    town: Cli, engine, tmp_path: Path
) -> None:
    number = str(tasks(town)[("steuerung", "vorlage")]["id"])
    confirm = town("task", "confirm", number, "--note", "eingebracht", "--on", "2027-02-12")
    assert confirm.exit_code == 1
    assert "wird mit einem Dokument" in confirm.stderr

    fake = tmp_path / "vorlage.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    refused = town("task", "upload", number, str(fake), "--on", "2027-02-12")
    assert refused.exit_code == 2
    assert "keine gültige PDF-Datei" in refused.stderr
    program = tmp_path / "vorlage.exe"
    program.write_bytes(PDF)
    assert "kein erlaubtes Format" in town("task", "upload", number, str(program)).stderr

    paper = tmp_path / "Ratsvorlage 12-2027.pdf"
    paper.write_bytes(PDF)
    uploaded = town("task", "upload", number, str(paper), "--note", "TOP 4", "--on", "2027-02-12")
    assert uploaded.exit_code == 0, uploaded.output
    # the controlling office does not review its own work
    assert tasks(town)[("steuerung", "vorlage")]["status"] == "accepted"
    copy = tmp_path / "kopie.pdf"
    saved = town("task", "document", number, "-o", str(copy))
    assert saved.exit_code == 0, saved.output
    assert copy.read_bytes() == PDF


def test_a_task_of_a_closed_phase_ends_missed_and_is_no_longer_overdue(town: Cli) -> None:
    bericht = tasks(town)
    assert (
        town(
            "task",
            "confirm",
            str(bericht[("bauen", "bericht")]["id"]),
            "--note",
            "ok",
            "--on",
            "2027-02-12",
        ).exit_code
        == 0
    )
    # while the phase runs, the department would be escalated on 5 March (5 working days late)
    escalation = town("reminders", "preview", "2027", "--on", "2027-03-05")
    assert escalation.exit_code == 0, escalation.output
    assert "Bericht zur Zielerreichung" in escalation.stdout
    assert town("tick", "--on", "2027-03-04").exit_code == 0  # the phase ends on 3 March
    after = tasks(town, on="2027-03-04")
    late = after[("ordnung", "bericht")]
    assert (late["status"], late["status_label"], late["days_overdue"]) == (
        "missed",
        "versäumt",
        0,
    )
    # a delivery waiting for review is not the department's delay: it stays
    assert after[("bauen", "bericht")]["status"] == "submitted"
    status = json.loads(town("status", "2027", "--json", "--on", "2027-03-04").stdout)
    evaluation = next(p for p in status["phases"] if p["kind"] == "evaluation")
    assert evaluation["status"] == "closed"
    assert "versäumt: Ordnungsamt – Bericht" in evaluation["outcome"]
    assert "Bauamt" not in evaluation["outcome"]
    reminders = town("reminders", "preview", "2027", "--on", "2027-03-05")
    assert reminders.exit_code == 0, reminders.output
    assert "Bericht zur Zielerreichung" not in reminders.stdout
    # a late confirmation still completes it
    late_done = town(
        "task", "confirm", str(late["id"]), "--note", "nachgereicht", "--on", "2027-03-08"
    )
    assert late_done.exit_code == 0, late_done.output
