"""The personal survey link in a real Chromium (issue 15): a faction leader opens the link
without logging in, answers, changes the answer; a tampered link and the link after the
survey's last day (the site's Clock) open a German page and write nothing. Each page fits
1366, 390 and 320 px with axe-core (screenshots survey-link-*.png in tests/artifacts/)."""

from __future__ import annotations

import pendulum
import pytest
from sqlmodel import select

from models.db import session_scope
from models.decisions import SurveyAnswer
from tests.conftest import row_counts
from tests.test_web_browser import Site, fits
from tests.test_web_browser import page as page  # noqa: F401  (the fixture)
from tests.test_web_browser import site as site  # noqa: F401  (the fixture)


def _at(month: int, day: int, hour: int = 12) -> pendulum.DateTime:
    return pendulum.datetime(2027, month, day, hour, 0, tz="Europe/Berlin")


def _link(site: Site, key: str) -> str:
    from models.body import Body
    from services.survey_links import link_url, links_of

    with session_scope(site.engine) as session:
        body = session.exec(select(Body)).one()
        rows = links_of(session=session, body=body, year=2027, now=site.clock.at, actor="test")
        return next(link_url(site.url, row.token) for row in rows if row.faction.key == key)


def _answer(site: Site, key: str) -> tuple[bool, str | None] | None:
    from models.organisation import Faction

    with session_scope(site.engine) as session:
        row = session.exec(
            select(SurveyAnswer)
            .join(Faction, Faction.id == SurveyAnswer.faction_id)  # type: ignore[arg-type]
            .where(Faction.key == key)
        ).first()
        return (row.need, row.comment) if row else None


@pytest.fixture
def april(site: Site):  # type: ignore[no-untyped-def]
    """The survey runs (15 April); the module's world is back on its day afterwards."""
    saved = site.clock.at
    site.clock.at = _at(4, 15)
    yield site
    site.clock.at = saved


@pytest.mark.parametrize("width", [1366, 390, 320])
def test_the_link_page_fits_and_passes_axe(april: Site, page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(_link(april, "gruene"))
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Befragung der Fraktionsvorsitzenden 2027"
    )
    assert page.get_by_text("Fraktion Bündnis 90/Die Grünen").first.is_visible()
    fits(page, april, width, "survey-link")


def test_a_leader_answers_and_changes_the_answer(april: Site, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(_link(april, "spd"))
    page.get_by_label("ja, es besteht Aktualisierungsbedarf").check()
    page.get_by_label("Begründung oder Hinweis").fill("Wohnen stärker gewichten")
    page.get_by_role("button", name="Antwort absenden").click()
    assert page.get_by_role("status").first.inner_text() == (
        "Vielen Dank, Ihre Antwort ist eingegangen."
    )
    assert "Ihre bisherige Antwort vom 15.04.2027: ja, Aktualisierungsbedarf" in (
        page.locator("#bisher").inner_text()
    )
    assert _answer(april, "spd") == (True, "Wohnen stärker gewichten")

    april.clock.at = _at(4, 22)
    page.reload()
    assert page.get_by_label("ja, es besteht Aktualisierungsbedarf").is_checked()
    page.get_by_label("nein, kein Aktualisierungsbedarf").check()
    page.get_by_label("Begründung oder Hinweis").fill("")
    page.get_by_role("button", name="Antwort ändern").click()
    assert page.get_by_text("Ihre Antwort wurde geändert.").is_visible()
    assert (
        "vom 22.04.2027: nein, kein Aktualisierungsbedarf" in page.locator("#bisher").inner_text()
    )
    assert _answer(april, "spd") == (False, None)
    fits(page, april, 390, "survey-link-changed")


@pytest.mark.parametrize("width", [1366, 320])
def test_a_tampered_link_opens_a_german_page_and_writes_nothing(
    april: Site, page, width: int
) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    link = _link(april, "fdp")
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    before = row_counts(april.engine)
    response = page.goto(tampered)
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Dieser Link ist ungültig"
    assert "Controlling" in page.get_by_role("alert").inner_text()
    after = row_counts(april.engine)
    assert after["survey_answer"] == before["survey_answer"]
    assert after["audit_event"] == before["audit_event"] + 1  # the attempt, nothing else
    fits(page, april, width, "survey-link-tampered")


def test_after_the_last_day_the_link_says_the_survey_is_over(april: Site, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 320, "height": 900})
    link = _link(april, "afd")
    april.clock.at = _at(4, 30, 22)  # the last evening
    page.goto(link)
    page.get_by_label("nein, kein Aktualisierungsbedarf").check()
    april.clock.at = _at(5, 1, 0).add(minutes=1)  # sent after midnight: the survey is over
    page.get_by_role("button", name="Antwort absenden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Die Befragung ist abgeschlossen"
    assert "Frist: 30.04.2027" in page.get_by_role("alert").inner_text()
    assert _answer(april, "afd") is None
    response = page.goto(link)
    assert response.status == 410
    fits(page, april, 320, "survey-link-closed")
