"""A small world for the web tests: Lörrach with its 2027 cycle and one user per role,
an app standing at a fixed instant, and a recording stand-in for starting flows."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pendulum
import sqlalchemy as sa

from tests.conftest import NOW

# mid-March 2027: the key figures (due 19.02.2027) are 25 days overdue everywhere
MARCH_16 = pendulum.datetime(2027, 3, 16, 10, 0, tz="Europe/Berlin")
PASSWORD = "richtig-geheim-2027"
USERS = {
    # username: (role, department)
    "verwaltung": ("admin", None),
    "controlling": ("controlling", None),
    "umwelt": ("department", "umwelt"),
    "soziales": ("department", "soziales"),
}


@dataclass
class RecordingFlows:
    """Stands in for web.flows.PrefectFlowStarter: records which flow was started (body and
    year in `started`) and at which instant (in `instants`, one per start)."""

    started: list[tuple[str, str, int]] = field(default_factory=list)
    instants: list[dt.datetime] = field(default_factory=list)

    def start(self, flow: str, *, body: str, year: int, at: dt.datetime) -> str:
        self.started.append((flow, body, year))
        self.instants.append(at)
        return f"Der Flow „{flow}“ ist gestartet."


FEBRUARY_1 = pendulum.datetime(2027, 2, 1, 6, 0, tz="Europe/Berlin")
# what Fachbereich Umwelt reports for 2026 (rows of its workbook: key in column A, actual in F)
FILLED = {"pv-leistung": 2980, "klimaberatungen": 1012, "ausgleichsflaechen": 163.5}
FIRST_ROW = 4


def build_world(engine: sa.Engine) -> None:
    """The 2027 cycle (created in November 2026, its evaluation opened by the daily tick on
    1 February 2027) and the users of USERS."""
    from models.accounts import Role
    from models.db import session_scope
    from services.accounts import create_user
    from services.bodies import resolve_body
    from services.cycles import create_cycle
    from services.reconcile import reconcile

    with session_scope(engine) as session:
        body = resolve_body(session=session, slug=None)
        create_cycle(session=session, body=body, year=2027, now=NOW, actor="test")
    with session_scope(engine) as session:
        body = resolve_body(session=session, slug=None)
        reconcile(session=session, body=body, year=2027, now=FEBRUARY_1, actor="flow")
        for username, (role, department) in USERS.items():
            create_user(
                session=session,
                body=body,
                username=username,
                password=PASSWORD,
                role=Role(role),
                department_key=department,
                display_name=None,
                now=NOW,
                actor="test",
            )


class Clock:
    """The app's clock: stands where the test puts it."""

    def __init__(self, at: pendulum.DateTime = MARCH_16) -> None:
        self.at = at

    def __call__(self) -> pendulum.DateTime:
        return self.at


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page without a CSRF token"
    return match.group(1)


def visible_text(html: str) -> str:
    """The page's text as a person reads it (tags dropped, whitespace collapsed)."""
    import html as html_module

    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", text))).strip()


def fill(template: bytes, actuals: dict[str, object]) -> bytes:
    """What a department does in Excel: type the actuals into the downloaded template."""
    import io

    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["Kennzahlen"]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        key = sheet.cell(row=row, column=1).value
        if key in actuals:
            sheet.cell(row=row, column=6).value = actuals[key]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
