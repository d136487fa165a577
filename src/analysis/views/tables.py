"""Report tables: which columns a reader sees, under which headings, in which number format.

Each function takes an analysis frame and returns a pandas ``Styler`` (rendered as HTML in the
notebook and in the published report). Text cells are escaped by the Styler, so a publisher or
title containing markup shows as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from numbers import Real

import pandas as pd
from pandas.io.formats.style import Styler

from analysis.views.report_kit import record_table

USD_BN = "{:,.1f}"
PCT = "{:.1f}"


def _is_flag(column: pd.Series) -> bool:
    values = column.dropna()
    return len(values) > 0 and all(isinstance(v, bool) for v in values)


def reader_frame(
    frame: pd.DataFrame, columns: Mapping[str, str], keys: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """What a reader sees of ``frame``: ``columns`` (name → heading) renamed, no column that is
    empty on every row, yes/no instead of True/False; with ``keys`` (names of the label
    columns), rows empty apart from their keys are taken out and their labels returned, for one
    "no sourced figure yet for: …" line instead of a row of dashes each."""
    present = {k: v for k, v in columns.items() if k in frame.columns}
    view = frame[list(present)]
    missing: list[str] = []
    if keys:
        key_columns = [k for k in keys if k in present]
        values = view.drop(columns=key_columns)
        empty = values.isna().all(axis=1) if len(values.columns) else values.index == values.index
        labels = view.loc[empty, key_columns].astype(str).agg(" ".join, axis=1) \
            if key_columns else pd.Series(dtype=str)
        missing = [str(x) for x in labels]
        view = view[~empty]
    view = view.loc[:, [c for c in view.columns if view[c].notna().any() or not len(view)]]
    view = view.assign(**{c: view[c].map({True: "yes", False: "no"}, na_action="ignore")
                          for c in view.columns if _is_flag(view[c])})
    # Mixed columns (a gate's "required": true, a list of languages, a number) read as words.
    view = view.assign(**{c: view[c].map(_as_words) for c in view.columns
                          if view[c].dtype == object and view[c].map(_is_listy_or_flag).any()})
    return view.rename(columns=present), missing


def _is_listy_or_flag(value: object) -> bool:
    return isinstance(value, bool | list | tuple | set)


def _as_words(value: object) -> object:
    """``True`` -> "yes", ``["English", "Spanish"]`` -> "English, Spanish"; others unchanged."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(item) for item in value)
    return value


def styled(
    frame: pd.DataFrame,
    columns: Mapping[str, str],
    formats: Mapping[str, str | Callable[[object], str]] | None = None,
    caption: str | None = None,
    collapse_empty: Sequence[str] = (),
) -> Styler:
    """``frame`` as a reader sees it (``reader_frame``), formatted, index hidden, escaped.

    ``collapse_empty``: the label columns; rows with nothing else are listed in one line under
    the table ("No sourced figure yet for: …"). The shown table, unformatted, is recorded for
    the run's data pack.
    """
    view, missing = reader_frame(frame, columns, collapse_empty)
    record_table(caption or "", view)
    fmt = {columns[k]: f for k, f in (formats or {}).items()
           if k in columns and columns[k] in view.columns}
    styler = view.style.format(fmt, na_rep="–", escape="html").hide(axis="index")
    # Words read left. By position (Styler's col<j> cell classes): headings may repeat
    # ("year" under two indicators), which set_properties cannot address.
    text = [j for j in range(view.shape[1])
            if not pd.api.types.is_numeric_dtype(view.iloc[:, j])]
    if text:
        styler = styler.set_table_styles(
            [{"selector": f"td.col{j}", "props": "text-align: left;"} for j in text],
            overwrite=False)
    note = f"No sourced figure yet for: {', '.join(missing)}." if missing else ""
    if caption or note:
        styler = styler.set_caption(" ".join(x for x in (caption, note) if x))
    if note:
        styler = styler.set_table_styles(
            [{"selector": "caption", "props": "caption-side: bottom; text-align: left;"}],
            overwrite=False)
    return styler


def kpi_benchmark_table(compared: pd.DataFrame) -> Styler:
    """``KpiView.benchmark_tables().compared``: the band per KPI in words, client value beside."""
    number = "{:,.2f}"

    def client(value: object) -> str:
        # a reference band's "Client" cell is words (why no value), the others a number
        return number.format(value) if isinstance(value, Real) else str(value)

    return styled(
        compared, {c: c for c in compared.columns},
        {"Client": client, "Low / p25": number, "Median": number, "High / p75": number,
         "Best performer": number},
    )


def other_definitions_table(other: pd.DataFrame) -> Styler:
    """Figures published under another definition than the client's KPI: shown, not compared."""
    number = "{:,.2f}"
    return styled(other, {c: c for c in other.columns},
                  {"Median": number, "Low": number, "High": number},
                  caption="Published under another definition: not compared with the client")


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
