"""Plausibility bounds for the planning settings that multiply into FTE and cost.

The mathematical bounds (shrinkage below 100 %, occupancy above 0 %, hours above 0) let a value
through that no contact centre plans with: FTE = agents / (1 - shrinkage), so shrinkage
99.9999999 % published 8 bn paid FTE (P4-C06), and an occupancy cap or a paid week near 0
does the same through a division. Each bound below is a stated rule, not a fitted number, and
lies outside every figure the cited sources give (``data/raw/workforce_planning.csv``; a test
checks that, so a new cited row can never be refused). The client config and the ``-p``
parameters (``pipeline/config.py``) both refuse a value outside its range before any notebook.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from analysis.data.validation.client_rules import EARLIEST_DATE


@dataclass(frozen=True)
class PlausibleRange:
    """The values of one setting a plan can rest on, and the rule that says why."""

    low: float
    high: float
    unit: str
    why_low: str
    why_high: str

    def problem(self, value: float) -> str | None:
        """Why ``value`` is implausible (one sentence naming the value and the bound), or None."""
        if not math.isfinite(value):
            return f"{value!r} is not a finite number"
        # Shown exactly: 99.9999999 printed as "100" would contradict the bound it breaks.
        shown = f"{value:g}" if float(f"{value:g}") == value else repr(value)
        if value < self.low:
            return (f"{shown}{self.unit} is below the plausible minimum of "
                    f"{self.low:g}{self.unit}: {self.why_low}")
        if value > self.high:
            return (f"{shown}{self.unit} is above the plausible maximum of "
                    f"{self.high:g}{self.unit}: {self.why_high}")
        return None


PLAUSIBLE: dict[str, PlausibleRange] = {
    # FTE = agents / (1 - s): at 60 % every agent on the phones costs 2.5 paid FTE, and the
    # factor runs to infinity near 100 %.
    "shrinkage_pct": PlausibleRange(
        0, 60, " %", "shrinkage cannot be negative",
        "above it fewer than 2 in 5 paid hours would be spent on contacts; no staffing plan "
        "runs that way, so the figure is more likely a typo (or a fraction of 1 typed as a "
        "percentage the other way round)"),
    # Required agents grow as traffic / cap: a cap of 10 % means ten agents per busy one.
    "occupancy_cap_pct": PlausibleRange(
        50, 100, " %", "below it agents would be kept idle more than half of their time on the "
        "phones by design, which doubles the agents needed; an occupancy cap is a ceiling near "
        "full load, not a target for idleness", "occupancy is a share of time"),
    # A target is about most contacts: below half answered in time it promises nothing.
    "service_level_pct": PlausibleRange(
        50, 99.9, " %", "a service-level target promises that most contacts are answered "
        "within the threshold; below half it is no target", "no queue answers every contact "
        "within the threshold; at 100 % Erlang's answer is unbounded"),
    # A paid FTE is one full-time week; hours_per_week divides every FTE count and hourly cost.
    "hours_per_week": PlausibleRange(
        20, 60, " h", "below it a 'full-time equivalent' is less than half of a 40-hour week, "
        "which at least doubles every FTE count and hourly cost",
        "above it one FTE would work half again a 40-hour week every week of the year"),
    # Paid weeks include paid leave, so a year has about 52 of them.
    "weeks_per_year": PlausibleRange(
        40, 53, " weeks", "paid weeks include paid leave and holidays, so a year has about 52; "
        "fewer than 40 understates every annual cost by over a fifth",
        "a year has at most 53 weeks"),
}
"""Plausible range of each planning setting, by the name it has in a client config or ``-p``."""


def plausibility_problem(name: str, value: float) -> str | None:
    """Why the setting ``name`` = ``value`` is implausible, or None (also for unbounded names)."""
    bounds = PLAUSIBLE.get(name)
    return None if bounds is None else bounds.problem(float(value))


LATEST_PLAN_YEAR = 2040
"""The last year a client config may name (a ``*_year`` parameter or a date): the research
tables' forecasts end by then, so a plan dated later rests on no cited figure."""


def plausible_date_problem(value: dt.date) -> str | None:
    """Why a date typed in a client config is implausible, or None.

    The same lower bound as the export timestamps' rule (``EARLIEST_DATE``, 1990: the usual
    typos, year 1, 1025 for 2025, 1900 from a spreadsheet's zero date, land before it; P7-C25
    published a transition plan starting in 1900) and the years a plan may name as its upper
    bound (``LATEST_PLAN_YEAR``). A plan lies ahead, so a future date is fine up to that year.
    """
    earliest = dt.date.fromisoformat(EARLIEST_DATE)
    if value < earliest:
        return (f"{value.isoformat()} is before {EARLIEST_DATE} (a mistyped year? no plan or "
                "export this project reads is dated earlier)")
    if value.year > LATEST_PLAN_YEAR:
        return (f"{value.isoformat()} is after {LATEST_PLAN_YEAR} (a mistyped year? the cited "
                f"forecasts a plan rests on end by {LATEST_PLAN_YEAR})")
    return None
