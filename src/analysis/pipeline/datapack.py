"""The run's Excel data pack (``data-pack.xlsx``): the numbers behind every table and chart.

Sheets: README (run id, date, data vintage, parameters), Contents (which sheet holds which
table of which report), one sheet per table and per chart's data in reading order, Sources
(id, publisher, year, URL, tier of every cited source) and Definitions (KPI definitions and
the conventions used).

Written with XlsxWriter with every automatic conversion off: numbers are written as numbers,
text always as text. Text that a spreadsheet would read as a formula (starting with ``=``,
``+``, ``-`` or ``@``: a queue named ``=HYPERLINK(...)``) is stored as a string cell with a
quote prefix, so no cell of the pack ever becomes a formula, even after editing.
"""

from __future__ import annotations

import json
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis.errors import BuildError, reraise_if_interrupted

DATA_PACK = "data-pack.xlsx"
DATA_SUFFIX = ".data.json"
_FORMULA_START = ("=", "+", "-", "@")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\']")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,4}\s+(.+?)\s*#*\s*$", re.MULTILINE)
MAX_CELL_TEXT = 32_767  # Excel's limit per cell


def section_titles(executed: Path) -> dict[int, str]:
    """Execution count of each code cell -> the last heading above it in the notebook."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    current, sections = "", {}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = _HEADING_RE.findall(cell.source)
            if headings:
                current = headings[-1].strip()
        elif cell.cell_type == "code" and cell.get("execution_count") is not None:
            sections[int(cell["execution_count"])] = current
    return sections


def report_data(tables: Iterable[Mapping[str, Any]], sections: Mapping[int, str]) -> list[dict]:
    """Recorded tables with the section each one sits under (``section``) added."""
    return [{**table, "section": sections.get(table.get("cell") or -1, "")} for table in tables]


def write_report_data(path: Path, name: str, title: str, tables: list[dict]) -> Path:
    """``<report>.data.json`` in the staged run: what the data pack is built from (carried
    over with the report when it is not rebuilt)."""
    payload = {"report": name, "title": title, "tables": tables}
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def read_report_data(path: Path) -> dict[str, Any]:
    """A ``<report>.data.json`` back (empty tables when the file is missing)."""
    if not path.is_file():
        return {"report": path.name.removesuffix(DATA_SUFFIX), "title": "", "tables": []}
    return json.loads(path.read_text(encoding="utf-8"))


def sheet_name(number: int, title: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, no ``[]:*?/\\'``) for table ``number``."""
    clean = " ".join(_SHEET_BAD.sub(" ", title).split()) or "table"
    name = f"{number:02d} {clean}"[:31].rstrip()
    while name.lower() in used:  # only when numbers repeat; keep it unique anyway
        number += 100
        name = f"{number:02d} {clean}"[:31].rstrip()
    used.add(name.lower())
    return name


class _Writer:
    """XlsxWriter cells with the pack's rules: numbers as numbers, text never a formula."""

    def __init__(self, path: Path) -> None:
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), {
            "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "nan_inf_to_errors": False,
        })
        self.header = self.book.add_format({"bold": True, "bottom": 1, "text_wrap": True,
                                            "valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 13})
        self.note = self.book.add_format({"italic": True, "font_color": "#5b6474"})
        self.quoted = self.book.add_format({"quote_prefix": True})

    def cell(self, sheet: Any, row: int, col: int, value: Any) -> None:
        if value is None or (isinstance(value, float) and value != value):
            return
        if isinstance(value, bool):
            sheet.write_string(row, col, "yes" if value else "no")
        elif isinstance(value, numbers.Real) and abs(float(value)) != float("inf"):
            sheet.write_number(row, col, float(value))
        else:
            text = str(value)[:MAX_CELL_TEXT]
            if text.startswith(_FORMULA_START):
                sheet.write_string(row, col, text, self.quoted)
            else:
                sheet.write_string(row, col, text)

    def table(self, name: str, title: str, note: str, columns: Sequence[str],
              rows: Sequence[Sequence[Any]]) -> None:
        sheet = self.book.add_worksheet(name)
        sheet.write_string(0, 0, title, self.title)
        if note:
            sheet.write_string(1, 0, note, self.note)
        for col, heading in enumerate(columns):
            sheet.write_string(3, col, str(heading), self.header)
            sheet.set_column(col, col, min(max(len(str(heading)), 10) + 2, 50))
        for r, row in enumerate(rows, start=4):
            for col, value in enumerate(row):
                self.cell(sheet, r, col, value)
        if not rows:
            sheet.write_string(4, 0, "(no rows)", self.note)
        sheet.freeze_panes(4, 0)

    def close(self) -> None:
        self.book.close()


def _parameter_rows(run: Mapping[str, Any]) -> list[list[Any]]:
    rows = []
    for entry in run.get("reports", []):
        for key, value in sorted((entry.get("parameters") or {}).items()):
            shown = value if isinstance(value, str | int | float | bool) or value is None \
                else json.dumps(value, ensure_ascii=False)
            rows.append([entry.get("title", entry.get("name")), key, shown])
    return rows


def _cited_ids(reports: Sequence[Mapping[str, Any]], run: Mapping[str, Any]) -> set[str]:
    """Source ids the run cites: key figures' ``source_ids`` and every "Source id(s)" column."""
    cited: set[str] = set()
    for entry in run.get("reports", []):
        for figure in (entry.get("figures") or {}).values():
            cited |= {str(i) for i in figure.get("source_ids") or []}
    for report in reports:
        for table in report.get("tables", []):
            for index, column in enumerate(table.get("columns", [])):
                if column.lower().replace("_", " ").rstrip("s") in {"source id", "source_id"}:
                    for row in table.get("rows", []):
                        cited |= {part.strip() for part in re.split(r"[;,]", str(row[index] or ""))
                                  if part.strip()}
    return cited


def write_data_pack(
    path: Path, run: Mapping[str, Any], reports: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]], definitions: Sequence[Sequence[Any]],
    conventions: Sequence[Sequence[Any]],
) -> Path:
    """Write the data pack to ``path``; ``reports``: each report's ``.data.json`` content in
    reading order; ``sources``: rows of ``sources.csv``; ``definitions``: (KPI, definition,
    unit, better when) rows; ``conventions``: (convention, meaning) rows.

    Raises ``BuildError`` (one line) if the workbook cannot be written.
    """
    try:
        writer = _Writer(path)
        used = {"readme", "contents", "sources", "definitions"}
        contents: list[list[Any]] = []
        sheets: list[tuple[str, dict, dict]] = []
        number = 0
        for report in reports:
            for table in report.get("tables", []):
                if not table.get("columns"):
                    continue
                number += 1
                label = table.get("title") or table.get("section") or "table"
                name = sheet_name(number, label, used)
                sheets.append((name, report, table))
                contents.append([name, report.get("title", ""), table.get("section", ""),
                                 table.get("title", ""), table.get("kind", "table"),
                                 len(table.get("rows", []))])
        readme = [
            ["Client", run.get("client_name") or run.get("client")],
            ["Run id", run.get("run_id")],
            ["Date", run.get("date")],
            ["Data vintage", run.get("data_vintage")],
            ["What this is", "The numbers behind every table and chart of the run's reports, "
             "one sheet each (see Contents); units are in the column headings. Every figure "
             "traces to a row of the curated research tables and its source (Sources)."],
        ]
        writer.table("README", f"Data pack: {run.get('client_name') or run.get('client')}", "",
                     ["Item", "Value"], readme + [[None, None], ["Parameters", None]]
                     + [[f"{r[0]}: {r[1]}", r[2]] for r in _parameter_rows(run)])
        writer.table("Contents", "Contents", "One sheet per table and per chart's data.",
                     ["Sheet", "Report", "Section", "Table", "Kind", "Rows"], contents)
        for name, report, table in sheets:
            where = " · ".join(x for x in (report.get("title"), table.get("section")) if x)
            kind = "Data behind the chart" if table.get("kind") == "chart" else "Table"
            writer.table(name, table.get("title") or table.get("section") or name,
                         f"{kind} in {where}", table["columns"], table["rows"])
        cited = _cited_ids(reports, run)
        rows = [r for r in sources if str(r.get("source_id")) in cited]
        known = {str(r.get("source_id")) for r in rows}
        # A cited id missing from sources.csv is listed, not dropped: a typo shows here.
        rows += [{"source_id": i, "publisher": "unknown source id"}
                 for i in sorted(cited - known)]
        writer.table("Sources", "Sources cited in this run", "Tier: primary > relayed > "
                     "unattributed > aggregator (see Definitions).",
                     ["Source id", "Publisher", "Title", "Year", "URL", "Reliability tier"],
                     [[r.get("source_id"), r.get("publisher"), r.get("title"), r.get("year"),
                       r.get("url"), r.get("reliability_tier")] for r in rows])
        writer.table("Definitions", "Definitions and conventions", "",
                     ["Term", "Definition", "Unit", "Better when"],
                     [list(row) for row in definitions]
                     + [[None] * 4] + [[c[0], c[1], None, None] for c in conventions])
        writer.close()
    except BuildError:
        raise
    except Exception as error:
        path.unlink(missing_ok=True)
        reraise_if_interrupted(error)
        reason = " ".join(str(error).split())[:200]
        raise BuildError(f"data pack: {path.name} not written: {type(error).__name__}: "
                         f"{reason}") from None
    return path
