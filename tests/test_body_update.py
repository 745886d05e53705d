"""`init` on an installed body takes over a changed configuration, but never the strategy."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from models.audit import AuditEvent
from models.db import session_scope
from models.organisation import Department
from models.strategy import Priority
from tests.conftest import Cli, row_counts


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_new_session_dates_make_a_later_year_plannable(cli: Cli, engine, body_dir: Path) -> None:
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    refused = cli("cycle", "create", "2031")
    assert refused.exit_code == 2 and "committee_sessions" in refused.output
    edit(
        body_dir / "calendar.toml", "vfa = { 2026", "vfa = { 2031 = [2031-04-15, 2031-11-18], 2026"
    )
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    refused = cli("cycle", "create", "2031")
    assert refused.exit_code == 2 and "council_sessions" in refused.output
    edit(
        body_dir / "calendar.toml",
        "\n[council_sessions]\n",
        "\n[council_sessions]\n2031 = [2031-03-19, 2031-05-14, 2031-07-16, 2031-10-08, "
        "2031-12-10]\n",
    )
    updated = cli("init", "--body-dir", str(body_dir))
    assert updated.exit_code == 0, updated.output
    assert "Kalender geändert" in updated.stdout
    created = cli("cycle", "create", "2031")
    assert created.exit_code == 0, created.output
    calendar = cli("calendar", "2031")
    assert "10.12.2031" in calendar.stdout  # the budget is adopted at the December session
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "body.updated")).all()
    assert len(events) == 2 and all(event.actor.startswith("cli:") for event in events)


def test_organisation_changes_are_taken_over_and_nothing_is_deleted(
    cli: Cli, engine, body_dir: Path
) -> None:
    cli("init", "--body-dir", str(body_dir))
    edit(
        body_dir / "organisation.toml",
        'name = "Fachbereich Umwelt"',
        'name = "Fachbereich Umwelt und Klimaschutz"',
    )
    result = cli("init", "--body-dir", str(body_dir))
    assert result.exit_code == 0, result.output
    assert "Fachbereich Umwelt und Klimaschutz geändert (name)" in result.stdout
    with session_scope(engine) as session:
        names = set(session.exec(select(Department.name)).all())
    assert "Fachbereich Umwelt und Klimaschutz" in names
    assert "Fachbereich Umwelt" not in names


def test_strategy_edits_in_the_file_do_not_bypass_the_council(
    cli: Cli, engine, body_dir: Path
) -> None:
    cli("init", "--body-dir", str(body_dir))
    edit(
        body_dir / "strategy.toml",
        "Die kreiseigenen Bildungseinrichtungen",
        "Geänderte Bildungseinrichtungen",
    )
    before = row_counts(engine)
    result = cli("init", "--body-dir", str(body_dir))
    assert result.exit_code == 0
    assert "aktuell; nichts geändert" in result.stdout
    assert row_counts(engine) == before
    with session_scope(engine) as session:
        texts = session.exec(select(Priority.text)).all()
    assert not any(text.startswith("Geänderte") for text in texts)
