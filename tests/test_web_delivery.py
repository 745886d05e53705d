"""A department's key-figure delivery on the web: its template, the upload with the CLI's
messages (and nothing stored on an error), the controlling office's review, and the traffic
lights that follow."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import FILLED, csrf_of, fill, visible_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UMWELT = "/cycles/2027/departments/umwelt"


def upload(client: TestClient, data: bytes, filename: str = "umwelt.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        f"{UMWELT}/submissions",
        data={"csrf_token": form_token(client, UMWELT)},
        files={"workbook": (filename, data, XLSX)},
    )


def test_a_department_delivers_its_figures_and_the_controlling_office_accepts_them(
    web: Web,
) -> None:
    department = web.login("umwelt")
    template = department.get(f"{UMWELT}/template.xlsx")
    assert template.headers["content-type"] == XLSX
    assert department.get("/cycles/2027/departments/soziales/template.xlsx").status_code == 403

    before = row_counts(web.engine)
    bad = upload(department, fill(template.content, {**FILLED, "klimaberatungen": "etwa tausend"}))
    assert bad.status_code == 400
    text = visible_text(bad.text)
    assert "umwelt.xlsx wurde nicht übernommen (1 Problem); nichts wurde gespeichert:" in text
    assert "Kennzahlen Zeile 5, Spalte F (Ist 2026): „etwa tausend“ ist keine Zahl" in text
    foreign = department.post(
        "/cycles/2027/departments/soziales/submissions",
        data={"csrf_token": form_token(department, UMWELT)},
        files={"workbook": ("soziales.xlsx", fill(template.content, FILLED), XLSX)},
    )
    assert foreign.status_code == 403
    empty = upload(department, b"", "")
    assert "Bitte die ausgefüllte Vorlage" in visible_text(empty.text)
    assert row_counts(web.engine) == before

    good = upload(department, fill(template.content, FILLED))
    assert "Meldung 2027 eingereicht (Versuch 1)" in visible_text(good.text)
    token = csrf_of(good.text)
    refused = department.post(
        f"{UMWELT}/review/decision",
        data={"decision": "accept", "checked": "yes", "attempt": "1", "csrf_token": token},
    )
    assert refused.status_code == 403

    controlling = web.login("controlling")
    assert (
        controlling.post(
            f"{UMWELT}/submissions",
            data={"csrf_token": form_token(controlling, UMWELT)},
            files={"workbook": ("umwelt.xlsx", fill(template.content, FILLED), XLSX)},
        ).status_code
        == 403
    )
    accepted = controlling.post(
        f"{UMWELT}/review/decision",
        data={
            "decision": "accept",
            "checked": "yes",
            "attempt": "1",
            "csrf_token": form_token(controlling, UMWELT),
        },
    )
    assert "Meldung 2027 angenommen." in visible_text(accepted.text)
    overview = visible_text(controlling.get("/cycles/2027").text)
    # 2 980 kWp against 3 000: within the 5 % band, so yellow, said in words too
    assert (
        "Installierte Photovoltaik-Leistung auf Kreisgebäuden 3.000 kWp 2.980 kWp ▲ knapp verfehlt"
        in overview
    )
    assert "angenommen" in visible_text(department.get(UMWELT).text)
    figures = {f["key"]: f for f in department.get("/api/cycles/2027/figures").json()}
    assert figures["pv-leistung"]["light"] == "yellow"
    assert {f["department"] for f in figures.values()} == {"Fachbereich Umwelt"}


def test_uploads_over_the_limits_are_refused_with_400_and_nothing_written(web: Web) -> None:
    import io

    import openpyxl

    department = web.login("umwelt")
    before = row_counts(web.engine)
    large = upload(department, b"PK" + b"\0" * (5 * 1024 * 1024))
    assert large.status_code == 400
    assert "umwelt.xlsx ist größer als 5 MB" in visible_text(large.text)

    book = openpyxl.load_workbook(io.BytesIO(department.get(f"{UMWELT}/template.xlsx").content))
    for number in range(300):
        book["Kennzahlen"].append([f"unbekannt-{number}"])
    out = io.BytesIO()
    book.save(out)
    many = upload(department, out.getvalue())
    assert many.status_code == 400
    text = visible_text(many.text)
    assert "(303 Probleme)" in text  # three actuals missing, 300 rows unknown
    assert "unbekannte Kennzahl „unbekannt-196“" in text
    assert "„unbekannt-197“" not in text
    assert "… und 103 weitere Probleme" in text

    book["Kennzahlen"].cell(row=5_001, column=1).value = "zu weit unten"
    out = io.BytesIO()
    book.save(out)
    rows = upload(department, out.getvalue())
    assert rows.status_code == 400
    assert "das Blatt „Kennzahlen“ hat mehr als 5.000 Zeilen" in visible_text(rows.text)
    assert row_counts(web.engine) == before


def test_an_upload_is_checked_off_the_event_loop(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The check runs in a worker thread, so other requests are served meanwhile: without a
    running event loop in the checking thread (no timing involved)."""
    import asyncio

    import models.workbook_check

    original = models.workbook_check.check_report
    loops: list[bool] = []

    def check_report(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return original(*args, **kwargs)

    monkeypatch.setattr(models.workbook_check, "check_report", check_report)
    department = web.login("umwelt")
    template = department.get(f"{UMWELT}/template.xlsx").content
    response = upload(department, fill(template, {**FILLED, "klimaberatungen": "etwa tausend"}))
    assert response.status_code == 400
    assert loops == [False]


def test_a_report_is_rendered_off_the_event_loop(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The report download waits for its child process (web.report_worker) in the server's
    worker threads (a plain route), so a long rendering does not stall the other requests:
    no running event loop where it waits."""
    import asyncio

    from web import report_worker

    original = report_worker.render_report_limited
    loops: list[bool] = []

    def render_report_limited(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return original(*args, **kwargs)

    monkeypatch.setattr(report_worker, "render_report_limited", render_report_limited)
    controlling = web.login("controlling")
    response = controlling.get("/cycles/2027/report.xlsx")
    assert response.status_code == 200
    assert loops == [False]
