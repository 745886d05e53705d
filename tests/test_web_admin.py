"""The admin page (issue 14): the strategy resolution only after "Bitte prüfen", the survey's
answers per faction, the next step the cycle expects (models.next_step, pure) and a change set's
mistakes in words."""

from __future__ import annotations

import datetime as dt

import pytest

from models.decisions import SessionStatus
from models.next_step import CycleState, next_step
from tests.conftest import row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

CHANGES = (
    'summary = "Klimaschutz stärken"\nparticipants = ["Landrätin"]\n\n[[changes]]\n'
    'action = "add_priority"\nfield = "klima-biodiversitaet"\n'
    'text = "Der Landkreis wird bis 2035 klimaneutral."\n'
)
RESOLUTION = {"year": "2027", "date": "2027-07-21", "number": "KT/2027/045"}


def _held_forum(web: Web):  # type: ignore[no-untyped-def]
    """A forum convened and held in May with CHANGES; the admin's client in late July."""
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post("/admin/convene", data={"year": "2027", "reason": "Klima", "csrf_token": token})
    response = client.post(
        "/admin/session",
        data={"year": "2027", "held_on": "2027-05-20", "changes": CHANGES, "csrf_token": token},
    )
    assert "die Änderungen gelten erst mit dem Beschluss" in visible_text(response.text)
    web.clock.at = web.clock.at.replace(month=7, day=22)
    return web.login("verwaltung")


def test_the_resolution_is_recorded_only_after_confirming(web: Web) -> None:
    client = _held_forum(web)
    admin = visible_text(client.get("/admin").text)
    assert "Nächster Schritt: Beschluss des Kreistags festhalten." in admin
    before = row_counts(web.engine)
    started = list(web.flows.started)
    token = form_token(client, "/admin")
    preview = client.post("/admin/resolution/preview", data={**RESOLUTION, "csrf_token": token})
    assert preview.status_code == 200
    text = visible_text(preview.text)
    assert "Bitte prüfen: Beschluss Nr. KT/2027/045 vom 21.07.2027" in text
    assert "Danach: Strategie Version 4 gilt (vorher Version 3)." in text
    assert (
        "neu Klima & Biodiversität Schwerpunkt 4 – "
        "Der Landkreis wird bis 2035 klimaneutral." in text
    )
    assert "klima-biodiversitaet.4" not in text  # people read the number, not the key
    assert "Bestätigen und festhalten" in text and "Zurück" in text
    assert row_counts(web.engine) == before  # the preview writes nothing
    assert web.flows.started == started
    back = client.post(
        "/admin/resolution/preview", data={**RESOLUTION, "edit": "1", "csrf_token": token}
    )
    assert 'value="KT/2027/045"' in back.text and row_counts(web.engine) == before
    done = client.post("/admin/resolution", data={**RESOLUTION, "csrf_token": token})
    assert "Beschluss KT/2027/045 festgehalten" in visible_text(done.text)
    assert row_counts(web.engine)["resolution"] == before["resolution"] + 1
    assert row_counts(web.engine)["strategy_version"] == before["strategy_version"] + 1
    assert web.flows.started[-1][0] == "resolution"
    after = visible_text(client.get("/admin").text)
    assert "Nächster Schritt: Haushaltsbeschluss festhalten" in after


def test_a_refused_preview_shows_the_form_again_and_writes_nothing(web: Web) -> None:
    client = web.login("verwaltung")  # mid-March: no forum held yet
    before = row_counts(web.engine)
    token = form_token(client, "/admin")
    refused = client.post("/admin/resolution/preview", data={**RESOLUTION, "csrf_token": token})
    assert refused.status_code == 409
    assert "ohne sie gibt es nichts zu beschließen" in visible_text(refused.text)
    assert row_counts(web.engine) == before
    other = web.login("controlling")
    token = form_token(other, "/")
    assert (
        other.post(
            "/admin/resolution/preview", data={**RESOLUTION, "csrf_token": token}
        ).status_code
        == 403
    )


def test_the_survey_state_lists_every_faction(web: Web) -> None:
    web.clock.at = web.clock.at.replace(month=4, day=15)  # the survey runs
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post(
        "/admin/survey",
        data={
            "year": "2027",
            "faction": "cdu",
            "need": "ja",
            "comment": "Klimaschutz",
            "csrf_token": token,
        },
    )
    text = visible_text(client.get("/admin").text)
    assert "Befragung der Fraktionsvorsitzenden (01.04.2027 bis 30.04.2027)" in text
    assert "CDU-Fraktion ja Klimaschutz 15.04.2027" in text
    for name in ("SPD-Fraktion", "FDP-Fraktion", "AfD-Fraktion", "Fraktion der Freien Wähler"):
        assert f"{name} noch keine Antwort" in text
    assert "Nächster Schritt: Befragung läuft bis 30.04.2027: 1 von 6 Fraktionen" in text


def test_a_bad_change_set_is_told_in_words(web: Web) -> None:
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    before = row_counts(web.engine)
    token = form_token(client, "/admin")
    bad = (
        '[[changes]]\naction = "add"\nfield = "x"\ntext = "y"\n\n'
        '[[changes]]\naction = "remove_priority"\n'
    )
    response = client.post(
        "/admin/session",
        data={"year": "2027", "held_on": "2027-05-20", "changes": bad, "csrf_token": token},
    )
    assert response.status_code == 400
    text = visible_text(response.text)
    assert "Änderung 1: „Aktion“ muss eine dieser Aktionen sein: change_vision," in text
    assert "add_priority, change_priority, move_priority, rank_priority, remove_priority" in text
    assert "Änderung 2: „Schwerpunkt“ fehlt" in text
    assert "changes[0]" not in text and "erlaubt: 'add_priority'" not in text
    assert row_counts(web.engine) == before


def test_a_change_that_does_not_fit_the_strategy_names_the_change(web: Web) -> None:
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post("/admin/convene", data={"year": "2027", "reason": "Klima", "csrf_token": token})
    wrong = '[[changes]]\naction = "remove_priority"\npriority = "mobilitaet.99"\n'
    response = client.post(
        "/admin/session",
        data={"year": "2027", "held_on": "2027-05-20", "changes": wrong, "csrf_token": token},
    )
    text = visible_text(response.text)
    assert "Änderung 1, „Schwerpunkt“: Schwerpunkt 'mobilitaet.99' gibt es" in text, text[-600:]


# ----------------------------------------------------------------- the next step (pure)

APRIL_15 = dt.date(2027, 4, 15)


def _state(**changes: object) -> CycleState:
    base: dict[str, object] = {
        "year": 2027,
        "today": APRIL_15,
        "survey_opens_on": dt.date(2027, 4, 1),
        "survey_closes_on": dt.date(2027, 4, 30),
        "factions": 6,
    }
    return CycleState(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes, key, text",
    [
        ({"today": dt.date(2027, 3, 16)}, "survey_planned", "beginnt am 01.04.2027"),
        ({"answered": 2}, "survey_running", "Befragung läuft bis 30.04.2027: 2 von 6"),
        ({"today": dt.date(2027, 5, 3)}, "survey_ended", "Befragung endete am 30.04.2027"),
        ({"survey_closed": True}, "convene", "Forum einberufen."),
        (
            {"survey_opens_on": None, "election_year": True},
            "convene",
            "Klausurtagung einberufen.",
        ),
        ({"session": SessionStatus.convened}, "record_session", "Forum-Ergebnis festhalten."),
        (
            {"session": SessionStatus.convened, "election_year": True},
            "record_session",
            "Klausurtagung-Ergebnis festhalten.",
        ),
        ({"session": SessionStatus.held}, "record_resolution", "Beschluss des Kreistags"),
        (
            {"session": SessionStatus.held, "resolution": True},
            "record_budget_resolution",
            "Haushaltsbeschluss festhalten",
        ),
        (
            {"survey_closed": True, "session": SessionStatus.not_needed},
            "record_budget_resolution",
            "Kein Forum nötig",
        ),
        ({"session": SessionStatus.held, "budget_resolution": True}, "done", "abgeschlossen"),
        ({"closed": True}, "done", "Der Steuerungskreislauf 2027 ist abgeschlossen."),
    ],
)
def test_the_next_step_follows_the_cycle(changes: dict[str, object], key: str, text: str) -> None:
    step = next_step(_state(**changes))
    assert step.key == key
    assert text in step.text
