"""The controlling office's overview (issue 14): counts per phase, the queue of what waits for
review, the departments x tasks matrix, and the audit trail and messages on pages of their
own (German, paged, searchable, as CSV)."""

from __future__ import annotations

import re

import pytest

from tests.test_web_access import Web
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_delivery import upload
from tests.webworld import FILLED, fill, visible_text


def section(html: str, heading_id: str) -> str:
    """The visible text of the <section> whose heading has this id."""
    start = html.index(">", html.index(f'id="{heading_id}"')) + 1
    return visible_text(html[start : html.index("</section>", start)])


def submit_umwelt(web: Web) -> None:
    department = web.login("umwelt")
    template = department.get("/cycles/2027/departments/umwelt/template.xlsx").content
    done = upload(department, fill(template, FILLED))
    assert "Meldung 2027 eingereicht" in visible_text(done.text)


def test_the_overview_counts_per_phase_and_queues_a_submitted_delivery(web: Web) -> None:
    submit_umwelt(web)
    html = web.login("controlling").get("/cycles/2027").text

    strip = section(html, "stand")
    # mid-March: nine departments late with their figures, Umwelt's wait for review
    assert (
        "✓ 0 erledigt ◔ 1 zu prüfen ! 9 überfällig ○ 42 offen × 0 versäumt von 52 Aufgaben" in strip
    )
    assert "Evaluierung der Zielerreichung 01.02.2027 – 30.04.2027 · laufend 0 1 9 20 0 30" in strip
    assert "Haushaltsbeschluss 01.10.2027 – 15.12.2027 · bevorstehend 0 0 0 3 0 3" in strip

    queue = section(html, "pruefen")
    assert queue.startswith("Zu prüfen (1)")
    assert "Fachbereich Umwelt Ist-Werte der Kennzahlen melden" in queue
    assert "16.03.2027 10:00 heute" in queue  # since when it waits
    assert 'href="/cycles/2027/departments/umwelt/review"' in html  # the review screen
    web.clock.at = web.clock.at.add(days=3)
    later = section(web.login("controlling").get("/cycles/2027").text, "pruefen")
    assert "16.03.2027 10:00 seit 3 Tagen" in later
    review = web.login("controlling").get("/cycles/2027/departments/umwelt").text
    assert 'id="meldung"' in review


def test_the_matrix_shows_a_state_word_for_every_department(web: Web) -> None:
    submit_umwelt(web)
    html = web.login("controlling").get("/cycles/2027").text
    start = html.index('id="matrix"')
    matrix = html[start : html.index("</section>", start)]
    assert "<caption" in matrix and 'scope="col"' in matrix
    assert '<abbr title="Ist-Werte der Kennzahlen melden">Ist-Werte</abbr>' in matrix
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", matrix, flags=re.S)
    text = {visible_text(row).split(" ", 2)[1]: visible_text(row) for row in rows}
    assert len(rows) == 11  # ten departments and the controlling office itself
    assert re.match(r"Fachbereich Umwelt ◔ eingereicht ?: prüfen ○ offen ○ offen", text["Umwelt"])
    assert 'href="/cycles/2027/departments/umwelt/review"' in matrix  # where it is reviewed
    assert text["Soziales"].startswith("Fachbereich Soziales ! überfällig ○ offen")
    assert "keine Aufgabe" in text["Umwelt"]  # e.g. the budget circular is the treasury's
    # the council's factions answer the April survey: their own rows, no department link
    factions = re.findall(r'<tr class="faction"><th scope="row">(.*?)</tr>', matrix, flags=re.S)
    assert [visible_text(row).split(" keine")[0] for row in factions][:2] == [
        "AfD-Fraktion",
        "CDU-Fraktion",
    ]
    for row in factions:  # the April survey, planned in March; nothing else is theirs
        assert "/departments/" not in row
        assert visible_text(row).count("geplant") == 1
        assert not re.search(r"offen|eingereicht|überfällig", visible_text(row))
    assert '<abbr title="Ist-Werte der Kennzahlen melden">' in matrix
    for row in text.values():
        assert re.search(r"überfällig|eingereicht|offen|geplant", row), row
    # what went to their own pages is linked, not listed
    overview = visible_text(html)
    assert "Protokoll der Änderungen" in overview
    assert "task.open" not in html and "Die letzten" not in overview


@pytest.mark.both_databases  # the text filter searches JSON details on both databases
def test_the_audit_page_speaks_german_pages_filters_and_downloads(web: Web) -> None:
    import pendulum
    import sqlalchemy as sa

    from models.audit import record
    from models.db import session_scope

    submit_umwelt(web)
    with session_scope(web.engine) as session:  # a busy year: more than one page
        body_id = session.exec(sa.text("select id from body")).scalar_one()
        for number in range(60):
            record(
                session=session,
                now=pendulum.datetime(2027, 1, 5, tz="UTC"),
                actor="cli:kaemmerei",
                action="budget.import",
                entity="body",
                entity_id=None,
                body_id=body_id,
                after={"comment": None, "rows": number},
            )
    client = web.login("controlling")
    page = client.get("/cycles/2027/audit")
    assert page.status_code == 200
    text = visible_text(page.text)
    assert "Protokoll der Änderungen – Landkreis Lörrach" in text
    assert "Aufgabe eingereicht" in text
    assert "Aufgabe Ist-Werte der Kennzahlen melden (Fachbereich Umwelt)" in text
    assert "Stand: offen → eingereicht" in text
    assert "umwelt" in text  # the department user, by display name
    assert "task.submitted" not in text and "None" not in text and "sha256" not in text
    assert re.search(r"\d+ Einträge; Seite 1 von [2-9]", text)
    assert 'href="/cycles/2027/audit?seite=2"' in page.text
    older = visible_text(client.get("/cycles/2027/audit?seite=2").text)
    assert "Seite 2 von 2" in older and "kaemmerei (Kommandozeile)" in older
    assert "Haushaltsdaten eingelesen" in older

    found = visible_text(client.get("/cycles/2027/audit", params={"q": "eingereicht"}).text)
    assert "zu „eingereicht“" in found
    assert "Aufgabe eröffnet" not in found and "Aufgabe eingereicht" in found
    assert "Seite 1 von 1" in found
    by_file = visible_text(client.get("/cycles/2027/audit", params={"q": "UMWELT.xlsx"}).text)
    assert "1 Eintrag zu" in by_file and "Kennzahlen-Meldung eingereicht" in by_file
    odd = client.get("/cycles/2027/audit", params={"q": "100% _x'"})
    assert odd.status_code == 200 and "Kein Eintrag zu" in visible_text(odd.text)

    csv = client.get("/cycles/2027/audit.csv", params={"q": "eingereicht"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert 'filename="protokoll-2027.csv"' in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Zeitpunkt (UTC);wer;Aktion;Aktionsschlüssel;Objekt;Änderungen"
    assert any(";Aufgabe eingereicht;task.submitted;" in line for line in lines[1:])
    assert all("eröffnet" not in line for line in lines[1:])

    assert client.get("/cycles/2027/audit", params={"q": "x" * 101}).status_code == 404
    assert client.get("/cycles/2027/audit?seite=0").status_code == 404
    assert web.login("umwelt").get("/cycles/2027/audit").status_code == 403


def test_the_messages_page_is_german_filters_and_downloads(web: Web) -> None:
    import pendulum
    import sqlalchemy as sa

    from models.db import session_scope
    from models.outbox import OutboxMessage

    with session_scope(web.engine) as session:
        body_id = session.exec(sa.text("select id from body")).scalar_one()
        for number, status in enumerate(["sent", "failed", "pending"]):
            session.add(
                OutboxMessage(
                    body_id=body_id,
                    key=f"reminder:umwelt:{number}",
                    kind="reminder",
                    recipient="Fachbereich Umwelt",
                    address="umwelt@loerrach-landkreis.de",
                    subject=f"Erinnerung {number}: Ist-Werte der Kennzahlen melden",
                    text="…",
                    created_at=pendulum.datetime(2027, 2, 20 + number, 7, tz="UTC"),
                    status=status,
                    attempts=number,
                    last_error="SMTP 550: Postfach voll" if status == "failed" else None,
                )
            )
    client = web.login("controlling")
    text = visible_text(client.get("/cycles/2027/messages").text)
    assert "Nachrichten – Landkreis Lörrach" in text
    assert "3 Nachrichten; Seite 1 von 1" in text
    assert "Erinnerung 1: Ist-Werte der Kennzahlen melden fehlgeschlagen SMTP 550" in text
    failed = visible_text(client.get("/cycles/2027/messages", params={"q": "fehlgeschlagen"}).text)
    assert "1 Nachricht zu „fehlgeschlagen“" in failed and "Erinnerung 0" not in failed
    csv = client.get("/cycles/2027/messages.csv")
    assert csv.status_code == 200
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "erstellt (UTC);an;Adresse;Betreff;Stand;Versuche;letzter Fehler"
    assert len(lines) == 4 and lines[1].endswith(";wartet;2;")
    assert web.login("soziales").get("/cycles/2027/messages.csv").status_code == 403


@pytest.mark.both_databases
def test_searches_find_umlauts_in_any_case_and_messages_name_their_recipients(web: Web) -> None:
    """ "GRÜNFLÄCHE" finds a comment "Grünfläche", also one written before JSON columns kept
    umlauts as they are (stored as "\\u00fc"); messages say who they went to by name."""
    import pendulum
    import sqlalchemy as sa

    from models.audit import record
    from models.db import session_scope
    from models.organisation import Contact, Faction
    from models.outbox import OutboxMessage

    with session_scope(web.engine) as session:
        body_id = session.exec(sa.text("select id from body")).scalar_one()
        for number in range(2):
            record(
                session=session,
                now=pendulum.datetime(2027, 1, 5, tz="UTC"),
                actor="cli:kaemmerei",
                action="budget.import",
                entity="body",
                entity_id=None,
                body_id=body_id,
                after={"comment": f"Grünfläche {number}"},
            )
        session.flush()
        # the older spelling of the second entry, as the database held it before
        session.execute(
            sa.text(
                "update audit_event set after = :old where id = (select max(id) from audit_event)"
            ),
            {"old": '{"comment": "Gr\\u00fcnfl\\u00e4che 1 \\u00c4rger"}'},
        )
        contact = (
            session.exec(sa.select(Contact).where(Contact.body_id == body_id)).scalars().first()
        )
        faction = (
            session.exec(sa.select(Faction).where(Faction.body_id == body_id)).scalars().first()
        )
        assert contact is not None and faction is not None
        for number, recipient in enumerate([f"contact:{contact.id}", f"faction:{faction.id}"]):
            session.add(
                OutboxMessage(
                    body_id=body_id,
                    key=f"reminder:{number}",
                    kind="reminder",
                    recipient=recipient,
                    address="someone@example.org",
                    subject=f"Erinnerung {number}: Übersicht prüfen",
                    text="…",
                    created_at=pendulum.datetime(2027, 2, 20, 7, tz="UTC"),
                )
            )
        contact_name, faction_leader = contact.name, faction.leader
    client = web.login("controlling")
    found = visible_text(client.get("/cycles/2027/audit", params={"q": "GRÜNFLÄCHE"}).text)
    assert "2 Einträge zu „GRÜNFLÄCHE“" in found, found
    # a capital umlaut in the older spelling ("\u00c4rger") is found by a small one too
    angry = visible_text(client.get("/cycles/2027/audit", params={"q": "ärger"}).text)
    assert "1 Eintrag zu „ärger“" in angry, angry
    messages = visible_text(client.get("/cycles/2027/messages", params={"q": "übersicht"}).text)
    assert "2 Nachrichten zu „übersicht“" in messages
    assert contact_name in messages and faction_leader in messages
    assert "contact:" not in messages and "faction:" not in messages
    csv = client.get("/cycles/2027/messages.csv").content.decode("utf-8-sig")
    assert contact_name in csv and "contact:" not in csv
