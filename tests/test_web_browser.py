"""The web dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright)
against a real uvicorn on a loopback port, standing at 16 March 2027.

Every page visited is scanned with axe-core (from the npm registry; `.ci/run` installs it
into .ci/axe): no serious or critical violation. The overview's screenshot is saved to
tests/artifacts/, and so are those of the money pages at 1366 and 320 px. Without chromium
or axe-core these tests are skipped locally and fail in CI.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import LOERRACH, install, row_counts
from tests.money_data import insert_budget_lines
from tests.webworld import FILLED, PASSWORD, Clock, RecordingFlows, build_world, fill

CHROMIUM = Path("/usr/bin/chromium")
NBSP = "\u00a0"  # between a number and its unit ("25 Tage"), so they never part
ROOT = Path(__file__).parent.parent
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE_CANDIDATES = [
    Path(os.environ.get("KREISLAUF_AXE_JS", "/nonexistent")),
    ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js",
]


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} fehlt in CI (siehe .ci/run)")
    pytest.skip(f"{what} fehlt: apt-get install chromium; npm install --prefix .ci/axe axe-core@4")


def axe_source() -> str:
    for candidate in AXE_CANDIDATES:
        if candidate.is_file():
            return candidate.read_text()
    _missing("axe-core (axe.min.js)")
    raise AssertionError  # unreachable


@dataclass
class Site:
    url: str
    engine: sa.Engine
    clock: Clock
    flows: RecordingFlows
    browser: object
    axe: str


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(url: str, clock: Clock, flows: RecordingFlows) -> Iterator[str]:
    """The app on a real uvicorn at a free loopback port, for as long as the block runs."""
    import uvicorn

    from web.app import create_app
    from web.settings import WebSettings

    app = create_app(WebSettings(database_url=url), clock=clock, flows=flows)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if not CHROMIUM.exists():
        _missing("Chromium (/usr/bin/chromium)")
    axe = axe_source()
    from playwright.sync_api import sync_playwright

    from models.db import make_engine, upgrade_to_head

    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'kreislauf.db'}"
    engine = make_engine(url, create=True)
    upgrade_to_head(engine)
    body = install(engine, LOERRACH)
    insert_budget_lines(engine, body)  # the money pages have something to show
    build_world(engine)
    clock, flows = Clock(), RecordingFlows()
    with serve(url, clock, flows) as address, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield Site(address, engine, clock, flows, browser, axe)
        finally:
            browser.close()
            engine.dispose()


def open_page(site: Site):  # type: ignore[no-untyped-def]
    """A page in a new browser context; axe-core comes in as an init script (outside the
    pages' Content-Security-Policy, which refuses inline scripts)."""
    context = site.browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.add_init_script(site.axe)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def page(site: Site):  # type: ignore[no-untyped-def]
    page = open_page(site)
    context = page.context
    violations: list[str] = []  # every CSP violation the pages cause fails the test
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert violations == [], violations


def check_accessibility(page, axe: str) -> None:  # type: ignore[no-untyped-def]
    """axe-core on the page as it stands: no serious or critical violation."""
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


def log_in(page, site: Site, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/")
    assert page.title() == "Anmelden – kreislauf"
    check_accessibility(page, site.axe)
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_label("Passwort").press("Enter")  # the keyboard submits the form
    page.wait_for_load_state()


def test_controlling_sees_an_overdue_department(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.url}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Zum Inhalt springen"
    log_in(page, site, "controlling")
    overdue = page.get_by_role("region", name="Verzug")
    # ten late: folded to one line with the counts, opened with a click
    assert "10 Stellen im Verzug · 10 Aufgaben überfällig, bis zu 25 Tage" in (
        overdue.inner_text().replace(NBSP, " ")
    )
    assert "Fachbereich Umwelt" not in overdue.inner_text()
    overdue.get_by_text("10 Stellen im Verzug").click()
    assert "Fachbereich Umwelt" in overdue.inner_text()
    assert "1 Aufgabe überfällig (25 Tage)" in overdue.inner_text().replace(NBSP, " ")
    assert "Heute: Dienstag, 16.03.2027" in page.inner_text("main")
    check_accessibility(page, site.axe)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "overview-2027-03-16.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"\nScreenshot der Übersicht: {shot}")

    page.get_by_label("Stand", exact=True).select_option(label="überfällig")
    page.get_by_label("Zuständig", exact=True).select_option(label="Fachbereich Umwelt")
    page.get_by_role("button", name="Filtern").click()
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 1
    assert "überfällig" in rows.first.inner_text()
    page.get_by_role("link", name="fällig", exact=True).first.click()
    assert page.locator("th[aria-sort]").inner_text().startswith("fällig")

    page.get_by_role("link", name="Fachbereich Umwelt").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Fachbereich Umwelt: Aufgaben 2027"
    check_accessibility(page, site.axe)
    with page.expect_download() as download:
        page.goto(f"{site.url}/cycles/2027")
        page.get_by_role("link", name="Fristen als Kalender (.ics)").click()
    assert download.value.suggested_filename == "fristen-2027.ics"


def test_a_department_uploads_a_workbook_with_an_error_then_a_good_one(
    site: Site,
    page,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    log_in(page, site, "umwelt")
    assert page.get_by_role("heading", level=1).inner_text() == "Fachbereich Umwelt: Aufgaben 2027"
    assert "überfällig" in page.get_by_role("region", name="Aufgaben und Fristen").inner_text()
    check_accessibility(page, site.axe)
    with page.expect_download() as download:
        page.get_by_role("link", name="Vorlage herunterladen (.xlsx)").click()
    template = Path(download.value.path()).read_bytes()

    bad = tmp_path / "umwelt.xlsx"
    bad.write_bytes(fill(template, {**FILLED, "klimaberatungen": "etwa tausend"}))
    before = row_counts(site.engine)
    page.get_by_label("Ausgefüllte Vorlage (.xlsx oder .csv)").set_input_files(str(bad))
    page.get_by_role("button", name="Meldung einreichen").click()
    alert = page.get_by_role("alert").inner_text()
    assert "umwelt.xlsx wurde nicht übernommen (1 Problem); nichts wurde gespeichert:" in alert
    assert "Kennzahlen Zeile 5, Spalte F (Ist 2026): „etwa tausend“ ist keine Zahl" in alert
    assert row_counts(site.engine) == before
    check_accessibility(page, site.axe)

    good = tmp_path / "umwelt-korrigiert.xlsx"
    good.write_bytes(fill(template, FILLED))
    page.get_by_label("Ausgefüllte Vorlage (.xlsx oder .csv)").set_input_files(str(good))
    page.get_by_role("button", name="Meldung einreichen").click()
    status = page.get_by_role("status").inner_text()
    assert "Meldung 2027 eingereicht (Versuch 1). Das Controlling prüft sie." in status
    delivery = page.get_by_role("region", name="Meldung der Kennzahlen 2027 (Berichtsjahr 2026)")
    assert "eingereicht" in delivery.inner_text()
    check_accessibility(page, site.axe)

    # the controlling office returns it with a reason; the department sees why
    controlling = open_page(site)
    log_in(controlling, site, "controlling")
    controlling.goto(f"{site.url}/cycles/2027/departments/umwelt")
    controlling.get_by_role("link", name="Gemeldete Werte prüfen").click()  # the review screen
    for width in (1366, 390):  # the values in view at both sizes; screenshots to look at
        controlling.set_viewport_size({"width": width, "height": 900})
        fits(controlling, site, width, "review-figures")
    controlling.get_by_label("zurückgeben").check()
    controlling.get_by_label("Kommentar (bei Rückgabe: was ist zu ändern?)").fill(
        "Die Ausgleichsflächen bitte mit Quelle belegen."
    )
    controlling.get_by_label("Ich habe die Werte geprüft").check()
    controlling.get_by_role("button", name="Prüfung festhalten").click()
    assert "Meldung 2027 zurückgegeben." in controlling.get_by_role("status").inner_text()
    controlling.context.close()
    page.reload()
    delivery = page.get_by_role("region", name="Meldung der Kennzahlen 2027 (Berichtsjahr 2026)")
    assert "zurückgegeben" in delivery.inner_text()
    assert (
        "Begründung des Controllings: Die Ausgleichsflächen bitte mit Quelle belegen."
        in delivery.inner_text()
    )


def test_admin_convenes_the_forum(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    log_in(page, site, "verwaltung")
    page.get_by_role("link", name="Verwaltung").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Verwaltung – Landkreis Lörrach"
    check_accessibility(page, site.axe)
    form = page.get_by_role("region", name="Forum bzw. Klausurtagung einberufen")
    form.get_by_role("button", name="Einberufen").click()  # the browser asks for the reason
    assert page.evaluate("document.activeElement.id") == "convene-reason"
    form.get_by_label("Anlass").fill("Neue Klimaschutzvorgaben des Landes")
    form.get_by_role("button", name="Einberufen").click()
    status = page.get_by_role("status")
    assert "Forum Zukunftsstrategie einberufen: Neue Klimaschutzvorgaben des Landes" in (
        status.inner_text()
    )
    assert ("forum", "loerrach", 2027) in site.flows.started
    check_accessibility(page, site.axe)

    form = page.get_by_role("region", name="Forum bzw. Klausurtagung einberufen")
    form.get_by_label("Anlass").fill("Noch einmal")
    form.get_by_role("button", name="Einberufen").click()
    assert "ist bereits einberufen" in page.get_by_role("alert").inner_text()
    check_accessibility(page, site.axe)

    page.goto(f"{site.url}/cycles/2027")
    assert "Forum Zukunftsstrategie: einberufen (Einberufung durch die Verwaltung: Neue" in (
        page.get_by_role("region", name="Entscheidungen").inner_text()
    )


@pytest.mark.parametrize("username", ["controlling", "umwelt"])
def test_each_role_is_refused_what_it_may_not_do(site: Site, page, username: str) -> None:  # type: ignore[no-untyped-def]
    log_in(page, site, username)
    before = row_counts(site.engine)
    refused = ["/admin"]
    if username == "umwelt":
        refused += ["/cycles/2027", "/cycles/2027/money", "/cycles/2027/departments/soziales"]
    for path in refused:
        response = page.goto(f"{site.url}{path}")
        assert response.status == 403, path
        assert page.get_by_role("heading", level=1).inner_text() == "Kein Zugriff"
        check_accessibility(page, site.axe)
    # a form posted from this session to an admin action: 403, nothing changes
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(
        f"{site.url}/admin/cycles", form={"year": "2031", "csrf_token": token}
    )
    assert response.status == 403
    assert page.request.get(f"{site.url}/api/cycles").ok
    assert row_counts(site.engine) == before


def test_the_api_without_a_session_answers_401(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    response = page.request.get(f"{site.url}/api/cycles/2027/tasks")
    assert response.status == 401


MONEY_PAGES = {
    "controlling": [
        "/cycles/2027/money",
        "/cycles/2027/groups/54.20",
        "/cycles/2027/departments/umwelt",  # with the controlling's review forms
    ],
    "umwelt": ["/cycles/2027/groups/56.10", "/cycles/2027/departments/umwelt"],
}
# pages that show money beside content not laid out for 320 px here: axe and a screenshot,
# no width check (the overview's timeline and task tables are wider)
MONEY_BESIDE: dict[str, list[str]] = {"controlling": ["/cycles/2027"], "umwelt": []}


@pytest.mark.parametrize("width", [1366, 320])
@pytest.mark.parametrize("username", ["controlling", "umwelt"])
def test_the_money_pages_fit_a_narrow_screen_and_pass_axe(  # type: ignore[no-untyped-def]
    site: Site, page, username: str, width: int
) -> None:
    """Strategie und Geld, the group profiles and the department pages at 1366 and 320 px:
    the page never gets wider than the screen (WCAG 1.4.10: tables of figures scroll inside
    their labelled region, task and plan tables become cards), axe finds nothing serious;
    a screenshot of each goes to tests/artifacts/."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site, username)
    ARTIFACTS.mkdir(exist_ok=True)
    for path in MONEY_PAGES[username] + MONEY_BESIDE[username]:
        response = page.goto(f"{site.url}{path}")
        assert response.status == 200, path
        check_accessibility(page, site.axe)
        wide = page.evaluate("document.documentElement.scrollWidth")
        if path in MONEY_PAGES[username]:
            assert wide <= width, path
        else:
            print(f"\n{path} bei {width} px: {wide} px breit")
        name = path.strip("/").replace("/", "-")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{username}-{width}.png"), full_page=True)
    if username == "controlling":
        page.goto(f"{site.url}/cycles/2027/money")
        page.get_by_role("link", name="54.20 Kreisstraßen").first.click()
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Produktgruppe 54.20 Kreisstraßen"
        )
        chart = page.get_by_role("img", name="Zuschussbedarf je Jahr", exact=False)
        assert "2026: 9.100.000" in chart.get_attribute("aria-label")
    else:
        response = page.goto(f"{site.url}/cycles/2027/groups/54.20")
        assert response.status == 404
        check_accessibility(page, site.axe)


def fits(page, site: Site, width: int, name: str) -> None:  # type: ignore[no-untyped-def]
    """The page at `width` px: no wider than the screen, nothing serious for axe; its
    screenshot goes to tests/artifacts/."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    check_accessibility(page, site.axe)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


def test_login_admin_and_api_docs_fit_320_px(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """Login, the administration's forms and the API's endpoints on a 320 px phone: the
    fields fit their column, the endpoints are one card each."""
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{site.url}/login")
    fits(page, site, 320, "login")
    log_in(page, site, "verwaltung")
    page.goto(f"{site.url}/admin")
    fits(page, site, 320, "admin")
    field = page.get_by_label("Anlass")
    box = field.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    page.goto(f"{site.url}/api/docs")
    fits(page, site, 320, "api-docs")
    method, path = page.locator("table.cards tbody tr").first.locator("td").all()[:2]
    above, below = method.bounding_box(), path.bounding_box()
    assert above is not None and below is not None
    assert below["y"] >= above["y"] + above["height"]  # a card: one cell under the other


@pytest.fixture(scope="module")
def budget_site(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A second Lörrach whose plans are all accepted, on 10 January 2028: the budget
    resolution can be recorded (the first world stays on 16 March 2027)."""
    from models.db import make_engine, upgrade_to_head
    from tests.test_budget_resolution import at, to_budget_phase

    url = f"sqlite:///{tmp_path_factory.mktemp('budget') / 'kreislauf.db'}"
    engine = make_engine(url, create=True)
    upgrade_to_head(engine)
    body = install(engine, LOERRACH)
    build_world(engine)
    to_budget_phase(engine, body, create=False)
    clock, flows = Clock(at(1, 10, year=2028)), RecordingFlows()
    with serve(url, clock, flows) as address:
        yield Site(address, engine, clock, flows, site.browser, site.axe)
    engine.dispose()


def test_the_budget_resolution_preview_fits_320_px(budget_site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """The last look before the budget resolution is recorded, on a phone: each change is
    a card with its amounts and reason."""
    page.set_viewport_size({"width": 320, "height": 800})
    log_in(page, budget_site, "verwaltung")
    page.goto(f"{budget_site.url}/admin")
    form = page.get_by_role("region", name="Haushaltsbeschluss des Kreistags festhalten")
    form.get_by_label("Beschlussnummer").fill("HH/2027/012")
    form.get_by_label("Tag des Beschlusses").fill("2027-12-15")
    form.get_by_label("Produktgruppe").first.fill("11.20")
    form.get_by_label("Aufwendungen: Änderung in Euro").first.fill("50.000,00")
    form.get_by_label("Begründung").first.fill("Digitale Bürgerdienste für den ganzen Landkreis")
    form.get_by_role("button", name="Prüfen").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Bitte prüfen: Haushaltsbeschluss Nr. HH/2027/012")
    fits(page, budget_site, 320, "budget-resolution-preview")
    card = page.locator("table.cards tbody tr").first
    change = card.inner_text().replace(NBSP, " ")
    assert "+50.000,00 €" in change and "Digitale Bürgerdienste" in change
    box = card.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 320  # the reason is on screen


def test_the_department_page_prints_without_navigation(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """Printed (print media, A4), the department page is its content: no navigation, no
    forms or buttons, the table header repeats on every page; the PDF goes to
    tests/artifacts/."""
    log_in(page, site, "umwelt")
    page.goto(f"{site.url}/cycles/2027/departments/umwelt")
    assert page.get_by_role("navigation", name="Hauptnavigation").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Hauptnavigation").is_visible()
    assert not page.get_by_role("button", name="Abmelden").is_visible()
    assert not page.get_by_role("button", name="Meldung einreichen").is_visible()
    assert page.get_by_role("heading", level=1).is_visible()
    header = page.evaluate("getComputedStyle(document.querySelector('table.tasks thead')).display")
    assert header == "table-header-group"
    ARTIFACTS.mkdir(exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "department-umwelt-print.pdf"), prefer_css_page_size=True)
    page.screenshot(path=str(ARTIFACTS / "department-umwelt-print.png"), full_page=True)


# the controlling office's overview and the pages it links to (issue 14)
OVERVIEW_PAGES = ["/cycles/2027", "/cycles/2027/audit", "/cycles/2027/messages"]


@pytest.mark.parametrize("width", [1366, 320])
def test_the_overview_and_the_audit_fit_a_narrow_screen_and_pass_axe(  # type: ignore[no-untyped-def]
    site: Site, page, width: int
) -> None:
    """The overview (counts, review queue, matrix, tasks by phase) and the audit and
    messages pages: no serious axe violation and never wider than the screen, at 1366 and
    320 px; the matrix scrolls inside its own box."""
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, site, "controlling")
    for path in OVERVIEW_PAGES:
        response = page.goto(f"{site.url}{path}")
        assert response.status == 200, path
        check_accessibility(page, site.axe)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
    page.goto(f"{site.url}/cycles/2027")
    matrix = page.get_by_role("table", name="Stand jeder Aufgabe je Fachbereich", exact=False)
    assert "Fachbereich Umwelt" in matrix.inner_text()
    assert page.locator("details.phase-group:not([open])").count() >= 1  # phases to come
    page.get_by_role("link", name="Protokoll der Änderungen").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Protokoll der Änderungen")
    page.get_by_label("Suchbegriff").fill("eröffnet")
    page.get_by_label("Suchbegriff").press("Enter")
    assert "Aufgabe eröffnet" in page.get_by_role("table").inner_text()
    check_accessibility(page, site.axe)
    with page.expect_download() as download:
        page.get_by_role("link", name="Protokoll als CSV herunterladen (gefiltert)").click()
    assert download.value.suggested_filename == "protokoll-2027.csv"


def test_screenshots_of_the_overview(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """For people to look at: the overview at 1366 and 390 px in tests/artifacts/."""
    log_in(page, site, "controlling")
    ARTIFACTS.mkdir(exist_ok=True)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{site.url}/cycles/2027")
        fits(page, site, width, "overview")  # no wider than the screen, nothing for axe
