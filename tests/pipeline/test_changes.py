"""changes: figure-by-figure comparison with the previous run, and an escaped offline page."""

from __future__ import annotations

import pytest

from analysis.pipeline.changes import compare_runs, figure_change, render_changes_html


def fig(value, label="Market"):
    return {"value": value, "unit": "USD bn", "label": label}


def test_figure_change_absolute_and_percent():
    change = figure_change("m", fig(200.0), fig(230.0))
    assert change["status"] == "changed"
    assert change["abs_change"] == pytest.approx(30.0)
    assert change["pct_change"] == pytest.approx(15.0)
    assert figure_change("m", fig(0), fig(5))["pct_change"] is None  # no % of zero
    assert figure_change("c", fig("Manila"), fig("Cebu"))["abs_change"] is None  # text figure
    assert figure_change("m", None, fig(1))["status"] == "added"
    assert figure_change("m", fig(1), None)["status"] == "removed"
    assert figure_change("m", fig(1), fig(1))["status"] == "unchanged"


def test_compare_runs_names_the_changed_input_and_counts_moves():
    fp_old = {"data": {"data/raw/x.csv": "1"}}
    fp_new = {"data": {"data/raw/x.csv": "2"}}
    previous = {"run_id": "r1", "reports": [
        {"name": "m", "figures": {"size": fig(1.0)}, "fingerprint": fp_old}]}
    current = {"run_id": "r2", "client": "house", "reports": [
        {"name": "m", "title": "Market", "figures": {"size": fig(2.0)}, "fingerprint": fp_new,
         "reused_from": None}]}
    summary = compare_runs(previous, current)
    assert summary["previous_run_id"] == "r1" and summary["figures_changed"] == 1
    (report,) = summary["reports"]
    assert report["inputs_changed"] == ["data changed: data/raw/x.csv"]
    assert report["figures"][0]["pct_change"] == pytest.approx(100.0)


def test_page_escapes_text_from_data_and_loads_nothing():
    evil = "<script>alert(1)</script>"
    current = {"run_id": "r2", "client": evil, "reports": [
        {"name": "m", "title": evil, "figures": {"v": fig(evil, label=evil)},
         "reused_from": None, "fingerprint": {}}]}
    page = render_changes_html(compare_runs(None, current))
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert "http" not in page and "src=" not in page
