"""report_kit: prose number formatting, escaping, and key-figure recording."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.views import report_kit
from analysis.views.report_kit import FIGURES_ENV, load_figures, record, render


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234567, "1,234,567"),
        (245.28, "245.3"),
        (7.456, "7.46"),
        (0.0345, "0.035"),
        (12000.4, "12,000"),
        (np.int64(4200), "4,200"),
        (np.float64(3.14159), "3.14"),
        (pd.NA, "n/a"),
        (float("nan"), "n/a"),
        (None, "n/a"),
        ("<b>BFSI</b>", "&lt;b&gt;BFSI&lt;/b&gt;"),
    ],
)
def test_bare_placeholders_get_prose_formatting(value, text):
    assert render("{v}", v=value) == text


def test_explicit_format_spec_wins():
    assert render("{share:.1%} of {total:,.2f}", share=0.1234, total=1000) == "12.3% of 1,000.00"


def test_record_appends_to_side_file_and_last_value_wins(tmp_path, monkeypatch):
    side = tmp_path / "figs" / "r.figures.jsonl"
    monkeypatch.setenv(FIGURES_ENV, str(side))
    record("market_total", np.float64(245.5), unit="usd_billion", label="Market")
    record("market_total", 250, unit="usd_billion")
    record("growth", pd.NA)
    assert len(side.read_text().splitlines()) == 3
    figures = load_figures(side)
    assert figures["market_total"]["value"] == 250
    assert figures["growth"]["value"] is None
    json.dumps(figures)  # everything stored is plain JSON


def test_record_without_side_file_keeps_figures_in_memory(monkeypatch):
    monkeypatch.delenv(FIGURES_ENV, raising=False)
    monkeypatch.setattr(report_kit, "_in_memory", [])
    record("x", 1)
    assert [f["name"] for f in report_kit.recorded_figures()] == ["x"]


def test_record_rejects_unusable_names():
    with pytest.raises(ValueError):
        record("has space", 1)


def test_import_stays_light():
    code = (
        "import sys, analysis.views.report_kit; "
        "print(any(m.split('.')[0] in {'pandas', 'duckdb', 'great_expectations', 'IPython'} "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
