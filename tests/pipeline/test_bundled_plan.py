"""The bundled project as `make report` sees it: every configured client plans, and the inputs
its reports read pass validation. Fast (no notebook runs), so a merge that breaks the front door
fails here rather than only in `make report`."""

from __future__ import annotations

import pytest

from analysis.data.validation import validate_clients
from analysis.errors import ConfigError
from analysis.pipeline.plan import BuildRequest, plan_deliverables, plan_request
from analysis.pipeline.validate import clients_read_by


def test_every_configured_client_plans_and_its_exports_validate(tmp_path):
    deliverables = plan_deliverables(None, {}, None)
    assert {"house", "example-client"} <= {d.client for d in deliverables}
    clients = clients_read_by(job for d in deliverables for job in d.jobs)
    assert "demo" in clients
    report = validate_clients(clients=clients, out_dir=tmp_path)
    assert report.success, [finding.line for finding in report.findings]


def test_a_parameter_combination_with_no_figures_stops_at_plan_time():
    """M01: each value alone is in the data, together they select nothing: one line naming the
    parameters and what exists, before any notebook (not inside one, after other reports)."""
    with pytest.raises(ConfigError) as caught:
        plan_request(BuildRequest(client="house", params=("segment=Contact centre",)))
    message = str(caught.value)
    assert message.startswith("house.yaml: market_size with segment='Contact centre': no figures "
                              "for definition='market_research' in Global / Contact centre")
    assert "(or pass definition=None)" in message and "\n" not in message
    # None (papermill's spelling, as the message says) mixes definitions and plans
    plan_request(BuildRequest(client="house", params=("segment=Contact centre",
                                                      "definition=None")))


def test_first_year_after_base_year_stops_at_plan_time_naming_both():
    """B04: the pair is judged before any notebook, not as a KeyError inside one."""
    with pytest.raises(ConfigError) as caught:
        plan_request(BuildRequest(client="house", reports=("market_size",),
                                  params=("first_year=2030",)))
    assert "market_size with first_year=2030: first_year 2030 is after base_year 2025" in str(
        caught.value)


def test_an_unknown_home_country_stops_at_plan_time():
    """B11: home_country is checked against the data at plan time, like geography."""
    with pytest.raises(ConfigError) as caught:
        plan_request(BuildRequest(client="house", reports=("sourcing_models",),
                                  params=("home_country=Narnia",)))
    message = str(caught.value)
    assert message.startswith("house.yaml: sourcing_models with home_country='Narnia': home "
                              "country 'Narnia' has no time-zone offset in location_costs")
    assert "\n" not in message


def test_asking_a_client_for_a_report_it_does_not_have_says_so():
    """P5-P10: it said 'every report is up to date' (exit 0) and built nothing."""
    with pytest.raises(ConfigError, match="'house' has none of the reports asked for "
                                          r"\(vendor_lifecycle\); its reports: market_size"):
        plan_deliverables("house", {}, ["vendor_lifecycle"])
