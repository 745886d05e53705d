"""Personal survey links (issue 15): the pure validity rule and tampering, the link page
(answer, change, refusals with a German page, nothing written but the audit entry), the
admin's reissue, the invitation's link and `kreislauf survey links`."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from sqlmodel import select

from models.audit import AuditEvent
from models.db import session_scope
from models.decisions import SurveyAnswer
from models.survey_links import (
    LinkClaim,
    Refusal,
    Window,
    read_claim,
    refusal,
    sign,
    signature_ok,
    valid_until,
)
from tests.conftest import Cli, row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import csrf_of, visible_text

BERLIN = "Europe/Berlin"
APRIL = Window(dt.date(2027, 4, 1), dt.date(2027, 4, 30), closed=False)


def _at(month: int, day: int, hour: int = 12, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2027, month, day, hour, minute, tz=BERLIN)


def _rule(now: dt.datetime, **changes: object) -> Refusal | None:
    arguments: dict[str, object] = {
        "now": now,
        "timezone": BERLIN,
        "window": APRIL,
        "claimed_version": 1,
        "version": 1,
        "revoked": False,
    }
    arguments.update(changes)
    return refusal(**arguments)  # type: ignore[arg-type]


def test_a_link_is_valid_from_the_first_day_to_the_end_of_the_last_in_the_body_timezone() -> None:
    assert _rule(_at(3, 31, 23, 59)) == Refusal.not_yet
    assert _rule(_at(4, 1, 0, 0)) is None
    assert _rule(_at(4, 30, 23, 59)) is None
    assert _rule(_at(5, 1, 0, 0)) == Refusal.closed
    # 22:30 UTC on 30 April is already 1 May in Berlin
    assert _rule(dt.datetime(2027, 4, 30, 22, 30, tzinfo=dt.UTC)) == Refusal.closed
    assert valid_until(dt.date(2027, 4, 30), BERLIN) == _at(5, 1, 0, 0)
    assert _rule(_at(4, 15), window=Window(APRIL.opens_on, APRIL.closes_on, True)) == (
        Refusal.closed
    )
    assert _rule(_at(4, 15), revoked=True) == Refusal.revoked
    assert _rule(_at(4, 15), claimed_version=1, version=2) == Refusal.replaced
    assert _rule(_at(4, 15), window=None) == Refusal.no_survey
    assert Refusal.closed.status == 410 and Refusal.invalid.status == 403


def test_a_token_carries_its_claim_and_any_change_breaks_the_signature() -> None:
    claim = LinkClaim("loerrach", 2027, "cdu", 1)
    token = sign(claim, "geheim-1")
    assert read_claim(token) == claim
    assert signature_ok(token, "geheim-1")
    assert not signature_ok(token, "geheim-2")  # reissued: a new key
    forged = sign(LinkClaim("loerrach", 2027, "spd", 1), "geraten")
    assert read_claim(forged) == LinkClaim("loerrach", 2027, "spd", 1)
    assert not signature_ok(forged, "geheim-1")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert not signature_ok(flipped, "geheim-1")
    for garbage in ("", "abc", "x" * 1000, "e30.abc"):
        assert read_claim(garbage) is None


def _links(web: Web) -> dict[str, str]:
    """Each faction key's link path, issued as `kreislauf survey links` issues them."""
    from models.body import Body
    from services.survey_links import link_url, links_of

    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
        rows = links_of(session=session, body=body, year=2027, now=web.clock.at, actor="test")
        return {row.faction.key: link_url(None, row.token) for row in rows}


def _answers(web: Web) -> list[tuple[str, bool, str | None]]:
    with session_scope(web.engine) as session:
        return [(a.actor, a.need, a.comment) for a in session.exec(select(SurveyAnswer)).all()]


def _audit(web: Web, action: str) -> list[AuditEvent]:
    with session_scope(web.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _post(web: Web, client, path: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": form_token(client, path), **data})


@pytest.mark.both_databases
def test_a_faction_leader_answers_and_changes_through_the_link(web: Web) -> None:
    path = _links(web)["cdu"]
    web.clock.at = _at(4, 15)
    client = web.client()
    page = client.get(path)
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Befragung der Fraktionsvorsitzenden 2027" in text
    assert "CDU-Fraktion" in text and "Ihre Fraktion hat noch nicht geantwortet." in text
    assert "bis einschließlich 30.04.2027" in text
    assert "Klima & Biodiversität" in text and "Schwerpunkt 1:" in text
    assert "klima-biodiversitaet.1" not in page.text  # names, never internal keys
    done = _post(web, client, path, need="ja", comment="Klimaschutz stärken")
    assert done.status_code == 200 and done.url.path == path
    text = visible_text(done.text)
    assert "Vielen Dank, Ihre Antwort ist eingegangen." in text
    assert "Ihre bisherige Antwort vom 15.04.2027: ja, Aktualisierungsbedarf" in text
    assert _answers(web) == [("link:cdu", True, "Klimaschutz stärken")]
    assert web.flows.started[-1][0] == "survey"

    web.clock.at = _at(4, 20)
    changed = _post(web, client, path, need="nein", comment="")
    text = visible_text(changed.text)
    assert "Ihre Antwort wurde geändert." in text
    assert "Ihre bisherige Antwort vom 20.04.2027: nein, kein Aktualisierungsbedarf" in text
    assert _answers(web) == [("link:cdu", False, None)]
    (event,) = _audit(web, "survey.answer_changed")
    assert event.actor == "link:cdu"
    assert event.before == {
        "faction": "CDU-Fraktion",
        "need": True,
        "comment": "Klimaschutz stärken",
    }
    assert event.after == {"faction": "CDU-Fraktion", "need": False, "comment": None}

    admin = web.login("verwaltung")
    audit = visible_text(admin.get("/cycles/2027/audit").text)
    assert "CDU-Fraktion über den persönlichen Link" in audit
    assert "Antwort in der Befragung geändert" in audit
    assert "CDU-Fraktion nein – 20.04.2027" in visible_text(admin.get("/admin").text)


def test_a_missing_choice_is_named_and_nothing_is_written(web: Web) -> None:
    path = _links(web)["spd"]
    web.clock.at = _at(4, 15)
    client = web.client()
    before = row_counts(web.engine)
    refused = _post(web, client, path, need="", comment="x" * 2001)
    assert refused.status_code == 400
    assert "Bitte „ja“ oder „nein“ wählen." in visible_text(refused.text)
    too_long = _post(web, client, path, need="ja", comment="x" * 2001)
    assert too_long.status_code == 400
    assert "Die Begründung hat 2.001 Zeichen; erlaubt sind höchstens 2.000." in visible_text(
        too_long.text
    )
    assert row_counts(web.engine) == before


def _refused(web: Web, path: str, status: int, heading: str) -> None:
    """GET and POST both show the German page; nothing but the audit entries is written."""
    client = web.client()
    before = row_counts(web.engine)
    page = client.get(path)
    assert page.status_code == status
    text = visible_text(page.text)
    assert heading in text and "nicht gespeichert" not in text
    token = csrf_of(page.text) if 'name="csrf_token"' in page.text else ""
    if not token:  # the refusal page has no form: take a session's token from the login page
        token = form_token(client, "/login")
    posted = client.post(path, data={"need": "ja", "comment": "", "csrf_token": token})
    assert posted.status_code == status and heading in visible_text(posted.text)
    assert "Ihre Antwort wurde nicht gespeichert." in visible_text(posted.text)
    after = row_counts(web.engine)
    assert after["audit_event"] == before["audit_event"] + 2
    assert {k: v for k, v in after.items() if k != "audit_event"} == {
        k: v for k, v in before.items() if k != "audit_event"
    }


def test_bad_links_open_a_german_page_write_nothing_and_are_audited(web: Web) -> None:
    links = _links(web)
    path = links["cdu"]
    web.clock.at = _at(3, 20)
    _refused(web, path, 403, "Die Befragung hat noch nicht begonnen")
    web.clock.at = _at(4, 15)
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    _refused(web, tampered, 403, "Dieser Link ist ungültig")
    # another faction's claim under CDU's signature
    claim, signature = path.removeprefix("/umfrage/").rsplit(".", 1)
    spd_claim = links["spd"].removeprefix("/umfrage/").rsplit(".", 1)[0]
    _refused(web, f"/umfrage/{spd_claim}.{signature}", 403, "Dieser Link ist ungültig")
    _refused(web, "/umfrage/" + "x" * 500, 403, "Dieser Link ist ungültig")
    web.clock.at = _at(5, 1, 0, 1)
    _refused(web, path, 410, "Die Befragung ist abgeschlossen")
    reasons = [e.after["refusal"] for e in _audit(web, "survey_link.refused") if e.after]
    assert reasons == ["not_yet"] * 2 + ["invalid"] * 6 + ["closed"] * 2
    assert all(claim not in str(e.after) for e in _audit(web, "survey_link.refused"))
    assert _answers(web) == []


def test_the_admin_reissues_a_link_and_the_old_one_fails(web: Web) -> None:
    old = _links(web)["fdp"]
    web.clock.at = _at(4, 15)
    admin = web.login("verwaltung")
    page = admin.get("/admin")
    assert "Link neu ausstellen" in visible_text(page.text)
    done = admin.post(
        "/admin/survey/link",
        data={"year": "2027", "faction": "fdp", "csrf_token": csrf_of(page.text)},
    )
    text = visible_text(done.text)
    assert "FDP-Fraktion: persönlicher Link neu ausgestellt (Fassung 2)" in text
    assert "Der bisherige Link gilt nicht mehr. Neuer Link: http://testserver/umfrage/" in text
    _refused(web, old, 410, "Dieser Link wurde ersetzt")
    new = _links(web)["fdp"]
    assert new != old and web.client().get(new).status_code == 200
    (event,) = _audit(web, "survey_link.reissued")
    assert event.before == {"version": 1, "revoked": False}
    assert "secret" not in str(event.after)
    other = web.login("controlling")
    assert (
        other.post(
            "/admin/survey/link",
            data={"year": "2027", "faction": "fdp", "csrf_token": form_token(other, "/")},
        ).status_code
        == 403
    )


def test_survey_links_prints_each_faction_with_leader_and_link(web: Web, database_url: str) -> None:
    cli = Cli(database_url)
    missing = cli("survey", "links", "2027")
    assert missing.exit_code != 0
    assert "KREISLAUF_BASE_URL ist nicht gesetzt" in missing.output
    env = {"KREISLAUF_BASE_URL": "https://kreislauf.example.de/"}
    result = cli("survey", "links", "2027", env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Persönliche Links zur Befragung 2027" in out
    assert "CDU-Fraktion" in out and "https://kreislauf.example.de/umfrage/" in out
    paths = _links(web)  # the same links, not new ones
    for path in paths.values():
        assert f": https://kreislauf.example.de{path}\n" in out
    revoked = cli("survey", "revoke-link", "2027", "cdu", "--no-reissue")
    assert revoked.exit_code == 0, revoked.output
    assert "CDU-Fraktion: persönlicher Link gesperrt" in revoked.output
    again = cli("survey", "links", "2027", env=env)
    assert "gesperrt" in again.output


def test_the_survey_invitation_carries_the_personal_link(web: Web, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from models.body import Body
    from models.cycle import Cycle, Phase
    from models.outbox import OutboxMessage
    from services.reconcile import _invite_to_survey

    monkeypatch.setenv("KREISLAUF_BASE_URL", "https://kreislauf.example.de")
    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
        cycle = session.exec(select(Cycle).where(Cycle.year == 2027)).one()
        phase = session.exec(
            select(Phase).where(Phase.cycle_id == cycle.id, Phase.kind == "survey")
        ).one()
        _invite_to_survey(
            session=session, body=body, cycle=cycle, phase=phase, now=_at(4, 1), actor="flow:x"
        )
    paths = _links(web)
    with session_scope(web.engine) as session:
        message = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "survey_invitation", OutboxMessage.recipient == "faction:cdu"
            )
        ).one()
    assert f"https://kreislauf.example.de{paths['cdu']}" in message.text
    assert "Ihr persönlicher Link" in message.text


def test_a_reminder_of_the_survey_task_carries_the_link_while_it_stands(web: Web) -> None:
    from models.body import Body
    from models.commands import ReissueSurveyLink
    from models.cycle import Deadline, Phase
    from models.organisation import Faction
    from notifications.digests import _survey_link
    from services.commands import handle

    paths = _links(web)
    base = "https://kreislauf.example.de/"
    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
        cdu = session.exec(select(Faction).where(Faction.key == "cdu")).one()
        deadline = session.exec(
            select(Deadline)
            .join(Phase, Phase.id == Deadline.phase_id)  # type: ignore[arg-type]
            .where(Phase.kind == "survey")
        ).first()
        assert deadline is not None
        url = _survey_link(session, deadline, cdu, body, base)
        assert url == f"https://kreislauf.example.de{paths['cdu']}"
        assert _survey_link(session, deadline, cdu, body, None) is None
        handle(
            ReissueSurveyLink(2027, "cdu", revoke_only=True),
            session=session,
            body=body,
            now=_at(4, 10),
            actor="test",
        )
        assert _survey_link(session, deadline, cdu, body, base) is None
