"""How a computed figure names the rows behind it: sorted, de-duplicated, ``;``-joined lists.

Every analysis that aggregates sourced figures lists its years and source ids the same way, so
a reader (and the sources appendix) can trace any number back to rows of ``data/raw``.
"""

from __future__ import annotations

from collections.abc import Iterable

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
