"""The admin page's forms in a real Chromium, per role: the administration fills the
structured change set (kinds, fields of action and priorities chosen from lists by name),
adds a row, sees a row's mistake beside its field, records the session and confirms the
council's resolution after "Bitte prüfen"; the controlling office and a department get the
German refusal. The page fits 1366, 390 and 320 px (axe, width; screenshots admin-<width>.png
in tests/artifacts/)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import row_counts
from tests.test_web_browser import Site, check_accessibility, fits, log_in
from tests.test_web_browser import page as page  # noqa: F401  (the fixture)
from tests.test_web_browser import site as site  # noqa: F401  (the fixture)

SESSION_FORM = "Sitzung und vereinbarte Änderungen festhalten"
NEW_TEXT = "Der Landkreis wird bis 2035 klimaneutral."


@pytest.mark.parametrize("width", [1366, 390, 320])
def test_the_admin_page_fits_and_passes_axe(site: Site, page, width: int) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site, "verwaltung")
    response = page.goto(f"{site.url}/admin")
    assert response.status == 200
    form = page.get_by_role("region", name=SESSION_FORM)
    assert form.get_by_label("Art der Änderung").count() == 3
    for name in (
        "Art der Änderung",
        "Schwerpunkt (beim Ändern, Verschieben, Einreihen oder Streichen)",
    ):
        box = form.get_by_label(name).first.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, name
    fits(page, site, width, "admin")


@pytest.mark.parametrize("username", ["controlling", "umwelt"])
def test_other_roles_are_refused_the_admin_page(site: Site, page, username: str) -> None:  # type: ignore[no-untyped-def]
    """No faction leader logs in (the administration records their survey answers)."""
    log_in(page, site, username)
    before = row_counts(site.engine)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.goto(f"{site.url}/admin")
    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Kein Zugriff"
    assert "Dafür fehlt Ihnen die Berechtigung." in page.inner_text("main")
    assert page.get_by_role("region", name=SESSION_FORM).count() == 0
    check_accessibility(page, site.axe)
    for path in ("/admin/session", "/admin/session/rows"):
        posted = page.request.post(
            f"{site.url}{path}",
            form={
                "year": "2027",
                "held_on": "2027-05-20",
                "action": "remove_priority",
                "priority": "mobilitaet.3",
                "csrf_token": token,
            },
        )
        assert posted.status == 403, path
    assert row_counts(site.engine) == before


def test_admin_records_a_structured_change_set_and_confirms_the_resolution(  # type: ignore[no-untyped-def]
    site: Site, page
) -> None:
    """Last in this file: it moves the world to May and July and makes strategy version 2."""
    with in_may(site):
        _record_and_resolve(site, page)


@contextmanager
def in_may(site: Site) -> Iterator[None]:
    """The world's clock on 21 May 2027, the day after the session; set back afterwards."""
    start = site.clock.at
    site.clock.at = start.replace(month=5, day=21)
    try:
        yield
    finally:
        site.clock.at = start


def convene_as_admin(site: Site, page, reason: str) -> None:  # type: ignore[no-untyped-def]
    """The administration, on a phone's width, convenes the session on its admin page."""
    page.set_viewport_size({"width": 390, "height": 900})
    log_in(page, site, "verwaltung")
    page.goto(f"{site.url}/admin")
    convene = page.get_by_role("region", name="Forum bzw. Klausurtagung einberufen")
    convene.get_by_label("Anlass").fill(reason)
    convene.get_by_role("button", name="Einberufen").click()
    assert "einberufen" in page.get_by_role("status").inner_text()


def _record_and_resolve(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    convene_as_admin(site, page, "Neue Klimaschutzvorgaben des Landes")

    form = page.get_by_role("region", name=SESSION_FORM)
    form.get_by_label("Sitzungstag").fill("2027-05-20")
    form.get_by_label("Zusammenfassung (freiwillig)").fill("Klimaschutz stärken")
    form.get_by_label("Teilnehmende", exact=False).fill("Landrätin\nFraktionsvorsitzende")
    kind = form.get_by_label("Art der Änderung")
    field = form.get_by_label("Handlungsfeld (beim Hinzufügen, Verschieben, bei Leitgedanken)")
    priority = form.get_by_label("Schwerpunkt (beim Ändern, Verschieben, Einreihen oder Streichen)")
    text = form.get_by_label("Text (neuer Wortlaut; bei Schlüsselpositionen die Begründung)")
    kind.nth(0).select_option(label="Schwerpunkt hinzufügen")
    field.nth(0).select_option(label="Klima & Biodiversität")
    text.nth(0).fill(NEW_TEXT)
    kind.nth(1).select_option(label="Schwerpunkt streichen")
    priority.nth(1).select_option(
        label="Schwerpunkt 3: Der Landkreis verbessert den Erhaltungszustand der Kreisstraßen."
    )
    kind.nth(2).select_option(label="Schwerpunkt ändern")
    text.nth(2).fill("Der ÖPNV fährt im Halbstundentakt.")  # the priority is forgotten
    before = row_counts(site.engine)

    form.get_by_role("button", name="Weitere Zeile").click()
    form = page.get_by_role("region", name=SESSION_FORM)
    assert form.get_by_label("Art der Änderung").count() == 4
    assert page.url.endswith("#session-row-3")
    assert form.get_by_label("Sitzungstag").input_value() == "2027-05-20"
    assert form.get_by_label("Text (neuer Wortlaut; bei Schlüsselpositionen die Begründung)").nth(
        0
    ).input_value() == (NEW_TEXT)
    assert row_counts(site.engine) == before

    form.get_by_role("button", name="Sitzung festhalten").click()
    alert = page.get_by_role("alert")
    assert "Zeile 3: Bitte einen Schwerpunkt wählen." in alert.inner_text()
    form = page.get_by_role("region", name=SESSION_FORM)
    missing = form.get_by_label(
        "Schwerpunkt (beim Ändern, Verschieben, Einreihen oder Streichen)"
    ).nth(2)
    assert missing.get_attribute("aria-invalid") == "true"
    described = missing.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == "Zeile 3: Bitte einen Schwerpunkt wählen."
    assert row_counts(site.engine) == before
    fits(page, site, 390, "admin-row-error")

    missing.select_option(
        label="Schwerpunkt 1: Der Landkreis setzt sich für ein attraktives ÖPNV-Angebot ein."
    )
    form.get_by_role("button", name="Sitzung festhalten").click()
    status = page.get_by_role("status").inner_text()
    assert "Festgehalten; die Änderungen gelten erst mit dem Beschluss" in status
    assert "Nächster Schritt: Beschluss des Kreistags festhalten." in page.inner_text("main")
    check_accessibility(page, site.axe)

    site.clock.at = site.clock.at.replace(month=7, day=22)
    page.context.clear_cookies()  # the session of May has long expired
    log_in(page, site, "verwaltung")
    page.goto(f"{site.url}/admin")
    resolution = page.get_by_role("region", name="Beschluss des Kreistags festhalten", exact=True)
    resolution.get_by_label("Tag des Beschlusses").fill("2027-07-21")
    resolution.get_by_label("Beschlussnummer").fill("KT/2027/045")
    resolution.get_by_role("button", name="Prüfen").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Bitte prüfen: Beschluss Nr. KT/2027/045")
    shown = page.inner_text("main")
    assert NEW_TEXT in shown and "Der ÖPNV fährt im Halbstundentakt." in shown
    assert "mobilitaet.3" not in shown and "klima-biodiversitaet" not in shown
    fits(page, site, 390, "admin-resolution-preview")
    page.get_by_role("button", name="Bestätigen und festhalten").click()
    assert "Beschluss KT/2027/045 festgehalten" in page.get_by_role("status").inner_text()
    assert "Strategie Version 4" in page.get_by_role("status").inner_text()
