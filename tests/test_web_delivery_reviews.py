"""The review screens of a partial budget report and of a Teilhaushalt's plan: what was
delivered beside plan, result, ceiling and targets, who delivered it and when, and the
decision with its confirmation, refused for an attempt the reviewer did not see.

Fachbereich Umwelt answers for Teilhaushalt 8 (groups 55.40 and 56.10); see
tests/test_partial_report.py for the report's money and red figure, tests/planning_world.py
for the plan's workbook.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.accounts import UserAccount
from models.body import Body
from models.commands import ReviewPartialReport, ReviewPlan
from models.db import session_scope
from models.partial_report import PartialReport, PartialReportStatus
from models.planning import BudgetCeiling, Plan, PlanStatus
from services.commands import handle
from services.planning import find_thh
from tests.conftest import NOW, row_counts
from tests.planning_world import filled, open_planning
from tests.test_partial_report import ASSESSMENTS, DEVIATION, RED, prepare
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

UMWELT = "/cycles/2027/departments/umwelt"
REPORT = f"{UMWELT}/partial-report/review"
PLAN = f"{UMWELT}/plans/8/review"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXTS = {
    "assessment:55.40": ASSESSMENTS["55.40"],
    "assessment:56.10": ASSESSMENTS["56.10"],
    "deviation:56.10": DEVIATION,
    "figure:56.10:klimaberatungen": RED,
}


def body_of(web: Web) -> Body:
    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
        user = session.exec(select(UserAccount).where(UserAccount.username == "umwelt")).one()
        user.display_name = "Erika Grün"  # the screen names people, not accounts
        return body


def submit_report(web: Web, department: TestClient) -> None:
    done = department.post(
        f"{UMWELT}/partial-report/form",
        data={"csrf_token": form_token(department, UMWELT), **TEXTS},
    )
    assert "eingereicht" in visible_text(done.text), visible_text(done.text)


def report_world(web: Web) -> tuple[TestClient, TestClient]:
    """Umwelt's partial budget report submitted (attempt 1); the department and the office."""
    prepare(web.engine, body_of(web))
    department = web.login("umwelt")
    submit_report(web, department)
    return department, web.login("controlling")


def report_status(web: Web) -> list[tuple[int, PartialReportStatus]]:
    with session_scope(web.engine) as session:
        return [
            (r.attempt, PartialReportStatus(r.status))
            for r in session.exec(select(PartialReport).order_by(PartialReport.attempt)).all()
        ]


def test_the_report_screen_shows_money_texts_missed_figures_and_who(web: Web) -> None:
    controlling = web.login("controlling")
    body_of(web)
    nothing = controlling.get(REPORT)
    assert nothing.status_code == 404
    assert "wartet 2027 nicht auf Prüfung" in visible_text(nothing.text)
    department, controlling = report_world(web)
    assert f'href="{REPORT}"' in controlling.get(UMWELT).text  # linked from the department
    assert 'action="/cycles/2027/departments/umwelt/partial-report/review"' not in (
        controlling.get(UMWELT).text  # no accept/return form of its own there any more
    )
    screen = controlling.get(REPORT)
    assert screen.status_code == 200
    text = visible_text(screen.text)
    assert "Teilhaushaltsbericht prüfen: Fachbereich Umwelt" in text
    assert "Teilhaushaltsbericht 2027 (Berichtsjahr 2026) · Versuch 1" in text
    assert "von Erika Grün (Versuch 1)" in text
    assert "im Formular der Fachbereichsseite (keine Datei)" in text
    # 56.10: plan 1.650.000 €, result 1.531.000 €, −119.000 € (−7,2 %): above both thresholds
    assert "56.10 Umweltschutzmaßnahmen 1.650.000 € 1.531.000 €" in text
    assert "-7,2 %" in text and "119.000 €" in text
    assert "Abweichung über beiden Schwellen; 1 Kennzahl verfehlt" in text
    for said in (*ASSESSMENTS.values(), DEVIATION, RED):
        assert said in text
    # the missed figure: target, actual, light and the department's explanation
    assert (
        "Energie- und Klimaschutzberatungen für Bürgerinnen und Bürger 1.000 Anzahl 500 Anzahl "
        f"✗ verfehlt {RED}"
    ) in text
    assert "<caption>" in screen.text and 'scope="row"' in screen.text
    assert "Ich habe den Bericht geprüft" in text
    assert 'name="attempt" value="1"' in screen.text


def test_the_report_decision_needs_the_confirmation_and_keeps_the_comment(web: Web) -> None:
    _, controlling = report_world(web)
    before = row_counts(web.engine)
    refused = controlling.post(
        f"{REPORT}/decision",
        data={
            "csrf_token": form_token(controlling, REPORT),
            "decision": "return",
            "comment": "Bitte die Abweichung genauer begründen.",
            "attempt": "1",
        },
    )
    assert refused.status_code == 400
    text = visible_text(refused.text)
    assert "Bitte bestätigen: „Ich habe den Bericht geprüft“." in text
    assert "Bitte die Abweichung genauer begründen.</textarea>" in refused.text  # kept
    assert 'value="return" checked' in refused.text or 'value="return"  checked' in refused.text
    too_long = controlling.post(
        f"{REPORT}/decision",
        data={
            "csrf_token": form_token(controlling, REPORT),
            "decision": "return",
            "comment": "x" * 2_001,
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert too_long.status_code == 400
    assert "höchstens 2.000" in visible_text(too_long.text)
    assert row_counts(web.engine) == before
    assert report_status(web) == [(1, PartialReportStatus.submitted)]
    returned = controlling.post(
        f"{REPORT}/decision",
        data={
            "csrf_token": form_token(controlling, REPORT),
            "decision": "return",
            "comment": "Bitte die Abweichung genauer begründen.",
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert "Teilhaushaltsbericht 2027 (Versuch 1) zurückgegeben" in visible_text(returned.text)
    assert report_status(web) == [(1, PartialReportStatus.returned)]
    assert controlling.get(REPORT).status_code == 404  # nothing waits any more


@pytest.mark.both_databases
def test_a_decision_on_an_outdated_report_attempt_is_refused(web: Web) -> None:
    department, controlling = report_world(web)
    token = form_token(controlling, REPORT)  # the reviewer looks at attempt 1 ...
    with session_scope(web.engine) as session:  # ... meanwhile a colleague returns it
        body = session.exec(select(Body)).one()
        handle(
            ReviewPartialReport(2027, "umwelt", False, "Kurz ergänzen"),
            session=session,
            body=body,
            now=web.clock.at,
            actor="cli:kollegin",
        )
    submit_report(web, department)  # ... and the department sends attempt 2
    before = row_counts(web.engine)
    stale = controlling.post(
        f"{REPORT}/decision",
        data={
            "csrf_token": token,
            "decision": "accept",
            "comment": "Passt so.",
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert stale.status_code == 409
    text = visible_text(stale.text)
    assert "Fachbereich Umwelt hat inzwischen Versuch 2 des Teilhaushaltsberichts eingereicht" in (
        text
    )
    assert "Versuch 2" in text and 'name="attempt" value="2"' in stale.text  # the new one
    assert "Passt so.</textarea>" in stale.text
    assert row_counts(web.engine) == before
    assert report_status(web) == [
        (1, PartialReportStatus.returned),
        (2, PartialReportStatus.submitted),
    ]


def test_a_department_clerk_may_not_see_or_decide_a_review(web: Web) -> None:
    department, _ = report_world(web)
    assert department.get(REPORT).status_code == 403
    token = form_token(department, UMWELT)
    refused = department.post(
        f"{REPORT}/decision",
        data={"csrf_token": token, "decision": "accept", "checked": "yes", "attempt": "1"},
    )
    assert refused.status_code == 403
    assert "prüft das Controlling" in visible_text(refused.text)
    assert report_status(web) == [(1, PartialReportStatus.submitted)]
    assert department.get(PLAN).status_code == 403


# -- the plan of Teilhaushalt 8 -----------------------------------------------------------


def plan_world(web: Web, ceiling: Decimal | None = None) -> tuple[TestClient, TestClient]:
    """Umwelt's plan of Teilhaushalt 8 submitted (attempt 1), with a justification; the
    department and the office. `ceiling`: Eckwert 2028 of Teilhaushalt 8."""
    body = body_of(web)
    prepare(web.engine, body)  # the money of 2026 and 2027 to read the request beside
    web.clock.at = open_planning(web.engine, body)
    if ceiling is not None:
        with session_scope(web.engine) as session:
            thh = find_thh(session=session, body=body, number="8")
            session.add(
                BudgetCeiling(
                    body_id=body.id,
                    partial_budget_id=thh.id,
                    year=2028,
                    net=ceiling,
                    file_name="erlass.csv",
                    imported_at=NOW,
                    actor="test",
                )
            )
    department = web.login("umwelt")
    upload_plan(department)
    return department, web.login("controlling")


def upload_plan(department: TestClient) -> None:
    template = department.get(f"{UMWELT}/plans/8.xlsx").content
    data = filled(template, group="56.10", justification="Neue Stelle Klimaberatung")
    done = department.post(
        f"{UMWELT}/plans",
        data={"csrf_token": form_token(department, UMWELT)},
        files={"plan": ("planung-thh8.xlsx", data, XLSX)},
    )
    assert "Planung 2028 eingereicht" in visible_text(done.text), visible_text(done.text)


def plan_status(web: Web) -> list[tuple[int, PlanStatus]]:
    with session_scope(web.engine) as session:
        return [
            (p.attempt, PlanStatus(p.status))
            for p in session.exec(select(Plan).order_by(Plan.attempt)).all()
        ]


def test_the_plan_screen_shows_request_ceiling_goals_targets_and_hints(web: Web) -> None:
    _, controlling = plan_world(web, ceiling=Decimal("1000000"))
    assert f'href="{PLAN}"' in controlling.get(UMWELT).text
    screen = controlling.get(PLAN)
    assert screen.status_code == 200
    text = visible_text(screen.text)
    assert "Planung prüfen: Teilhaushalt 8 Umwelt" in text
    assert "Planung 2028 von Fachbereich Umwelt · Versuch 1" in text
    assert "von Erika Grün (Versuch 1)" in text
    assert "planung-thh8.xlsx herunterladen" in text
    # two groups of 100.000 € income and 900.000 € expenses: 1.600.000 € over 1.000.000 €
    assert "Eckwert 2028 1.000.000 € Zuschussbedarf" in text
    assert "Angemeldet 2028 1.600.000 € Zuschussbedarf ⚠ über dem Eckwert" in text
    assert "liegt um 600.000 € über dem Eckwert" in text
    assert "Ohne Leistungsziel: Produktgruppe 55.40." in text
    assert "56.10 Umweltschutzmaßnahmen 100.000 € 900.000 € 800.000 €" in text
    assert "Ansatz 2027" in text and "Ergebnis 2026" in text
    assert "1.531.000 €" in text  # 56.10's result of 2026 beside the request
    assert "Neue Stelle Klimaberatung" in text
    assert "Der Wärmeverbrauch der Schulen sinkt 2028 auf 93 kWh/m²." in text
    assert "Wärmepumpe Gewerbeschule Herr Beispiel 01.02.2028 bis 30.11.2028 250.000 €" in text
    assert "Soll 2028 (geplant)" in text
    assert "Ich habe die Planung geprüft" in text
    assert 'name="attempt" value="1"' in screen.text
    # the queue's link for a department's planning leads to its waiting plan
    queue = controlling.get(f"{UMWELT}/plans/review", follow_redirects=False)
    assert queue.status_code == 303 and queue.headers["location"] == PLAN


@pytest.mark.both_databases
def test_the_plan_decision_needs_the_confirmation_and_refuses_an_old_attempt(web: Web) -> None:
    department, controlling = plan_world(web)
    before = row_counts(web.engine)
    unconfirmed = controlling.post(
        f"{PLAN}/decision",
        data={
            "csrf_token": form_token(controlling, PLAN),
            "decision": "accept",
            "comment": "Gut begründet.",
            "attempt": "1",
        },
    )
    assert unconfirmed.status_code == 400
    assert "Bitte bestätigen: „Ich habe die Planung geprüft“." in visible_text(unconfirmed.text)
    assert "Gut begründet.</textarea>" in unconfirmed.text
    assert row_counts(web.engine) == before
    token = form_token(controlling, PLAN)  # the reviewer looks at attempt 1 ...
    with session_scope(web.engine) as session:  # ... a colleague returns it meanwhile
        body = session.exec(select(Body)).one()
        handle(
            ReviewPlan(2027, "8", False, "Ziel fehlt"),
            session=session,
            body=body,
            now=web.clock.at,
            actor="cli:kollegin",
        )
    upload_plan(department)  # ... and attempt 2 comes in
    before = row_counts(web.engine)
    stale = controlling.post(
        f"{PLAN}/decision",
        data={
            "csrf_token": token,
            "decision": "accept",
            "comment": "Gut begründet.",
            "checked": "yes",
            "attempt": "1",
        },
    )
    assert stale.status_code == 409
    assert "inzwischen Versuch 2 der Planung eingegangen" in visible_text(stale.text)
    assert "Gut begründet.</textarea>" in stale.text
    assert row_counts(web.engine) == before
    accepted = controlling.post(
        f"{PLAN}/decision",
        data={"csrf_token": token, "decision": "accept", "checked": "yes", "attempt": "2"},
    )
    assert "Planung 2028 des Teilhaushalts 8 angenommen" in visible_text(accepted.text)
    assert plan_status(web) == [(1, PlanStatus.returned), (2, PlanStatus.accepted)]
    assert controlling.get(PLAN).status_code == 404
    assert "nicht auf Prüfung" in visible_text(controlling.get(PLAN).text)


def test_a_plan_of_another_department_has_no_screen_here(web: Web) -> None:
    _, controlling = plan_world(web)
    assert controlling.get(f"{UMWELT}/plans/3/review").status_code == 404
    assert controlling.get(f"{UMWELT}/plans/99/review").status_code == 404


def test_the_overview_queue_leads_to_the_new_screens(web: Web) -> None:
    _, controlling = report_world(web)
    html = controlling.get("/cycles/2027").text
    assert f'href="{REPORT}"' in html


def test_an_earlier_day_shows_what_waited_then(web: Web) -> None:
    _, controlling = report_world(web)  # typed in on 16 March 2027
    before = controlling.get(f"{REPORT}?on=2027-03-15")
    assert before.status_code == 404
    assert "wartete am 15.03.2027 nicht auf Prüfung" in visible_text(before.text)
    same_day = controlling.get(f"{REPORT}?on=2027-03-16")  # today
    assert same_day.status_code == 200 and "Versuch 1" in visible_text(same_day.text)
    web.clock.at = web.clock.at.add(days=2)  # 18 March: a colleague returns it
    with session_scope(web.engine) as session:
        body = session.exec(select(Body)).one()
        handle(
            ReviewPartialReport(2027, "umwelt", False, "Kurz ergänzen"),
            session=session,
            body=body,
            now=web.clock.at,
            actor="cli:kollegin",
        )
    controlling = web.login("controlling")  # the session of two days ago ran out
    assert controlling.get(REPORT).status_code == 404  # nothing waits today
    then = controlling.get(f"{REPORT}?on=2027-03-17")  # but it waited the day before
    assert then.status_code == 200
    assert "Stand am 17.03.2027 – frühere Ansicht" in visible_text(then.text)


@pytest.mark.parametrize("command", [ReviewPartialReport, ReviewPlan])
def test_the_attempt_a_reviewer_saw_is_a_sane_number_or_none(command) -> None:  # type: ignore[no-untyped-def]
    from models.errors import KreislaufError

    assert command(2027, "umwelt", True).attempt is None  # the command line names none
    assert command(2027, "umwelt", True, None, 3).attempt == 3
    for bad in (0, 10_001):
        with pytest.raises(KreislaufError, match="Unbekannter Versuch") as raised:
            command(2027, "umwelt", True, None, bad)
        assert raised.value.field == "attempt"


def test_the_screens_offer_the_uploaded_workbooks_as_they_came(web: Web) -> None:
    """A plan and a partial budget report uploaded as workbooks: the review screens link to
    the files, which come back byte for byte; another department may not fetch them."""
    from tests.test_partial_report import fill as fill_report

    department, controlling = plan_world(web)
    screen = controlling.get(PLAN).text
    link = re.search(r'href="(/cycles/2027/departments/umwelt/files/plan/\d+)"', screen)
    assert link, screen
    sent = controlling.get(link.group(1))
    assert sent.status_code == 200 and sent.headers["content-type"] == XLSX
    assert 'filename="planung-thh8.xlsx"' in sent.headers["content-disposition"]
    assert department.get(link.group(1)).content == sent.content  # the department's own
    assert web.login("soziales").get(link.group(1)).status_code == 403
    # the same id under another department, or as another kind: not found
    other = link.group(1).replace("/umwelt/", "/soziales/")
    assert controlling.get(other).status_code == 404
    assert controlling.get(link.group(1).replace("/plan/", "/figures/")).status_code == 404

    workbook = department.get(f"{UMWELT}/partial-report.xlsx").content
    data = fill_report(workbook)
    uploaded = department.post(
        f"{UMWELT}/partial-report/upload",
        data={"csrf_token": form_token(department, UMWELT)},
        files={"report": ("bericht-umwelt.xlsx", data, XLSX)},
    )
    assert "eingereicht" in visible_text(uploaded.text), visible_text(uploaded.text)
    report = controlling.get(REPORT).text
    found = re.search(r'href="(/cycles/2027/departments/umwelt/files/partial-report/\d+)"', report)
    assert found, visible_text(report)
    back = controlling.get(found.group(1))
    assert back.status_code == 200
    assert 'filename="bericht-umwelt.xlsx"' in back.headers["content-disposition"]
    assert back.content == data
