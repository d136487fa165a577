"""Measure issue 16's evidence targets on the committed data, with the reports' own functions.

    .venv/bin/python scripts/evidence_targets.py [--official-fx-max-year-gap N] [--tier T]

Prints, from ``data/raw`` and the same package functions the reports call:

1. the global total BPO consensus for the base year under the market-research definition:
   independent sources (evidence groups counted once) and who they are, and the figures under
   other definitions (third-party-only, IDC scope, ...) that are shown apart, never pooled;
2. the countries of the sourcing table with a USD hourly figure (billing rate, loaded cost or
   a wage converted with a cited rate), with the FX conversion default of the report;
3. per benchmark KPI of the issue (ASA, abandonment, FCR, CSAT, AHT, attrition, cost per
   contact): independent sources behind its best-supported band, behind all its bands, and the
   industry splits sources publish (bands narrowed to one industry), with the evidence phrase;
4. the bands the bundled KPI reports USE: for every configured client with the
   ``kpi_benchmarks`` report, its notebook's defaults overlaid with what the build passes
   (``config.planned_parameters``), the view built as the notebook builds it, and every band it
   shows for those KPIs (the compared one, which the client is placed on, and the
   other-definition ones shown apart) with its independent sources and evidence phrase;
5. the share of ``sources.csv`` rows with a publication year, and what established it.

Nothing is written; the numbers are only as good as the curated rows they come from.
"""

from __future__ import annotations

import argparse
import ast

import pandas as pd

from analysis.data import catalog, provenance
from analysis.pipeline import config, parameters, reports
from analysis.research import sourcing
from analysis.research.kpis import benchmark_bands
from analysis.research.kpis.benchmarks import MIN_BAND_SOURCES, UNSPECIFIED
from analysis.views import kpi_view, market_view

# The KPI names -> the curated ``kpi`` values that measure them.
TARGET_KPIS = {
    "ASA": ("average_speed_of_answer",),
    "abandonment": ("abandonment_rate",),
    "FCR": ("first_contact_resolution",),
    "CSAT": ("customer_satisfaction",),
    "AHT": ("average_handle_time",),
    "attrition": ("agent_attrition",),
    "cost per contact": ("cost_per_contact",),
}


def market_target(estimates: pd.DataFrame, sources: pd.DataFrame, tier: str) -> None:
    view = market_view.build_market_view(estimates, sources, min_reliability=tier)
    evidence = view.base_evidence(sources)
    print(f"1. Global Total BPO {view.base_year}, market_research, tier {tier} or better: "
          f"{int(view.base['n_sources'])} independent sources ({evidence.phrase()})")
    kept = view.normalised.dropna(subset=["value_usd_bn"])
    for _, row in kept.sort_values("value_usd_bn").iterrows():
        print(f"   - {row['evidence_group']}: USD {row['value_usd_bn']:,.1f} bn "
              f"({row['method']}; {row['source_id']})")
    other = view.other_definitions
    if len(other):
        print("   shown apart (other definitions, never pooled):")
        for definition, rows in other.groupby(other["definition"].fillna("unspecified")):
            print(f"   - {definition}: {rows['source_id'].nunique()} source(s), "
                  f"years {provenance.join_years(rows['year'])}")


def sourcing_target(gap: int) -> None:
    comparison = sourcing.location_comparison(
        catalog.load("location_costs"), catalog.load("fx_rates"), "United States",
        exchange_rates=catalog.load("exchange_rates"), official_max_year_gap=gap)
    priced = comparison[comparison["usd_hourly"]]
    print(f"2. Sourcing table, official_fx_max_year_gap={gap}: {len(priced)} of "
          f"{len(comparison)} locations with a USD hourly figure")
    for _, row in priced.iterrows():
        kinds = [k for k in sourcing.COST_KINDS if pd.notna(row[f"{k}_median"])]
        fx = sorted({row[f"{k}_fx"] for k in kinds if isinstance(row[f"{k}_fx"], str)
                     and row[f"{k}_fx"]})
        print(f"   - {row['country']}: {', '.join(kinds)}"
              + (f" (converted: {'; '.join(fx)})" if fx else ""))


def band_targets(tier: str) -> None:
    benchmarks, sources = catalog.load("kpi_benchmarks"), catalog.load("sources")
    kept = kpi_view.benchmarks_at_tier(benchmarks, sources, tier)
    bands = kpi_view.with_evidence(benchmark_bands(kept), kept, sources)
    print(f"3. Benchmark bands, tier {tier} or better (independent sources):")
    for name, kpis in TARGET_KPIS.items():
        rows = bands[bands["kpi"].isin(kpis)]
        if rows.empty:
            print(f"   - {name}: no band")
            continue
        best = rows.sort_values("n_sources", ascending=False).iloc[0]
        used = kept[kept["kpi"].isin(kpis)].dropna(subset=["value"])
        overall = provenance.evidence_of(used, sources)
        splits = rows[~rows["industry"].fillna("").str.lower().isin(UNSPECIFIED)]
        # one entry per industry: its best-supported band's independent sources
        per_industry = splits.groupby("industry")["n_sources"].max().sort_values(ascending=False)
        split_text = ", ".join(f"{industry} ({int(n)})" for industry, n in per_industry.items()
                               ) or "none published"
        split_text += (f" [{len(per_industry)} industries: {int((per_industry >= 2).sum())} "
                       f"reach 2 sources, {int((per_industry >= 3).sum())} reach 3]")
        print(f"   - {name}: best band {int(best['n_sources'])} "
              f"[{best['series']}, {best['unit']}, {best['channel'] or 'any channel'}, "
              f"{best['industry'] or 'all'}, region {best['region'] or 'unspecified'}] "
              f"({best['evidence']}); all bands "
              f"{overall.n_sources}; industry splits: {split_text}")


# The KPI names -> the band's ``client_kpi`` in the KPI report (attrition and cost per
# contact are reference bands: no client export measures them, so no client value is placed).
REPORT_KPIS = {"ASA": "asa_seconds", "abandonment": "abandonment_rate", "FCR": "fcr",
               "CSAT": "csat_top2_box", "AHT": "aht_seconds", "attrition": "agent_attrition",
               "cost per contact": "cost_per_contact"}
VIEW_PARAMETERS = ("client", "channel", "industry", "region", "sl_threshold_seconds",
                   "service_level_convention", "abandonment_convention",
                   "phantom_convention", "min_reliability", "kpi_export")


def report_parameters(client: str) -> dict[str, object]:
    """What the client's ``kpi_benchmarks`` notebook runs with: its declared defaults, overlaid
    with the parameters the build passes."""
    notebook = reports.REPORTS["kpi_benchmarks"].notebook_path()
    declared = parameters.declared_parameters(notebook)
    values = {name: ast.literal_eval(info["default"]) for name, info in declared.items()}
    values.update(config.planned_parameters(client, "kpi_benchmarks"))
    return values


def used_bands() -> None:
    print(f"4. Bands the bundled KPI reports use (a band should rest on >= {MIN_BAND_SOURCES} "
          "independent sources; fewer is flagged thin in the report):")
    for client in config.configured_clients():
        if "kpi_benchmarks" not in config.load_client(client).report_names():
            continue
        values = report_parameters(client)
        view = kpi_view.build_kpi_view(**{k: values[k] for k in VIEW_PARAMETERS if k in values})
        segment = ", ".join(str(values.get(k)) for k in ("channel", "industry", "region")
                            if values.get(k)) or "all segments"
        print(f"   {client} ({segment}, tier {view.min_reliability} or better):")
        for name, key in REPORT_KPIS.items():
            shown = view.bands[view.bands["client_kpi"] == key]
            if shown.empty:
                print(f"   - {name}: no band in this segment")
            for _, band in shown.iterrows():
                role = ("other definition, shown apart" if not band["compared"] else
                        "reference, client not measured" if key in kpi_view.REFERENCE_KEYS
                        else "compared")
                print(f"   - {name} [{role}]: {int(band['n_sources'])} "
                      f"[{band['series']}, {band['channel'] or 'any channel'}, "
                      f"{band['industry'] or 'all'}, region {band['region'] or 'all'}] "
                      f"({band['evidence']})")
        splits = view.industry_splits
        per_kpi = splits.groupby("label")["n_sources"]
        print("   - industry splits the report shows: " + "; ".join(
            f"{label}: {len(n)} industries, {int((n >= 2).sum())} with >= 2 sources, "
            f"{int((n >= 3).sum())} with >= 3" for label, n in per_kpi) if len(splits)
            else "   - industry splits the report shows: none")


def dated_sources(sources: pd.DataFrame) -> None:
    dated = sources["year"].notna()
    basis = sources.loc[dated, "year_basis"].value_counts()
    print(f"5. Sources with a publication year: {int(dated.sum())} of {len(sources)} "
          f"({dated.mean():.0%}); established by " + ", ".join(
              f"{name} {int(n)}" for name, n in basis.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--official-fx-max-year-gap", type=int, default=2)
    parser.add_argument("--tier", default="relayed",
                        choices=["primary", "relayed", "unattributed", "aggregator"])
    args = parser.parse_args()
    estimates, sources = catalog.load("market_estimates"), catalog.load("sources")
    market_target(estimates, sources, args.tier)
    sourcing_target(args.official_fx_max_year_gap)
    band_targets(args.tier)
    used_bands()
    dated_sources(sources)


if __name__ == "__main__":
    main()
