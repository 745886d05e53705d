"""Every kind of page the controlling office and a department clerk can reach (found by the crawler
of tests/test_web_every_page.py against the real server), in headless Chromium at 1366, 390
and 320 px: axe-core finds no serious or critical violation, and at 390 and 320 px no page is
wider than the screen. All failures are collected and named (page, width, rule, element); a
screenshot of each failing page goes to tests/artifacts/ (and one of each role's first page
at 320 px, to look at).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.test_web_browser import (
    ARTIFACTS,
    Site,
    check_accessibility,
    log_in,
    open_page,
)
from tests.test_web_browser import site as site  # noqa: F401  (the fixture)
from tests.test_web_every_page import crawl_site, path_and_query
from tests.test_web_every_page import log_in as client_log_in
from tests.webworld import FILLED, csrf_of, fill

WIDTHS = (1366, 390, 320)
NARROW = (390, 320)  # where the page must not be wider than the screen
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UMWELT = "/cycles/2027/departments/umwelt"
AT_LEAST = {"controlling": 60, "department": 3, "admin": 60}  # pages the crawl must find
ROLES = {"controlling": "controlling", "department": "umwelt", "admin": "verwaltung"}
# pages of one template with another key (23 groups, 28 priorities, 17 figures): the first
# few of each family stand for the rest (the crawler of test_web_every_page visits them all)
FAMILY = re.compile(r"/(groups|figures|priorities)/[^/?#]+")
PER_FAMILY = 3


def sample(urls: list[str]) -> list[str]:
    """Every page, except that a family of pages of one template keeps its first few."""
    kept: list[str] = []
    seen: dict[str, int] = {}
    for url in urls:
        family = FAMILY.sub(r"/\1/*", urlsplit(url).path)
        seen[family] = seen.get(family, 0) + 1
        if family == urlsplit(url).path or seen[family] <= PER_FAMILY:
            kept.append(url)
    return kept


@pytest.fixture(scope="module")
def submitted(site: Site) -> Iterator[Site]:  # noqa: F811
    """The browser world with Fachbereich Umwelt's workbook submitted, so the controlling
    office's review screen is among the pages."""
    with httpx.Client(base_url=site.url) as client:
        client_log_in(client, "umwelt")
        template = client.get(f"{UMWELT}/template.xlsx").content
        done = client.post(
            f"{UMWELT}/submissions",
            data={"csrf_token": csrf_of(client.get(UMWELT).text)},
            files={"workbook": ("umwelt.xlsx", fill(template, FILLED), XLSX)},
            follow_redirects=True,
        )
        assert "Meldung 2027 eingereicht" in done.text
    yield site


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_passes_axe_and_fits_at_1366_390_and_320_px(submitted: Site, role: str) -> None:
    site = submitted
    started = time.monotonic()
    with httpx.Client(base_url=site.url) as client:
        crawl = crawl_site(client_log_in(client, ROLES[role]), role, files=False)
    pages = crawl.html_paths()
    assert crawl.broken == [], crawl.broken
    assert len(pages) >= AT_LEAST[role], pages
    if role == "admin":  # the administration sees the controlling office's pages and more
        with httpx.Client(base_url=site.url) as client:
            seen = crawl_site(client_log_in(client, "controlling"), "controlling", files=False)
        covered = {urlsplit(url).path for url in seen.html_paths()}
        pages = [url for url in pages if urlsplit(url).path not in covered]
        assert "/admin" in {urlsplit(url).path for url in pages}
    crawled = time.monotonic() - started
    pages = sample(pages)

    page = open_page(site)
    csp: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    failures: list[str] = []
    try:
        log_in(page, site, ROLES[role])
        for url in pages:
            where = path_and_query(url)
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            response = page.goto(url)
            assert response is not None and response.status == 200, where
            for width in WIDTHS:  # the same page, resized: the layout follows the viewport
                page.set_viewport_size({"width": width, "height": 900})
                problems = []
                try:
                    check_accessibility(page, site.axe)
                except AssertionError as error:
                    problems.append(str(error).split("\n", 1)[-1])
                wide = page.evaluate("document.documentElement.scrollWidth")
                if width in NARROW and wide > width:
                    culprits = page.evaluate(WIDEST_ELEMENTS, width)
                    problems.append(f"{wide} px breit: {culprits}")
                if problems or (url == pages[0] and width == 320):  # one to look at
                    failures += [f"{role} {where} bei {width} px: {p}" for p in problems]
                    ARTIFACTS.mkdir(exist_ok=True)
                    name = urlsplit(url).path.strip("/").replace("/", "-") or "start"
                    page.screenshot(
                        path=str(ARTIFACTS / f"every-{role}-{name}-{width}.png"), full_page=True
                    )
    finally:
        page.context.close()
    took = time.monotonic() - started
    print(
        f"\n{role}: {len(pages)} Seiten × {len(WIDTHS)} Breiten in {took:.0f} s "
        f"(davon Suche {crawled:.0f} s)"
    )
    for url in pages:
        print(f"  {path_and_query(url)}")
    assert failures + csp == [], "\n".join(failures + csp)


# the elements reaching past the screen's right edge, innermost first, to name the culprit
WIDEST_ELEMENTS = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && !el.querySelector('*:not(br)')) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className
          ? '.' + el.className.split(' ').join('.') : '') +
        ' „' + (el.textContent || '').trim().slice(0, 40) + '“ (' + Math.round(box.right) + ' px)');
    }
    if (out.length >= 5) break;
  }
  return out;
}"""
