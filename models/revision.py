"""A counter per body that the database itself raises whenever a row of that body is written
(triggers of migration 0022), by the web, the CLI, a flow or bare SQL alike: what is computed
from those rows can be kept as long as the counter stands (services.dashboard_cache).
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

# tables with a body_id whose writes do not raise the counter: written on every action or
# login, and read by no kept view
UNWATCHED_TABLES = frozenset({"audit_event", "outbox_message", "user_account"})
# tables without a body_id whose writes raise the counter of their partial budget's body
VIA_PARTIAL_BUDGET = "partial_budget_department"


class DataRevision(SQLModel, table=True):
    __tablename__ = "data_revision"

    # no foreign key: the triggers write it, and a body's deletion needs no order
    body_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    revision: int = Field(default=0)


def watched_tables() -> set[str]:
    """The tables whose writes raise the counter (each has a trigger: tests/test_dashboard),
    of the tables imported (models.tables imports them all)."""
    return {
        table.name
        for table in SQLModel.metadata.sorted_tables
        if "body_id" in table.columns and table.name not in UNWATCHED_TABLES
    } - {"data_revision"} | {VIA_PARTIAL_BUDGET}
