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
    refused = department.post(f"{UMWELT}/review", data={"decision": "accept", "csrf_token": token})
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
        f"{UMWELT}/review",
        data={"decision": "accept", "csrf_token": form_token(controlling, UMWELT)},
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
