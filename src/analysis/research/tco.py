"""Total cost of ownership: keeping a workload in-house at home versus outsourcing it.

Month by month over the contract term, for ``fte`` full-time agents (paid hours from
:class:`analysis.research.sourcing.HoursBasis`):

* **in-house** = home wage (USD/hour) × hours × fully-loaded multiplier, plus attrition:
  leavers (FTE × home attrition) × replacement cost per leaver;
* **outsourced** = the location's billing rate × hours (service fee), plus governance overhead
  (a share of the fee), attrition-driven retraining (leavers × training weeks billed at the
  rate), a one-off transition cost per seat in month 1, and the in-house cost running in
  parallel until the ramp-up is over.

Every uncertain input is an :class:`Assumption` whose low/base/high comes from the sourced
rows of ``location_costs`` (base = median of the rows' midpoints, low/high = the lowest and
highest stated values) and names the source ids behind it. The break-even month is the first
month whose cumulative outsourced cost is at or below the cumulative in-house cost (a tie counts
as break-even); ``None`` when that never happens within the term.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from analysis.errors import ConfigError
from analysis.research.sourcing import HoursBasis, midpoint

OUTSOURCED_COMPONENTS = ("service_fee", "governance", "attrition_retraining", "transition",
                         "parallel_run")
INHOUSE_COMPONENTS = ("inhouse_labour", "inhouse_attrition")


@dataclass(frozen=True)
class AssumptionSpec:
    """Which sourced rows give an assumption its range."""

    name: str
    metric: str
    unit_label: str
    description: str
    units: tuple[str, ...] | None = None
    role_contains: str | None = None
    country: str = "ALL"
    min_year: int | None = None


ASSUMPTION_SPECS: tuple[AssumptionSpec, ...] = (
    AssumptionSpec("loaded_multiplier", "fully_loaded_cost_multiplier", "× base wage",
                   "in-house all-in hourly cost as a multiple of the base wage",
                   role_contains="in-house"),
    AssumptionSpec("home_attrition_pct", "agent_attrition_annual", "% a year",
                   "in-house agent attrition (general contact-centre figures since 2020); also "
                   "used, flagged, for a location with no figure of its own", min_year=2020),
    AssumptionSpec("replacement_cost_usd", "attrition_cost_per_agent", "USD per leaver",
                   "cost to replace one in-house agent who leaves",
                   units=("usd_per_departing_agent", "usd_per_new_employee")),
    AssumptionSpec("training_weeks", "initial_training", "weeks",
                   "initial training of a replacement agent, billed by the provider",
                   country="*"),
    AssumptionSpec("transition_cost_per_seat_usd", "setup_cost_per_seat", "USD per seat",
                   "one-off transition/set-up cost per outsourced seat", country="*"),
    AssumptionSpec("ramp_weeks", "ramp_time", "weeks",
                   "ramp-up to steady state, during which the in-house team keeps running"),
    AssumptionSpec("governance_pct", "governance_cost_share", "% of contract value",
                   "client-side governance of the contract"),
)  # fmt: skip


@dataclass(frozen=True)
class Assumption:
    """One uncertain input with its sourced range and the sources behind it."""

    name: str
    low: float
    base: float
    high: float
    unit: str
    source_ids: str
    description: str


def default_assumptions(location_costs: pd.DataFrame) -> dict[str, Assumption]:
    """Each assumption's low/base/high from its sourced rows (fails naming an empty one)."""
    out = {}
    for spec in ASSUMPTION_SPECS:
        rows = location_costs[location_costs["metric"] == spec.metric]
        if spec.country != "*":
            rows = rows[rows["country"] == spec.country]
        if spec.units:
            rows = rows[rows["unit"].isin(spec.units)]
        if spec.role_contains:
            rows = rows[rows["role"].fillna("").str.contains(spec.role_contains, regex=False)]
        if spec.min_year is not None:
            rows = rows[rows["year"].fillna(-1) >= spec.min_year]
        mids = midpoint(rows).dropna()
        if mids.empty:
            raise ConfigError(f"no sourced rows for TCO assumption {spec.name!r} "
                              f"(metric {spec.metric!r}); check data/raw/location_costs.csv")
        stated = pd.concat([rows["value"], rows["value_low"], rows["value_high"]]).dropna()
        out[spec.name] = Assumption(
            name=spec.name, low=float(stated.min()), base=float(mids.median()),
            high=float(stated.max()), unit=spec.unit_label,
            source_ids=";".join(sorted(rows.loc[mids.index, "source_id"].unique())),
            description=spec.description,
        )
    return out


def assumptions_table(assumptions: Mapping[str, Assumption]) -> pd.DataFrame:
    """The assumptions as a frame (for the report's method section)."""
    return pd.DataFrame([vars(a) for a in assumptions.values()])


def with_overrides(
    assumptions: Mapping[str, Assumption], overrides: Mapping[str, float] | None
) -> dict[str, Assumption]:
    """Assumptions with some bases replaced by the analyst (the range stays as sourced)."""
    out = dict(assumptions)
    for name, value in (overrides or {}).items():
        if name not in out:
            raise ConfigError(f"unknown TCO assumption {name!r}; known: {', '.join(out)}")
        out[name] = replace(out[name], base=float(value),
                            description=out[name].description + " (base set by the analyst)")
    return out


@dataclass(frozen=True)
class TcoCase:
    """The figures one TCO run needs (all bases; USD per hour for wage and rate)."""

    fte: float
    months: int
    home_wage_usd_hour: float
    billing_usd_hour: float
    location_attrition_pct: float
    loaded_multiplier: float
    home_attrition_pct: float
    replacement_cost_usd: float
    training_weeks: float
    transition_cost_per_seat_usd: float
    ramp_weeks: float
    governance_pct: float

    def __post_init__(self) -> None:
        if self.fte <= 0 or self.months < 1:
            raise ConfigError(f"workload needs fte > 0 and at least one month, got "
                              f"fte={self.fte}, months={self.months}")
        for name, value in vars(self).items():
            if value is None or (isinstance(value, float) and np.isnan(value)):
                raise ConfigError(f"TCO input {name!r} is missing: no sourced figure to use")


def monthly_costs(case: TcoCase, hours: HoursBasis | None = None) -> pd.DataFrame:
    """Month-by-month in-house and outsourced costs, their components and cumulative sums."""
    basis = hours or HoursBasis()
    months = np.arange(1, case.months + 1)
    agent_hours = case.fte * basis.hours_per_month
    labour = agent_hours * case.home_wage_usd_hour * case.loaded_multiplier
    inhouse_attrition = case.fte * case.home_attrition_pct / 100 / 12 * case.replacement_cost_usd
    fee = agent_hours * case.billing_usd_hour
    retraining = (case.fte * case.location_attrition_pct / 100 / 12 * case.training_weeks
                  * basis.hours_per_week * case.billing_usd_hour)
    ramp_months = case.ramp_weeks * 12.0 / basis.weeks_per_year
    # Share of each month still inside the ramp-up (a partial last month counts pro rata).
    in_ramp = np.clip(ramp_months - (months - 1), 0.0, 1.0)
    frame = pd.DataFrame({
        "month": months,
        "inhouse_labour": labour,
        "inhouse_attrition": inhouse_attrition,
        "service_fee": fee,
        "governance": fee * case.governance_pct / 100,
        "attrition_retraining": retraining,
        "transition": np.where(months == 1, case.transition_cost_per_seat_usd * case.fte, 0.0),
        "parallel_run": in_ramp * (labour + inhouse_attrition),
    })
    frame["inhouse"] = frame[list(INHOUSE_COMPONENTS)].sum(axis=1)
    frame["outsourced"] = frame[list(OUTSOURCED_COMPONENTS)].sum(axis=1)
    frame["inhouse_cumulative"] = frame["inhouse"].cumsum()
    frame["outsourced_cumulative"] = frame["outsourced"].cumsum()
    return frame


def break_even_month(
    inhouse_cumulative: Iterable[float], outsourced_cumulative: Iterable[float]
) -> int | None:
    """First month (1-based) whose cumulative outsourced cost is at or below in-house; else None."""
    inhouse = np.asarray(list(inhouse_cumulative), dtype=float)
    outsourced = np.asarray(list(outsourced_cumulative), dtype=float)
    if inhouse.shape != outsourced.shape:
        raise ValueError("cumulative series must have the same length")
    # A relative tolerance so sums that tie on paper are not split by float rounding.
    reached = outsourced <= inhouse + 1e-9 * np.maximum(np.abs(inhouse), 1.0)
    hits = np.flatnonzero(reached)
    return int(hits[0]) + 1 if hits.size else None


def break_even_phrase(month: object) -> str:
    """``"month 7"``, or ``"no month of the term"`` when outsourcing never breaks even.

    A summary's ``break_even_month`` is nullable (``Int64``), so "never" arrives as ``pd.NA``,
    whose truth value raises: a notebook test such as ``be == be`` crashed the sourcing report
    for a home country cheaper than every candidate (P4-P07, ``home_country=India``). Every
    caller words the month through this one function.
    """
    if month is None or pd.isna(month):
        return "no month of the term"
    return f"month {int(month)}"


def summarise(monthly: pd.DataFrame) -> dict[str, float | int | None]:
    """Term totals, savings and break-even of one monthly run."""
    inhouse = float(monthly["inhouse"].sum())
    outsourced = float(monthly["outsourced"].sum())
    out: dict[str, float | int | None] = {
        "inhouse_total": inhouse,
        "outsourced_total": outsourced,
        "savings": inhouse - outsourced,
        "savings_pct": (inhouse - outsourced) / inhouse * 100 if inhouse else np.nan,
        "break_even_month": break_even_month(monthly["inhouse_cumulative"],
                                             monthly["outsourced_cumulative"]),
    }
    for component in (*INHOUSE_COMPONENTS, *OUTSOURCED_COMPONENTS):
        out[component] = float(monthly[component].sum())
    return out


def build_case(
    comparison: pd.DataFrame,
    assumptions: Mapping[str, Assumption],
    home_country: str,
    location: str,
    fte: float,
    contract_years: float,
) -> tuple[TcoCase, str]:
    """The TCO inputs for one candidate location, and where its attrition figure came from."""
    table = comparison.set_index("country")
    for country in (home_country, location):
        if country not in table.index:
            raise ConfigError(f"no location data for {country!r}")
    home_wage = table.loc[home_country, "wage_median"]
    if pd.isna(home_wage):
        with_wage = ", ".join(table.index[table["wage_median"].notna()])
        raise ConfigError(f"no USD wage for home country {home_country!r} in the chosen years; "
                          f"countries with one: {with_wage}")
    rate = table.loc[location, "billing_median"]
    if pd.isna(rate):
        raise ConfigError(f"no billing rate for {location!r} in the chosen years")
    attrition = table.loc[location, "attrition_value"]
    basis = "country figure"
    if pd.isna(attrition):
        attrition = assumptions["home_attrition_pct"].base
        basis = "general figure (no country figure)"
    base = {name: a.base for name, a in assumptions.items()}
    case = TcoCase(fte=float(fte), months=int(round(contract_years * 12)),
                   home_wage_usd_hour=float(home_wage), billing_usd_hour=float(rate),
                   location_attrition_pct=float(attrition), **base)
    return case, basis


def compare_locations(
    comparison: pd.DataFrame,
    assumptions: Mapping[str, Assumption],
    home_country: str,
    candidates: Iterable[str],
    fte: float,
    contract_years: float,
    hours: HoursBasis | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per candidate: term totals, savings, break-even (summary) and the monthly curves (long)."""
    rows, curves = [], []
    for location in candidates:
        case, basis = build_case(comparison, assumptions, home_country, location, fte,
                                 contract_years)
        monthly = monthly_costs(case, hours)
        rows.append({"location": location, "billing_usd_hour": case.billing_usd_hour,
                     "attrition_pct": case.location_attrition_pct, "attrition_basis": basis,
                     **summarise(monthly)})
        curves.append(monthly.assign(location=location))
    if not rows:
        raise ConfigError("no candidate locations to compare")
    summary = pd.DataFrame(rows).sort_values("outsourced_total", ignore_index=True)
    summary["break_even_month"] = summary["break_even_month"].astype("Int64")
    return summary, pd.concat(curves, ignore_index=True)


def sensitivity(
    case: TcoCase,
    assumptions: Mapping[str, Assumption],
    rate_range: tuple[float, float],
    wage_range: tuple[float, float],
    hours: HoursBasis | None = None,
) -> pd.DataFrame:
    """Savings and break-even with each uncertain input at its low and high, others at base."""
    ranges = {name: (a.low, a.base, a.high, a.unit) for name, a in assumptions.items()}
    ranges["billing_usd_hour"] = (rate_range[0], case.billing_usd_hour, rate_range[1], "USD/h")
    ranges["home_wage_usd_hour"] = (wage_range[0], case.home_wage_usd_hour, wage_range[1],
                                    "USD/h")
    base = summarise(monthly_costs(case, hours))
    rows = []
    for name, (low, mid, high, unit) in ranges.items():
        record = {"input": name, "unit": unit, "low": low, "base": getattr(case, name, mid),
                  "high": high}
        for label, value in (("low", low), ("high", high)):
            if pd.isna(value):
                record[f"savings_at_{label}"] = np.nan
                record[f"break_even_at_{label}"] = pd.NA
                continue
            result = summarise(monthly_costs(replace(case, **{name: float(value)}), hours))
            record[f"savings_at_{label}"] = result["savings"]
            record[f"break_even_at_{label}"] = result["break_even_month"]
        record["swing"] = abs(record["savings_at_high"] - record["savings_at_low"])
        rows.append(record)
    frame = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    for col in ("break_even_at_low", "break_even_at_high"):
        frame[col] = frame[col].astype("Int64")
    frame.attrs["base_savings"] = base["savings"]
    frame.attrs["base_break_even_month"] = base["break_even_month"]
    return frame


def blended_case(
    comparison: pd.DataFrame,
    assumptions: Mapping[str, Assumption],
    home_country: str,
    shares: Mapping[str, float],
    fte: float,
    contract_years: float,
) -> TcoCase:
    """A multi-shore split as one case: share-weighted rate and attrition across locations."""
    cases = {loc: build_case(comparison, assumptions, home_country, loc, fte, contract_years)[0]
             for loc in shares}
    first = next(iter(cases.values()))
    return replace(
        first,
        billing_usd_hour=sum(s * cases[loc].billing_usd_hour for loc, s in shares.items()),
        location_attrition_pct=sum(s * cases[loc].location_attrition_pct
                                   for loc, s in shares.items()),
    )
