"""pipeline.pdf: WeasyPrint PDFs from report pages, offline, A4/Letter, bound report sets."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from analysis.errors import BuildError
from analysis.pipeline.pdf import bound_document, pdf_stylesheet, write_pdf

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>body {{ color: #111; }}</style>
</head><body><header class="title-block"><p class="kicker">Acme &amp; Co</p>
<h1 class="report-title">{title}</h1></header>
<nav class="toc"><ol><li><a href="#sec-sources">Sources</a></li></ol></nav>
<h2 id="sec-sources">Sources</h2>
<table><thead><tr><th>Year</th><th>USD bn</th></tr></thead><tbody>{rows}</tbody></table>
</body></html>"""


def page(title: str = "Market size", rows: int = 3) -> str:
    body = "".join(f"<tr><td>{2000 + i}</td><td>{i * 1.5:.1f}</td></tr>" for i in range(rows))
    return PAGE.format(title=title, rows=body)


def read(path) -> PdfReader:
    return PdfReader(io.BytesIO(path.read_bytes()))


def test_pdf_has_the_client_and_report_on_page_one_and_the_paper_size(tmp_path):
    a4 = read(write_pdf(page(), tmp_path / "a4.pdf", "A4", "t"))
    letter = read(write_pdf(page(), tmp_path / "letter.pdf", "Letter", "t"))
    first = a4.pages[0].extract_text()
    assert "Acme & Co" in first and "Market size" in first and "Page 1 of 1" in first
    assert round(float(a4.pages[0].mediabox.width)) == 595  # 210 mm
    assert (round(float(letter.pages[0].mediabox.width)),
            round(float(letter.pages[0].mediabox.height))) == (612, 792)


def test_long_table_runs_over_pages_with_header_repeated_and_no_blank_page(tmp_path):
    reader = read(write_pdf(page(rows=300), tmp_path / "long.pdf", "A4", "t"))
    assert len(reader.pages) > 2
    for number, sheet in enumerate(reader.pages, start=1):
        text = sheet.extract_text()
        assert f"Page {number} of {len(reader.pages)}" in text
        assert "Year" in text and "USD bn" in text  # header row repeated on every page
        assert "Acme & Co" in text  # running header


def test_a_page_asking_for_the_network_stops_the_pdf_with_one_line(tmp_path):
    hostile = page().replace("</body>", '<img src="http://example.com/x.png"></body>')
    out = tmp_path / "x.pdf"
    with pytest.raises(BuildError, match=r"^acme/market: PDF step .*example\.com") as caught:
        write_pdf(hostile, out, "A4", "acme/market")
    assert "\n" not in str(caught.value)
    assert not out.exists()


def test_unknown_paper_size_is_refused():
    with pytest.raises(BuildError, match="B5"):
        pdf_stylesheet("B5")


def test_bound_document_keeps_each_reports_anchors_apart_and_escapes_the_manifest(tmp_path):
    run = {"client_name": "<b>Acme</b>", "run_id": "r1", "date": "1 May", "data_vintage": "v",
           "reports": [{"name": "a", "title": "A", "parameters": {"year": 2025}}]}
    html = bound_document([("a", "A", page("A")), ("b", "B", page("B"))], run)
    assert 'id="a--sec-sources"' in html and 'id="b--sec-sources"' in html
    assert 'href="#b--sec-sources"' in html and 'id="sec-sources"' not in html
    assert "<b>Acme</b>" not in html and "&lt;b&gt;Acme&lt;/b&gt;" in html
    reader = read(write_pdf(html, tmp_path / "set.pdf", "A4", "report set"))
    assert "Report set" in reader.pages[0].extract_text()
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents and "A" in contents and "parameters of this run" in contents
    assert all(p.extract_text().strip() for p in reader.pages)
