"""The council paper on the admin page: offered once the forum is recorded, downloaded as Word
and PDF; the resolution form takes the paper's reference, and the strategy page shows it."""

from __future__ import annotations

import io

from docx import Document

from tests.conftest import row_counts
from tests.test_documents import assert_tagged
from tests.test_web_access import Web, form_token
from tests.test_web_access import web as web  # noqa: F401  (the fixture)
from tests.test_web_admin import RESOLUTION, _held_forum
from tests.webworld import visible_text


def test_the_admin_page_offers_the_paper_once_the_forum_is_recorded(web: Web) -> None:
    early = web.login("verwaltung")  # mid-March: nothing recorded yet
    assert "Beschlussvorlage zur Fortschreibung" not in visible_text(early.get("/admin").text)
    refused = early.get("/admin/paper/2027.docx")
    assert refused.status_code == 409
    assert "noch kein Forum und keine Klausurtagung" in visible_text(refused.text)
    client = _held_forum(web)
    admin = client.get("/admin?year=2027").text
    assert 'href="/admin/paper/2027.docx"' in admin and 'href="/admin/paper/2027.pdf"' in admin
    word = client.get("/admin/paper/2027.docx")
    assert word.status_code == 200
    assert "beschlussvorlage-2027.docx" in word.headers["content-disposition"]
    document = Document(io.BytesIO(word.content))
    rows = [[cell.text for cell in row.cells] for row in document.tables[-1].rows]
    assert rows[1] == [
        "Klima & Biodiversität",
        "Schwerpunkt 4",
        "neu",
        "–",
        "Der Landkreis wird bis 2035 klimaneutral.",
    ]
    pdf = client.get("/admin/paper/2027.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert_tagged(pdf.content, "Beschlussvorlage 2027")
    assert client.get("/admin/paper/2027.odt").status_code == 404
    other = web.login("controlling")
    assert other.get("/admin/paper/2027.docx").status_code == 403


def test_the_resolution_form_keeps_the_paper_reference_and_the_strategy_page_shows_it(
    web: Web,
) -> None:
    client = _held_forum(web)
    token = form_token(client, "/admin")
    before = row_counts(web.engine)
    wrong = client.post(
        "/admin/resolution/preview", data={**RESOLUTION, "paper": "x" * 41, "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert "Aktenzeichen der Vorlage darf höchstens 40 Zeichen" in visible_text(wrong.text)
    assert 'aria-describedby="fehler-resolution-paper resolution-paper-hint"' in wrong.text
    assert row_counts(web.engine) == before
    form = {**RESOLUTION, "paper": "2027/0123", "csrf_token": token}
    preview = client.post("/admin/resolution/preview", data=form)
    assert "Beschlussvorlage: 2027/0123." in visible_text(preview.text)
    assert 'name="paper" value="2027/0123"' in preview.text
    done = client.post("/admin/resolution", data=form)
    assert "(Vorlage 2027/0123)" in visible_text(done.text)
    strategy = visible_text(client.get("/strategy").text)
    assert "KT/2027/045 vom 21.07.2027 (Vorlage 2027/0123)" in strategy
