"""What each KPI means: a written definition, unit and direction, one registry for all.

Engine result columns are named after these keys, so a report can look up the label, unit and
definition of every column it shows. ``benchmark_kpi`` names the matching ``kpi`` in the curated
benchmark table (``kpi_benchmarks``), where one exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Direction = Literal["lower_is_better", "higher_is_better", "target"]
Unit = Literal["contacts", "tickets", "percent", "seconds", "hours", "score"]


@dataclass(frozen=True)
class KpiDefinition:
    """One KPI: label, definition, unit, which way is good, and its benchmark counterpart."""

    key: str
    label: str
    unit: Unit
    direction: Direction
    definition: str
    target_band: tuple[float, float] | None = None
    """For ``target`` KPIs: the sweet spot commonly quoted (in ``unit``)."""
    benchmark_kpi: str | None = None
    benchmark_series: str | None = None
    """The curated ``series`` this KPI's definition matches; ``{sl}`` is the SL threshold."""


def _d(*args: object, **kwargs: object) -> KpiDefinition:
    return KpiDefinition(*args, **kwargs)  # type: ignore[arg-type]


_ALL = [
    _d("offered", "Offered", "contacts", "target",
       "Contacts that entered the queue (phantoms dropped only under the `exclude` convention)."),
    _d("answered", "Answered", "contacts", "target", "Offered contacts an agent answered."),
    _d("abandoned", "Abandoned", "contacts", "lower_is_better",
       "Offered contacts that ended before an answer, short abandons included."),
    _d("short_abandoned", "Short abandons", "contacts", "lower_is_better",
       "Abandons with queue time under the short-abandon cut, or marked so by the source."),
    _d("abandonment_rate", "Abandonment rate", "percent", "lower_is_better",
       "Abandoned contacts as a share of offered (or of queued, per the abandonment "
       "convention).", benchmark_kpi="abandonment_rate",
       benchmark_series="abandonment_rate:percent"),
    _d("asa_seconds", "Average speed of answer", "seconds", "lower_is_better",
       "Mean queue time of answered contacts, from entering the queue to answer "
       "(queue-inclusive, not ring time only).", benchmark_kpi="average_speed_of_answer",
       benchmark_series="asa_queue_inclusive"),
    _d("aht_seconds", "Average handle time", "seconds", "lower_is_better",
       "Mean of talk + hold + after-contact work over answered contacts (phantoms per "
       "convention).", benchmark_kpi="average_handle_time",
       benchmark_series="aht_handle"),
    _d("handle_median_seconds", "Median handle time", "seconds", "lower_is_better",
       "Median handle time (talk + hold + wrap) of answered contacts."),
    _d("handle_p90_seconds", "90th-percentile handle time", "seconds", "lower_is_better",
       "Handle time nine in ten answered contacts stay under (linear interpolation)."),
    _d("talk_mean_seconds", "Average talk time", "seconds", "lower_is_better",
       "Mean talk time only, where the export gives it.", benchmark_kpi="average_talk_time",
       benchmark_series="aht_talk_only"),
    _d("service_level", "Service level", "percent", "target",
       "Contacts answered within the threshold as a share of the convention's base "
       "(offered, answered, or offered excluding short abandons).", target_band=(80.0, 90.0),
       benchmark_kpi="service_level",
       benchmark_series="service_level:percent_answered_within_{sl}s"),
    _d("occupancy", "Occupancy", "percent", "target",
       "Handle time as a share of agents' staffed time, where staffed time is known.",
       target_band=(75.0, 85.0), benchmark_kpi="occupancy",
       benchmark_series="occupancy:percent"),
    _d("fcr", "First contact resolution", "percent", "higher_is_better",
       "Answered contacts the source flags as resolved at first contact, over answered "
       "contacts with a flag.", benchmark_kpi="first_contact_resolution",
       benchmark_series="first_contact_resolution:percent"),
    _d("csat_mean", "CSAT (mean score)", "score", "higher_is_better",
       "Mean post-contact survey score on the export's own scale."),
    _d("csat_top2_box", "CSAT (top-two-box)", "percent", "higher_is_better",
       "Survey responses in the top two points of the scale (4-5 of 5), over all responses.",
       # Share of 4-5 ratings matches the sources' "% satisfied / good ratings", not top-box.
       benchmark_kpi="customer_satisfaction", benchmark_series="csat_percent_positive"),
    _d("csat_responses", "CSAT responses", "contacts", "higher_is_better",
       "Contacts with a survey score."),
    _d("tickets", "Tickets", "tickets", "target", "Tickets created in the period."),
    _d("first_response_median_hours", "Time to first response (median)", "hours",
       "lower_is_better", "Median time from creation to the first agent response.",
       benchmark_kpi="first_response_time",
       benchmark_series="first_response_time:hours"),
    _d("first_response_p90_hours", "Time to first response (p90)", "hours", "lower_is_better",
       "Time from creation to first response nine in ten tickets stay under."),
    _d("resolve_median_hours", "Time to resolve (median)", "hours", "lower_is_better",
       "Median time from creation to the last resolution (after any reopen).",
       benchmark_kpi="turnaround_time",
       benchmark_series="turnaround_time:hours"),
    _d("resolve_p90_hours", "Time to resolve (p90)", "hours", "lower_is_better",
       "Time from creation to last resolution nine in ten resolved tickets stay under."),
    _d("sla_attainment", "SLA attainment", "percent", "higher_is_better",
       "Tickets within their SLA (the source's flag, else resolved by the due time), over "
       "tickets where that is known.", benchmark_kpi="sla_attainment",
       benchmark_series="sla_attainment:percent_tickets_within_sla"),
    _d("reopen_rate", "Reopen rate", "percent", "lower_is_better",
       "Resolved tickets reopened at least once, over tickets resolved at least once."),
    _d("reassignment_rate", "Reassignment rate", "percent", "lower_is_better",
       "Tickets reassigned at least once, over all tickets."),
]

KPI_DEFINITIONS: dict[str, KpiDefinition] = {d.key: d for d in _ALL}
"""Every KPI the engine reports, by result-column name."""


# What a value in each unit can be at all (a target outside it can never be met or missed
# meaningfully: service_level target 150 printed "BREACH" every month, P5-C12). Percentages are
# shares of a whole; durations are waits and handle times, so a target of 0 or less cannot be
# met by any contact; counts are counts. A score is on the export's own scale, so only
# finiteness is known about it.
UNIT_RANGES: dict[Unit, tuple[float, float, str]] = {
    "percent": (0.0, 100.0, "a percentage is between 0 and 100"),
    "seconds": (0.0, float("inf"), "a duration in seconds is above 0"),
    "hours": (0.0, float("inf"), "a duration in hours is above 0"),
    "contacts": (0.0, float("inf"), "a count of contacts is at least 0"),
    "tickets": (0.0, float("inf"), "a count of tickets is at least 0"),
    "score": (float("-inf"), float("inf"), "a score is a finite number"),
}


def value_problem(key: str, value: float) -> str | None:
    """Why ``value`` cannot be a value (a target, say) of KPI ``key`` in its unit, or None."""
    unit = KPI_DEFINITIONS[key].unit
    low, high, rule = UNIT_RANGES[unit]
    durations = unit in ("seconds", "hours")
    if not math.isfinite(value) or value < low or value > high or (durations and value <= 0):
        return f"{value:g} {unit} is impossible for {key} ({rule})"
    return None


@dataclass(frozen=True)
class ReferenceKpi:
    """A benchmarked KPI no client export measures: the KPI report shows its band for
    reference, with ``not_measured`` (words) where a client value would stand."""

    key: str
    label: str
    direction: Direction
    definition: str
    benchmark_kpi: str
    benchmark_series: str
    not_measured: str
    """Why the client's value is not shown, as the report's "Client" cell reads."""


REFERENCE_KPIS: dict[str, ReferenceKpi] = {r.key: r for r in (
    ReferenceKpi(
        "agent_attrition", "Agent attrition (annual)", "lower_is_better",
        "Agents who leave in a year as a share of agent headcount, as sources state it "
        "(most do not say whether involuntary leavers are included).",
        benchmark_kpi="agent_attrition", benchmark_series="attrition_annual_unspecified",
        # An interaction or ticket export has no record of agents joining or leaving.
        not_measured="not measured: the export records contacts, not agents joining or leaving",
    ),
    ReferenceKpi(
        "cost_per_contact", "Cost per contact", "lower_is_better",
        "What handling one contact costs the operation, as sources state it (what the cost "
        "includes varies by source; what an outsourcer charges is a separate series).",
        benchmark_kpi="cost_per_contact", benchmark_series="cost_per_contact",
        # The export has counts, not money, and no client config states what the operation
        # costs; the sourcing report's TCO is a model of a location, not this client's cost.
        not_measured="not measured: the export has no costs and no client cost is configured",
    ),
)}
"""Benchmarks the KPI report shows for reference, by key (no engine column of that name)."""
