"""figures.toml: key figures, targets, goals and measures are taken over on `init`, checked
against the organisation, the strategy and the calendar, and bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from models.db import session_scope
from models.strategy import KeyFigure, KeyFigureValue, Measure, MeasureStatus, OperationalGoal
from tests.conftest import Cli
from tests.test_config_errors import as_second_body, edit, init_rejected, problem_about


def figure(engine: sa.Engine, key: str) -> tuple[KeyFigure, dict[int, KeyFigureValue]]:
    with session_scope(engine) as session:
        row = session.exec(select(KeyFigure).where(KeyFigure.key == key)).one()
        values = session.exec(
            select(KeyFigureValue).where(KeyFigureValue.key_figure_id == row.id)
        ).all()
        session.expunge_all()
    return row, {value.year: value for value in values}


@pytest.mark.both_databases
def test_init_installs_the_example_figures_goals_and_measures(cli: Cli, engine) -> None:
    assert cli("init").exit_code == 0
    row, values = figure(engine, "oepnv-fahrgaeste")
    assert (row.unit, row.direction, row.product_group, row.product_number) == (
        "Mio. Fahrten",
        "higher_is_better",
        "51.10",
        "51.10.15",
    )
    assert row.priority_code == "mobilitaet.1"
    assert (row.plausible_min, row.plausible_max, row.tolerance_pct) == (0, 100, 5)
    assert values[2025].target == 18.0 and values[2025].actual == 17.4
    assert values[2026].target == 18.6 and values[2026].actual is None
    radwege, _ = figure(engine, "radwege-neu")
    assert radwege.product_number is None and radwege.tolerance_pct == 10
    with session_scope(engine) as session:
        assert len(session.exec(select(KeyFigure)).all()) == 17
        goal = session.exec(
            select(OperationalGoal).where(OperationalGoal.key == "umwelt-2026-pv")
        ).one()
        measures = session.exec(select(Measure).where(Measure.operational_goal_id == goal.id))
        assert {m.key: m.status for m in measures} == {
            "umwelt-2026-pv-dachkataster": MeasureStatus.done,
            "umwelt-2026-pv-ausschreibung": MeasureStatus.in_progress,
        }


def test_changed_targets_are_taken_over_but_measure_statuses_are_not(
    cli: Cli, engine, body_dir: Path
) -> None:
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    edit(body_dir, "figures.toml", "2026 = 18.6", "2026 = 18.9")
    edit(
        body_dir,
        "figures.toml",
        'text = "Radverkehrskonzeption fortschreiben"\n  status = "done"',
        'text = "Radverkehrskonzeption fortschreiben"\n  status = "planned"',
    )
    result = cli("init", "--body-dir", str(body_dir))
    assert result.exit_code == 0, result.output
    assert "1 Soll-/Ist-Werte von Kennzahlen übernommen" in result.stdout
    _, values = figure(engine, "oepnv-fahrgaeste")
    assert values[2026].target == 18.9
    with session_scope(engine) as session:
        measure = session.exec(
            select(Measure).where(Measure.key == "mobilitaet-2026-radkonzept")
        ).one()
        assert measure.status == MeasureStatus.done  # statuses come from the departments


def test_unknown_department_and_priority_are_named(cli: Cli, engine, body_dir: Path) -> None:
    second = as_second_body(body_dir)
    edit(second, "figures.toml", 'department = "gebaeude"', 'department = "bauamt"')
    edit(second, "figures.toml", 'priority = "mobilitaet.1"', 'priority = "mobilitaet.9"')
    result = init_rejected(cli, engine, second)
    assert "'bauamt'" in problem_about(result.output, "figures.toml", "key_figures[0].department")
    assert "'mobilitaet.9'" in problem_about(
        result.output, "figures.toml", "key_figures[5].priority"
    )


def test_inconsistent_products_and_ranges_are_named(cli: Cli, engine, body_dir: Path) -> None:
    second = as_second_body(body_dir)
    edit(
        second,
        "figures.toml",
        'product = "51.10.15"',
        'product = "51.10.15"\nproduct_group = "51.20"',
    )
    edit(second, "figures.toml", "plausible = [0, 200]", "plausible = [200, 0]")
    result = init_rejected(cli, engine, second)
    assert "gehört nicht zur Produktgruppe 51.20" in problem_about(
        result.output, "figures.toml", "key_figures[5]"
    )
    assert "200 ist größer als 0" in problem_about(result.output, "figures.toml", "key_figures[6]")


def test_duplicate_keys_are_named(cli: Cli, engine, body_dir: Path) -> None:
    second = as_second_body(body_dir)
    edit(second, "figures.toml", 'key = "energieverbrauch-schulen"', 'key = "pv-leistung"')
    edit(
        second,
        "figures.toml",
        'key = "umwelt-2026-pv-ausschreibung"',
        'key = "umwelt-2026-pv-dachkataster"',
    )
    result = init_rejected(cli, engine, second)
    assert "'pv-leistung' kommt 2-mal vor" in problem_about(
        result.output, "figures.toml", "key_figures[].key"
    )
    assert "'umwelt-2026-pv-dachkataster' kommt 2-mal vor" in problem_about(
        result.output, "figures.toml", "goals[].measures[].key"
    )


def test_a_text_where_a_target_belongs_is_named(cli: Cli, engine, body_dir: Path) -> None:
    second = as_second_body(body_dir)
    edit(second, "figures.toml", "2026 = 18.6", '2026 = "viel"')
    result = init_rejected(cli, engine, second)
    assert "Zahl erwartet" in problem_about(
        result.output, "figures.toml", "key_figures[5].targets.2026"
    )


def test_only_one_department_deadline_receives_the_figures(
    cli: Cli, engine, body_dir: Path
) -> None:
    second = as_second_body(body_dir)
    edit(
        second,
        "calendar.toml",
        'responsible = "departments"\n  delivers = "key_figures"',
        'responsible = "factions"\n  delivers = "key_figures"',
    )
    result = init_rejected(cli, engine, second)
    assert "responsible = 'departments'" in problem_about(
        result.output, "calendar.toml", "deadlines[0].delivers"
    )


def test_a_figure_removed_from_the_file_is_no_longer_asked_for(
    cli: Cli, engine, body_dir: Path, tmp_path: Path
) -> None:
    import openpyxl

    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    assert cli("cycle", "create", "2027").exit_code == 0
    path = body_dir / "figures.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index('[[key_figures]]\nkey = "klimaberatungen"')
    end = text.index("[[key_figures]]", start + 1)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    result = cli("init", "--body-dir", str(body_dir))
    assert result.exit_code == 0, result.output
    assert "nicht mehr in figures.toml" in result.stdout
    target = tmp_path / "umwelt.xlsx"
    assert cli("template", "2027", "--department", "umwelt", "-o", str(target)).exit_code == 0
    sheet = openpyxl.load_workbook(target)["Kennzahlen"]
    keys = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]
    assert keys == ["pv-leistung", "ausgleichsflaechen"]
    row, values = figure(engine, "klimaberatungen")
    assert not row.active and values[2025].actual == 990  # its history is kept
