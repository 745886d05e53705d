"""What the pages and the API show, read from the services in one session.

No rules here: task states and days overdue come from services.cycle_views (models.cycle);
this module only selects, filters, sorts and places things on the year's timeline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from sqlmodel import Session, col, select

from models.body import Body
from models.cycle import Cycle, TaskStatus
from models.german import MONTH_ABBREVIATIONS
from models.organisation import Department, Faction
from services.cycle_views import CycleView, PhaseView, TaskView, cycle_view

SORT_KEYS = {
    "assignee": lambda t: (t.assignee.casefold(), t.due),
    "task": lambda t: (t.deadline_title.casefold(), t.assignee.casefold()),
    "due": lambda t: (t.due, t.assignee.casefold()),
    "status": lambda t: (t.status.label, t.due),
    "overdue": lambda t: (t.days_overdue, t.due),
}
STATE_FILTERS = {
    "": "alle",
    "overdue": "überfällig",
    **{status.value: status.label for status in TaskStatus},
}


@dataclass(frozen=True)
class TaskRow(TaskView):
    """A task as services.cycle_views shows it, with its department's key for links and filters."""

    department_key: str | None = None

    @classmethod
    def of(cls, task: TaskView, department_key: str | None) -> TaskRow:
        return cls(**asdict(task), department_key=department_key)


@dataclass(frozen=True)
class TimelinePhase:
    phase: PhaseView
    left: float  # percent of the year
    width: float


@dataclass(frozen=True)
class Timeline:
    phases: list[TimelinePhase]
    today: dt.date
    today_left: float | None  # None when today is outside the cycle's year
    months: list[tuple[str, float]]


@dataclass(frozen=True)
class TaskFilter:
    assignee: str = ""
    state: str = ""
    sort: str = "due"
    descending: bool = False

    @classmethod
    def parse(cls, assignee: str, state: str, sort: str, direction: str) -> TaskFilter:
        return cls(
            assignee=assignee,
            state=state if state in STATE_FILTERS else "",
            sort=sort if sort in SORT_KEYS else "due",
            descending=direction == "desc",
        )

    def apply(self, rows: list[TaskRow]) -> list[TaskRow]:
        if self.assignee:
            rows = [r for r in rows if r.assignee == self.assignee]
        if self.state == "overdue":
            rows = [r for r in rows if r.days_overdue > 0]
        elif self.state:
            rows = [r for r in rows if r.status.value == self.state]
        key = SORT_KEYS[self.sort]
        return sorted(rows, key=key, reverse=self.descending)


@dataclass(frozen=True)
class Overdue:
    assignee: str
    department_key: str | None
    tasks: int
    most_days: int


@dataclass
class CyclePage:
    year: int
    today: dt.date
    view: CycleView
    rows: list[TaskRow]
    timeline: Timeline
    overdue: list[Overdue] = field(default_factory=list)
    # a past view (`?on=`): when each task last changed status up to that day
    since: dict[int, dt.datetime] | None = None


def _percent(day: dt.date, year: int) -> float:
    start = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - start).days
    return round(100 * min(max((day - start).days, 0), length) / length, 2)


def timeline(view: CycleView, today: dt.date) -> Timeline:
    year = view.year
    phases = [
        TimelinePhase(
            phase=phase,
            left=_percent(phase.opens, year),
            width=max(
                _percent(phase.closes + dt.timedelta(days=1), year) - _percent(phase.opens, year),
                1.0,
            ),
        )
        for phase in view.phases
    ]
    months = [
        (name, _percent(dt.date(year, number, 1), year))
        for number, name in enumerate(MONTH_ABBREVIATIONS, start=1)
    ]
    today_left = _percent(today, year) if today.year == year else None
    return Timeline(phases=phases, today=today, today_left=today_left, months=months)


def department_keys(*, session: Session, body: Body) -> dict[str, str]:
    """Department name -> key (names are unique per body)."""
    rows = session.exec(
        select(Department.name, Department.key).where(Department.body_id == body.id)
    ).all()
    return dict(rows)


def cycle_page(
    *, session: Session, body: Body, year: int, today: dt.date, cutoff: dt.datetime | None = None
) -> CyclePage:
    """The cycle as of `today`; with `cutoff` (a past view) as it stood at that instant."""
    view = cycle_view(session=session, body=body, year=year, today=today)
    since = None
    if cutoff is not None:
        from services.as_of import cycle_overlay, view_as_of
        from services.cycles import get_cycle

        cycle = get_cycle(session=session, body=body, year=year)
        overlay = cycle_overlay(session=session, body=body, cycle=cycle, cutoff=cutoff)
        view = view_as_of(session=session, body=body, view=view, today=today, overlay=overlay)
        since = overlay.task_since
    keys = department_keys(session=session, body=body)
    rows = [TaskRow.of(task, keys.get(task.assignee)) for task in view.tasks]
    overdue: dict[str, list[TaskRow]] = {}
    for row in rows:
        if row.days_overdue > 0:
            overdue.setdefault(row.assignee, []).append(row)
    return CyclePage(
        year=year,
        today=today,
        view=view,
        rows=rows,
        timeline=timeline(view, today),
        overdue=[
            Overdue(name, keys.get(name), len(late), max(r.days_overdue for r in late))
            for name, late in sorted(overdue.items(), key=lambda item: -len(item[1]))
        ],
        since=since,
    )


def cycle_years(*, session: Session, body: Body) -> list[int]:
    return list(
        session.exec(select(Cycle.year).where(Cycle.body_id == body.id).order_by(col(Cycle.year)))
    )


def default_year(years: list[int], today: dt.date) -> int | None:
    """This year's cycle, else the latest one before today, else the first."""
    if not years:
        return None
    if today.year in years:
        return today.year
    earlier = [year for year in years if year < today.year]
    return earlier[-1] if earlier else years[0]


def departments(*, session: Session, body: Body) -> list[Department]:
    return list(
        session.exec(
            select(Department).where(Department.body_id == body.id).order_by(Department.name)
        )
    )


def factions(*, session: Session, body: Body) -> list[Faction]:
    return list(
        session.exec(select(Faction).where(Faction.body_id == body.id).order_by(Faction.name))
    )


# --- the overview's summary, review queue, department matrix and phase groups (issue 14) ---

# a task's state as a symbol and a word (never colour alone); "late" is an open task past due
CELL_STATES = {
    "accepted": ("✓", "angenommen"),
    "submitted": ("◔", "eingereicht"),
    "late": ("!", "überfällig"),
    "missed": ("×", "versäumt"),
    "cancelled": ("–", "entfällt"),
    "returned": ("↩", "zurückgegeben"),
    "open": ("○", "offen"),
    "planned": ("·", "geplant"),
}
# where on a department's page the controlling office reviews each kind of delivery
REVIEW_ANCHORS = {
    "key_figures": "meldung",
    "partial_budget_report": "teilhaushaltsbericht",
    "planning": "planung",
}


def cell_state(row: TaskView) -> str:
    """The key of CELL_STATES for a task: overdue beats its status."""
    if row.days_overdue > 0:
        return "late"
    return row.status.value


@dataclass(frozen=True)
class Counts:
    """How the tasks of a phase (or of the year) stand, as the summary strip counts them."""

    done: int = 0  # accepted or cancelled
    review: int = 0  # submitted: waits for the controlling office
    overdue: int = 0
    open: int = 0  # planned, open or returned and not yet due
    missed: int = 0
    total: int = 0

    @classmethod
    def of(cls, rows: list[TaskRow]) -> Counts:
        state = [cell_state(row) for row in rows]
        return cls(
            done=sum(s in ("accepted", "cancelled") for s in state),
            review=state.count("submitted"),
            overdue=state.count("late"),
            open=sum(s in ("planned", "open", "returned") for s in state),
            missed=state.count("missed"),
            total=len(rows),
        )


OPEN_GROUP_ROWS = 15  # a running phase with more tasks starts folded (unless filtered)


@dataclass(frozen=True)
class PhaseGroup:
    phase: PhaseView
    rows: list[TaskRow]
    counts: Counts

    @property
    def collapsed(self) -> bool:
        """Only the running phase is open, and only while its list stays short: the matrix
        above already shows every department's state, and a phone should not scroll through
        dozens of rows to reach the rest. The summary line keeps the counts in view."""
        return self.phase.timing.value != "current" or len(self.rows) > OPEN_GROUP_ROWS


def phase_groups(page: CyclePage, rows: list[TaskRow] | None = None) -> list[PhaseGroup]:
    """The tasks (all, or the filtered `rows`) under their phase, in the phases' order."""
    by_phase: dict[str, list[TaskRow]] = {}
    for row in page.rows if rows is None else rows:
        by_phase.setdefault(row.phase_title, []).append(row)
    return [
        PhaseGroup(phase, by_phase.get(phase.title, []), Counts.of(by_phase.get(phase.title, [])))
        for phase in page.view.phases
    ]


def review_href(row: TaskRow, year: int) -> str | None:
    """Where the controlling office reviews this task: its department page's section (a
    faction's task has no such page)."""
    if not row.department_key:
        return None
    anchor = REVIEW_ANCHORS.get(row.delivers.value, f"t{row.task_id}")
    return f"/cycles/{year}/departments/{row.department_key}#{anchor}"


def queue_href(row: TaskRow, year: int) -> str | None:
    """The queue leads to the review screen of submitted figures (issue 14), partial budget
    reports and plans, else to the review section of the department page."""
    if row.department_key and row.delivers.value == "key_figures":
        return f"/cycles/{year}/departments/{row.department_key}/review"
    screen = REVIEW_SCREENS.get(row.delivers.value)
    if row.department_key and screen:
        return f"/cycles/{year}/departments/{row.department_key}/{screen}"
    return review_href(row, year)


# the review screens of the other deliveries with one (a department's planning leads to its
# first waiting Teilhaushalt's plan)
REVIEW_SCREENS = {"partial_budget_report": "partial-report/review", "planning": "plans/review"}


@dataclass(frozen=True)
class QueueItem:
    """A delivery that waits for the controlling office's review."""

    row: TaskRow
    since: dt.datetime
    href: str | None
    waiting_days: int = 0  # calendar days since it was submitted, as of the page's today


def review_queue(*, session: Session, page: CyclePage) -> list[QueueItem]:
    """Every submitted task of the year, oldest first, with the place where it is reviewed."""
    from models.cycle import Task

    waiting = [row for row in page.rows if row.status == TaskStatus.submitted]
    if not waiting:
        return []
    from models.body import Body

    found = session.exec(
        select(Task.id, Task.updated_at, Task.body_id).where(
            col(Task.id).in_([row.task_id for row in waiting])
        )
    ).all()
    since = {task_id: updated for task_id, updated, _ in found}
    if page.since is not None:  # a past view: submitted when it last changed by then
        changed = page.since
        since = {task_id: changed.get(task_id or 0, at) for task_id, at in since.items()}
    body = session.get_one(Body, found[0][2])
    items = [
        QueueItem(
            row,
            since[row.task_id],
            queue_href(row, page.year),
            # days as the body's calendar counts them, not UTC's
            max((page.today - body.local_date(since[row.task_id])).days, 0),
        )
        for row in waiting
    ]
    return sorted(items, key=lambda item: (item.since, item.row.assignee))


@dataclass(frozen=True)
class MatrixColumn:
    deadline_key: str
    title: str
    short: str
    due: dt.date


@dataclass(frozen=True)
class MatrixRow:
    name: str
    key: str
    cells: list[TaskRow | None]  # one per column; None: no such task for this row
    faction: bool = False  # a council faction (the survey), not a department


@dataclass(frozen=True)
class Matrix:
    columns: list[MatrixColumn]
    rows: list[MatrixRow]


def short_title(title: str) -> str:
    """A column header: the title's first word (the full title goes beside it)."""
    word = title.split()[0].rstrip(",:;") if title.split() else title
    return word if len(word) <= 15 else word[:13] + "…"


def department_matrix(*, session: Session, body: Body, page: CyclePage) -> Matrix:
    """One row per department, then one per council faction; one column per deadline that
    departments or factions carry this year."""
    named = {d.name: d.key for d in departments(session=session, body=body)}
    faction_names = {f.name: f.key for f in factions(session=session, body=body)}
    own = [row for row in page.rows if row.assignee in named or row.assignee in faction_names]
    columns: dict[str, MatrixColumn] = {}
    for row in sorted(own, key=lambda r: (r.due, r.deadline_key)):
        columns.setdefault(
            row.deadline_key,
            MatrixColumn(
                row.deadline_key, row.deadline_title, short_title(row.deadline_title), row.due
            ),
        )
    cells = {(row.assignee, row.deadline_key): row for row in own}

    def matrix_row(name: str, key: str, faction: bool) -> MatrixRow:
        return MatrixRow(name, key, [cells.get((name, column)) for column in columns], faction)

    return Matrix(
        columns=list(columns.values()),
        rows=[matrix_row(name, key, False) for name, key in named.items()]
        + [matrix_row(name, key, True) for name, key in faction_names.items()],
    )
