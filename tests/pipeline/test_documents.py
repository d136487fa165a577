"""A published run as a client receives it: per-report PDFs, the bound PDF and the data pack,
read back (pypdf, openpyxl) the way a reader would; and a PDF failure publishes nothing.

Runs ``bpo report`` on a temporary ``$BPO_ROOT`` with one small notebook that shows a chart
and a table through the views (as the real notebooks do) and a fake validation.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from helpers import FakeValidation, snapshot, write_notebook
from pypdf import PdfReader

import analysis.cli as cli
import analysis.pipeline.refresh as refresh
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.errors import BuildError
from analysis.pipeline.reports import ReportSpec

REPO = Path(__file__).resolve().parents[2]
HOSTILE_QUEUE = '=HYPERLINK("http://x","y")'
CELLS = [
    "md:## Queues",
    "import pandas as pd\n"
    "from IPython.display import display\n"
    "from analysis.views import charts, tables\n"
    "from analysis.views import report_kit as rk\n"
    "charts.apply_style()\n"
    f"frame = pd.DataFrame({{'queue': ['sales', {HOSTILE_QUEUE!r}] * 40,\n"
    "                      'asa': [float(i) for i in range(80)],\n"
    "                      'empty': [None] * 80, 'source_id': [source] * 80})\n"
    "rk.record('asa', 12.5, unit='s', label='mean ASA', source_ids=[source])\n"
    "display(tables.styled(frame, {'queue': 'Queue', 'asa': 'ASA (s)', 'empty': 'Nothing',\n"
    "                              'source_id': 'Source id'}))",
    "md:## Trend",
    "trend = pd.DataFrame({'year': [2020, 2021, 2022], 'value_usd_bn': [1.0, 2.0, 3.0],\n"
    "                      'median_usd_bn': [1.0, 2.0, 3.0], 'low_usd_bn': [0.5, 1.5, 2.5],\n"
    "                      'high_usd_bn': [1.5, 2.5, 3.5]})\n"
    "scen = pd.DataFrame({'year': [2022, 2023], 'low_usd_bn': [3.0, 3.1],\n"
    "                     'base_usd_bn': [3.0, 3.3], 'high_usd_bn': [3.0, 3.6]})\n"
    "display(charts.forecast_fan(trend, scen, 'Market scenario fan'))",
]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("documents")
    source = "zipdo"
    write_notebook(root / "notebooks" / "queues.ipynb", f"client = 'x'\nsource = {source!r}",
                   CELLS)
    (root / "data" / "raw").mkdir(parents=True)
    shutil.copy(REPO / "data" / "raw" / "sources.csv", root / "data" / "raw" / "sources.csv")
    (root / "config" / "clients").mkdir(parents=True)
    (root / "config" / "clients" / "acme.yaml").write_text(
        "display_name: Acme Insurance\nreports: [queues]\npaper: Letter\n")
    saved = dict(reports.REPORTS)
    reports.REPORTS.clear()
    reports.REPORTS["queues"] = ReportSpec("notebooks/queues.ipynb", "Queue report",
                                           inputs=("sources.csv",))
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("BPO_ROOT", str(root))
            mp.setenv("CI", "true")
            mp.setattr(gate, "run_validation", lambda clients=None: FakeValidation())
            code = cli.main(["report", "--client", "acme"])
            run = root / "reports" / "acme" / os.readlink(root / "reports" / "acme" / "latest")
            yield SimpleNamespace(root=root, code=code, run=run, source=source, mp=mp)
    finally:
        reports.REPORTS.clear()
        reports.REPORTS.update(saved)


def pdf(path: Path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def body_text(page) -> str:
    """A page's text without the running header and the page number (a blank page has none)."""
    running = ("Page ", "Acme Insurance", "Queue report")
    lines = page.extract_text().splitlines()
    return "\n".join(x for x in lines if x.strip() and not x.startswith(running))


def test_run_folder_holds_html_pdfs_and_data_pack_linked_from_the_index(project):
    assert project.code == 0
    names = {p.name for p in project.run.iterdir()}
    assert {"queues.html", "queues.pdf", "report-set.pdf", "data-pack.xlsx"} <= names
    index = (project.run / "index.html").read_text()
    for link in ("queues.pdf", "report-set.pdf", "data-pack.xlsx"):
        assert f'href="{link}"' in index
    manifest = json.loads((project.run / "run.json").read_text())
    assert manifest["documents"] == {"bound_pdf": "report-set.pdf", "data_pack": "data-pack.xlsx"}


@pytest.mark.parametrize("name", ["queues.pdf", "report-set.pdf"])
def test_pdfs_read_as_a_client_would(project, name):
    reader = pdf(project.run / name)
    assert len(reader.pages) >= 2  # 80 rows do not fit one page
    assert "Acme Insurance" in reader.pages[0].extract_text()
    assert round(float(reader.pages[0].mediabox.width)) == 612  # the client's Letter paper
    for number, page in enumerate(reader.pages, start=1):
        assert body_text(page), f"{name}: page {number} is blank"
        assert f"Page {number} of {len(reader.pages)}" in page.extract_text()
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Nothing" not in text  # the all-empty column is not shown
    assert reader.pages[0].images or any(p.images for p in reader.pages)  # the chart


def test_bound_pdf_has_a_cover_and_contents_with_page_numbers(project):
    reader = pdf(project.run / "report-set.pdf")
    assert "Report set" in reader.pages[0].extract_text()
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and "Queue report" in contents and "3" in contents


def test_data_pack_read_as_a_client_would(project):
    book = openpyxl.load_workbook(project.run / "data-pack.xlsx")
    assert book.sheetnames[:2] == ["README", "Contents"]
    assert book.sheetnames[-2:] == ["Sources", "Definitions"]
    for sheet in book.worksheets:
        assert sheet.max_row > 4 and sheet["A5"].value is not None, f"{sheet.title} is empty"
    table = book[book.sheetnames[2]]
    assert [c.value for c in table[4]] == ["Queue", "ASA (s)", "Source id"]
    hostile = table["A6"]
    assert hostile.value == HOSTILE_QUEUE and hostile.data_type == "s"
    assert table["B6"].data_type == "n"
    chart = book[book.sheetnames[3]]
    assert "Market scenario fan" in chart["A1"].value
    sources = [row[0] for row in book["Sources"].iter_rows(min_row=5, values_only=True)]
    assert sources == [project.source]
    readme = {r[0]: r[1] for r in book["README"].iter_rows(values_only=True) if r[0]}
    assert readme["Client"] == "Acme Insurance" and readme["Run id"] == project.run.name


def test_a_pdf_failure_stops_the_run_naming_report_and_step_and_publishes_nothing(
    project, capsys
):
    before = snapshot(project.root / "reports")

    def broken(html_path, pdf_out, paper, label):
        raise BuildError(f"{label}: PDF step failed: OSError: no font")

    project.mp.setattr(refresh, "report_pdf", broken)
    code = cli.main(["report", "--client", "acme", "--force"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 2
    assert any(x == "error: acme/queues: PDF step failed: OSError: no font" for x in lines), lines
    assert snapshot(project.root / "reports") == before
    assert not any((project.root / "build" / "staging").iterdir())
