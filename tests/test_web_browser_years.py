"""The pages across the cycle years in Chromium at 1366 and 320 px: a key figure, a
priority and the strategy's timeline after a resolution fit the screen (tables scroll in
their own box), pass axe-core, and their screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
import pytest

from tests.test_web_browser import Site, fits, log_in, open_page
from tests.test_web_browser import site as browser_site  # noqa: F401  (the fixture)
from tests.test_web_years import resolve_in

PAGES = {
    "/figures/pv-leistung": "Installierte Photovoltaik-Leistung auf Kreisgebäuden",
    "/priorities/klima-biodiversitaet.1": "Klima & Biodiversität, Schwerpunkt 1",
    "/strategy": "Versionen der Strategie – Landkreis Lörrach",
}


@pytest.fixture(scope="module")
def years_site(browser_site: Site) -> Iterator[Site]:  # noqa: F811
    """This module's own site, after the resolution of tests.test_web_years, on 1 August
    2027."""
    resolve_in(browser_site.engine)
    browser_site.clock.at = pendulum.datetime(2027, 8, 1, 10, tz="Europe/Berlin")
    yield browser_site


@pytest.fixture
def page(years_site: Site):  # type: ignore[no-untyped-def]
    page = open_page(years_site)
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


@pytest.mark.parametrize("width", [1366, 320])
def test_the_pages_across_the_years_fit_and_pass_axe(  # type: ignore[no-untyped-def]
    years_site: Site, page, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, years_site, "controlling")
    for path, heading in PAGES.items():
        response = page.goto(f"{years_site.url}{path}")
        assert response.status == 200, path
        assert page.get_by_role("heading", level=1).inner_text() == heading
        fits(page, years_site, width, "years-" + (path.strip("/").split("/")[0]))
    # the timeline says what was struck and inserted in words, not by colour alone
    struck = page.locator("del").filter(has_text="Energienutzung").first
    assert struck.inner_text().startswith("gestrichen:")
    assert page.locator("ins", has_text="2035 auf netto null").first.is_visible()
    # from the timeline to a priority, from there to its figure
    page.get_by_role("link", name="Schwerpunkt 1").first.click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == PAGES["/priorities/klima-biodiversitaet.1"]
    )
    page.get_by_role("link", name="Installierte Photovoltaik-Leistung auf Kreisgebäuden").click()
    chart = page.get_by_role("img", name="Verlauf der Ist-Werte", exact=False)
    assert "2025: 2.050" in (chart.get_attribute("aria-label") or "")
