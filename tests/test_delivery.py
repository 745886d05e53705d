"""Reminders delivered for real: e-mail to an aiosmtpd server and JSON posts to an HTTP server,
both on loopback, read back as they arrived. Nothing of kreislauf is patched; time is passed in.

The world: Landkreis Lörrach installed, its 2027 cycle created and reconciled on
01.02.2027 06:00, so the evaluation tasks are open. "Ist-Werte der Kennzahlen melden" is due
Fri 19.02.2027 (15th working day of February) for the ten departments besides the controlling
office: their controlling contacts get the 10-working-day notice on Fri 05.02.2027, and on
Fri 05.03.2027 (10 working days overdue) the controlling office gets all ten escalations.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pendulum
import pytest
import sqlalchemy as sa
from icalendar import Calendar
from sqlmodel import select

from models.body import Body
from models.cycle import Deadline, Task
from models.db import session_scope
from models.organisation import Contact, ContactRole, Department
from models.outbox import OutboxMessage, OutboxStatus
from models.reminders import Reminder
from notifications.channels import Channels, DeliveryError
from notifications.digests import group_digests
from notifications.dispatcher import DispatchReport, claim, dispatch
from notifications.preview import preview_day
from notifications.sweep import SweepReport, sweep
from services.cycles import create_cycle
from services.reconcile import reconcile
from tests.conftest import NOW, Cli, row_counts
from tests.mailserver import Mail, SmtpServer, WebhookServer, free_port

ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://steuerung.kreis.example/app/"
FIGURES = "Ist-Werte der Kennzahlen melden"


def berlin(month: int, day: int, hour: int = 7, minute: int = 0, second: int = 0):  # type: ignore[no-untyped-def]
    return pendulum.datetime(2027, month, day, hour, minute, second, tz="Europe/Berlin")


NOTICE_DAY = berlin(2, 5)  # Fri: 10 working days before Fri 19.02.2027
ESCALATION_DAY = berlin(3, 5)  # Fri: 10 working days after 19.02.2027


# --------------------------------------------------------------------------- the world


@pytest.fixture
def world(engine: sa.Engine, loerrach) -> sa.Engine:  # type: ignore[no-untyped-def]
    """Lörrach with its 2027 cycle, evaluation open since 01.02.2027."""
    with session_scope(engine) as session:
        body = session.get(Body, loerrach.id)
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
    with session_scope(engine) as session:
        body = session.get(Body, loerrach.id)
        reconcile(session=session, body=body, year=2027, now=berlin(2, 1, 6), actor="test")
    return engine


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def webhook():  # type: ignore[no-untyped-def]
    server = WebhookServer().start()
    yield server
    server.stop()


def run_sweep(engine: sa.Engine, now: dt.datetime) -> SweepReport:
    """The sweep, then what the dispatcher does first: one digest per recipient into the outbox."""
    with session_scope(engine) as session:
        report = sweep(session=session, now=now)
    group_digests(engine, now)
    return report


def send(
    engine: sa.Engine, channels: Channels, now: dt.datetime, base_url: str | None = None
) -> DispatchReport:
    return dispatch(engine=engine, channels=channels, now=now, base_url=base_url)


def outbox(engine: sa.Engine, kind: str | None = None) -> list[OutboxMessage]:
    with session_scope(engine) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.exec(query).all())


def contact(engine: sa.Engine, key: str) -> Contact:
    with session_scope(engine) as session:
        found = session.exec(select(Contact).where(Contact.key == key)).one()
        return found


def department_contacts(engine: sa.Engine) -> dict[str, Contact]:
    """Department key -> the contact reminded of its tasks (its controlling contact)."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Department.key, Contact)
            .join(Contact, Contact.department_id == Department.id)
            .where(
                Department.is_controlling_office.is_(False),  # type: ignore[attr-defined]
                Contact.role == ContactRole.controlling.value,
            )
        ).all()
    return {key: found for key, found in rows}


def figures_tasks(engine: sa.Engine) -> dict[str, int]:
    """Department key -> id of its task "Ist-Werte der Kennzahlen melden"."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Department.key, Task.id)
            .join(Task, Task.department_id == Department.id)
            .join(Deadline, Deadline.id == Task.deadline_id)
            .where(Deadline.key == "kennzahlen_ist")
        ).all()
    return dict(rows)


def ics_events(mail: Mail) -> list:  # type: ignore[type-arg]
    (attachment,) = mail.parts("text/calendar")
    assert (attachment.get_filename() or "").endswith(".ics")
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    return list(calendar.walk("VEVENT"))


def write_config(path: Path, *entries: tuple[str, str]) -> Path:
    """An apprise YAML configuration: (url, tag) per entry."""
    lines = ["version: 1", "urls:"]
    for url, tag in entries:
        lines += [f'  - "{url}":', f'      - tag: "{tag}"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- e-mail


@pytest.mark.both_databases
def test_notice_mail_reaches_every_department_contact_once(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    decided = run_sweep(world, NOTICE_DAY)
    assert (decided.reminders, decided.messages) == (10, 10)
    report = send(world, Channels(email_url=smtp.url()), NOTICE_DAY, base_url=BASE_URL)

    assert (report.sent, report.retrying, report.failed) == (10, 0, 0)
    contacts = department_contacts(world)
    tasks = figures_tasks(world)
    assert sorted(r for mail in smtp.mails for r in mail.rcpt_tos) == sorted(
        c.email for c in contacts.values()
    )
    for key, person in contacts.items():
        (mail,) = smtp.to(person.email)
        assert mail.mail_from == "kreislauf@kreis.example"
        assert mail.subject == f"Erinnerung: {FIGURES} – fällig am 19.02.2027"
        assert mail.message.get_content_type() == "multipart/mixed"
        assert mail.parts("multipart/alternative")
        html, plain = mail.text("text/html"), mail.text("text/plain")
        assert f"Guten Tag {person.name}" in html and f"Guten Tag {person.name}" in plain
        assert "in 10 Arbeitstagen" in plain and "19.02.2027" in plain
        assert f'href="{BASE_URL}tasks/{tasks[key]}"' in html
        (event,) = ics_events(mail)
        assert event.decoded("dtstart") == dt.date(2027, 2, 19)
        assert str(event["summary"]) == f"Frist: {FIGURES}"
    assert {row.status for row in outbox(world)} == {OutboxStatus.sent}
    assert all(row.sent_at == NOTICE_DAY for row in outbox(world))


def test_plain_text_part_is_the_text_template_with_the_task_link(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """The text/plain alternative is what text-only mail readers show: apprise derives it
    from the HTML, which is written (a list, visible links) so that it reads like the text
    template: every line of the text template's items and the link are in it."""
    run_sweep(world, NOTICE_DAY)
    send(world, Channels(email_url=smtp.url()), NOTICE_DAY, base_url=BASE_URL)

    umwelt = department_contacts(world)["umwelt"]
    (mail,) = smtp.to(umwelt.email)
    (row,) = [row for row in outbox(world) if row.address == umwelt.email]
    plain = mail.text("text/plain")
    assert f"{BASE_URL}tasks/{figures_tasks(world)['umwelt']}" in plain
    plain = plain.replace("\r\n", "\n")
    item_lines = [line.strip() for line in row.text.splitlines() if line.startswith(("- ", "  "))]
    assert item_lines and all(line in plain for line in item_lines)
    assert "Guten Tag" in plain and "Mit freundlichen Grüßen" in plain


def test_a_contact_with_several_reminders_gets_one_digest(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """Ten departments 10 working days overdue: the controlling office's controlling contact
    gets one message with all ten escalations, not ten."""
    office = contact(world, "controlling-referat")
    run_sweep(world, ESCALATION_DAY)
    with session_scope(world) as session:
        kinds = session.exec(
            select(Reminder.kind).where(Reminder.recipient == f"contact:{office.id}")
        ).all()
    assert kinds == ["escalation:controlling"] * 10
    assert [row.address for row in outbox(world)].count(office.email) == 1
    send(world, Channels(email_url=smtp.url()), ESCALATION_DAY, base_url=BASE_URL)

    (mail,) = smtp.to(office.email)
    assert mail.rcpt_tos == [office.email]
    assert mail.subject == "10 Fristen im Steuerungskreislauf 2027: Ihre Übersicht vom 05.03.2027"
    html, plain = mail.text("text/html"), mail.text("text/plain")
    assert "Guten Tag Anna Platzhalter" in plain
    with session_scope(world) as session:
        names = session.exec(
            select(Department.name).where(Department.is_controlling_office.is_(False))  # type: ignore[attr-defined]
        ).all()
    assert len(names) == 10
    for name in names:
        assert name in plain, name
    for task_id in figures_tasks(world).values():
        assert f"{BASE_URL}tasks/{task_id}" in html
    assert plain.count("Eskalation an das Zentrale Controlling") == 10
    (event,) = ics_events(mail)  # one deadline, ten departments
    assert event.decoded("dtstart") == dt.date(2027, 2, 19)
    assert len(smtp.mails) == len(outbox(world))  # and everyone else one message each


def test_an_absent_contact_is_covered_by_the_deputy(
    world: sa.Engine, smtp: SmtpServer, webhook: WebhookServer, cli: Cli, tmp_path: Path
) -> None:
    added = cli("absence", "add", "umwelt-controlling", "--from", "2027-02-01", "--to",
                "2027-02-12", "--note", "Urlaub")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Vertretung: Katrin Platzhalter" in added.output
    listed = cli("absence", "list")
    assert "Jan Exempel" in listed.output and "Katrin Platzhalter" in listed.output
    config = write_config(tmp_path / "apprise.yml", (webhook.url(), "contact:loerrach/umwelt-stv"))

    run_sweep(world, NOTICE_DAY)
    send(world, Channels(config_path=config, email_url=smtp.url()), NOTICE_DAY)

    assert smtp.to("jan.exempel@lrak-loerrach.example.org") == []
    (mail,) = smtp.to("katrin.platzhalter@lrak-loerrach.example.org")
    assert "Guten Tag Katrin Platzhalter" in mail.text("text/plain")
    for part in (mail.text("text/html"), mail.text("text/plain")):
        assert "Vertretung" in part and "Jan Exempel" in part
    (post,) = webhook.posts  # the text version, as rendered from the text template
    assert "in Vertretung für Jan Exempel" in post.payload["message"]
    katrin, jan = contact(world, "umwelt-stv"), contact(world, "umwelt-controlling")
    with session_scope(world) as session:
        (reminder,) = session.exec(
            select(Reminder).where(Reminder.recipient == f"contact:{katrin.id}")
        ).all()
    assert reminder.covering_id == jan.id

    # back from leave: the 3-working-day notice (Tue 16.02.) goes to Jan himself
    run_sweep(world, berlin(2, 16))
    send(world, Channels(email_url=smtp.url()), berlin(2, 16))
    (back,) = smtp.to("jan.exempel@lrak-loerrach.example.org")
    assert "Vertretung" not in back.text("text/plain")
    assert len(smtp.to("katrin.platzhalter@lrak-loerrach.example.org")) == 1


# --------------------------------------------------------------------------- webhook


def test_department_webhook_gets_only_its_departments_message(
    world: sa.Engine, smtp: SmtpServer, webhook: WebhookServer, tmp_path: Path
) -> None:
    config = write_config(tmp_path / "apprise.yml", (webhook.url(), "department:loerrach/umwelt"))
    run_sweep(world, NOTICE_DAY)
    report = send(world, Channels(config_path=config, email_url=smtp.url()), NOTICE_DAY)

    assert report.sent == 10 and len(smtp.mails) == 10
    (post,) = webhook.posts
    assert post.path == "/hook"
    assert {"version", "title", "message", "type"} <= set(post.payload)
    assert post.payload["title"] == f"Erinnerung: {FIGURES} – fällig am 19.02.2027"
    message = post.payload["message"]
    assert "Guten Tag Jan Exempel" in message and "Fachbereich Umwelt" in message
    assert "Fachbereich Finanzen" not in message
    (umwelt,) = [
        row for row in outbox(world) if row.address == "jan.exempel@lrak-loerrach.example.org"
    ]
    assert "department:loerrach/umwelt" in umwelt.tags
    assert {
        "body:loerrach",
        "contact:loerrach/umwelt-controlling",
        "role:loerrach/controlling",
    } <= set(umwelt.tags)
    assert len(umwelt.delivered_to) == 2  # e-mail and the webhook


def test_a_department_channel_never_gets_other_departments_items(
    world: sa.Engine, smtp: SmtpServer, webhook: WebhookServer, tmp_path: Path
) -> None:
    """The office's escalation digest lists all ten departments; Umwelt's channel may see
    Umwelt's items, but not Finanzen's or Soziales' (nor the office's mail)."""
    config = write_config(tmp_path / "apprise.yml", (webhook.url(), "department:loerrach/umwelt"))
    run_sweep(world, ESCALATION_DAY)
    report = send(world, Channels(config_path=config, email_url=smtp.url()), ESCALATION_DAY)
    assert report.sent == len(smtp.mails) == len(outbox(world))
    assert webhook.posts  # Umwelt's own escalation to its head
    for post in webhook.posts:
        assert "Fachbereich Finanzen" not in post.payload["message"]
        assert "Fachbereich Soziales" not in post.payload["message"]


def test_digest_text_lists_each_item_on_its_own_line(
    world: sa.Engine, webhook: WebhookServer, tmp_path: Path
) -> None:
    """The text version (what a webhook gets): one "- title" line per item, the department
    at the end of the item's second line, not glued to the next item."""
    office = "contact:loerrach/controlling-referat"
    config = write_config(tmp_path / "apprise.yml", (webhook.url(), office))
    run_sweep(world, ESCALATION_DAY)
    send(world, Channels(config_path=config), ESCALATION_DAY)
    (post,) = webhook.posts
    lines = post.payload["message"].splitlines()
    assert sum(line.startswith(f"- {FIGURES}") for line in lines) == 10, post.payload["message"]
    assert not any(f"- {FIGURES}" in line and not line.startswith("- ") for line in lines)


# --------------------------------------------------------------------------- failures


@pytest.mark.both_databases
def test_smtp_down_then_up_delivers_each_message_exactly_once(world: sa.Engine) -> None:
    server = SmtpServer(free_port())  # not started: nothing listens on its port
    channels = Channels(email_url=server.url())
    run_sweep(world, NOTICE_DAY)

    first = send(world, channels, NOTICE_DAY)
    assert (first.sent, first.retrying, first.failed) == (0, 10, 0)
    for row in outbox(world):
        assert (row.status, row.attempts) == (OutboxStatus.pending, 1)
        assert row.last_error and "nicht zugestellt" in row.last_error
        assert row.next_attempt_at == NOTICE_DAY + dt.timedelta(minutes=1)
        assert row.claimed_until is None and row.delivered_to == []

    assert send(world, channels, NOTICE_DAY.add(seconds=30)) == DispatchReport()
    assert {row.attempts for row in outbox(world)} == {1}

    server.start()
    try:
        assert send(world, channels, NOTICE_DAY.add(minutes=2)).sent == 10
        assert send(world, channels, NOTICE_DAY.add(minutes=3)) == DispatchReport()
        # the sweep runs again that day (a second worker, a restart): nothing new
        assert (run_sweep(world, NOTICE_DAY.add(hours=1)).reminders, len(outbox(world))) == (0, 10)
        assert send(world, channels, NOTICE_DAY.add(hours=1)) == DispatchReport()
    finally:
        server.stop()
    addresses = [r for mail in server.mails for r in mail.rcpt_tos]
    assert len(addresses) == len(set(addresses)) == 10
    for row in outbox(world):
        assert (row.status, row.attempts, row.sent_at) == (
            OutboxStatus.sent,
            1,
            NOTICE_DAY.add(minutes=2),
        )
        assert row.last_error is None


@pytest.mark.both_databases
def test_after_max_attempts_the_message_fails_and_the_office_is_told(
    world: sa.Engine, cli: Cli
) -> None:
    server = SmtpServer(free_port())
    channels = Channels(email_url=server.url())
    run_sweep(world, NOTICE_DAY)
    moment = NOTICE_DAY
    send(world, channels, moment)
    for minutes in (1, 5, 15, 60, 240):  # Lörrach: retry_minutes; max_attempts = 6
        due = moment + dt.timedelta(minutes=minutes)
        assert {row.next_attempt_at for row in outbox(world, "digest")} == {due}
        assert send(world, channels, due - dt.timedelta(seconds=1)) == DispatchReport()
        moment = due
        send(world, channels, moment)

    digests = outbox(world, "digest")
    assert {(row.status, row.attempts) for row in digests} == {(OutboxStatus.failed, 6)}
    # one notice for the office, listing all ten (not ten notices)
    told = outbox(world, "delivery_failed")
    assert len(told) == 1
    office = contact(world, "controlling-referat")
    assert {row.address for row in told} == {office.email}
    assert {row.status for row in told} == {OutboxStatus.pending}
    assert told[0].subject == "Zustellung fehlgeschlagen: 10 Nachrichten"
    for row in digests:
        assert f"Nachricht {row.id}\n" in told[0].text
        assert row.address in told[0].text
    assert told[0].text.count("Versuche: 6") == 10
    assert told[0].key.startswith(f"delivery_failed:contact:{office.id}:")

    logged = cli("reminders", "log", "--status", "failed")
    assert logged.exit_code == 0, logged.output
    assert logged.output.count("fehlgeschlagen") == 10
    assert "wartet" not in logged.output and "delivery_failed" not in logged.output

    # the office's server comes back: the office hears of each failure once, nothing is resent
    server.start()
    try:
        send(world, channels, moment + dt.timedelta(days=1))
        send(world, channels, moment + dt.timedelta(days=2))
    finally:
        server.stop()
    assert [mail.rcpt_tos for mail in server.mails] == [[office.email]]
    assert {row.status for row in outbox(world, "delivery_failed")} == {OutboxStatus.sent}
    assert {row.status for row in outbox(world, "digest")} == {OutboxStatus.failed}


@pytest.mark.both_databases
def test_a_failed_webhook_is_retried_without_resending_the_mail(
    world: sa.Engine, smtp: SmtpServer, tmp_path: Path
) -> None:
    hook = WebhookServer(free_port())  # down at first
    config = write_config(tmp_path / "apprise.yml", (hook.url(), "department:loerrach/umwelt"))
    channels = Channels(config_path=config, email_url=smtp.url())
    run_sweep(world, NOTICE_DAY)

    first = send(world, channels, NOTICE_DAY)
    assert (first.sent, first.retrying) == (9, 1)
    (umwelt,) = [row for row in outbox(world) if row.status == OutboxStatus.pending]
    assert umwelt.address == "jan.exempel@lrak-loerrach.example.org"
    assert umwelt.delivered_to == ["email:jan.exempel@lrak-loerrach.example.org"]
    assert f"127.0.0.1:{hook.port}" in (umwelt.last_error or "")
    assert len(smtp.to(umwelt.address)) == 1

    hook.start()
    try:
        assert send(world, channels, NOTICE_DAY.add(minutes=2)).sent == 1
        assert send(world, channels, NOTICE_DAY.add(minutes=30)) == DispatchReport()
    finally:
        hook.stop()
    assert len(smtp.to(umwelt.address)) == 1  # not again
    assert len(smtp.mails) == 10
    (post,) = hook.posts
    assert "Guten Tag Jan Exempel" in post.payload["message"]
    (row,) = [row for row in outbox(world) if row.id == umwelt.id]
    assert row.status == OutboxStatus.sent and len(row.delivered_to) == 2


# --------------------------------------------------------------------------- calendar file


def test_the_calendar_file_is_valid_icalendar_read_back_as_written() -> None:
    """The .ics text is written directly: icalendar reads back every value, escaped and
    folded ones included; lines end in CRLF and are at most 75 octets."""
    from notifications.ics import CalendarEntry, deadlines_to_ics

    phase = "Auswertung, Steuerung; Berichtswesen " + "Überprüfung der Zielerreichung " * 3
    entries = [
        CalendarEntry(
            "kennzahlen_ist",
            'Ist-Werte; Teil 1, "a\\b" ' + "ä" * 60,
            dt.date(2027, 2, 19),
            phase,
            ["Fachbereich Umwelt, Ordnung", "Kämmerei"],
        ),
        CalendarEntry("jahresbericht", "Jahresbericht", dt.date(2027, 12, 31), "Bericht", []),
    ]
    data = deadlines_to_ics(
        entries, body_slug="loerrach", body_name="Landkreis Lörrach", year=2027, now=berlin(3, 5)
    )
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert len([line for line in lines if line.startswith(b" ")]) >= 4  # folded, UTF-8 intact
    calendar = Calendar.from_ical(data)
    assert str(calendar["version"]) == "2.0" and str(calendar["prodid"]).startswith("-//kreislauf")
    assert calendar["x-wr-calname"].to_ical().decode() == "Fristen 2027 – Landkreis Lörrach"
    first, last = calendar.walk("VEVENT")
    assert str(first["uid"]) == "loerrach-2027-kennzahlen_ist@kreislauf"
    assert str(last["uid"]) == "loerrach-2027-jahresbericht@kreislauf"
    assert first.decoded("dtstamp") == dt.datetime(2027, 3, 5, 6, tzinfo=dt.UTC)
    assert first.decoded("dtstart") == dt.date(2027, 2, 19)
    assert first.decoded("dtend") == dt.date(2027, 2, 20)
    assert last.decoded("dtend") == dt.date(2028, 1, 1)
    assert str(first["summary"]) == 'Frist: Ist-Werte; Teil 1, "a\\b" ' + "ä" * 60
    assert first["categories"].cats == [phase]
    assert str(first["description"]) == (
        f"Phase: {phase}\nZuständig: Fachbereich Umwelt, Ordnung, Kämmerei"
    )
    assert str(last["description"]) == "Phase: Bericht\nZuständig: –"
    assert str(first["transp"]) == "TRANSPARENT"


# --------------------------------------------------------------------------- only once


def test_the_sweep_day_is_the_local_day(world: sa.Engine) -> None:
    """00:30 in Berlin on 05.02. is still 04.02. in UTC: the notices of the 5th go out."""
    late = run_sweep(world, berlin(2, 4, 23, 30))  # Thu 04.02.: 11 working days before
    assert (late.reminders, late.messages) == (0, 0)
    early = run_sweep(world, berlin(2, 5, 0, 30))
    assert (early.reminders, early.messages) == (10, 10)
    with session_scope(world) as session:
        days = set(session.exec(select(Reminder.sent_on)).all())
    assert days == {dt.date(2027, 2, 5)}


@pytest.mark.both_databases
def test_a_second_sweep_the_same_day_adds_nothing(world: sa.Engine) -> None:
    first = run_sweep(world, NOTICE_DAY)
    assert (first.reminders, first.messages) == (10, 10)
    before = row_counts(world)
    second = run_sweep(world, NOTICE_DAY.add(hours=3))
    assert (second.reminders, second.messages) == (0, 0)
    assert row_counts(world) == before


def test_nothing_is_sent_on_a_saturday(world: sa.Engine) -> None:
    before = row_counts(world)
    saturday = run_sweep(world, berlin(2, 6))
    assert (saturday.reminders, saturday.messages) == (0, 0)
    assert row_counts(world) == before


@pytest.mark.both_databases
def test_messages_written_before_a_crash_are_sent_by_the_next_dispatch(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """The sweep committed its messages, then the process died before sending."""
    run_sweep(world, NOTICE_DAY)
    assert {row.status for row in outbox(world)} == {OutboxStatus.pending}
    # a restart an hour later sweeps again (nothing new) and sends what is waiting
    assert run_sweep(world, NOTICE_DAY.add(hours=1)).messages == 0
    assert send(world, Channels(email_url=smtp.url()), NOTICE_DAY.add(hours=1)).sent == 10
    assert len(smtp.mails) == 10


@pytest.mark.both_databases
def test_a_worker_that_died_holding_a_lease_delays_but_does_not_lose_messages(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    run_sweep(world, NOTICE_DAY)
    assert len(claim(world, NOTICE_DAY, 200)) == 10  # and then the worker dies
    channels = Channels(email_url=smtp.url())
    assert send(world, channels, NOTICE_DAY.add(minutes=5)) == DispatchReport()
    assert smtp.mails == []
    assert send(world, channels, NOTICE_DAY.add(minutes=11)).sent == 10
    assert send(world, channels, NOTICE_DAY.add(minutes=30)) == DispatchReport()
    addresses = [r for mail in smtp.mails for r in mail.rcpt_tos]
    assert len(addresses) == len(set(addresses)) == 10


# --------------------------------------------------------------------------- secrets


def test_passwords_never_reach_the_cli_or_the_log(
    world: sa.Engine, cli: Cli, tmp_path: Path
) -> None:
    run_sweep(world, NOTICE_DAY)
    server = SmtpServer(login="kreislauf", password="geheim").start()
    try:
        url = server.url(credentials="kreislauf:geheim@")
        sent = cli("reminders", "send", "--on", "2027-02-05", env={"KREISLAUF_EMAIL_URL": url})
    finally:
        server.stop()
    assert sent.exit_code == 0, sent.output
    assert "10 gesendet" in sent.output
    assert {mail.login for mail in server.mails} == {"kreislauf"}
    assert len(server.mails) == 10

    # the same password on a server that is down, and in a webhook URL that is down
    run_sweep(world, berlin(2, 16))
    down = SmtpServer(free_port())
    hook = f"json://kreislauf:geheim@127.0.0.1:{free_port()}/hook"
    config = write_config(tmp_path / "apprise.yml", (hook, "body:loerrach"))
    env = {
        "KREISLAUF_EMAIL_URL": down.url(credentials="kreislauf:geheim@"),
        "KREISLAUF_NOTIFY_CONFIG": str(config),
    }
    failed = cli("reminders", "send", "--on", "2027-02-16", env=env)
    assert failed.exit_code == 0, failed.output
    assert "10 werden wiederholt" in failed.output
    logged = cli("reminders", "log", env=env)
    assert logged.exit_code == 0, logged.output
    assert "nicht zugestellt" in logged.output
    for output in (sent.output, failed.output, logged.output):
        assert "geheim" not in output
    pending = [row for row in outbox(world) if row.status == OutboxStatus.pending]
    assert len(pending) == 10
    for row in pending:
        assert row.last_error and "geheim" not in row.last_error
        assert "127.0.0.1" in row.last_error
        assert not any("geheim" in channel for channel in row.delivered_to)


# --------------------------------------------------------------------------- CLI


def test_preview_lists_the_recipients_and_writes_nothing(world: sa.Engine, cli: Cli) -> None:
    before = row_counts(world)
    shown = cli("reminders", "preview", "2027", "--on", "2027-02-05")
    assert shown.exit_code == 0, shown.output
    assert "10 Nachrichten, 10 Hinweise" in shown.output
    for person in department_contacts(world).values():
        assert person.name in shown.output and person.email in shown.output
    assert "Frist in 10 Arbeitstagen" in shown.output
    saturday = cli("reminders", "preview", "2027", "--on", "2027-02-06")
    assert saturday.exit_code == 0 and "kein Arbeitstag" in saturday.output
    assert row_counts(world) == before


def test_send_without_any_channel_refuses_in_german(
    world: sa.Engine, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("KREISLAUF_EMAIL_URL", "KREISLAUF_NOTIFY_CONFIG", "KREISLAUF_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    run_sweep(world, NOTICE_DAY)
    before = row_counts(world)
    refused = cli("reminders", "send")
    assert refused.exit_code == 2
    assert "Kein Versandweg eingerichtet" in refused.output
    assert "KREISLAUF_EMAIL_URL" in refused.output and "Traceback" not in refused.output
    assert row_counts(world) == before
    assert {row.attempts for row in outbox(world)} == {0}
    wrong = cli("reminders", "log", "--status", "verschickt")
    assert wrong.exit_code == 2 and "erlaubt: pending, sent, failed" in wrong.output


def test_send_with_only_a_notify_config(
    world: sa.Engine,
    cli: Cli,
    webhook: WebhookServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """KREISLAUF_NOTIFY_CONFIG alone is a channel: `send` runs (nothing is due on Tue 02.02.)."""
    monkeypatch.delenv("KREISLAUF_EMAIL_URL", raising=False)
    config = write_config(tmp_path / "apprise.yml", (webhook.url(), "department:loerrach/umwelt"))
    on = "2027-02-02"
    sent = cli("reminders", "send", "--on", on, env={"KREISLAUF_NOTIFY_CONFIG": str(config)})
    assert sent.exit_code == 0, sent.output
    assert "0 Erinnerungen in 0 Nachrichten festgelegt; 0 gesendet" in sent.output


# --------------------------------------------------------------------------- concurrency

SWEEP_SCRIPT = """
import sys

import pendulum

from models.db import make_engine, session_scope
from notifications.sweep import sweep

engine = make_engine(sys.argv[1])
now = pendulum.parse(sys.argv[2])
with engine.connect() as connection:  # connected and imported: wait for the start signal
    pass
print("ready", flush=True)
sys.stdin.readline()
with session_scope(engine) as session:
    report = sweep(session=session, now=now)
print(report.reminders, report.messages, flush=True)
"""

DISPATCH_SCRIPT = """
import sys
import threading
import time

import pendulum

from models.db import make_engine
from notifications.channels import Channels
from notifications.dispatcher import dispatch

engine = make_engine(sys.argv[1])
now = pendulum.parse(sys.argv[2])
channels = Channels(email_url=sys.argv[3])
if sys.argv[5] == "with-a-thread":  # as under Prefect: the helper is spawned, not forked
    threading.Thread(target=time.sleep, args=(300,), daemon=True).start()
with engine.connect() as connection:
    pass
print("ready", flush=True)
sys.stdin.readline()
report = dispatch(
    engine=engine, channels=channels, now=now, batch=1, processes=int(sys.argv[4]), per_process=1
)
print(report.sent, report.retrying, report.failed, flush=True)
"""


def run_twice_at_once(script: str, *args: str) -> list[list[int]]:
    """Start the script twice, let both connect, then start both at the same instant."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(script), *args],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout is not None
            ready = process.stdout.readline()
            assert ready.strip() == "ready", (ready, process.stderr.read())  # type: ignore[union-attr]
        for process in processes:  # both are waiting: release them together
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
            results.append([int(value) for value in out.split()])
        return results
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_sweeps_at_once_on_postgresql_neither_duplicate_nor_lose(
    world: sa.Engine, database_url: str
) -> None:
    days = [NOTICE_DAY, berlin(2, 16), berlin(2, 19), ESCALATION_DAY]
    expected = []
    for now in days:
        # what a single sweep would decide: the preview's rows and recipients
        with session_scope(world) as session:
            body = session.exec(select(Body)).one()
            preview = preview_day(session=session, body=body, year=2027, day=now.date())
        expected.append((len(preview.rows), len(preview.messages)))
        results = run_twice_at_once(SWEEP_SCRIPT, database_url, now.isoformat())
        assert (sum(r for r, _ in results), sum(m for _, m in results)) == expected[-1], (
            now,
            results,
        )
    assert expected[0] == (10, 10) and expected[-1][0] >= 10

    group_digests(world, ESCALATION_DAY)  # what the dispatcher does first
    with world.connect() as connection:
        per_task_kind = connection.execute(
            sa.select(Reminder.task_id, Reminder.kind, sa.func.count()).group_by(
                Reminder.task_id, Reminder.kind
            )
        ).all()
        per_recipient_day = connection.execute(
            sa.select(
                Reminder.recipient,
                Reminder.sent_on,
                sa.func.count(sa.distinct(Reminder.message_id)),
            ).group_by(Reminder.recipient, Reminder.sent_on)
        ).all()
        messages = set(connection.execute(sa.select(OutboxMessage.id)).scalars())
        reminder_messages = set(connection.execute(sa.select(Reminder.message_id)).scalars())
    assert len(per_task_kind) == sum(r for r, _ in expected)
    assert {count for *_, count in per_task_kind} == {1}
    assert {count for *_, count in per_recipient_day} == {1}  # one digest per person and day
    assert reminder_messages == messages  # every reminder is in a message, no message without one
    assert len(messages) == sum(m for _, m in expected)


@pytest.mark.parametrize(
    ("database_url", "processes", "threads"),
    [
        ("postgresql", 1, "alone"),
        ("postgresql", 2, "alone"),  # helper forked
        ("postgresql", 2, "with-a-thread"),  # helper spawned
        ("sqlite", 2, "alone"),
        ("sqlite", 2, "with-a-thread"),
    ],
    indirect=["database_url"],
)
def test_two_dispatchers_at_once_send_each_message_once(
    world: sa.Engine, database_url: str, smtp: SmtpServer, processes: int, threads: str
) -> None:
    """Two dispatchers started at the same instant, each claiming one message at a time; with
    `processes` 2 each runs a second process of its own (forked, or spawned when the caller
    runs other threads): four claim at once. Every message reaches the SMTP server once and is
    recorded sent once."""
    run_sweep(world, NOTICE_DAY)
    run_sweep(world, ESCALATION_DAY)
    rows = outbox(world)
    results = run_twice_at_once(
        DISPATCH_SCRIPT,
        database_url,
        ESCALATION_DAY.isoformat(),
        smtp.url(),
        str(processes),
        threads,
    )
    assert sum(sent for sent, _, _ in results) == len(rows)
    assert [sum(column) for column in zip(*results, strict=True)][1:] == [0, 0]
    assert sorted(r for mail in smtp.mails for r in mail.rcpt_tos) == sorted(
        row.address for row in rows
    )
    assert {row.status for row in outbox(world)} == {OutboxStatus.sent}


# --------------------------------------------------------------------------- fenced leases


class FakeClock:
    """A dispatcher's clock that the test moves on."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


class SlowChannels(Channels):
    """Channels whose every delivery takes `minutes` on `clock`; after the `at`-th delivery
    `meanwhile` runs (a second dispatcher, say), and with `fail` that delivery then fails."""

    def __init__(
        self, *, email_url: str, clock: FakeClock, minutes: float, at: int, meanwhile, fail=False
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(email_url=email_url)
        self.clock, self.minutes, self.at, self.meanwhile, self.fail = (
            clock,
            minutes,
            at,
            meanwhile,
            fail,
        )
        self.calls = 0

    def deliver(self, message, *, skip=frozenset()):  # type: ignore[no-untyped-def]
        delivered = super().deliver(message, skip=skip)
        self.clock.advance(self.minutes)
        self.calls += 1
        if self.calls == self.at:
            self.meanwhile()
            if self.fail:
                raise DeliveryError("Zeitüberschreitung", delivered=[])
        return delivered


@pytest.mark.both_databases
def test_a_dispatch_outliving_its_lease_sends_each_message_once(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """Dispatcher A claims all ten messages and needs 3 minutes a message; after the fourth
    its lease (10 minutes from the claim) has run out and dispatcher B, started 12 minutes
    later, claims the other six and sends them. A re-checks its claim before each send and
    leaves those six alone: every message reaches the SMTP server once."""
    run_sweep(world, NOTICE_DAY)
    rows = outbox(world)
    assert len(rows) == 10
    second: list[DispatchReport] = []
    clock = FakeClock(NOTICE_DAY)

    def second_dispatcher() -> None:
        later = NOTICE_DAY.add(minutes=12)
        channels = Channels(email_url=smtp.url())
        second.append(dispatch(engine=world, channels=channels, now=later, clock=FakeClock(later)))

    slow = SlowChannels(
        email_url=smtp.url(), clock=clock, minutes=3, at=4, meanwhile=second_dispatcher
    )
    first = dispatch(engine=world, channels=slow, now=NOTICE_DAY, clock=clock, workers=1)

    assert (first.sent, second[0].sent) == (4, 6)
    assert slow.calls == 4
    addresses = sorted(r for mail in smtp.mails for r in mail.rcpt_tos)
    assert addresses == sorted(row.address for row in rows)  # each once
    assert {(row.status, row.attempts) for row in outbox(world)} == {(OutboxStatus.sent, 0)}


@pytest.mark.both_databases
def test_a_dispatcher_that_lost_its_claim_does_not_overwrite_the_outcome(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """A's one message takes 11 minutes and then fails; meanwhile its lease ran out and B
    claimed and sent the message. A's failure is not recorded over B's success."""
    run_sweep(world, NOTICE_DAY)
    first_row = outbox(world)[0]
    with session_scope(world) as session:  # one message only: the others are sent already
        for row in session.exec(select(OutboxMessage)).all():
            if row.id != first_row.id:
                row.status = OutboxStatus.sent
    later = NOTICE_DAY.add(minutes=11)
    second: list[DispatchReport] = []

    def second_dispatcher() -> None:
        channels = Channels(email_url=smtp.url())
        second.append(dispatch(engine=world, channels=channels, now=later, clock=FakeClock(later)))

    clock = FakeClock(NOTICE_DAY)
    slow = SlowChannels(
        email_url=smtp.url(), clock=clock, minutes=11, at=1, meanwhile=second_dispatcher, fail=True
    )
    first = dispatch(engine=world, channels=slow, now=NOTICE_DAY, clock=clock, workers=1)

    assert (first.sent, first.retrying, first.failed) == (0, 0, 0)
    assert second[0].sent == 1
    (row,) = [found for found in outbox(world) if found.id == first_row.id]
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.sent, 0, None)
    assert row.sent_at == later


@pytest.mark.both_databases
def test_a_dispatch_claims_no_new_batch_after_its_time_limit(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    run_sweep(world, NOTICE_DAY)
    clock = FakeClock(NOTICE_DAY)
    slow = SlowChannels(email_url=smtp.url(), clock=clock, minutes=3, at=0, meanwhile=None)
    report = dispatch(
        engine=world,
        channels=slow,
        now=NOTICE_DAY,
        clock=clock,
        workers=1,
        batch=2,
        time_limit=dt.timedelta(minutes=4),
    )
    assert report.sent == 2  # one batch of two (6 minutes), then no more claims
    statuses = [row.status for row in outbox(world)]
    assert statuses.count(OutboxStatus.sent) == 2
    assert statuses.count(OutboxStatus.pending) == 8
    # the next run sends the rest, each once
    later = NOTICE_DAY.add(minutes=5)
    assert send(world, Channels(email_url=smtp.url()), later).sent == 8
    addresses = [r for mail in smtp.mails for r in mail.rcpt_tos]
    assert len(addresses) == len(set(addresses)) == 10


@pytest.mark.both_databases
def test_each_message_keeps_one_message_id_across_attempts(
    world: sa.Engine, smtp: SmtpServer
) -> None:
    """The Message-ID comes from the outbox row (id and key) and the sender's domain: a
    message sent again (here: its row put back to pending, as a redelivery would) carries the
    same one, so mail systems and people recognise the duplicate."""
    run_sweep(world, NOTICE_DAY)
    channels = Channels(email_url=smtp.url())
    assert send(world, channels, NOTICE_DAY).sent == 10
    rows = {row.address: row for row in outbox(world)}
    first = {mail.rcpt_tos[0]: mail.message.get_all("Message-ID") for mail in smtp.mails}
    for address, row in rows.items():
        (message_id,) = first[address]  # exactly one header
        assert message_id.startswith(f"<kreislauf.{row.id}.")
        assert message_id.endswith("@kreis.example>")
    assert len({ids[0] for ids in first.values()}) == 10

    again = next(iter(rows.values()))
    with session_scope(world) as session:
        row = session.get(OutboxMessage, again.id)
        assert row is not None
        row.status, row.delivered_to = OutboxStatus.pending, []
    assert send(world, channels, NOTICE_DAY.add(minutes=5)).sent == 1
    resent = smtp.mails[-1]
    assert resent.rcpt_tos == [again.address]
    assert resent.message.get_all("Message-ID") == first[again.address]


# --------------------------------------------------------------------------- retry


def fail_everything(world: sa.Engine, channels: Channels) -> dt.datetime:
    """The notice day's ten digests sent to a server that is down until they have failed
    (Lörrach: six attempts); returns the time of the last attempt."""
    run_sweep(world, NOTICE_DAY)
    moment = NOTICE_DAY
    send(world, channels, moment)
    for minutes in (1, 5, 15, 60, 240):
        moment = moment + dt.timedelta(minutes=minutes)
        send(world, channels, moment)
    assert {(row.status, row.attempts) for row in outbox(world, "digest")} == {
        (OutboxStatus.failed, 6)
    }
    return moment


@pytest.mark.both_databases
def test_retry_by_id_and_by_date_requeues_and_the_next_dispatch_delivers(
    world: sa.Engine, cli: Cli
) -> None:
    from models.audit import AuditEvent

    server = SmtpServer(free_port())  # down
    channels = Channels(email_url=server.url())
    failed_at = fail_everything(world, channels)
    digests = outbox(world, "digest")
    first, rest = digests[0], digests[1:]

    by_id = cli("reminders", "retry", "--id", str(first.id), "--on", "2027-02-08")
    assert by_id.exit_code == 0, by_id.output
    assert "1 Nachrichten erneut eingeplant" in by_id.output
    row = next(r for r in outbox(world, "digest") if r.id == first.id)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.pending, 0, None)
    assert row.next_attempt_at == berlin(2, 8, 12)
    with session_scope(world) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).all()
        assert [(e.entity_id, e.actor.startswith("cli:")) for e in events] == [(first.id, True)]
        assert events[0].before is not None and events[0].before["attempts"] == 6
        assert events[0].before["last_error"]
        assert events[0].at == berlin(2, 8, 12)

    # asked again: it is no longer failed, so it is reported and left alone
    again = cli("reminders", "retry", "--id", str(first.id), "--on", "2027-02-08")
    assert again.exit_code == 0, again.output
    assert "ist nicht fehlgeschlagen" in again.output
    assert "0 Nachrichten erneut eingeplant" in again.output

    # by date: the day after the failures finds none, the day of them the other nine
    later = (failed_at + dt.timedelta(days=1)).date().isoformat()
    none = cli("reminders", "retry", "--failed-since", later, "--on", "2027-02-08")
    assert "0 Nachrichten erneut eingeplant" in none.output, none.output
    by_date = cli("reminders", "retry", "--failed-since", "05.02.2027", "--on", "2027-02-08")
    assert by_date.exit_code == 0, by_date.output
    assert "9 Nachrichten erneut eingeplant" in by_date.output
    assert {r.status for r in outbox(world, "digest")} == {OutboxStatus.pending}

    server.start()
    try:
        report = send(world, channels, berlin(2, 8, 12, 1))
    finally:
        server.stop()
    assert {r.status for r in outbox(world, "digest")} == {OutboxStatus.sent}
    addresses = [a for mail in server.mails for a in mail.rcpt_tos]
    office = contact(world, "controlling-referat")
    to_departments = [a for a in addresses if a != office.email]
    assert len(to_departments) == len(set(to_departments)) == 1 + len(rest)
    assert report.failed == 0


BAD_SELECTORS = [
    [],
    ["--id", "1", "--failed-since", "2027-02-05"],
    ["--failed-since", "gestern"],
    ["--id", "99999999999999999999"],
    ["--id", "0"],
]


@pytest.mark.both_databases
def test_retry_refuses_bad_selectors_and_unknown_ids_in_german_and_writes_nothing(
    world: sa.Engine, cli: Cli
) -> None:
    # one world of failed messages for every bad selector: each is refused before anything
    # is read, so the failed messages stay as they are after each of them
    server = SmtpServer(free_port())
    fail_everything(world, Channels(email_url=server.url()))
    before = row_counts(world)
    statuses = [(r.id, r.status, r.attempts) for r in outbox(world)]
    for arguments in BAD_SELECTORS:
        result = cli("reminders", "retry", *arguments)
        assert result.exit_code == 2, (arguments, result.output)
        assert "Traceback" not in result.output
        assert any(word in result.output for word in ("Auswahl", "kein Datum", "--id")), (
            arguments,
            result.output,
        )
        assert row_counts(world) == before
        assert [(r.id, r.status, r.attempts) for r in outbox(world)] == statuses

    # a known id beside an unknown one: nothing is requeued, not even the known one
    known = outbox(world, "digest")[0].id
    result = cli("reminders", "retry", "--id", str(known), "--id", "999999")
    assert result.exit_code == 1, result.output
    assert "Keine Nachricht mit der Nummer 999999" in result.output
    assert row_counts(world) == before
    assert {r.status for r in outbox(world, "digest")} == {OutboxStatus.failed}


@pytest.mark.both_databases
def test_five_failures_for_one_office_make_one_notice_listing_five(world: sa.Engine) -> None:
    from notifications.dispatcher import _tell_the_controlling_office

    server = SmtpServer(free_port())
    failed_at = fail_everything(world, Channels(email_url=server.url()))
    five = [row.id for row in outbox(world, "digest")][:5]
    later = failed_at + dt.timedelta(hours=1)
    assert _tell_the_controlling_office(world, [i for i in five if i is not None], later) == 1
    # repeated (a restart, a second call): the key makes it once per recipient and run
    assert _tell_the_controlling_office(world, [i for i in five if i is not None], later) == 0
    told = [r for r in outbox(world, "delivery_failed") if r.created_at == later]
    assert len(told) == 1
    assert told[0].subject == "Zustellung fehlgeschlagen: 5 Nachrichten"
    assert told[0].text.count("Letzter Fehler:") == 5
    assert told[0].html is not None and told[0].html.count("<tr><td>") == 5
