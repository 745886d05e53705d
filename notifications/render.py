"""German messages from Jinja2 templates: one template per kind, plain text and HTML.

A text template's first line is `Betreff: ...`, the subject; HTML templates are autoescaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

SENDER = "Ihr Zentrales Controlling (kreislauf)"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
        # the templates ship with the package: compiled once, never checked on disk again
        # (the dispatcher renders hundreds of digests in a row)
        auto_reload=False,
    )


def render(kind: str, context: dict[str, Any]) -> Rendered:
    """Render the `kind` templates (e.g. "digest", "survey_invitation") with `context`."""
    env = environment()
    values = {"sender": SENDER, **context}
    text = env.get_template(f"{kind}.txt").render(values)
    first, _, rest = text.partition("\n")
    if not first.startswith("Betreff: "):
        raise ValueError(f"template {kind}.txt must start with 'Betreff: '")
    html = env.get_template(f"{kind}.html").render(values)
    return Rendered(first.removeprefix("Betreff: ").strip(), rest.lstrip("\n"), html)
