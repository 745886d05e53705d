"""Planning on the department's page: the workbook per Teilhaushalt, the upload with the
CLI's messages, and the controlling office's review."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from models.db import session_scope
from services.bodies import resolve_body
from tests.conftest import row_counts
from tests.planning_world import edit, filled, open_planning
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UMWELT = "/cycles/2027/departments/umwelt"


def upload(client: TestClient, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"{UMWELT}/plans",
        data={"csrf_token": form_token(client, UMWELT)},
        files={"plan": ("planung.xlsx", data, XLSX)},
    )


@pytest.mark.both_databases
def test_a_department_submits_its_plan_and_the_controlling_office_returns_it(web: Web) -> None:
    with session_scope(web.engine) as session:
        body = resolve_body(session=session, slug=None)
    web.clock.at = open_planning(web.engine, body)
    department = web.login("umwelt")
    page = visible_text(department.get(UMWELT).text)
    assert "Planung 2028 je Teilhaushalt" in page and "8 Umwelt" in page
    template = department.get(f"{UMWELT}/plans/8.xlsx")
    assert template.status_code == 200 and template.headers["content-type"] == XLSX
    assert department.get(f"{UMWELT}/plans/3.xlsx").status_code == 404  # not umwelt's

    before = row_counts(web.engine)

    def no_priority(book) -> None:  # type: ignore[no-untyped-def]
        book["Leistungsziele"].cell(4, 3).value = None

    bad = upload(department, edit(filled(template.content, group="56.10"), no_priority))
    assert bad.status_code == 400
    assert "Leistungsziele Zeile 4, Spalte C (Schwerpunkt): kein Schwerpunkt" in visible_text(
        bad.text
    )
    assert row_counts(web.engine) == before

    good = upload(department, filled(template.content, group="56.10"))
    assert good.status_code == 200 and good.url.path == UMWELT  # after the redirect
    assert "Planung 2028 eingereicht (Versuch 1)" in visible_text(good.text)

    controlling = web.login("controlling")
    screen = f"{UMWELT}/plans/8/review"
    assert f'href="{screen}"' in controlling.get(UMWELT).text  # the department page links there
    token = form_token(controlling, screen)
    seen = {"csrf_token": token, "checked": "yes", "attempt": "1"}
    refused = controlling.post(f"{screen}/decision", data={**seen, "decision": "return"})
    assert refused.status_code == 400 and "Kommentar" in visible_text(refused.text)
    returned = controlling.post(
        f"{screen}/decision",
        data={**seen, "decision": "return", "comment": "Ziel messbar machen"},
    )
    page = visible_text(returned.text)
    assert "Planung 2028 des Teilhaushalts 8 zurückgegeben" in page
    assert "zurückgegeben" in page and "Ziel messbar machen" in page
    assert department.post(
        f"{screen}/decision", data={**seen, "decision": "accept"}
    ).status_code in (403, 400)
