"""The committees' documents: the evaluation report and the strategy-version diff.

One HTML page (Jinja2, inline CSS and SVG, no external resources) is the source of both the
HTML and the PDF (WeasyPrint, A4 with page numbers); the workbook is written with openpyxl.
WeasyPrint and openpyxl are imported only when a document of their kind is rendered.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlmodel import Session, col, select

from models.achievement import Light
from models.body import Body
from models.errors import KreislaufError, NotFoundError
from models.german import german_date, german_euro, german_number, german_percent
from models.strategy import Direction, StrategyVersion
from models.strategy_diff import DIFF_LABELS, diff_strategies
from models.strategy_versions import load_content
from models.word_diff import word_diff
from services.evaluation import Evaluation, FigureStatus, evaluate
from services.money import NO_MONEY, GroupProfile, MoneyOverview, money_overview
from services.partial_report_views import AcceptedReport, accepted_reports
from services.report_format import (
    DIRECTION_LABELS,
    PriorityNames,
    diff_element_name,
    measures_text,
    money_chart_svg,
    sparkline_svg,
    version_label,
)
from services.report_summary import Summary, deliveries, summarize

Format = Literal["xlsx", "html", "pdf"]
FORMATS: tuple[str, ...] = ("xlsx", "html", "pdf")


def render_report(
    session: Session, body: Body, year: int, fmt: Format | str, now: dt.datetime
) -> bytes:
    """The evaluation report of cycle `year` (Berichtsjahr `year - 1`) as of `now`."""
    check_format(fmt)
    evaluation = evaluate(session=session, body=body, year=year, now=now)
    money = money_overview(session=session, body=body, year=year)
    partial_reports = accepted_reports(session=session, body=body, year=year)
    summary = summarize(evaluation, deliveries(session=session, body=body, year=year), money)
    if fmt == "xlsx":
        from services.report_xlsx import evaluation_workbook

        return evaluation_workbook(evaluation, money, partial_reports, summary)
    html = report_html(evaluation, money, partial_reports, summary)
    return html.encode() if fmt == "html" else html_to_pdf(html)


def render_version_diff(
    session: Session, body: Body, from_number: int, to_number: int, fmt: Format | str
) -> bytes:
    """What changed in the strategic priorities from one strategy version to another."""
    check_format(fmt)
    old = strategy_version(session=session, body=body, number=from_number, field="from")
    new = strategy_version(session=session, body=body, number=to_number, field="to")
    old_content = load_content(session=session, version=old)
    new_content = load_content(session=session, version=new)
    before, after = (PriorityNames.of_content(c) for c in (old_content, new_content))
    changes = [
        {
            **c,
            # the number it has where it stands: in the new version, or in the old if removed
            "number": diff_element_name(c, before, after),
            # a changed wording is shown once, its struck and inserted words marked
            "segments": word_diff(c["before"], c["after"]) if c["change"] == "changed" else (),
        }
        for c in diff_strategies(old_content, new_content)
    ]
    if fmt == "xlsx":
        from services.report_xlsx import diff_workbook

        return diff_workbook(body.name, old, new, changes)
    html = (
        environment()
        .get_template("version_diff.html")
        .render(
            body_name=body.name,
            old=old,
            new=new,
            changes=changes,
            labels=DIFF_LABELS,
            version_label=version_label,
        )
    )
    return html.encode() if fmt == "html" else html_to_pdf(html)


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise KreislaufError(
            f"{fmt!r} ist unbekannt (möglich: {', '.join(FORMATS)}).", field="format"
        )


def previous_number(*, session: Session, body: Body, number: int) -> int | None:
    """The number of the version that version `number` followed (its resolution changed
    that one); None for a version from the configuration, the first with content."""
    version = strategy_version(session=session, body=body, number=number, field="to")
    if version.previous_id is None:
        return None
    return session.get_one(StrategyVersion, version.previous_id).number


def strategy_version(*, session: Session, body: Body, number: int, field: str) -> StrategyVersion:
    version = session.exec(
        select(StrategyVersion).where(
            StrategyVersion.body_id == body.id, StrategyVersion.number == number
        )
    ).first()
    if version is None:
        known = session.exec(
            select(StrategyVersion.number)
            .where(StrategyVersion.body_id == body.id)
            .order_by(col(StrategyVersion.number))
        ).all()
        raise NotFoundError(
            f"Strategieversion {number} gibt es nicht "
            f"(vorhanden: {', '.join(map(str, known)) or 'keine'}).",
            field=field,
        )
    if version.history_only:  # on record without content: nothing to compare
        comparable = session.exec(
            select(StrategyVersion.number)
            .where(StrategyVersion.body_id == body.id)
            .where(col(StrategyVersion.history_only).is_(False))
            .order_by(col(StrategyVersion.number))
        ).all()
        raise KreislaufError(
            f"Strategieversion {number} ({version.label}) ist nur mit Datum und Beschluss "
            "erfasst, ihr Inhalt nicht: sie lässt sich nicht vergleichen (vergleichbar: "
            f"{', '.join(map(str, comparable))}).",
            field=field,
        )
    return version


def report_html(
    evaluation: Evaluation,
    money: MoneyOverview | None = None,
    partial_reports: list[AcceptedReport] | None = None,
    summary: Summary | None = None,
) -> str:
    """The report page; without `money` its budget sections say there are no budget data.
    Page 1 is the summary (`services.report_summary`; without one: no deliveries known)."""
    return (
        environment()
        .get_template("report.html")
        .render(
            e=evaluation,
            m=money,
            lights=Light,
            no_money=NO_MONEY,
            partial_reports=partial_reports or [],
            pn=evaluation_priority_names(evaluation),
            s=summary or summarize(evaluation, [], money),
        )
    )


def evaluation_priority_names(evaluation: Evaluation) -> PriorityNames:
    """Priorities by field and number in the strategy the evaluation measures against."""
    return PriorityNames((fld.name, [p.code for p in fld.priorities]) for fld in evaluation.fields)


# PDF/UA-1: a tagged PDF (structure tree, reading order, /Lang from <html lang>, the title
# from <title> shown by viewers) as BITV 2.0 / EN 301 549 chapter 10 ask of documents.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def html_to_pdf(html: str) -> bytes:
    """Every PDF the system writes goes through here: tagged, with language and title."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=html).write_pdf(**PDF_OPTIONS)  # weasyprint has no type information
    return pdf


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("services", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda value, places=2: german_number(value, places=places)
    env.filters["date"] = german_date
    env.filters["eur"] = german_euro
    env.filters["eur_signed"] = lambda value: german_euro(value, signed=True)
    env.filters["pct_signed"] = lambda value: german_percent(value, signed=True)
    env.filters["breakable"] = breakable
    env.globals.update(
        sparkline=_sparkline,
        direction_label=lambda direction: DIRECTION_LABELS[Direction(direction)],
        measures_text=measures_text,
        money_chart=_money_chart,
    )
    return env


LONG_RUN = re.compile(r"\S{41,}")  # longer than any German word a comment would hold
CHUNK = 20


def breakable(text: str | None) -> Markup:
    """`text` escaped, with a line-break chance (<wbr>) every CHUNK characters of a run
    without spaces longer than 40: a long unbroken comment wraps at once instead of making
    the PDF's table layout search for breaks character by character (many times slower)."""
    if not text:
        return Markup("")
    parts: list[str] = []
    last = 0
    for run in LONG_RUN.finditer(text):
        parts.append(escape(text[last : run.start()]))
        word = run.group()
        parts.append(
            Markup("\u200b").join(escape(word[i : i + CHUNK]) for i in range(0, len(word), CHUNK))
        )
        last = run.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _sparkline(figure: FigureStatus) -> Markup:
    return Markup(sparkline_svg(figure.series, target=figure.target))  # our own escaped SVG


def _money_chart(group: GroupProfile) -> Markup:
    series = [(y.year, y.planned, y.result) for y in group.series]
    return Markup(money_chart_svg(series))  # our own escaped SVG
