"""The one exception type for a user's mistake.

Everything that a person can fix (a config file, a date, a command argument) raises
`KreislaufError` with a German message that names the place (file, key, row) and what was
expected. Entry points print the message and exit with code 2; any other exception is a bug.
"""

from __future__ import annotations


class KreislaufError(Exception):
    """A mistake the user can act on; `str(error)` is the German message."""

    exit_code = 2

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)

    def __str__(self) -> str:
        head = super().__str__()
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {problem}" for problem in self.problems)


class ConflictError(KreislaufError):
    """The request is valid but the state forbids it (e.g. the cycle exists already)."""

    exit_code = 1


class NotFoundError(KreislaufError):
    """A named thing (body, cycle, department) does not exist."""

    exit_code = 1
