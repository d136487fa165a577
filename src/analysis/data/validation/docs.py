"""Data Docs that open offline: one self-contained HTML page per validation run.

GX's own Data Docs load their scripts and styles from a CDN, which a client laptop or an
air-gapped CI runner may not reach; this page is rendered from the same results with inline CSS
and no script at all.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .report import ValidationReport

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.8em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.ok{color:#1a7f37}.critical{color:#b42318;font-weight:600}
.warning{color:#9a6700;font-weight:600}code{font-size:.92em}
.banner{padding:.6em 1em;border-radius:4px;margin:1em 0}
.pass{background:#e6f4ea}.fail{background:#fdecea}
"""


def _cell(value: object) -> str:
    return f"<td>{escape(str(value)) if value not in (None, '') else ''}</td>"


def _status(row: dict[str, Any]) -> str:
    if row["success"]:
        return '<td class="ok">passed</td>'
    return f'<td class="{escape(row["severity"])}">{escape(row["severity"])}</td>'


def _sample(row: dict[str, Any]) -> str:
    shown = []
    for item in row.get("sample", [])[:5]:
        if isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], int):
            shown.append(f"row {item[0]}: {item[1]!r}")
        else:
            shown.append(repr(item))
    return "; ".join(shown)


def _dataset_table(rows: list[dict[str, Any]]) -> str:
    head = "".join(
        f"<th>{h}</th>" for h in ("status", "column", "rule", "expectation", "bad rows", "sample")
    )
    body = []
    for row in sorted(rows, key=lambda r: (r["success"], r["severity"] != "critical")):
        rule = f"<td><code>{escape(row['rule'])}</code><br>{escape(row['description'])}</td>"
        body.append(
            "<tr>" + _status(row) + _cell(row["column"]) + rule + _cell(row["expectation"])
            + _cell(row["bad_rows"] or "") + _cell(_sample(row)) + "</tr>"
        )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render_html(report: ValidationReport, rows: list[dict[str, Any]]) -> str:
    """The run's Data Docs: a banner, every finding, then each dataset's expectations."""
    verdict = "passed" if report.success else "FAILED"
    banner = (
        f'<div class="banner {"pass" if report.success else "fail"}">Validation {verdict}: '
        f"{len(report.critical)} critical, {len(report.warnings)} warnings.</div>"
    )
    findings = "".join(
        f'<li class="{escape(f.severity)}">{escape(f.line)}</li>' for f in report.findings
    ) or '<li class="ok">none</li>'

    sections = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset]
        passed = sum(r["success"] for r in mine)
        sections.append(
            f"<h2>{escape(dataset)} ({report.datasets.get(dataset, 0)} rows; "
            f"{passed}/{len(mine)} expectations passed)</h2>" + _dataset_table(mine)
        )
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Validation {escape(report.run_id)}</title><style>{_CSS}</style></head><body>"
        f"<h1>Data validation, run {escape(report.run_id)}</h1>{banner}"
        f"<h2>Findings</h2><ul>{findings}</ul>"
        + "".join(sections)
        + "</body></html>"
    )
