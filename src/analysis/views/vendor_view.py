"""The vendor lifecycle report in one call: selection, transition plan, SLA governance.

``build_vendor_view`` reads the client's RFP responses (``data/raw/clients/<client>/rfp/``),
applies the gates and weights from the client config, prices every vendor that passes through
the one TCO function (``research.tco``: the vendor's rate card instead of the location's cited
rate, the workload sized from the client's export by ``staffing_view`` where the config says
``from_export``), plans the transition and computes SLA attainment and service credits from
the client's export with the KPI engine the KPI report uses (``kpi_view.contact_kpis``).

``check_inputs`` runs the same reads and checks without the slow parts, so the build refuses
bad input at plan time, before any notebook runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.data import catalog
from analysis.data.client_exports import load_folder
from analysis.data.rfp import SCORE, Rfp, read_rfp
from analysis.errors import ConfigError
from analysis.research import services, sourcing, tco, vendors
from analysis.research.kpis import KPI_DEFINITIONS, Conventions, ticket_kpis
from analysis.research.sourcing import HoursBasis
from analysis.views import staffing_view
from analysis.views.kpi_view import contact_kpis, example_notice, resolve_export

TICKET_KPIS = {"tickets", "first_response_median_hours", "first_response_p90_hours",
               "resolve_median_hours", "resolve_p90_hours", "sla_attainment", "reopen_rate",
               "reassignment_rate"}
GATE_TYPES = {"yes_no": (bool,), "all_of": (list,), "any_of": (list,), "minimum": (int, float)}
WORKING_DAYS_PER_WEEK = 5  # a unit conversion (training days to weeks), not a sourced figure


def rfp_folder(client: str) -> Path:
    """Where a client's RFP responses live."""
    return paths.raw_dir() / "clients" / client / "rfp"


# --------------------------------------------------------------------------- checks


def check_selection(rfp: Rfp, selection: Mapping[str, Any]) -> None:
    """Weights cover exactly the scored criteria; gates name gate criteria with the right type;
    ``chosen`` is a vendor. ``ConfigError`` naming the key and the rule."""
    scored = set(rfp.score_criteria)
    weights = dict(selection.get("weights") or {})
    unknown = sorted(set(weights) - scored)
    if unknown:
        raise ConfigError(f"selection.weights.{unknown[0]}: not a scored criterion of "
                          f"{rfp.files['criteria']}; scored: {', '.join(sorted(scored))}")
    missing = sorted(scored - set(weights))
    if missing:
        raise ConfigError(f"selection.weights: no weight for scored criterion "
                          f"{', '.join(map(repr, missing))} (rule: every scored criterion "
                          "is weighted)")
    kinds = rfp.criteria.set_index("criterion")["kind"]
    for name, required in dict(selection.get("gates") or {}).items():
        if name not in kinds.index:
            raise ConfigError(f"selection.gates.{name}: unknown criterion (rule: a gate names "
                              f"a criterion of {rfp.files['criteria']}); known: "
                              f"{', '.join(kinds.index)}")
        kind = str(kinds[name])
        if kind == SCORE:
            raise ConfigError(f"selection.gates.{name}: a scored criterion cannot be a gate "
                              "(rule: gates are yes_no, all_of, any_of or minimum criteria)")
        if isinstance(required, bool) and kind != "yes_no" or \
                not isinstance(required, GATE_TYPES[kind]):
            want = {"yes_no": "true or false", "all_of": "a list", "any_of": "a list",
                    "minimum": "a number"}[kind]
            raise ConfigError(f"selection.gates.{name}: a {kind} gate takes {want}, got "
                              f"{required!r}")
    chosen = selection.get("chosen")
    if chosen is not None and chosen not in rfp.vendors:
        raise ConfigError(f"selection.chosen: {chosen!r} is not a vendor of the RFP; vendors: "
                          f"{', '.join(rfp.vendors)}")


def sla_terms(sla: Mapping[str, Any]) -> list[vendors.SlaTerm]:
    """The SLA block's KPIs as terms; the comparison defaults from the KPI's direction."""
    terms = []
    for kpi, spec in dict(sla.get("kpis") or {}).items():
        if kpi not in KPI_DEFINITIONS:
            raise ConfigError(f"sla.kpis.{kpi}: unknown KPI; allowed: "
                              f"{', '.join(KPI_DEFINITIONS)}")
        direction = KPI_DEFINITIONS[kpi].direction
        comparison = spec.get("comparison") or (
            "at_most" if direction == "lower_is_better" else "at_least")
        conventions = spec.get("conventions")
        terms.append(vendors.SlaTerm(
            kpi=kpi, target=float(spec["target"]), comparison=comparison,
            weight=float(spec["weight"]), window=spec.get("window"),
            measurement=None if conventions is None else _conventions(conventions).describe()))
    return terms


def _conventions(given: Mapping[str, Any] | None) -> Conventions:
    given = dict(given or {})
    return Conventions(service_level=given.get("service_level", "offered"),
                       abandonment=given.get("abandonment", "offered"),
                       phantom=given.get("phantom", "exclude_from_handle_time"),
                       sl_threshold_seconds=float(given.get("sl_threshold_seconds", 20.0)))


def monthly_kpis(export: Path, sla: Mapping[str, Any]) -> pd.DataFrame:
    """One row per month of the SLA period, one column per SLA KPI, from the client's export
    with each KPI's own conventions (the KPI report's engine). ``ConfigError`` for a KPI the
    export cannot measure or a month of the period with no data."""
    tables = load_folder(export)
    columns: dict[str, pd.Series] = {}
    for kpi, spec in dict(sla.get("kpis") or {}).items():
        if kpi in TICKET_KPIS:
            if "ticket_events" not in tables:
                raise ConfigError(f"sla.kpis.{kpi}: the export {export} has no ticket log, so "
                                  "it cannot measure this KPI (rule: measurable KPI)")
            frame = ticket_kpis(tables["ticket_events"], by=("month",))
        else:
            frame = contact_kpis(tables, ("month",), None,
                                 _conventions(spec.get("conventions")))
        if frame.empty or kpi not in frame or frame[kpi].isna().all():
            raise ConfigError(f"sla.kpis.{kpi}: the export {export} cannot measure this KPI "
                              f"(kinds present: {', '.join(tables)}; rule: measurable KPI)")
        columns[kpi] = frame.set_index(pd.to_datetime(frame["month"]))[kpi]
    monthly = pd.DataFrame(columns)
    first = pd.Timestamp(sla.get("first_month") or monthly.index.min())
    last = pd.Timestamp(sla.get("last_month") or monthly.index.max())
    if last < first:
        raise ConfigError(f"sla.last_month {last:%Y-%m} is before sla.first_month {first:%Y-%m}")
    months = pd.date_range(first, last, freq="MS")
    monthly = monthly.reindex(months)
    for kpi in monthly.columns:
        empty = monthly.index[monthly[kpi].isna()]
        if len(empty):
            raise ConfigError(f"sla.kpis.{kpi}: no data for month {empty[0]:%Y-%m} in the "
                              f"export {export} (rule: every month of the SLA period has data)")
    return monthly.rename_axis("month").reset_index()


def month_coverage(export: Path, months: pd.Series) -> pd.DataFrame:
    """Per SLA month: calendar days and days on which the export has contacts or tickets."""
    tables = load_folder(export)
    days: set[pd.Timestamp] = set()
    daily = contact_kpis(tables, ("day",), None, Conventions())
    if len(daily):
        days |= set(pd.to_datetime(daily["day"]))
    if "ticket_events" in tables:
        days |= set(pd.to_datetime(ticket_kpis(tables["ticket_events"], by=("day",))["day"]))
    stamps = pd.Series(sorted(days), dtype="datetime64[ns]")
    rows = []
    for month in pd.to_datetime(months):
        inside = stamps[(stamps >= month) & (stamps < month + pd.offsets.MonthBegin(1))]
        rows.append({"month": month, "days_in_month": month.days_in_month,
                     "days_with_data": int(inside.nunique())})
    return pd.DataFrame(rows)


def check_inputs(client: str, selection: Mapping[str, Any] | None,
                 transition: Mapping[str, Any] | None, sla: Mapping[str, Any] | None,
                 kpi_export: str | Path | None = None) -> None:
    """Everything the report needs is present and sound (run at plan time)."""
    for name, block in (("selection", selection), ("transition", transition), ("sla", sla)):
        if not block:
            raise ConfigError(f"{name}: missing; the vendor_lifecycle report needs the "
                              "selection, transition and sla blocks")
    assert selection is not None and sla is not None
    rfp = read_rfp(rfp_folder(client))
    check_selection(rfp, selection)
    gates = vendors.apply_gates(rfp.responses, rfp.criteria, selection.get("gates") or {})
    if not gates.attrs["passed"]:
        raise ConfigError(f"selection.gates: no vendor of {rfp.files['responses']} passes every "
                          "gate (rule: at least one vendor to score)")
    sla_terms(sla)
    monthly_kpis(resolve_export(client, kpi_export), sla)


# --------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class VendorView:
    """Everything the vendor lifecycle report shows."""

    client: str
    rfp: Rfp
    example_notice: str | None
    gates: pd.DataFrame
    passed: list[str]
    scorecard: pd.DataFrame
    matrix: pd.DataFrame
    weights: dict[str, float]
    first_shares: pd.DataFrame
    swap: vendors.Swap | None
    priced: pd.DataFrame
    cheapest: str
    best_value: str
    chosen: str | None
    fte: float
    fte_basis: str
    transition: vendors.TransitionInputs
    transition_defaults: pd.DataFrame
    phases: pd.DataFrame
    ramp: pd.DataFrame
    transition_costs: pd.DataFrame
    terms: list[vendors.SlaTerm]
    attained: pd.DataFrame
    credits: pd.DataFrame
    sla: dict[str, Any]
    findings: list[str]
    sources: pd.DataFrame

    def first_share(self, vendor: str) -> float:
        """Share (0-1) of the perturbed weightings in which ``vendor`` ranks first."""
        return float(self.first_shares.set_index("vendor").loc[vendor, "first_share"])

    def terms_table(self) -> pd.DataFrame:
        """The SLA terms as stated, a missing window or measurement rule said so."""
        return pd.DataFrame([{
            "kpi": t.kpi, "label": KPI_DEFINITIONS[t.kpi].label, "target": t.target,
            "comparison": t.comparison.replace("_", " "), "weight": t.weight,
            "window": t.window or "(not stated)", "measurement": t.measurement or "(not stated)",
        } for t in self.terms])

    def earn_back_rule(self) -> str:
        """The earn-back rule in words."""
        months = self.sla.get("earn_back_months")
        return (f"a KPI's credit is returned after {months} following month(s) on target"
                if months else "none")


def transition_inputs(transition: Mapping[str, Any], fte: float,
                      location_costs: pd.DataFrame,
                      assumptions: Mapping[str, tco.Assumption]) -> tuple[
                          vendors.TransitionInputs, pd.DataFrame]:
    """The plan's inputs: the client's, else cited defaults (training from the TCO's cited
    initial training; the go-live from the shortest cited transition to steady state, the
    90-day rollout). Returns the inputs and a table of each default with its source."""
    start = pd.Timestamp(transition["start"]).date()
    rows = []
    training_days = transition.get("training_days")
    if training_days is None:
        weeks = assumptions["training_weeks"]
        training_days = weeks.base * WORKING_DAYS_PER_WEEK
        rows.append({"input": "training days", "value": f"{training_days:g}",
                     "basis": f"cited initial training, {weeks.base:g} weeks",
                     "source_ids": weeks.source_ids})
    go_live = transition.get("go_live")
    if go_live is None:
        cited = location_costs[location_costs["metric"] == "transition_duration"]
        cited = cited.dropna(subset=["value_low"])
        if cited.empty:
            raise ConfigError("transition.go_live: not set and no cited transition_duration "
                              "row in data/raw/location_costs.csv to default it from")
        months = int(cited["value_low"].min())
        go_live = (pd.Timestamp(start) + pd.DateOffset(months=months)).date()
        rows.append({"input": "go-live", "value": f"{go_live} (start + {months} months)",
                     "basis": "shortest cited transition to steady state (the 90-day rollout "
                              "for a first process)",
                     "source_ids": ";".join(sorted(cited["source_id"].unique()))})
    else:
        go_live = pd.Timestamp(go_live).date()
    inputs = vendors.TransitionInputs(
        fte=fte, start=start, go_live=go_live, waves=int(transition["waves"]),
        wave_interval_weeks=float(transition.get("wave_interval_weeks", 0.0)),
        training_days=float(training_days), nesting_weeks=float(transition["nesting_weeks"]),
        working_days_per_week=WORKING_DAYS_PER_WEEK)
    return inputs, pd.DataFrame(rows, columns=["input", "value", "basis", "source_ids"])


def price_vendors(rfp: Rfp, passed: list[str], comparison: pd.DataFrame,
                  assumptions: Mapping[str, tco.Assumption], home_country: str, fte: float,
                  contract_years: float, plan: vendors.TransitionInputs, kt_experts: float,
                  travel_usd: float, hours: HoursBasis) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each passing vendor through the one TCO: its rate card (share-weighted) as the billing
    rate, attrition of its locations, the plan's dual running as the parallel run, plus the
    knowledge transfer and travel. Returns the per-vendor table and the transition costs (of
    the first vendor: they do not depend on the vendor's price)."""
    rows = []
    costs = None
    for vendor in passed:
        card = rfp.rate_cards[rfp.rate_cards["vendor"] == vendor]
        shares = dict(zip(card["location"], card["share"], strict=True))
        base = tco.blended_case(comparison, assumptions, home_country, shares, fte,
                                contract_years)
        rate = float((card["rate_usd_hour"] * card["share"]).sum())
        case = replace(base, billing_usd_hour=rate,
                       ramp_weeks=vendors.dual_running_weeks(plan))
        monthly = tco.monthly_costs(case, hours)
        result = tco.summarise(monthly)
        per_fte_week = float(monthly["inhouse"].iloc[0]) / fte * 12 / hours.weeks_per_year
        costs = vendors.transition_costs(plan, per_fte_week, kt_experts, travel_usd)
        extra = float(costs.loc[costs["component"] != "dual running", "usd"].sum())
        total = result["outsourced_total"] + extra
        rows.append({"vendor": vendor, "locations": ", ".join(
            f"{loc} {s:.0%}" for loc, s in shares.items()), "rate_usd_hour": rate,
            "service_fee": result["service_fee"], "dual_running": result["parallel_run"],
            "setup": result["transition"], "kt_and_travel": extra,
            "total_usd": total, "inhouse_total": result["inhouse_total"],
            "savings": result["inhouse_total"] - total})
    assert costs is not None
    return pd.DataFrame(rows), costs


def build_vendor_view(
    client: str,
    selection: Mapping[str, Any],
    transition: Mapping[str, Any],
    sla: Mapping[str, Any],
    internal_owner: str | None = None,
    *,
    kpi_export: str | Path | None = None,
    staffing: Mapping[str, Any] | None = None,
    home_country: str = "United States",
    workload_fte: int | str = "from_export",
    contract_years: float = 3,
    hours: HoursBasis | None = None,
) -> VendorView:
    """Build the whole report for one client (see the module docstring)."""
    check_inputs(client, selection, transition, sla, kpi_export)
    basis = hours or HoursBasis()
    rfp = read_rfp(rfp_folder(client))
    weights = {k: float(v) for k, v in selection["weights"].items()}
    gates = vendors.apply_gates(rfp.responses, rfp.criteria, selection.get("gates") or {})
    passed = list(gates.attrs["passed"])
    matrix = vendors.score_matrix(rfp.responses, rfp.criteria, passed, weights)
    scorecard = vendors.weighted_scores(matrix, weights)
    scorecard["quality"] = scorecard["vendor"].map(matrix.mean(axis=1) * 100)
    shares = vendors.rank_first_shares(
        matrix, weights, int(selection.get("sensitivity_draws", 2000)),
        float(selection.get("sensitivity_spread_pct", 25.0)) / 100,
        int(selection.get("sensitivity_seed", 15)))
    swap = (vendors.smallest_swap(matrix, weights, scorecard["vendor"].iloc[0],
                                  scorecard["vendor"].iloc[1]) if len(scorecard) > 1 else None)

    costs_table = catalog.load("location_costs")
    comparison = sourcing.location_comparison(costs_table, catalog.load("fx_rates"),
                                              home_country, hours=basis)
    assumptions = tco.default_assumptions(costs_table)
    if workload_fte == "from_export":
        staff = staffing_view.build_staffing_view(client, kpi_export, staffing, basis)
        fte, fte_basis = staff.paid_fte, "sized from the client's export (staffing model)"
        if len(staff.left_out):  # queues with no answered contact: said beside the figure
            fte_basis += (f"; left out, {staffing_view.staffing.NO_HANDLE_TIME}: "
                          f"{staffing_view.staffing.describe_left_out(staff.left_out)}")
    else:
        fte, fte_basis = float(workload_fte), "typed workload (parameter workload_fte)"
    plan, defaults = transition_inputs(transition, fte, costs_table, assumptions)
    phases, ramp = vendors.transition_plan(plan)
    priced, trans_costs = price_vendors(
        rfp, passed, comparison, assumptions, home_country, fte, contract_years, plan,
        float(transition["kt_experts"]), float(transition["travel_usd"]), basis)
    priced = priced.merge(scorecard, on="vendor").sort_values("rank", ignore_index=True)
    cheapest = str(priced.loc[priced["total_usd"].idxmin(), "vendor"])
    best_value = str(priced["vendor"].iloc[0])

    terms = sla_terms(sla)
    export = resolve_export(client, kpi_export)
    monthly = monthly_kpis(export, sla)
    attained = vendors.attainment(monthly, terms)
    attained.insert(2, "label", [KPI_DEFINITIONS[k].label for k in attained["kpi"]])
    coverage = month_coverage(export, monthly["month"])
    credits = vendors.service_credits(attained, float(sla["monthly_fee_usd"]),
                                      float(sla["at_risk_pct"]), sla.get("earn_back_months"))
    chosen = selection.get("chosen")
    findings = vendors.pitfalls(
        sla_terms=terms, chosen=chosen, cheapest=cheapest, best_value=best_value,
        chosen_quality_below_field=bool(chosen in passed and vendors.quality_below_field(
            scorecard, chosen)),
        transition=plan, internal_owner=internal_owner)
    partial = coverage[coverage["days_with_data"] < coverage["days_in_month"]]
    if len(partial):
        findings.append("Partial months in the SLA period: " + ", ".join(
            f"{row.month:%Y-%m} has data on {row.days_with_data} of {row.days_in_month} days"
            for row in partial.itertuples()) + ". Credits for them rest on part of the month.")
    ids = {i for s in defaults["source_ids"] for i in str(s).split(";") if i}
    ids |= {i for a in assumptions.values() for i in a.source_ids.split(";") if i}
    sources = services.cited_sources(ids, catalog.load("sources"))
    notice = example_notice(export, load_folder(export))
    return VendorView(
        client=client, rfp=rfp, example_notice=notice, gates=gates, passed=passed,
        scorecard=scorecard, matrix=matrix, weights=weights, first_shares=shares, swap=swap,
        priced=priced, cheapest=cheapest, best_value=best_value, chosen=chosen, fte=fte,
        fte_basis=fte_basis, transition=plan, transition_defaults=defaults, phases=phases,
        ramp=ramp, transition_costs=trans_costs, terms=terms, attained=attained,
        credits=credits, sla=dict(sla), findings=findings, sources=sources)
