"""The one exception type for a user's mistake.

Everything that a person can fix (a config file, a date, a command argument, a form field)
raises `KreislaufError` with a German message that names the place (file, key, row) and what
was expected. The message never names a CLI option or command: `field` says which input it
concerns and `remedy` which step would fix it, so each entry point can show them its own way
(the CLI as `--held-on: ...` and a command, the web beside the form field). Entry points print
the message and exit with code 2; any other exception is a bug.
"""

from __future__ import annotations

from enum import StrEnum

MAX_PROBLEMS = 200  # listed of a refused file; the rest is counted


class Remedy(StrEnum):
    """The step that fixes a refusal; the CLI names its command for it, the web its form."""

    init = "init"  # set up the database and the body
    create_cycle = "create_cycle"
    convene = "convene"
    record_session = "record_session"
    template = "template"  # use the department's workbook template
    partial_report_template = "partial_report_template"  # use the report's draft workbook
    plan_template = "plan_template"  # use the Teilhaushalt's planning workbook
    departments = "departments"  # look up the departments' keys
    choose_body = "choose_body"  # several bodies: say which one


class KreislaufError(Exception):
    """A mistake the user can act on; `str(error)` is the German message (with hint and
    problems), `field` the input it concerns (a command's field name, e.g. "held_on")."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        hint: str | None = None,
        remedy: Remedy | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.message = message
        self.field = field
        self.hint = hint
        self.remedy = remedy
        self.problems = problems or []
        super().__init__(message)

    def text(self, hint: str | None = None) -> str:
        """The message with `hint` (default: the error's own) and the problems, one a line."""
        hint = self.hint if hint is None else hint
        head = f"{self.message} {hint}" if hint else self.message
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {problem}" for problem in self.problems)

    def __str__(self) -> str:
        return self.text()


class ConflictError(KreislaufError):
    """The request is valid but the state forbids it (e.g. the cycle exists already)."""

    exit_code = 1


class NotFoundError(KreislaufError):
    """A named thing (body, cycle, department) does not exist."""

    exit_code = 1


def listed_problems(problems: list[str], total: int | None = None) -> list[str]:
    """A file's problems as a refusal lists them: the first MAX_PROBLEMS, then how many more
    (a file with a wrong column has a problem in every row; nobody reads 100.000 lines).
    `total`: how many there are, where only the first were kept."""
    listed = problems[:MAX_PROBLEMS]
    count = len(problems) if total is None else total
    if count > MAX_PROBLEMS:
        rest = count - MAX_PROBLEMS
        listed.append(f"… und {rest:_} weitere Probleme".replace("_", "."))
    return listed


def file_refused(filename: str, count: int) -> str:
    """The head of a file's refusal: its name, how many problems, and that nothing was saved."""
    return (
        f"{filename} wurde nicht übernommen ({count} Problem{'e' if count != 1 else ''}); "
        "nichts wurde gespeichert:"
    )
