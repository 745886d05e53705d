"""The pages as of an earlier day (`?on=JJJJ-MM-TT`): statuses as they stood then, later
rows left out, read only (no forms that change things), links that stay on that day, and a
German 400 for a bad day."""

from __future__ import annotations

import re

import pendulum
import pytest
from fastapi.testclient import TestClient

from tests.conftest import row_counts
from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_review import REVIEW, UMWELT, submit
from tests.webworld import csrf_of, visible_text

OVERVIEW = "/cycles/2027"


def accept_next_day(web: Web) -> TestClient:
    """Umwelt submits its figures on Tuesday 16 March 2027; the controlling office accepts
    them on Wednesday 17 March (the clock stands there afterwards)."""
    submit(web)
    web.clock.at = pendulum.datetime(2027, 3, 17, 9, 0, tz="Europe/Berlin")
    controlling = web.login("controlling")
    token = csrf_of(controlling.get(REVIEW).text)
    accepted = controlling.post(
        f"{REVIEW}/decision",
        data={"csrf_token": token, "decision": "accept", "checked": "yes", "attempt": "1"},
    )
    assert "Meldung 2027 angenommen." in visible_text(accepted.text)
    return controlling


def figures_state(html: str) -> str:
    """The state the department page shows for the figures task."""
    row = re.search(r'<td class="task">Ist-Werte der Kennzahlen melden</td>(.*?)</tr>', html, re.S)
    assert row, "no figures task on the page"
    return visible_text(row.group(1))


def post_forms(html: str) -> list[str]:
    return [a for a in re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', html)]


@pytest.mark.both_databases
def test_a_task_accepted_on_a_day_shows_submitted_the_day_before_and_accepted_that_day(
    web: Web,
) -> None:
    controlling = accept_next_day(web)

    before = controlling.get(f"{UMWELT}?on=2027-03-16")
    assert before.status_code == 200
    text = visible_text(before.text)
    assert "Stand am 16.03.2027 – frühere Ansicht, nur zum Lesen." in text
    assert "eingereicht" in figures_state(before.text)
    assert "angenommen" not in figures_state(before.text)

    earlier = controlling.get(f"{UMWELT}?on=2027-03-15")
    assert "eingereicht" not in figures_state(earlier.text)  # not yet delivered then
    assert "Versuch 1" not in visible_text(earlier.text)

    today = controlling.get(f"{UMWELT}?on=2027-03-17")
    assert "frühere Ansicht" not in visible_text(today.text)
    assert "angenommen" in figures_state(today.text)

    # the review screen of the 16th shows what waited then; today nothing waits
    screen = controlling.get(f"{REVIEW}?on=2027-03-16")
    assert screen.status_code == 200
    assert "Meldung prüfen: Fachbereich Umwelt" in visible_text(screen.text)
    assert post_forms(screen.text) == ["/logout"]  # no decision on a past view
    assert controlling.get(REVIEW).status_code == 404
    gone = controlling.get(f"{REVIEW}?on=2027-03-15")
    assert gone.status_code == 404
    assert (
        "Eine Meldung von Fachbereich Umwelt wartete am 15.03.2027 nicht auf Prüfung"
        in visible_text(gone.text)
    )


@pytest.mark.both_databases
def test_the_overview_of_an_earlier_day_is_read_only_and_its_links_stay_on_that_day(
    web: Web,
) -> None:
    controlling = accept_next_day(web)

    past = controlling.get(f"{OVERVIEW}?on=2027-03-16")
    assert past.status_code == 200
    html, text = past.text, visible_text(past.text)
    assert "Stand am 16.03.2027 – frühere Ansicht, nur zum Lesen." in text
    assert 'href="/cycles/2027"' in html  # "Zum heutigen Stand"
    assert "Zum heutigen Stand" in text
    assert "Stand: Dienstag, 16.03.2027" in text and "Heute:" not in text  # the timeline
    # what has no history says so where it is shown
    assert text.count("Dieser Abschnitt zeigt den heutigen Stand") == 3
    assert "Bericht zur Zielerreichung (.pdf) (heutiger Stand)" in text
    # the review queue of that day: Umwelt's figures waited
    queue = re.search(r'id="pruefen".*?</section>', html, re.S)
    assert queue and "Fachbereich Umwelt" in visible_text(queue.group(0))
    assert f'href="{REVIEW}?on=2027-03-16"' in html
    assert 'href="/cycles/2027/audit?on=2027-03-16"' in html
    assert post_forms(html) == ["/logout"]
    # the filter form keeps the day
    assert '<input type="hidden" name="on" value="2027-03-16">' in html

    now = controlling.get(OVERVIEW)
    assert "frühere Ansicht" not in visible_text(now.text)
    assert "Stand an einem Tag anzeigen" in visible_text(now.text)
    queue_now = re.search(r'id="pruefen".*?</section>', now.text, re.S)
    assert queue_now and "Fachbereich Umwelt" not in visible_text(queue_now.group(0))


@pytest.mark.both_databases
def test_the_audit_trail_of_an_earlier_day_ends_with_that_day(web: Web) -> None:
    controlling = accept_next_day(web)
    now = visible_text(controlling.get("/cycles/2027/audit").text)
    assert "Kennzahlen-Meldung angenommen" in now
    past = visible_text(controlling.get("/cycles/2027/audit?on=2027-03-16").text)
    assert "Kennzahlen-Meldung angenommen" not in past
    assert "Kennzahlen-Meldung eingereicht" in past or "Aufgabe eingereicht" in past
    csv = controlling.get("/cycles/2027/audit.csv?on=2027-03-16").content.decode("utf-8-sig")
    assert "submission.accepted" not in csv
    assert "submission.accepted" in controlling.get("/cycles/2027/audit.csv").text
    messages = controlling.get("/cycles/2027/messages?on=2027-01-05")
    assert messages.status_code == 200
    assert "frühere Ansicht" in visible_text(messages.text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("16.03.2027", "Das Datum „16.03.2027“ ist ungültig: erwartet JJJJ-MM-TT."),
        ("2027-02-30", "Das Datum „2027-02-30“ ist ungültig: erwartet JJJJ-MM-TT."),
        ("1999-01-01", "erwartet ein Jahr von 2000 bis 2199"),
        ("2027-03-17", "liegt in der Zukunft"),
    ],
)
def test_a_bad_day_gives_a_german_400_and_changes_nothing(
    web: Web, value: str, message: str
) -> None:
    controlling = web.login("controlling")
    before = row_counts(web.engine)
    for path in (OVERVIEW, UMWELT, "/cycles/2027/audit", "/cycles/2027/messages"):
        response = controlling.get(path, params={"on": value})
        assert response.status_code == 400, path
        text = visible_text(response.text)
        assert "Ungültiges Datum" in text
        assert message in text
        assert "Traceback" not in response.text
    assert row_counts(web.engine) == before


def test_read_only_drops_deciding_forms_and_keeps_the_day_on_links() -> None:
    from web.render import read_only

    html = (
        '<form class="logout" method="post" action="/logout"><button>Abmelden</button></form>'
        '<a href="/cycles/2027/departments/umwelt#meldung">U</a>'
        '<a href="/cycles/2027/audit?q=x&amp;seite=2">P</a>'
        '<a href="/cycles/2027/money">G</a><a href="/cycles/2027/deadlines.ics">K</a>'
        '<a href="?sort=due#aufgaben">S</a><a href="#inhalt">I</a>'
        '<a data-today href="/cycles/2027">H</a>'
        '<form method="post" action="/cycles/2027/departments/umwelt/submissions">'
        "<button>Hochladen</button></form>"
        '<form method="get" action="/cycles/2027/audit"><input name="q"></form>'
    )
    out = read_only(html, "on=2027-03-01")
    assert 'action="/logout"' in out and "Hochladen" not in out
    assert 'href="/cycles/2027/departments/umwelt?on=2027-03-01#meldung"' in out
    assert 'href="/cycles/2027/audit?q=x&amp;seite=2&amp;on=2027-03-01"' in out
    assert 'href="/cycles/2027/money"' in out  # no history: today's state
    assert 'href="/cycles/2027/deadlines.ics"' in out
    assert 'href="?sort=due&amp;on=2027-03-01#aufgaben"' in out
    assert 'href="#inhalt"' in out
    assert 'data-today href="/cycles/2027"' in out
    assert '<input type="hidden" name="on" value="2027-03-01"><input name="q">' in out


def test_every_review_screen_of_the_queue_keeps_the_day() -> None:
    """The past overview's queue leads to the review screens of figures, partial budget
    reports and plans: each keeps `on=`, so it shows what waited that day."""
    from web.render import read_only

    screens = [
        "/cycles/2027/departments/umwelt/review",
        "/cycles/2027/departments/umwelt/partial-report/review",
        "/cycles/2027/departments/umwelt/plans/review",
        "/cycles/2027/departments/umwelt/plans/8/review",
    ]
    out = read_only("".join(f'<a href="{path}">x</a>' for path in screens), "on=2027-03-01")
    for path in screens:
        assert f'href="{path}?on=2027-03-01"' in out


def test_every_form_of_every_template_says_its_method_as_read_only_expects() -> None:
    """web.render.read_only drops the forms written `method="post"`; a form spelled another
    way would survive on a past view and offer a decision there."""
    import re
    from pathlib import Path

    templates = Path(__file__).parent.parent / "web" / "templates"
    for template in templates.glob("*.html"):
        text = template.read_text()
        for form in re.findall(r"<form\b[^>]*>", text, flags=re.I):
            assert re.search(r'\bmethod="(post|get)"', form), (template.name, form)
        assert "formmethod" not in text.lower(), template.name
