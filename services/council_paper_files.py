"""The council paper's files: Word (python-docx, imported only when asked for) and PDF."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.body import Body
from models.errors import KreislaufError
from services.council_paper import CouncilPaper, council_paper, session_line

PAPER_FORMATS: tuple[str, ...] = ("docx", "pdf")


def render_council_paper(
    session: Session, body: Body, year: int, fmt: str, now: dt.datetime | None = None
) -> bytes:
    if fmt not in PAPER_FORMATS:
        raise KreislaufError(
            f"{fmt!r} ist unbekannt (möglich: {', '.join(PAPER_FORMATS)}).", field="format"
        )
    paper = council_paper(session=session, body=body, year=year)
    return paper_docx(paper, now) if fmt == "docx" else paper_pdf(paper)


def paper_pdf(paper: CouncilPaper) -> bytes:
    from services.reports import environment, html_to_pdf

    html = (
        environment()
        .get_template("council_paper.html")
        .render(p=paper, session_line=session_line(paper.session))
    )
    return html_to_pdf(html)


def paper_docx(paper: CouncilPaper, now: dt.datetime | None = None) -> bytes:
    from services.council_paper_docx import word_document

    return word_document(paper, now)
