"""The admin page's convene and session forms for several sessions (issue 15)."""

from __future__ import annotations

from tests.conftest import row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_admin import CHANGES
from tests.webworld import visible_text

MOBILITY = (
    '[[changes]]\naction = "change_priority"\npriority = "mobilitaet.1"\n'
    'text = "Der Landkreis baut den Busverkehr aus."\n'
)


def test_a_main_forum_and_a_thematic_retreat_are_convened_held_and_resolved(web: Web) -> None:
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    page = visible_text(client.get("/admin").text)
    assert "Art der Sitzung" in page and "Thematische Klausurtagung zum Handlungsfeld" in page
    token = form_token(client, "/admin")

    def post(path: str, **data: str) -> str:
        return visible_text(client.post(path, data={**data, "csrf_token": token}).text)

    before = row_counts(web.engine)
    refused = post("/admin/convene", year="2027", reason="ÖPNV", kind="forum", topic="mobilitaet")
    assert "Eine thematische Sitzung zu einem Handlungsfeld ist eine Klausurtagung." in refused
    refused = post("/admin/convene", year="2027", reason="ÖPNV", topic="raumfahrt")
    assert "Das Handlungsfeld 'raumfahrt' gibt es in der geltenden Strategie nicht" in refused
    assert row_counts(web.engine) == before
    assert "Forum Zukunftsstrategie einberufen: Klima" in post(
        "/admin/convene", year="2027", reason="Klima"
    )
    assert "Klausurtagung zum Handlungsfeld Mobilität einberufen: ÖPNV" in post(
        "/admin/convene", year="2027", reason="ÖPNV", kind="retreat", topic="mobilitaet"
    )
    unclear = post("/admin/session", year="2027", held_on="2027-05-20", changes=CHANGES)
    assert "mehrere Sitzungen einberufen" in unclear
    text = post(
        "/admin/session", year="2027", held_on="2027-05-20", changes=CHANGES, session_number="1"
    )
    assert "Forum Zukunftsstrategie am 20.05.2027" in text
    text = post(
        "/admin/session", year="2027", held_on="2027-05-21", changes=MOBILITY, session_number="2"
    )
    assert "Klausurtagung zum Handlungsfeld Mobilität am 21.05.2027" in text
    web.clock.at = web.clock.at.replace(month=7, day=22)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    assert "Nächster Schritt: Beschluss des Kreistags festhalten." in visible_text(
        client.get("/admin").text
    )
    done = visible_text(
        client.post(
            "/admin/resolution",
            data={
                "year": "2027",
                "date": "2027-07-21",
                "number": "KT/2027/045",
                "csrf_token": token,
            },
        ).text
    )
    assert "Beschluss KT/2027/045 festgehalten" in done
    assert "(aus Forum Zukunftsstrategie, Klausurtagung zum Handlungsfeld Mobilität)" in done
