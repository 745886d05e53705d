"""Every table, imported once so that `SQLModel.metadata` is complete (Alembic, tests)."""

from __future__ import annotations

from sqlmodel import SQLModel

from models.accounts import ApiToken, LoginThrottle, UserAccount
from models.audit import AuditEvent
from models.body import Body
from models.budget import BudgetImport, BudgetLine
from models.budget_resolution import BudgetAmendment, BudgetResolution
from models.council import CouncilMeeting, CouncilSync
from models.cycle import Cycle, Deadline, Phase, Task
from models.decisions import Resolution, StrategySession, SurveyAnswer
from models.organisation import Absence, Committee, Contact, Department, Faction
from models.outbox import OutboxMessage
from models.partial_report import PartialReport, PartialReportEntry
from models.planning import (
    BudgetCeiling,
    Plan,
    PlanBudget,
    PlanGoal,
    PlanMeasure,
    PlanTarget,
)
from models.product_plan import PartialBudget, PartialBudgetDepartment, ProductArea, ProductGroup
from models.reminders import Reminder
from models.revision import DataRevision
from models.strategy import (
    FieldOfAction,
    GuidingThought,
    KeyFigure,
    KeyFigureValue,
    KeyPosition,
    Measure,
    OperationalGoal,
    Principle,
    Priority,
    Product,
    StrategyVersion,
)
from models.submissions import Submission, SubmissionFigure, SubmissionMeasure
from models.survey_links import SurveyLink
from models.task_delivery import TaskDelivery

metadata = SQLModel.metadata

__all__ = [
    "Absence",
    "ApiToken",
    "AuditEvent",
    "LoginThrottle",
    "Body",
    "BudgetAmendment",
    "BudgetImport",
    "BudgetLine",
    "BudgetResolution",
    "Committee",
    "CouncilMeeting",
    "CouncilSync",
    "Contact",
    "Cycle",
    "Deadline",
    "Department",
    "Faction",
    "FieldOfAction",
    "GuidingThought",
    "KeyFigure",
    "KeyFigureValue",
    "KeyPosition",
    "Measure",
    "OperationalGoal",
    "OutboxMessage",
    "PartialBudget",
    "PartialBudgetDepartment",
    "PartialReport",
    "PartialReportEntry",
    "Phase",
    "Principle",
    "Priority",
    "Product",
    "ProductArea",
    "ProductGroup",
    "Reminder",
    "DataRevision",
    "Resolution",
    "SurveyLink",
    "StrategySession",
    "Submission",
    "SubmissionFigure",
    "SubmissionMeasure",
    "StrategyVersion",
    "SurveyAnswer",
    "Task",
    "TaskDelivery",
    "UserAccount",
    "BudgetCeiling",
    "Plan",
    "PlanBudget",
    "PlanGoal",
    "PlanMeasure",
    "PlanTarget",
    "metadata",
]
