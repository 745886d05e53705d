"""The session form's new kinds of change in a real Chromium, without JavaScript of our own:
a principle, a renamed field, a moved and a ranked priority, a key position and its year;
a row's mistake keeps what was typed; the resolution's preview and /strategy then show each
kind with its German label (axe and 390 px; screenshots in tests/artifacts/)."""

from __future__ import annotations

from tests.test_web_browser import Site, check_accessibility, fits, log_in
from tests.test_web_browser import page as page  # noqa: F401  (the fixture)
from tests.test_web_browser import site as site  # noqa: F401  (the fixture)
from tests.test_web_browser_admin import SESSION_FORM, convene_as_admin, in_may

PRINCIPLE = "Der Landkreis handelt generationengerecht."


def test_the_new_kinds_are_recorded_resolved_and_shown(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    with in_may(site):
        _record_and_resolve(site, page)


def _record_and_resolve(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    convene_as_admin(site, page, "Fortschreibung der Strategie")

    form = page.get_by_role("region", name=SESSION_FORM)
    form.get_by_label("Sitzungstag").fill("2027-05-20")
    for _ in range(3):  # six rows
        form.get_by_role("button", name="Weitere Zeile").click()
        form = page.get_by_role("region", name=SESSION_FORM)
    kind = form.get_by_label("Art der Änderung")
    field = form.get_by_label("Handlungsfeld (beim Hinzufügen, Verschieben, bei Leitgedanken)")
    priority = form.get_by_label("Schwerpunkt (beim Ändern, Verschieben, Einreihen oder Streichen)")
    number = form.get_by_label("Nummer (Leitsatz, Leitgedanke) oder Haushaltsjahr")
    rank = form.get_by_label("Stelle im Handlungsfeld (beim Einreihen)")
    name = form.get_by_label("Name des Handlungsfelds (beim Hinzufügen oder Umbenennen)")
    product = form.get_by_label("Produkt der Schlüsselposition (Nummer wie 11.20.04)")
    text = form.get_by_label("Text (neuer Wortlaut; bei Schlüsselpositionen die Begründung)")
    kind.nth(0).select_option(label="Leitsatz hinzufügen")
    text.nth(0).fill(PRINCIPLE)
    kind.nth(1).select_option(label="Handlungsfeld umbenennen")
    field.nth(1).select_option(label="Bildung")
    name.nth(1).fill("Bildung und Schulen")
    kind.nth(2).select_option(label="Schwerpunkt neu einreihen")
    priority.nth(2).select_option(value="mobilitaet.3")  # chosen by name, posted by key
    rank.nth(2).fill("1")
    kind.nth(3).select_option(label="Schwerpunkt verschieben")
    priority.nth(3).select_option(value="bildung.1")
    field.nth(3).select_option(label="Digitale Verwaltung")
    kind.nth(4).select_option(label="Schlüsselposition ändern")
    product.nth(4).fill("11.20.04")
    text.nth(4).fill("Digitale Verwaltung und E-Government")
    kind.nth(5).select_option(label="Jahr der Schlüsselpositionen festlegen")
    number.nth(5).fill("20x8")  # a mistake: kept, told beside its input

    form.get_by_role("button", name="Sitzung festhalten").click()
    alert = page.get_by_role("alert")
    said = "Zeile 6: Das Jahr muss eine ganze Zahl von 2000 bis 2199 sein."
    assert said in alert.inner_text()
    form = page.get_by_role("region", name=SESSION_FORM)
    number = form.get_by_label("Nummer (Leitsatz, Leitgedanke) oder Haushaltsjahr")
    assert number.nth(5).get_attribute("aria-invalid") == "true"
    assert number.nth(5).input_value() == "20x8"
    name = form.get_by_label("Name des Handlungsfelds (beim Hinzufügen oder Umbenennen)")
    assert name.nth(1).input_value() == "Bildung und Schulen"
    fits(page, site, 390, "admin-change-kinds-error")

    number.nth(5).fill("2028")
    form.get_by_role("button", name="Sitzung festhalten").click()
    assert "Festgehalten" in page.get_by_role("status").inner_text()

    site.clock.at = site.clock.at.replace(month=7, day=22)
    page.context.clear_cookies()
    log_in(page, site, "verwaltung")
    page.goto(f"{site.url}/admin")
    resolution = page.get_by_role("region", name="Beschluss des Kreistags festhalten", exact=True)
    resolution.get_by_label("Tag des Beschlusses").fill("2027-07-21")
    resolution.get_by_label("Beschlussnummer").fill("KT/2027/070")
    resolution.get_by_role("button", name="Prüfen").click()
    shown = page.inner_text("main")
    for words in (
        PRINCIPLE,
        "umbenannt",
        "Bildung und Schulen",
        "neu eingereiht",
        "verschoben",
        "Schlüsselposition 11.20.04",
        "Jahr der Schlüsselpositionen",
    ):
        assert words in shown, words
    fits(page, site, 390, "admin-change-kinds-preview")
    page.get_by_role("button", name="Bestätigen und festhalten").click()
    assert "Beschluss KT/2027/070 festgehalten" in page.get_by_role("status").inner_text()

    page.goto(f"{site.url}/strategy")
    shown = page.inner_text("main")
    for words in (
        "neu: Leitsatz 10",
        "umbenannt: Bildung und Schulen, Handlungsfeld",
        "neu eingereiht: Mobilität, Schwerpunkt 1",
        "verschoben: Digitale Verwaltung, Schwerpunkt 5",
        "geändert: Schlüsselposition 11.20.04",
        "geändert: Jahr der Schlüsselpositionen",
    ):
        assert words in shown, words
    check_accessibility(page, site.axe)
    fits(page, site, 390, "strategy-change-kinds")
