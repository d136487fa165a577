"""Narration helpers imported inside report notebooks.

Kept dependency-light on purpose: a notebook imports this in its first cells, so nothing heavy
(Great Expectations, duckdb, pandas) is imported at module level.

``say`` turns computed values into a Markdown sentence; ``record`` stores a key figure that the
build collects per report (for executive and what-changed summaries). The build points
``$BPO_FIGURES_PATH`` at a JSON Lines side file; without it (e.g. in JupyterLab) figures are kept
in memory and can be read back with ``recorded_figures()``.

``record_table`` does the same for the data behind every table and chart a report shows
(``$BPO_TABLES_PATH``): the build turns them into the run's Excel data pack. ``views.tables``
and ``views.charts`` call it, so a notebook never has to.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import string
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.views.inert_text import inert_markdown

FIGURES_ENV = "BPO_FIGURES_PATH"
TABLES_ENV = "BPO_TABLES_PATH"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_in_memory: list[dict[str, Any]] = []
_tables_in_memory: list[dict[str, Any]] = []


def format_number(value: Any) -> str:
    """Format a value for prose: thousands separators, precision that shrinks as numbers grow."""
    if value is None or _is_missing(value):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    if isinstance(value, numbers.Real):
        number = float(value)
        magnitude = abs(number)
        if magnitude >= 1000:
            return f"{number:,.0f}"
        if magnitude >= 10:
            return f"{number:,.1f}"
        if magnitude >= 1 or magnitude == 0:
            return f"{number:.2f}"
        return f"{number:.2g}"  # keep two significant digits of small shares and rates
    # Text from data ends up inside rendered Markdown/HTML: it forms no markup and keeps only
    # http(s)/mailto links.
    return inert_markdown(value)


def _is_missing(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA / NaT without importing pandas: both refuse bool() or compare unequal to self.
    try:
        return bool(value != value)
    except TypeError:  # pandas.NA: its truth value is ambiguous by design
        return True
    except ValueError:  # arrays: not a scalar, so not "missing"
        return False


class _ProseFormatter(string.Formatter):
    """``str.format`` where a bare ``{name}`` gets prose number formatting."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec:
            text = super().format_field(value, format_spec)
            # "{name:>12}" must not let text from data through as markup either.
            return inert_markdown(text) if isinstance(value, str) else text
        return format_number(value)


def render(template: str, **values: Any) -> str:
    """Fill ``template`` with ``values``: ``{x}`` uses prose formatting, ``{x:.1%}`` is explicit."""
    return _ProseFormatter().format(template, **values)


def say(template: str, **values: Any) -> None:
    """Display a Markdown paragraph built from computed values (see ``render`` for formatting).

    Returns None on purpose: a returned string would be echoed a second time, as raw text,
    when ``say`` is the last line of a cell.

    >>> say("The market reached **USD {size} bn** in {year}.", size=245.28, year=2024)
    """
    from IPython.display import Markdown, display  # lazy: keeps `import report_kit` fast

    display(Markdown(render(template, **values)))


def _json_value(value: Any) -> Any:
    if value is None or _is_missing(value):
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return _json_value(item())
    return str(value)


def record(
    name: str,
    value: Any,
    unit: str = "",
    label: str = "",
    source_ids: Iterable[str] = (),
    evidence_groups: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """Store a key figure of the report; the build collects it. Returns the stored record.

    Key figures make the report's executive summary; ``source_ids`` (ids of ``sources.csv``)
    put their sources in the report's key-figure sources appendix and give the evidence
    strength shown beside the figure. ``evidence_groups`` (``provenance.evidence_groups`` of
    the rows used) makes sources that are not independent count once there.
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"record(): figure name {name!r} must start with a letter or digit and contain only "
            "letters, digits, '_', '.', '-'"
        )
    entry = {
        "name": name,
        "value": _json_value(value),
        "unit": unit,
        "label": label or name,
        "source_ids": sorted({source_ids} if isinstance(source_ids, str) else set(source_ids)),
        "evidence_groups": {str(k): sorted({v} if isinstance(v, str) else {str(g) for g in v})
                            for k, v in (evidence_groups or {}).items()},
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return _append(FIGURES_ENV, entry, _in_memory)


def _append(env: str, entry: dict[str, Any], in_memory: list[dict[str, Any]]) -> dict[str, Any]:
    """Append ``entry`` to the side file ``$env`` names (the build collects it), else keep it in
    this process (interactive use). One JSON object per line: appending never rewrites earlier
    entries."""
    target = os.environ.get(env)
    if target:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    else:
        in_memory.append(entry)
    return entry


def recorded_figures() -> list[dict[str, Any]]:
    """Figures recorded in this process when ``$BPO_FIGURES_PATH`` is unset (interactive use)."""
    return list(_in_memory)


def load_figures(path: Path) -> dict[str, dict[str, Any]]:
    """Read a figures side file: name -> record, the last record of a name winning."""
    if not path.exists():
        return {}
    figures: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            figures[entry["name"]] = entry
    return figures


def _execution_count() -> int | None:
    """The kernel's current cell number (None outside IPython): the build finds the section
    heading a table sits under from it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    # IPython has already counted the running cell's successor: the running cell is one less.
    return int(shell.execution_count) - 1 if shell is not None else None


def record_table(title: str, frame: Any, kind: str = "table") -> dict[str, Any]:
    """Keep the data of a shown table or chart (``kind``) for the run's data pack.

    ``frame`` is a DataFrame with the columns as the reader sees them (headings with units);
    values are stored as JSON numbers/strings, missing ones as null. Returns the record.
    """
    columns = [str(column) for column in frame.columns]
    rows = [[_json_value(value) for value in row] for row in frame.itertuples(index=False)]
    entry = {"title": str(title or ""), "kind": kind, "cell": _execution_count(),
             "columns": columns, "rows": rows}
    return _append(TABLES_ENV, entry, _tables_in_memory)


def recorded_tables() -> list[dict[str, Any]]:
    """Tables recorded in this process when ``$BPO_TABLES_PATH`` is unset (interactive use)."""
    return list(_tables_in_memory)


def load_tables(path: Path) -> list[dict[str, Any]]:
    """Read a tables side file, in the order the report showed them."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
