"""The market-size notebook executes end to end, and its parameters change what it reports."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from analysis import paths
from analysis.pipeline import execute, render

NOTEBOOK = paths.notebooks_dir() / "market_size.ipynb"


def _markdown_outputs(executed: Path) -> str:
    nb = nbformat.read(executed, as_version=4)
    return "\n".join(
        out["data"]["text/markdown"]
        for cell in nb.cells
        for out in cell.get("outputs", [])
        if "text/markdown" in out.get("data", {})
    )


@pytest.fixture(scope="module")
def global_run(tmp_path_factory) -> execute.ExecutionResult:
    out = tmp_path_factory.mktemp("nb") / "market_size.ipynb"
    return execute.execute_notebook(
        NOTEBOOK, out, {"horizon_years": 2, "first_year": 2022, "base_year": 2025}
    )


@pytest.fixture(scope="module")
def india_run(tmp_path_factory) -> execute.ExecutionResult:
    out = tmp_path_factory.mktemp("nb") / "market_size_india.ipynb"
    return execute.execute_notebook(
        NOTEBOOK, out,
        {"geography": "Philippines", "segment": "IT-BPM", "definition": None,
         "base_year": 2023, "horizon_years": 2, "first_year": 2020},
    )


def test_notebook_runs_without_error_and_records_key_figures(global_run):
    nb = nbformat.read(global_run.output, as_version=4)
    assert render.execution_errors(nb) == []
    figures = global_run.figures
    assert figures["consensus_usd_bn"]["value"] > 0
    assert figures["consensus_low_usd_bn"]["value"] <= figures["consensus_usd_bn"]["value"]
    assert figures["consensus_usd_bn"]["value"] <= figures["consensus_high_usd_bn"]["value"]


def test_summary_sentence_is_built_from_the_recorded_consensus(global_run):
    text = _markdown_outputs(global_run.output)
    median = global_run.figures["consensus_usd_bn"]["value"]
    assert f"about USD {median:,.0f} billion" in text
    assert "Global Total BPO, 2025" in text


def test_parameters_change_the_report(global_run, india_run):
    text = _markdown_outputs(india_run.output)
    assert "Philippines IT-BPM, 2023" in text
    assert india_run.figures["consensus_usd_bn"]["value"] != pytest.approx(
        global_run.figures["consensus_usd_bn"]["value"]
    )


def test_published_html_has_no_code_and_charts_are_embedded(global_run, tmp_path):
    html = render.notebook_to_html(
        global_run.output, tmp_path / "market_size.html", title="Market size", meta={}
    ).read_text(encoding="utf-8")
    assert 'class="highlight' not in html and "jp-InputPrompt" not in html
    for code in ("build_market_view", "import ", "rk.say(", "display("):
        assert code not in html, f"code leaked into the report: {code!r}"
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) >= 3
    assert render.external_loads(html) == []


def test_unknown_segment_fails_with_the_segments_that_exist(tmp_path):
    with pytest.raises(Exception, match="segments with figures there") as info:
        execute.execute_notebook(NOTEBOOK, tmp_path / "bad.ipynb", {"segment": "Moon BPO"})
    assert "Moon BPO" in str(info.value)


def test_united_states_view_shows_every_figure_with_its_tier_and_spread(tmp_path):
    from analysis.data import catalog
    from analysis.pipeline.config import load_client
    from analysis.views import market_view

    params = load_client("house-united-states").config.parameters["market_size"]
    assert params["geography"] == "United States"
    run = execute.execute_notebook(NOTEBOOK, tmp_path / "us.ipynb", params)
    assert render.execution_errors(nbformat.read(run.output, as_version=4)) == []
    view = market_view.build_market_view(catalog.load("market_estimates"),
                                         catalog.load("sources"), **params)
    spread = view.spread.set_index(["publisher", "year"])
    # the vendor guide's widely quoted figures are both in the table, with their tier
    assert spread.loc[("1840 & Company", 2024), "value_usd_bn"] == pytest.approx(73)
    assert spread.loc[("1840 & Company", 2025), "value_usd_bn"] == pytest.approx(110)
    assert set(view.spread["reliability_tier"]) >= {"primary", "aggregator", "unattributed"}
    text = _markdown_outputs(run.output)
    assert "from a single source" in text  # only one source at the kept tier: flagged
    widest = view.spread.loc[view.spread["vs_others_pct"].abs().idxmax()]
    assert f"{widest['vs_others_pct']:+.0f} % against the median" in text
    # global shares are not applied to a US total
    assert "The largest service line" not in text
    assert run.figures["consensus_usd_bn"]["evidence_groups"]
