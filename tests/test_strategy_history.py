"""Earlier strategy versions on record (strategy.toml, [[history]]): Lörrach's update of 2021
is version 3, after the Zukunftsstrategie of 2009 and its update of 2012, whose content is
not on record. Numbers follow the dates, also when the history comes after `init`."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from models.audit import AuditEvent
from models.db import session_scope
from models.strategy import FieldOfAction, StrategyVersion
from models.strategy_versions import current_version, load_content
from tests.conftest import NOW, Cli, row_counts
from tests.test_config_errors import WIDE, init_rejected, problem_about
from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_years import resolve_changes
from tests.webworld import visible_text

HISTORY = re.compile(r"\n# Earlier versions on record.*", re.DOTALL)


def numbered(engine: sa.Engine) -> list[tuple[int, str, dt.date, bool]]:
    """(number, label, adopted_on, on record only) of every version, by number."""
    with session_scope(engine) as session:
        return [
            (v.number, v.label, v.adopted_on, v.history_only)
            for v in session.exec(select(StrategyVersion).order_by(col(StrategyVersion.number)))
        ]


def without_history(body_dir: Path) -> str:
    """Strip the [[history]] tables from the copy; returns them for adding back later."""
    path = body_dir / "strategy.toml"
    text = path.read_text(encoding="utf-8")
    history = HISTORY.search(text)
    assert history is not None, "the shipped strategy.toml has no [[history]]: adapt the test"
    path.write_text(text[: history.start()] + "\n", encoding="utf-8")
    return history.group(0)


def test_init_numbers_the_earlier_versions_first(loerrach, engine: sa.Engine, cli: Cli) -> None:
    assert numbered(engine) == [
        (1, "Zukunftsstrategie 2009", dt.date(2009, 1, 1), True),
        (2, "Zukunftsstrategie 2012", dt.date(2012, 1, 1), True),
        (3, "Zukunftsstrategie 2021", dt.date(2021, 7, 21), False),
    ]
    with session_scope(engine) as session:
        rows = session.exec(select(StrategyVersion).order_by(col(StrategyVersion.number))).all()
        assert current_version(session=session, body_id=loerrach.id).number == 3
        assert [v.adopted_year_only for v in rows] == [True, True, False]
        assert rows[0].resolution == "Beschluss des Kreistags 2009 (Tag nicht erfasst)"
        assert "Gemeinsam Zukunft gestalten" in (rows[0].summary or "")
        for earlier in rows[:2]:  # no content of their own
            assert load_content(session=session, version=earlier).fields == ()
            assert not session.exec(
                select(FieldOfAction).where(FieldOfAction.version_id == earlier.id)
            ).all()
    shown = cli("strategy", "show")
    assert shown.exit_code == 0 and "Version 3: Beschluss des Kreistags vom 21.07.2021" in (
        shown.stdout
    )
    # a version without content is never compared as if it were empty
    refused = cli("strategy", "diff", "--from", "1", "--to", "3", "-o", "x.pdf", env=WIDE)
    assert refused.exit_code == 2  # bad input: a version that cannot be compared
    assert "Strategieversion 1 (Zukunftsstrategie 2009) ist nur mit Datum und Beschluss" in (
        refused.output
    )
    assert "vergleichbar: 3" in refused.output
    # without --from: the version the current one followed; after init none, not version 2
    alone = cli("strategy", "diff", "-o", "x.pdf", env=WIDE)
    assert alone.exit_code == 2, alone.output  # nothing to compare, as before history
    assert "Es gibt nur Version 3 der Strategie" in alone.output


def test_the_strategy_page_lists_the_earlier_versions_without_changes(web: Web) -> None:
    client = web.login("controlling")
    text = visible_text(client.get("/strategy").text)
    third = text.index("Version 3, gültig ab 21.07.2021 geltend")
    second = text.index("Version 2, gültig ab 2012 Beschluss")
    first = text.index("Version 1, gültig ab 2009 Beschluss")
    assert third < second < first  # newest first
    assert "Beschluss des Kreistags 2012 (Tag nicht erfasst)" in text
    assert "Zukunftsstrategie 2012: Fortschreibung der Zukunftsstrategie von 2009." in text
    assert "Zukunftsstrategie 2009: Die erste Zukunftsstrategie unter dem Motto" in text
    assert text.count("nur mit Datum und Beschluss erfasst: ihr Inhalt") == 2
    assert "Erste Version, deren Inhalt erfasst ist (Zukunftsstrategie 2021)" in text
    assert "gegenüber Version 1" not in text and "gegenüber Version 2." not in text
    assert "Keine Änderung" not in text and "Änderungen gegenüber" not in text

    # a later resolution makes version 4, compared with version 3 only
    resolve_changes(web)
    client = web.login("controlling")  # the clock moved on: a new session
    text = visible_text(client.get("/strategy").text)
    assert "Version 4, gültig ab 21.07.2027 geltend" in text
    assert "3 Änderungen gegenüber Version 3" in text
    assert text.count("Änderungen gegenüber") == 1
    assert "Version 1, gültig ab 2009" in text
    with session_scope(web.engine) as session:
        assert current_version(session=session, body_id=1).number == 4
    priority = visible_text(client.get("/priorities/klima-biodiversitaet.1").text)
    assert "Die Versionen 1 und 2 sind nur mit Datum und Beschluss erfasst" in priority
    assert "Version 3, gültig ab 21.07.2021: erstmals erfasst" in priority
    assert "Version 4, gültig ab 21.07.2027: geändert" in priority


@pytest.mark.both_databases  # the renumbering keeps UniqueConstraint(body_id, number)
def test_history_added_to_an_installed_body_renumbers_its_versions(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    from models.strategy_versions import create_next_version

    history = without_history(body_dir)
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    with session_scope(engine) as session:  # a resolution of 2027: version 2 before history
        first = current_version(session=session, body_id=1)
        second = create_next_version(
            session=session,
            previous=first,
            content=load_content(session=session, version=first),
            adopted_on=dt.date(2027, 7, 21),
            resolution="Beschluss KT/2027/045 (Kreistag) vom 21.07.2027",
            now=NOW,
        )
        ids = (first.id, second.id)
    assert [(n, only) for n, _, _, only in numbered(engine)] == [(1, False), (2, False)]

    with (body_dir / "strategy.toml").open("a", encoding="utf-8") as handle:
        handle.write(history)
    updated = cli("init", "--body-dir", str(body_dir))
    assert updated.exit_code == 0, updated.output
    assert "Frühere Strategieversion ergänzt: Zukunftsstrategie 2009 (2009)" in updated.stdout
    assert "Frühere Strategieversion ergänzt: Zukunftsstrategie 2012 (2012)" in updated.stdout
    assert "neu nummeriert: Version 1 → 3, Version 2 → 4" in updated.stdout
    assert [(n, label) for n, label, _, _ in numbered(engine)] == [
        (1, "Zukunftsstrategie 2009"),
        (2, "Zukunftsstrategie 2012"),
        (3, "Zukunftsstrategie 2021"),
        (4, "Zukunftsstrategie 2021"),
    ]
    with session_scope(engine) as session:
        current = current_version(session=session, body_id=1)
        assert (current.id, current.number) == (ids[1], 4)
        assert session.get_one(StrategyVersion, ids[0]).number == 3
        # the journal keeps the numbers its entries were written with; this entry says how
        # they moved
        updated_event = session.exec(
            select(AuditEvent).where(AuditEvent.action == "body.updated")
        ).one()
        assert any(
            "Version 1 → 3, Version 2 → 4" in line for line in updated_event.after["changes"]
        )

    before = row_counts(engine)
    again = cli("init", "--body-dir", str(body_dir))
    assert again.exit_code == 0 and "nichts geändert" in again.stdout
    assert row_counts(engine) == before
    assert [n for n, *_ in numbered(engine)] == [1, 2, 3, 4]


# (old text of the shipped [[history]], new text, key named, German words of the message)
BROKEN = {
    "not_before_the_file_version": (
        "adopted_in_year = 2012",
        "adopted_on = 2021-07-21",
        "history[1].adopted_on",
        "vor der Version dieser Datei",
    ),
    "out_of_order": (
        "adopted_in_year = 2012",
        "adopted_in_year = 2008",
        "history[1].adopted_in_year",
        "muss nach history[0] liegen",
    ),
    "same_year_twice": (
        "adopted_in_year = 2012",
        "adopted_on = 2009-07-01",
        "history[1].adopted_on",
        "muss nach history[0] liegen",
    ),
    "day_and_year": (
        "adopted_in_year = 2012",
        "adopted_in_year = 2012\nadopted_on = 2012-07-01",
        "history[1].adopted_on",
        "genau eines",
    ),
    "summary_too_long": (
        'summary = "Fortschreibung der Zukunftsstrategie von 2009."',
        'summary = "' + "x" * 1001 + '"',
        "history[1].summary",
        "1000",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_bad_history_gets_a_german_message_and_changes_nothing(
    case: str, cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    """On an installed body too: `init` with bad history keeps every version as it was."""
    old, new, key, words = BROKEN[case]
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    before = numbered(engine)
    path = body_dir / "strategy.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = init_rejected(cli, engine, body_dir)
    assert words in problem_about(result.output, "strategy.toml", key)
    assert f"strategy.toml, {key}" in result.output
    assert numbered(engine) == before


def test_history_after_the_first_version_on_record_is_refused(
    cli: Cli, engine: sa.Engine, body_dir: Path
) -> None:
    """The file's date moved on after `init` (the strategy itself is not taken over): an
    earlier version must still lie before the first version in the database."""
    history = without_history(body_dir)
    assert cli("init", "--body-dir", str(body_dir)).exit_code == 0
    before = row_counts(engine)
    path = body_dir / "strategy.toml"
    text = path.read_text(encoding="utf-8").replace(
        "adopted_on = 2021-07-21", "adopted_on = 2031-07-21", 1
    )
    later = history.replace("adopted_in_year = 2012", "adopted_in_year = 2025")
    path.write_text(text + later, encoding="utf-8")
    refused = cli("init", "--body-dir", str(body_dir), env=WIDE)
    assert refused.exit_code == 2, refused.output
    assert "strategy.toml, history[1]: die frühere Version muss vor der ersten erfassten" in (
        refused.output
    )
    assert row_counts(engine) == before
