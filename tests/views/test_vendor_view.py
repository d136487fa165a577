"""The vendor lifecycle view and notebook on the example client: the scorecard, the TCO of each
bid, the SLA KPIs from the KPI engine, the credits, and every bad input refused at plan time."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import nbformat
import pytest

from analysis import paths
from analysis.errors import BpoError, ConfigError
from analysis.pipeline import execute
from analysis.pipeline.config import load_client, plan_client
from analysis.pipeline.plan import plan_deliverables
from analysis.views import kpi_view, staffing_view, vendor_view

DEMO = paths.raw_dir() / "clients" / "demo"
CLIENT = "example-client"


def blocks() -> dict[str, Any]:
    config = load_client(CLIENT).config
    return {name: getattr(config, name).model_dump(mode="json")
            for name in ("selection", "transition", "sla")}


@pytest.fixture(scope="module")
def view() -> vendor_view.VendorView:
    b = blocks()
    config = load_client(CLIENT).config
    return vendor_view.build_vendor_view(
        CLIENT, b["selection"], b["transition"], b["sla"], config.internal_owner,
        kpi_export=DEMO, staffing=config.staffing.model_dump(exclude_defaults=True))


def test_scorecard_sensitivity_and_prices(view) -> None:
    assert view.passed == ["Asterion Services (example)", "Brightline CX (example)",
                           "Cobalt Contact (example)"]
    assert view.scorecard["rank"].tolist() == [1, 2, 3]
    assert view.first_shares["first_share"].sum() == pytest.approx(1.0)
    assert view.swap is not None and view.swap.points is not None and view.swap.points < 0.1
    priced = view.priced.set_index("vendor")
    assert view.cheapest == priced["total_usd"].idxmin() == "Cobalt Contact (example)"
    assert view.best_value == "Asterion Services (example)"
    # KT and travel sit on top of the TCO's own components; dual running is its parallel run.
    trans = view.transition_costs.set_index("component")["usd"]
    assert priced["kt_and_travel"].iloc[0] == pytest.approx(trans["knowledge transfer"]
                                                            + trans["travel"])
    assert priced["dual_running"].iloc[0] == pytest.approx(trans["dual running"], rel=0.01)


def test_the_workload_is_the_staffing_model_fte(view) -> None:
    config = load_client(CLIENT).config
    staff = staffing_view.build_staffing_view(
        CLIENT, DEMO, config.staffing.model_dump(exclude_defaults=True))
    assert view.fte == pytest.approx(staff.paid_fte)


def test_sla_kpis_match_the_kpi_report_daily_figures(view) -> None:
    """Monthly service level = offered-weighted daily service level of the KPI report (offered
    convention, 20 s): the two reports compute the KPI one way."""
    daily = kpi_view.build_kpi_view(CLIENT, channel=None, kpi_export=DEMO).daily
    daily["month"] = daily["day"].astype("datetime64[ns]").dt.to_period("M")
    feb = daily[daily["month"] == "2025-02"]
    expected = (feb["service_level"] * feb["offered"]).sum() / feb["offered"].sum()
    att = view.attained
    got = att[(att["kpi"] == "service_level") & (att["month"] == "2025-02-01")]["value"]
    assert float(got.iloc[0]) == pytest.approx(expected)


def test_credits_follow_the_breaches(view) -> None:
    at_risk = view.sla["monthly_fee_usd"] * view.sla["at_risk_pct"] / 100
    weights = {t.kpi: t.weight for t in view.terms}
    for _, row in view.credits.iterrows():
        month = view.attained[view.attained["month"] == row["month"]]
        breached = month.loc[~month["met"], "kpi"]
        expected = min(at_risk, at_risk * sum(weights[k] for k in breached))
        assert row["credit_usd"] == pytest.approx(expected)
    assert view.credits["credit_usd"].sum() > 0  # the example shows credits


def test_findings_on_the_example(view) -> None:
    text = " ".join(view.findings)
    assert "csat_top2_box" in text  # no window / measurement rule
    assert "rate alone" in text  # the chosen cheapest bid scores below the field
    assert "internal owner" not in text  # the example names one
    assert "2025-01 has data on 26 of 31 days" in text  # the demo starts on 6 January


# --------------------------------------------------------------------------- bad input


def refused(changes: dict[str, Any], kpi_export: Path | str = DEMO) -> str:
    b = blocks()
    for path, value in changes.items():
        block, *keys = path.split(".")
        target = b[block]
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    with pytest.raises(BpoError) as caught:
        vendor_view.check_inputs(CLIENT, b["selection"], b["transition"], b["sla"], kpi_export)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_weights_must_match_the_scored_criteria() -> None:
    b = blocks()["selection"]["weights"]
    extra = {**b, "price": 0.0}
    assert "selection.weights.price: not a scored criterion" in refused(
        {"selection.weights": extra})
    short = {k: v for k, v in b.items() if k != "technology"}
    assert "no weight for scored criterion 'technology'" in refused({"selection.weights": short})


def test_a_gate_must_name_a_gate_criterion_of_the_right_type() -> None:
    message = refused({"selection.gates.soc3": True})
    assert "selection.gates.soc3: unknown criterion" in message
    assert "EXAMPLE_criteria.csv" in message
    assert "a minimum gate takes a number" in refused({"selection.gates.capacity_fte": True})
    assert "a scored criterion cannot be a gate" in refused({"selection.gates.technology": 3})


def test_an_sla_kpi_the_export_cannot_measure_is_refused() -> None:
    message = refused({"sla.kpis": {"sla_attainment": {"target": 90, "weight": 0.5}}},
                      kpi_export=DEMO / "interactions.yaml")
    assert "sla.kpis.sla_attainment" in message and "no ticket log" in message


def test_a_month_with_no_data_is_refused() -> None:
    message = refused({"sla.first_month": "2024-12"})
    assert "no data for month 2024-12" in message
    assert "rule: every month of the SLA period has data" in message


def test_the_vendor_report_needs_its_blocks(tmp_path, monkeypatch) -> None:
    root = tmp_path
    shutil.copytree(paths.project_root() / "notebooks", root / "notebooks")
    (root / "config" / "clients").mkdir(parents=True)
    (root / "config" / "clients" / "acme.yaml").write_text(
        "display_name: Acme\nreports: [vendor_lifecycle]\n", encoding="utf-8")
    monkeypatch.setenv("BPO_ROOT", str(root))
    with pytest.raises(ConfigError, match=r"acme.yaml: selection: missing; the "
                                          r"vendor_lifecycle report needs"):
        load_client("acme")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    for part in ("data/raw", "notebooks", "config"):
        shutil.copytree(paths.project_root() / part, tmp_path / part)
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def test_bad_rfp_stops_the_plan_naming_the_file(project: Path) -> None:
    responses = project / "data/raw/clients/example-client/rfp/EXAMPLE_responses.csv"
    text = responses.read_text(encoding="utf-8")
    responses.write_text(text.replace(",service_quality,4.0,", ",service_quality,9,", 1),
                         encoding="utf-8")
    with pytest.raises(BpoError, match=r"EXAMPLE_responses.csv: line \d+, column 'value': "
                                       r"score 9 .* outside the stated scale 1-5"):
        plan_deliverables(CLIENT, {}, ["vendor_lifecycle"])


def test_a_config_error_at_plan_time_names_the_config_file(project: Path) -> None:
    config = project / "config/clients/example-client.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("first_month: 2025-01", "first_month: 2024-11"),
                      encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        plan_client(load_client(CLIENT), {}, {"client": CLIENT, "run_id": None})
    assert str(caught.value).startswith(f"{config}: sla.kpis.")
    assert "no data for month 2024-11" in str(caught.value)


# --------------------------------------------------------------------------- the notebook


def test_notebook_runs_with_the_example_client_config(tmp_path) -> None:
    plan = plan_client(load_client(CLIENT), {}, {"client": CLIENT, "run_id": None},
                       ["vendor_lifecycle"])
    params = copy.deepcopy(plan["vendor_lifecycle"])
    out = tmp_path / "vendor_lifecycle.ipynb"
    built = execute.execute_notebook(paths.notebooks_dir() / "vendor_lifecycle.ipynb", out, params)
    # Opened by hand with its defaults, the notebook takes the same blocks from the config.
    by_hand = execute.execute_notebook(paths.notebooks_dir() / "vendor_lifecycle.ipynb",
                                       tmp_path / "defaults.ipynb", {})

    def values(result: execute.ExecutionResult) -> dict:
        return {name: figure["value"] for name, figure in result.figures.items()}

    assert values(by_hand) == values(built) and len(values(built)) == 7
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells
                     for o in c.get("outputs", []))
    html = "\n".join(o.get("data", {}).get("text/html", "") for c in nb.cells
                     for o in c.get("outputs", []))
    images = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert "**Example data.** The RFP responses are invented example data" in text
    assert "Finding." in text and "Moving " in text
    assert "Service credits per month" in html and "Calculation" in html
    assert images == 4  # sensitivity, Gantt, FTE ramp, attainment and credits


def test_gates_no_vendor_can_pass_are_refused_at_plan_time() -> None:
    assert "passes every gate (rule: at least one vendor to score)" in refused(
        {"selection.gates.capacity_fte": 1_000_000})


def test_the_rfp_and_the_export_key_the_incremental_rebuild() -> None:
    (deliverable,) = plan_deliverables(CLIENT, {}, ["vendor_lifecycle"])
    (job,) = deliverable.jobs
    names = {path.name for path in job.inputs}
    assert {"EXAMPLE_criteria.csv", "EXAMPLE_responses.csv", "EXAMPLE_rate_cards.csv",
            "EXAMPLE_synthetic_interactions.csv.gz", "location_costs.csv"} <= names
    assert job.parameters["sla"]["monthly_fee_usd"] == 250000
    assert job.parameters["internal_owner"].startswith("Dana Whitfield")
