"""Sourcing models: onshore, nearshore, offshore and multi-shore compared from location data.

Every cost is brought to **USD per hour** before countries are compared:

* hourly figures in USD are used as stated;
* monthly and annual pay is divided by the paid hours of :class:`HoursBasis` (default 40 h a
  week × 52 weeks = 2,080 h a year, 173.3 h a month: a stated convention, not a sourced figure);
* local-currency pay is converted only with a cited rate, in this order: a rate pair a source
  itself states (``data/raw/fx_rates.csv``: the same amount given in local currency and USD),
  from the same source or the same year (± ``fx_max_year_gap``); else the cited official
  annual-average rate (``data/raw/exchange_rates.csv``, usable rows only) of the figure's year or
  the nearest year within ``official_max_year_gap`` years (the earlier year on a tie). An undated
  figure gets no official rate (there is no year to match). Otherwise the row stays in the table
  with no USD value and the reason, so missing data is shown as missing. Each converted figure
  records which conversion it used (``fx_method``), the rate's year and its source ids.

A country's figure is the median of its rows' midpoints (a range counts as its midpoint), with
the lowest and highest stated value as the spread. Shore is relative to the home country: the
home country is *onshore*, a country whose standard-time offset is within
``nearshore_max_hours`` of the home country's is *nearshore*, any other is *offshore*.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.data.provenance import join_ids, join_years
from analysis.errors import ConfigError

BILLING_METRICS = ("hourly_billing_rate",)
# What an agent hour costs the employer all in (wage, benefits, overheads): not a price, not a wage.
LOADED_METRICS = (
    "hourly_cost_fully_loaded", "hourly_cost_all_in", "agent_cost_monthly_fully_loaded",
    "monthly_cost_per_agent_fully_burdened",
)  # fmt: skip
WAGE_METRICS = (
    "agent_base_wage_hourly", "agent_wage_hourly", "agent_salary_monthly",
    "agent_base_salary_monthly", "agent_salary_annual",
)  # fmt: skip
# Each kind of USD hourly figure in the sourcing table, in the order a reader prefers them.
COST_KINDS: dict[str, tuple[str, ...]] = {
    "billing": BILLING_METRICS, "loaded": LOADED_METRICS, "wage": WAGE_METRICS}
TIMEZONE_METRIC = "timezone_offset_vs_us_eastern"
SOURCE_PAIR, OFFICIAL_AVERAGE = "source-stated pair", "official annual average"
ONSHORE, NEARSHORE, OFFSHORE, UNCLASSIFIED = "onshore", "nearshore", "offshore", "unclassified"
SHORES = (ONSHORE, NEARSHORE, OFFSHORE, UNCLASSIFIED)


@dataclass(frozen=True)
class HoursBasis:
    """Paid hours used to turn monthly/annual pay into an hourly figure (a stated convention)."""

    hours_per_week: float = 40.0
    weeks_per_year: float = 52.0
    days_per_week: float = 5.0

    @property
    def hours_per_year(self) -> float:
        return self.hours_per_week * self.weeks_per_year

    @property
    def hours_per_month(self) -> float:
        return self.hours_per_year / 12.0

    @property
    def hours_per_day(self) -> float:
        return self.hours_per_week / self.days_per_week

    def hours_per(self, pay_period: str) -> float:
        """Paid hours in one ``pay_period`` (hour, day, month, year)."""
        table = {"hour": 1.0, "day": self.hours_per_day, "month": self.hours_per_month,
                 "year": self.hours_per_year}
        if pay_period not in table:
            raise ConfigError(f"unknown pay period {pay_period!r}; known: {', '.join(table)}")
        return table[pay_period]

    def describe(self) -> str:
        return (f"{self.hours_per_week:g} paid hours a week × {self.weeks_per_year:g} weeks = "
                f"{self.hours_per_year:,.0f} h a year ({self.hours_per_month:.1f} h a month)")


def midpoint(frame: pd.DataFrame) -> pd.Series:
    """The stated point figure, else the middle of the stated range (NaN when neither)."""
    middle = (frame["value_low"] + frame["value_high"]) / 2.0
    return frame["value"].where(frame["value"].notna(), middle).astype(float)


def fx_table(fx_rates: pd.DataFrame) -> pd.DataFrame:
    """The stated FX pairs with ``local_per_usd`` = local amount / USD amount."""
    return fx_rates.assign(local_per_usd=fx_rates["local_amount"] / fx_rates["usd_amount"])


def official_rates(exchange_rates: pd.DataFrame | None) -> pd.DataFrame:
    """Usable official annual averages with ``local_per_usd`` (a USD-per-unit quote inverted)."""
    cols = ["rate_id", "source_id", "currency", "year", "local_per_usd"]
    if exchange_rates is None or exchange_rates.empty:
        return pd.DataFrame(columns=cols)
    usable = exchange_rates[exchange_rates["usable"].fillna(False).astype(bool)
                            & (exchange_rates["basis"] == "annual_average")
                            & exchange_rates["year"].notna()]
    unknown = set(usable["quote"]) - {"local_per_usd", "usd_per_local"}
    if unknown:
        raise ConfigError(f"exchange_rates.csv: unknown quote {sorted(unknown)!r}; known: "
                          "local_per_usd, usd_per_local")
    rate = usable["rate"].astype(float)
    local = rate.where(usable["quote"] == "local_per_usd", 1.0 / rate)
    return usable.assign(local_per_usd=local)[cols]


@dataclass(frozen=True)
class _Rate:
    local_per_usd: float = np.nan
    source_ids: str = ""
    method: str = ""
    rate_year: float = np.nan
    rate_ids: str = ""


def _fx_for(row: pd.Series, fx: pd.DataFrame, max_year_gap: int) -> _Rate:
    """The source-stated rate for one local-currency row: same source first, else same year."""
    same = fx[fx["currency"] == row["currency"]]
    own = same[same["source_id"] == row["source_id"]]
    if len(own):
        return _Rate(float(own["local_per_usd"].median()), ";".join(own["source_id"]),
                     SOURCE_PAIR, float(own["year"].max()) if own["year"].notna().any()
                     else np.nan)
    if pd.isna(row["year"]):
        return _Rate()
    dated = same.dropna(subset=["year"])
    near = dated[(dated["year"] - int(row["year"])).abs() <= max_year_gap]
    if near.empty:
        return _Rate()
    return _Rate(float(near["local_per_usd"].median()), ";".join(sorted(near["source_id"])),
                 SOURCE_PAIR, float(near["year"].max()))


def _official_for(row: pd.Series, official: pd.DataFrame, max_year_gap: int) -> _Rate:
    """The official annual average of the row's year, else the nearest within the gap."""
    if pd.isna(row["year"]) or official.empty:
        return _Rate()
    same = official[official["currency"] == row["currency"]]
    gap = (same["year"].astype(int) - int(row["year"])).abs()
    near = same.assign(gap=gap)[gap <= max_year_gap]
    if near.empty:
        return _Rate()
    best = near.sort_values(["gap", "year"]).iloc[0]
    return _Rate(float(best["local_per_usd"]), str(best["source_id"]), OFFICIAL_AVERAGE,
                 float(best["year"]), str(best["rate_id"]))


def normalise_pay(
    rows: pd.DataFrame,
    fx_rates: pd.DataFrame,
    hours: HoursBasis | None = None,
    fx_max_year_gap: int = 0,
    *,
    exchange_rates: pd.DataFrame | None = None,
    official_max_year_gap: int = 0,
) -> pd.DataFrame:
    """Pay or price rows with ``usd_hour`` (and ``_low``/``_high``) and how each was reached.

    Adds ``fx_local_per_usd``, ``fx_method`` (source-stated pair or official annual average),
    ``fx_rate_year``, ``fx_year_gap`` (figure year − rate year: how much older the rate is),
    ``fx_source_ids``, ``fx_rate_ids`` (official rate ids), ``normalisation`` (text) and
    ``missing_reason`` (why a row has no USD value). A local-currency row whose source also
    states the same figure in USD is marked ``duplicate_of`` that USD row and left out of
    aggregates, so one figure is never counted twice. Without ``exchange_rates`` only
    source-stated pairs convert.
    """
    basis = hours or HoursBasis()
    fx = fx_table(fx_rates)
    official = official_rates(exchange_rates)
    twins = fx.dropna(subset=["local_location_id", "usd_location_id"])
    duplicate_of = dict(zip(twins["local_location_id"], twins["usd_location_id"], strict=True))
    records = []
    for _, row in rows.iterrows():
        period = row["pay_period"]
        currency = row["currency"]
        rate, reason, how = _Rate(local_per_usd=1.0), "", ""
        if pd.isna(period):
            reason = "pay period not stated"
        elif currency != "USD":
            rate = _fx_for(row, fx, fx_max_year_gap)
            if np.isnan(rate.local_per_usd):
                rate = _official_for(row, official, official_max_year_gap)
            if np.isnan(rate.local_per_usd):
                when = "an undated figure" if pd.isna(row["year"]) else int(row["year"])
                reason = (f"no sourced {currency}/USD rate for this source or year"
                          + ("" if exchange_rates is None else
                             f", and no usable official annual average within "
                             f"{official_max_year_gap} year(s) of {when}"))
        if not reason:
            per_hour = basis.hours_per(period)
            how = "as stated" if period == "hour" else f"÷ {per_hour:,.1f} h per {period}"
            if currency != "USD":
                how += f"; ÷ {rate.local_per_usd:,.2f} {currency} per USD ({rate.method}"
                how += f" {rate.rate_year:.0f})" if pd.notna(rate.rate_year) else ", undated)"
        factor = (1.0 / (rate.local_per_usd * basis.hours_per(period)) if not reason
                  else np.nan)
        local = currency != "USD"
        records.append({
            "usd_hour": row["mid"] * factor, "usd_hour_low": row["value_low"] * factor,
            "usd_hour_high": row["value_high"] * factor,
            "fx_local_per_usd": rate.local_per_usd if local else np.nan,
            "fx_method": rate.method if local and not reason else pd.NA,
            "fx_rate_year": rate.rate_year if local and not reason else np.nan,
            "fx_year_gap": (row["year"] - rate.rate_year
                            if local and not reason and pd.notna(row["year"]) else np.nan),
            "fx_source_ids": rate.source_ids if local else "",
            "fx_rate_ids": rate.rate_ids if local else "",
            "normalisation": how or pd.NA,
            "missing_reason": reason or pd.NA,
            "duplicate_of": duplicate_of.get(row["location_id"], pd.NA),
        })
    extra = pd.DataFrame(records, index=rows.index,
                         columns=["usd_hour", "usd_hour_low", "usd_hour_high", "fx_local_per_usd",
                                  "fx_method", "fx_rate_year", "fx_year_gap", "fx_source_ids",
                                  "fx_rate_ids", "normalisation", "missing_reason",
                                  "duplicate_of"])
    out = pd.concat([rows, extra], axis=1)
    for col in ("fx_method", "fx_source_ids", "fx_rate_ids", "normalisation", "missing_reason",
                "duplicate_of"):
        out[col] = out[col].astype("str")
    for col in ("usd_hour", "usd_hour_low", "usd_hour_high", "fx_local_per_usd"):
        out[col] = out[col].astype(float)
    for col in ("fx_rate_year", "fx_year_gap"):
        out[col] = pd.array(out[col].astype(float).round(), dtype="Int64")
    return out


def cost_rows(
    location_costs: pd.DataFrame,
    metrics: Iterable[str],
    fx_rates: pd.DataFrame,
    *,
    min_year: int | None = 2020,
    include_undated: bool = False,
    hours: HoursBasis | None = None,
    fx_max_year_gap: int = 0,
    exchange_rates: pd.DataFrame | None = None,
    official_max_year_gap: int = 0,
) -> pd.DataFrame:
    """Country rows of the given pay/price metrics, recent enough, normalised to USD per hour."""
    rows = location_costs[location_costs["metric"].isin(list(metrics))
                          & (location_costs["country"] != "ALL")]
    if min_year is not None:
        recent = rows["year"].fillna(-1) >= min_year
        rows = rows[recent | (rows["year"].isna() & include_undated)]
    rows = rows.assign(mid=midpoint(rows))
    return normalise_pay(rows, fx_rates, hours, fx_max_year_gap, exchange_rates=exchange_rates,
                         official_max_year_gap=official_max_year_gap)


def priced_rows(
    location_costs: pd.DataFrame, fx_rates: pd.DataFrame, **kwargs: object
) -> pd.DataFrame:
    """Every billing-rate, loaded-cost and wage row normalised, with its ``kind`` (for tables).

    ``kwargs`` are those of :func:`cost_rows`; this is the one place the three kinds are read.
    """
    parts = [cost_rows(location_costs, metrics, fx_rates, **kwargs).assign(kind=kind)
             for kind, metrics in COST_KINDS.items()]
    out = pd.concat(parts, ignore_index=True)
    out["kind"] = out["kind"].astype("str")
    return out


def rows_behind(rows: pd.DataFrame, countries: Iterable[str], kind: str) -> pd.DataFrame:
    """The :func:`priced_rows` behind the ``kind`` figure of ``countries`` (as aggregated)."""
    return rows[rows["country"].isin(list(countries)) & (rows["kind"] == kind)
                & rows["usd_hour"].notna() & rows["duplicate_of"].isna()]


def conversion_counts(rows: pd.DataFrame) -> dict[str, int]:
    """How the local-currency figures of :func:`priced_rows` were converted (or not)."""
    local = rows[(rows["currency"] != "USD") & rows["duplicate_of"].isna()]
    return {
        "local": len(local),
        "source_pair": int((local["fx_method"] == SOURCE_PAIR).sum()),
        "official": int((local["fx_method"] == OFFICIAL_AVERAGE).sum()),
        "not_converted": int(local["usd_hour"].isna().sum()),
    }


def by_country(rows: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Median USD/hour per country with the low–high spread, years and sources behind it.

    ``<prefix>_fx`` names the conversions used for the country's local-currency figures (blank
    when every figure was stated in USD).
    """
    usable = rows[rows["usd_hour"].notna() & rows["duplicate_of"].isna()]
    if usable.empty:
        return pd.DataFrame(columns=["country"])
    grouped = usable.groupby("country", sort=True)
    out = grouped.agg(
        median=("usd_hour", "median"),
        low=("usd_hour_low", "min"),
        high=("usd_hour_high", "max"),
        point_low=("usd_hour", "min"),
        point_high=("usd_hour", "max"),
        n=("location_id", "count"),
        years=("year", join_years),
        source_ids=("source_id", join_ids),
        fx=("fx_method", join_ids),
    ).reset_index()
    # The spread runs from the lowest stated value (range end or point) to the highest.
    out["low"] = out[["low", "point_low"]].min(axis=1)
    out["high"] = out[["high", "point_high"]].max(axis=1)
    out = out.drop(columns=["point_low", "point_high"])
    return out.rename(columns={c: f"{prefix}_{c}" for c in out.columns if c != "country"})


def latest_indicator(
    location_costs: pd.DataFrame, metric: str, units: Iterable[str] | None = None
) -> pd.DataFrame:
    """Per country, the latest dated figure of ``metric`` (undated only if none is dated).

    Several rows in that year give their median; ``low``/``high`` keep a stated range or band.
    """
    rows = location_costs[(location_costs["metric"] == metric)
                          & (location_costs["country"] != "ALL")]
    if units is not None:
        rows = rows[rows["unit"].isin(list(units))]
    rows = rows.assign(mid=midpoint(rows))
    rows = rows[rows["mid"].notna()]
    out = []
    for country, group in rows.groupby("country", sort=True):
        dated = group.dropna(subset=["year"])
        latest = dated[dated["year"] == dated["year"].max()] if len(dated) else group
        out.append({
            "country": country, "value": float(latest["mid"].median()),
            "low": float(latest["value_low"].min()), "high": float(latest["value_high"].max()),
            "year": latest["year"].max(), "role": ";".join(latest["role"].dropna().unique()),
            "source_ids": ";".join(sorted(latest["source_id"].unique())),
        })
    frame = pd.DataFrame(out, columns=["country", "value", "low", "high", "year", "role",
                                       "source_ids"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


def timezone_offsets(location_costs: pd.DataFrame) -> pd.DataFrame:
    """Standard-time offset from US Eastern per country.

    Prefers the one consistent series (rows whose role is the capital city, all stated against
    US standard time); countries without it get the median of their other rows.
    """
    rows = location_costs[location_costs["metric"] == TIMEZONE_METRIC]
    rows = rows.assign(mid=midpoint(rows))
    capital = rows["role"].fillna("").str.contains("capital city")
    out = []
    for country, group in rows.groupby("country", sort=True):
        chosen = group[capital.loc[group.index]] if capital.loc[group.index].any() else group
        out.append({"country": country, "utc_offset_vs_us_eastern": float(chosen["mid"].median()),
                    "tz_source_ids": ";".join(sorted(chosen["source_id"].unique()))})
    return pd.DataFrame(out, columns=["country", "utc_offset_vs_us_eastern", "tz_source_ids"])


def classify_shore(
    offsets: pd.DataFrame, home_country: str, nearshore_max_hours: float = 3.0
) -> pd.DataFrame:
    """Adds ``offset_vs_home`` (hours ahead of home) and ``shore`` to a timezone table."""
    home = offsets.loc[offsets["country"] == home_country, "utc_offset_vs_us_eastern"]
    if home.empty:
        raise ConfigError(
            f"home country {home_country!r} has no time-zone offset in location_costs; "
            f"countries with one: {', '.join(offsets['country'])}"
        )
    delta = offsets["utc_offset_vs_us_eastern"] - float(home.iloc[0])
    shore = np.where(offsets["country"] == home_country, ONSHORE,
                     np.where(delta.abs() <= nearshore_max_hours, NEARSHORE, OFFSHORE))
    shore = pd.Series(shore, index=offsets.index).where(delta.notna(), UNCLASSIFIED)
    return offsets.assign(offset_vs_home=delta, shore=shore.astype("str"))


def _shift_intervals(start: float, end: float, delta: float) -> list[tuple[float, float]]:
    """A local working window expressed on the home clock, split where it crosses midnight."""
    a, b = (start - delta) % 24.0, (end - delta) % 24.0
    length = (end - start) % 24.0 or (24.0 if end != start else 0.0)
    if length >= 24.0:
        return [(0.0, 24.0)]
    return [(a, b)] if a < b else [(a, 24.0), (0.0, b)]


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, current_end = 0.0, -1.0
    for start, end in sorted(intervals):
        if start > current_end:
            total += end - start
            current_end = end
        elif end > current_end:
            total += end - current_end
            current_end = end
    return total


def overlap_hours(
    offset_vs_home: float,
    client_hours: tuple[float, float] = (9.0, 17.0),
    local_hours: tuple[float, float] = (9.0, 17.0),
) -> float:
    """Hours a day a location working ``local_hours`` shares with the client's business hours."""
    if pd.isna(offset_vs_home):
        return np.nan
    client = _shift_intervals(*client_hours, 0.0)
    local = _shift_intervals(*local_hours, float(offset_vs_home))
    total = 0.0
    for c0, c1 in client:
        for l0, l1 in local:
            total += max(0.0, min(c1, l1) - max(c0, l0))
    return total


def coverage_hours(
    offsets_vs_home: Iterable[float], local_hours: tuple[float, float] = (9.0, 17.0)
) -> float:
    """Hours of the home-clock day covered by at least one location working ``local_hours``."""
    intervals = []
    for delta in offsets_vs_home:
        if pd.notna(delta):
            intervals += _shift_intervals(*local_hours, float(delta))
    return _union_length(intervals)


def location_comparison(
    location_costs: pd.DataFrame,
    fx_rates: pd.DataFrame,
    home_country: str,
    *,
    min_year: int = 2020,
    include_undated: bool = False,
    hours: HoursBasis | None = None,
    fx_max_year_gap: int = 0,
    exchange_rates: pd.DataFrame | None = None,
    official_max_year_gap: int = 0,
    nearshore_max_hours: float = 3.0,
    client_hours: tuple[float, float] = (9.0, 17.0),
    local_hours: tuple[float, float] = (9.0, 17.0),
) -> pd.DataFrame:
    """One row per country: shore, USD/hour price, loaded cost and wage, savings, indicators.

    Savings compare like with like: a location's billing rate with the home country's billing
    rate, its wage with the home wage (``1 - location / home``, in %). Blank = no data.
    ``usd_hourly`` says whether the country has any USD hourly figure (billing, loaded, wage).
    """
    rows = priced_rows(location_costs, fx_rates, min_year=min_year,
                       include_undated=include_undated, hours=hours,
                       fx_max_year_gap=fx_max_year_gap, exchange_rates=exchange_rates,
                       official_max_year_gap=official_max_year_gap)
    zones = classify_shore(timezone_offsets(location_costs), home_country, nearshore_max_hours)
    countries = sorted(set(location_costs["country"]) - {"ALL"})
    frame = pd.DataFrame({"country": countries})
    frame = frame.merge(zones, on="country", how="left")
    frame["shore"] = frame["shore"].fillna(UNCLASSIFIED)
    for kind in COST_KINDS:
        frame = frame.merge(by_country(rows[rows["kind"] == kind], kind), on="country",
                            how="left")
        if f"{kind}_median" not in frame.columns:
            frame[f"{kind}_median"] = np.nan
    frame["usd_hourly"] = frame[[f"{kind}_median" for kind in COST_KINDS]].notna().any(axis=1)
    indicators = {
        "attrition": ("agent_attrition_annual", None),
        "epi": ("ef_epi_score", ["ef_epi_score_800"]),
        "headcount": ("bpo_headcount", None),
        "gsli_rank": ("kearney_gsli_rank", None),
    }
    for prefix, (metric, units) in indicators.items():
        latest = latest_indicator(location_costs, metric, units)
        latest = latest.rename(columns={c: f"{prefix}_{c}" for c in latest.columns
                                        if c != "country"})
        frame = frame.merge(latest, on="country", how="left")
    frame["overlap_hours"] = [overlap_hours(d, client_hours, local_hours)
                              for d in frame["offset_vs_home"]]
    home = frame.set_index("country").loc[home_country] if home_country in set(
        frame["country"]) else None
    for kind in COST_KINDS:
        base = home[f"{kind}_median"] if home is not None else np.nan
        frame[f"{kind}_savings_pct"] = (1.0 - frame[f"{kind}_median"] / base) * 100.0
    order = {shore: i for i, shore in enumerate(SHORES)}
    frame = frame.sort_values(["shore", "billing_median"], key=lambda s: s.map(order)
                              if s.name == "shore" else s, na_position="last", ignore_index=True)
    frame.attrs["home_country"] = home_country
    return frame


def shore_summary(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per shore model: countries, median price and wage, savings, attrition and overlap."""
    grouped = comparison.groupby("shore", sort=False)
    out = grouped.agg(
        countries=("country", "count"),
        with_billing_rate=("billing_median", "count"),
        billing_median=("billing_median", "median"),
        loaded_median=("loaded_median", "median"),
        wage_median=("wage_median", "median"),
        billing_savings_pct=("billing_savings_pct", "median"),
        wage_savings_pct=("wage_savings_pct", "median"),
        attrition_value=("attrition_value", "median"),
        overlap_hours=("overlap_hours", "median"),
    ).reset_index()
    order = {shore: i for i, shore in enumerate(SHORES)}
    return out.sort_values("shore", key=lambda s: s.map(order), ignore_index=True)


def blend(
    comparison: pd.DataFrame,
    shares: Mapping[str, float],
    local_hours: tuple[float, float] = (9.0, 17.0),
    rate_column: str = "billing_median",
) -> dict[str, float | str]:
    """A multi-shore split: blended USD/hour, shores used and hours of the day covered.

    ``shares`` maps country → share of the workload and must sum to 1; every country needs a
    rate (a blend with a missing rate would be a silent fill).
    """
    total = sum(shares.values())
    if not shares or abs(total - 1.0) > 1e-9 or any(v < 0 for v in shares.values()):
        raise ConfigError(f"multi-shore shares must be >= 0 and sum to 1, got {dict(shares)}")
    table = comparison.set_index("country")
    unknown = [c for c in shares if c not in table.index]
    if unknown:
        raise ConfigError(f"no location data for {', '.join(unknown)}")
    missing = [c for c in shares if pd.isna(table.loc[c, rate_column])]
    if missing:
        raise ConfigError(f"no {rate_column} for {', '.join(missing)}: pick other locations")
    rate = sum(share * float(table.loc[c, rate_column]) for c, share in shares.items())
    used = [c for c, share in shares.items() if share > 0]
    return {
        "blended_usd_hour": rate,
        "coverage_hours": coverage_hours(table.loc[used, "offset_vs_home"], local_hours),
        "shores": ", ".join(sorted(set(table.loc[used, "shore"]))),
        "locations": ", ".join(f"{c} {shares[c]:.0%}" for c in used),
    }


def shift_table(
    comparison: pd.DataFrame, locations: Iterable[str],
    local_hours: tuple[float, float] = (9.0, 17.0),
) -> pd.DataFrame:
    """Each location's working window on the client's clock, one row per interval (for charts)."""
    table = comparison.set_index("country")
    rows = []
    for location in locations:
        delta = table.loc[location, "offset_vs_home"]
        if pd.isna(delta):
            continue
        for start, end in _shift_intervals(*local_hours, float(delta)):
            rows.append({"location": location, "start": start, "end": end})
    return pd.DataFrame(rows, columns=["location", "start", "end"])


def stated_savings(location_costs: pd.DataFrame) -> pd.DataFrame:
    """Savings and relative-cost figures sources state in general (context for the model)."""
    metrics = ("savings_vs_onshore", "savings_vs_onshore_tco", "relative_cost_index")
    rows = location_costs[location_costs["metric"].isin(metrics)]
    cols = ["metric", "role", "value", "value_low", "value_high", "unit_as_stated", "year",
            "source_id"]
    return rows[cols].sort_values(["metric", "year"], na_position="first", ignore_index=True)
