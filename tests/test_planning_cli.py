"""The planning commands a person types: ceilings, template, submit, review, draft, list."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.db import session_scope
from models.planning import BudgetCeiling
from tests.conftest import row_counts
from tests.planning_world import filled, planning_open

CEILINGS = "Teilhaushalt;Jahr;Zuschussbedarf\n3;2028;1.200.000,00\n8;2028;950000\n"


@pytest.mark.both_databases
def test_ceilings_import_and_list(engine, loerrach, cli, tmp_path) -> None:
    file = tmp_path / "eckwerte.csv"
    file.write_text(CEILINGS, encoding="utf-8")
    result = cli("budget", "ceilings", "2028", str(file))
    assert result.exit_code == 0, result.output
    assert "2 Eckwerte für 2028 übernommen" in result.output
    shown = cli("budget", "ceilings", "2028")
    assert "Gebäudemanagement" in shown.output and "1.200.000,00 €" in shown.output
    file.write_text(CEILINGS.replace("950000", "1.300.000,00"), encoding="utf-8")
    assert cli("budget", "ceilings", "2028", str(file)).exit_code == 0  # replaced, not doubled
    with session_scope(engine) as session:
        assert len(session.exec(select(BudgetCeiling)).all()) == 2


def test_bad_ceilings_file_names_rows_and_columns_and_changes_nothing(
    engine, loerrach, cli, tmp_path
) -> None:
    file = tmp_path / "eckwerte.csv"
    file.write_text(
        "Teilhaushalt;Jahr;Zuschussbedarf\n3;2028;100\n99;2028;5\n8;2027;7\n7;2028;viel\n3;2028;1\n",
        encoding="utf-8",
    )
    before = row_counts(engine)
    result = cli("budget", "ceilings", "2028", str(file))
    assert result.exit_code == 2
    assert "Zeile 3, Spalte A (Teilhaushalt): „99“ gibt es nicht" in result.output
    assert "Zeile 4, Spalte B (Jahr): „2027“, erwartet 2028" in result.output
    assert "Zeile 5, Spalte C (Zuschussbedarf): „viel“ ist keine Zahl" in result.output
    assert "Zeile 6, Spalte A (Teilhaushalt): „3“ steht doppelt" in result.output
    assert "Traceback" not in result.output
    assert row_counts(engine) == before
    file.write_text("THH;Jahr;Betrag\n3;2028;1\n", encoding="utf-8")
    assert cli("budget", "ceilings", "2028", str(file)).exit_code == 2


def test_template_submit_review_draft_from_the_command_line(
    engine, loerrach, cli, tmp_path
) -> None:
    at = planning_open(engine, loerrach)
    on = ["--on", at.to_date_string()]
    workbook = tmp_path / "planung.xlsx"
    made = cli("plan", "template", "2027", "--thh", "3", "-o", str(workbook))
    assert made.exit_code == 0, made.output
    assert "Teilhaushalt 3 Gebäudemanagement" in made.output
    workbook.write_bytes(filled(workbook.read_bytes()))
    sent = cli("plan", "submit", str(workbook), *on)
    assert sent.exit_code == 0, sent.output
    assert "Planung 2028 eingereicht (Versuch 1)" in sent.output
    again = cli("plan", "submit", str(workbook), *on)
    assert again.exit_code == 1 and "wartet auf Prüfung" in again.output
    no_comment = cli("plan", "review", "2027", "--thh", "3", "--return", *on)
    assert no_comment.exit_code == 2 and "Kommentar" in no_comment.output
    accepted = cli("plan", "review", "2027", "--thh", "3", "--accept", *on)
    assert accepted.exit_code == 0, accepted.output
    listed = cli("plan", "list", "2027")
    assert "angenommen" in listed.output
    import json

    rows = json.loads(cli("plan", "list", "2027", "--json").output)
    assert {"partial_budget": "3", "status": "accepted"}.items() <= rows[2].items()
    draft = tmp_path / "entwurf.html"
    written = cli("plan", "draft", "2028", "-o", str(draft))
    assert written.exit_code == 0, written.output
    assert "Wärmepumpe Gewerbeschule" in draft.read_text(encoding="utf-8")
    assert cli("plan", "draft", "2028", "-o", str(tmp_path / "x.doc")).exit_code == 2


def test_a_broken_workbook_is_refused_with_exit_code_2(engine, loerrach, cli, tmp_path) -> None:
    planning_open(engine, loerrach)
    file = tmp_path / "planung.xlsx"
    file.write_bytes(b"PK\x03\x04 kaputt")
    result = cli("plan", "submit", str(file), "--year", "2027")
    assert result.exit_code == 2 and "keine gültige Excel-Datei" in result.output
