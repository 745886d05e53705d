"""Every change of a cycle's state, checked in one place and written with an audit event.

Flows, the CLI and the web call these functions; none of them sets a status field itself.
A status moves with a conditional UPDATE (`... WHERE status = old`), so two workers applying
the same step at once change it once; the loser sees "already done" and moves on.
Each function returns the timeline events it caused, for people and the simulation.

The package re-exports the public names; its modules import each other directly.
"""

from __future__ import annotations

from models.transitions.cycle import (
    close_cycle,
    close_phase,
    complete_phase_tasks,
    get_phase,
    open_phase,
    require_open_cycle,
    start_cycle,
)
from models.transitions.resolution import (
    record_resolution,
)
from models.transitions.sessions import (
    convene,
    get_strategy_session,
    record_not_needed,
    record_session,
)
from models.transitions.status import (
    ALLOWED,
    ENTITY_LABELS,
    Event,
    check_transition,
    transition,
)
from models.transitions.survey import (
    answer_survey,
)
from models.transitions.tasks import (
    review_submission_status,
    review_task,
    submit_task,
)

__all__ = [
    "ALLOWED",
    "ENTITY_LABELS",
    "Event",
    "answer_survey",
    "check_transition",
    "close_cycle",
    "close_phase",
    "complete_phase_tasks",
    "convene",
    "get_phase",
    "get_strategy_session",
    "open_phase",
    "record_not_needed",
    "record_resolution",
    "record_session",
    "require_open_cycle",
    "review_submission_status",
    "review_task",
    "start_cycle",
    "submit_task",
    "transition",
]
