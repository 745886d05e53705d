"""The `kreislauf` command line: German for people, exit codes for scripts.

Commands live by topic: `cli.setup` (init, strategy, cycles, calendar, status, departments),
`cli.budget` (budget import, budget show), `cli.daily` (tick), `cli.decisions` (survey, forum,
resolution), `cli.figures` (template, submit, review, submissions), `cli.orchestration` (serve,
deploy, simulate), `cli.planning` (plan template, submit, review, draft, list; budget
ceilings), `cli.report` (report, strategy diff), `cli.tasks` (task list, confirm,
upload, review), `cli.web` (web, user).
"""

from __future__ import annotations

import cli.budget  # noqa: F401  (registers commands)
import cli.budget_resolution  # noqa: F401
import cli.council  # noqa: F401
import cli.daily  # noqa: F401
import cli.decisions  # noqa: F401
import cli.figures  # noqa: F401
import cli.orchestration  # noqa: F401
import cli.paper  # noqa: F401
import cli.partial_report  # noqa: F401
import cli.planning  # noqa: F401
import cli.reminders  # noqa: F401
import cli.report  # noqa: F401
import cli.setup  # noqa: F401
import cli.survey_links  # noqa: F401  (after cli.decisions: its survey commands)
import cli.tasks  # noqa: F401
import cli.web  # noqa: F401
from cli.app import app, german_help


def main() -> None:
    german_help()
    app()


if __name__ == "__main__":
    main()
