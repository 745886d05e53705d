"""The council's budget resolution (Haushaltsbeschluss) as a recorded decision.

`record_budget_resolution` carries out `RecordBudgetResolution` (handler: services.commands):
it checks the cycle (open, budget phase begun, no resolution yet, every plan accepted) and the
amendments (product groups of the body's product plan), writes the resolution with its
amendments, audits it and completes the budget phase's tasks. The phase and the cycle close
on the next reconcile (models.reconcile). `load_amendments` reads the amendments file the CLI
takes; `budget_resolution_lines` and `provisional_since` are what people read back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session, col, select

from models import audit
from models.budget_resolution import BudgetAmendment, BudgetResolution
from models.calendar_rules import Delivery, PhaseKind
from models.commands import (
    MAX_AMENDMENTS,
    MAX_NOTE,
    BudgetAmendmentInput,
    RecordBudgetResolution,
    check_amount,
)
from models.cycle import Cycle, CycleStatus, Deadline, Phase, PhaseStatus, Task, TaskStatus
from models.db import id_of
from models.errors import ConflictError, KreislaufError
from models.german import german_date, plural
from models.organisation import Department
from models.product_plan import ProductGroup
from models.reconcile import BudgetDecision, CycleState, PhaseState, provisional_budget_since
from models.transitions import Event, complete_phase_tasks, get_phase, require_open_cycle


def record_budget_resolution(
    command: RecordBudgetResolution,
    cycle: Cycle,
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
    today: dt.date,
) -> tuple[list[Event], BudgetResolution]:
    """Record the budget resolution of `cycle` (services.commands hands it the command);
    see the module's docstring. A refusal writes nothing (the caller's transaction is rolled
    back). Returns the timeline events and the resolution."""
    require_open_cycle(id_of(cycle), session=session)
    phase = _budget_phase(cycle, session=session, today=today)
    _refuse_second(cycle, session=session)
    _check_day(command.adopted_on, phase, today)
    _require_accepted_plans(cycle, session=session)
    groups = _product_groups(command.amendments, session=session, body_id=cycle.body_id)
    _require_requests(command.amendments, groups, cycle, session=session)
    resolution = _write(command, cycle, groups, session=session, now=now, actor=actor)
    detail = f"Haushaltsbeschluss Nr. {command.number} vom {german_date(command.adopted_on)}"
    events = [
        Event(
            today,
            PhaseKind.budget_resolution,
            "budget_resolution_adopted",
            f"{detail}: Haushalt {resolution.plan_year}, "
            f"{plural(len(command.amendments), 'Änderung', 'Änderungen')}",
        )
    ]
    # only now do the accepted plans (with the council's amendments) become the plan year's
    # targets, goals and budget: what the next evaluation measures against
    from models.body import Body
    from services.plan_adoption import adopt_plans

    body = session.get_one(Body, cycle.body_id)
    events += adopt_plans(
        session=session, body=body, cycle=cycle, resolution=resolution, now=now, actor=actor
    )
    events += complete_phase_tasks(
        phase, session=session, now=now, actor=actor, today=today, why=detail
    )
    return events, resolution


def _budget_phase(cycle: Cycle, *, session: Session, today: dt.date) -> Phase:
    phase = get_phase(cycle, PhaseKind.budget_resolution, session=session)
    if phase is None:
        raise ConflictError(
            f"Der Steuerungskreislauf {cycle.year} hat keine Phase Haushaltsbeschluss; "
            "es gibt keinen Haushaltsbeschluss festzuhalten."
        )
    if today < phase.opens_on:
        raise ConflictError(
            f"Die Phase „{phase.title}“ beginnt erst am {german_date(phase.opens_on)}; "
            f"am {german_date(today)} kann noch kein Haushaltsbeschluss festgehalten werden.",
            field="on",
        )
    return phase


def _refuse_second(cycle: Cycle, *, session: Session) -> None:
    first = session.exec(
        select(BudgetResolution).where(BudgetResolution.cycle_id == cycle.id)
    ).first()
    if first is not None:
        raise ConflictError(
            f"Für {cycle.year} ist bereits der Haushaltsbeschluss Nr. {first.number} vom "
            f"{german_date(first.adopted_on)} festgehalten; ein zweiter wird nicht angenommen."
        )


def _check_day(adopted_on: dt.date, phase: Phase, today: dt.date) -> None:
    if adopted_on > today:
        raise KreislaufError(f"{german_date(adopted_on)} liegt in der Zukunft.", field="adopted_on")
    if adopted_on < phase.opens_on:
        raise KreislaufError(
            f"Der Haushaltsbeschluss ({german_date(adopted_on)}) kann nicht vor Beginn der "
            f"Phase „{phase.title}“ ({german_date(phase.opens_on)}) liegen.",
            field="adopted_on",
        )


def _require_accepted_plans(cycle: Cycle, *, session: Session) -> None:
    """Only accepted plans can be adopted: every task of the planning deadline (Delivery
    .planning) must be accepted. A calendar without a planning deadline has nothing to check."""
    rows = session.exec(
        select(Department.name, Task.status)
        .join(Deadline, col(Task.deadline_id) == Deadline.id)
        .join(Department, col(Task.department_id) == Department.id)
        .where(Deadline.cycle_id == cycle.id, Deadline.delivers == Delivery.planning.value)
        .order_by(col(Department.name))
    ).all()
    missing = [
        f"{name} ({TaskStatus(status).label})"
        for name, status in rows
        if TaskStatus(status) != TaskStatus.accepted
    ]
    if missing:
        raise ConflictError(
            f"Der Haushalt {cycle.year + 1} kann erst beschlossen werden, wenn alle Planungen "
            f"angenommen sind; es fehlt die Planung von: {', '.join(missing)}.",
            hint="Bitte die Planungen zuerst prüfen und annehmen.",
        )


def _product_groups(
    amendments: tuple[BudgetAmendmentInput, ...], *, session: Session, body_id: int
) -> dict[str, int]:
    """The named product groups' ids; an unknown one is refused by name."""
    numbers = {amendment.product_group for amendment in amendments}
    if not numbers:
        return {}
    known = dict(
        session.exec(
            select(ProductGroup.number, ProductGroup.id).where(
                ProductGroup.body_id == body_id, col(ProductGroup.number).in_(numbers)
            )
        ).all()
    )
    for amendment in amendments:
        if amendment.product_group not in known:
            raise KreislaufError(
                f"Die Produktgruppe {amendment.product_group} gibt es im Produktplan nicht.",
                field=f"{amendment.field}.product_group",
            )
    return {number: id_ for number, id_ in known.items() if id_ is not None}


_SIDE_FIELDS = {"Erträge": "income_change", "Aufwendungen": "expenses_change"}


def _require_requests(
    amendments: tuple[BudgetAmendmentInput, ...],
    groups: dict[str, int],
    cycle: Cycle,
    *,
    session: Session,
) -> None:
    """An amendment changes an accepted plan's request for the plan year: a group without
    one has nothing to change (it would be lost), and no change may make an amount negative."""
    from models.planning import Plan, PlanBudget, PlanStatus

    requests = {
        group_id: (income, expenses)
        for group_id, income, expenses in session.exec(
            select(
                col(PlanBudget.product_group_id), col(PlanBudget.income), col(PlanBudget.expenses)
            )
            .join(Plan, col(PlanBudget.plan_id) == Plan.id)
            .where(
                Plan.cycle_id == cycle.id,
                Plan.status == PlanStatus.accepted.value,
                PlanBudget.year == cycle.year + 1,
            )
        ).all()
    }
    for amendment in amendments:
        request = requests.get(groups[amendment.product_group])
        if request is None:
            raise ConflictError(
                f"Für die Produktgruppe {amendment.product_group} gibt es keine angenommene "
                f"Planung {cycle.year + 1}; eine Änderung im Haushaltsbeschluss ändert die "
                "Anmeldung einer angenommenen Planung.",
                field=f"{amendment.field}.product_group",
            )
        for side, amount, change in (
            ("Erträge", request[0], amendment.income_change),
            ("Aufwendungen", request[1], amendment.expenses_change),
        ):
            if amount + change < 0:
                raise KreislaufError(
                    f"Die Änderung ergäbe für die Produktgruppe {amendment.product_group} "
                    f"negative {side} ({amount} + {change} Euro).",
                    field=f"{amendment.field}.{_SIDE_FIELDS[side]}",
                )


def _write(
    command: RecordBudgetResolution,
    cycle: Cycle,
    groups: dict[str, int],
    *,
    session: Session,
    now: dt.datetime,
    actor: str,
) -> BudgetResolution:
    """The resolution and its amendments, audited; a concurrent resolution of the same cycle
    collides on the unique key and is refused like a second one."""
    resolution = BudgetResolution(
        body_id=cycle.body_id,
        cycle_id=id_of(cycle),
        plan_year=cycle.year + 1,
        number=command.number,
        adopted_on=command.adopted_on,
        recorded_at=now,
        actor=actor[:200],
    )
    try:
        with session.begin_nested():
            session.add(resolution)
            session.flush()
            for amendment in command.amendments:
                session.add(
                    BudgetAmendment(
                        resolution_id=id_of(resolution),
                        product_group_id=groups[amendment.product_group],
                        income_change=amendment.income_change,
                        expenses_change=amendment.expenses_change,
                        note=amendment.note,
                    )
                )
            session.flush()
    except sa.exc.IntegrityError:
        _refuse_second(cycle, session=session)
        raise ConflictError(
            f"Der Haushaltsbeschluss {cycle.year} wurde gerade in einem anderen Vorgang "
            "festgehalten; bitte die Angaben prüfen."
        ) from None
    audit.record(
        session=session,
        now=now,
        actor=actor,
        action="budget_resolution.recorded",
        entity="budget_resolution",
        entity_id=resolution.id,
        body_id=cycle.body_id,
        after={
            "number": command.number,
            "adopted_on": command.adopted_on.isoformat(),
            "plan_year": resolution.plan_year,
            "amendments": [_audited(amendment) for amendment in command.amendments],
        },
    )
    return resolution


def _audited(amendment: BudgetAmendmentInput) -> dict[str, Any]:
    return {
        "product_group": amendment.product_group,
        "income_change": str(amendment.income_change),
        "expenses_change": str(amendment.expenses_change),
        "note": amendment.note,
    }


# --------------------------------------------------------------------------- read back


def provisional_since(*, session: Session, cycle: Cycle, today: dt.date) -> dt.date | None:
    """Since when the body runs a provisional budget for the cycle's plan year (None: not);
    the rule is models.reconcile.provisional_budget_since, on the few facts it reads."""
    phase = get_phase(cycle, PhaseKind.budget_resolution, session=session)
    if phase is None:
        return None
    recorded = session.exec(
        select(col(BudgetResolution.number), col(BudgetResolution.adopted_on)).where(
            BudgetResolution.cycle_id == cycle.id
        )
    ).first()
    state = CycleState(
        year=cycle.year,
        status=CycleStatus(cycle.status),
        election_year=cycle.election_year,
        phases=(
            PhaseState(
                PhaseKind.budget_resolution,
                phase.opens_on,
                phase.closes_on,
                PhaseStatus(phase.status),
            ),
        ),
        budget_resolution=None if recorded is None else BudgetDecision(*recorded),
    )
    return provisional_budget_since(state, today)


def budget_resolution_lines(*, session: Session, cycle: Cycle, today: dt.date) -> list[str]:
    """The budget resolution as people read it (number, day, amendments), or that the body
    runs a provisional budget; nothing before either."""
    resolution = session.exec(
        select(BudgetResolution).where(BudgetResolution.cycle_id == cycle.id)
    ).first()
    if resolution is not None:
        count = session.exec(
            select(sa.func.count())
            .select_from(BudgetAmendment)
            .where(BudgetAmendment.resolution_id == resolution.id)
        ).one()
        return [
            f"Haushaltsbeschluss Nr. {resolution.number} vom "
            f"{german_date(resolution.adopted_on)} (Haushalt {resolution.plan_year}): "
            f"{plural(count, 'Änderung', 'Änderungen')}"
        ]
    since = provisional_since(session=session, cycle=cycle, today=today)
    if since is not None:
        return [provisional_line(since)]
    return []


def provisional_line(since: dt.date) -> str:
    return (
        f"vorläufige Haushaltsführung seit {german_date(since)} (§ 83 GemO BW): "
        "der Haushaltsbeschluss ist noch nicht festgehalten"
    )


# --------------------------------------------------------------------------- amendments file

MAX_AMENDMENTS_FILE_BYTES = 1_000_000  # config.loader reads at most its own MAX_FILE_BYTES


class AmendmentEntry(BaseModel):
    """One `[[amendments]]` table of the file."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    product_group: str = Field(min_length=1, max_length=20, pattern=r"^\d{2}\.\d{2}$")
    income: Decimal = Decimal(0)
    expenses: Decimal = Decimal(0)
    note: str = Field(min_length=1, max_length=MAX_NOTE)

    @field_validator("income", "expenses", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Decimal:
        try:
            return check_amount(value, "amount")
        except KreislaufError as error:
            raise ValueError(error.message.rstrip(".")) from None


class AmendmentsFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amendments: list[AmendmentEntry] = Field(default_factory=list, max_length=MAX_AMENDMENTS)


def load_amendments(path: Path) -> tuple[BudgetAmendmentInput, ...]:
    """The amendments file (TOML, `[[amendments]]` with product_group, income, expenses,
    note); every problem names the file and key (`amendments[2].expenses`), nothing else is
    read. Bounded: at most 1 MB and MAX_AMENDMENTS entries."""
    from config.loader import load_toml_model

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # a missing file is named by the loader
    if size > MAX_AMENDMENTS_FILE_BYTES:
        raise KreislaufError(
            f"{path.name}: die Datei ist größer als 1 MB und wird nicht gelesen.",
            field="amendments",
        )
    parsed = load_toml_model(
        path, AmendmentsFile, field="amendments", what="Die Datei der Haushaltsänderungen"
    )
    try:
        return tuple(
            BudgetAmendmentInput(
                entry.product_group, entry.income, entry.expenses, entry.note, f"amendments[{i}]"
            )
            for i, entry in enumerate(parsed.amendments)
        )
    except KreislaufError as error:
        raise KreislaufError(
            f"{path.name}, {error.field}: {error.message}", field="amendments"
        ) from None
