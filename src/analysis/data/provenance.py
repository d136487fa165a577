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
