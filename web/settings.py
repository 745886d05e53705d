"""What the web app needs to know: the database, the body, the signing key, the session length."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

SESSION_HOURS = 8
# a report (pdf, xlsx) is rendered in a child process killed after this many seconds
REPORT_SECONDS = 120.0
REPORT_SECONDS_RANGE = (1.0, 3600.0)


@dataclass(frozen=True)
class WebSettings:
    database_url: str
    # the body shown to users bound to none (KREISLAUF_BODY); None: the only one
    body: str | None = None
    # signs the session cookies; a random key means sessions end with the process
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session_seconds: int = SESSION_HOURS * 3600
    # cookies only over HTTPS (set behind a TLS proxy)
    secure_cookies: bool = False
    data_dir: Path | None = None
    # the time limit of a report download (KREISLAUF_REPORT_SECONDS); see web.report_worker
    report_seconds: float = REPORT_SECONDS

    @classmethod
    def from_environment(cls) -> WebSettings:
        """From `KREISLAUF_*`: database, body, data directory; `KREISLAUF_SECRET_KEY` and
        `KREISLAUF_SECURE_COOKIES` for the session cookie, `KREISLAUF_REPORT_SECONDS` for the
        reports' time limit."""
        import os

        from config.settings import Settings

        settings = Settings()
        key = os.environ.get("KREISLAUF_SECRET_KEY")
        return cls(
            database_url=settings.resolved_database_url,
            body=settings.body or None,
            secret_key=key or secrets.token_urlsafe(32),
            secure_cookies=os.environ.get("KREISLAUF_SECURE_COOKIES", "") in ("1", "true"),
            data_dir=settings.resolved_data_dir,
            report_seconds=report_seconds(os.environ.get("KREISLAUF_REPORT_SECONDS", "")),
        )


def report_seconds(text: str) -> float:
    """KREISLAUF_REPORT_SECONDS: empty for the default, else seconds within the range."""
    import math

    from models.errors import KreislaufError

    if not text.strip():
        return REPORT_SECONDS
    low, high = REPORT_SECONDS_RANGE
    try:
        seconds = float(text.replace(",", "."))
    except ValueError:
        seconds = math.nan
    if not low <= seconds <= high:  # NaN included
        raise KreislaufError(
            f"KREISLAUF_REPORT_SECONDS={text!r}: erwartet wird eine Zahl von Sekunden "
            f"zwischen {low:g} und {high:g}.",
            field="KREISLAUF_REPORT_SECONDS",
        )
    return seconds
