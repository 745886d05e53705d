"""Load a body's configuration directory: parse, validate, cross-check, all or nothing.

Every problem is collected with its file and key (`strategy.toml, key_positions[3].product`)
and reported together as one `KreislaufError`; nothing is returned unless all files are valid.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from config.german_errors import german_errors
from config.schema import (
    FILES,
    BodyFile,
    FiguresFile,
    GoalSpec,
    HistorySpec,
    KeyFigureSpec,
    OrganisationFile,
    ProductsFile,
    StrategyFile,
)
from models.calendar_rules import CalendarSpec, Delivery, RuleError, WorkingDays, expand_calendar
from models.calendar_rules.spec import delivery_problem
from models.errors import KreislaufError
from models.reminder_policy import ReminderPolicy

RESPONSIBLE_GROUPS = ("departments", "factions")
MAX_FILE_BYTES = 1_000_000  # no configuration file comes near this; read and parsed at most once
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class BodyConfig:
    """A body's validated configuration, ready to be written."""

    directory: Path
    body: BodyFile
    strategy: StrategyFile
    organisation: OrganisationFile
    calendar: CalendarSpec
    reminders: ReminderPolicy
    figures: FiguresFile = FiguresFile()
    products: ProductsFile | None = None  # the product plan; None when products.toml is absent

    @property
    def working_days(self) -> WorkingDays:
        return WorkingDays(
            self.body.holidays.country,
            self.body.holidays.subdivision,
            self.calendar.closure_days_all(),
        )


def load_body_config(directory: Path) -> BodyConfig:
    """Read and validate all four files of `directory`; raises KreislaufError listing problems."""
    directory = Path(directory)
    if not directory.is_dir():
        raise KreislaufError(f"Konfigurationsverzeichnis {directory} gibt es nicht.")
    problems: list[str] = []
    parsed: dict[str, Any] = {}
    for name, model in FILES.items():
        parsed[name] = _load_file(directory / name, model, problems)
    optional = directory / "reminders.toml"  # the reminder policy; defaults when absent
    reminders = (
        _load_file(optional, ReminderPolicy, problems) if optional.exists() else ReminderPolicy()
    )
    optional = directory / "figures.toml"  # key figures, goals, measures; none when absent
    figures = _load_file(optional, FiguresFile, problems) if optional.exists() else FiguresFile()
    optional = directory / "products.toml"  # the product plan; derived from numbers when absent
    products = _load_file(optional, ProductsFile, problems) if optional.exists() else None
    if not problems:
        config = BodyConfig(
            directory=directory,
            body=parsed["body.toml"],
            strategy=parsed["strategy.toml"],
            organisation=parsed["organisation.toml"],
            calendar=parsed["calendar.toml"],
            reminders=reminders,
            figures=figures,
            products=products,
        )
        problems += cross_check(config)
    if problems:
        raise KreislaufError(
            f"Die Konfiguration in {directory} ist fehlerhaft; nichts wurde geändert:",
            problems=problems,
        )
    return config


def _load_file(path: Path, model: type[BaseModel], problems: list[str]) -> Any:
    if not path.is_file():
        problems.append(f"{path.name}: Datei fehlt ({path}).")
        return None
    try:
        data = _read_toml(path)
    except _UnreadableToml as error:
        problems.append(str(error))
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems.extend(f"{path.name}, {message}" for message in german_errors(error))
        return None


class _UnreadableToml(Exception):
    """A TOML file that cannot be parsed; the message is German and names the file."""


def _read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file of at most MAX_FILE_BYTES; too large, too deeply nested, not UTF-8
    or not TOML each give one German `_UnreadableToml` (FileNotFoundError passes through)."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _UnreadableToml(
            f"{path.name}: die Datei ist größer als {MAX_FILE_BYTES // 1_000_000} MB "
            "und wird nicht gelesen."
        )
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _UnreadableToml(f"{path.name}: keine gültige UTF-8-Datei.") from None
    except tomllib.TOMLDecodeError as error:
        raise _UnreadableToml(f"{path.name}: kein gültiges TOML ({error}).") from None
    except RecursionError:
        raise _UnreadableToml(
            f"{path.name}: kein gültiges TOML (Tabellen oder Listen zu tief verschachtelt)."
        ) from None


def load_toml_model(path: Path, model: type[M], *, field: str, what: str) -> M:
    """One TOML file a user names, validated as `model`; any problem is one KreislaufError
    for `field` (the input that named the file), naming the file and key."""
    try:
        data = _read_toml(path)
    except FileNotFoundError:
        raise KreislaufError(f"Die Datei {path} gibt es nicht.", field=field) from None
    except _UnreadableToml as error:
        raise KreislaufError(str(error), field=field) from None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise KreislaufError(
            f"{what} {path} ist fehlerhaft; nichts wurde geändert:",
            field=field,
            problems=[f"{path.name}, {line}" for line in german_errors(error)],
        ) from None


def cross_check(config: BodyConfig) -> list[str]:
    """Checks that span files: references, duplicates, and the calendar per planned year."""
    organisation, strategy = config.organisation, config.strategy
    problems: list[str] = []
    departments = {department.key for department in organisation.departments}

    def duplicates(file: str, path: str, values: list[str], what: str) -> None:
        for value, count in Counter(values).items():
            if count > 1:
                problems.append(f"{file}, {path}: {what} {value!r} kommt {count}-mal vor.")

    duplicates(
        "organisation.toml",
        "departments[].key",
        [d.key for d in organisation.departments],
        "der Schlüssel",
    )
    duplicates(
        "organisation.toml",
        "departments[].name",
        [d.name for d in organisation.departments],
        "der Name",
    )
    contacts = [c for d in organisation.departments for c in d.contacts]
    duplicates(
        "organisation.toml",
        "departments[].contacts[].key",
        [c.key for c in contacts],
        "der Schlüssel",
    )
    duplicates(
        "organisation.toml",
        "factions[].key",
        [f.key for f in organisation.factions],
        "der Schlüssel",
    )
    duplicates(
        "organisation.toml",
        "committees[].key",
        [c.key for c in organisation.committees],
        "der Schlüssel",
    )
    duplicates("strategy.toml", "fields[].key", [f.key for f in strategy.fields], "der Schlüssel")
    duplicates(
        "strategy.toml",
        "key_positions[].product",
        [k.product for k in strategy.key_positions],
        "die Produktnummer",
    )

    if organisation.controlling_office not in departments:
        problems.append(
            f"organisation.toml, controlling_office: den Fachbereich "
            f"{organisation.controlling_office!r} gibt es nicht unter departments."
        )
    contact_keys = {c.key for c in contacts}
    for d_index, department in enumerate(organisation.departments):
        for c_index, contact in enumerate(department.contacts):
            where = f"organisation.toml, departments[{d_index}].contacts[{c_index}].deputy"
            if contact.deputy is not None and contact.deputy not in contact_keys:
                problems.append(f"{where}: die Vertretung {contact.deputy!r} ist kein Kontakt.")
            if contact.deputy == contact.key:
                problems.append(f"{where}: ein Kontakt kann sich nicht selbst vertreten.")
    for index, key_position in enumerate(strategy.key_positions):
        if key_position.department is not None and key_position.department not in departments:
            problems.append(
                f"strategy.toml, key_positions[{index}].department: den Fachbereich "
                f"{key_position.department!r} gibt es nicht (organisation.toml)."
            )
    for p_index, phase in enumerate(config.calendar.phases):
        for d_index, deadline in enumerate(phase.deadlines):
            if deadline.responsible not in RESPONSIBLE_GROUPS + tuple(departments):
                problems.append(
                    f"calendar.toml, phases[{p_index}].deadlines[{d_index}].responsible: "
                    f"{deadline.responsible!r} ist weder 'departments', 'factions' noch ein "
                    "Fachbereich aus organisation.toml."
                )
    for c_index, committee in enumerate(organisation.committees):
        for d_index, key in enumerate(committee.departments):
            if key not in departments:
                problems.append(
                    f"organisation.toml, committees[{c_index}].departments[{d_index}]: den "
                    f"Fachbereich {key!r} gibt es nicht unter departments."
                )
    committees = {committee.key for committee in organisation.committees}
    for key in config.calendar.committee_sessions:
        if key not in committees:
            problems.append(
                f"calendar.toml, committee_sessions.{key}: den Ausschuss {key!r} gibt es nicht "
                f"(organisation.toml, committees: {', '.join(sorted(committees)) or 'keine'})."
            )
    oparl = config.body.oparl
    for key in oparl.committees if oparl is not None else ():
        if key not in committees:
            problems.append(
                f"body.toml, oparl.committees.{key}: den Ausschuss {key!r} gibt es nicht "
                f"(organisation.toml, committees: {', '.join(sorted(committees)) or 'keine'})."
            )
    problems += _check_history(config.strategy)
    problems += _check_figures(config, departments)
    problems += _check_product_plan(config, departments)
    if not problems:
        problems += _check_planned_years(config)
    return problems


def _check_history(strategy: StrategyFile) -> list[str]:
    """Earlier versions: each dated by day or by year, oldest first, all before this one."""
    from models.german import german_date

    problems: list[str] = []
    previous: HistorySpec | None = None
    for index, entry in enumerate(strategy.history):
        key = "adopted_in_year" if entry.adopted_in_year is not None else "adopted_on"
        where = f"strategy.toml, history[{index}].{key}"
        if (entry.adopted_on is None) == (entry.adopted_in_year is None):
            problems.append(
                f"strategy.toml, history[{index}].adopted_on: bitte genau eines angeben, "
                "adopted_on (der Tag des Beschlusses) oder adopted_in_year (nur das Jahr)."
            )
            continue
        first, last = entry.span
        if last >= strategy.adopted_on:
            problems.append(
                f"{where}: eine frühere Version muss vor der Version dieser Datei beschlossen "
                f"sein (adopted_on = {german_date(strategy.adopted_on)})."
            )
        if previous is not None and first <= previous.span[1]:
            problems.append(
                f"{where}: muss nach history[{index - 1}] liegen (die älteste Version zuerst, "
                "jeder Tag und jedes nur mit dem Jahr genannte Jahr einmal)."
            )
        previous = entry
    return problems


def _check_figures(config: BodyConfig, departments: set[str]) -> list[str]:
    """figures.toml against the organisation, the strategy's priorities and the calendar."""
    figures = config.figures
    problems: list[str] = []
    priorities = {
        f"{field.key}.{index}"
        for field in config.strategy.fields
        for index in range(1, len(field.priorities) + 1)
    }
    for what, keys in (
        ("key_figures[].key", [f.key for f in figures.key_figures]),
        ("goals[].key", [g.key for g in figures.goals]),
        ("goals[].measures[].key", [m.key for g in figures.goals for m in g.measures]),
    ):
        for value, count in Counter(keys).items():
            if count > 1:
                problems.append(
                    f"figures.toml, {what}: der Schlüssel {value!r} kommt {count}-mal vor."
                )
    items: list[tuple[str, int, KeyFigureSpec | GoalSpec]]
    items = [("key_figures", i, f) for i, f in enumerate(figures.key_figures)]
    items += [("goals", i, g) for i, g in enumerate(figures.goals)]
    for table, index, item in items:
        if item.department not in departments:
            problems.append(
                f"figures.toml, {table}[{index}].department: den Fachbereich {item.department!r} "
                "gibt es nicht (organisation.toml)."
            )
        if item.priority is not None and item.priority not in priorities:
            problems.append(
                f"figures.toml, {table}[{index}].priority: den Schwerpunkt {item.priority!r} gibt "
                "es nicht (Handlungsfeld-Schlüssel und Nummer, z. B. 'mobilitaet.2')."
            )
    problems += _check_deliveries(config)
    return problems


def _check_deliveries(config: BodyConfig) -> list[str]:
    """Each deadline's `delivers` fits who is responsible and its phase; the workbooks of
    the departments (figures, partial budget report, planning) each fulfil one deadline."""
    problems: list[str] = []
    named: dict[Delivery, list[str]] = {}
    for p_index, phase in enumerate(config.calendar.phases):
        for d_index, deadline in enumerate(phase.deadlines):
            delivery = phase.delivery(deadline)
            problem = delivery_problem(phase.kind, deadline.responsible, delivery)
            if problem is not None:
                problems.append(
                    f"calendar.toml, phases[{p_index}].deadlines[{d_index}].delivers: {problem}."
                )
            named.setdefault(delivery, []).append(deadline.key)
    for delivery, keys in named.items():
        if delivery.department_work and len(keys) > 1:
            problems.append(
                f"calendar.toml: nur eine Frist darf delivers = {delivery.value!r} haben, "
                "gefunden: " + ", ".join(repr(key) for key in keys) + "."
            )
    return problems


def _check_product_plan(config: BodyConfig, departments: set[str]) -> list[str]:
    """products.toml in itself, and every product or group the strategy and figures name."""
    plan = config.products
    if plan is None:
        return []
    problems: list[str] = []
    file = "products.toml"
    for what, numbers in (
        ("areas[].number", [a.number for a in plan.areas]),
        ("partial_budgets[].number", [b.number for b in plan.partial_budgets]),
        ("groups[].number", [g.number for g in plan.groups]),
        ("products[].number", [p.number for p in plan.products]),
    ):
        for value, count in Counter(numbers).items():
            if count > 1:
                problems.append(f"{file}, {what}: die Nummer {value!r} kommt {count}-mal vor.")
    areas = {a.number for a in plan.areas}
    partial_budgets = {b.number for b in plan.partial_budgets}
    groups = {g.number for g in plan.groups}
    products = {p.number for p in plan.products}
    for b_index, budget in enumerate(plan.partial_budgets):
        for d_index, department in enumerate(budget.departments):
            if department not in departments:
                problems.append(
                    f"{file}, partial_budgets[{b_index}].departments[{d_index}]: den Fachbereich "
                    f"{department!r} gibt es nicht (organisation.toml)."
                )
    for index, group in enumerate(plan.groups):
        if group.area not in areas:
            problems.append(
                f"{file}, groups[{index}].number: Produktbereich {group.area!r} der "
                f"Produktgruppe {group.number} ist nicht angelegt (areas)."
            )
        if group.partial_budget not in partial_budgets:
            problems.append(
                f"{file}, groups[{index}].partial_budget: Teilhaushalt {group.partial_budget!r} "
                "ist nicht angelegt (partial_budgets)."
            )
    for index, product in enumerate(plan.products):
        if product.group not in groups:
            problems.append(
                f"{file}, products[{index}].number: Produktgruppe {product.group!r} des "
                f"Produkts {product.number} ist nicht angelegt (groups)."
            )
        if product.department is not None and product.department not in departments:
            problems.append(
                f"{file}, products[{index}].department: den Fachbereich {product.department!r} "
                "gibt es nicht (organisation.toml)."
            )

    def in_plan(where: str, product: str | None, group: str | None) -> None:
        if product is not None and product not in products:
            problems.append(
                f"{where}.product: Produkt {product} steht nicht im Produktplan (products.toml)."
            )
        if group is not None and group not in groups:
            problems.append(
                f"{where}.product_group: Produktgruppe {group} steht nicht im Produktplan "
                "(products.toml)."
            )

    delivering = {p.number: (index, p.department) for index, p in enumerate(plan.products)}
    positions = Counter(k.product for k in config.strategy.key_positions)
    for index, key_position in enumerate(config.strategy.key_positions):
        in_plan(f"strategy.toml, key_positions[{index}]", key_position.product, None)
        # both files set the product's department: they must agree (unless a problem above
        # already names the key position: an unknown department, a duplicate product)
        p_index, delivers = delivering.get(key_position.product, (None, None))
        named = key_position.department
        if (
            delivers
            and named in departments
            and positions[key_position.product] == 1
            and delivers != named
        ):
            problems.append(
                f"{file}, products[{p_index}].department: {delivers!r} widerspricht "
                f"strategy.toml, key_positions[{index}].department ({named!r})."
            )
    for index, figure in enumerate(config.figures.key_figures):
        in_plan(f"figures.toml, key_figures[{index}]", figure.product, figure.product_group)
    for index, goal in enumerate(config.figures.goals):
        in_plan(f"figures.toml, goals[{index}]", None, goal.product_group)
    return problems


def _check_planned_years(config: BodyConfig) -> list[str]:
    """Expand the calendar for every year with session dates: a bad rule shows at once."""
    problems: list[str] = []
    for year in sorted(config.calendar.council_sessions):
        try:
            expand_calendar(
                config.calendar,
                year,
                working_days=config.working_days,
                election_year=config.body.elections.is_election_year(year),
            )
        except RuleError as error:
            # one year is enough to show a rule's mistake; the others would repeat it
            return [f"calendar.toml, {error} (Jahr {year})"]
    return problems
