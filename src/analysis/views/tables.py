"""Report tables: which columns a reader sees, under which headings, in which number format.

Each function takes an analysis frame and returns a pandas ``Styler`` (rendered as HTML in the
notebook and in the published report). Text cells are escaped by the Styler, so a publisher or
title containing markup shows as text.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from pandas.io.formats.style import Styler

USD_BN = "{:,.1f}"
PCT = "{:.1f}"


def styled(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
    caption: str | None = None,
) -> Styler:
    """``frame`` restricted to ``columns`` (name → heading), formatted, index hidden, escaped."""
    present = {k: v for k, v in columns.items() if k in frame.columns}
    view = frame[list(present)].rename(columns=present)
    fmt = {present[k]: f for k, f in (formats or {}).items() if k in present}
    styler = view.style.format(fmt, na_rep="–", escape="html").hide(axis="index")
    if caption:
        styler = styler.set_caption(caption)
    return styler


def consensus_table(consensus: pd.DataFrame) -> Styler:
    """Consensus per year: median, low, high, number of sources and their ids."""
    return styled(
        consensus,
        {"year": "Year", "median_usd_bn": "Consensus (USD bn)", "low_usd_bn": "Low",
         "high_usd_bn": "High", "n_sources": "Sources"},
        {"median_usd_bn": USD_BN, "low_usd_bn": USD_BN, "high_usd_bn": USD_BN},
    )


def normalised_table(normalised: pd.DataFrame) -> Styler:
    """Each source's base-year estimate with the method that produced it."""
    ordered = normalised.sort_values("value_usd_bn", na_position="last")
    return styled(
        ordered,
        {"publisher": "Publisher", "reliability_tier": "Tier", "value_usd_bn": "USD bn",
         "method": "How it was reached", "from_year": "From year", "cagr_used": "CAGR used (%)",
         "source_id": "Source id"},
        {"value_usd_bn": USD_BN, "cagr_used": PCT, "from_year": "{:.0f}"},
    )


def cagr_table(cagrs: pd.DataFrame) -> Styler:
    """The stated growth rates the scenarios are built from."""
    return styled(
        cagrs.sort_values("cagr_pct"),
        {"publisher": "Publisher", "cagr_pct": "Stated CAGR (%)", "cagr_start_year": "From",
         "cagr_end_year": "To", "reliability_tier": "Tier", "source_id": "Source id"},
        {"cagr_pct": "{:.2f}"},
        caption="Stated CAGRs behind the scenarios",
    )


def shares_table(shares: pd.DataFrame, split: str) -> Styler:
    """Shares of one split with their spread, implied values and sources."""
    return styled(
        shares,
        {"segment": split.capitalize(), "share_pct": "Share (%)", "low_pct": "Low (%)",
         "high_pct": "High (%)", "implied_usd_bn": "Implied USD bn", "years": "Year(s)",
         "n_sources": "Sources", "source_ids": "Source ids"},
        {"share_pct": PCT, "low_pct": PCT, "high_pct": PCT, "implied_usd_bn": USD_BN},
    )


def sub_market_table(sub_markets: pd.DataFrame) -> Styler:
    """Each source's latest size and furthest forecast per sub-market."""
    return styled(
        sub_markets,
        {"segment": "Sub-market", "geography": "Geography", "publisher": "Publisher",
         "year": "Year", "value_usd_bn": "USD bn", "forecast_year": "Forecast year",
         "forecast_usd_bn": "Forecast USD bn", "cagr_pct": "Stated CAGR (%)",
         "reliability_tier": "Tier", "source_id": "Source id"},
        {"value_usd_bn": USD_BN, "forecast_usd_bn": USD_BN, "cagr_pct": PCT},
    )


def country_table(series: pd.DataFrame) -> Styler:
    """Country industry figures with units and sources."""
    return styled(
        series,
        {"geography": "Country", "segment": "Industry", "year": "Year", "value": "Value",
         "unit": "Unit", "is_forecast": "Forecast", "publisher": "Publisher",
         "source_id": "Source id"},
        {"value": "{:,.2f}"},
    )


def points_table(points: pd.DataFrame) -> Styler:
    """Stated point figures (used for other definitions)."""
    return styled(
        points.sort_values(["definition", "year"]) if "definition" in points else points,
        {"definition": "Definition", "year": "Year", "value_usd_bn": "USD bn",
         "is_forecast": "Forecast", "publisher": "Publisher", "reliability_tier": "Tier",
         "source_id": "Source id"},
        {"value_usd_bn": USD_BN},
    )


def sources_table(sources: pd.DataFrame) -> Styler:
    """The sources appendix: publisher, title, year, tier and URL of every cited source."""
    return styled(
        sources,
        {"source_id": "Source id", "publisher": "Publisher", "title": "Title", "year": "Year",
         "reliability_tier": "Tier", "url": "URL"},
        {"year": "{:.0f}"},
    )


def spread_table(spread: pd.DataFrame) -> Styler:
    """Every stated figure with its tier and how far it stands from the other sources."""
    return styled(
        spread,
        {"publisher": "Publisher", "reliability_tier": "Tier", "year": "Year",
         "is_forecast": "Forecast", "value_usd_bn": "USD bn",
         "others_median_usd_bn": "Other sources, median (USD bn)", "others_n": "Other sources",
         "vs_others_pct": "vs others (%)", "implied_growth_pct": "Implied growth (%/yr)",
         "source_id": "Source id"},
        {"value_usd_bn": USD_BN, "others_median_usd_bn": USD_BN, "others_n": "{:.0f}",
         "vs_others_pct": "{:+.0f}", "implied_growth_pct": "{:+.1f}"},
    )
