"""What moved since the previous published run: key figures old vs new, and why.

Each report records its key figures (``report_kit.record``); the run manifest keeps them. For
every report of a deliverable this compares them with the same report of the previous published
run, and names the inputs whose fingerprint changed (``fingerprint.describe_changes``). The
result is written into the run folder as ``changes.json`` and an offline ``changes.html``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.pipeline.fingerprint import describe_changes

CHANGES_JSON = "changes.json"
CHANGES_HTML = "changes.html"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def figure_change(name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict:
    """One figure's change: old and new value, absolute and relative change, status."""
    old_value = old.get("value") if old else None
    new_value = new.get("value") if new else None
    record = new or old or {}
    change: dict[str, Any] = {
        "figure": name,
        "label": record.get("label", name),
        "unit": record.get("unit", ""),
        "old": old_value,
        "new": new_value,
        "abs_change": None,
        "pct_change": None,
    }
    if old is None:
        change["status"] = "added"
    elif new is None:
        change["status"] = "removed"
    elif old_value == new_value:
        change["status"] = "unchanged"
    else:
        change["status"] = "changed"
        before, after = _number(old_value), _number(new_value)
        if before is not None and after is not None:
            change["abs_change"] = after - before
            change["pct_change"] = (after - before) / abs(before) * 100 if before else None
    return change


def compare_report(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> dict[str, Any]:
    """Compare one report entry of a run manifest with the previous run's entry."""
    old_figures = (previous or {}).get("figures", {}) or {}
    new_figures = current.get("figures", {}) or {}
    figures = [
        figure_change(name, old_figures.get(name), new_figures.get(name))
        for name in list(new_figures) + [n for n in old_figures if n not in new_figures]
    ]
    if current.get("reused_from"):
        inputs: list[str] = []
    else:
        inputs = describe_changes(
            (previous or {}).get("fingerprint"), current.get("fingerprint") or {}
        )
    return {
        "report": current["name"],
        "title": current.get("title", current["name"]),
        "rebuilt": not current.get("reused_from"),
        "inputs_changed": inputs,
        "figures": figures,
    }


def compare_runs(
    previous: Mapping[str, Any] | None, current: Mapping[str, Any]
) -> dict[str, Any]:
    """The what-changed summary of a run manifest against the previous run's manifest."""
    before = {entry["name"]: entry for entry in (previous or {}).get("reports", [])}
    reports = [compare_report(before.get(entry["name"]), entry) for entry in current["reports"]]
    # A first publication "adds" every figure: only a changed value counts as a move.
    moved = [f for report in reports for f in report["figures"] if f["status"] == "changed"]
    return {
        "run_id": current["run_id"],
        "client": current.get("client"),
        "previous_run_id": (previous or {}).get("run_id"),
        "figures_changed": len(moved),
        "reports": reports,
    }


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>What changed | {{ summary.client }} | run {{ summary.run_id }}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:70rem;margin:2rem auto;
padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.changed td{background:#fff6e0}.muted{color:#666}ul.inputs{margin:.2rem 0 .8rem}
@media print{a{color:inherit}}
</style></head><body>
<h1>What changed</h1>
<p>Run <code>{{ summary.run_id }}</code> compared with
{% if summary.previous_run_id %}<a href="../{{ summary.previous_run_id }}/index.html">run
<code>{{ summary.previous_run_id }}</code></a>{% else %}no previous run (first publication)
{% endif %}:
{{ summary.figures_changed }} figure(s) moved.</p>
{% for report in summary.reports %}
<h2>{{ report.title }}</h2>
{% if report.rebuilt %}
<p>Rebuilt because:</p>
<ul class="inputs">{% for why in report.inputs_changed %}<li>{{ why }}</li>{% endfor %}</ul>
{% else %}<p class="muted">Not rebuilt: none of its inputs changed.</p>{% endif %}
{% if report.figures %}
<table><thead><tr><th>Figure</th><th>Old</th><th>New</th><th>Change</th><th>Change (%)</th>
<th>Status</th></tr></thead><tbody>
{% for f in report.figures %}
<tr class="{{ f.status }}"><td>{{ f.label }}
{% if f.unit %} <span class="muted">({{ f.unit }})</span>{% endif %}</td>
<td class="num">{{ fmt(f.old) }}</td><td class="num">{{ fmt(f.new) }}</td>
<td class="num">{{ fmt(f.abs_change, sign=True) }}</td>
<td class="num">{% if f.pct_change is not none %}{{ "%+.1f" | format(f.pct_change) }}%
{% endif %}</td>
<td>{{ f.status }}</td></tr>
{% endfor %}
</tbody></table>
{% else %}<p class="muted">This report records no key figures.</p>{% endif %}
{% endfor %}
<p><a href="index.html">Back to the report set</a></p>
</body></html>
"""


def _fmt(value: Any, sign: bool = False) -> str:
    if value is None:
        return ""
    plus = "+" if sign else ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:{plus},d}"
    if isinstance(value, float):
        # Thousands separators for big figures, four significant digits for the rest.
        return f"{value:{plus},.0f}" if abs(value) >= 1000 else f"{value:{plus}.4g}"
    return str(value)


def render_changes_html(summary: Mapping[str, Any]) -> str:
    """The what-changed page: self-contained, every value from data escaped."""
    import jinja2

    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_PAGE).render(summary=summary, fmt=_fmt)


def write_changes(folder: Path, summary: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``changes.json`` and ``changes.html`` into a (staged) run folder."""
    json_path = folder / CHANGES_JSON
    json_path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    html_path = folder / CHANGES_HTML
    html_path.write_text(render_changes_html(summary), encoding="utf-8")
    return json_path, html_path
