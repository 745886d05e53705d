"""The review screens of a partial budget report and of a Teilhaushalt's plan in Chromium at
1366, 390 and 320 px: they fit the screen (tables become cards), pass axe-core, and their
screenshots go to tests/artifacts/. A world of its own: Umwelt's report and its plan of
Teilhaushalt 8 wait for review (the shared site stays on 16 March 2027)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlmodel import select

from models.accounts import UserAccount
from models.body import Body
from models.commands import SubmitPartialReport, SubmitPlan
from models.db import session_scope
from models.planning import BudgetCeiling
from services.commands import handle
from services.planning import find_thh
from tests.conftest import NOW
from tests.test_web_browser import Site, fits, log_in, open_page, serve
from tests.test_web_browser import site as browser_site  # noqa: F401  (the fixture)
from tests.test_web_delivery_reviews import PLAN, REPORT, TEXTS
from tests.webworld import Clock, RecordingFlows

SCREENS = {  # path: (heading, screenshot's name)
    REPORT: ("Teilhaushaltsbericht prüfen: Fachbereich Umwelt", "review-partial-report"),
    PLAN: ("Planung prüfen: Teilhaushalt 8 Umwelt", "review-plan"),
}


@pytest.fixture(scope="module")
def reviews_site(
    browser_site: Site,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    """A second Lörrach in July 2027: Umwelt's partial budget report (typed in March) and
    its plan of Teilhaushalt 8 (over a ceiling of 1.000.000 €) wait for review."""
    from models.db import make_engine, upgrade_to_head
    from tests.conftest import LOERRACH, install
    from tests.planning_world import filled, open_planning, template
    from tests.test_partial_report import MARCH, prepare
    from tests.webworld import build_world

    url = f"sqlite:///{tmp_path_factory.mktemp('reviews') / 'kreislauf.db'}"
    engine = make_engine(url, create=True)
    upgrade_to_head(engine)
    body = install(engine, LOERRACH)
    build_world(engine)
    prepare(engine, body)  # money, a red figure, thresholds the deviation exceeds
    with session_scope(engine) as session:
        body = session.exec(select(Body)).one()
        user = session.exec(select(UserAccount).where(UserAccount.username == "umwelt")).one()
        user.display_name = "Erika Grün"
        handle(
            SubmitPartialReport(2027, "umwelt", texts=tuple(TEXTS.items())),
            session=session,
            body=body,
            now=MARCH,
            actor="web:umwelt",
        )
        thh = find_thh(session=session, body=body, number="8")
        session.add(
            BudgetCeiling(
                body_id=body.id,
                partial_budget_id=thh.id,
                year=2028,
                net=Decimal("1000000"),
                file_name="erlass.csv",
                imported_at=NOW,
                actor="test",
            )
        )
    at = open_planning(engine, body)
    plan = filled(
        template(engine, body, "8"), group="56.10", justification="Neue Stelle Klimaberatung"
    )
    with session_scope(engine) as session:
        body = session.exec(select(Body)).one()
        command = SubmitPlan(2027, "umwelt", "planung-thh8.xlsx", plan)
        handle(command, session=session, body=body, now=at, actor="web:umwelt")
    clock, flows = Clock(at), RecordingFlows()
    with serve(url, clock, flows) as address:
        yield Site(address, engine, clock, flows, browser_site.browser, browser_site.axe)
    engine.dispose()


@pytest.fixture
def page(reviews_site: Site):  # type: ignore[no-untyped-def]
    page = open_page(reviews_site)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    page.context.close()
    assert violations == [], violations


@pytest.mark.parametrize("width", [1366, 390, 320])
def test_the_review_screens_fit_and_pass_axe(  # type: ignore[no-untyped-def]
    reviews_site: Site, page, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, reviews_site, "controlling")
    for path, (heading, name) in SCREENS.items():
        response = page.goto(f"{reviews_site.url}{path}")
        assert response.status == 200, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        assert page.get_by_label("Ich habe").is_visible()
        fits(page, reviews_site, width, name)


def test_a_decision_without_the_confirmation_is_kept_for_the_reviewer(  # type: ignore[no-untyped-def]
    reviews_site: Site, page
) -> None:
    """The browser itself asks for the confirmation (required); the form keeps its place."""
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(page, reviews_site, "controlling")
    page.goto(f"{reviews_site.url}{PLAN}")
    page.get_by_label("zurückgeben").check()
    page.get_by_label("Kommentar").fill("Ziel für 55.40 ergänzen")
    page.get_by_role("button", name="Prüfung festhalten").click()
    assert page.url.endswith(PLAN)  # not sent: the checkbox is required
    assert page.evaluate("document.querySelector('input[name=checked]').validity.valueMissing")
