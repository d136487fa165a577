"""Service categories: the taxonomy joined to the market figures that size each category.

A category maps to one or more market segments (``segment_type:segment`` in the taxonomy's
``market_segments`` column). Segments are often wider than a category (KPO covers five
categories, contact centre four), so figures are reported per segment with the categories they
cover, never split or copied into per-category numbers. Per segment: the share of global BPO
revenue, the latest market size each source states, and the stated growth rates, each as a
median with the low–high spread between sources and the sources behind it.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.provenance import join_ids, join_years
from analysis.research import market

FAMILY_LABELS = {"front_office": "Front office", "back_office": "Back office",
                 "kpo": "KPO", "lpo": "LPO"}
SCOPE_LABELS = {"horizontal": "horizontal", "vertical_specific": "vertical-specific"}


def segment_links(taxonomy: pd.DataFrame) -> pd.DataFrame:
    """One row per category × market segment it maps to (categories without one are left out)."""
    rows = []
    for _, cat in taxonomy.dropna(subset=["market_segments"]).iterrows():
        for link in str(cat["market_segments"]).split(";"):
            segment_type, _, segment = link.partition(":")
            rows.append({"category_id": cat["category_id"], "category": cat["category"],
                         "family": cat["family"], "segment_type": segment_type.strip(),
                         "segment": segment.strip()})
    return pd.DataFrame(rows, columns=["category_id", "category", "family", "segment_type",
                                       "segment"])


def taxonomy_view(taxonomy: pd.DataFrame) -> pd.DataFrame:
    """The taxonomy with readable family/scope labels and its market segments listed."""
    return taxonomy.assign(
        family_label=taxonomy["family"].map(FAMILY_LABELS),
        scope_label=taxonomy["scope"].map(SCOPE_LABELS),
        market_segments_label=taxonomy["market_segments"].fillna("").str.replace(
            ";", "; ").str.replace("sub_market:", "").str.replace("service:", ""),
    )


def _spread(values: pd.Series) -> dict[str, float]:
    values = values.dropna()
    if values.empty:
        return {"median": float("nan"), "low": float("nan"), "high": float("nan")}
    return {"median": float(values.median()), "low": float(values.min()),
            "high": float(values.max())}


def segment_figures(
    taxonomy: pd.DataFrame,
    estimates: pd.DataFrame,
    sources: pd.DataFrame,
    min_reliability: str = "unattributed",
    min_year: int = 2019,
) -> pd.DataFrame:
    """Per linked market segment: share, latest size per source and CAGR, each with its spread.

    Shares are percentages of global BPO revenue stated for ``min_year`` or later; sizes are
    each source's latest actual (not forecast) global USD figure from ``min_year`` on; CAGRs are
    the rates sources state for periods ending in ``min_year`` or later. A segment with no
    figure at this reliability keeps its row with blanks, so the gap is visible.
    """
    links = segment_links(taxonomy)
    joined = market.filter_reliability(market.with_sources(estimates, sources), min_reliability)
    rows = []
    for (segment_type, segment), group in links.groupby(["segment_type", "segment"], sort=False):
        mine = joined[(joined["segment_type"] == segment_type) & (joined["segment"] == segment)
                      & (joined["geography"] == "Global")]
        shares = mine[(mine["metric"] == "revenue_share") & (mine["unit"] == "percent")
                      & mine["share_of"].fillna("").str.contains("global BPO", case=False)
                      & (mine["year"].fillna(-1) >= min_year)]
        sizable = (mine["metric"].isin(market.SIZE_METRICS)
                   & mine["unit"].isin(market.USD_BILLION_FACTORS)
                   & mine["value"].notna() & mine["year"].notna())
        # latest_figures needs at least one sizable row (an empty frame loses its dtypes).
        sizes = (market.latest_figures(mine, segment_type, min_reliability)
                 if sizable.any() else None)
        if sizes is not None and len(sizes):
            sizes = sizes[sizes["year"].fillna(-1) >= min_year]
        cagr_rows = mine[mine["cagr_pct"].notna()
                         & (mine["cagr_end_year"].fillna(mine["year"]).fillna(-1) >= min_year)]
        cagrs = cagr_rows.drop_duplicates(subset=["source_id", "cagr_pct"])
        used = set(shares["source_id"]) | set(cagrs["source_id"])
        if sizes is not None and len(sizes):
            used |= set(sizes["source_id"])
        size_values = sizes["value_usd_bn"] if sizes is not None and len(sizes) else pd.Series()
        size_years = sizes["year"].dropna() if sizes is not None and len(sizes) else pd.Series()
        record = {
            "segment_type": segment_type, "segment": segment,
            "categories": "; ".join(group["category"]),
            "families": "; ".join(sorted({FAMILY_LABELS[f] for f in group["family"]})),
        }
        for prefix, values in (("share_pct", shares["value"]), ("size_usd_bn", size_values),
                               ("cagr_pct", cagrs["cagr_pct"])):
            for stat, value in _spread(values).items():
                record[f"{prefix}_{stat}"] = value
        record.update(
            share_years=join_years(shares["year"]),
            size_years=join_years(size_years),
            n_size_sources=0 if sizes is None else int(len(sizes)),
            n_sources=len(used), source_ids=join_ids(used),
        )
        rows.append(record)
    return pd.DataFrame(rows)


def uncovered_categories(taxonomy: pd.DataFrame, figures: pd.DataFrame) -> list[str]:
    """Categories with no market figure at all (no segment, or segments without figures)."""
    sized = figures[figures["n_sources"] > 0]
    covered = set()
    for cats in sized["categories"]:
        covered |= set(cats.split("; "))
    return [c for c in taxonomy["category"] if c not in covered]


def family_summary(taxonomy: pd.DataFrame) -> pd.DataFrame:
    """Categories per family and how many are horizontal vs vertical-specific."""
    counts = pd.crosstab(taxonomy["family"], taxonomy["scope"]).reindex(
        list(FAMILY_LABELS), fill_value=0)
    counts = counts.reindex(columns=list(SCOPE_LABELS), fill_value=0)
    out = counts.rename(columns=SCOPE_LABELS).reset_index()
    out["family"] = out["family"].map(FAMILY_LABELS)
    out["categories"] = out[list(SCOPE_LABELS.values())].sum(axis=1)
    return out


def cited_sources(source_ids: set[str], sources: pd.DataFrame) -> pd.DataFrame:
    """The sources appendix rows for ``source_ids``: publisher, title, year, tier and URL."""
    cols = [c for c in ("source_id", "publisher", "title", "year", "url", "reliability_tier")
            if c in sources.columns]
    used = sources[sources["source_id"].isin(source_ids)]
    return used[cols].sort_values(["publisher", "source_id"], ignore_index=True)


def source_ids_of(*frames: pd.DataFrame, column: str = "source_ids") -> set[str]:
    """Every source id listed (``;``-joined) in ``column`` of the frames."""
    ids: set[str] = set()
    for frame in frames:
        if column in frame.columns:
            for joined in frame[column].dropna():
                ids |= {s for s in str(joined).split(";") if s}
    return ids
