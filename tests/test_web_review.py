"""The review screen of a submitted figures workbook: the controlling office sees each
submitted value beside target and last year with its light and plausibility hints, the
measures' old and new status, who submitted when, and accepts after confirming the check.
Accepting runs on PostgreSQL too."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from services.review_views import change_pct, plausibility_hints
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import FILLED, FIRST_ROW, csrf_of, fill, visible_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UMWELT = "/cycles/2027/departments/umwelt"
REVIEW = f"{UMWELT}/review"


def submit(web: Web, *, comment: str | None = None, measure: str | None = None) -> None:
    """Fachbereich Umwelt fills its template (optionally a figure comment and one measure's
    new status) and submits it."""
    department = web.login("umwelt")
    data = fill(department.get(f"{UMWELT}/template.xlsx").content, FILLED)
    if comment or measure:
        book = openpyxl.load_workbook(io.BytesIO(data))
        if comment:
            book["Kennzahlen"].cell(row=FIRST_ROW, column=7).value = comment
        if measure:
            sheet = book["Maßnahmen"]
            sheet.cell(row=_first_data_row(sheet), column=4).value = measure
        out = io.BytesIO()
        book.save(out)
        data = out.getvalue()
    done = department.post(
        f"{UMWELT}/submissions",
        data={"csrf_token": form_token(department, UMWELT)},
        files={"workbook": ("umwelt.xlsx", data, XLSX)},
    )
    assert "Meldung 2027 eingereicht" in visible_text(done.text), visible_text(done.text)


def _first_data_row(sheet) -> int:  # type: ignore[no-untyped-def]
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == "Schlüssel":
            return row + 1
    raise AssertionError("no header row on Maßnahmen")


def test_the_screen_shows_each_value_beside_target_and_last_year_with_its_light(
    web: Web,
) -> None:
    submit(web, comment="Zwei große Dachanlagen in Betrieb genommen", measure="umgesetzt")
    controlling = web.login("controlling")
    response = controlling.get(REVIEW)
    assert response.status_code == 200
    html = response.text
    text = visible_text(html)
    assert "Meldung prüfen: Fachbereich Umwelt" in text
    # 2 980 kWp reported against 3 000 (within the 5 % band: yellow), 2 050 the year before:
    # 45,4 % more, worth a second look
    assert (
        "Installierte Photovoltaik-Leistung auf Kreisgebäuden 2.980 kWp 3.000 kWp 2.050 kWp "
        "+45,4 % ▲ knapp verfehlt ⚠ 45,4 % mehr als im Vorjahr "
        "Zwei große Dachanlagen in Betrieb genommen"
    ) in text
    # 1 012 advisories against 1 000: reached, 2,2 % more than 990, no hint
    assert (
        "Energie- und Klimaschutzberatungen für Bürgerinnen und Bürger 1.012 Anzahl "
        "1.000 Anzahl 990 Anzahl +2,2 % ✓ erreicht – –"
    ) in text
    assert "1 Kennzahl hat einen Hinweis zur Plausibilität." in text
    # who submitted when, and the file as it came, to download
    assert "am 16.03.2027 10:00 von umwelt" in text
    assert "umwelt.xlsx herunterladen" in text
    found = re.search(r'href="(/cycles/2027/departments/umwelt/files/figures/\d+)"', html)
    assert found, html
    file_url = found.group(1)
    download = controlling.get(file_url)
    assert download.status_code == 200 and download.headers["content-type"] == XLSX
    assert 'filename="umwelt.xlsx"' in download.headers["content-disposition"]
    sent = openpyxl.load_workbook(io.BytesIO(download.content))
    assert sent["Kennzahlen"].cell(row=FIRST_ROW, column=7).value == (
        "Zwei große Dachanlagen in Betrieb genommen"
    )
    assert web.login("umwelt").get(file_url).status_code == 200  # the department's own
    assert web.login("soziales").get(file_url).status_code == 403  # not another's
    missing = controlling.get(f"{UMWELT}/files/figures/999")
    assert missing.status_code == 404
    assert "Diese Datei gibt es bei Fachbereich Umwelt für 2027 nicht." in visible_text(
        missing.text
    )
    # the measure changed: old and new status
    assert re.search(r"(geplant|in Umsetzung|verschoben) umgesetzt \(geändert\)", text), text
    # accessible: caption, header cells with scope, numbers with units that do not wrap
    assert "<caption" in html and 'scope="col"' in html and 'scope="row"' in html
    assert (
        '<td class="num" data-label="Ist 2026"><span class="num">2.980&nbsp;kWp</span></td>' in html
    )
    assert "Ich habe die Werte geprüft" in text

    # linked from the department page's delivery section and from the overview's queue
    assert f'href="{REVIEW}"' in controlling.get(UMWELT).text
    overview = controlling.get("/cycles/2027").text
    queue = overview[
        overview.index('id="pruefen"') : overview.index(
            "</section>", overview.index('id="pruefen"')
        )
    ]
    assert f'href="{REVIEW}"' in queue


def test_a_department_user_gets_403_and_nothing_submitted_gives_404(web: Web) -> None:
    controlling = web.login("controlling")
    assert controlling.get(REVIEW).status_code == 404  # nothing submitted yet
    submit(web)
    assert web.login("umwelt").get(REVIEW).status_code == 403
    assert web.login("soziales").get(REVIEW).status_code == 403
    assert web.login("verwaltung").get(REVIEW).status_code == 200
    assert controlling.get("/cycles/2027/departments/soziales/review").status_code == 404
    assert controlling.get("/cycles/2027/departments/gibtsnicht/review").status_code == 404


@pytest.mark.both_databases
def test_accept_via_the_screen_needs_the_confirmation_and_then_takes_the_values(
    web: Web,
) -> None:
    submit(web)
    controlling: TestClient = web.login("controlling")
    token = csrf_of(controlling.get(REVIEW).text)

    unconfirmed = controlling.post(
        f"{REVIEW}/decision", data={"csrf_token": token, "decision": "accept", "attempt": "1"}
    )
    assert unconfirmed.status_code == 400
    text = visible_text(unconfirmed.text)
    assert "Bitte bestätigen: „Ich habe die Werte geprüft“." in text
    assert "Meldung prüfen: Fachbereich Umwelt" in text  # the screen again, values in view
    assert 'aria-describedby="fehler-review"' in unconfirmed.text

    accepted = controlling.post(
        f"{REVIEW}/decision",
        data={"csrf_token": token, "decision": "accept", "checked": "yes", "attempt": "1"},
    )
    assert "Meldung 2027 angenommen." in visible_text(accepted.text)
    assert str(accepted.url).endswith(UMWELT)
    figures = {f["key"]: f for f in controlling.get("/api/cycles/2027/figures").json()}
    assert figures["pv-leistung"]["light"] == "yellow"
    assert controlling.get(REVIEW).status_code == 404  # nothing waits any more


def test_a_mistake_keeps_the_typed_comment_and_the_department_page_has_no_shortcut(
    web: Web,
) -> None:
    submit(web)
    controlling = web.login("controlling")
    department_page = controlling.get(UMWELT).text
    # the decision is taken on the screen only, with the values in view
    assert f'action="{REVIEW}/decision"' not in department_page
    assert f'action="{REVIEW}"' not in department_page
    assert f'href="{REVIEW}"' in department_page
    token = csrf_of(controlling.get(REVIEW).text)
    comment = "Bitte die PV-Leistung mit dem Marktstammdatenregister abgleichen."
    unconfirmed = controlling.post(
        f"{REVIEW}/decision",
        data={"csrf_token": token, "decision": "return", "comment": comment, "attempt": "1"},
    )
    assert unconfirmed.status_code == 400
    assert f">{comment}</textarea>" in unconfirmed.text
    assert 'value="return" checked' in unconfirmed.text.replace("  ", " ")
    too_long = controlling.post(
        f"{REVIEW}/decision",
        data={
            "csrf_token": token,
            "decision": "return",
            "comment": "x" * 2_001,
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert too_long.status_code == 400
    assert "höchstens 2.000" in visible_text(too_long.text)
    assert controlling.get(REVIEW).status_code == 200  # still waiting: nothing written


def test_a_decision_on_an_older_attempt_is_refused(web: Web) -> None:
    """The screen showed attempt 1; meanwhile it was returned and attempt 2 came in: the
    decision taken on the old screen is refused, and attempt 2 still waits."""
    submit(web)
    controlling = web.login("controlling")
    token = csrf_of(controlling.get(REVIEW).text)
    returned = controlling.post(
        f"{REVIEW}/decision",
        data={
            "csrf_token": token,
            "decision": "return",
            "comment": "Bitte prüfen.",
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert "zurückgegeben" in visible_text(returned.text)
    submit(web)  # attempt 2
    stale = controlling.post(
        f"{REVIEW}/decision",
        data={"csrf_token": token, "decision": "accept", "checked": "yes", "attempt": "1"},
    )
    assert stale.status_code == 409
    assert "inzwischen Versuch 2 eingereicht" in visible_text(stale.text)
    assert "Versuch 2" in visible_text(controlling.get(REVIEW).text)


def test_plausibility_hints() -> None:
    assert change_pct(130, 100) == 30
    assert (
        plausibility_hints(actual=130, change=change_pct(130, 100), low=0, high=1000, unit="t")
        == []
    )
    assert plausibility_hints(
        actual=60, change=change_pct(60, 100), low=0, high=1000, unit="t"
    ) == ["40,0\u00a0% weniger als im Vorjahr"]
    assert change_pct(5, 0) is None and change_pct(5, None) is None
    assert plausibility_hints(actual=19900, change=None, low=0, high=20000, unit="kWp") == [
        "am oberen Rand des plausiblen Bereichs (bis 20.000\u00a0kWp)"
    ]
    assert plausibility_hints(actual=0.5, change=None, low=0, high=100, unit="%") == [
        "am unteren Rand des plausiblen Bereichs (ab 0\u00a0%)"
    ]
