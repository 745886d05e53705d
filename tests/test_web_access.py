"""Who may see and do what on the web dashboard: login, sessions that expire, CSRF on every
form, 403 for other departments and for non-admin actions (and nothing changes), 401 on the API
without a session or token. Expiry (stored instants) and the admin actions' end-to-end path run
on PostgreSQL too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import row_counts
from tests.webworld import PASSWORD, Clock, RecordingFlows, build_world, csrf_of, visible_text


@dataclass
class Web:
    engine: sa.Engine
    clock: Clock
    flows: RecordingFlows
    app: object

    def client(self) -> TestClient:
        return TestClient(self.app)  # type: ignore[arg-type]

    def login(self, username: str, password: str = PASSWORD) -> TestClient:
        client = self.client()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, visible_text(response.text)
        return client


@pytest.fixture
def web(database_url: str, engine: sa.Engine, loerrach) -> Web:  # type: ignore[no-untyped-def]
    from web.app import create_app
    from web.settings import WebSettings

    build_world(engine)
    clock, flows = Clock(), RecordingFlows()
    app = create_app(WebSettings(database_url=database_url), clock=clock, flows=flows)
    return Web(engine, clock, flows, app)


def form_token(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


def test_without_a_session_pages_lead_to_login_and_the_api_answers_401(web: Web) -> None:
    client = web.client()
    response = client.get("/cycles/2027", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/cycles/2027"
    for path in (
        "/api/cycles",
        "/api/cycles/2027",
        "/api/cycles/2027/tasks",
        "/api/me",
        "/api/cycles/2027/groups",
        "/api/cycles/2027/groups/54.20",
        "/api/cycles/2027/money",
    ):
        response = client.get(path)
        assert response.status_code == 401, path
        assert "Anmeldung erforderlich" in response.json()["detail"]
    bad = client.get("/api/cycles", headers={"Authorization": "Bearer kl_falsch"})
    assert bad.status_code == 401
    schema = client.get("/api/openapi.json").json()
    assert "/api/cycles/{year}/tasks" in schema["paths"]


def test_a_wrong_password_is_refused_in_german_and_gives_no_session(web: Web) -> None:
    client = web.client()
    token = form_token(client, "/login")
    response = client.post(
        "/login", data={"username": "controlling", "password": "falsch", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in visible_text(response.text)
    assert client.get("/api/me").status_code == 401


def test_after_login_only_paths_of_this_site_are_followed(web: Web) -> None:
    for target, landing in (
        ("/cycles/2027?state=overdue", "/cycles/2027"),
        ("//evil.example/", "/"),
    ):
        client = web.client()
        token = form_token(client, "/login")
        response = client.post(
            "/login",
            data={
                "username": "controlling",
                "password": PASSWORD,
                "csrf_token": token,
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == (target if landing != "/" else "/")
    missing = web.login("controlling").get("/api/cycles/2031")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "Für 2031 gibt es noch keinen Steuerungskreislauf."


def test_controlling_sees_the_overdue_departments_on_16_march(web: Web) -> None:
    client = web.login("controlling")
    response = client.get("/")
    assert response.url.path == "/cycles/2027"
    text = visible_text(response.text)
    assert "Fachbereich Umwelt : 1 Aufgabe überfällig (25 Tage)" in text
    assert "Heute: Dienstag, 16.03.2027" in text
    filtered = visible_text(
        client.get("/cycles/2027?state=overdue&sort=assignee&direction=desc").text
    )
    assert "10 von 52 Aufgaben (gefiltert)" in filtered
    ics = client.get("/cycles/2027/deadlines.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "Frist: Ist-Werte der Kennzahlen melden" in ics.text.replace("\r\n ", "")
    tasks = client.get("/api/cycles/2027/tasks", params={"overdue": "true"}).json()
    assert {t["department"] for t in tasks} >= {"umwelt", "soziales"}
    assert all(t["days_overdue"] == 25 for t in tasks)


def test_a_department_user_sees_only_their_own_department(web: Web) -> None:
    client = web.login("umwelt")
    response = client.get("/")
    assert response.url.path == "/cycles/2027/departments/umwelt"
    assert "Fachbereich Umwelt: Aufgaben 2027" in visible_text(response.text)
    for path in (
        "/cycles/2027/departments/soziales",
        "/cycles/2027",
        "/cycles/2027/money",
        "/admin",
    ):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert "Fachbereich Soziales" not in refused.text
    assert (
        client.get("/api/cycles/2027/tasks", params={"department": "soziales"}).status_code == 403
    )
    assert client.get("/api/cycles/2027/money").status_code == 403
    # a group of another department: 404 like an unknown one (tests/test_web_money.py)
    assert client.get("/cycles/2027/groups/54.20").status_code == 404
    own = client.get("/api/cycles/2027/tasks").json()
    assert own and {t["department"] for t in own} == {"umwelt"}
    ics = client.get("/cycles/2027/deadlines.ics").text.replace("\r\n ", "")
    assert "Ist-Werte der Kennzahlen" in ics and "Befragung der Fraktionsvorsitzenden" not in ics


ADMIN_POSTS = {
    "/admin/cycles": {"year": "2028"},
    "/admin/survey": {"year": "2027", "faction": "cdu", "need": "ja"},
    "/admin/convene": {"year": "2027", "reason": "Neue Vorgaben des Landes"},
    "/admin/session": {"year": "2027", "held_on": "2027-05-20", "changes": 'summary = "x"'},
    "/admin/resolution": {"year": "2027", "date": "2027-07-21", "number": "KT/2027/045"},
}


@pytest.mark.parametrize("username", ["controlling", "umwelt"])
def test_only_administrators_may_post_admin_actions_and_nothing_changes(
    web: Web, username: str
) -> None:
    client = web.login(username)
    token = csrf_of(client.get("/").text)
    before = row_counts(web.engine)
    for path, data in ADMIN_POSTS.items():
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "Berechtigung" in visible_text(response.text)
    assert row_counts(web.engine) == before
    assert web.flows.started == []


def test_a_form_without_its_csrf_token_changes_nothing(web: Web) -> None:
    client = web.login("verwaltung")
    before = row_counts(web.engine)
    response = client.post("/admin/convene", data={"year": "2027", "reason": "Anlass"})
    assert response.status_code == 403
    assert "Das Formular ist abgelaufen oder ungültig" in visible_text(response.text)
    forged = client.post(
        "/admin/convene", data={"year": "2027", "reason": "Anlass", "csrf_token": "gefälscht"}
    )
    assert forged.status_code == 403
    other = web.client()  # another browser's token does not fit this session
    foreign = form_token(other, "/login")
    response = client.post(
        "/admin/convene", data={"year": "2027", "reason": "Anlass", "csrf_token": foreign}
    )
    assert response.status_code == 403
    assert row_counts(web.engine) == before


@pytest.mark.both_databases
def test_a_session_expires_after_eight_hours(web: Web) -> None:
    client = web.login("controlling")
    assert client.get("/cycles/2027").status_code == 200
    web.clock.at = web.clock.at.add(hours=8, minutes=1)
    response = client.get("/cycles/2027")
    assert response.url.path == "/login"
    assert "Ihre Sitzung ist abgelaufen" in visible_text(response.text)
    assert client.get("/api/me").status_code == 401


@pytest.mark.both_databases
def test_an_api_token_opens_the_api_until_it_expires(web: Web) -> None:
    from models.db import session_scope
    from services.accounts import create_token, get_user

    with session_scope(web.engine) as session:
        user = get_user(session=session, username="soziales")
        token = create_token(
            session=session, user=user, name="test", now=web.clock(), valid_days=1, actor="test"
        )
    client = web.client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/me", headers=headers).json()["department"] == "soziales"
    assert client.get("/api/cycles", headers=headers).json() == [2027]
    tasks = client.get("/api/cycles/2027/tasks", headers=headers).json()
    assert {t["department"] for t in tasks} == {"soziales"}
    web.clock.at = web.clock.at + dt.timedelta(days=2)
    assert client.get("/api/me", headers=headers).status_code == 401


@pytest.mark.both_databases
def test_admin_actions_record_through_the_services_and_start_the_flows(web: Web) -> None:
    session = {"client": web.login("verwaltung")}

    def post(path: str, **data: str):  # type: ignore[no-untyped-def]
        client = session["client"]
        return client.post(path, data={**data, "csrf_token": form_token(client, "/admin")})

    response = post("/admin/cycles", year="2028")
    assert "Steuerungskreislauf 2028 angelegt" in visible_text(response.text)
    early = post("/admin/survey", year="2027", faction="cdu", need="ja")
    assert early.status_code == 409, visible_text(early.text)
    web.clock.at = web.clock.at.replace(month=4, day=15)  # the survey is open
    session["client"] = web.login("verwaltung")  # a month later: a new session
    response = post("/admin/survey", year="2027", faction="cdu", need="ja", comment="Klima")
    assert "Antwort festgehalten" in visible_text(response.text)
    response = post("/admin/convene", year="2027", reason="Neue Klimaschutzvorgaben")
    assert "Einberufen: Forum Zukunftsstrategie einberufen" in visible_text(response.text)
    assert web.flows.started == [
        ("annual-cycle", "loerrach", 2028),
        ("survey", "loerrach", 2027),
        ("forum", "loerrach", 2027),
    ]
    assert web.flows.instants[1:] == [web.clock.at, web.clock.at]  # the decisions' instant
    before = row_counts(web.engine)
    again = post("/admin/convene", year="2027", reason="Noch einmal")
    assert again.status_code == 409
    assert "ist bereits einberufen" in visible_text(again.text)
    broken = post("/admin/session", year="2027", held_on="2027-05-20", changes="[[changes]]\n")
    assert broken.status_code == 400
    assert "Die Änderungen sind fehlerhaft; nichts wurde geändert" in visible_text(broken.text)
    no_date = post("/admin/resolution", year="2027", date="21.13.2027", number="KT/1")
    assert "ist kein Datum" in visible_text(no_date.text)
    assert row_counts(web.engine) == before
    assert len(web.flows.started) == 3


def test_a_recorded_forum_and_the_resolution_make_a_new_strategy_version(web: Web) -> None:
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post("/admin/convene", data={"year": "2027", "reason": "Klima", "csrf_token": token})
    changes = (
        'summary = "Klimaschutz stärken"\nparticipants = ["Landrätin"]\n\n[[changes]]\n'
        'action = "add_priority"\nfield = "klima-biodiversitaet"\n'
        'text = "Der Landkreis wird bis 2035 klimaneutral."\n'
    )
    response = client.post(
        "/admin/session",
        data={"year": "2027", "held_on": "2027-05-20", "changes": changes, "csrf_token": token},
    )
    assert "die Änderungen gelten erst mit dem Beschluss" in visible_text(response.text)
    web.clock.at = web.clock.at.replace(month=7, day=22)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    response = client.post(
        "/admin/resolution",
        data={"year": "2027", "date": "2027-07-21", "number": "KT/2027/045", "csrf_token": token},
    )
    assert "Beschluss KT/2027/045 festgehalten" in visible_text(response.text)
    assert [flow for flow, _, _ in web.flows.started] == ["forum", "forum", "resolution"]
    overview = visible_text(client.get("/cycles/2027").text)
    assert "Beschluss KT/2027/045 vom 21.07.2027: 1 Änderung" in overview


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_the_report_downloads_for_the_controlling_office_only(
    web: Web, fmt: str, magic: bytes
) -> None:
    controlling = web.login("controlling")
    response = controlling.get(f"/cycles/2027/report.{fmt}")
    assert response.status_code == 200
    assert response.content.startswith(magic)
    assert "zielerreichung-2026" in response.headers["content-disposition"]
    assert web.login("umwelt").get(f"/cycles/2027/report.{fmt}").status_code == 403


def test_the_key_figures_show_their_light_in_words_and_in_the_api(web: Web) -> None:
    controlling = web.login("controlling")
    overview = visible_text(controlling.get("/cycles/2027").text)
    assert "Kennzahlen je Handlungsfeld" in overview
    assert "Installierte Photovoltaik-Leistung auf Kreisgebäuden 3.000 kWp – ○ keine Angabe" in (
        overview
    )
    figures = web.login("umwelt").get("/api/cycles/2027/figures").json()
    assert {f["department"] for f in figures} == {"Fachbereich Umwelt"}
    assert {f["light_label"] for f in figures} == {"keine Angabe"}


def test_a_refused_admin_form_shows_the_message_beside_its_field(web: Web) -> None:
    import re

    client = web.login("verwaltung")

    def post(path: str, **data: str) -> str:
        return client.post(path, data={**data, "csrf_token": form_token(client, "/admin")}).text

    def described(html: str, field_id: str) -> str:
        """The text of the element the field's aria-describedby points at (the field must be
        marked invalid)."""
        tag = re.search(rf'<(?:input|textarea|select)\s[^>]*id="{field_id}"[^>]*>', html)
        assert tag is not None, field_id
        assert 'aria-invalid="true"' in tag.group(0)
        ids = re.search(r'aria-describedby="([^"]+)"', tag.group(0))
        assert ids is not None
        error_id = ids.group(1).split()[0]
        element = re.search(rf'id="{error_id}"[^>]*>(.*?)</div>', html, re.S)
        assert element is not None, error_id
        return visible_text(element.group(1))

    before = row_counts(web.engine)
    no_date = post("/admin/resolution", year="2027", date="21.13.2027", number="KT/1")
    assert described(no_date, "resolution-date") == (
        "'21.13.2027' ist kein Datum (erwartet JJJJ-MM-TT oder TT.MM.JJJJ)."
    )
    assert 'aria-invalid="true"' not in re.search(
        r'<input[^>]*id="resolution-number"[^>]*>', no_date
    ).group(0)  # type: ignore[union-attr]
    no_reason = post("/admin/convene", year="2027", reason="  ")
    assert described(no_reason, "convene-reason") == "Bitte den Anlass der Einberufung angeben."
    future = post("/admin/session", year="2027", held_on="2027-12-01", changes='summary = "x"\n')
    assert "--" not in visible_text(future) and "kreislauf forum" not in visible_text(future)
    assert row_counts(web.engine) == before
