"""The staffing a client's own export implies, in one call: what the sourcing report prices and
the KPI report shows, so the two never disagree about the FTE.

``build_staffing_view`` loads the export (through the client-export loader), builds the interval
profile, sizes it with the cited planning defaults (or the client's overrides) and returns the
FTE, the intraday curve, the stated assumptions, the sensitivity and, where the export says how
many agents it staffed, how near the model lands.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.data import catalog
from analysis.data.client_exports import load_folder
from analysis.errors import ConfigError, NoQueueToSizeError
from analysis.research import services, staffing, tco
from analysis.research.sourcing import HoursBasis
from analysis.research.tco import Assumption
from analysis.views.kpi_view import example_notice, resolve_export


@dataclass(frozen=True)
class StaffingView:
    """One client's modelled staffing and everything the reports state about it."""

    client: str
    export: Path
    example_notice: str | None
    plan: staffing.Plan
    hours: HoursBasis
    assumptions: dict[str, Assumption]
    """Cited planning defaults with the values used (client overrides marked)."""
    profile: pd.DataFrame
    sized: pd.DataFrame
    fte: dict[str, Any]
    sensitivity: pd.DataFrame
    versus_staffed: pd.DataFrame | None
    """Model vs the export's own staffed agent-hours per queue (None without staffed time)."""
    left_out: pd.DataFrame
    """Queues the model could not size (``staffing.split_sizeable``): queue, channel,
    contacts, abandoned, intervals, reason; empty when every queue is sized."""

    @property
    def paid_fte(self) -> float:
        """The FTE every report uses (scheduled hours of the average week ÷ paid hours)."""
        return float(self.fte["paid_fte"])

    def busiest_weekday(self) -> int:
        """ISO weekday with the most offered contacts."""
        daily = self.fte["daily"]
        return int(daily.loc[daily["offered"].idxmax(), "weekday"])

    def intraday(self, weekday: int | None = None) -> pd.DataFrame:
        """Per slot of one weekday (default the busiest): offered contacts and agents needed,
        all queues together."""
        day = self.busiest_weekday() if weekday is None else weekday
        rows = self.sized[self.sized["weekday"] == day]
        out = rows.groupby("slot").agg(offered=("offered", "sum"), agents=("agents", "sum"),
                                       scheduled=("scheduled_agents", "sum")).reset_index()
        out["slot"] = out["slot"].astype(str).str[:5]
        return out

    def assumptions_table(self) -> pd.DataFrame:
        """Target, model, interval, hours and the cited defaults, one row each, as stated."""
        t = self.plan.target
        rows = [
            {"assumption": "service-level target", "value": f"{t.service_level_pct:g} % "
             f"within {t.threshold_seconds:g} s", "basis": "client config / report parameter",
             "source_ids": ""},
            {"assumption": "queueing model", "value": self.plan.model.replace("_", " ").title(),
             "basis": "Erlang A uses the patience measured from abandoned contacts",
             "source_ids": ""},
            {"assumption": "planning interval", "value": f"{self.plan.interval_minutes} min",
             "basis": "mean offered per weekday and interval over the export's weeks",
             "source_ids": ""},
            {"assumption": "hours of operation", "value": self.hours_of_operation(),
             "basis": "intervals with contacts in the export", "source_ids": ""},
            {"assumption": "paid hours", "value": self.hours.describe(),
             "basis": "the sourcing report's paid-hours basis", "source_ids": ""},
        ]
        patience = self.profile.groupby("queue")["patience_seconds"].first().dropna()
        if len(patience):
            rows.append({"assumption": "caller patience (measured)", "value": ", ".join(
                f"{q} {p:,.0f} s" for q, p in patience.items()),
                "basis": "waiting time of all contacts ÷ abandoned contacts, per queue"
                + ("" if self.plan.model == "erlang_a" else " (used by Erlang A only)"),
                "source_ids": ""})
        for a in self.assumptions.values():
            rows.append({"assumption": a.description.split(":")[0], "value":
                         f"{a.base:g} {a.unit} (sourced range {a.low:g}-{a.high:g})",
                         "basis": a.description, "source_ids": a.source_ids})
        return pd.DataFrame(rows)

    def cited_sources(self, also: pd.DataFrame | None = None) -> pd.DataFrame:
        """Sources appendix rows for the planning defaults, merged with ``also`` (another
        report's own sources table), one row per source."""
        rows = services.cited_sources(services.source_ids_of(self.assumptions_table()),
                                      catalog.load("sources"))
        if also is not None and len(also):
            rows = pd.concat([also, rows[also.columns]], ignore_index=True)
        return rows.drop_duplicates("source_id").sort_values(["publisher", "source_id"],
                                                             ignore_index=True)

    def left_out_note(self) -> str | None:
        """The sentence a report puts under its staffing table when a queue was left out
        (which queues, why, how many contacts they had); None when every queue is sized."""
        return left_out_sentence(self.left_out, sized_queues=self.sized["queue"].nunique())

    def hours_of_operation(self) -> str:
        busy = self.sized[self.sized["offered"] > 0]
        first = str(busy["slot"].min())[:5]
        last_start = pd.Timestamp(f"2000-01-01 {busy['slot'].max()}")
        last = (last_start + pd.Timedelta(minutes=self.plan.interval_minutes)).strftime("%H:%M")
        days = sorted(busy["weekday"].unique())
        return (f"{first}-{last}, {staffing.WEEKDAYS[days[0] - 1]}-"
                f"{staffing.WEEKDAYS[days[-1] - 1]}")


_SETTINGS = ("service_level_pct", "threshold_seconds", "shrinkage_pct", "occupancy_cap_pct",
             "chat_concurrency", "model", "interval_minutes", "turnaround_hours")


def check_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """A client's staffing settings; ``ConfigError`` naming an unknown key."""
    settings = dict(settings or {})
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise ConfigError(f"staffing: unknown setting {', '.join(map(repr, unknown))}; allowed: "
                          f"{', '.join(_SETTINGS)}")
    return settings


def build_staffing_view(
    client: str,
    kpi_export: str | Path | None = None,
    settings: Mapping[str, Any] | None = None,
    hours: HoursBasis | None = None,
    workforce: pd.DataFrame | None = None,
) -> StaffingView:
    """Size the client's export: defaults from ``workforce_planning``, ``settings`` override.

    ``settings`` keys: ``service_level_pct`` (80), ``threshold_seconds`` (20),
    ``shrinkage_pct``, ``occupancy_cap_pct``, ``chat_concurrency`` (cited defaults),
    ``model`` (``erlang_c``), ``interval_minutes`` (30), ``turnaround_hours`` (email queues'
    target; required when the export has email contacts). Raises ``StaffingError`` naming the
    client, queue and interval for input the model cannot size. A queue with no answered
    contact (e.g. only short abandons) is left out and listed in ``left_out``; when no queue
    can be sized, ``NoQueueToSizeError`` names them all.
    """
    given = check_settings(settings)
    basis = hours or HoursBasis()
    defaults = staffing.planning_defaults(
        catalog.load("workforce_planning") if workforce is None else workforce)
    used = {}
    for name, assumption in defaults.items():
        if given.get(name) is not None:
            used[name] = replace(assumption, base=float(given[name]),
                                 description=assumption.description + " (set for this client)")
        else:
            used[name] = assumption
    target = staffing.Target(float(given.get("service_level_pct", 80.0)),
                             float(given.get("threshold_seconds", 20.0)),
                             used["occupancy_cap_pct"].base)
    plan = staffing.Plan(target=target, shrinkage_pct=used["shrinkage_pct"].base,
                         chat_concurrency=used["chat_concurrency"].base,
                         model=str(given.get("model", "erlang_c")),
                         interval_minutes=int(given.get("interval_minutes", 30)),
                         turnaround_hours=given.get("turnaround_hours"))
    export = resolve_export(client, kpi_export)
    tables = load_folder(export)
    profile = staffing.interval_profile(tables.get("interactions"),
                                        tables.get("interval_aggregates"),
                                        plan.interval_minutes, client)
    split = staffing.split_sizeable(profile)
    profile = split.require_sizeable(client)
    sized = staffing.size_profile(profile, plan, client)
    versus = None
    if "interval_aggregates" in tables:
        staffed = staffing.staffed_profile(tables["interval_aggregates"], plan.interval_minutes)
        if len(staffed) and staffed["staffed_agents"].notna().any():
            versus = staffing.compare_with_staffed(sized, staffed)
    return StaffingView(
        client=client, export=export, example_notice=example_notice(export, tables), plan=plan,
        hours=basis, assumptions=used, profile=profile, sized=sized,
        fte=staffing.fte_summary(sized, basis),
        sensitivity=staffing.sensitivity(profile, plan, basis, client),
        versus_staffed=versus, left_out=split.left_out,
    )


def left_out_sentence(left_out: pd.DataFrame, sized_queues: int | None = None) -> str | None:
    """Which queues the staffing leaves out, why and how many contacts they had, in words
    (None when there are none). ``sized_queues``: how many queues were sized (None: none)."""
    if not len(left_out):
        return None
    contacts = int(left_out["contacts"].sum())
    queues = len(left_out)
    what = (f"The staffing leaves out {queues:,} queue{'' if queues == 1 else 's'} "
            f"({staffing.describe_left_out(left_out)}): {staffing.NO_HANDLE_TIME} to size "
            f"{'it' if queues == 1 else 'them'} with")
    if sized_queues:
        return (f"{what}. The {sized_queues:,} other queue{'' if sized_queues == 1 else 's'} "
                f"{'is' if sized_queues == 1 else 'are'} sized; the {contacts:,} "
                f"contact{'' if contacts == 1 else 's'} left out {'is' if contacts == 1 else 'are'}"
                " in no FTE figure.")
    return f"{what}. No queue of this export can be sized, so this report shows no staffing."


def staffing_if_sizeable(
    client: str,
    kpi_export: str | Path | None = None,
    settings: Mapping[str, Any] | None = None,
    hours: HoursBasis | None = None,
) -> tuple[StaffingView | None, str | None]:
    """For a report that shows staffing beside other findings (the KPI report): the staffing
    view and its left-out sentence, or ``(None, sentence)`` when no queue has a handle time, so
    the rest of the report goes on. Every other ``StaffingError`` still stops the report."""
    try:
        view = build_staffing_view(client, kpi_export, settings, hours)
    except NoQueueToSizeError as error:
        return None, left_out_sentence(error.left_out)
    return view, view.left_out_note()


def sensitivity_with_tco(
    view: StaffingView,
    comparison: pd.DataFrame,
    assumptions: Mapping[str, Assumption],
    home_country: str,
    locations: Iterable[str],
    contract_years: float,
) -> pd.DataFrame:
    """The FTE sensitivity with the outsourced and in-house TCO of each scenario per location."""
    rows = []
    for _, scenario in view.sensitivity.iterrows():
        for location in locations:
            case, _ = tco.build_case(comparison, assumptions, home_country, location,
                                     scenario["paid_fte"], contract_years)
            result = tco.summarise(tco.monthly_costs(case, view.hours))
            rows.append({**scenario.to_dict(), "location": location,
                         "outsourced_total": result["outsourced_total"],
                         "inhouse_total": result["inhouse_total"], "savings": result["savings"]})
    return pd.DataFrame(rows)


def parameters_of(function: Any) -> list[str]:
    """Names a function takes (used to check that a notebook passes only known settings)."""
    return list(inspect.signature(function).parameters)


def check_against_achieved(view: StaffingView) -> pd.DataFrame | None:
    """How near the model lands to what the export staffed, judged fairly: each queue re-sized
    at the service level the export itself achieved (answered within the threshold, offered
    base), with Erlang A on the measured patience, no occupancy cap and one chat at a time (as
    the operation ran). ``None`` without staffed time or contact-level data."""
    tables = load_folder(view.export)
    if view.versus_staffed is None or "interactions" not in tables:
        return None
    from analysis.research.kpis import Conventions, interaction_kpis

    conv = Conventions(sl_threshold_seconds=view.plan.target.threshold_seconds)
    achieved = interaction_kpis(tables["interactions"], by=("queue",), conventions=conv)
    staffed = staffing.staffed_profile(tables["interval_aggregates"], view.plan.interval_minutes)
    rows = []
    for _, queue in achieved[achieved["queue"].isin(view.profile["queue"])].iterrows():
        target = staffing.Target(float(queue["service_level"]),
                                 view.plan.target.threshold_seconds, 100.0)
        plan = replace(view.plan, target=target, model="erlang_a", chat_concurrency=1.0)
        profile = view.profile[view.profile["queue"] == queue["queue"]]
        sized = staffing.size_profile(profile, plan, view.client)
        near = staffing.compare_with_staffed(sized, staffed[staffed["queue"] == queue["queue"]])
        row = near.iloc[0].to_dict()
        rows.append({**row, "achieved_service_level": float(queue["service_level"])})
    frame = pd.DataFrame(rows)
    total = frame[["model_agent_hours", "staffed_agent_hours"]].sum()
    frame.loc[len(frame)] = {"queue": "all queues", **total.to_dict(),
                             "ratio": total["model_agent_hours"] / total["staffed_agent_hours"],
                             "achieved_service_level": float("nan")}
    return frame
