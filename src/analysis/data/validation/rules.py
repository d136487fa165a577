"""Cross-row and cross-table rules that Great Expectations has no built-in for.

Each rule is a pure pandas function returning one cell per row: missing when the row is fine,
otherwise a short explanation ("service split of mordor-intelligence 2025 sums to 130.0 %").
The suite asserts those columns with ``ExpectColumnValuesToBeNull``, so a broken rule reports
its rows, row numbers and explanations through the same result structure as every other
expectation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Percent metrics whose rows partition one base: their shares must add up to at most 100 %.
SPLIT_METRICS = ("revenue_share", "country_share")
SHARE_TOLERANCE_PP = 1.0
# Sources round their endpoints; a gap beyond the warning band is worth a look, one beyond the
# critical band means the CAGR or an endpoint is wrong (typo, swapped year, wrong unit).
CAGR_WARNING_PP = 0.5
CAGR_CRITICAL_PP = 5.0

# Plausible magnitude per unit: the largest figure a cited BPO source could state in it. World
# GDP is about USD 110,000 bn, so a "USD bn" market above 10,000 is a wrong unit or a typo (a
# figure in dollars entered as billions); headcounts beyond 100 million people likewise.
PLAUSIBLE_MAXIMUM: dict[str, float] = {
    "usd_billion": 10_000.0,
    "usd_million": 10_000_000.0,
    "million_employees": 100.0,
    "employees": 100_000_000.0,
    "agents": 100_000_000.0,
    "positions": 100_000_000.0,
    "jobs": 100_000_000.0,
    "specialists": 100_000_000.0,
    "percent_yoy": 1_000.0,
}

_SERIES = ["source_id", "metric", "geography", "segment_type", "segment", "definition", "unit"]


def _blank(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(None, index=frame.index, dtype="str")


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Grouping keys with missing cells made explicit (groupby drops NaN keys otherwise)."""
    present = [c for c in columns if c in frame.columns]
    return frame[present].astype("str").fillna("")


def _current(estimates: pd.DataFrame) -> pd.Series:
    """Rows still in force: a restated figure must not be counted twice."""
    if "superseded_by" not in estimates.columns:
        return pd.Series(True, index=estimates.index)
    return estimates["superseded_by"].isna()


def share_split_totals(
    estimates: pd.DataFrame, tolerance_pp: float = SHARE_TOLERANCE_PP
) -> pd.Series:
    """Flag every row of one source's split (same base, year) whose shares exceed 100 %."""
    out = _blank(estimates)
    rows = estimates[
        estimates["metric"].isin(SPLIT_METRICS)
        & (estimates["unit"] == "percent")
        & estimates["value"].notna()
        & _current(estimates)
    ]
    if rows.empty:
        return out
    keys = _keys(rows, ["source_id", "metric", "segment_type", "share_of", "year", "is_forecast"])
    totals = rows["value"].groupby([keys[c] for c in keys.columns]).transform("sum")
    bad = rows[totals > 100.0 + tolerance_pp]
    for row, split, source in zip(bad.index, bad["segment_type"], bad["source_id"], strict=True):
        out.loc[row] = f"{split} split of {source} sums to {totals[row]:.1f} %"
    return out


def _implied_cagr(estimates: pd.DataFrame) -> pd.DataFrame:
    """For each row stating a CAGR, the CAGR implied by the same series' own endpoints."""
    stated = estimates[
        estimates["cagr_pct"].notna()
        & estimates["cagr_start_year"].notna()
        & estimates["cagr_end_year"].notna()
        & (estimates["cagr_end_year"] > estimates["cagr_start_year"])
    ]
    points = estimates[estimates["value"].notna() & estimates["year"].notna() & _current(estimates)]
    if stated.empty or points.empty:
        return pd.DataFrame(columns=["row", "stated_low", "stated_high", "implied"])
    points = _keys(points, _SERIES).assign(year=points["year"], value=points["value"])
    # A series with two figures for one year (a restatement kept in force) has no single endpoint.
    points = points.drop_duplicates(_SERIES + ["year"], keep=False)
    series = [c for c in _SERIES if c in points.columns]
    pairs = _keys(stated, series).assign(
        row=stated.index,
        start=stated["cagr_start_year"],
        end=stated["cagr_end_year"],
        stated_low=stated["cagr_pct"],
        stated_high=stated["cagr_pct_high"].fillna(stated["cagr_pct"])
        if "cagr_pct_high" in stated.columns
        else stated["cagr_pct"],
    )
    start = points.rename(columns={"year": "start", "value": "v_start"})
    end = points.rename(columns={"year": "end", "value": "v_end"})
    pairs = pairs.merge(start, on=series + ["start"]).merge(end, on=series + ["end"])
    pairs = pairs[(pairs["v_start"] > 0) & (pairs["v_end"] > 0)]
    ratio = (pairs["v_end"] / pairs["v_start"]).astype(float)
    years = (pairs["end"] - pairs["start"]).astype(float)
    return pairs.assign(implied=(np.power(ratio, 1.0 / years) - 1.0) * 100.0)


def cagr_gaps(estimates: pd.DataFrame, tolerance_pp: float) -> pd.Series:
    """Flag rows whose stated CAGR differs from their own start/end values by > ``tolerance_pp``."""
    out = _blank(estimates)
    pairs = _implied_cagr(estimates)
    gap = np.maximum(
        pairs["stated_low"] - pairs["implied"], pairs["implied"] - pairs["stated_high"]
    ).astype(float)
    bad = pairs[gap > tolerance_pp]
    for row, low, high, implied, start, end in zip(
        bad["row"], bad["stated_low"], bad["stated_high"], bad["implied"], bad["start"],
        bad["end"], strict=True,
    ):
        stated = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        out.loc[row] = (
            f"stated {stated} % vs {implied:.2f} % implied by its {start:.0f} and {end:.0f} values"
        )
    return out


def forecasts_before_base(estimates: pd.DataFrame) -> pd.Series:
    """Flag forecast rows dated at or before the latest actual figure of the same series."""
    out = _blank(estimates)
    keys = _keys(estimates, _SERIES)
    forecast = estimates["is_forecast"].fillna(False).astype(bool)
    actual_year = estimates["year"].where(~forecast & estimates["year"].notna())
    base = actual_year.groupby([keys[c] for c in keys.columns]).transform("max")
    bad = forecast & estimates["year"].notna() & base.notna() & (estimates["year"] <= base)
    for row in bad[bad].index:
        out.loc[row] = (
            f"forecast for {estimates.at[row, 'year']:.0f} is not after the series' "
            f"latest actual year {base[row]:.0f}"
        )
    return out


def implausible_magnitudes(
    frame: pd.DataFrame, maximum: dict[str, float] | None = None
) -> pd.Series:
    """Flag rows whose value (or range end) exceeds what its unit can plausibly hold."""
    limits = PLAUSIBLE_MAXIMUM if maximum is None else maximum
    out = _blank(frame)
    units = frame["unit"].astype("str").fillna("")
    cap = units.map(limits).astype(float)
    for column in ("value", "value_low", "value_high"):
        if column not in frame.columns:
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.notna() & cap.notna() & (values.abs() > cap) & out.isna()
        for row in bad[bad].index:
            segment = frame.at[row, "segment"] if "segment" in frame.columns else ""
            out.loc[row] = (
                f"{column} {values[row]:,.10g} {units[row]} ({segment}) exceeds the plausible "
                f"maximum {cap[row]:,.0f} {units[row]}: wrong unit or a typo?"
            )
    return out


def unknown_references(values: pd.Series, known: frozenset[str], target: str) -> pd.Series:
    """Flag values (e.g. a ``source_id``) that name no row of the ``target`` table."""
    out = pd.Series(None, index=values.index, dtype="str")
    bad = values.notna() & ~values.isin(known)
    for row in bad[bad].index:
        out.loc[row] = f"{values[row]} (not in {target})"
    return out


def range_statistics_inverted(benchmarks: pd.DataFrame) -> pd.Series:
    """Flag KPI ``range_low``/``range_high`` row pairs where the low end exceeds the high end."""
    out = _blank(benchmarks)
    ends = benchmarks[benchmarks["statistic"].isin(["range_low", "range_high"])]
    group = [
        "source_id", "kpi", "series", "unit", "channel", "industry", "region", "population", "year",
    ]
    keys = _keys(ends, group)
    grouped = ends.assign(_key=keys.agg("|".join, axis=1))
    lows = grouped[grouped["statistic"] == "range_low"].drop_duplicates("_key", keep=False)
    highs = grouped[grouped["statistic"] == "range_high"].drop_duplicates("_key", keep=False)
    pairs = lows[["_key", "value"]].reset_index().merge(
        highs[["_key", "value"]].reset_index(), on="_key", suffixes=("_low", "_high")
    )
    bad = pairs[pairs["value_low"] > pairs["value_high"]]
    for low_row, high_row, low, high in zip(
        bad["row_low"], bad["row_high"], bad["value_low"], bad["value_high"], strict=True
    ):
        note = f"range_low {low:g} > range_high {high:g} (rows {low_row} and {high_row})"
        out.loc[[low_row, high_row]] = note
    return out


def _label_key(label: str) -> str:
    """What two spellings of one label share: case and runs of spaces do not count."""
    return " ".join(label.split()).casefold()


def label_variants(frame: pd.DataFrame, column: str) -> pd.Series:
    """Flag rows whose ``column`` label differs from another label of the column only by case
    or spaces (``'Healthcare '`` beside ``'healthcare'``).

    A report groups by the label as written, so two spellings split one group's evidence in
    two (P5-U01). The spelling most rows use is taken as the label (ties: the trimmed one, then
    the first in sort order); every other spelling is flagged, naming the one it collides with.
    """
    out = _blank(frame)
    if column not in frame.columns:
        return out
    written = frame[column].dropna()
    written = written[written.map(lambda value: isinstance(value, str))]
    if written.empty:
        return out
    keys = written.map(_label_key)
    counts = pd.DataFrame({"key": keys, "label": written}).value_counts()
    for _key, group in counts.groupby(level="key"):
        if len(group) < 2:
            continue
        spellings = sorted(group.items(), key=lambda item: (
            -item[1], item[0][1] != " ".join(item[0][1].split()), item[0][1]))
        label, rows = spellings[0][0][1], spellings[0][1]
        for (_, variant), _count in spellings[1:]:
            out.loc[written.index[written == variant]] = (
                f"{variant!r} is the label {label!r} ({rows} row(s)) written with other case "
                "or spaces: one label, one spelling")
    return out
