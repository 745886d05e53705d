"""The shapes of a body's configuration files, validated before anything is written.

A body directory holds `body.toml`, `strategy.toml`, `organisation.toml` and
`calendar.toml`, optionally `reminders.toml`, `figures.toml` and `products.toml`. These
pydantic models reject unknown keys and missing fields; the cross-file checks (departments
named in the calendar exist, product numbers are unique, ...) live in `config.loader`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)

from models.budget_layout import BudgetLayout
from models.calendar_rules import CalendarSpec, ElectionRule
from models.oparl import OParlSettings
from models.organisation import ContactRole
from models.partial_report_rules import PartialReportRules
from models.strategy import Direction, MeasureStatus

KEY = r"^[a-z][a-z0-9_-]*$"
PRODUCT_NUMBER = r"^\d{2}\.\d{2}\.\d{2}$"
PRODUCT_GROUP = r"^\d{2}\.\d{2}$"
PRODUCT_AREA = r"^\d{2}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# A figure's value: finite (no nan, no inf) and of a magnitude a report can show.
MAX_MAGNITUDE = 1e15
Number = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_MAGNITUDE, le=MAX_MAGNITUDE)]
Year = Annotated[int, Field(ge=2000, le=2100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class HolidaySpec(_Strict):
    """The public holidays that are not working days: a country and state of `holidays`."""

    country: str = Field(default="DE", min_length=2, max_length=2)
    subdivision: str | None = Field(default=None, max_length=8)

    @model_validator(mode="after")
    def _known(self) -> HolidaySpec:
        import holidays

        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision)
        except NotImplementedError:
            raise ValueError(
                f"Feiertage für Land {self.country!r}, Gebiet {self.subdivision!r} sind nicht "
                "bekannt (z. B. country = 'DE', subdivision = 'BW')"
            ) from None
        return self


class BodyFile(_Strict):
    slug: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=60)
    council: str = Field(default="Kreistag", min_length=1, max_length=60)
    timezone: str = Field(default="Europe/Berlin", max_length=60)
    holidays: HolidaySpec = Field(default_factory=HolidaySpec)  # validated on use, not import
    elections: ElectionRule = ElectionRule()
    # [budget_import]: how the body's finance system writes its budget export; absent: the
    # default layout `Produkt;Konto;Jahr;Art;Betrag`
    budget_import: BudgetLayout | None = None
    # [partial_reports]: when a budget deviation needs an explanation in the partial budget
    # report (above both thresholds); absent: 10 % and 50.000 €
    partial_reports: PartialReportRules | None = None
    # [oparl]: the council information system whose meetings give the session dates
    # (`kreislauf council sync`); absent: the dates of calendar.toml only
    oparl: OParlSettings | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unbekannte Zeitzone {value!r} (z. B. 'Europe/Berlin')") from None
        return value


class FieldSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    guiding_thoughts: list[str] = Field(min_length=1)
    priorities: list[str] = Field(min_length=1)


class KeyPositionSpec(_Strict):
    product: str = Field(pattern=PRODUCT_NUMBER)
    name: str = Field(min_length=1, max_length=300)
    reason: str = Field(min_length=1)
    page: StrictInt | None = Field(default=None, ge=1, le=100_000)
    department: str | None = Field(default=None, max_length=64)


class HistorySpec(_Strict):
    """An earlier version of the strategy, on record without its content ([[history]]).

    Exactly one of `adopted_on` (the day) and `adopted_in_year` (only the year is known);
    `config.loader` checks that and the order of the entries.
    """

    label: str = Field(min_length=1, max_length=200)
    adopted_on: dt.date | None = None
    adopted_in_year: StrictInt | None = Field(default=None, ge=1900, le=2199)
    resolution: str = Field(min_length=1, max_length=200)
    summary: str | None = Field(default=None, min_length=1, max_length=1000)

    @property
    def span(self) -> tuple[dt.date, dt.date]:
        """The first and last day the adoption may have been on."""
        if self.adopted_on is not None:
            return self.adopted_on, self.adopted_on
        year = self.adopted_in_year or dt.MINYEAR
        return dt.date(year, 1, 1), dt.date(year, 12, 31)


MAX_HISTORY = 50  # earlier versions on record


class StrategyFile(_Strict):
    label: str = Field(min_length=1, max_length=200)
    motto: str | None = Field(default=None, max_length=200)
    adopted_on: dt.date
    resolution: str = Field(min_length=1, max_length=200)
    horizon_year: StrictInt | None = Field(default=None, ge=2000, le=2199)
    key_positions_year: StrictInt | None = Field(default=None, ge=2000, le=2199)
    vision: str = Field(min_length=1)
    # How the guiding thoughts begin in the source ("Der Landkreis ..."); shown before them.
    guiding_thoughts_intro: str | None = Field(default=None, max_length=100)
    principles: list[str] = Field(min_length=1)
    fields: list[FieldSpec] = Field(min_length=1)
    key_positions: list[KeyPositionSpec] = Field(default_factory=list)
    # earlier versions, oldest first: numbered 1..k, this file's version gets k + 1
    history: list[HistorySpec] = Field(default_factory=list, max_length=MAX_HISTORY)


class ContactSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=64)
    role: ContactRole
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=EMAIL, max_length=254)
    deputy: str | None = Field(default=None, max_length=64)


class DepartmentSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    contacts: list[ContactSpec] = Field(default_factory=list)


class FactionSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    leader: str = Field(min_length=1, max_length=200)
    email: str = Field(pattern=EMAIL, max_length=254)


class CommitteeSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    # the departments whose partial budget reports (and plans) this committee deliberates
    departments: list[Annotated[str, Field(max_length=64)]] = Field(
        default_factory=list, max_length=200
    )


class OrganisationFile(_Strict):
    example: StrictBool = False
    controlling_office: str = Field(max_length=64)
    departments: list[DepartmentSpec] = Field(min_length=1)
    factions: list[FactionSpec] = Field(default_factory=list)
    committees: list[CommitteeSpec] = Field(default_factory=list)


class KeyFigureSpec(_Strict):
    """A Kennzahl with its yearly targets (Soll) and the actuals (Ist) known before kreislauf."""

    key: str = Field(pattern=KEY, max_length=80)
    name: str = Field(min_length=1, max_length=300)
    unit: str = Field(min_length=1, max_length=40)
    direction: Direction
    department: str = Field(max_length=64)
    product: str | None = Field(default=None, pattern=PRODUCT_NUMBER)
    product_group: str | None = Field(default=None, pattern=PRODUCT_GROUP)
    priority: str | None = Field(
        default=None, max_length=80
    )  # a priority code of the strategy, e.g. "mobilitaet.2"
    # percent; file default else
    tolerance: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    plausible: tuple[Number, Number] | None = None  # lowest and highest value a report may have
    targets: dict[Year, Number] = Field(default_factory=dict)
    actuals: dict[Year, Number] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> KeyFigureSpec:
        if self.product is None and self.product_group is None:
            raise ValueError("product oder product_group fehlt")
        if (
            self.product
            and self.product_group
            and not self.product.startswith(self.product_group + ".")
        ):
            raise ValueError(
                f"Produkt {self.product} gehört nicht zur Produktgruppe {self.product_group}"
            )
        if self.plausible is not None and self.plausible[0] > self.plausible[1]:
            raise ValueError(
                f"plausible = [kleinster, größter Wert], aber {self.plausible[0]:g} ist größer "
                f"als {self.plausible[1]:g}"
            )
        return self

    @property
    def group(self) -> str:
        return self.product_group or (self.product or "").rsplit(".", 1)[0]


class MeasureSpec(_Strict):
    key: str = Field(pattern=KEY, max_length=80)
    text: str = Field(min_length=1)
    status: MeasureStatus = MeasureStatus.planned


class GoalSpec(_Strict):
    """A Leistungsziel of one budget year with its measures."""

    key: str = Field(pattern=KEY, max_length=80)
    year: StrictInt = Field(ge=2000, le=2100)
    department: str = Field(max_length=64)
    product_group: str = Field(pattern=PRODUCT_GROUP)
    priority: str | None = Field(default=None, max_length=80)
    text: str = Field(min_length=1)
    measures: list[MeasureSpec] = Field(default_factory=list)


class FiguresFile(_Strict):
    """figures.toml: key figures, operational goals and measures (optional file)."""

    example: StrictBool = False
    tolerance: float = Field(default=5.0, ge=0, le=100, allow_inf_nan=False)
    key_figures: list[KeyFigureSpec] = Field(default_factory=list)
    goals: list[GoalSpec] = Field(default_factory=list)


class ProductAreaSpec(_Strict):
    """Produktbereich of the BW product plan, e.g. 11 Innere Verwaltung."""

    number: str = Field(pattern=PRODUCT_AREA)
    name: str = Field(min_length=1, max_length=200)


class PartialBudgetSpec(_Strict):
    """Teilhaushalt (§ 4 GemHVO BW) with the department(s) responsible for its budget."""

    number: str = Field(min_length=1, max_length=10)
    name: str = Field(min_length=1, max_length=200)
    departments: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=50)


class ProductGroupSpec(_Strict):
    """Produktgruppe (11.20); every group belongs to exactly one Teilhaushalt."""

    number: str = Field(pattern=PRODUCT_GROUP)
    name: str = Field(min_length=1, max_length=200)
    partial_budget: str = Field(min_length=1, max_length=10)

    @property
    def area(self) -> str:
        return self.number.split(".", 1)[0]


class ProductSpec(_Strict):
    """Produkt (11.20.04), named as the body names it."""

    number: str = Field(pattern=PRODUCT_NUMBER)
    name: str = Field(min_length=1, max_length=300)
    department: str | None = Field(default=None, max_length=64)

    @property
    def group(self) -> str:
        return self.number.rsplit(".", 1)[0]


class ProductsFile(_Strict):
    """products.toml: the body's product plan (optional file; without it, product groups are
    only derived from the numbers the strategy and figures use)."""

    example: StrictBool = False
    areas: list[ProductAreaSpec] = Field(min_length=1, max_length=100)
    partial_budgets: list[PartialBudgetSpec] = Field(min_length=1, max_length=200)
    groups: list[ProductGroupSpec] = Field(min_length=1, max_length=2000)
    products: list[ProductSpec] = Field(default_factory=list, max_length=10_000)


FILES: dict[str, type[BaseModel]] = {
    "body.toml": BodyFile,
    "strategy.toml": StrategyFile,
    "organisation.toml": OrganisationFile,
    "calendar.toml": CalendarSpec,
}
