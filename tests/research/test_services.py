"""analysis.research.services: taxonomy links, segment figures with spreads, coverage."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.data import catalog
from analysis.research import services


def _taxonomy() -> pd.DataFrame:
    return pd.DataFrame({
        "category_id": ["a", "b", "c"], "category": ["Alpha", "Beta", "Gamma"],
        "family": ["front_office", "kpo", "back_office"],
        "scope": ["horizontal", "vertical_specific", "horizontal"],
        "market_segments": ["service:Customer services;sub_market:Contact centre",
                            "sub_market:Contact centre", None],
    })


def _estimates(rows: list[dict]) -> pd.DataFrame:
    defaults = {"metric": "market_size", "geography": "Global", "segment_type": "sub_market",
                "segment": "Contact centre", "definition": None, "unit": "usd_billion",
                "value": math.nan, "year": 2024, "is_forecast": False, "cagr_pct": math.nan,
                "cagr_start_year": pd.NA, "cagr_end_year": pd.NA, "superseded_by": None,
                "share_of": None, "source_id": "s1"}
    frame = pd.DataFrame([{**defaults, **r} for r in rows])
    for col in ("year", "cagr_start_year", "cagr_end_year"):
        frame[col] = frame[col].astype("Int64")
    return frame


SOURCES = pd.DataFrame({"source_id": ["s1", "s2", "s3", "agg"],
                        "publisher": ["P1", "P2", "P3", "Agg"], "title": "t", "year": 2024,
                        "url": "https://example.org",
                        "reliability_tier": ["primary", "relayed", "primary", "aggregator"]})


def test_segment_links_one_row_per_category_segment():
    links = services.segment_links(_taxonomy())
    assert len(links) == 3
    assert set(links["segment"]) == {"Customer services", "Contact centre"}


def test_segment_figures_spread_latest_size_and_reliability():
    estimates = _estimates([
        {"source_id": "s1", "value": 100.0, "year": 2023, "cagr_pct": 6.0, "cagr_end_year": 2030},
        {"source_id": "s1", "value": 90.0, "year": 2020},
        {"source_id": "s2", "value": 120.0, "year": 2024},
        {"source_id": "s3", "value": 50.0, "year": 2010},  # too old
        {"source_id": "agg", "value": 500.0, "year": 2024},  # aggregator: left out
        {"source_id": "s2", "segment_type": "service", "segment": "Customer services",
         "metric": "revenue_share", "unit": "percent", "value": 30.0,
         "share_of": "global BPO revenue"},
        {"source_id": "s1", "segment_type": "service", "segment": "Customer services",
         "metric": "revenue_share", "unit": "percent", "value": 34.0,
         "share_of": "global BPO revenue"},
    ])
    figures = services.segment_figures(_taxonomy(), estimates, SOURCES, "unattributed", 2019)
    cc = figures.set_index("segment").loc["Contact centre"]
    assert cc["size_usd_bn_median"] == pytest.approx(110)  # latest per source: 100 and 120
    assert (cc["size_usd_bn_low"], cc["size_usd_bn_high"]) == (100, 120)
    assert cc["cagr_pct_median"] == pytest.approx(6)
    assert cc["categories"] == "Alpha; Beta"
    assert "agg" not in cc["source_ids"] and "s3" not in cc["source_ids"]
    cs = figures.set_index("segment").loc["Customer services"]
    assert cs["share_pct_median"] == pytest.approx(32)
    assert (cs["share_pct_low"], cs["share_pct_high"]) == (30, 34)
    assert math.isnan(cs["size_usd_bn_median"])


def test_uncovered_categories_lists_unmapped_and_unsized():
    figures = services.segment_figures(_taxonomy(), _estimates([{"value": 10.0}]), SOURCES)
    assert services.uncovered_categories(_taxonomy(), figures) == ["Gamma"]


def test_family_summary_counts_scope():
    summary = services.family_summary(_taxonomy()).set_index("family")
    assert summary.loc["KPO", "vertical-specific"] == 1
    assert summary["categories"].sum() == 3
    assert summary.loc["LPO", "categories"] == 0


def test_curated_taxonomy_covers_the_issue_categories():
    taxonomy = catalog.load("service_taxonomy")
    counts = taxonomy["family"].value_counts()
    assert counts.to_dict() == {"back_office": 8, "front_office": 5, "kpo": 5, "lpo": 3}
    links = services.segment_links(taxonomy)
    estimates = catalog.load("market_estimates")
    known = set(zip(estimates["segment_type"], estimates["segment"], strict=True))
    assert set(zip(links["segment_type"], links["segment"], strict=True)) <= known


# --- the service_categories notebook ------------------------------------------------------------

@pytest.fixture(scope="module")
def categories_run(tmp_path_factory):
    from analysis import paths
    from analysis.pipeline import execute

    out = tmp_path_factory.mktemp("nb") / "service_categories.ipynb"
    return execute.execute_notebook(
        paths.notebooks_dir() / "service_categories.ipynb", out,
        {"weights": {"volume": 2.0}, "outsource_now_threshold": 70, "min_year": 2020},
    )


def test_service_categories_notebook_runs_with_parameters(categories_run):
    import nbformat

    from analysis.pipeline import render
    from analysis.research import fit

    nb = nbformat.read(categories_run.output, as_version=4)
    assert render.execution_errors(nb) == []
    scored = fit.score_processes(catalog.load("process_catalogue"), {"volume": 2.0},
                                 fit.Thresholds(outsource_now=70))
    expected = int((scored["recommendation"] == fit.OUTSOURCE_NOW).sum())
    assert categories_run.figures["processes_outsource_now"]["value"] == expected
    assert categories_run.figures["categories"]["value"] == len(catalog.load("service_taxonomy"))
