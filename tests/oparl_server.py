"""A council information system of our own on loopback: OParl 1.1 JSON from the fixtures in
tests/fixtures/oparl, object lists paginated (`links.next`, two objects a page) and filtered
by `modified_since`, as the specification describes them.

Tests change `meetings` (move, cancel, delete) and set `overrides` (a path answered with a
status, a body, a delay) to play a system that misbehaves; `requests` records every path
and query asked for.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "oparl"
PAGE_SIZE = 2


def _load(name: str, base: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8").replace("{base}", base))


@dataclass
class Override:
    status: int = 200
    body: bytes = b""
    delay: float = 0.0


@dataclass
class OParlServer:
    base: str
    system: dict[str, Any]
    bodies: list[dict[str, Any]]
    organizations: list[dict[str, Any]]
    meetings: dict[str, list[dict[str, Any]]]
    overrides: dict[str, Override] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    @property
    def system_url(self) -> str:
        return f"{self.base}/oparl/v1/system"

    def meeting(self, organization: str, number: int) -> dict[str, Any]:
        wanted = f"{self.base}/oparl/v1/meeting/{organization}-{number}"
        return next(m for m in self.meetings[organization] if m["id"] == wanted)

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if path == "/oparl/v1/system":
            return 200, _json(self.system)
        if path == "/oparl/v1/bodies":
            return 200, _json(self._page(path, self.bodies, query))
        if path == "/oparl/v1/body/1/organizations":
            return 200, _json(self._page(path, self.organizations, query))
        for key, items in self.meetings.items():
            if path == f"/oparl/v1/organization/{key}/meetings":
                since = query.get("modified_since", [None])[0]
                if since is not None:
                    moment = dt.datetime.fromisoformat(since)
                    items = [
                        item
                        for item in items
                        if dt.datetime.fromisoformat(item["modified"]) >= moment
                    ]
                else:
                    items = [item for item in items if not item.get("deleted")]
                return 200, _json(self._page(path, items, query))
        return 404, _json({"error": "not found"})

    def _page(
        self, path: str, items: list[dict[str, Any]], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        """One page of an object list, as OParl 1.1 lays it out (data, pagination, links)."""
        page = int(query.get("page", ["1"])[0])
        pages = max(1, -(-len(items) // PAGE_SIZE))
        kept = {k: v[0] for k, v in query.items() if k != "page"}

        def link(number: int) -> str:
            return f"{self.base}{path}?{urlencode({**kept, 'page': number})}"

        links = {"first": link(1), "last": link(pages)}
        if page > 1:
            links["prev"] = link(page - 1)
        if page < pages:
            links["next"] = link(page + 1)
        return {
            "data": items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
            "pagination": {
                "totalElements": len(items),
                "elementsPerPage": PAGE_SIZE,
                "currentPage": page,
                "totalPages": pages,
            },
            "links": links,
        }


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


@contextmanager
def oparl_server() -> Iterator[OParlServer]:
    state: dict[str, OParlServer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            server = state["server"]
            parts = urlsplit(self.path)
            server.requests.append(self.path)
            override = server.overrides.get(parts.path)
            if override is not None:
                time.sleep(override.delay)
                status, body = override.status, override.body
            else:
                status, body = server.answer(parts.path, parse_qs(parts.query))
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    state["server"] = OParlServer(
        base=base,
        system=_load("system.json", base),
        bodies=_load("bodies.json", base),
        organizations=_load("organizations.json", base),
        meetings=copy.deepcopy(_load("meetings.json", base)),
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
