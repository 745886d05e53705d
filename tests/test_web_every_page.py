"""Every page the app serves, as every role: a crawler starts at "/" for the administration,
the controlling office and a department clerk and follows every link of this site (GET only,
bounded). Every link a role is shown must answer 200 for that role; no page, stylesheet or
document loads anything from another host (every src, href, action, srcset, … and every CSS
url(), @import; the report's PDF links, the workbooks' external relationships).

The world stands at 16 March 2027 with budget lines and a submitted workbook of Fachbereich
Umwelt, so the money pages and the review screen exist. The browser half (axe-core and the
width at 1366, 390 and 320 px on every page found) is in tests/test_web_browser_every_page.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.money_data import insert_budget_lines
from tests.test_web_access import Web
from tests.test_web_review import submit
from tests.webworld import PASSWORD, Clock, RecordingFlows, build_world, csrf_of

ROLES = {"admin": "verwaltung", "controlling": "controlling", "department": "umwelt"}
MAX_URLS = 300  # per role
MAX_QUERY_VARIANTS = 3  # per path: sort and filter links must not explode the crawl
NEVER_FOLLOW = ("/logout",)  # a link there would change state (it is a form; be sure)
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "xlink:href"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.I | re.S)
SAFE_SCHEMES = ("mailto:", "tel:", "data:")
# downloads and static files (not pages: /groups/54.20 and /priorities/bildung.1 are pages)
FILE_SUFFIXES = {"xlsx", "csv", "pdf", "ics", "json", "css", "js", "png", "svg", "ico", "txt"}


def foreign(value: str, host: str) -> bool:
    """Whether the URL would make the browser ask another host (or run code): allowed are
    relative URLs, this host, fragments and mailto:/tel:/data:."""
    value = value.strip()
    if not value or value.startswith("#") or value.lower().startswith(SAFE_SCHEMES):
        return False
    if value.startswith(("\\", "/\\")):  # browsers read "\\evil" and "/\evil" as "//evil"
        return True
    parts = urlsplit(value)
    if parts.scheme and parts.scheme.lower() not in ("http", "https"):
        return True  # javascript:, ftp:, file:, …
    return bool(parts.netloc) and parts.netloc.lower() != host


def css_urls(css: str) -> list[str]:
    return [m.group(2) or m.group(4) or "" for m in CSS_URL.finditer(css)]


class PageParser(HTMLParser):
    """Collects every URL-bearing attribute (with tag and attribute name), the links to
    follow, the stylesheets and scripts to fetch, and the inline CSS."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.links: list[str] = []
        self.resources: list[str] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name, value in values.items():
            if name in URL_ATTRIBUTES:
                self.urls.append((tag, name, value))
            elif name in ("srcset", "imagesrcset"):
                for candidate in value.split(","):
                    self.urls.append((tag, name, candidate.strip().split(" ")[0]))
            elif name == "style":
                self.css.append(value)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if tag == "link" and values.get("href"):
            self.resources.append(values["href"])
        if tag in ("script", "img", "iframe", "embed", "source") and values.get("src"):
            self.resources.append(values["src"])
        if tag == "object" and values.get("data"):
            self.resources.append(values["data"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.css.append(data)


@dataclass
class Crawl:
    """What a crawl found: every URL with its status and content type, where each was
    linked from, and the problems."""

    role: str
    pages: dict[str, tuple[int, str]] = field(default_factory=dict)  # url -> (status, type)
    landed: dict[str, str] = field(default_factory=dict)  # url -> where redirects ended
    found_on: dict[str, str] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)  # links that did not answer 200
    foreign: list[str] = field(default_factory=list)  # references to another host
    skipped: int = 0  # query variants and URLs beyond the bound

    def html_paths(self) -> list[str]:
        """The HTML pages found, one URL per path (the first found)."""
        seen: dict[str, str] = {}
        for url, (status, kind) in self.pages.items():
            url = self.landed.get(url, url)
            path = urlsplit(url).path
            if status == 200 and kind.startswith("text/html") and path not in seen:
                seen[path] = url
        return list(seen.values())


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


def check_content(crawl: Crawl, url: str, response: httpx.Response, host: str) -> list[str]:
    """Check a response's content for references to another host; return the links (HTML)
    and resources (stylesheets, scripts, images) it refers to on this site."""
    kind = response.headers.get("content-type", "")
    where = path_and_query(url)

    def bad(what: str, value: str) -> None:
        crawl.foreign.append(f"{crawl.role}: {where} {what}={value!r}")

    if kind.startswith("text/html"):
        parser = PageParser()
        parser.feed(response.text)
        for tag, name, value in parser.urls:
            if foreign(value, host):
                bad(f"<{tag} {name}>", value)
        for css in parser.css:
            for value in css_urls(css):
                if foreign(value, host):
                    bad("CSS url()", value)
        return parser.links + parser.resources
    if kind.startswith("text/css"):
        found = css_urls(response.text)
        for value in found:
            if foreign(value, host):
                bad("CSS url()/@import", value)
        return [value for value in found if not value.startswith(("#", "data:"))]
    if kind.startswith("application/pdf"):
        from pypdf import PdfReader

        for number, pdf_page in enumerate(PdfReader(io.BytesIO(response.content)).pages, 1):
            for annotation in pdf_page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                target = action.get("/URI")
                if target is not None and foreign(str(target), host):
                    bad(f"PDF Seite {number} /URI", str(target))
    if kind.startswith("application/vnd.openxmlformats"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as book:
            for name in book.namelist():
                if name.endswith(".rels"):
                    text = book.read(name).decode()
                    for target in re.findall(r'Target="([^"]+)"[^>]*TargetMode="External"', text):
                        if foreign(target, host):
                            bad(f"Arbeitsmappe {name} (extern)", target)
    return []


def crawl_site(client: httpx.Client, role: str, start: str = "/", *, files: bool = True) -> Crawl:
    """Follow every link and resource of this site from `start`, GET only, breadth first,
    at most MAX_URLS URLs and MAX_QUERY_VARIANTS query strings per path; without `files`,
    only the pages (no download or static file, by its FILE_SUFFIXES)."""
    base = str(client.base_url).rstrip("/")
    host = urlsplit(base).netloc.lower()
    crawl = Crawl(role)
    queue: list[tuple[str, str]] = [(urljoin(base + "/", start), "(Start)")]
    queued = {queue[0][0]}
    variants: dict[str, int] = defaultdict(int)
    while queue:
        url, referrer = queue.pop(0)
        response = client.get(url, follow_redirects=True)
        final = str(response.url)
        kind = response.headers.get("content-type", "")
        crawl.pages[url] = (response.status_code, kind)
        crawl.found_on[url] = referrer
        crawl.landed[url] = final
        if response.status_code != 200:
            crawl.broken.append(
                f"{role}: {path_and_query(url)} antwortet {response.status_code} "
                f"(verlinkt auf {referrer})"
            )
            continue
        if urlsplit(final).path == "/login":
            crawl.broken.append(f"{role}: {path_and_query(url)} führt zur Anmeldung ({referrer})")
            continue
        for reference in check_content(crawl, final, response, host):
            if foreign(reference, host) or reference.lower().startswith(SAFE_SCHEMES):
                continue
            target = urljoin(final, reference.strip())
            parts = urlsplit(target)
            target = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
            if target in queued or parts.path in NEVER_FOLLOW:
                continue
            if not files and parts.path.rsplit(".", 1)[-1] in FILE_SUFFIXES:
                continue
            if parts.query:
                if variants[parts.path] >= MAX_QUERY_VARIANTS:
                    crawl.skipped += 1
                    continue
                variants[parts.path] += 1
            if len(queued) >= MAX_URLS:
                crawl.skipped += 1
                continue
            queued.add(target)
            queue.append((target, path_and_query(final)))
    return crawl


def log_in(client: httpx.Client, username: str) -> httpx.Client:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def test_the_foreign_check_knows_what_another_host_is() -> None:
    """The check itself: it must fail on what another host serves, or the crawl proves
    nothing."""
    host = "testserver"
    for value in (
        "https://cdn.example/x.js",
        "//fonts.example/a.css",
        "http://other/",
        "\\\\evil.example/",
        "javascript:alert(1)",
        " HTTPS://cdn.example/",
    ):
        assert foreign(value, host), value
    for value in (
        "/static/style.css",
        "style.css",
        "?sort=due",
        "#inhalt",
        "mailto:a@b.de",
        "tel:+497621",
        "data:image/png;base64,AA",
        "http://testserver/cycles",
        "",
    ):
        assert not foreign(value, host), value
    assert css_urls("a{background:url('//x.example/i.png')} @import \"/static/p.css\";") == [
        "//x.example/i.png",
        "/static/p.css",
    ]
    parser = PageParser()
    parser.feed(
        '<img srcset="/a.png 1x, https://x.example/b.png 2x">'
        '<div style="background: url(https://x.example/c.png)"></div>'
        "<style>body{background:url(//x.example/d.png)}</style>"
    )
    values = [value for _, _, value in parser.urls] + [
        value for css in parser.css for value in css_urls(css)
    ]
    assert [value for value in values if foreign(value, host)] == [
        "https://x.example/b.png",
        "https://x.example/c.png",
        "//x.example/d.png",
    ]


@pytest.fixture
def web(database_url: str, engine: sa.Engine, loerrach) -> Web:  # type: ignore[no-untyped-def]
    """The web world with budget lines and Fachbereich Umwelt's workbook submitted (so the
    money pages, the group profiles and the review screen exist)."""
    from web.app import create_app
    from web.settings import WebSettings

    insert_budget_lines(engine, loerrach)
    build_world(engine)
    clock, flows = Clock(), RecordingFlows()
    app = create_app(WebSettings(database_url=database_url), clock=clock, flows=flows)
    world = Web(engine, clock, flows, app)
    submit(world)
    return world


# the fewest pages each role must reach (what the crawl found on 28 November 2026, rounded
# down): a crawl that stops early proves nothing
AT_LEAST = {"admin": 60, "controlling": 60, "department": 3}


def test_every_page_of_every_role_answers_and_loads_nothing_from_another_host(web: Web) -> None:
    from tests.conftest import row_counts

    before = row_counts(web.engine)
    problems: list[str] = []
    for role, username in ROLES.items():
        client = TestClient(web.app, raise_server_exceptions=False)  # type: ignore[arg-type]
        crawl = crawl_site(log_in(client, username), role)
        print(f"\n{role} ({username}): {len(crawl.pages)} Adressen, {crawl.skipped} übersprungen")
        for url, (status, kind) in crawl.pages.items():
            print(f"  {status} {kind.split(';')[0]:<28} {path_and_query(url)}")
        problems += crawl.broken + crawl.foreign
        html = crawl.html_paths()
        assert len(html) >= AT_LEAST[role], (role, html)
    # the pages no link leads to: login, and the error pages (403, 404, 405)
    for username, path, status in (
        (None, "/login", 200),
        ("umwelt", "/admin", 403),
        ("controlling", "/cycles/2031", 404),
        ("controlling", "/gibt-es-nicht", 404),
    ):
        client = TestClient(web.app, raise_server_exceptions=False)  # type: ignore[arg-type]
        if username:
            log_in(client, username)
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"].startswith("text/html"), path
        crawl = Crawl(username or "ohne Anmeldung")
        for resource in check_content(crawl, str(response.url), response, "testserver"):
            if not resource.startswith("/static/"):
                continue
            css = client.get(resource)
            assert css.status_code == 200, resource
            check_content(crawl, str(css.url), css, "testserver")
        problems += crawl.foreign
    print("\n".join(problems))
    assert problems == [], "\n".join(problems)
    assert row_counts(web.engine) == before  # the crawl only looked


def test_a_department_without_a_figures_task_offers_no_template(web: Web) -> None:
    """The controlling office is a department without the figures task: its page says so
    instead of linking a template that cannot exist, and the template's address answers
    404 in German (it answered 500 before the crawl found it)."""
    from tests.webworld import visible_text

    client = log_in(TestClient(web.app, raise_server_exceptions=False), "controlling")  # type: ignore[arg-type]
    page = client.get("/cycles/2027/departments/controlling")
    text = visible_text(page.text)
    assert "keine Aufgabe „Ist-Werte der Kennzahlen melden“: es gibt keine Vorlage" in text
    assert "template.xlsx" not in page.text
    for fmt in ("xlsx", "csv"):
        response = client.get(f"/cycles/2027/departments/controlling/template.{fmt}")
        assert response.status_code == 404
        assert "Keine Vorlage:" in visible_text(response.text)
    assert "Vorlage herunterladen (.xlsx)" in visible_text(
        client.get("/cycles/2027/departments/umwelt").text
    )
