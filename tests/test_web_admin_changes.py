"""The admin page's structured change-set form: kind of change, field of action and priority
chosen from the strategy in force (by name, never by key), text; the same ChangeSet in the
same RecordSession command as the TOML alternative. Mistakes per row beside the field,
nothing written."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from models.decisions import StrategySession
from tests.conftest import row_counts
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.webworld import visible_text

NEW_TEXT = "Der Landkreis wird bis 2035 klimaneutral."


def _convened(web: Web):  # type: ignore[no-untyped-def]
    """The forum convened on 21 May; the admin's client and a form token."""
    web.clock.at = web.clock.at.replace(month=5, day=21)
    client = web.login("verwaltung")
    token = form_token(client, "/admin")
    client.post("/admin/convene", data={"year": "2027", "reason": "Klima", "csrf_token": token})
    return client, token


def _form(token: str, rows: list[dict[str, str]], **more: str) -> dict[str, object]:
    """The session form as the browser posts it: each row's four inputs, in order."""
    data: dict[str, object] = {"year": "2027", "held_on": "2027-05-20", "csrf_token": token}
    data.update(more)
    for key in ("action", "field", "priority", "text"):
        data[key] = [row.get(key, "") for row in rows]
    return data


BLANK: dict[str, str] = {}
VALID = [
    {"action": "add_priority", "field": "klima-biodiversitaet", "text": NEW_TEXT},
    BLANK,  # an empty row in between is ignored
    {"action": "change_priority", "priority": "mobilitaet.1", "text": "Der ÖPNV wird dichter."},
    {"action": "remove_priority", "priority": "mobilitaet.3"},
]


def test_the_form_offers_fields_and_priorities_by_name(web: Web) -> None:
    client, _ = _convened(web)
    html = client.get("/admin").text
    text = visible_text(html)
    assert "Art der Änderung" in text and "Schwerpunkt hinzufügen" in text
    assert "Schwerpunkt streichen" in text and "Weitere Zeile" in text
    assert html.count('name="action"') == 3  # three empty rows
    priority = re.search(r'<select id="session-priority-0".*?</select>', html, re.S)
    assert priority is not None
    shown = visible_text(priority.group(0))
    assert "Schwerpunkt 2: Der Landkreis wirkt den Folgen des Klimawandels entgegen." in shown
    assert '<optgroup label="Klima &amp; Biodiversität">' in priority.group(0)
    assert "klima-biodiversitaet" not in shown and "mobilitaet.1" not in shown  # no keys
    field = re.search(r'<select id="session-field-0".*?</select>', html, re.S)
    assert field is not None and "Wirtschafts- und Strukturpolitik" in visible_text(field.group(0))
    assert "Änderungen als TOML einfügen (für Fortgeschrittene)" in text


@pytest.mark.both_databases
def test_a_structured_change_set_is_recorded(web: Web) -> None:
    client, token = _convened(web)
    before = row_counts(web.engine)
    response = client.post(
        "/admin/session",
        data=_form(
            token,
            VALID,
            summary="Klimaschutz stärken",
            participants="Landrätin\n\n Fraktionsvorsitzende \n",
        ),
    )
    assert response.status_code == 200, visible_text(response.text)[-400:]
    text = visible_text(response.text)
    assert "Festgehalten; die Änderungen gelten erst mit dem Beschluss" in text
    assert "Nächster Schritt: Beschluss des Kreistags festhalten." in text
    # the session convened is the one recorded (no second row)
    assert row_counts(web.engine)["strategy_session"] == before["strategy_session"]
    with Session(web.engine) as session:
        stored = session.exec(select(StrategySession)).one()
    assert stored.participants == ["Landrätin", "Fraktionsvorsitzende"]
    assert stored.change_set == {
        "summary": "Klimaschutz stärken",
        "participants": ["Landrätin", "Fraktionsvorsitzende"],
        "changes": [
            {"action": "add_priority", "field": "klima-biodiversitaet", "text": NEW_TEXT},
            {
                "action": "change_priority",
                "priority": "mobilitaet.1",
                "text": "Der ÖPNV wird dichter.",
            },
            {"action": "remove_priority", "priority": "mobilitaet.3"},
        ],
    }
    # the confirmation before the resolution lists the three changes by name
    web.clock.at = web.clock.at.replace(month=7, day=22)
    client = web.login("verwaltung")
    preview = client.post(
        "/admin/resolution/preview",
        data={
            "year": "2027",
            "date": "2027-07-21",
            "number": "KT/2027/045",
            "csrf_token": form_token(client, "/admin"),
        },
    )
    shown = visible_text(preview.text)
    assert f"neu Klima & Biodiversität Schwerpunkt 4 – {NEW_TEXT}" in shown
    assert "geändert Mobilität Schwerpunkt 1" in shown and "Der ÖPNV wird dichter." in shown
    assert "entfällt Mobilität Schwerpunkt 3" in shown


def test_a_row_with_a_mistake_keeps_the_input_and_writes_nothing(web: Web) -> None:
    client, token = _convened(web)
    before = row_counts(web.engine)
    rows = [
        {"action": "add_priority", "field": "klima-biodiversitaet", "text": NEW_TEXT},
        {"action": "change_priority", "text": "Neuer Wortlaut ohne Schwerpunkt"},
        {"field": "mobilitaet"},  # no kind of change
    ]
    response = client.post("/admin/session", data=_form(token, rows, summary="Klima"))
    assert response.status_code == 400
    html = response.text
    text = visible_text(html)
    assert "Zeile 2: Bitte einen Schwerpunkt wählen." in text
    assert "Zeile 3: Bitte die Art der Änderung wählen." in text
    assert "Zeile 1:" not in text
    # beside its field, and the field points to it
    select = re.search(r'<select id="session-priority-1"[^>]*>', html)
    assert select is not None and 'aria-invalid="true"' in select.group(0)
    assert 'aria-describedby="fehler-session-priority-1"' in select.group(0)
    assert 'id="fehler-session-priority-1">Zeile 2: Bitte einen Schwerpunkt wählen.' in html
    # what was typed is still there
    assert f">{NEW_TEXT}</textarea>" in html
    assert ">Neuer Wortlaut ohne Schwerpunkt</textarea>" in html
    assert 'value="Klima"' in html
    assert re.search(r'<option value="change_priority" selected>', html)
    assert re.search(r'<option value="klima-biodiversitaet" selected>', html)
    assert row_counts(web.engine) == before


def test_a_tampered_priority_or_field_is_refused(web: Web) -> None:
    client, token = _convened(web)
    before = row_counts(web.engine)
    rows = [
        {"action": "remove_priority", "priority": "mobilitaet.99"},
        {"action": "add_priority", "field": "raumfahrt", "text": "Der Landkreis fliegt."},
        {"action": "delete_everything", "priority": "mobilitaet.1"},
    ]
    response = client.post("/admin/session", data=_form(token, rows))
    assert response.status_code == 400
    text = visible_text(response.text)
    assert "Zeile 1: Diesen Schwerpunkt gibt es in der geltenden Strategie nicht" in text
    assert "Zeile 2: Dieses Handlungsfeld gibt es in der geltenden Strategie nicht" in text
    assert "Zeile 3: Diese Art der Änderung gibt es nicht" in text
    assert row_counts(web.engine) == before
    nothing = client.post("/admin/session", data=_form(token, [BLANK, BLANK, BLANK]))
    assert "Bitte mindestens eine Änderung angeben" in visible_text(nothing.text)
    both = client.post(
        "/admin/session", data=_form(token, VALID, changes='[[changes]]\naction = "x"\n')
    )
    assert "entweder in den Zeilen oder als TOML" in visible_text(both.text)
    assert row_counts(web.engine) == before


def test_one_more_row_keeps_what_was_typed_and_records_nothing(web: Web) -> None:
    client, token = _convened(web)
    before = row_counts(web.engine)
    rows = [{"action": "add_priority", "field": "mobilitaet", "text": "Mehr Radwege."}]
    response = client.post(
        "/admin/session/rows", data=_form(token, rows + [BLANK, BLANK], held_on="")
    )
    assert response.status_code == 200
    html = response.text
    assert html.count('name="action"') == 4
    assert 'id="session-row-3"' in html and ">Mehr Radwege.</textarea>" in html
    assert row_counts(web.engine) == before
    full = client.post("/admin/session/rows", data=_form(token, [BLANK] * 30))
    assert full.status_code == 400
    assert "Höchstens 30 Zeilen" in visible_text(full.text)
    assert full.text.count('name="action"') == 30 and "Weitere Zeile" not in full.text
    # a long pasted TOML goes along with "Weitere Zeile" (the change set's size limit)
    pasted = '# Kommentar "ä"\n' * 10_000  # over 64 KiB encoded
    long = client.post("/admin/session/rows", data=_form(token, rows, changes=pasted))
    assert long.status_code == 200 and long.text.count('name="action"') == 4
    assert '<details class="field-group" open>' in long.text
    # the typed rows, recorded as they stand
    done = client.post("/admin/session", data=_form(token, rows))
    assert "die Änderungen gelten erst mit dem Beschluss" in visible_text(done.text)
    assert row_counts(web.engine)["strategy_session"] == before["strategy_session"]
