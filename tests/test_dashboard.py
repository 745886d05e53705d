"""The dashboard at a data centre's scale (issue 17): the controlling overview and the API
keep what they compute until its data changes (services.dashboard_cache), need a handful of
queries whatever the number of bodies and departments, and never show a stale evaluation
after a write that did not go through the web."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import NOW
from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_overview import section
from tests.webworld import FILLED, MARCH_16, fill

OVERVIEW = "/cycles/2027"
API = ("/api/cycles/2027", "/api/cycles/2027/tasks", "/api/cycles/2027/figures")
PAGES = (OVERVIEW, *API, "/api/cycles/2027/money")
# a kept view: the user, the body, the data revision
KEPT_QUERIES = 3


class Statements:
    """The SQL statements the app's engine runs."""

    def __init__(self, engine: sa.Engine) -> None:
        self.seen: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", self.record)

    def record(self, _connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        self.seen.append(statement)

    def of(self, client, path: str) -> list[str]:  # type: ignore[no-untyped-def]
        self.seen.clear()
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        return list(self.seen)


def tables_read(statements: list[str]) -> set[str]:
    return {
        name.strip('"')
        for statement in statements
        for name in re.findall(r'\b(?:FROM|JOIN)\s+("?\w+"?)', statement)
    }


def counts(web: Web) -> dict[str, tuple[int, int]]:
    """Per page: the statements of a first view (computed) and of a second (kept)."""
    statements = Statements(web.app.state.engine)  # type: ignore[attr-defined]
    client = web.login("controlling")
    result = {}
    for path in PAGES:
        first = statements.of(client, path)
        second = statements.of(client, path)
        result[path] = (len(first), len(second))
    return result


def another_body(engine: sa.Engine, tmp_path: Path, slug: str) -> None:
    """A second installed body (a copy of Lörrach's configuration) with its cycle 2027."""
    from tests.conftest import LOERRACH, install

    directory = tmp_path / slug
    shutil.copytree(LOERRACH, directory)
    toml = directory / "body.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8")
        .replace('slug = "loerrach"', f'slug = "{slug}"')
        .replace('name = "Landkreis Lörrach"', f'name = "Landkreis {slug}"'),
        encoding="utf-8",
    )
    from models.db import session_scope
    from services.cycles import create_cycle

    body = install(engine, directory)
    with session_scope(engine) as session:
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")


def test_the_overview_and_the_api_need_the_same_handful_of_queries_for_more_bodies(
    web: Web, tmp_path: Path
) -> None:
    alone = counts(web)
    for path, (_, kept) in alone.items():
        assert kept == KEPT_QUERIES, path
    another_body(web.engine, tmp_path, "zweiter")
    another_body(web.engine, tmp_path, "dritter")
    with web.engine.begin() as connection:  # two more departments in Lörrach
        for key in ("bau", "kultur"):
            connection.execute(
                sa.text(
                    "INSERT INTO department (body_id, key, name, is_controlling_office) "
                    "SELECT id, :key, :name, false FROM body WHERE slug = 'loerrach'"
                ),
                {"key": key, "name": f"Fachbereich {key.title()}"},
            )
    # a new app, so that nothing is kept from before
    from web.app import create_app
    from web.settings import WebSettings

    web.app = create_app(
        WebSettings(database_url=web.engine.url.render_as_string(hide_password=False)),
        clock=web.clock,
        flows=web.flows,
    )
    assert counts(web) == alone
    matrix = section(web.login("controlling").get(OVERVIEW).text, "matrix")
    assert "Fachbereich Kultur" in matrix  # the departments added are there


def test_the_views_kept_read_only_tables_whose_writes_raise_the_revision(web: Web) -> None:
    from models.revision import watched_tables

    statements = Statements(web.app.state.engine)  # type: ignore[attr-defined]
    client = web.login("controlling")
    read = set()
    for path in PAGES:
        read |= tables_read(statements.of(client, path))
    # besides the kept views' tables: the account, the body (its values are in the key) and
    # the revision itself
    assert read - watched_tables() == {"user_account", "body", "data_revision"}


@pytest.mark.both_databases
def test_every_table_with_a_body_id_raises_the_revision_by_a_trigger(
    engine: sa.Engine, loerrach
) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from models.revision import VIA_PARTIAL_BUDGET, watched_tables

    migration = importlib.import_module("models.migrations.versions.0022_data_revision")
    assert {*migration.WATCHED, migration.VIA_PARTIAL_BUDGET} == watched_tables()
    assert migration.VIA_PARTIAL_BUDGET == VIA_PARTIAL_BUDGET
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            triggered = connection.execute(
                sa.text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c "
                    "ON c.oid = t.tgrelid WHERE t.tgname LIKE 'revision_%'"
                )
            ).scalars()
        else:
            triggered = connection.execute(
                sa.text(
                    "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                    "AND name LIKE 'revision_%'"
                )
            ).scalars()
        assert set(triggered) == watched_tables()

    def revision() -> int:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT revision FROM data_revision WHERE body_id = :id"),
                {"id": loerrach.id},
            ).scalar_one()

    before = revision()
    with engine.begin() as connection:  # bare SQL, as a repair or a bench would write
        connection.execute(sa.text("UPDATE key_figure SET name = name || '.'"))
    assert revision() > before
    before = revision()
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM partial_budget_department"))
    assert revision() > before


@pytest.mark.both_databases
def test_a_change_by_the_services_shows_at_once(web: Web) -> None:
    """Umwelt's figures submitted and accepted as the CLI does it (services on an engine of
    their own, not the web's): the next view shows them, in the same process that kept the
    views before."""
    from models.db import session_scope
    from services.bodies import resolve_body
    from services.submissions import review_submission, submit_workbook

    controlling = web.login("controlling")

    def figure(key: str) -> dict[str, object]:
        found = controlling.get("/api/cycles/2027/figures").json()
        return next(f for f in found if f["key"] == key)

    def queue() -> str:
        return section(controlling.get(OVERVIEW).text, "pruefen")

    assert figure("pv-leistung")["actual"] != FILLED["pv-leistung"]
    assert "Umwelt" not in queue()
    assert figure("pv-leistung") == figure("pv-leistung")  # kept, unchanged
    template = web.login("umwelt").get("/cycles/2027/departments/umwelt/template.xlsx").content

    engine = sa.create_engine(web.engine.url)  # another process's connection
    try:
        with session_scope(engine) as session:
            body = resolve_body(session=session, slug="loerrach")
            submit_workbook(
                session, body, 2027, fill(template, FILLED), "umwelt.xlsx", MARCH_16, "cli:test"
            )
        assert queue().startswith("Zu prüfen (1)")
        assert "Fachbereich Umwelt" in queue()
        tasks = controlling.get("/api/cycles/2027/tasks?department=umwelt").json()
        assert "submitted" in {task["status"] for task in tasks}

        with session_scope(engine) as session:
            body = resolve_body(session=session, slug="loerrach")
            review_submission(session, body, 2027, "umwelt", True, None, MARCH_16, "cli:test")
        assert figure("pv-leistung")["actual"] == FILLED["pv-leistung"]
        assert "Umwelt" not in queue()

        with engine.begin() as connection:  # bare SQL, as a flow's bulk write
            connection.execute(
                sa.text(
                    "UPDATE key_figure_value SET actual = 3001 WHERE year = 2026 AND "
                    "key_figure_id = (SELECT id FROM key_figure WHERE key = 'pv-leistung')"
                )
            )
        assert figure("pv-leistung")["actual"] == 3001
    finally:
        engine.dispose()


def test_a_past_day_is_not_kept_and_still_shows_its_state(web: Web) -> None:
    """The as-of view (?on=) reads the audit trail on every view; today's view is kept."""
    client = web.login("controlling")
    today = client.get(OVERVIEW).text
    past = client.get(OVERVIEW + "?on=2027-01-15").text
    assert "15.01.2027" in past
    assert section(past, "stand") != section(today, "stand")
    statements = Statements(web.app.state.engine)  # type: ignore[attr-defined]
    assert len(statements.of(client, OVERVIEW + "?on=2027-01-15")) > KEPT_QUERIES


def test_a_kept_overview_carries_each_session_its_own_csrf_token(web: Web) -> None:
    from tests.webworld import csrf_of

    first, second = web.login("controlling"), web.login("controlling")
    pages = [client.get(OVERVIEW).text for client in (first, second, first)]
    tokens = [csrf_of(html) for html in pages]
    assert tokens[0] == tokens[2] != tokens[1]
    assert "KreislaufCsrfTokenSlot" not in "".join(pages)
    response = second.post("/logout", data={"csrf_token": tokens[1]}, follow_redirects=False)
    assert response.status_code == 303
    assert second.get(OVERVIEW, follow_redirects=False).status_code == 303  # to the login


def test_kreislauf_web_with_two_workers_shares_the_sessions(tmp_path: Path) -> None:
    """`kreislauf web --workers 2`: two processes on one port; a session made by one is valid
    in the other (one signing key for both), and SIGTERM ends both."""
    import os
    import signal
    import subprocess
    import sys

    import httpx

    from tests.test_serve import free_port
    from tests.test_web_serve import answers, csrf, wait_for

    kreislauf = str(Path(sys.executable).with_name("kreislauf"))
    env = {**os.environ, "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'kreislauf.db'}"}
    env.pop("KREISLAUF_SECRET_KEY", None)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)  # this checkout's code
    subprocess.run([kreislauf, "init"], env=env, check=True, capture_output=True)
    subprocess.run([kreislauf, "cycle", "create", "2027"], env=env, check=True, capture_output=True)
    subprocess.run(
        [kreislauf, "user", "add", "controlling", "--role", "controlling", "--password-stdin"],
        env=env,
        input="richtig-geheim-2027\n",
        text=True,
        check=True,
        capture_output=True,
    )
    refused = subprocess.run(
        [kreislauf, "web", "--workers", "0"], env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "--workers 0" in refused.stdout + refused.stderr
    # a database that is not there stops before any worker starts (none restarted forever)
    missing = subprocess.run(
        [kreislauf, "web", "--port", str(free_port()), "--workers", "2"],
        env={**env, "KREISLAUF_DATABASE_URL": f"sqlite:///{tmp_path / 'fehlt.db'}"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0, missing.stdout
    assert "fehlt.db" in missing.stdout + missing.stderr
    assert "Traceback" not in missing.stdout + missing.stderr
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [kreislauf, "web", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: answers(f"{base}/login"), 60, "kreislauf web --workers 2")
        with httpx.Client(base_url=base) as client:
            form = {
                "username": "controlling",
                "password": "richtig-geheim-2027",
                "csrf_token": csrf(client.get("/login").text),
            }
            assert client.post("/login", data=form).status_code in (200, 303)
            cookies = dict(client.cookies)
        for _ in range(12):  # a new connection each: the kernel hands them to either process
            response = httpx.get(f"{base}/cycles/2027", cookies=cookies, follow_redirects=False)
            assert response.status_code == 200, response.headers.get("location")
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert f"Weboberfläche: http://127.0.0.1:{port}/  (2 Prozesse" in output
    assert "kreislauf web beendet." in output


def test_a_body_s_kept_views_of_an_older_revision_are_dropped_when_a_newer_one_is_kept() -> None:
    from services.dashboard_cache import DashboardCache

    cache = DashboardCache()
    assert cache.get(("overview", 1, 7), lambda: "alt", body=1, revision=7) == "alt"
    assert cache.get(("overview", 2, 3), lambda: "anderer", body=2, revision=3) == "anderer"
    assert cache.get(("overview", 1, 8), lambda: "neu", body=1, revision=8) == "neu"
    assert ("overview", 1, 7) not in cache.entries  # never to be found again: gone
    assert ("overview", 2, 3) in cache.entries  # another body's stay
    # a request that read the older revision before the write stores nothing over the newer
    assert cache.get(("money", 1, 7), lambda: "spät", body=1, revision=7) == "spät"
    assert ("money", 1, 7) not in cache.entries
