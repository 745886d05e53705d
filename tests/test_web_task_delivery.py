"""A department confirms a task on its page; the controlling office reviews it there.

Lörrach's world (tests/webworld.py) in mid-March 2027, with its partial budget report task
declared a plain confirmation, as a body whose calendar says so would have it.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

UMWELT = "/cycles/2027/departments/umwelt"


def confirmation_task(web: Web) -> int:
    with web.engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE deadline SET delivers = 'confirmation' WHERE key = 'teilhaushaltsbericht'"
            )
        )
        return connection.execute(
            sa.text(
                "SELECT t.id FROM task t JOIN deadline d ON d.id = t.deadline_id "
                "JOIN department p ON p.id = t.department_id "
                "WHERE d.key = 'teilhaushaltsbericht' AND p.key = 'umwelt'"
            )
        ).scalar_one()


def test_a_department_confirms_on_its_page_and_the_controlling_office_accepts(web: Web) -> None:
    task = confirmation_task(web)
    department = web.login("umwelt")
    page = visible_text(department.get(UMWELT).text)
    assert "Aufgaben erledigen" in page
    # where its report is presented: its committee and the committee's sessions
    assert (
        "Fachausschuss: Ausschuss für Umwelt und Technik; Sitzungen 2027: "
        "Mittwoch, 21.04.2027 und Mittwoch, 17.11.2027"
    ) in page
    assert "erfüllt durch: Erledigung bestätigen (Datum und Vermerk)" in page

    before = row_counts(web.engine)
    refused = department.post(
        f"/cycles/2027/tasks/{task}/confirm",
        data={"done_on": "2027-03-15", "note": " ", "csrf_token": form_token(department, UMWELT)},
    )
    assert refused.status_code == 400
    assert 'id="task-' in refused.text and 'aria-invalid="true"' in refused.text
    assert "Bitte einen Vermerk angeben" in visible_text(refused.text)
    assert row_counts(web.engine) == before

    done = department.post(
        f"/cycles/2027/tasks/{task}/confirm",
        data={
            "done_on": "2027-03-15",
            "note": "Bericht an den Umweltausschuss",
            "csrf_token": form_token(department, UMWELT),
        },
    )
    text = visible_text(done.text)
    assert "Erledigung am 15.03.2027 festgehalten." in text
    assert "Zuletzt: Bestätigung vom 15.03.2027" in text
    assert "Vermerk: Bericht an den Umweltausschuss" in text

    other = web.login("soziales")
    forbidden = other.post(
        f"/cycles/2027/tasks/{task}/review",
        data={
            "decision": "accept",
            "csrf_token": form_token(other, "/cycles/2027/departments/soziales"),
        },
    )
    assert forbidden.status_code == 403

    controlling = web.login("controlling")
    assert "Prüfung: Teilhaushaltsbericht" in visible_text(controlling.get(UMWELT).text)
    accepted = controlling.post(
        f"/cycles/2027/tasks/{task}/review",
        data={"decision": "accept", "csrf_token": form_token(controlling, UMWELT)},
    )
    assert "Aufgabe angenommen." in visible_text(accepted.text)
    with web.engine.connect() as connection:
        status = connection.execute(
            sa.text("SELECT status FROM task WHERE id = :id"), {"id": task}
        ).scalar_one()
    assert status == "accepted"
