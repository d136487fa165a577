"""Benchmark bands from the curated KPI table, and where a client value sits on one.

A band is built per kpi × series × unit × segment (channel, industry, region). Figures from
different ``series`` (ASA queue-inclusive vs ring-only, CSAT top-box vs index, ...) are never
combined. Where sources state quartiles the band is p25 / median / p75; otherwise it is the
consensus: the median across sources (each source's own figures reduced to their median first)
with the lowest and highest stated figure and the number of sources behind it.

A figure not narrowed to one industry or region (``all``, ``unspecified``, ``Global`` or blank)
belongs to one general band whichever of those words its source used. :func:`pick_band` chooses
the band a client is compared with: among the bands matching the client's segment, the most
specific one resting on at least :data:`MIN_BAND_SOURCES` independent sources; where none
does, the best-supported one (most sources, then most specific), which the report flags as thin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.data.provenance import evidence_key
from analysis.errors import ConfigError
from analysis.research.kpis.conventions import Conventions
from analysis.research.kpis.definitions import KPI_DEFINITIONS, Direction

BAND_KEYS = ["kpi", "series", "unit", "direction", "channel", "industry", "region"]
POINT_STATISTICS = ("mean", "median", "typical")
RANGE_STATISTICS = ("range_low", "range_high", "p25", "p75")
UNSPECIFIED = ("all", "unspecified", "global", "")
#: What an unnarrowed industry or region reads as in a band (see :func:`band_keyed`).
GENERAL = "all"
#: Independent sources a band needs before it is preferred over a better-supported one: the
#: evidence standard of issue 16 ("each from at least 3 independent sources"). A band with
#: fewer is used only when no matching band has more, and its evidence phrase says it is thin.
MIN_BAND_SOURCES = 3

_TIME_UNITS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
#: The one time unit a duration series' band is stated in. A figure of that series written in
#: another time unit (a ``min:sec`` handle time curated as seconds, an ASA stated in minutes) is
#: converted into it, so one definition is one band whatever unit its sources wrote.
SERIES_TIME_UNIT = {"aht_handle": "minutes", "aht_talk_only": "minutes",
                    "asa_queue_inclusive": "seconds", "asa_ring_only": "seconds"}


def _family(unit: str) -> str:
    # Curated units qualify percentages ("percent_good_ratings"); the scale is still 0-100.
    return "percent" if unit.startswith("percent") else unit


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert between time units (seconds/minutes/hours/days) or pass a same-unit value."""
    from_unit, to_unit = _family(from_unit), _family(to_unit)
    if from_unit == to_unit:
        return value
    if from_unit in _TIME_UNITS and to_unit in _TIME_UNITS:
        return value * _TIME_UNITS[from_unit] / _TIME_UNITS[to_unit]
    if {from_unit, to_unit} <= {"percent", "fraction"}:
        return value * 100 if from_unit == "fraction" else value / 100
    raise ConfigError(f"cannot convert {from_unit} to {to_unit}")


def band_keyed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its band keys filled (``""`` for missing) and an unnarrowed industry or
    region written :data:`GENERAL`, so that figures not narrowed to a segment form one band,
    and a duration of a series in :data:`SERIES_TIME_UNIT` converted into that series' unit.

    Every function that groups benchmark rows into bands (bands, their evidence, their cited
    sources) keys them with this one function, so they always agree on what a band holds.
    """
    keyed = frame.assign(**{k: frame[k].fillna("").astype(str) for k in BAND_KEYS})
    target = keyed["series"].map(SERIES_TIME_UNIT)
    convert_rows = target.notna() & keyed["unit"].isin(_TIME_UNITS) & (keyed["unit"] != target)
    if convert_rows.any():
        keyed = keyed.copy()
        keyed.loc[convert_rows, "value"] = [
            convert(float(v), u, t) for v, u, t in zip(
                keyed.loc[convert_rows, "value"], keyed.loc[convert_rows, "unit"],
                target[convert_rows], strict=True)]
        keyed.loc[convert_rows, "unit"] = target[convert_rows]
    for column in ("industry", "region"):
        general = keyed[column].str.lower().isin(UNSPECIFIED)
        keyed[column] = keyed[column].where(~general, GENERAL)
    return keyed


def _load_benchmarks() -> pd.DataFrame:
    try:
        from analysis.data import catalog
    except ImportError as exc:
        raise ConfigError("analysis.data.catalog is not available to load kpi_benchmarks") from exc
    return catalog.load("kpi_benchmarks")


def _median_of_source_medians(rows: pd.DataFrame, statistics: tuple[str, ...]) -> float:
    picked = rows[rows["statistic"].isin(statistics)]
    if picked.empty:
        return math.nan
    # rows that are not independent (one evidence group) are one source's figures
    return float(picked.groupby(evidence_key(picked))["value"].median().median())


def _band(rows: pd.DataFrame) -> pd.Series:
    has = set(rows["statistic"])
    quartiles = {"p25", "p75"} <= has
    point_statistics = ("median",) if "median" in has else POINT_STATISTICS
    point = _median_of_source_medians(rows, point_statistics)
    # a source stating only a range or a target is in the band's sources, not in its median
    in_median = rows["statistic"].isin(point_statistics)
    targets = rows.loc[rows["statistic"] == "target", "value"]
    spread = rows.loc[rows["statistic"].isin(POINT_STATISTICS + RANGE_STATISTICS), "value"]
    return pd.Series({
        "basis": "quartiles" if quartiles else "consensus",
        "p25": _median_of_source_medians(rows, ("p25",)) if quartiles else math.nan,
        "median": point,
        "p75": _median_of_source_medians(rows, ("p75",)) if quartiles else math.nan,
        "best_performer": _median_of_source_medians(rows, ("top_quartile",)),
        "low": float(spread.min()) if len(spread) else math.nan,
        "high": float(spread.max()) if len(spread) else math.nan,
        "target_low": float(targets.min()) if len(targets) else math.nan,
        "target_high": float(targets.max()) if len(targets) else math.nan,
        "n_sources": int(evidence_key(rows).nunique()),
        "n_median_sources": int(evidence_key(rows[in_median]).nunique()) if in_median.any()
        else 0,
        "n_figures": len(rows),
        "year_min": rows["year"].min(),
        "year_max": rows["year"].max(),
    })


def benchmark_bands(
    table: pd.DataFrame | None = None,
    kpis: list[str] | None = None,
    channel: str | None = None,
    industry: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """One row per kpi × series × unit × segment: quartiles or consensus, best performer, range.

    ``table`` defaults to the curated ``kpi_benchmarks`` from the catalog. A segment filter keeps
    rows for that value *and* the unnarrowed ones (``all``/``unspecified``/``global``), so
    ``pick_band`` can fall back from the specific segment to the general one.
    """
    frame = _load_benchmarks() if table is None else table
    frame = frame.dropna(subset=["value"])
    for column, wanted in (("kpi", kpis), ("channel", channel), ("industry", industry),
                           ("region", region)):
        if wanted is None:
            continue
        values = wanted if column == "kpi" else [wanted.lower(), *UNSPECIFIED]
        frame = frame[frame[column].fillna("").str.lower().isin(values)]
    keyed = band_keyed(frame)
    if keyed.empty:
        return pd.DataFrame(columns=[*BAND_KEYS, *_band(_EMPTY).index])
    bands = keyed.groupby(BAND_KEYS, sort=True)[list(keyed.columns)].apply(_band)
    return bands.reset_index()


_EMPTY = pd.DataFrame({"statistic": [], "value": [], "source_id": [], "year": []})


def pick_band(bands: pd.DataFrame, kpi: str, series: str | None = None, unit: str | None = None,
              channel: str | None = None, industry: str | None = None,
              region: str | None = None,
              min_sources: int = MIN_BAND_SOURCES) -> pd.Series | None:
    """The band a client value is compared with; ``None`` if no band matches its segment.

    A band matches when each of channel, industry and region is the client's value or
    unnarrowed (``all``/``unspecified``/``global``); with no value asked for, only unnarrowed
    bands match (a figure for one industry or region would mislead). Among matching bands the
    most specific one with at least ``min_sources`` independent sources wins (more sources break
    a tie); when none has that many, the best-supported one wins (more specific breaks a tie).
    """
    rows = bands[bands["kpi"] == kpi]
    if series is not None:
        rows = rows[rows["series"] == series]
    if unit is not None:
        rows = rows[rows["unit"] == unit]
    if rows.empty:
        return None
    score = pd.Series(0, index=rows.index)
    for column, wanted in (("channel", channel), ("industry", industry), ("region", region)):
        values = rows[column].fillna("").str.lower()
        general = values.isin(UNSPECIFIED)
        if wanted:
            exact = values.eq(wanted.lower())
            rows, score = rows[exact | general], (score + exact)[exact | general]
        else:
            rows, score = rows[general], score[general]
    if rows.empty:
        return None
    n = rows["n_sources"].astype(int)
    enough = n >= min_sources
    ranked = rows.assign(_enough=enough, _first=score.where(enough, n),
                         _second=n.where(enough, score))
    ranked = ranked.sort_values(["_enough", "_first", "_second"], ascending=False, kind="stable")
    return ranked.drop(columns=["_enough", "_first", "_second"]).iloc[0]


PositionBand = Literal[
    "best performer", "top quartile", "second quartile", "third quartile", "bottom quartile",
    "better than the published range", "better half of the range", "worse half of the range",
    "worse than the published range", "within target band", "below target band",
    "above target band", "below the best-performer threshold", "no benchmark",
]


@dataclass(frozen=True)
class Position:
    """Where a client value sits on a band, direction-aware. Gaps are client − benchmark."""

    value: float
    band: PositionBand
    quartile: int | None
    """1 = best quartile … 4 = worst; ``None`` for target KPIs or consensus-only bands."""
    gap_to_median: float | None
    gap_to_best: float | None
    better_than_median: bool | None
    label: str


def _fmt(x: float, unit: str) -> str:
    text = f"{x:,.1f}".rstrip("0").rstrip(".")
    if text == "1" and unit in ("seconds", "minutes", "hours", "days"):
        unit = unit[:-1]  # "1 second", not "1 seconds"
    return f"{text}%" if unit == "percent" else f"{text} {unit}".rstrip()


def _fmt_gap(x: float, unit: str) -> str:
    # A difference between two percentages is in percentage points, not percent.
    return _fmt(x, "pp") if unit == "percent" else _fmt(x, unit)


def _num(band: pd.Series | dict, key: str) -> float | None:
    value = band.get(key)
    return None if value is None or pd.isna(value) else float(value)


def position(client_value: float, band: pd.Series | dict | None, direction: Direction,
             name: str = "value", unit: str = "",
             target_band: tuple[float, float] | None = None) -> Position:
    """Place a client value on a band: quartile or band, gaps, and a plain-words label.

    ``client_value`` must be in the band's unit (see ``convert``). For ``target`` KPIs the band
    is ``target_band`` if given (e.g. ``KPI_DEFINITIONS[key].target_band``), else the sources'
    target range, else the published low–high range when sources state a single target.
    """
    if band is None or pd.isna(client_value):
        return Position(client_value, "no benchmark", None, None, None, None,
                        f"{name}: no comparable benchmark")
    unit = unit or str(band.get("unit", ""))
    median, best = _num(band, "median"), _num(band, "best_performer")
    gap_median = None if median is None else client_value - median
    gap_best = None if best is None else client_value - best
    sign = -1.0 if direction == "lower_is_better" else 1.0
    better = None if gap_median is None or direction == "target" else sign * gap_median > 0
    quartile: int | None = None
    if direction == "target":
        low, high = target_band or (_num(band, "target_low"), _num(band, "target_high"))
        if low is None or high is None or low == high:
            low, high = _num(band, "low"), _num(band, "high")
        if low is None or high is None:
            where: PositionBand = "no benchmark"
        elif client_value < low:
            where = "below target band"
        elif client_value > high:
            where = "above target band"
        else:
            where = "within target band"
        label = f"{name} {_fmt(client_value, unit)} is {where}"
        if low is not None and high is not None:
            label += f" ({_fmt(low, unit)}–{_fmt(high, unit)})"
        return Position(client_value, where, None, gap_median, gap_best, None, label)
    # Score so that higher is always better, then read cut points in that order.
    score = sign * client_value
    p25, p75 = _num(band, "p25"), _num(band, "p75")
    if best is not None and score >= sign * best:
        where = "best performer"
    if p25 is not None and p75 is not None and median is not None:
        good, bad = (p25, p75) if direction == "lower_is_better" else (p75, p25)
        cuts = [sign * good, sign * median, sign * bad]
        quartile = 1 + sum(score < c for c in cuts)
        names: list[PositionBand] = ["top quartile", "second quartile", "third quartile",
                                     "bottom quartile"]
        where = names[quartile - 1] if not (best is not None and score >= sign * best) else where
    elif median is not None:
        low, high = _num(band, "low"), _num(band, "high")
        good = low if direction == "lower_is_better" else high
        bad = high if direction == "lower_is_better" else low
        if best is not None and score >= sign * best:
            pass
        elif good is not None and score > sign * good:
            where = "better than the published range"
        elif score >= sign * median:
            where = "better half of the range"
        elif bad is not None and score < sign * bad:
            where = "worse than the published range"
        else:
            where = "worse half of the range"
    elif best is None:
        where = "no benchmark"
    elif score < sign * best:
        where = "below the best-performer threshold"
    parts = [f"{name} {_fmt(client_value, unit)}: {where}"]
    if gap_median is not None and median is not None:
        word = "better" if better else "worse" if gap_median else "level with"
        parts.append(f"{_fmt_gap(abs(gap_median), unit)} {word} than the median "
                     f"({_fmt(median, unit)})")
    if gap_best is not None and best is not None:
        reached = sign * gap_best >= 0
        parts.append(f"{'at or past' if reached else _fmt_gap(abs(gap_best), unit) + ' short of'} "
                     f"the best-performer threshold ({_fmt(best, unit)})")
    return Position(client_value, where, quartile, gap_median, gap_best, better, "; ".join(parts))


def client_positions(
    client: pd.Series,
    bands: pd.DataFrame,
    conventions: Conventions | None = None,
    channel: str | None = None,
    industry: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """Every benchmarked KPI in one client result row, placed on its most specific band.

    ``client`` is one row of ``interaction_kpis``/``ticket_kpis``. Values are converted to the
    band's unit; the table has the label, band, quartile, gaps and a plain-words sentence per
    KPI, plus which series and segment the band came from.
    """
    conv = conventions or Conventions()
    rows = []
    for key, definition in KPI_DEFINITIONS.items():
        if definition.benchmark_kpi is None or key not in client or pd.isna(client[key]):
            continue
        series = (definition.benchmark_series or "").format(sl=f"{conv.sl_threshold_seconds:g}")
        band = pick_band(bands, definition.benchmark_kpi, series or None, channel=channel,
                         industry=industry, region=region)
        value = float(client[key])
        if band is not None:
            value = convert(value, definition.unit, str(band["unit"]))
        unit = _family(str(band["unit"])) if band is not None else definition.unit
        placed = position(value, band, definition.direction, definition.label, unit,
                          target_band=definition.target_band)
        rows.append({
            "kpi": key, "label": definition.label, "client_value": value, "unit": unit,
            "direction": definition.direction, "band": placed.band,
            "quartile": placed.quartile, "gap_to_median": placed.gap_to_median,
            "gap_to_best": placed.gap_to_best, "better_than_median": placed.better_than_median,
            "sentence": placed.label, "series": series or None,
            **{k: (None if band is None else band.get(k)) for k in (
                "channel", "industry", "region", "basis", "p25", "median", "p75",
                "best_performer", "low", "high", "n_sources", "evidence", "source_ids",
                "evidence_groups")},
        })
    return pd.DataFrame(rows)
