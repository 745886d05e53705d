"""Across the cycle years (the controlling office's workbench): a key figure over every
budget year, a priority over the strategy's versions, and the versions as a timeline with
each resolution and its word-level diff. The resolution is made by the real commands."""

from __future__ import annotations

import datetime as dt
import re

import pendulum
import pytest
import sqlalchemy as sa

from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

OLD_TEXT = (
    "Der Landkreis senkt die kreisweiten Treibhausgasemissionen, wirkt auf Energiesparen und "
    "eine effizientere Energienutzung hin und fördert den Einsatz regenerativer Energien."
)
RESOLUTION = "KT/2027/045"
CHANGED = (
    "Der Landkreis senkt die kreisweiten Treibhausgasemissionen bis 2035 auf netto null, wirkt "
    "auf Energiesparen hin und fördert den Einsatz regenerativer Energien."
)
ADDED = "Der Landkreis baut ein durchgehendes Radwegenetz zwischen allen Gemeinden."


def resolve_changes(web: Web) -> None:
    """The resolution of `resolve_in`; the clock on 1 August 2027."""
    resolve_in(web.engine)
    web.clock.at = pendulum.datetime(2027, 8, 1, 10, tz="Europe/Berlin")


def resolve_in(engine: sa.Engine) -> None:
    """Forum convened and held in May 2027, the council's resolution KT/2027/045 of
    21.07.2027 (by the real commands): one priority reworded, one added, one removed; the
    2028 cycle created."""
    from models.change_set import ChangeSet
    from models.commands import Convene, CreateCycle, RecordResolution, RecordSession
    from models.db import session_scope
    from services.bodies import resolve_body
    from services.commands import handle

    changes = ChangeSet.model_validate(
        {
            "summary": "Klimaschutz und Radverkehr stärken",
            "participants": ["Landrätin"],
            "changes": [
                {
                    "action": "change_priority",
                    "priority": "klima-biodiversitaet.1",
                    "text": CHANGED,
                },
                {"action": "add_priority", "field": "mobilitaet", "text": ADDED},
                {"action": "remove_priority", "priority": "bildung.2"},
            ],
        }
    )
    steps = [
        (pendulum.datetime(2027, 5, 2, 9, tz="Europe/Berlin"), Convene(2027, "Klimaschutz")),
        (
            pendulum.datetime(2027, 5, 21, 9, tz="Europe/Berlin"),
            RecordSession(2027, dt.date(2027, 5, 20), changes),
        ),
        (
            pendulum.datetime(2027, 7, 22, 9, tz="Europe/Berlin"),
            RecordResolution(2027, RESOLUTION, dt.date(2027, 7, 21)),
        ),
        (pendulum.datetime(2027, 7, 30, 9, tz="Europe/Berlin"), CreateCycle(2028)),
    ]
    for at, command in steps:
        with session_scope(engine) as session:
            body = resolve_body(session=session, slug=None)
            handle(command, session=session, body=body, now=at, actor="test")


def rows_of(html: str, caption_id: str) -> list[str]:
    start = html.index(f'id="{caption_id}"')
    table = html[start : html.index("</table>", start)]
    return [visible_text(row) for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)]


def test_a_figure_page_shows_every_budget_year_with_light_and_degree(web: Web) -> None:
    client = web.login("controlling")
    response = client.get("/figures/pv-leistung")
    assert response.status_code == 200
    html = response.text
    text = visible_text(html)
    assert "Installierte Photovoltaik-Leistung auf Kreisgebäuden" in text
    assert "Fachbereich Fachbereich Umwelt" in text
    assert "höher ist besser; knapp verfehlt bis 5 % unter dem Soll" in text
    assert "Schwerpunkt Klima & Biodiversität, Schwerpunkt 1" in text
    assert "klima-biodiversitaet.1" not in text  # internal keys stay in the links
    assert 'href="/priorities/klima-biodiversitaet.1"' in html
    rows = rows_of(html, "cap-jahre")
    assert rows[0].startswith("Haushaltsjahr Soll Ist")
    by_year = {row.split(" ", 1)[0]: row for row in rows[1:]}
    assert list(by_year) == ["2022", "2023", "2024", "2025", "2026", "2027", "2028"]
    # 2024: 1.780 of 1.800 kWp, 98,9 %, inside the 5 % band: knapp verfehlt
    assert by_year["2024"] == "2024 1.800 kWp 1.780 kWp 98,9 % ▲ knapp verfehlt 2025"
    assert by_year["2025"] == "2025 2.400 kWp 2.050 kWp 85,4 % ✗ verfehlt 2026"
    assert by_year["2022"] == "2022 – 1.100 kWp – ○ keine Angabe 2023"
    assert 'href="/cycles/2027"' in html  # budget year 2026 is evaluated in the 2027 cycle
    # the chart: years on the axis, every value in its text alternative
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "2022: 1.100; 2023: 1.450; 2024: 1.780; 2025: 2.050" in svg
    assert ">2022</text>" in svg and ">2028</text>" in svg


def test_the_overview_links_figures_and_priorities(web: Web) -> None:
    html = web.login("controlling").get("/cycles/2027").text
    assert '<a href="/figures/pv-leistung">Installierte Photovoltaik-Leistung' in html
    assert 'href="/priorities/klima-biodiversitaet.1"' in html
    assert '<a href="/strategy">Strategie</a>' in html
    for path in ("/figures/pv-leistung", "/priorities/mobilitaet.1", "/strategy"):
        assert web.login("verwaltung").get(path).status_code == 200


@pytest.mark.parametrize(
    "path, message",
    [
        ("/figures/gibt-es-nicht", "Diese Kennzahl gibt es nicht."),
        ("/priorities/bildung.99", "Diesen strategischen Schwerpunkt gibt es nicht."),
        ("/figures/" + "x" * 300, "Diese Seite gibt es nicht."),
    ],
)
def test_an_unknown_key_is_a_german_404(web: Web, path: str, message: str) -> None:
    response = web.login("controlling").get(path)
    assert response.status_code == 404
    assert message in visible_text(response.text)


@pytest.mark.parametrize("path", ["/figures/pv-leistung", "/priorities/mobilitaet.1", "/strategy"])
def test_a_department_clerk_may_not_see_the_workbench(web: Web, path: str) -> None:
    department = web.login("umwelt")
    response = department.get(path)
    assert response.status_code == 403
    assert "Kein Zugriff" in visible_text(response.text)
    assert 'href="/strategy"' not in department.get("/").text  # no navigation entry either


@pytest.mark.both_databases  # versions as of a day: a date comparison on both databases
def test_the_timeline_shows_each_resolution_and_its_word_diff(web: Web) -> None:
    before = visible_text(web.login("controlling").get("/strategy").text)
    assert "Version 3, gültig ab 21.07.2021 geltend" in before
    assert "Beschluss des Kreistags vom 21.07.2021" in before
    assert "Erste Version, deren Inhalt erfasst ist (Zukunftsstrategie 2021)" in before

    resolve_changes(web)
    html = web.login("controlling").get("/strategy").text
    text = visible_text(html)
    assert text.index("Version 4, gültig ab 21.07.2027 geltend") < text.index("Version 3,")
    assert "Beschluss Kreistag, KT/2027/045 vom 21.07.2027" in text
    assert (
        "Sitzung Forum Zukunftsstrategie am 20.05.2027: Klimaschutz und Radverkehr stärken" in text
    )
    assert "3 Änderungen gegenüber Version 3" in text
    # the word diff: struck and inserted runs, said in words too (not colour alone)
    assert (
        'Der Landkreis senkt die kreisweiten <del><span class="vh">gestrichen: </span>'
        'Treibhausgasemissionen,</del> <ins><span class="vh">eingefügt: </span>'
        "Treibhausgasemissionen bis 2035 auf netto null,</ins> wirkt auf Energiesparen "
        '<del><span class="vh">gestrichen: </span>und eine effizientere Energienutzung</del> hin'
    ) in html
    assert f"neu: Mobilität, Schwerpunkt 6 eingefügt: {ADDED}" in text
    assert "entfällt: Bildung, Schwerpunkt 2 gestrichen: Das Schulangebot" in text
    assert "bildung.2" not in text and "klima-biodiversitaet.1" not in text

    # as of a day before the resolution, the timeline has only the first version
    web.clock.at = pendulum.datetime(2027, 7, 20, 10, tz="Europe/Berlin")
    earlier = visible_text(web.login("controlling").get("/strategy").text)
    assert "Version 4" not in earlier and "Version 3, gültig ab 21.07.2021 geltend" in earlier


def test_a_priority_page_follows_its_text_through_the_versions(web: Web) -> None:
    resolve_changes(web)
    client = web.login("controlling")
    html = client.get("/priorities/klima-biodiversitaet.1").text
    text = visible_text(html)
    assert (
        "Klima & Biodiversität, Schwerpunkt 1 Strategischer Schwerpunkt im Handlungsfeld "
        "Klima & Biodiversität · Stand 01.08.2027"
    ) in text
    assert CHANGED in text
    newest = text.index("Version 4, gültig ab 21.07.2027: geändert")
    first = text.index("Version 3, gültig ab 21.07.2021: erstmals erfasst")
    assert newest < first
    assert "Beschluss KT/2027/045 vom 21.07.2027" in text
    assert OLD_TEXT in text  # the first version's wording
    assert "gestrichen: und eine effizientere Energienutzung" in text
    # its key figures, linked, with their lights per budget year
    rows = rows_of(html, "cap-ampeln")
    assert rows[0] == "Kennzahl 2022 2023 2024 2025"
    pv = next(row for row in rows if row.startswith("Installierte Photovoltaik"))
    assert pv.endswith("○ keine Angabe ○ keine Angabe ▲ knapp verfehlt ✗ verfehlt")
    assert '<a href="/figures/pv-leistung">' in html

    removed = visible_text(client.get("/priorities/bildung.2").text)
    assert "Bildung, Schwerpunkt 2 (bis Version 3)" in removed
    assert "in der geltenden Strategie nicht mehr enthalten" in removed
    assert "Version 4, gültig ab 21.07.2027: entfällt" in removed
    added = visible_text(client.get("/priorities/mobilitaet.6").text)
    assert "Version 4, gültig ab 21.07.2027: neu" in added and "Version 3" not in added
    assert "Diesem Schwerpunkt ist keine Kennzahl zugeordnet." in added


def test_the_figure_page_names_the_priority_where_it_now_stands(web: Web) -> None:
    """A figure serving a removed priority says so (no internal key)."""
    from models.db import session_scope

    resolve_changes(web)
    with session_scope(web.engine) as session:
        session.exec(  # type: ignore[call-overload]
            sa.text("update key_figure set priority_code = 'bildung.2' where key = 'pv-leistung'")
        )
    client = web.login("controlling")
    text = visible_text(client.get("/figures/pv-leistung").text)
    assert "Bildung, Schwerpunkt 2 (bis Version 3)" in text
    lower = visible_text(client.get("/figures/thg-kreisliegenschaften").text)
    assert "niedriger ist besser; knapp verfehlt bis 5 % über dem Soll" in lower
    # lower is better: 9.310 t against 9.200 t is 98,8 %, within the band
    assert "2025 9.200 t CO2e 9.310 t CO2e 98,8 % ▲ knapp verfehlt 2026" in lower


def test_the_strategy_page_as_of_an_earlier_day_shows_the_version_then(web: Web) -> None:
    """`?on=` before the resolution: one version, read only; links keep the day."""
    resolve_changes(web)
    client = web.login("controlling")
    today = visible_text(client.get("/strategy").text)
    before = client.get("/strategy", params={"on": "2027-03-01"})
    assert before.status_code == 200
    text = visible_text(before.text)
    assert "Stand am 01.03.2027 – frühere Ansicht, nur zum Lesen." in text
    assert "Version 4" in today and "Version 4" not in text and "Version 3" in text
    assert 'href="/priorities/' in before.text and "on=2027-03-01" in before.text
    bad = client.get("/strategy", params={"on": "2027-02-30"})
    assert bad.status_code == 400 and "JJJJ-MM-TT" in visible_text(bad.text)
