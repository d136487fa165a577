"""Everything the market-size report shows, assembled from the catalog in one call.

The notebook passes its parameters here and only narrates and charts what comes back, so the
same numbers serve the notebook, the tests and the key-figure record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.data import provenance
from analysis.research import market

SPLIT_TYPES: tuple[str, ...] = ("service", "region", "vertical")
#: Shares older than this many years before the base year describe another market mix.
SHARE_MAX_AGE_YEARS = 5


def split_by_age(frame: pd.DataFrame, cutoff_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``frame`` (with a ``year`` column) as figures from ``cutoff_year`` on and older ones.

    A row without a year is dated by its ``forecast_year`` when it has one (a bare forecast for
    2004 is old); a row with neither counts as old: a reader cannot tell how current it is.
    """
    if "year" not in frame.columns:
        return frame, frame.iloc[0:0]
    years = pd.to_numeric(frame["year"], errors="coerce").astype("float64")
    if "forecast_year" in frame.columns:
        years = years.fillna(pd.to_numeric(frame["forecast_year"], errors="coerce")
                             .astype("float64"))
    recent = (years >= cutoff_year).fillna(False).astype(bool)
    return frame[recent], frame[~recent]


@dataclass(frozen=True)
class MarketView:
    """The market-size analysis for one geography × segment × definition."""

    geography: str
    segment: str
    definition: str | None
    base_year: int
    horizon_years: int
    min_reliability: str
    points: pd.DataFrame
    """Every stated point figure for the selection (all tiers), in USD billion."""
    normalised: pd.DataFrame
    """Each kept source's estimate for the base year and how it was reached."""
    consensus: pd.DataFrame
    """Median, low, high and sources per year."""
    cagrs: pd.DataFrame
    """Current stated CAGRs behind the scenarios."""
    scenarios: pd.DataFrame
    other_definitions: pd.DataFrame
    """Point figures for the same segment under other definitions (kept apart, shown as context)."""
    shares: dict[str, pd.DataFrame] = field(default_factory=dict)
    sub_markets: pd.DataFrame = field(default_factory=pd.DataFrame)
    country_revenue: pd.DataFrame = field(default_factory=pd.DataFrame)
    country_headcount: pd.DataFrame = field(default_factory=pd.DataFrame)
    recent_years: int = 8
    """Main-text tables show figures from ``base_year - recent_years`` on; older ones go to the
    historical-figures appendix, so a 2003 forecast never sits beside a 2026 estimate."""

    @property
    def cutoff_year(self) -> int:
        """The first year of a figure shown in the main text's tables."""
        return self.base_year - self.recent_years

    def recent(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` stated for ``cutoff_year`` or later."""
        return split_by_age(frame, self.cutoff_year)[0]

    def historical(self) -> dict[str, pd.DataFrame]:
        """Older sub-market, country and other-definition figures, per table (empty ones left
        out): the historical-figures appendix."""
        frames = {"sub-markets": self.sub_markets, "country figures": self.country_revenue,
                  "other market definitions": self.other_definitions}
        old = {name: split_by_age(frame, self.cutoff_year)[1] for name, frame in frames.items()}
        return {name: frame for name, frame in old.items() if len(frame)}
    spread: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every stated figure of the selection (all tiers, undated included) with how far it
    stands from the other sources (``market.figure_spread``)."""

    @property
    def base(self) -> pd.Series:
        """The consensus row for the base year."""
        return self.consensus.set_index("year").loc[self.base_year]

    @property
    def excluded_tiers(self) -> set[str]:
        """Tiers shown on charts but left out of every computed figure."""
        return set(market.TIER_ORDER) - set(market.tiers_at_or_above(self.min_reliability))

    def _base_rows(self) -> pd.DataFrame:
        # normalised has one row per evidence group, its source ids ";"-joined
        ids = set(str(self.base["source_ids"]).split(";")) - {""}
        rows = self.normalised[self.normalised["value_usd_bn"].notna()]
        rows = rows.assign(source_id=rows["source_id"].str.split(";")).explode("source_id")
        return rows[rows["source_id"].isin(ids)]

    def base_evidence(self, sources: pd.DataFrame) -> provenance.Evidence:
        """The evidence behind the base-year consensus (groups counted once)."""
        return provenance.evidence_of(self._base_rows(), sources)

    def base_groups(self) -> dict[str, list[str]]:
        """Evidence groups of the consensus sources (for ``report_kit.record``)."""
        return provenance.evidence_groups(self._base_rows())

    def cagr_evidence(self, sources: pd.DataFrame) -> provenance.Evidence:
        """The evidence behind the stated growth rates of the scenarios."""
        return provenance.evidence_of(self.cagrs, sources)

    def cited_source_ids(self) -> set[str]:
        """Every source behind a figure the report shows (kept tiers only)."""
        ids = set(self.normalised.dropna(subset=["value_usd_bn"])["source_id"])
        ids |= set(self.cagrs["source_id"])
        for frame in self.shares.values():
            for joined in frame.get("source_ids", pd.Series(dtype=str)):
                ids |= set(str(joined).split(";"))
        for frame in (self.sub_markets, self.country_revenue, self.country_headcount):
            if "source_id" in frame.columns:
                ids |= set(frame["source_id"])
        ids |= set(self.consensus["source_ids"].str.split(";").explode().dropna()) - {""}
        return ids


def available_segments(estimates: pd.DataFrame, geography: str) -> list[str]:
    """Segments with at least one USD size figure for ``geography`` (for error messages)."""
    rows = estimates[(estimates["geography"] == geography)
                     & estimates["metric"].isin(market.SIZE_METRICS)
                     & estimates["unit"].isin(market.USD_BILLION_FACTORS)]
    return sorted(rows["segment"].dropna().unique())


def build_market_view(
    estimates: pd.DataFrame,
    sources: pd.DataFrame,
    *,
    geography: str = "Global",
    segment: str = "Total BPO",
    definition: str | None = "market_research",
    base_year: int = 2025,
    horizon_years: int = 6,
    min_reliability: str = "relayed",
    first_year: int = 2018,
    max_extrapolation_years: int = 3,
    recent_years: int = 8,
) -> MarketView:
    """Triangulate, build the consensus and scenarios, and gather splits and context tables.

    Raises ``ValueError`` naming the segments that do exist when the selection has no figures,
    and when ``first_year`` is after ``base_year`` (the window would hold no base year).
    """
    if first_year > base_year:
        raise ValueError(f"first_year {first_year} is after base_year {base_year}: the "
                         "triangulation window must start at or before the base year")
    joined = market.with_sources(estimates, sources)
    all_points = market.size_estimates(joined, geography, segment)
    if all_points.empty:
        raise ValueError(
            f"no USD size figures for geography={geography!r}, segment={segment!r}; segments "
            f"with figures there: {', '.join(available_segments(estimates, geography)) or 'none'}"
        )
    if definition is not None:
        points = all_points[all_points["definition"].fillna("") == definition]
        if points.empty:
            found = sorted(all_points["definition"].dropna().unique())
            raise ValueError(
                f"no figures for definition={definition!r} in {geography} / {segment}; "
                f"definitions present: {', '.join(found) or 'none'} (or pass definition=None)"
            )
        other = all_points[all_points["definition"].fillna("") != definition]
    else:
        points, other = all_points, all_points.iloc[0:0]

    years = range(first_year, base_year + horizon_years + 1)
    consensus = market.consensus_estimate(points, years, min_reliability, max_extrapolation_years)
    normalised = market.normalise_to_year(
        market.filter_reliability(points, min_reliability), base_year, max_extrapolation_years
    )
    cagrs = market.stated_cagrs(points, min_reliability, current_from=base_year)
    base_value = consensus.set_index("year").loc[base_year, "median_usd_bn"]
    if pd.isna(base_value):
        raise ValueError(
            f"no source at reliability {min_reliability!r} or better reaches {base_year} for "
            f"{geography} / {segment}; try another base_year or a lower min_reliability"
        )
    scenarios = (market.scenario_forecast(float(base_value), base_year, cagrs["cagr_pct"],
                                          horizon_years)
                 if len(cagrs) else pd.DataFrame())

    shares = {}
    # Shares are of the global BPO market: applied to another geography's total they would
    # mislead, so they are computed for the global view only.
    if segment == "Total BPO" and geography == "Global":
        for split in SPLIT_TYPES:
            split_shares = market.segment_shares(joined, split, min_reliability,
                                                 since_year=base_year - SHARE_MAX_AGE_YEARS)
            shares[split] = market.apply_shares(split_shares, float(base_value))

    return MarketView(
        geography=geography, segment=segment, definition=definition, base_year=base_year,
        horizon_years=horizon_years, min_reliability=min_reliability, points=points,
        normalised=normalised, consensus=consensus, cagrs=cagrs, scenarios=scenarios,
        other_definitions=other, shares=shares,
        sub_markets=market.latest_figures(joined, "sub_market", min_reliability),
        country_revenue=market.country_series(joined, "industry_revenue", min_reliability),
        country_headcount=market.country_series(joined, "headcount", min_reliability),
        recent_years=recent_years,
        spread=market.figure_spread(
            market.size_estimates(joined, geography, segment, definition, include_undated=True),
            first_year, base_year, max_extrapolation_years),
    )


def cited_sources(view: MarketView, sources: pd.DataFrame) -> pd.DataFrame:
    """The sources appendix: every source behind a shown figure, with publisher, year and URL."""
    cols = [c for c in ("source_id", "publisher", "title", "year", "url", "reliability_tier")
            if c in sources.columns]
    used = sources[sources["source_id"].isin(view.cited_source_ids())]
    return used[cols].sort_values(["publisher", "source_id"], ignore_index=True)


VIEW_PARAMETERS = ("geography", "segment", "definition", "base_year", "horizon_years",
                   "min_reliability", "first_year", "recent_years")
"""The notebook parameters ``build_market_view`` takes."""


def check_selection(parameters: Mapping[str, Any]) -> None:
    """Build the view the notebook would build from these parameters on the curated data:
    ``ValueError`` (the view's own message: what is missing and what exists) when it cannot.

    Run at plan time, so a combination with no figures stops the build before any notebook.
    Data that cannot be loaded is left to validation, which names the file and the reason.
    """
    from analysis.data import catalog
    from analysis.errors import BpoError

    try:
        estimates, sources = catalog.load("market_estimates"), catalog.load("sources")
    except (BpoError, OSError, ValueError):
        return
    build_market_view(estimates, sources,
                      **{k: parameters[k] for k in VIEW_PARAMETERS if k in parameters})
