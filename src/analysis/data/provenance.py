"""How a computed figure names the rows behind it: sorted, de-duplicated, ``;``-joined lists.

Every analysis that aggregates sourced figures lists its years and source ids the same way, so
a reader (and the sources appendix) can trace any number back to rows of ``data/raw``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd


def join_ids(values: Iterable[object]) -> str:
    """Distinct, sorted ids joined with ``;`` (missing values skipped)."""
    return ";".join(sorted({str(v) for v in values if not pd.isna(v)}))


def join_years(values: Iterable[object]) -> str:
    """Distinct, sorted years joined with ``;`` (missing values skipped)."""
    return ";".join(str(y) for y in sorted({int(v) for v in values if not pd.isna(v)}))


def evidence_key(frame: pd.DataFrame) -> pd.Series:
    """The column that says which rows are one piece of evidence: ``evidence_group`` (rows
    that are not independent share one), else ``source_id``. Every source count uses it."""
    if "evidence_group" in frame.columns:
        return frame["evidence_group"].fillna(frame["source_id"])
    return frame["source_id"]


# --------------------------------------------------------------------------- evidence strength

# Reliability tiers, best first (the values of sources.csv ``reliability_tier``).
TIER_ORDER: tuple[str, ...] = ("primary", "relayed", "unattributed", "aggregator")


@dataclass(frozen=True)
class Evidence:
    """How much evidence stands behind a figure: independent sources, their years and tiers.

    ``n_sources`` counts evidence groups (rows that are not independent count once); a group's
    tier is the best tier among its source ids; years are the sources' publication years and
    ``undated`` the groups none of whose pages states one.
    """

    n_sources: int
    first_year: int | None
    last_year: int | None
    tiers: tuple[tuple[str, int], ...]
    source_ids: tuple[str, ...]
    undated: int = 0

    @property
    def single(self) -> bool:
        """True when the figure rests on one independent source (flag it where it is used)."""
        return self.n_sources == 1

    def years(self) -> str:
        """Publication years, e.g. "2023–2026", "2015, 2 undated" or "undated"."""
        if self.first_year is None:
            return "undated"
        span = (str(self.first_year) if self.first_year == self.last_year
                else f"{self.first_year}–{self.last_year}")
        return f"{span}, {self.undated} undated" if self.undated else span

    def phrase(self, min_sources: int = 1) -> str:
        """E.g. "6 sources, 2023–2026, 2 primary, 4 relayed"; "" when nothing is cited.

        One source is always flagged "(single source)"; a figure that should rest on
        ``min_sources`` independent sources (a KPI benchmark band: 3) and rests on fewer is
        flagged "(thin: fewer than N independent sources)".
        """
        if not self.n_sources:
            return ""
        noun = "source" if self.n_sources == 1 else "sources"
        parts = [f"{self.n_sources} {noun}", self.years()]
        parts += [f"{n} {tier}" for tier, n in self.tiers]
        text = ", ".join(parts)
        if self.single:
            return f"{text} (single source)"
        if self.n_sources < min_sources:
            return f"{text} (thin: fewer than {min_sources} independent sources)"
        return text


def _rows_of(sources: pd.DataFrame | Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    records = sources.to_dict("records") if isinstance(sources, pd.DataFrame) else sources
    return {str(row["source_id"]): row for row in records}


def _year(value: Any) -> int | None:
    if value is None or pd.isna(value) or str(value).strip() in {"", "<NA>", "nan"}:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def evidence_strength(
    source_ids: Iterable[str],
    sources: pd.DataFrame | Iterable[Mapping[str, Any]],
    groups: Mapping[str, str | Iterable[str]] | None = None,
) -> Evidence:
    """The evidence behind a figure citing ``source_ids`` (tiers and years from ``sources.csv``).

    ``groups`` maps a source id to its evidence group(s) (``evidence_group`` of the rows used:
    see :func:`evidence_of`); an id without one is its own group. The one function behind every
    evidence phrase: report pages, notebooks, benchmark bands.
    """
    by_id = _rows_of(sources)
    ids = sorted({str(i) for i in source_ids if not pd.isna(i) and str(i)})
    members: dict[str, set[str]] = {}
    for source_id in ids:
        mapped = (groups or {}).get(source_id, source_id)
        for group in [mapped] if isinstance(mapped, str) else list(mapped) or [source_id]:
            members.setdefault(str(group), set()).add(source_id)
    rank = {tier: i for i, tier in enumerate(TIER_ORDER)}
    tier_counts: dict[str, int] = {}
    for group_ids in members.values():
        tiers = [str(by_id.get(i, {}).get("reliability_tier") or "unknown") for i in group_ids]
        best = min(tiers, key=lambda t: rank.get(t, len(rank)))
        tier_counts[best] = tier_counts.get(best, 0) + 1
    years = {i: _year(by_id.get(i, {}).get("year")) for i in ids}
    dated = [y for y in years.values() if y is not None]
    # a source counts as undated when none of its group's pages states a year
    undated = sum(all(years[i] is None for i in group_ids) for group_ids in members.values())
    order = [*TIER_ORDER, "unknown"]
    return Evidence(
        n_sources=len(members),
        first_year=min(dated) if dated else None,
        last_year=max(dated) if dated else None,
        tiers=tuple((t, tier_counts[t]) for t in sorted(tier_counts, key=order.index)),
        source_ids=tuple(ids),
        undated=undated,
    )


def evidence_groups(rows: pd.DataFrame) -> dict[str, list[str]]:
    """Source id → the evidence group(s) of its ``rows`` (for ``evidence_strength``/records)."""
    keyed = pd.DataFrame({"source_id": rows["source_id"].astype(str),
                          "group": evidence_key(rows).astype(str)})
    return {sid: sorted(set(g)) for sid, g in keyed.groupby("source_id")["group"]}


def evidence_of(
    rows: pd.DataFrame, sources: pd.DataFrame | Iterable[Mapping[str, Any]]
) -> Evidence:
    """The evidence behind a figure computed from ``rows`` (curated rows with ``source_id``)."""
    return evidence_strength(rows["source_id"], sources, evidence_groups(rows))
