"""Client deliverables end to end through ``bpo report``: configs in, branded report sets out.

A temporary ``$BPO_ROOT`` holds two clients with their own KPI exports, a hostile client, and a
tiny report notebook that reads its client's export and records key figures; validation is a
fake with one warning. Every configured client is built once per module (``bpo report`` with no
``--client``), then the failure path is exercised on top of that published state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import snapshot, write_notebook

import analysis.cli as cli
import analysis.pipeline.reports as reports
import analysis.pipeline.validate as gate
from analysis.pipeline.reports import ReportSpec

EVIL = "<script>alert(1)</script>"
SOURCES_HEADER = (
    "source_id,publisher,relayed_by,attribution,title,url,year,reliability_tier,year_basis\n"
)
LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8"/></svg>'
ALPHA_BRANDING = "branding: {logo: logos/alpha.svg, accent: '#0b6e4f'}\n"
# Each client's distinctive values: its name, a parameter, and what its KPI export holds.
CLIENTS = {
    "alpha": {"name": "Alpha Mutual", "focus": "ALPHAFOCUS", "kpi": "ALPHA-KPI-7731"},
    "beta": {"name": "Beta Logistics", "focus": "BETAFOCUS", "kpi": "BETA-KPI-4409"},
}
KPI_CELLS = [
    "md:## Service level",
    "from pathlib import Path\n"
    "from analysis.views import report_kit as rk\n"
    "kpi_text = Path(kpi_export).read_text().strip() if kpi_export else 'no export'\n"
    "rk.record('service_level', 81.5, unit='%', label=f'Service level {kpi_text}', "
    "source_ids=['evil-src', 'good-src'])\n"
    "rk.record('vendor', vendor, label='Preferred vendor')\n"
    "rk.say('Focus {focus}; export {kpi}; vendor {vendor}.', focus=focus, kpi=kpi_text, "
    "vendor=vendor)\n"
    "if fail:\n    raise RuntimeError('export is corrupt')",
    "md:## Sources\n\nListed by the notebook.",
]


@dataclass
class Finding:
    line: str


@dataclass
class FakeValidation:
    success: bool = True
    summary_lines: list[str] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=lambda: [Finding(f"WARNING kpi.csv: {EVIL}")])
    result_dir: Path = Path("build/validation/x")
    datasets: dict[str, int] = field(default_factory=lambda: {"kpi_exports": 42})
    run_id: str = "val-1"


def write_config(root: Path, client: str, text: str) -> None:
    (root / "config" / "clients" / f"{client}.yaml").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    write_notebook(
        root / "notebooks" / "kpi.ipynb",
        "focus = 'none'\nvendor = 'n/a'\nkpi_export = None\nfail = False\nclient = ''",
        KPI_CELLS,
    )
    (root / "config" / "clients").mkdir(parents=True)
    (root / "config" / "logos").mkdir()
    (root / "config" / "logos" / "alpha.svg").write_text(LOGO, encoding="utf-8")
    for client, values in CLIENTS.items():
        export = root / "data" / "raw" / "clients" / client / "kpi.yaml"
        export.parent.mkdir(parents=True)
        export.write_text(values["kpi"], encoding="utf-8")
        write_config(
            root,
            client,
            f"display_name: {values['name']}\n"
            f"parameters: {{kpi: {{focus: {values['focus']}, vendor: Vendor-{client}}}}}\n"
            f"kpi_export: data/raw/clients/{client}/kpi.yaml\n"
            + (ALPHA_BRANDING if client == "alpha" else ""),
        )
    write_config(
        root, "hostile", f"display_name: '{EVIL}'\nparameters: {{kpi: {{vendor: '{EVIL}'}}}}\n"
    )
    (root / "data" / "raw" / "sources.csv").write_text(
        SOURCES_HEADER
        + f'evil-src,Evil Pub,,,"{EVIL}",javascript:alert(1),2024,relayed,\n'
        + "good-src,Good Research,,,Good title,https://example.org/r,2025,primary,\n",
        encoding="utf-8",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BPO_ROOT", str(root))
        mp.setenv("CI", "true")
        mp.setattr(reports, "REPORTS", {"kpi": ReportSpec("notebooks/kpi.ipynb", "Contact KPIs")})
        mp.setattr(gate, "run_validation", lambda clients=None: FakeValidation())
        code = cli.main(["report"])
        pages = {
            client: (root / "reports" / client / "latest" / "kpi.html").read_text(encoding="utf-8")
            for client in [*CLIENTS, "hostile"]
        }
        yield SimpleNamespace(root=root, code=code, pages=pages, mp=mp)


def test_every_configured_client_gets_a_published_set(site):
    assert site.code == 0
    for client in [*CLIENTS, "hostile"]:
        index = (site.root / "reports" / client / "latest" / "index.html").read_text("utf-8")
        assert 'href="kpi.html"' in index and "Contact KPIs" in index
    site_index = (site.root / "reports" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{client}/latest/index.html"' in site_index for client in CLIENTS)


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_clients_reports_hold_its_values_and_none_of_another_clients(site, client):
    page = site.pages[client]
    own = CLIENTS[client]
    assert own["name"] in page and own["focus"] in page and own["kpi"] in page
    for other, values in CLIENTS.items():
        if other != client:
            for value in (values["name"], values["focus"], values["kpi"], f"Vendor-{other}"):
                assert value not in page, (client, value)


def test_client_without_an_export_gets_none_of_the_others(site):
    page = site.pages["hostile"]
    assert "no export" in page
    assert not any(values["kpi"] in page for values in CLIENTS.values())


def test_title_block_executive_summary_and_appendices(site):
    page = site.pages["alpha"]
    title = page.split("</header>")[0]
    for text in ("Alpha Mutual", "Contact KPIs", "Data vintage", "Run"):
        assert text in title
    run_id = (site.root / "reports" / "alpha" / "latest").readlink().name
    assert run_id in title and run_id in page.split('class="report-footer"')[1]
    # the executive summary comes before the notebook's first section and holds its figures
    summary = page.split('class="exec-summary"')[1].split("</section>")[0]
    assert page.index('class="exec-summary"') < page.index('id="sec-service-level"')
    assert "81.5" in summary and "ALPHA-KPI-7731" in summary and "Vendor-alpha" in summary
    appendix = page.split('id="sec-appendix-methodology-and-sources"')[1]
    assert "Good Research" in appendix and 'href="https://example.org/r"' in appendix
    quality = page.split('id="sec-appendix-data-quality"')[1]
    assert "kpi_exports" in quality and "42" in quality and "val-1" in quality
    toc = re.search(r'<nav[^>]*class="toc"[^>]*>(.*?)</nav>', page, re.DOTALL).group(1)
    assert "Executive summary" in toc and "Appendix: data quality" in toc


def test_branding_is_embedded(site):
    alpha, beta = site.pages["alpha"], site.pages["beta"]
    assert 'class="client-logo" src="data:image/svg+xml;base64,' in alpha
    assert "--accent: #0b6e4f" in alpha
    assert 'class="client-logo"' not in beta and "#0b6e4f" not in beta


def test_text_from_configs_and_data_is_escaped_everywhere(site):
    page = site.pages["hostile"]
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in site.pages["alpha"]  # a data URL never becomes a link
    assert "<script" not in site.pages["alpha"].lower()  # source title and warning escaped
    for listing in ("reports/index.html", "reports/hostile/latest/index.html"):
        text = (site.root / listing).read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "&lt;script&gt;" in text


def test_failed_notebook_publishes_nothing_and_keeps_the_last_good_set(site, capsys):
    reports_dir = site.root / "reports"
    before = snapshot(reports_dir)
    write_config(
        site.root,
        "alpha",
        "display_name: Alpha Mutual\nparameters: {kpi: {fail: true}}\n"
        "kpi_export: data/raw/clients/alpha/kpi.yaml\n",
    )
    capsys.readouterr()
    code = cli.main(["report", "--client", "alpha"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 2
    # the line leads with the error, then the cell and the kept notebook (P9-E01)
    failure = next(line for line in lines if line.startswith("kpi.ipynb: RuntimeError: "))
    assert failure.startswith("kpi.ipynb: RuntimeError: export is corrupt (cell ")
    assert "; executed notebook kept at " in failure and failure.endswith(")")
    kept = Path(failure.rsplit("kept at ", 1)[1].removesuffix(")"))
    assert kept.is_file()
    assert not list((site.root / "build" / "staging").iterdir())
    assert snapshot(reports_dir) == before  # last good deliverable untouched, byte for byte


def test_bad_config_stops_before_validation_and_any_notebook(site, capsys):
    before = snapshot(site.root)
    write_config(site.root, "gamma", "display_name: Gamma\nparameters: {kpi: {fokus: x}}\n")
    try:
        calls = []
        site.mp.setattr(gate, "run_validation",
                        lambda clients=None: calls.append(1) or FakeValidation())
        code = cli.main(["report"])
    finally:
        (site.root / "config" / "clients" / "gamma.yaml").unlink()
    message = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 2 and calls == []
    assert "gamma.yaml" in message and "'fokus'" in message and "allowed:" in message
    after = snapshot(site.root)
    after.pop("config/clients/gamma.yaml", None)
    assert after == before
