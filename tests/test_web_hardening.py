"""The web app's edges: numbers out of range are 404, a malformed cookie is anonymous, a
database that refuses gets a German 503, the security headers, sessions revoked on logout,
login throttling with its audit trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from tests.test_web_access import Web
from tests.webworld import Clock, RecordingFlows, build_world, visible_text


@pytest.fixture
def web(database_url: str, engine: sa.Engine, loerrach) -> Web:  # type: ignore[no-untyped-def]
    from web.app import create_app
    from web.settings import WebSettings

    build_world(engine)
    clock, flows = Clock(), RecordingFlows()
    app = create_app(WebSettings(database_url=database_url), clock=clock, flows=flows)
    return Web(engine, clock, flows, app)


@pytest.mark.parametrize(
    "path",
    [
        "/cycles/99999999999999999999",
        "/cycles/1999",
        "/cycles/2200",
        "/cycles/-5",
        "/cycles/99999999999999999999/report.pdf",
        "/cycles/99999999999/deadlines.ics",
        "/cycles/99999999999999999999/departments/umwelt",
        "/tasks/99999999999999999999",
        "/tasks/2147483648",
        "/tasks/0",
    ],
)
def test_numbers_out_of_range_in_a_path_are_404(web: Web, path: str) -> None:
    client = web.login("controlling")
    response = client.get(path)
    assert response.status_code == 404, path
    assert "Diese Seite gibt es nicht" in visible_text(response.text)


def test_numbers_out_of_range_on_the_api_are_404_in_german(web: Web) -> None:
    client = web.login("controlling")
    for path in (
        "/api/cycles/99999999999999999999",
        "/api/cycles/3000/tasks",
        "/api/cycles/99999999999999999999/figures",
        "/api/cycles/abc",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Diese Seite gibt es nicht."}


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2],
        "text",
        5,
        None,
        {},
        {"uid": 1},
        {"uid": "1", "csrf": "x", "iat": 1.0},
        {"uid": 1, "csrf": 3, "iat": 1.0},
        {"uid": 1, "csrf": "x", "iat": "now"},
    ],
)
def test_a_signed_cookie_of_another_shape_is_an_anonymous_session(
    web: Web, payload: object
) -> None:
    from web import auth

    key = web.app.state.settings.secret_key  # type: ignore[attr-defined]
    cookie = URLSafeSerializer(key, salt="kreislauf-session").dumps(payload)
    client = web.client()
    client.cookies.set(auth.COOKIE, cookie)
    response = client.get("/cycles/2027", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/api/me").status_code == 401


def test_a_bearer_call_on_a_read_only_database_gets_a_german_503(web: Web) -> None:
    from models.db import session_scope
    from services.accounts import create_token, get_user

    with session_scope(web.engine) as session:
        user = get_user(session=session, username="controlling")
        token = create_token(
            session=session, user=user, name="t", now=web.clock(), valid_days=30, actor="test"
        )
    engine: sa.Engine = web.app.state.engine  # type: ignore[attr-defined]
    if engine.dialect.name != "sqlite":
        pytest.skip("read-only via SQLite's query_only")
    engine.dispose()

    @sa.event.listens_for(engine, "connect")
    def read_only(connection, _record):  # type: ignore[no-untyped-def]
        connection.execute("PRAGMA query_only = ON")

    response = web.client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert "Datenbank" in response.json()["detail"]
    assert "Traceback" not in response.text


def test_every_response_carries_the_security_headers(web: Web) -> None:
    client = web.login("controlling")
    for path in ("/login", "/cycles/2027", "/cycles/2027/report.xlsx", "/api/me", "/nirgends"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "style-src 'self'" in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
        assert headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in headers, path
    assert "no-store" not in client.get("/static/style.css").headers.get("cache-control", "")


def test_pages_have_no_inline_script_and_the_api_docs_load_nothing_from_elsewhere(
    web: Web,
) -> None:
    import re

    client = web.login("verwaltung")
    for path in ("/login", "/cycles/2027", "/admin", "/cycles/2027/departments/umwelt"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert not re.search(r"\sstyle=|<style", html), path
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text and "/api/cycles/{year}/tasks" in docs.text
    assert "cdn" not in docs.text.lower() and "<script" not in docs.text
    # for the people who connect other systems: not linked for, and refused to, a department
    clerk = web.login("umwelt")
    assert 'href="/api/docs"' not in clerk.get("/cycles/2027/departments/umwelt").text
    refused = clerk.get("/api/docs")
    assert refused.status_code == 403
    assert "sehen Verwaltung und Controlling" in refused.text


def test_with_secure_cookies_every_response_asks_for_https(
    database_url: str, engine: sa.Engine, loerrach
) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from web.app import create_app
    from web.settings import WebSettings

    settings = WebSettings(database_url=database_url, secure_cookies=True)
    app = create_app(settings, clock=Clock(), flows=RecordingFlows())
    response = TestClient(app, base_url="https://testserver").get("/login")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def _post_login(client, username: str, password: str):  # type: ignore[no-untyped-def]
    from tests.webworld import csrf_of

    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.mark.both_databases
def test_logout_revokes_the_session_on_the_server(web: Web) -> None:
    from tests.webworld import csrf_of

    client = web.login("controlling")
    other = web.login("controlling")  # the same person in a second browser
    kept = dict(client.cookies)
    assert client.get("/cycles/2027").status_code == 200
    token = csrf_of(client.get("/cycles/2027").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    # the cookie from before logout, replayed, no longer opens anything
    replay = web.client()
    for name, value in kept.items():
        replay.cookies.set(name, value)
    assert replay.get("/cycles/2027", follow_redirects=False).status_code == 303
    assert replay.get("/api/me").status_code == 401
    assert other.get("/cycles/2027", follow_redirects=False).status_code == 303
    # logging in again works at the same instant
    assert web.login("controlling").get("/cycles/2027").status_code == 200


def test_a_new_password_revokes_the_sessions(web: Web) -> None:
    from models.db import session_scope
    from services.accounts import get_user, set_password

    client = web.login("umwelt")
    assert client.get("/api/me").status_code == 200
    with session_scope(web.engine) as session:
        user = get_user(session=session, username="umwelt")
        set_password(
            session=session, user=user, password="ganz-neu-2027!", now=web.clock(), actor="test"
        )
    assert client.get("/api/me").status_code == 401
    assert web.login("umwelt", "ganz-neu-2027!").get("/api/me").status_code == 200


@pytest.mark.both_databases
def test_five_wrong_passwords_lock_the_account_for_15_minutes_with_audit(web: Web) -> None:
    from sqlmodel import select

    from models.audit import AuditEvent
    from models.db import session_scope
    from tests.webworld import PASSWORD

    client = web.client()
    for attempt in range(4):
        response = _post_login(client, "controlling", f"falsch-{attempt}")
        assert response.status_code == 401
        assert "Benutzername oder Passwort ist falsch" in visible_text(response.text)
    fifth = _post_login(client, "controlling", "falsch-5")
    assert fifth.status_code == 429
    assert "Zu viele Fehlversuche; bitte in 15 Minuten erneut versuchen." in visible_text(
        fifth.text
    )
    # locked: even the right password is refused, from any address, without a session
    locked = _post_login(web.client(), "controlling", PASSWORD)
    assert locked.status_code == 429
    assert "set-cookie" not in locked.headers or "uid" not in locked.headers["set-cookie"]
    web.clock.at = web.clock.at.add(minutes=10)
    assert "in 5 Minuten" in visible_text(_post_login(client, "controlling", PASSWORD).text)
    # other accounts are not locked (the address's limit is higher)
    assert _post_login(web.client(), "umwelt", PASSWORD).status_code == 303
    web.clock.at = web.clock.at.add(minutes=5, seconds=1)
    assert _post_login(web.client(), "controlling", PASSWORD).status_code == 303
    with session_scope(web.engine) as session:
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action.in_(["login.failed", "login.locked"]))  # type: ignore[attr-defined]
        ).all()
    failed = [e for e in events if e.action == "login.failed"]
    assert len(failed) == 5
    assert failed[-1].after is not None and failed[-1].after["failures"] == 5
    assert failed[0].actor == "web:controlling" and failed[0].entity_id is not None
    assert failed[0].after is not None and failed[0].after["address"] == "testclient"
    assert len([e for e in events if e.action == "login.locked"]) == 2


def test_the_lock_grows_and_unknown_names_are_counted_too(web: Web) -> None:
    client = web.client()
    for attempt in range(5):
        _post_login(client, "niemand", f"falsch-{attempt}")
    assert "in 15 Minuten" in visible_text(_post_login(client, "niemand", "x").text)
    web.clock.at = web.clock.at.add(minutes=16)
    for attempt in range(4):
        assert _post_login(client, "niemand", f"wieder-{attempt}").status_code == 401
    assert "in 30 Minuten" in visible_text(_post_login(client, "niemand", "x").text)


def test_many_failures_from_one_address_lock_the_address(web: Web) -> None:
    client = web.client()
    for attempt in range(20):
        _post_login(client, f"name-{attempt}", "falsch")
    response = _post_login(client, "controlling", "richtig-geheim-2027")
    assert response.status_code == 429
    assert "Zu viele Fehlversuche" in visible_text(response.text)
