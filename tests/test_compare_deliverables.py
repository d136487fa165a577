"""scripts/compare_deliverables.py: two runs of the same inputs match; any moved figure, missing
file or changed page text is reported (the before/after proof for refactors)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "compare_deliverables.py"
_spec = importlib.util.spec_from_file_location("compare_deliverables", SCRIPT)
compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare)


def _run(folder: Path, run_id: str, value: float, page: str = "Total {v}") -> Path:
    styler_id = run_id.replace("-", "")[-5:]  # pandas Styler ids are random per render
    folder.mkdir(parents=True)
    figure = {"name": "total", "value": value, "unit": "USD bn", "label": "Total",
              "source_ids": ["a"], "recorded_at": f"{run_id} time"}
    manifest = {"run_id": run_id, "reports": [{"name": "market", "figures": {"total": figure}}]}
    (folder / "run.json").write_text(json.dumps(manifest))
    (folder / "market.html").write_text(
        f"<title>run {run_id}</title><table id=\"T_{styler_id}\">" + page.format(v=value)
    )
    return folder


def test_runs_of_the_same_inputs_match(tmp_path):
    before = _run(tmp_path / "a", "20261126-140742-2810", 328.3)
    after = _run(tmp_path / "b", "20261126-141400-865f", 328.3)
    assert compare.differences(before, after) == []
    assert compare.main([str(before), str(after)]) == 0


def test_a_moved_figure_a_missing_file_and_changed_text_are_reported(tmp_path):
    before = _run(tmp_path / "a", "20261126-140742-2810", 328.3)
    after = _run(tmp_path / "b", "20261126-141400-865f", 330.0)
    (before / "changes.html").write_text("x")
    found = compare.differences(before, after)
    assert found[0] == "file only in before: changes.html"
    assert found[1].startswith("figure market/total: {") and "330.0" in found[1]
    assert found[2].startswith("page market.html differs: line 1:") and "330.0" in found[2]
    assert compare.main([str(before), str(after)]) == 1
