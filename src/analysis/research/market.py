"""Market sizing: growth arithmetic, triangulation across sources, consensus and scenarios.

Every function takes and returns DataFrames without mutating its input. Estimates are rows of
``market_estimates.csv`` joined to ``sources.csv`` (see :func:`with_sources`), so each figure
keeps its ``source_id``, publisher, reliability tier and URL all the way into the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.data.provenance import TIER_ORDER, evidence_key, join_ids, join_years

# TIER_ORDER (provenance): reliability tiers, best first; min_reliability="relayed" keeps
# primary and relayed sources.

#: Units a market size can be stated in, and the factor that converts each to USD billion.
USD_BILLION_FACTORS: dict[str, float] = {
    "usd_trillion": 1000.0, "usd_billion": 1.0, "usd_100_million": 0.1, "usd_million": 0.001,
}  # fmt: skip


SIZE_METRICS: tuple[str, ...] = ("market_size", "industry_revenue")

SOURCE_COLUMNS: tuple[str, ...] = ("publisher", "title", "url", "reliability_tier")


def cagr(start_value: float, end_value: float, years: float) -> float:
    """Compound annual growth rate in percent between two values ``years`` apart.

    Raises ``ValueError`` for a zero or negative period or non-positive values: a CAGR is
    undefined there, and a silent NaN would flow into a client figure.
    """
    if years <= 0:
        raise ValueError(f"CAGR needs a positive number of years, got {years}")
    if start_value <= 0 or end_value <= 0:
        raise ValueError(
            f"CAGR needs positive values, got start={start_value} and end={end_value}"
        )
    return ((end_value / start_value) ** (1.0 / years) - 1.0) * 100.0


def grow(value: float, rate_pct: float, years: float) -> float:
    """``value`` compounded at ``rate_pct`` % a year for ``years`` (negative years discount)."""
    return value * (1.0 + rate_pct / 100.0) ** years


def interpolate_years(points: pd.Series, years: Iterable[int]) -> pd.Series:
    """Values at ``years`` from stated ``points`` (index = year), log-linear between them.

    Growth is compounding, so interpolating on the log scale keeps a constant CAGR between two
    stated years. Years outside the stated range are NaN: extrapolation is a separate, explicit
    step (:func:`normalise_to_year`) because it needs a growth assumption.
    """
    stated = points.dropna()
    stated = stated[stated > 0].groupby(level=0).median().sort_index()
    wanted = pd.Index(sorted(set(years)), name="year")
    if stated.empty:
        return pd.Series(np.nan, index=wanted, dtype=float)
    xs = stated.index.to_numpy(dtype=float)
    logs = np.log(stated.to_numpy(dtype=float))
    out = np.interp(wanted.to_numpy(dtype=float), xs, logs, left=np.nan, right=np.nan)
    result = pd.Series(np.exp(out), index=wanted, dtype=float)
    # Stated years come back exactly as stated, not through a log round-trip.
    exact = wanted.intersection(stated.index)
    result.loc[exact] = stated.loc[exact].to_numpy(dtype=float)
    return result


def tiers_at_or_above(min_reliability: str) -> list[str]:
    """The tiers kept by a ``min_reliability`` threshold (e.g. ``relayed`` → primary, relayed)."""
    if min_reliability not in TIER_ORDER:
        raise ValueError(
            f"unknown reliability tier {min_reliability!r}; allowed: {', '.join(TIER_ORDER)}"
        )
    return list(TIER_ORDER[: TIER_ORDER.index(min_reliability) + 1])


def with_sources(estimates: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Estimates with their source's publisher, title, URL and reliability tier attached."""
    cols = ["source_id", *[c for c in SOURCE_COLUMNS if c in sources.columns]]
    return estimates.merge(sources[cols], on="source_id", how="left", validate="many_to_one")


def filter_reliability(estimates: pd.DataFrame, min_reliability: str) -> pd.DataFrame:
    """Rows whose source tier is ``min_reliability`` or better."""
    return estimates[estimates["reliability_tier"].isin(tiers_at_or_above(min_reliability))]


def size_estimates(
    estimates: pd.DataFrame,
    geography: str,
    segment: str,
    definition: str | None = None,
    *,
    include_undated: bool = False,
) -> pd.DataFrame:
    """Point market-size figures for one geography × segment, in USD billion.

    Keeps size metrics stated in USD, drops rows superseded by a restatement and ranges without
    a point value, and adds ``value_usd_bn``. ``definition`` narrows to one definition family
    (sizes under different definitions are not comparable). Undated figures are dropped unless
    ``include_undated`` (they cannot enter a by-year consensus, but a reader may see them).
    """
    rows = estimates[
        (estimates["geography"] == geography)
        & (estimates["segment"] == segment)
        & estimates["metric"].isin(SIZE_METRICS)
        & estimates["unit"].isin(USD_BILLION_FACTORS)
        & estimates["value"].notna()
        & (estimates["year"].notna() | include_undated)
    ]
    if "superseded_by" in rows.columns:
        rows = rows[rows["superseded_by"].isna()]
    if definition is not None and "definition" in rows.columns:
        rows = rows[rows["definition"].fillna("") == definition]
    factor = rows["unit"].map(USD_BILLION_FACTORS).astype(float)
    return rows.assign(value_usd_bn=rows["value"].astype(float) * factor)


def _stated_cagr(rows: pd.DataFrame, year: int) -> tuple[float, str] | None:
    """A source's own stated CAGR to carry it to ``year``: the one whose period is nearest."""
    stated = rows.dropna(subset=["cagr_pct"])
    if stated.empty:
        return None
    end = stated["cagr_end_year"].astype("Float64").fillna(stated["year"].astype("Float64"))
    nearest = (end - year).abs().astype(float).idxmin()
    row = stated.loc[nearest]
    period = ""
    if pd.notna(row.get("cagr_start_year")) and pd.notna(row.get("cagr_end_year")):
        period = f"{int(row['cagr_start_year'])}-{int(row['cagr_end_year'])}"
    return float(row["cagr_pct"]), period


def normalise_to_year(
    estimates: pd.DataFrame,
    year: int,
    max_extrapolation_years: int = 3,
) -> pd.DataFrame:
    """Each source's estimate for ``year``, on its own numbers only.

    Per source (``value_usd_bn`` rows from :func:`size_estimates`): the stated figure for that
    year; else log-linear interpolation between its own stated years; else its nearest stated
    figure carried forward or back with its own stated CAGR, at most ``max_extrapolation_years``
    away (an old figure grown for a decade would be a forecast of ours, not the source's); else
    the CAGR implied by its own two nearest figures. Sources that can't reach ``year`` are left
    out and listed with the reason in the ``method`` column as ``excluded: …``.
    """
    records = []
    # Rows that are not independent (one evidence group) are one source here.
    for group, rows in estimates.groupby(evidence_key(estimates), sort=True):
        points = rows.groupby(rows["year"].astype(int))["value_usd_bn"].median()
        record = {"source_id": join_ids(rows["source_id"]), "evidence_group": group,
                  "year": year}
        for col in SOURCE_COLUMNS:
            if col in rows.columns:
                record[col] = rows[col].iloc[0]
        if "definition" in rows.columns:
            record["definition"] = rows["definition"].iloc[0]
        value, method, from_year, rate = _normalise_source(
            rows, points, year, max_extrapolation_years
        )
        record.update(value_usd_bn=value, method=method, from_year=from_year, cagr_used=rate)
        records.append(record)
    columns = ["source_id", "evidence_group", "year", *SOURCE_COLUMNS, "definition",
               "value_usd_bn", "method", "from_year", "cagr_used"]
    return pd.DataFrame.from_records(records, columns=columns)


def _normalise_source(
    rows: pd.DataFrame, points: pd.Series, year: int, max_gap: int
) -> tuple[float, str, int | None, float | None]:
    if year in points.index:
        return float(points[year]), "stated", year, None
    inside = interpolate_years(points, [year]).iloc[0]
    if not math.isnan(inside):
        return float(inside), "interpolated", None, None
    nearest = int(points.index[np.argmin(np.abs(points.index.to_numpy() - year))])
    gap = year - nearest
    if abs(gap) > max_gap:
        return math.nan, f"excluded: nearest figure {nearest} is {abs(gap)} years away", None, None
    stated = _stated_cagr(rows, year)
    if stated is not None:
        rate, period = stated
        label = f"extrapolated with stated CAGR {period}".rstrip()
        return grow(float(points[nearest]), rate, gap), label, nearest, rate
    if len(points) >= 2:
        ordered = points.sort_index()
        rate = cagr(float(ordered.iloc[0]), float(ordered.iloc[-1]),
                    int(ordered.index[-1]) - int(ordered.index[0]))
        implied = grow(float(points[nearest]), rate, gap)
        return implied, "extrapolated with implied CAGR", nearest, rate
    return math.nan, "excluded: one figure and no stated CAGR", None, None


def consensus_estimate(
    estimates: pd.DataFrame,
    years: Sequence[int],
    min_reliability: str = "relayed",
    max_extrapolation_years: int = 3,
) -> pd.DataFrame:
    """Consensus per year: the median of sources' normalised estimates, with low, high and sources.

    Sources below ``min_reliability`` are excluded before anything is computed. A year no source
    reaches has ``n_sources`` 0 and NaN values rather than a made-up figure.
    """
    kept = filter_reliability(estimates, min_reliability)
    rows = []
    for year in years:
        normalised = normalise_to_year(kept, int(year), max_extrapolation_years)
        usable = normalised.dropna(subset=["value_usd_bn"])
        values = usable["value_usd_bn"]
        rows.append({
            "year": int(year),
            "median_usd_bn": float(values.median()) if len(values) else math.nan,
            "low_usd_bn": float(values.min()) if len(values) else math.nan,
            "high_usd_bn": float(values.max()) if len(values) else math.nan,
            "n_sources": int(len(values)),
            "source_ids": ";".join(sorted(usable["source_id"])),
        })
    return pd.DataFrame(rows)


def stated_cagrs(
    estimates: pd.DataFrame,
    min_reliability: str = "relayed",
    current_from: int | None = None,
) -> pd.DataFrame:
    """One stated CAGR per source and period (its forecast view), best tiers only.

    ``current_from`` keeps only periods that end in or after that year, so a 2005–2009 forecast
    doesn't shape a 2025 scenario.
    """
    kept = filter_reliability(estimates, min_reliability).dropna(subset=["cagr_pct"])
    if current_from is not None:
        end = kept["cagr_end_year"].astype("Float64").fillna(kept["year"].astype("Float64"))
        kept = kept[(end >= current_from).fillna(False).astype(bool)]
    keys = ["source_id", "cagr_pct", "cagr_start_year", "cagr_end_year"]
    extra = [c for c in ("publisher", "reliability_tier", "url") if c in kept.columns]
    return kept[keys + extra].drop_duplicates(subset=keys).reset_index(drop=True)


def scenario_forecast(
    base_value: float,
    base_year: int,
    cagrs_pct: Sequence[float],
    horizon_years: int,
) -> pd.DataFrame:
    """Low / base / high paths from ``base_value``: the lowest, median and highest stated CAGR.

    The fan is as wide as the sources disagree — no more, no less. Raises ``ValueError`` when no
    CAGR is available, because a forecast with no stated growth would be invented.
    """
    rates = pd.Series(list(cagrs_pct), dtype=float).dropna()
    if rates.empty:
        raise ValueError("no stated CAGR to build scenarios from")
    if horizon_years < 0:
        raise ValueError(f"horizon_years must be >= 0, got {horizon_years}")
    scenario_rates = {"low": rates.min(), "base": rates.median(), "high": rates.max()}
    years = range(base_year, base_year + horizon_years + 1)
    rows = [
        {"year": y, **{f"{name}_usd_bn": grow(base_value, r, y - base_year)
                       for name, r in scenario_rates.items()}}
        for y in years
    ]
    frame = pd.DataFrame(rows)
    frame.attrs["cagr_pct"] = {k: float(v) for k, v in scenario_rates.items()}
    return frame


def segment_shares(
    estimates: pd.DataFrame,
    segment_type: str,
    min_reliability: str = "relayed",
    geography_scope: str = "Global",
    since_year: int | None = None,
) -> pd.DataFrame:
    """Shares of the total BPO market by ``segment_type`` (service, region, vertical).

    One row per segment: the median stated share across sources, its low/high, the year(s) and
    the sources behind it. Only percentages of the global BPO market are used: shares of other
    bases (all outsourcing, one country's industry) answer a different question. ``since_year``
    drops older shares (and undated ones), since a mix shifts over a decade.
    """
    rows = filter_reliability(estimates, min_reliability)
    rows = rows[
        (rows["segment_type"] == segment_type)
        & (rows["metric"] == "revenue_share")
        & (rows["unit"] == "percent")
        & rows["value"].notna()
    ]
    if since_year is not None:
        rows = rows[(rows["year"] >= since_year).fillna(False).astype(bool)]
    if "share_of" in rows.columns:
        base = rows["share_of"].fillna("").str.lower()
        rows = rows[base.str.contains("bpo") & ~base.str.contains("outsourcing services")]
    if geography_scope != "Global":
        rows = rows[rows["geography"] == geography_scope]
    grouped = rows.groupby("segment", sort=True)
    out = grouped.agg(
        share_pct=("value", "median"),
        low_pct=("value", "min"),
        high_pct=("value", "max"),
        n_sources=("source_id", "nunique"),
        years=("year", join_years),
        source_ids=("source_id", join_ids),
    ).reset_index()
    return out.sort_values("share_pct", ascending=False, ignore_index=True)


def apply_shares(shares: pd.DataFrame, total_usd_bn: float) -> pd.DataFrame:
    """Shares applied to a consensus total: adds ``implied_usd_bn`` (and low/high) per segment."""
    return shares.assign(
        implied_usd_bn=shares["share_pct"] / 100.0 * total_usd_bn,
        implied_low_usd_bn=shares["low_pct"] / 100.0 * total_usd_bn,
        implied_high_usd_bn=shares["high_pct"] / 100.0 * total_usd_bn,
    )


def segment_growth(
    estimates: pd.DataFrame, segment_type: str, min_reliability: str = "relayed"
) -> pd.DataFrame:
    """Stated CAGRs per segment of ``segment_type``, with their periods and sources."""
    rows = filter_reliability(estimates, min_reliability)
    rows = rows[(rows["segment_type"] == segment_type) & rows["cagr_pct"].notna()]
    cols = ["segment", "geography", "cagr_pct", "cagr_start_year", "cagr_end_year", "source_id"]
    return rows[cols].drop_duplicates().sort_values(["segment", "source_id"], ignore_index=True)


def country_series(
    estimates: pd.DataFrame, metric: str = "industry_revenue", min_reliability: str = "unattributed"
) -> pd.DataFrame:
    """Country industry figures (revenue or headcount) by country and year, restatements applied.

    Where one source states a figure twice for a year, the later restatement wins because the
    superseded row is dropped; the remaining rows keep their segment so IT-BPM totals and BPO-only
    figures are never mixed in one line.
    """
    rows = filter_reliability(estimates, min_reliability)
    rows = rows[
        (rows["segment_type"] == "country_industry")
        & (rows["metric"] == metric)
        & rows["value"].notna()
        & rows["year"].notna()
    ]
    if "superseded_by" in rows.columns:
        rows = rows[rows["superseded_by"].isna()]
    cols = ["geography", "segment", "year", "value", "unit", "is_forecast", "source_id"]
    cols += [c for c in ("publisher", "reliability_tier") if c in rows.columns]
    return rows[cols].sort_values(["geography", "segment", "year"], ignore_index=True)


def latest_figures(
    estimates: pd.DataFrame, segment_type: str, min_reliability: str = "relayed"
) -> pd.DataFrame:
    """Per source × segment × geography: its latest stated size, its furthest forecast and CAGR.

    Used for sub-markets (contact centre, KPO, LPO, healthcare BPO, …), where sources rarely
    overlap enough for a consensus: the table shows each source's own view side by side.
    """
    rows = filter_reliability(estimates, min_reliability)
    rows = rows[(rows["segment_type"] == segment_type)
                & rows["metric"].isin(SIZE_METRICS)
                & rows["unit"].isin(USD_BILLION_FACTORS)
                & rows["value"].notna() & rows["year"].notna()]
    if "superseded_by" in rows.columns:
        rows = rows[rows["superseded_by"].isna()]
    rows = rows.assign(value_usd_bn=rows["value"] * rows["unit"].map(USD_BILLION_FACTORS))
    keys = ["segment", "geography", "source_id"]
    out = []
    for key, group in rows.groupby(keys, sort=True):
        actual = group[~group["is_forecast"].astype(bool)].sort_values("year")
        forecast = group[group["is_forecast"].astype(bool)].sort_values("year")
        latest = actual.iloc[-1] if len(actual) else None
        furthest = forecast.iloc[-1] if len(forecast) else None
        rates = group["cagr_pct"].dropna()
        record = dict(zip(keys, key, strict=True))
        record.update(
            year=int(latest["year"]) if latest is not None else pd.NA,
            value_usd_bn=float(latest["value_usd_bn"]) if latest is not None else math.nan,
            forecast_year=int(furthest["year"]) if furthest is not None else pd.NA,
            forecast_usd_bn=float(furthest["value_usd_bn"]) if furthest is not None else math.nan,
            cagr_pct=float(rates.iloc[0]) if len(rates) else math.nan,
        )
        for col in ("publisher", "reliability_tier", "definition"):
            if col in group.columns:
                record[col] = group[col].iloc[0]
        out.append(record)
    frame = pd.DataFrame(out)
    for col in ("year", "forecast_year"):
        if col in frame.columns:
            frame[col] = frame[col].astype("Int64")
    return frame


def figure_spread(
    points: pd.DataFrame, first_year: int, last_year: int, max_year_gap: int = 3
) -> pd.DataFrame:
    """Every stated figure beside the others: how far each stands from the other sources.

    ``points`` are :func:`size_estimates` rows with sources joined (every tier, undated
    included). For a dated figure, ``others_median_usd_bn`` is the median of the *other*
    evidence groups' figures stated for a year at most ``max_year_gap`` away (each group's own
    figures reduced to their median first, as in the consensus); an undated figure is set
    against the others' figures of ``first_year``–``last_year``. ``vs_others_pct`` is the
    distance from that median, ``implied_growth_pct`` the yearly growth from the same group's
    previous dated figure (a vendor's own two figures can imply a jump no growth rate states).
    """
    rows = points.assign(group=evidence_key(points))
    dated = rows.dropna(subset=["year"])
    out = []
    for _, row in rows.sort_values(["year", "value_usd_bn"], na_position="first").iterrows():
        if pd.notna(row["year"]):
            near = dated[(dated["year"] - int(row["year"])).abs() <= max_year_gap]
        else:
            near = dated[dated["year"].between(first_year, last_year)]
        others = near[near["group"] != row["group"]].groupby("group")["value_usd_bn"].median()
        median = float(others.median()) if len(others) else np.nan
        earlier = (dated[(dated["group"] == row["group"]) & (dated["year"] < row["year"])]
                   if pd.notna(row["year"]) else dated.iloc[0:0])
        growth = np.nan
        if len(earlier):
            prev = earlier.sort_values("year").iloc[-1]
            span = int(row["year"]) - int(prev["year"])
            growth = ((row["value_usd_bn"] / prev["value_usd_bn"]) ** (1 / span) - 1) * 100
        out.append({
            "source_id": row["source_id"], "publisher": row.get("publisher"),
            "reliability_tier": row.get("reliability_tier"), "group": row["group"],
            "year": row["year"],
            "is_forecast": bool(row["is_forecast"]) if pd.notna(row["is_forecast"]) else False,
            "value_usd_bn": float(row["value_usd_bn"]), "others_median_usd_bn": median,
            "others_n": len(others),
            "vs_others_pct": (row["value_usd_bn"] / median - 1) * 100 if median else np.nan,
            "implied_growth_pct": growth,
        })
    frame = pd.DataFrame(out, columns=[
        "source_id", "publisher", "reliability_tier", "group", "year", "is_forecast",
        "value_usd_bn", "others_median_usd_bn", "others_n", "vs_others_pct",
        "implied_growth_pct"])
    frame["year"] = frame["year"].astype("Int64")
    return frame
