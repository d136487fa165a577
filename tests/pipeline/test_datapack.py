"""pipeline.datapack: the Excel data pack: sheets, numbers as numbers, no formula from text."""

from __future__ import annotations

import openpyxl
import pytest
from helpers import write_notebook

from analysis.errors import BuildError
from analysis.pipeline.datapack import section_titles, sheet_name, write_data_pack

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]
RUN = {"client": "acme", "client_name": "Acme", "run_id": "20260101-000000-0001",
       "date": "1 January 2026", "data_vintage": "sources to 2025",
       "reports": [{"name": "kpi", "title": "KPIs", "parameters": {"channel": "voice"},
                    "figures": {"x": {"source_ids": ["src-a"]}}}]}
REPORTS = [{"report": "kpi", "title": "KPIs", "tables": [
    {"title": "", "section": "By queue", "kind": "table", "columns": ["Queue", "ASA (s)"],
     "rows": [[q, 12.5] for q in HOSTILE] + [["sales", None]]},
    {"title": "Service level by day", "section": "Trend", "kind": "chart",
     "columns": ["day", "service_level"], "rows": [["2026-01-01", 81.0], ["2026-01-02", True]]},
    {"title": "t", "section": "", "kind": "table", "columns": ["Source ids"],
     "rows": [["src-b; src-c"]]},
]}]
SOURCES = [{"source_id": s, "publisher": f"P {s}", "title": "T", "year": 2024,
            "url": "https://example.org", "reliability_tier": "primary"}
           for s in ("src-a", "src-b", "src-c", "src-unused")]


@pytest.fixture
def pack(tmp_path):
    path = write_data_pack(tmp_path / "data-pack.xlsx", RUN, REPORTS, SOURCES,
                           [["Average speed of answer", "Mean queue time", "seconds", "lower"]],
                           [["ServiceLevelBase: offered", "What SL is divided by"]])
    return openpyxl.load_workbook(path)


def test_sheets_are_readme_contents_one_per_table_sources_definitions(pack):
    assert pack.sheetnames == ["README", "Contents", "01 By queue", "02 Service level by day",
                               "03 t", "Sources", "Definitions"]
    for sheet in pack.worksheets:
        assert sheet.max_row > 4, sheet.title  # every sheet has content under its header
    readme = {row[0]: row[1] for row in pack["README"].iter_rows(values_only=True) if row[0]}
    assert readme["Run id"] == RUN["run_id"] and readme["Data vintage"] == "sources to 2025"
    assert readme["KPIs: channel"] == "voice"


def test_text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers(pack):
    sheet = pack["01 By queue"]
    assert [c.value for c in sheet[4]] == ["Queue", "ASA (s)"]
    for row, text in enumerate(HOSTILE, start=5):
        cell = sheet.cell(row, 1)
        assert cell.value == text and cell.data_type == "s", (text, cell.data_type)
        assert cell.quotePrefix
        assert sheet.cell(row, 2).value == 12.5 and sheet.cell(row, 2).data_type == "n"
    assert sheet.cell(9, 2).value is None  # missing stays empty, not "nan"
    chart = pack["02 Service level by day"]
    assert chart.cell(6, 2).value == "yes"
    assert "chart" in chart.cell(2, 1).value


def test_sources_sheet_lists_every_cited_source_and_only_those(pack):
    rows = list(pack["Sources"].iter_rows(min_row=5, values_only=True))
    assert [r[0] for r in rows] == ["src-a", "src-b", "src-c"]
    assert rows[0][3] == 2024 and rows[0][5] == "primary"


def test_sheet_names_are_valid_and_unique():
    used: set[str] = set()
    first = sheet_name(1, "KPI: [p25/p75]? *all* 'quoted' and a very long title", used)
    assert len(first) <= 31 and not set("[]:*?/\\'") & set(first)
    assert sheet_name(1, "KPI: [p25/p75]? *all* 'quoted' and a very long title", used) != first


def test_an_unwritable_pack_is_one_line_naming_it(tmp_path):
    with pytest.raises(BuildError, match=r"^data pack: data-pack.xlsx not written"):
        write_data_pack(tmp_path / "missing" / "data-pack.xlsx", RUN, REPORTS, SOURCES, [], [])


def test_section_titles_map_each_code_cell_to_the_heading_above(tmp_path):
    import nbformat

    path = write_notebook(tmp_path / "n.ipynb", "x = 1",
                          ["md:## Summary\ntext", "a = 1", "md:### Trend", "b = 2"])
    nb = nbformat.read(path, as_version=4)
    for count, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell["execution_count"] = count + 1
    nbformat.write(nb, path)
    assert section_titles(path) == {1: "Test report", 2: "Summary", 3: "Trend"}


def test_every_chart_records_its_data_for_the_data_pack():
    """A chart added later (staffing, vendor lifecycle...) must not drop out of the data pack."""
    import inspect

    from analysis.views import charts

    public = [
        name for name, fn in inspect.getmembers(charts, inspect.isfunction)
        if fn.__module__ == charts.__name__ and not name.startswith("_")
        and inspect.signature(fn).return_annotation in ("Figure", charts.Figure)
    ]
    # share_bars draws through range_bars, which records the frame it is given.
    missing = [name for name in public
               if not hasattr(getattr(charts, name), "__wrapped__") and name != "share_bars"]
    assert len(public) > 10 and missing == []
