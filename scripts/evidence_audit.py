"""Issue 16 evidence audit: why every candidate row is, or is not, behind a target figure.

    .venv/bin/python scripts/evidence_audit.py [--out docs/issue16-evidence-audit.tables.md]

For each of issue 16's evidence targets this classifies EVERY curated row that could stand
behind the figure, with the same package functions the reports call, and prints (or writes)
one Markdown table per target:

* the global Total BPO consensus for 2025 (market-research definition, tier relayed or
  better): every Global / Total BPO row of ``market_estimates.csv``, dated or not;
* the KPI bands the house KPI report compares the client with (voice, no industry or region,
  tier relayed or better): every row of ``kpi_benchmarks.csv`` for that KPI;
* attrition and cost per contact, which no report shows as a band: every row of those KPIs,
  classified against the general voice band such a report would use.

A row's verdict is the first rule that keeps it out, in the order the code applies them, or
``counted`` (with its evidence group, which counts once). Rows of ``excluded_rows.csv`` are
listed where their file could hold a candidate. Nothing is written unless ``--out`` is given.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis.data import catalog
from analysis.data.provenance import evidence_key
from analysis.research import market
from analysis.research.kpis.benchmarks import UNSPECIFIED, band_keyed

TIER = "relayed"
BASE_YEAR = 2025
CHANNEL = "voice"

# target -> (kpi, the series the report compares, the band's unit or None for any)
KPI_TARGETS: dict[str, tuple[str, str, str | None]] = {
    "ASA (queue-inclusive)": ("average_speed_of_answer", "asa_queue_inclusive", "seconds"),
    "Abandonment": ("abandonment_rate", "abandonment_rate:percent", "percent"),
    "FCR": ("first_contact_resolution", "first_contact_resolution:percent", "percent"),
    "CSAT (top-two-box, compared as % positive)": (
        "customer_satisfaction", "csat_percent_positive", "percent_good_ratings"),
    "AHT (handle time)": ("average_handle_time", "aht_handle", "minutes"),
    "Attrition (annual)": ("agent_attrition", "attrition_annual_unspecified", "percent_per_year"),
    "Cost per contact": ("cost_per_contact", "cost_per_contact", None),
}


def _general(value: object) -> bool:
    return str(value if pd.notna(value) else "").strip().lower() in UNSPECIFIED


def market_rows(estimates: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Every Global / Total BPO row with the reason it is or is not in the 2025 consensus."""
    joined = market.with_sources(estimates, sources)
    rows = joined[(joined["geography"] == "Global") & (joined["segment"] == "Total BPO")].copy()
    kept_tiers = set(market.tiers_at_or_above(TIER))
    usable = market.size_estimates(joined, "Global", "Total BPO", "market_research")
    usable = usable[usable["reliability_tier"].isin(kept_tiers)]
    normalised = market.normalise_to_year(usable, BASE_YEAR)
    method = normalised.set_index("evidence_group")["method"]
    sizes = set(market.SIZE_METRICS)
    verdicts = []
    for _, row in rows.iterrows():
        group = str(row["evidence_group"])
        if row["metric"] not in sizes:
            verdict = f"not a size figure (metric {row['metric']})"
        elif pd.notna(row.get("superseded_by")):
            verdict = f"superseded by {row['superseded_by']}"
        elif pd.isna(row["value"]):
            verdict = "no point value (range or CAGR only)"
        elif row["unit"] not in market.USD_BILLION_FACTORS:
            verdict = f"not in USD ({row['unit']})"
        elif (row["definition"] if pd.notna(row["definition"]) else "") != "market_research":
            verdict = f"other definition ({row['definition']}): shown apart, never pooled"
        elif row["reliability_tier"] not in kept_tiers:
            verdict = f"tier {row['reliability_tier']} (below {TIER})"
        elif pd.isna(row["year"]):
            verdict = "undated figure (cannot be placed in a year)"
        elif str(method.get(group, "")).startswith("excluded"):
            verdict = method[group]
        else:
            verdict = f"counted ({method[group]})"
        verdicts.append(verdict)
    rows["verdict"] = verdicts
    return rows


def kpi_rows(benchmarks: pd.DataFrame, sources: pd.DataFrame, kpi: str, series: str,
             unit: str | None) -> pd.DataFrame:
    """Every row of ``kpi`` with the reason it is or is not in the general voice band."""
    tiers = sources.set_index("source_id")["reliability_tier"]
    rows = benchmarks[benchmarks["kpi"] == kpi].copy()
    rows["reliability_tier"] = rows["source_id"].map(tiers).fillna("unattributed")
    kept_tiers = set(market.tiers_at_or_above(TIER))
    checks: list[tuple[Callable[[pd.Series], bool], Callable[[pd.Series], str]]] = [
        (lambda r: pd.isna(r["value"]), lambda r: "no value"),
        (lambda r: r["series"] != series, lambda r: f"other definition ({r['series']})"),
        (lambda r: unit is not None and r["unit"] != unit,
         lambda r: f"other unit ({r['unit']}): a separate band"),
        (lambda r: r["reliability_tier"] not in kept_tiers,
         lambda r: f"tier {r['reliability_tier']} (below {TIER})"),
        (lambda r: r["channel"] != CHANNEL and not _general(r["channel"]),
         lambda r: f"other channel ({r['channel']})"),
        (lambda r: not _general(r["industry"]), lambda r: f"one industry ({r['industry']})"),
        (lambda r: not _general(r["region"]), lambda r: f"one region ({r['region']})"),
        (lambda r: r["channel"] != CHANNEL,
         lambda r: f"all-channel figure ({r['channel']}): its own band, not pooled with voice"),
        (lambda r: r["statistic"] in ("upper_bound", "lower_bound"),
         lambda r: f"a stated bound ({r['statistic']}): in the band's source count only"),
    ]
    verdicts = []
    for _, row in rows.iterrows():
        verdict = next((why(row) for test, why in checks if test(row)), "counted")
        verdicts.append(verdict)
    rows["verdict"] = verdicts
    return rows


def _table(frame: pd.DataFrame, columns: list[str]) -> str:
    shown = frame[columns].astype(object).where(frame[columns].notna(), "")
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in shown.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "/") for v in row) + " |")
    return "\n".join(lines)


def _summary(rows: pd.DataFrame) -> str:
    counted = rows[rows["verdict"].str.startswith("counted")]
    groups = sorted(evidence_key(counted).unique()) if len(counted) else []
    return (f"**{len(groups)} independent source(s)** from {len(counted)} row(s) of "
            f"{len(rows)} candidates: " + (", ".join(f"`{g}`" for g in groups) or "none"))


def report() -> str:
    estimates, benchmarks = catalog.load("market_estimates"), catalog.load("kpi_benchmarks")
    sources = catalog.load("sources")
    parts = [f"## Global Total BPO {BASE_YEAR} (market_research, tier {TIER} or better)", ""]
    rows = market_rows(estimates, sources)
    parts += [_summary(rows), "", _table(rows.sort_values(["verdict", "evidence_group"]), [
        "estimate_id", "evidence_group", "source_id", "reliability_tier", "definition",
        "metric", "year", "value", "unit", "verdict"]), ""]
    for name, (kpi, series, unit) in KPI_TARGETS.items():
        rows = kpi_rows(band_keyed(benchmarks).assign(
            industry=benchmarks["industry"], region=benchmarks["region"]), sources, kpi,
            series, unit)
        parts += [f"## {name}: `{kpi}`, series `{series}`, {CHANNEL} or all-channel, "
                  f"no industry or region, tier {TIER} or better", "", _summary(rows), "",
                  _table(rows.sort_values(["verdict", "evidence_group"]), [
                      "benchmark_id", "evidence_group", "reliability_tier", "series", "unit",
                      "channel", "industry", "region", "statistic", "value", "year",
                      "verdict"]), ""]
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the tables here instead of printing")
    args = parser.parse_args()
    text = report()
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
