"""execute.py, render.py: strict parameters, one-line failures, offline input-free HTML reports.

Each test notebook is tiny and executed once per module (a kernel start costs ~2 s).
"""

from __future__ import annotations

import re

import pytest
from helpers import write_notebook

from analysis.errors import BuildError, ConfigError
from analysis.pipeline.execute import execute_notebook
from analysis.pipeline.render import add_table_of_contents, external_loads, notebook_to_html

EVIL_CLIENT = "<script>alert(1)</script>"


REPORT_CELLS = [
    "md:## Market size & growth\n\nIntro text.\n\n### By region",
    "import sys, warnings\n"
    "warnings.warn('careful-warning-text')\n"
    "print('stderr-noise-text', file=sys.stderr)\n"
    "print('stdout-visible', base_year)",
    "from analysis.views.report_kit import record, say\n"
    "record('market_total', base_year * 2, unit='usd_billion', label='Total')\n"
    "say('## Outlook to {year}\\n\\nThe market reaches **USD {size} bn**.', "
    "year=base_year, size=1234.5)",
    "import matplotlib.pyplot as plt\n"
    "fig, ax = plt.subplots(figsize=(2, 1)); ax.plot([1, 2]); plt.show()",
    "md:## Outlook to 2030\n\nSame heading text twice must still get distinct anchors. "
    'See <a href="https://example.com/source">the source</a>.',
]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("build")
    notebook = write_notebook(root / "nb" / "report.ipynb", "base_year = 2024", REPORT_CELLS)
    result = execute_notebook(notebook, root / "out" / "report.ipynb", {"base_year": 2030})
    html_path = notebook_to_html(
        result.output,
        root / "site" / "report.html",
        title="Market <b>size</b>",
        meta={
            "client_name": EVIL_CLIENT,
            "run_id": "20250101-000000-0001",
            "accent": "#aa3300",
            "figures": result.figures,
        },
    )
    return result, html_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def failure(tmp_path_factory):
    root = tmp_path_factory.mktemp("fail")
    notebook = write_notebook(
        root / "boom.ipynb", "divisor = 1", ["x = 1 / divisor", "y = 1 / (divisor - divisor)"]
    )
    output = root / "build" / "boom.ipynb"
    with pytest.raises(BuildError) as caught:
        execute_notebook(notebook, output, {"divisor": 3})
    return str(caught.value), output, root


def test_unknown_parameter_is_rejected_naming_it_and_the_allowed_ones(tmp_path):
    notebook = write_notebook(tmp_path / "p.ipynb", "base_year = 2024\ngeography = 'Global'", [])
    with pytest.raises(ConfigError) as caught:
        execute_notebook(notebook, tmp_path / "out.ipynb", {"base_yaer": 2025})
    message = str(caught.value)
    assert "'base_yaer'" in message and "p.ipynb" in message
    assert "base_year" in message and "geography" in message
    assert not (tmp_path / "out.ipynb").exists()


def test_parameters_reach_the_kernel_and_recorded_figures_are_collected(report):
    result, page = report
    assert result.parameters == {"base_year": 2030}
    assert result.figures["market_total"]["value"] == 4060
    assert result.figures["market_total"]["unit"] == "usd_billion"
    assert "stdout-visible 2030" in page


def test_html_shows_no_code_no_prompts_no_stderr(report):
    _, page = report
    assert "warnings.warn" not in page and "record(" not in page  # cell sources
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "stderr-noise-text" not in page and "careful-warning-text" not in page
    assert "jp-InputArea-editor" not in page


def test_html_is_self_contained(report):
    _, page = report
    assert "<script src" not in page.lower()
    assert not re.search(r"<link[^>]+href=[\"']?https?:", page, re.IGNORECASE)
    assert "@import" not in page and "mathjax" not in page.lower()
    assert external_loads(page) == []
    assert 'src="data:image/png;base64,' in page  # the figure travels inside the file
    # a citation link is fine: it is followed only when clicked
    assert 'href="https://example.com/source"' in page


def test_offline_guard_detects_external_loads():
    page = '<script src="https://cdn.x/y.js"></script><img src="//cdn.x/a.png"><style>@import u'
    assert len(external_loads(page)) == 3


def test_toc_lists_every_section_and_its_anchors_resolve(report):
    _, page = report
    toc = re.search(r'<nav[^>]*class="toc"[^>]*>(.*?)</nav>', page, re.DOTALL).group(1)
    targets = re.findall(r'href="#([^"]+)"', toc)
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    # 3 x h2 (one computed by say()) + 1 x h3 of the notebook, the executive summary and the
    # two appendices
    assert len(targets) == 7
    assert len(set(targets)) == 7
    assert all(target in ids for target in targets)
    assert "Outlook to 2030" in toc and "By region" in toc


def test_toc_nests_h3_under_their_h2():
    page = (
        "<!--bpo:toc--><!--bpo:content-start--><h3>Lead-in</h3><h2>A</h2><h3>A1</h3><h3>A2</h3>"
        "<h2>B</h2><!--bpo:content-end-->"
    )
    toc = add_table_of_contents(page).split("<!--bpo:content-start-->")[0]
    assert toc.count("<ol>") == toc.count("</ol>") == 2
    assert toc.count("<li>") == toc.count("</li>") == 5
    nested = toc.split('href="#sec-a"')[1].split("</ol>")[0]
    assert "A1" in nested and "A2" in nested and "B" not in nested


def test_say_displays_markdown_once(report):
    _, page = report
    assert page.count("USD 1,234 bn") == 1  # no echo of a return value as raw text
    assert "## Outlook" not in page


def test_text_from_config_is_escaped(report):
    _, page = report
    assert EVIL_CLIENT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Market &lt;b&gt;size&lt;/b&gt;" in page
    assert "--accent: #aa3300" in page
    assert "20250101-000000-0001" in page.split('class="report-footer"')[1]


def test_accent_colour_must_be_a_colour(report, tmp_path):
    result, _ = report
    with pytest.raises(ConfigError):
        notebook_to_html(
            result.output, tmp_path / "x.html", title="t", meta={"accent": "red;}body{x:y"}
        )
    assert not (tmp_path / "x.html").exists()


def test_cell_failure_is_one_line_naming_cell_and_exception(failure):
    message, output, _ = failure
    assert "\n" not in message
    # The line leads with what went wrong, then where (P9-E01): cell 3 of the analyst's
    # notebook (title, parameters, ok cell, failing cell): the cell papermill injects for the
    # parameters is not counted.
    assert re.fullmatch(r"boom\.ipynb: ZeroDivisionError: division by zero \(cell 3, "
                        r"In \[\d+\]; executed notebook kept at (.+)\)", message), message
    assert message.endswith(f"kept at {output})") and output.exists()


def test_failed_notebook_is_never_converted(failure):
    _, output, root = failure
    html_out = root / "boom.html"
    with pytest.raises(BuildError, match="not converted"):
        notebook_to_html(output, html_out, title="t", meta={})
    assert not html_out.exists()


def test_cell_timeout_is_a_one_line_build_error_naming_the_cell(tmp_path, capfd):
    notebook = write_notebook(tmp_path / "slow.ipynb", "n = 1", ["import time\ntime.sleep(60)"])
    with pytest.raises(BuildError) as caught:
        execute_notebook(notebook, tmp_path / "out" / "slow.ipynb", {"n": 2}, timeout=1)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("slow.ipynb: CellTimeoutError: ")
    kept = tmp_path / "out" / "slow.ipynb"
    assert message.endswith(f"(cell 2; executed notebook kept at {kept})")
    # X04: the kernel shut down mid-cell prints a ZMQ traceback; it goes to the kernel's log,
    # not into the build's output (the kernel inherits our file descriptors otherwise).
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "ZMQError" not in out + err, err
    assert (tmp_path / "out" / "slow.kernel.log").is_file()


def test_missing_kernel_says_how_to_fix_it(tmp_path):
    notebook = write_notebook(tmp_path / "k.ipynb", "n = 1", ["n"])
    with pytest.raises(BuildError, match="make setup"):
        execute_notebook(notebook, tmp_path / "out.ipynb", {}, kernel="no-such-kernel-xyz")


def test_key_figures_show_evidence_strength_and_the_appendix_an_evidence_table(tmp_path):
    from analysis.pipeline import render

    sources = [
        {"source_id": "a", "year": 2023, "reliability_tier": "primary", "publisher": "A"},
        {"source_id": "a-2025", "year": 2025, "reliability_tier": "relayed", "publisher": "A"},
        {"source_id": "b", "year": 2026, "reliability_tier": "relayed", "publisher": "B"},
        {"source_id": "c", "year": 2015, "reliability_tier": "relayed", "publisher": "C"},
    ]
    figures = {
        "total": {"name": "total", "value": 10.0, "unit": "USD bn", "label": "total",
                  "source_ids": ["a", "a-2025", "b"],
                  "evidence_groups": {"a": ["a-ed"], "a-2025": ["a-ed"]}},
        "csat": {"name": "csat", "value": 80.0, "unit": "%", "label": "csat",
                 "source_ids": ["c"]},
        "count": {"name": "count", "value": 3, "label": "count"},
    }
    rows = {r["label"]: r["evidence"] for r in render.key_figures(figures, sources)}
    assert rows == {"Total": "2 sources, 2023–2026, 1 primary, 1 relayed",
                    "Csat": "1 source, 2015, 1 relayed (single source)", "Count": ""}
    table = render.evidence_table(figures, sources)
    assert [(r["label"], r["single"]) for r in table] == [("Total", ""), ("Csat", "1")]
    nb = tmp_path / "nb.ipynb"
    from helpers import write_notebook

    write_notebook(nb, "x = 1", ["print(x)"])
    result = execute_notebook(nb, tmp_path / "out.ipynb", {})
    page = notebook_to_html(result.output, tmp_path / "page.html", title="T",
                            meta={"figures": figures, "sources": sources}).read_text()
    assert '<span class="kf-evidence">2 sources, 2023–2026, 1 primary, 1 relayed</span>' in page
    assert "Evidence behind the key figures" in page
    assert '<tr class="single-source"><td>Csat</td>' in page


def test_data_quality_appendix_states_rows_each_exclusion_rule_left_out(report, tmp_path):
    from analysis.data.validation.report import ValidationReport
    from analysis.pipeline.render import data_quality

    result, _ = report
    outcome = ValidationReport([], tmp_path, "v1", datasets={"demo/interactions": 10},
                               excluded={"demo/interactions": {"phantom calls": 1234}})
    page = notebook_to_html(result.output, tmp_path / "r.html", title="KPI",
                            meta={"data_quality": data_quality(outcome)}).read_text()
    appendix = page.split('id="sec-appendix-data-quality"')[-1]
    assert "phantom calls" in appendix and "<td>1234</td>" in appendix


def test_a_relative_bpo_root_reaches_the_kernel_absolute(tmp_path, monkeypatch):
    # P5-R11: validation read <cwd>/<root> while the kernel, running in notebooks/, resolved the
    # same relative text from there. The kernel must see the root this process resolved.
    project = tmp_path / "proj"
    notebook = write_notebook(
        project / "notebooks" / "root.ipynb", "n = 1",
        ["import os\nfrom analysis.paths import project_root\n"
         "(project_root().parent / 'seen.txt').write_text("
         "os.environ['BPO_ROOT'] + '|' + str(project_root()))"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BPO_ROOT", "proj")
    execute_notebook(notebook, tmp_path / "out" / "root.ipynb", {})
    seen = (tmp_path / "seen.txt").read_text()
    assert seen == f"{project}|{project}"
    assert not (project / "notebooks" / "seen.txt").exists()
