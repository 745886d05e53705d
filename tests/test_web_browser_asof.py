"""The overview as of an earlier day in a real browser: chosen with the date field, a banner
says it is a past view, nothing to decide, and it fits 1366 and 320 px (axe-core)."""

from __future__ import annotations

from tests.test_web_browser import Site, fits, log_in
from tests.test_web_browser import page as page  # noqa: F401  (the fixtures)
from tests.test_web_browser import site as site  # noqa: F401


def test_the_overview_as_of_an_earlier_day_fits_and_is_read_only(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, site, "controlling")
    assert "frühere Ansicht" not in page.inner_text("main")
    page.get_by_label("Stand an einem Tag anzeigen").fill("2027-03-01")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cycles/2027?on=2027-03-01")
    banner = page.locator("main .as-of-banner")
    assert banner.inner_text().startswith("Stand am 01.03.2027 – frühere Ansicht, nur zum Lesen.")
    assert page.locator("main form[method=post]").count() == 0
    assert page.get_by_label("Stand an einem Tag anzeigen").input_value() == "2027-03-01"

    page.set_viewport_size({"width": 1366, "height": 900})
    fits(page, site, 1366, "overview-asof")
    page.set_viewport_size({"width": 320, "height": 800})
    fits(page, site, 320, "overview-asof")  # tests/artifacts/overview-asof-320.png

    # a link on the page stays on that day; "Zum heutigen Stand" leaves it
    page.get_by_role("link", name="Protokoll der Änderungen").first.click()
    assert page.url.endswith("/cycles/2027/audit?on=2027-03-01")
    assert "Stand am 01.03.2027" in page.inner_text("main")
    page.get_by_role("link", name="Zum heutigen Stand").click()
    assert page.url.endswith("/cycles/2027/audit")
    assert "frühere Ansicht" not in page.inner_text("main")
