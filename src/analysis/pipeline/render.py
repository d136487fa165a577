"""Executed notebook -> offline, self-contained HTML report page.

``notebook_to_html`` converts in process with nbconvert and our own template
(``templates/bpo_report``): no code, no prompts, no stderr, a title block, an executive summary
from the recorded key figures, a table of contents built here in Python, the sources and
data-quality appendices, and no resource loaded from outside the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from analysis.data.provenance import Evidence, evidence_strength
from analysis.errors import BpoError, BuildError, ConfigError
from analysis.views.inert_text import inert_html
from analysis.views.report_kit import format_number

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "bpo_report"
DEFAULT_ACCENT = "#1f4e79"

# Cells dropped from the published report: papermill's error banners, and cells an analyst tags
# to keep out of the deliverable.
_DROP_CELL_TAGS = frozenset({"papermill-error-cell-tag", "remove-cell", "remove_cell"})

_LOGO_RE = re.compile(r"^data:image/(?:svg\+xml|png|jpeg);base64,[A-Za-z0-9+/=]+$")

_ACCENT_RE = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,30})$")

_HEADING_RE = re.compile(r"<h([23])\b([^>]*)>(.*?)</h\1>", re.DOTALL | re.IGNORECASE)

_ANCHOR_LINK_RE = re.compile(r'<a class="anchor-link"[^>]*>.*?</a>', re.DOTALL)

_TAG_RE = re.compile(r"<[^>]+>")

_ID_ATTR_RE = re.compile(r'\s+id\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', re.IGNORECASE)

_CONTENT_START, _CONTENT_END, _TOC_MARK = (
    "<!--bpo:content-start-->",
    "<!--bpo:content-end-->",
    "<!--bpo:toc-->",
)

# Anything that would make the browser fetch from the network when the report is opened.
_EXTERNAL_LOAD_PATTERNS = (
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(r"@import\b", re.IGNORECASE),
    re.compile(r"url\(\s*[\"']?\s*(?:https?:)?//", re.IGNORECASE),
    re.compile(
        r"<(?:img|iframe|video|audio|source|embed|object|track)\b[^>]*\b(?:src|data)\s*=\s*"
        r"[\"']?\s*(?:https?:)?//",
        re.IGNORECASE,
    ),
)


def execution_errors(nb: Any) -> list[str]:
    """Describe every error output or papermill exception mark in an executed notebook."""
    problems = []
    if nb.metadata.get("papermill", {}).get("exception"):
        problems.append("papermill recorded an exception for the run")
    for index, cell in enumerate(nb.cells):
        if cell.metadata.get("papermill", {}).get("exception"):
            problems.append(f"cell {index} is marked as failed by papermill")
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {index} has an error output ({out.get('ename')})")
    return problems


def strip_for_publication(nb: Any) -> Any:
    """Drop what a client must not see: stderr streams (warnings, logs), error banners, and
    cells tagged ``remove-cell``; code cells left without output are dropped too."""
    kept = []
    for cell in nb.cells:
        if _DROP_CELL_TAGS & set(cell.metadata.get("tags", [])):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                out
                for out in cell.get("outputs", [])
                if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
                and "application/vnd.jupyter.stderr" not in out.get("data", {})
            ]
            if not cell.outputs:
                continue
        kept.append(cell)
    nb.cells = kept
    # Widget state would bring a widget manager script with it; reports are static.
    nb.metadata.pop("widgets", None)
    return nb


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "section"


def add_table_of_contents(page: str) -> str:
    """Give every h2/h3 of the report body a clean unique id and fill the TOC placeholder."""
    start = page.find(_CONTENT_START)
    end = page.find(_CONTENT_END)
    if start < 0 or end < 0 or _TOC_MARK not in page:
        raise BuildError("report template is missing its content/TOC markers")
    body = page[start:end]
    used: set[str] = set()
    entries: list[tuple[int, str, str]] = []

    def relabel(match: re.Match[str]) -> str:
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        text = html.unescape(_TAG_RE.sub("", _ANCHOR_LINK_RE.sub("", inner))).strip()
        anchor = base = "sec-" + _slug(text)
        suffix = 2
        while anchor in used:
            anchor, suffix = f"{base}-{suffix}", suffix + 1
        used.add(anchor)
        entries.append((level, anchor, text))
        inner = _ANCHOR_LINK_RE.sub(
            f'<a class="anchor-link" href="#{anchor}" aria-hidden="true">¶</a>', inner
        )
        return f'<h{level}{_ID_ATTR_RE.sub("", attrs)} id="{anchor}">{inner}</h{level}>'

    body = _HEADING_RE.sub(relabel, body)
    page = page[:start] + body + page[end:]
    return page.replace(_TOC_MARK, _toc_html(entries), 1)


def _toc_html(entries: list[tuple[int, str, str]]) -> str:
    """Nested ordered list: h3 entries under the h2 before them (top level if none)."""
    if not entries:
        return ""
    parts = ['<p class="toc-title">Contents</p>', "<ol>"]
    in_sub = False
    for index, (level, anchor, text) in enumerate(entries):
        link = f'<a href="#{anchor}">{html.escape(text)}</a>'
        if level == 3 and not in_sub and index > 0:
            parts[-1] = parts[-1].removesuffix("</li>") + "<ol>"  # reopen the h2 item
            in_sub = True
        elif level == 2 and in_sub:
            parts.append("</ol></li>")
            in_sub = False
        parts.append(f"<li>{link}</li>")
    if in_sub:
        parts.append("</ol></li>")
    parts.append("</ol>")
    return "\n".join(parts)


def external_loads(page: str) -> list[str]:
    """Snippets of ``page`` that would fetch something from outside the file."""
    found = []
    for pattern in _EXTERNAL_LOAD_PATTERNS:
        found += [page[m.start() : m.start() + 80] for m in pattern.finditer(page)]
    return found


def figure_evidence(
    figure: Mapping[str, Any], sources: Iterable[Mapping[str, Any]]
) -> Evidence:
    """The evidence strength of one recorded figure (its source ids, counted by evidence group)."""
    return evidence_strength(figure.get("source_ids") or [], sources,
                             figure.get("evidence_groups") or None)


def key_figures(
    figures: Mapping[str, Mapping[str, Any]], sources: Iterable[Mapping[str, Any]] = ()
) -> list[dict[str, str]]:
    """Recorded figures as executive-summary rows: label, value (prose-formatted), unit, and
    ``evidence`` (e.g. "6 sources, 2023–2026, 2 primary"; blank for a figure citing none).

    Values stay plain text here; the template escapes them.
    """
    sources = list(sources)
    rows = []
    for figure in figures.values():
        value = figure.get("value")
        shown = str(value) if isinstance(value, str) else html.unescape(format_number(value))
        label = str(figure.get("label") or figure.get("name", ""))
        rows.append(
            {
                "label": label[:1].upper() + label[1:],  # notebooks label in mid-sentence case
                "value": shown,
                "unit": str(figure.get("unit") or ""),
                "evidence": figure_evidence(figure, sources).phrase(),
            }
        )
    return rows


def evidence_table(
    figures: Mapping[str, Mapping[str, Any]], sources: Iterable[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The methodology appendix's evidence table: figure → evidence strength → source ids."""
    sources = list(sources)
    rows = []
    for figure in figures.values():
        evidence = figure_evidence(figure, sources)
        if evidence.n_sources:
            label = str(figure.get("label") or figure.get("name", ""))
            rows.append({"label": label[:1].upper() + label[1:], "evidence": evidence.phrase(),
                         "source_ids": ", ".join(evidence.source_ids),
                         "single": "1" if evidence.single else ""})
    return rows


def figure_sources(
    figures: Mapping[str, Mapping[str, Any]], sources: Iterable[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The sources (publisher, title, year, URL) that recorded figures cite by ``source_ids``.

    ``sources`` are rows of ``sources.csv``; an id missing there is listed as unknown rather
    than dropped, so a typo in a notebook shows in the appendix.
    """
    by_id = {str(row["source_id"]): row for row in sources}
    cited = sorted({str(i) for figure in figures.values() for i in figure.get("source_ids") or []})
    rows = []
    for source_id in cited:
        row = by_id.get(source_id, {})
        url = _text(row.get("url"))
        rows.append(
            {
                "id": source_id,
                "publisher": _text(row.get("publisher")) or "unknown source id",
                "title": _text(row.get("title")),
                "year": _text(row.get("year")),
                # Only web links become links: a javascript: URL from data stays text.
                "url": url,
                "linkable": "1" if re.match(r"^https?://", url, re.IGNORECASE) else "",
            }
        )
    return rows


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    return "" if text in {"<NA>", "nan"} else text


def data_quality(outcome: Any) -> dict[str, Any] | None:
    """Summary of a validation outcome for the data-quality appendix (None: not validated)."""
    if outcome is None:
        return None
    warnings = [getattr(item, "line", item) for item in (outcome.warnings or [])]
    return {
        "status": "passed" if outcome.success else "failed",
        "datasets": dict(getattr(outcome, "datasets", {}) or {}),
        "excluded": dict(getattr(outcome, "excluded", {}) or {}),
        "warnings": [str(line) for line in warnings],
        "run_id": str(getattr(outcome, "run_id", "") or ""),
    }


def _report_meta(title: str, meta: Mapping[str, Any]) -> dict[str, Any]:
    accent = str(meta.get("accent") or DEFAULT_ACCENT)
    if not _ACCENT_RE.match(accent):
        raise ConfigError(f"accent colour {accent!r} must be a #hex colour or a CSS colour name")
    logo = meta.get("logo")
    if logo is not None and not _LOGO_RE.match(str(logo)):
        raise ConfigError("logo must be an embedded data:image/... URI (reports load nothing)")
    now = datetime.now(UTC)
    figures = meta.get("figures") or {}
    return {
        "logo": logo,
        "key_figures": key_figures(figures, meta.get("sources") or []),
        "evidence_table": evidence_table(figures, meta.get("sources") or []),
        "figure_sources": figure_sources(figures, meta.get("sources") or []),
        "data_quality": meta.get("data_quality"),
        "title": title,
        "subtitle": str(meta.get("subtitle") or ""),
        "client_name": str(meta.get("client_name") or "BPO Research"),
        "date": str(meta.get("date") or now.strftime("%d %B %Y")),
        "data_vintage": str(meta.get("data_vintage") or "not recorded"),
        "run_id": str(meta.get("run_id") or "unpublished"),
        "generated": now.strftime("%Y-%m-%d %H:%M UTC"),
        "accent": accent,
    }


def _exporter() -> Any:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )


def notebook_to_html(executed: Path, html_out: Path, *, title: str, meta: dict) -> Path:
    """Convert an executed notebook into a self-contained HTML report at ``html_out``.

    ``meta`` keys: client_name, date, data_vintage, run_id, subtitle, accent (#hex or name),
    logo (data URI), figures (``ExecutionResult.figures``: the executive summary), sources
    (rows of ``sources.csv``, for figures' ``source_ids``), data_quality (``data_quality()``).
    Refuses (``BuildError``) a notebook with any error, and any page that would load something
    from the network.
    """
    import nbformat

    executed = Path(executed)
    nb = nbformat.read(executed, as_version=4)
    problems = execution_errors(nb)
    if problems:
        raise BuildError(f"{executed.name}: not converted, {problems[0]}")
    resources = {"bpo": _report_meta(title, meta), "metadata": {"name": title}}
    page, _ = _exporter().from_notebook_node(strip_for_publication(nb), resources=resources)
    # Last line of defence for text from data: only http(s)/mailto/in-report links, no script.
    page = add_table_of_contents(inert_html(page))
    outside = external_loads(page)
    if outside:
        raise BuildError(
            f"{executed.name}: report would load external resources, e.g. {outside[0]!r}"
        )
    html_out = Path(html_out)
    html_out.parent.mkdir(parents=True, exist_ok=True)
    html_out.write_text(page, encoding="utf-8")
    return html_out


def data_vintage() -> str:
    """Data vintage for the title block, from the catalog ("not recorded" if it cannot tell)."""
    from analysis.data.catalog import data_vintage as catalog_vintage

    try:
        return str(catalog_vintage())
    except (BpoError, OSError, ValueError):
        return "not recorded"


def cited_sources() -> list[dict[str, Any]]:
    """Rows of ``sources.csv`` for the key-figure sources appendix (empty if unreadable)."""
    from analysis.data import catalog

    try:
        return catalog.load("sources").to_dict("records")
    except (BpoError, OSError, ValueError):
        return []
