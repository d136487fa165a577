"""Everything the KPI benchmarks report shows, assembled from a client export in one call.

The notebook passes its parameters here and only narrates and charts what comes back, so the
same numbers serve the notebook, the tests and the key-figure record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis import paths
from analysis.data import provenance
from analysis.data.client_exports import CanonicalTable, load_folder
from analysis.errors import ConfigError, UnsafeInputError
from analysis.research import market
from analysis.research.kpis import (
    KPI_DEFINITIONS,
    REFERENCE_KPIS,
    Conventions,
    KpiDefinition,
    ReferenceKpi,
    aggregate_kpis,
    benchmark_bands,
    client_positions,
    convert,
    interaction_kpis,
    ticket_kpis,
)
from analysis.research.kpis.benchmarks import (
    BAND_KEYS,
    MIN_BAND_SOURCES,
    UNSPECIFIED,
    band_keyed,
    pick_band,
)

DEMO_CLIENT = "demo"
"""The synthetic example export, used when a configured client has no export of its own."""

#: A file name starting like this, or a README whose title says synthetic/example data, marks an
#: export as example data: the report then says so prominently.
EXAMPLE_FILE_PREFIX = "example_"
_EXAMPLE_WORDS = re.compile(r"\b(synthetic|example data|sample data|dummy)\b", re.IGNORECASE)

#: Contact KPIs placed on bands, in report order (ticket KPIs follow).
CONTACT_KPIS = ("asa_seconds", "service_level", "abandonment_rate", "aht_seconds",
                "talk_mean_seconds", "occupancy", "fcr", "csat_top2_box")
TICKET_KPIS = ("first_response_median_hours", "resolve_median_hours", "sla_attainment")
#: Benchmarks shown for reference after the contact KPIs: no export measures them, so their
#: band has words, not a client value, beside it (``ReferenceKpi.not_measured``).
REFERENCE_KEYS = tuple(REFERENCE_KPIS)
#: Contact KPIs that make the executive summary, in reading order.
KEY_FIGURE_KPIS = {"asa_seconds": "asa", "service_level": "service_level",
                   "abandonment_rate": "abandonment_rate", "aht_seconds": "aht", "fcr": "fcr",
                   "csat_top2_box": "csat_top2_box", "occupancy": "occupancy"}


@dataclass(frozen=True)
class KpiView:
    """One client's KPIs, the benchmark bands for its segment and where it stands on them."""

    client: str
    export: Path
    """The folder (or mapping file) the export was read from."""
    channel: str | None
    industry: str | None
    region: str | None
    min_reliability: str
    conventions: Conventions
    example_notice: str | None
    """Why the export is example data (file names / README banner), or ``None`` for real data."""
    tables: dict[str, CanonicalTable]
    summary: pd.Series
    """Contact KPIs over the whole export for the channel (``KPI_DEFINITIONS`` keys)."""
    daily: pd.DataFrame
    weekly: pd.DataFrame
    by_queue: pd.DataFrame
    by_channel: pd.DataFrame
    """Every channel in the export (not only the selected one), for context."""
    tickets: pd.Series | None
    tickets_by_priority: pd.DataFrame
    ticket_channel: str | None
    bands: pd.DataFrame
    """Bands for the client's KPIs in its segment, every series (``compared`` marks the one
    whose definition matches the engine's), with definition and unit."""
    positions: pd.DataFrame
    """One row per benchmarked KPI: value, band, gaps, ``verdict`` and a plain sentence."""
    sources: pd.DataFrame
    """Publisher, title, year, URL and tier of every source behind a shown band."""
    industry_splits: pd.DataFrame
    """Per compared KPI, the band sources publish for each single industry in the client's
    channel and region (see :func:`industry_splits`), with its evidence."""

    @property
    def conventions_text(self) -> str:
        """The sentence saying which KPI conventions were used."""
        return self.conventions.describe()

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """First and last day with contacts."""
        if self.daily.empty:
            return None
        return pd.Timestamp(self.daily["day"].min()), pd.Timestamp(self.daily["day"].max())

    def strengths(self) -> pd.DataFrame:
        """Positions better than the benchmark median or within a target band."""
        return self.positions[self.positions["verdict"] == "strength"]

    def gaps(self) -> pd.DataFrame:
        """Positions worse than the benchmark median or outside a target band."""
        return self.positions[self.positions["verdict"] == "gap"]

    def key_figures(self) -> list[dict[str, Any]]:
        """The report's key figures as ``report_kit.record`` keyword sets.

        A benchmarked KPI is recorded in its band's unit, next to the band's median, so the
        executive summary never sets 441 seconds beside 7.5 minutes.
        """
        placed = self.positions.set_index("kpi") if len(self.positions) else pd.DataFrame()
        figures: list[dict[str, Any]] = []
        for key, name in KEY_FIGURE_KPIS.items():
            label = KPI_DEFINITIONS[key].label
            if key in placed.index:
                row = placed.loc[key]
                unit = str(row["unit"])
                figures.append({"name": f"client_{name}", "value": row["client_value"],
                                "unit": unit, "label": f"client {label}"})
                if pd.notna(row["median"]):
                    # the band's sources give the evidence strength shown beside it
                    ids = str(row.get("source_ids") or "")
                    figures.append({"name": f"benchmark_{name}_median", "value": row["median"],
                                    "unit": unit, "label": f"benchmark median {label}",
                                    "source_ids": [i for i in ids.split(";") if i],
                                    "evidence_groups": row.get("evidence_groups") or {}})
            elif pd.notna(self.summary.get(key)):
                figures.append({"name": f"client_{name}", "value": self.summary[key],
                                "unit": KPI_DEFINITIONS[key].unit, "label": f"client {label}"})
        for _, band in self.reference_bands().iterrows():
            if pd.notna(band["median"]):
                ids = str(band.get("source_ids") or "")
                figures.append({"name": f"benchmark_{band['client_kpi']}_median",
                                "value": band["median"], "unit": readable_unit(band["unit"]),
                                "label": f"benchmark median {band['label']} (reference: "
                                         "not measured for the client)",
                                "source_ids": [i for i in ids.split(";") if i],
                                "evidence_groups": band.get("evidence_groups") or {}})
        if self.tickets is not None:
            for key in ("sla_attainment", "resolve_median_hours"):
                if pd.notna(self.tickets.get(key)):
                    figures.append({"name": f"client_{key}", "value": self.tickets[key],
                                    "unit": KPI_DEFINITIONS[key].unit,
                                    "label": f"client ticket {KPI_DEFINITIONS[key].label}"})
        return figures

    def reference_bands(self) -> pd.DataFrame:
        """The compared bands of the reference KPIs (:data:`REFERENCE_KEYS`), in that order, with
        ``not_measured``: why the client has no value beside them."""
        shown = self.bands[self.bands["client_kpi"].isin(REFERENCE_KEYS) & self.bands["compared"]]
        order = {key: i for i, key in enumerate(REFERENCE_KEYS)}
        shown = shown.sort_values("client_kpi", key=lambda k: k.map(order), kind="stable")
        return shown.assign(not_measured=[REFERENCE_KPIS[k].not_measured
                                          for k in shown["client_kpi"]]).reset_index(drop=True)

    def industry_split_table(self) -> pd.DataFrame:
        """The industry splits as a reader table: KPI, industry, unit, median, low, high,
        channel, independent sources and the evidence phrase."""
        splits = self.industry_splits
        return pd.DataFrame({
            "KPI": splits["label"], "Industry": splits["industry"].str.replace("_", " "),
            "Unit": splits["unit"].map(readable_unit), "Median": splits["median"],
            "Low": splits["low"], "High": splits["high"],
            "Channel": splits["channel"].replace({"all": "any"}),
            "Sources": splits["n_sources"], "Evidence": splits["evidence"],
        })

    def benchmark_tables(self) -> BenchmarkTables:
        """The "what good looks like" tables a client reads without a glossary."""
        return benchmark_tables(self.bands, self.positions)

    def trend(self, kpi: str, weekly: bool = False) -> pd.DataFrame:
        """``period`` and ``value`` of one KPI over time, in the unit of its benchmark band."""
        frame = self.weekly if weekly else self.daily
        key = "week" if weekly else "day"
        unit = KPI_DEFINITIONS[kpi].unit
        placed = self.positions.set_index("kpi")
        to_unit = str(placed.loc[kpi, "unit"]) if kpi in placed.index else unit
        values = [convert(float(v), unit, to_unit) for v in frame[kpi]]
        return pd.DataFrame({"period": pd.to_datetime(frame[key]), "value": values})


# --------------------------------------------------------------------------- the export


def resolve_export(client: str, kpi_export: str | Path | None = None) -> Path:
    """Where a client's KPI export lives.

    ``kpi_export`` (a client config's, passed by the build) wins; else
    ``raw_dir()/clients/<client>``; a configured client without an export of its own (the house
    report) gets the demo export, which the report labels as example data. Both are contained
    in ``raw_dir()/clients`` (``UnsafeInputError`` otherwise), even when papermill is run by
    hand. Anything else is a ``ConfigError`` listing the client folders that exist.
    """
    clients = paths.raw_dir() / "clients"
    if kpi_export:
        path = paths.contained(kpi_export, clients, where="parameter kpi_export",
                               key="kpi_export", base=paths.project_root())
        if path == clients.resolve() or not path.exists():
            raise ConfigError(f"kpi_export {str(kpi_export)!r} not found: it must name one "
                              f"client folder or mapping file under {clients} (looked for {path})")
        return path
    if not paths.is_valid_id(client):
        raise UnsafeInputError(f"parameter client: {client!r} is not a valid client id "
                               f"({paths.ID_RULE})")
    folder = clients / client
    if folder.is_dir():
        return paths.contained(folder, clients, where="parameter client", key="client")
    if (paths.config_dir() / "clients" / f"{client}.yaml").is_file():
        return clients / DEMO_CLIENT
    found = sorted(p.name for p in clients.glob("*") if p.is_dir())
    raise ConfigError(f"no KPI export for client {client!r}: {folder} does not exist; client "
                      f"exports present: {', '.join(found) or 'none'}")


def example_notice(export: Path, tables: dict[str, CanonicalTable]) -> str | None:
    """Why an export is example data, read from the data itself; ``None`` if nothing says so.

    Signs: an export file named ``EXAMPLE_…``, or a README next to it whose title says synthetic
    or example data.
    """
    folder = export if export.is_dir() else export.parent
    reasons = []
    labelled = sorted(t.source_file.name for t in tables.values()
                      if t.source_file.name.lower().startswith(EXAMPLE_FILE_PREFIX))
    if labelled:
        reasons.append(f"its files are named {', '.join(labelled)}")
    readme = folder / "README.md"
    if readme.is_file():
        title = next((line.strip("# ").strip() for line in
                      readme.read_text(encoding="utf-8", errors="replace").splitlines()
                      if line.strip()), "")
        if _EXAMPLE_WORDS.search(title):
            reasons.append(f"its README is titled “{title}”")
    return "; ".join(reasons) or None


# --------------------------------------------------------------------------- contact KPIs


def _one_channel(frame: pd.DataFrame, channel: str | None) -> pd.DataFrame:
    if channel is None:
        return frame
    present = sorted(frame["channel"].dropna().unique())
    if channel not in present:
        raise ConfigError(f"channel {channel!r} is not in the export; channels present: "
                          f"{', '.join(present) or 'none'}")
    rows = frame[frame["channel"] == channel].drop(columns="channel").reset_index(drop=True)
    rows.attrs = frame.attrs
    return rows


def contact_kpis(tables: dict[str, CanonicalTable], by: tuple[str, ...], channel: str | None,
                 conventions: Conventions) -> pd.DataFrame:
    """Contact KPIs for one channel (all if ``None``) grouped ``by``: from interaction rows where
    the export has them (occupancy from the interval report's staffed time), else from the
    interval report."""
    keys = (*by, "channel") if channel is not None else by
    if "interactions" in tables:
        frame = interaction_kpis(tables["interactions"], by=keys, conventions=conventions,
                                 staffed=tables.get("interval_aggregates"))
    elif "interval_aggregates" in tables:
        frame = aggregate_kpis(tables["interval_aggregates"], by=keys, conventions=conventions)
    else:
        return pd.DataFrame()
    return _one_channel(frame, channel)


# --------------------------------------------------------------------------- benchmarks


def benchmarks_at_tier(benchmarks: pd.DataFrame, sources: pd.DataFrame,
                       min_reliability: str) -> pd.DataFrame:
    """Benchmark figures whose source is rated ``min_reliability`` or better.

    A figure whose source is missing from ``sources`` counts as *unattributed*.
    """
    tiers = sources.set_index("source_id")["reliability_tier"]
    tier = benchmarks["source_id"].map(tiers).fillna("unattributed")
    return benchmarks[tier.isin(market.tiers_at_or_above(min_reliability))]


def with_evidence(bands: pd.DataFrame, benchmarks: pd.DataFrame,
                  sources: pd.DataFrame) -> pd.DataFrame:
    """Bands with their evidence strength: ``evidence`` (the shared phrase, e.g. "4 sources,
    2015–2025, 1 primary, 3 relayed"; flagged when a band rests on one source or on fewer than
    ``MIN_BAND_SOURCES``), ``source_ids`` and ``evidence_groups`` (for the key-figure record).
    ``benchmarks`` are the rows the bands were built from."""
    if bands.empty:
        return bands.assign(evidence=pd.Series(dtype="str"), source_ids=pd.Series(dtype="str"),
                            evidence_groups=pd.Series(dtype="object"))
    keyed = band_keyed(benchmarks.dropna(subset=["value"]))
    found: dict[tuple, provenance.Evidence] = {}
    groups: dict[tuple, dict[str, list[str]]] = {}
    for key, rows in keyed.groupby(BAND_KEYS, sort=False):
        groups[key] = provenance.evidence_groups(rows)
        found[key] = provenance.evidence_of(rows, sources)
    keys = [tuple(row) for row in bands[BAND_KEYS].fillna("").itertuples(index=False)]
    missing = provenance.Evidence(0, None, None, (), ())
    return bands.assign(
        evidence=[found.get(k, missing).phrase(MIN_BAND_SOURCES) for k in keys],
        source_ids=[";".join(found.get(k, missing).source_ids) for k in keys],
        evidence_groups=[groups.get(k, {}) for k in keys],
    )


def in_segment(bands: pd.DataFrame, channel: str | None, industry: str | None,
               region: str | None) -> pd.DataFrame:
    """Bands for exactly this segment or unnarrowed on a dimension (as ``pick_band`` allows)."""
    keep = pd.Series(True, index=bands.index)
    for column, wanted in (("channel", channel), ("industry", industry), ("region", region)):
        values = bands[column].fillna("").str.lower()
        ok = values.isin(UNSPECIFIED)
        if wanted:
            ok |= values.eq(wanted.lower())
        keep &= ok
    return bands[keep]


def kpi_definition(key: str) -> KpiDefinition | ReferenceKpi:
    """The definition behind a band's ``client_kpi``: a measured KPI or a reference one."""
    return KPI_DEFINITIONS[key] if key in KPI_DEFINITIONS else REFERENCE_KPIS[key]


def _series_for(key: str, conventions: Conventions) -> str:
    series = kpi_definition(key).benchmark_series or ""
    return series.format(sl=f"{conventions.sl_threshold_seconds:g}")


def segment_bands(bands: pd.DataFrame, keys: tuple[str, ...], conventions: Conventions,
                  channel: str | None, industry: str | None, region: str | None) -> pd.DataFrame:
    """The bands the report shows for the benchmark KPIs behind ``keys``: per KPI and series,
    the one band ``pick_band`` chooses for the segment (the one the client is compared with for
    the compared series), with the client KPI it belongs to, its definition, and whether its
    series is the compared one."""
    rows = []
    for key in keys:
        definition = kpi_definition(key)
        found = in_segment(bands[bands["kpi"] == definition.benchmark_kpi], channel, industry,
                           region)
        chosen = [pick_band(found, str(definition.benchmark_kpi), series, channel=channel,
                            industry=industry, region=region)
                  for series in sorted(found["series"].unique())]
        picked = pd.DataFrame([band for band in chosen if band is not None],
                              columns=found.columns)
        compared = picked["series"] == _series_for(key, conventions)
        rows.append(picked.assign(
            client_kpi=key, label=definition.label, compared=compared,
            definition=[definition.definition if c else
                        f"Other definition ({s}): shown apart, never compared or pooled"
                        for c, s in zip(compared, picked["series"], strict=True)],
        ).sort_values(["compared", "series"], ascending=[False, True]))
    if not rows:
        return pd.DataFrame(columns=[*bands.columns, "client_kpi", "label", "compared",
                                     "definition"])
    return pd.concat(rows, ignore_index=True)


def industry_splits(bands: pd.DataFrame, keys: tuple[str, ...], conventions: Conventions,
                    channel: str | None, region: str | None) -> pd.DataFrame:
    """Per client KPI of ``keys`` (its compared series only) and per industry sources narrow a
    figure to, the band ``pick_band`` chooses among that industry's bands for the channel and
    region, most sources first. A split rests on whatever sources publish it: the evidence
    column says when that is one source or fewer than 3."""
    rows = []
    for key in keys:
        definition = kpi_definition(key)
        found = bands[(bands["kpi"] == definition.benchmark_kpi)
                      & (bands["series"] == _series_for(key, conventions))]
        named = found["industry"].fillna("")
        for industry in sorted(set(named[~named.str.lower().isin(UNSPECIFIED)])):
            band = pick_band(found[named == industry], str(definition.benchmark_kpi),
                             channel=channel, industry=industry, region=region)
            if band is not None:
                rows.append({**band.to_dict(), "client_kpi": key, "label": definition.label})
    columns = [*bands.columns, "client_kpi", "label"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["label", "n_sources", "industry"], ascending=[True, False, True],
                             ignore_index=True)


def _verdict(row: pd.Series) -> str:
    if row["band"] == "no benchmark":
        return "no benchmark"
    if row["direction"] == "target":
        return "strength" if row["band"] == "within target band" else "gap"
    if pd.isna(row["better_than_median"]):
        return "gap" if row["band"] == "below the best-performer threshold" else "no benchmark"
    return "strength" if row["better_than_median"] else "gap"


def place(client: pd.Series | None, keys: tuple[str, ...], bands: pd.DataFrame,
          conventions: Conventions, channel: str | None, industry: str | None,
          region: str | None) -> pd.DataFrame:
    """``client_positions`` for ``keys`` with a verdict (strength / gap / no benchmark) and the
    target band of target KPIs."""
    if client is None:
        return pd.DataFrame()
    wanted = client[[k for k in keys if k in client.index]]
    placed = client_positions(wanted, bands, conventions, channel, industry, region)
    if placed.empty:
        return placed
    targets = [KPI_DEFINITIONS[k].target_band or (None, None) for k in placed["kpi"]]
    placed["target_low"] = [t[0] for t in targets]
    placed["target_high"] = [t[1] for t in targets]
    placed["verdict"] = placed.apply(_verdict, axis=1)
    return placed


def cited_sources(benchmarks: pd.DataFrame, shown_bands: pd.DataFrame,
                  sources: pd.DataFrame) -> pd.DataFrame:
    """Every source with a figure in one of ``shown_bands`` (matched on the band keys)."""
    if shown_bands.empty:
        return sources.iloc[0:0]
    keyed = band_keyed(benchmarks)
    used = keyed.merge(shown_bands[BAND_KEYS].drop_duplicates(), on=BAND_KEYS)
    cols = [c for c in ("source_id", "publisher", "title", "year", "url", "reliability_tier")
            if c in sources.columns]
    picked = sources[sources["source_id"].isin(set(used["source_id"]))]
    return picked[cols].sort_values(["publisher", "source_id"], ignore_index=True)


# --------------------------------------------------------------------------- the view


def _ticket_channel(table: CanonicalTable) -> str | None:
    channels = pd.read_parquet(table.path, columns=["channel"])["channel"].dropna().unique()
    return str(channels[0]) if len(channels) == 1 else None


def build_kpi_view(
    client: str = DEMO_CLIENT,
    channel: str | None = "voice",
    industry: str | None = None,
    region: str | None = None,
    sl_threshold_seconds: float = 20,
    service_level_convention: str = "offered",
    abandonment_convention: str = "offered",
    phantom_convention: str = "exclude_from_handle_time",
    min_reliability: str = "relayed",
    *,
    kpi_export: str | Path | None = None,
    benchmarks: pd.DataFrame | None = None,
    sources: pd.DataFrame | None = None,
) -> KpiView:
    """Load the client's export, compute its KPIs, and place them on the benchmark bands.

    ``benchmarks``/``sources`` default to the curated catalog tables. Raises ``ConfigError``
    for an unknown client, channel or convention, ``DataValidationError`` (file, line, value)
    for an export its mapping cannot parse.
    """
    try:
        conv = Conventions(service_level=service_level_convention,
                           abandonment=abandonment_convention, phantom=phantom_convention,
                           sl_threshold_seconds=float(sl_threshold_seconds))
    except ValueError as exc:
        raise ConfigError(f"unknown KPI convention: {exc}") from None
    if benchmarks is None or sources is None:
        from analysis.data import catalog

        benchmarks = catalog.load("kpi_benchmarks") if benchmarks is None else benchmarks
        sources = catalog.load("sources") if sources is None else sources
    export = resolve_export(client, kpi_export)
    tables = load_folder(export)

    summary_frame = contact_kpis(tables, (), channel, conv)
    summary = summary_frame.iloc[0] if len(summary_frame) else None
    tickets = tickets_by_priority = None
    ticket_channel = None
    if "ticket_events" in tables:
        tickets = ticket_kpis(tables["ticket_events"]).iloc[0]
        tickets_by_priority = ticket_kpis(tables["ticket_events"], by=("priority",))
        ticket_channel = _ticket_channel(tables["ticket_events"])

    kept = benchmarks_at_tier(benchmarks, sources, min_reliability)
    all_bands = with_evidence(benchmark_bands(kept, industry=industry, region=region), kept,
                              sources)
    segment = (industry, region)
    contact_bands = segment_bands(all_bands, CONTACT_KPIS if summary is not None else (), conv,
                                  channel, *segment)
    ticket_bands = segment_bands(all_bands, TICKET_KPIS if tickets is not None else (), conv,
                                 ticket_channel, *segment)
    # attrition and cost per contact: shown for the report's channel whatever the export holds
    reference_bands = segment_bands(all_bands, REFERENCE_KEYS, conv, channel, *segment)
    placed = [p for p in (place(summary, CONTACT_KPIS, all_bands, conv, channel, *segment),
                          place(tickets, TICKET_KPIS, all_bands, conv, ticket_channel, *segment))
              if not p.empty]
    positions = pd.concat(placed, ignore_index=True) if placed else pd.DataFrame()
    shown = pd.concat([contact_bands, ticket_bands, reference_bands], ignore_index=True)
    # every industry's bands, whatever industry the client asked for
    every_industry = (all_bands if industry is None else with_evidence(
        benchmark_bands(kept, region=region), kept, sources))
    splits = industry_splits(every_industry,
                             (CONTACT_KPIS if summary is not None else ()) + REFERENCE_KEYS, conv,
                             channel, region)
    return KpiView(
        client=client, export=export, channel=channel, industry=industry, region=region,
        min_reliability=min_reliability, conventions=conv,
        example_notice=example_notice(export, tables), tables=tables,
        summary=summary if summary is not None else pd.Series(dtype="float64"),
        daily=contact_kpis(tables, ("day",), channel, conv),
        weekly=contact_kpis(tables, ("week",), channel, conv),
        by_queue=contact_kpis(tables, ("queue",), channel, conv),
        by_channel=contact_kpis(tables, ("channel",), None, conv),
        tickets=tickets,
        tickets_by_priority=(tickets_by_priority if tickets_by_priority is not None
                             else pd.DataFrame()),
        ticket_channel=ticket_channel, bands=shown, positions=positions,
        sources=cited_sources(kept, pd.concat([shown, splits], ignore_index=True), sources),
        industry_splits=splits,
    )


# --------------------------------------------------------------------------- reader tables

_ANY = {"", "all", "unspecified", "global"}


@dataclass(frozen=True)
class BenchmarkTables:
    """The benchmark band table in words, the other-definition figures kept apart, and the KPIs
    without any sourced figure (one line, not a row of dashes each)."""

    compared: pd.DataFrame
    other: pd.DataFrame
    missing: list[str]


def readable_unit(unit: str) -> str:
    """A curated unit as a reader writes it: ``percent_answered_within_20s`` -> ``% answered
    within 20 s``, ``usd_per_contact`` -> ``USD per contact``."""
    text = str(unit or "")
    if text.startswith("percent"):
        rest = text.removeprefix("percent").strip("_").replace("_", " ")
        rest = re.sub(r"(\d+)s\b", r"\1 s", rest)
        return f"% {rest}".strip()
    words = text.replace("_", " ")
    # a currency code leads a money unit: usd_per_contact -> USD per contact
    return re.sub(r"^([a-z]{3}) per\b", lambda m: f"{m.group(1).upper()} per", words)


def readable_series(series: str) -> str:
    """A curated series id in words: ``asa_ring_only`` -> ``ASA ring only``,
    ``service_level:percent_answered_within_30s`` -> ``% answered within 30 s``."""
    text = str(series).split(":", 1)[-1]
    if text.startswith("percent"):
        return readable_unit(text)
    words = [w.upper() if w in {"asa", "aht", "csat", "nps", "fcr", "sla"} else w
             for w in text.replace("percent", "%").split("_")]
    return " ".join(words)


def _scope(row: pd.Series) -> str:
    parts = [str(row.get(k) or "") for k in ("channel", "industry", "region")]
    named = [p.replace("_", " ") for p in parts if p.lower() not in _ANY]
    return ", ".join(named) or "any"


def _has_band(row: pd.Series) -> bool:
    return any(pd.notna(row.get(k)) for k in ("p25", "median", "p75", "low", "high",
                                                "target_low", "target_high"))


def _years(row: pd.Series) -> str:
    low, high = row.get("year_min"), row.get("year_max")
    if pd.isna(low):
        return "not stated"
    return f"{int(low)}" if pd.isna(high) or int(low) == int(high) else f"{int(low)}–{int(high)}"


def benchmark_tables(bands: pd.DataFrame, positions: pd.DataFrame) -> BenchmarkTables:
    """Reader tables from ``KpiView.bands`` and ``.positions``.

    ``compared``: per compared band, the KPI, its definition in words, unit, the client's value,
    which band it is (quartiles p25/median/p75, or the low/median/high of the sources, or a
    target range), the three values, scope, number of sources and their years, and the evidence
    phrase (independent sources, publication years, tiers). ``other``: the
    figures under another definition, with why they are not compared. ``missing``: KPIs (and
    definitions) with no sourced figure at all.
    """
    client = {}
    if len(positions):
        for _, row in positions.iterrows():
            client[row["kpi"]] = row["client_value"]  # already in its band's unit
    compared, other, missing = [], [], []
    for _, row in bands.iterrows():
        unit = readable_unit(row["unit"])
        if not _has_band(row):
            missing.append(f"{row['label']} ({unit})" if row["compared"] else
                           f"{row['label']}, other definition ({unit})")
            continue
        quartiles = row.get("basis") == "quartiles"
        targets_only = pd.isna(row.get("median")) and pd.isna(row.get("low"))
        if quartiles:
            band, low, high = "p25 / median / p75", row["p25"], row["p75"]
        elif targets_only:
            band, low, high = "target range", row["target_low"], row["target_high"]
        else:
            band, low, high = "low / median / high of sources", row["low"], row["high"]
        common = {"KPI": row["label"], "Unit": unit, "Scope": _scope(row),
                  "Sources": int(row["n_sources"]), "Years": _years(row),
                  "Evidence": row.get("evidence") or ""}
        key = row["client_kpi"]
        if row["compared"]:
            compared.append({
                **common, "What it measures": kpi_definition(key).definition,
                # a reference KPI says in words why no client value stands beside its band
                "Client": (REFERENCE_KPIS[key].not_measured if key in REFERENCE_KPIS
                           else client.get(key)), "Band": band,
                "Low / p25": low, "Median": row.get("median"), "High / p75": high,
                "Best performer": row.get("best_performer"),
            })
        else:
            other.append({
                **common, "Median": row.get("median"), "Low": low, "High": high,
                "Why not compared": f"defined as {readable_series(row['series'])}, not as the "
                                    f"{'reference' if key in REFERENCE_KPIS else 'client'}"
                                    f"'s {row['label']}: {kpi_definition(key).definition}",
            })
    order = ["KPI", "What it measures", "Unit", "Client", "Band", "Low / p25", "Median",
             "High / p75", "Best performer", "Scope", "Sources", "Years", "Evidence"]
    other_order = ["KPI", "Unit", "Median", "Low", "High", "Scope", "Sources", "Years",
                   "Evidence", "Why not compared"]
    named = {str(m).split(" (")[0].split(",")[0] for m in missing}
    named |= {str(c["KPI"]) for c in compared}
    for _, row in positions.iterrows() if len(positions) else []:
        if row.get("verdict") == "no benchmark" and str(row["label"]) not in named:
            missing.append(str(row["label"]))
    return BenchmarkTables(pd.DataFrame(compared, columns=order),
                           pd.DataFrame(other, columns=other_order), missing)
