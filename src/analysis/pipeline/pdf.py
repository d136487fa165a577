"""Report pages -> paginated PDF with WeasyPrint: one per report and one bound per run.

The PDFs are made from the same HTML the browser shows, with a print stylesheet added here:
A4 or Letter (the client config's ``paper``), a running header with the client and the report,
page numbers, no table row cut across pages, headings kept with what follows them. WeasyPrint
renders in process (no browser) and fetches nothing: its URL fetcher refuses every URL that is
not an embedded ``data:`` URI, and a refused URL stops the PDF (the page should never ask).

The bound PDF (``report-set.pdf``) is one document: a cover, the contents with page numbers,
each report in turn (with its own appendices) and the run's parameters as a last appendix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis.errors import BuildError, reraise_if_interrupted

PAPER_SIZES = ("A4", "Letter")
_HEAD_END_RE = re.compile(r"</head>", re.IGNORECASE)
BOUND_PDF = "report-set.pdf"

# The print stylesheet of the PDFs, on top of the page's own: ``!important`` where it overrides
# the page's @media print rules (a page break before every h2 leaves half-empty pages).
_PDF_CSS = """
@page {
  size: %(paper)s;
  margin: 20mm 15mm 18mm 15mm;
  @top-left { content: string(client); font: 7.5pt sans-serif; color: #5b6474;
              vertical-align: bottom; padding-bottom: 3mm; }
  @top-right { content: string(report); font: 7.5pt sans-serif; color: #5b6474;
               vertical-align: bottom; padding-bottom: 3mm; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages);
                  font: 7.5pt sans-serif; color: #5b6474; }
}
@page cover { @top-left { content: none; } @top-right { content: none; } }
html { font-size: 9.5pt; }
body { max-width: none; margin: 0; padding: 0; line-height: 1.45; }
.kicker { string-set: client content(); }
h1.report-title { string-set: report content(); }
h2 { break-before: auto !important; page-break-before: auto !important; margin-top: 1.6rem;
     font-size: 1.35rem; }
h2, h3, h4, .toc-title, caption { break-after: avoid; page-break-after: avoid; }
/* A markdown cell (a heading, the sentence introducing a chart) stays with the output after it. */
.jp-MarkdownCell { break-after: avoid !important; page-break-after: avoid !important; }
.jp-Cell, .jp-OutputArea-output, table { break-inside: auto !important;
  page-break-inside: auto !important; }
.jp-OutputArea-output { overflow: visible; margin: .3rem 0; }
table { font-size: 7pt; max-width: 100%%; }
thead { display: table-header-group; }
tr, .key-figure, img, figure, svg { break-inside: avoid !important;
  page-break-inside: avoid !important; }
th, td { padding: .15rem .35rem; }
.jp-RenderedImage img { max-width: 100%%; margin: .5rem auto; }
.toc a::after { content: leader(". ") target-counter(attr(href), page); }
.toc ol ol { display: none; }
.report-footer { display: none; }
a { color: inherit; text-decoration: none; }
.key-figures { display: block !important; }
.key-figure { display: inline-block !important; width: 31%%; margin: 0 1%% .6rem 0;
              vertical-align: top; }
.cover { page: cover; height: 240mm; display: flex; flex-direction: column;
         justify-content: space-between; }
.cover h1 { font-size: 2.4rem; margin: 30mm 0 .5rem; }
.cover .client-logo { float: none; max-height: 4rem; }
.cover .report-meta { display: block; font-size: 1rem; }
.cover .report-meta div { display: block; margin: .25rem 0; }
.cover .report-meta dt, .cover .report-meta dd { display: inline; }
.bound-contents ol { list-style: none; padding: 0; font-size: 1.05rem; }
.bound-contents li { margin: .5rem 0; }
.bound-contents a::after { content: leader(". ") target-counter(attr(href), page); }
.bound-report, .bound-appendix, .bound-contents { break-before: page; page-break-before: always; }
"""


class OfflineFetcher:
    """WeasyPrint URL fetcher that serves ``data:`` URIs and refuses everything else."""

    def __init__(self) -> None:
        from weasyprint.urls import URLFetcher

        self._inner = URLFetcher(allowed_protocols={"data"})
        self.refused: list[str] = []

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        return self.fetch(url)

    def fetch(self, url: str, headers: Any = None) -> Any:
        from weasyprint.urls import FatalURLFetchingError

        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url[:80]!r}: PDFs load nothing")
        return self._inner.fetch(url, headers)


def pdf_stylesheet(paper: str) -> str:
    """The print stylesheet added to a report page to make its PDF (``paper``: A4 or Letter)."""
    if paper not in PAPER_SIZES:
        raise BuildError(f"paper size {paper!r} is not one of {', '.join(PAPER_SIZES)}")
    return _PDF_CSS % {"paper": paper}


def write_pdf(page: str, pdf_out: Path, paper: str, label: str) -> Path:
    """Render the HTML text ``page`` into ``pdf_out``; ``label`` names it in a failure.

    Raises ``BuildError`` (one line: label, step, reason) when WeasyPrint fails or the page
    asks for anything outside the file.
    """
    try:
        from weasyprint import HTML
        from weasyprint.urls import FatalURLFetchingError
    except ImportError as error:
        raise BuildError(
            f"{label}: PDF step failed: WeasyPrint cannot load ({error}); it needs the Pango "
            "library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0), or skip PDFs "
            "with --no-pdf"
        ) from None
    fetcher = OfflineFetcher()
    try:
        # In the page, after its own style: author rules, so the later, PDF rule wins ties
        # (a stylesheet passed to write_pdf is a user sheet, which page rules override).
        styled = _HEAD_END_RE.sub(
            lambda _: f"<style>{pdf_stylesheet(paper)}</style></head>", page, count=1)
        if styled == page:
            raise BuildError(f"{label}: PDF step failed: the page has no </head>")
        document = HTML(string=styled, url_fetcher=fetcher, media_type="print")
        pdf_out.parent.mkdir(parents=True, exist_ok=True)
        document.write_pdf(pdf_out)
    except BuildError:
        raise
    except (Exception, FatalURLFetchingError) as error:  # one line whatever WeasyPrint raised
        pdf_out.unlink(missing_ok=True)
        reraise_if_interrupted(error)
        reason = " ".join(str(error).split())[:200]
        raise BuildError(f"{label}: PDF step failed: {type(error).__name__}: {reason}") from None
    if fetcher.refused:
        pdf_out.unlink(missing_ok=True)
        raise BuildError(f"{label}: PDF step refused to fetch {fetcher.refused[0][:80]!r}")
    return pdf_out


def report_pdf(html_path: Path, pdf_out: Path, paper: str, label: str) -> Path:
    """One report page (``<report>.html``) as a PDF beside it."""
    return write_pdf(Path(html_path).read_text(encoding="utf-8"), pdf_out, paper, label)


_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)
_STYLE_RE = re.compile(r"<style>(.*?)</style>", re.DOTALL | re.IGNORECASE)
_ID_RE = re.compile(r'(\sid=")([^"]+)(")')
_FRAGMENT_RE = re.compile(r'(\shref="#)([^"]+)(")')


def _namespaced_body(page: str, prefix: str) -> str:
    """The page's body with every id and in-page link prefixed, so reports bound together
    keep their own anchors (two reports both have a "Sources" section)."""
    match = _BODY_RE.search(page)
    if not match:
        raise BuildError(f"{prefix}: report page has no <body>")
    body = _ID_RE.sub(lambda m: f"{m[1]}{prefix}--{m[2]}{m[3]}", match.group(1))
    return _FRAGMENT_RE.sub(lambda m: f"{m[1]}{prefix}--{m[2]}{m[3]}", body)


def bound_document(
    pages: Sequence[tuple[str, str, str]], run: Mapping[str, Any], logo: str | None = None
) -> str:
    """One HTML document binding the report pages: cover, contents, reports, appendix.

    ``pages``: (name, title, page HTML) in reading order; ``run``: the run manifest (client
    name, run id, date, data vintage, parameters). Text from the manifest is escaped.
    """
    if not pages:
        raise BuildError("bound PDF: no report to bind")
    style = _STYLE_RE.search(pages[0][2])
    esc = html.escape
    client = esc(str(run.get("client_name") or run.get("client") or ""))
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{client}: report set {esc(str(run.get('run_id', '')))}</title>",
        f"<style>{style.group(1) if style else ''}</style></head><body>",
        '<section class="cover title-block">',
        "<div>",
        f'<img class="client-logo" src="{esc(logo)}" alt="">' if logo else "",
        f'<p class="kicker">{client}</p><h1 class="report-title">Report set</h1>',
        '<p class="subtitle">' + " · ".join(esc(t) for _, t, _ in pages) + "</p></div>",
        '<dl class="report-meta">',
        f"<div><dt>Prepared for</dt><dd>{client}</dd></div>",
        f"<div><dt>Date</dt><dd>{esc(str(run.get('date') or ''))}</dd></div>",
        f"<div><dt>Data vintage</dt><dd>{esc(str(run.get('data_vintage') or ''))}</dd></div>",
        f"<div><dt>Run</dt><dd><code>{esc(str(run.get('run_id') or ''))}</code></dd></div>",
        "</dl></section>",
        '<nav class="bound-contents"><h2>Contents</h2><ol>',
    ]
    for name, title, _ in pages:
        parts.append(f'<li><a href="#report-{esc(name)}">{esc(title)}</a></li>')
    parts.append('<li><a href="#run-parameters">Appendix: parameters of this run</a></li>')
    parts.append("</ol></nav>")
    for name, _, page in pages:
        parts.append(f'<section class="bound-report" id="report-{esc(name)}">')
        parts.append(_namespaced_body(page, name))
        parts.append("</section>")
    parts.append('<section class="bound-appendix" id="run-parameters">')
    parts.append('<h2>Appendix: parameters of this run</h2>')
    parts.append("<table><thead><tr><th>Report</th><th>Parameter</th><th>Value</th></tr>"
                 "</thead><tbody>")
    for entry in run.get("reports", []):
        for key, value in sorted((entry.get("parameters") or {}).items()):
            parts.append(f"<tr><td>{esc(str(entry.get('title', '')))}</td><td>{esc(key)}</td>"
                         f"<td>{esc(str(value))}</td></tr>")
    parts.append("</tbody></table></section></body></html>")
    return "\n".join(parts)


def bound_pdf(
    stage: Path, run: Mapping[str, Any], paper: str, logo: str | None = None
) -> Path:
    """``report-set.pdf`` in ``stage``: every report of the run manifest bound in one PDF."""
    pages = [
        (str(entry["name"]), str(entry["title"]),
         (stage / entry["file"]).read_text(encoding="utf-8"))
        for entry in run.get("reports", [])
    ]
    return write_pdf(bound_document(pages, run, logo), stage / BOUND_PDF, paper, "report set")
