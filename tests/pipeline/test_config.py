"""config.py: typed client configs; every kind of bad config is a ConfigError naming file and key.

Runs on a temporary ``$BPO_ROOT`` holding copies of the real notebooks, config folder and the
market table (for the geography/segment check); nothing executes a notebook.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.errors import ConfigError
from analysis.pipeline import config
from analysis.pipeline.config import (
    ClientConfig,
    check_client_id,
    load_client,
    load_clients,
    plan_client,
)
from analysis.pipeline.reports import REPORTS

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def root(tmp_path, monkeypatch):
    shutil.copytree(REPO / "notebooks", tmp_path / "notebooks")
    shutil.copytree(REPO / "config", tmp_path / "config")
    (tmp_path / "data" / "raw" / "clients" / "acme").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "clients" / "demo").mkdir(parents=True)
    shutil.copy(REPO / "data" / "raw" / "market_estimates.csv", tmp_path / "data" / "raw")
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def write(root: Path, client: str, text: str) -> Path:
    path = root / "config" / "clients" / f"{client}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(root: Path, text: str, client: str = "acme") -> str:
    path = write(root, client, text)
    with pytest.raises(ConfigError) as caught:
        load_client(client)
    message = str(caught.value)
    assert str(path) in message  # every message names the file
    assert "\n" not in message
    return message


def test_committed_configs_load_and_the_example_shows_every_option(root):
    clients = {client.id: client for client in load_clients()}
    assert list(clients)[0] == "house"
    # The house set gets every report that needs no client inputs of its own.
    assert clients["house"].report_names() == [n for n, s in REPORTS.items() if not s.client_only]
    assert "vendor_lifecycle" not in clients["house"].report_names()
    assert "vendor_lifecycle" in clients["example-client"].report_names()
    example = (root / "config" / "clients" / "example-client.yaml").read_text(encoding="utf-8")
    for key in [*ClientConfig.model_fields, "logo:", "accent:"]:
        assert key in example
    assert set(clients["example-client"].config.parameters) == set(REPORTS)
    logo = clients["example-client"].logo_data_uri()
    assert logo is not None and logo.startswith("data:image/svg+xml;base64,")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("display_nme: Acme\n", ["display_nme", "unknown key", "allowed: display_name"]),
        ("display_name: Acme\nbranding: {colour: red}\n", ["branding.colour", "accent"]),
        ("display_name: Acme\nreports: [market_sise]\n", ["'market_sise'", "market_size"]),
        (
            "display_name: Acme\nparameters: {market_size: {base_yaer: 2025}}\n",
            ["parameters.market_size", "'base_yaer'", "market_size.ipynb", "base_year"],
        ),
        (
            "display_name: Acme\nparameters: {market_size: {base_year: '2025'}}\n",
            ["parameters.market_size.base_year", "integer"],
        ),
        (
            "display_name: Acme\nparameters: {market_size: {base_year: 1989}}\n",
            ["base_year", "1990"],
        ),
        (
            "display_name: Acme\nparameters: {market_size: {horizon_years: 16}}\n",
            ["horizon_years", "15"],
        ),
        (
            "display_name: Acme\nparameters: {market_size: {min_reliability: trusted}}\n",
            ["min_reliability", "'trusted'", "'primary'", "'aggregator'"],
        ),
        (
            "display_name: Acme\nparameters: {market_size: {geography: Atlantis}}\n",
            ["geography", "'Atlantis'", "not in the data", "India"],
        ),
        (
            "display_name: Acme\nparameters: {sourcing_models: {client_hours: [9, 25]}}\n",
            ["client_hours.1", "24"],
        ),
        (
            "display_name: Acme\nparameters: {sourcing_models: {include_undated: 1}}\n",
            ["include_undated", "boolean"],
        ),
        (
            "display_name: Acme\nreports: [market_size]\n"
            "parameters: {sourcing_models: {workload_fte: 5}}\n",
            ["parameters.sourcing_models", "not in this client's reports"],
        ),
        ("display_name: Acme\nbranding: {accent: 'red;}body{'}\n", ["branding.accent"]),
        ("display_name: Acme\nbranding: {logo: logos/none.svg}\n", ["branding.logo", "not found"]),
        ("display_name: Acme\nbranding: {logo: ../../x.svg}\n", ["branding.logo", "inside"]),
        ("display_name: Acme\nbranding: {logo: logos/x.gif}\n", ["branding.logo", ".svg"]),
        ("display_name: Acme\nkpi_export: data/raw/market_estimates.csv\n", ["kpi_export"]),
        ("display_name: Acme\nkpi_export: data/raw/clients/none\n", ["kpi_export", "not found"]),
        ("display_name: ''\n", ["display_name", "at least 1"]),
        ("display_name: Acme\nstaffing: {shrinkage_pct: 100}\n",
         ["staffing.shrinkage_pct", "less than 100"]),
        # P4-C06: mathematically below 100, but 8 bn paid FTE; plausibility bounds refuse it
        ("display_name: Acme\nstaffing: {shrinkage_pct: 99.9999999}\n",
         ["staffing.shrinkage_pct", "99.9999999 % is above the plausible maximum of 60 %",
          "fewer than 2 in 5 paid hours"]),
        ("display_name: Acme\nstaffing: {shrinkage_pct: 61}\n",
         ["staffing.shrinkage_pct", "61 % is above the plausible maximum of 60 %"]),
        ("display_name: Acme\nstaffing: {occupancy_cap_pct: 0.001}\n",
         ["staffing.occupancy_cap_pct", "0.001 % is below the plausible minimum of 50 %"]),
        ("display_name: Acme\nstaffing: {service_level_pct: 5}\n",
         ["staffing.service_level_pct", "5 % is below the plausible minimum of 50 %"]),
        ("display_name: Acme\nstaffing: {service_level_pct: 99.99}\n",
         ["staffing.service_level_pct", "99.99 % is above the plausible maximum of 99.9 %"]),
        ("display_name: Acme\nparameters: {sourcing_models: {hours_per_week: 0.5}}\n",
         ["parameters.sourcing_models.hours_per_week",
          "0.5 h is below the plausible minimum of 20 h"]),
        ("display_name: Acme\nstaffing: {service_level_pct: 0}\n",
         ["staffing.service_level_pct", "greater than 0"]),
        ("display_name: Acme\nstaffing: {threshold_seconds: 0}\n",
         ["staffing.threshold_seconds", "greater than 0"]),
        ("display_name: Acme\nstaffing: {shrink: 30}\n",
         ["staffing.shrink", "unknown key", "allowed: service_level_pct"]),
        ("display_name: Acme\nstaffing: {model: erlang_x}\n", ["staffing.model", "'erlang_x'"]),
        ("display_name: Acme\nstaffing: {chat_concurrency: 0.5}\n",
         ["staffing.chat_concurrency", "greater than or equal to 1"]),
        ("display_name: Acme\nparameters: {sourcing_models: {workload_fte: from_exprt}}\n",
         ["parameters.sourcing_models.workload_fte", "from_export"]),
        ("- just a list\n", ["(top level)"]),
        ("display_name: [unclosed\n", ["not valid YAML"]),
    ],
)
def test_bad_config_is_rejected_naming_file_key_and_allowed_values(root, text, expected):
    message = error_of(root, text)
    for part in expected:
        assert part in message, (part, message)


def test_a_kpi_export_naming_the_export_instead_of_its_mapping_is_refused(root):
    """P5-C01: the config and the plan accepted it; the notebook failed in its third cell."""
    from analysis.pipeline.config import check_parameter

    (root / "data" / "raw" / "clients" / "acme" / "calls.csv").write_text("Id\n1\n")
    message = error_of(root, "display_name: Acme\nkpi_export: data/raw/clients/acme/calls.csv\n")
    assert "is not a mapping file" in message
    with pytest.raises(ConfigError, match="is not a mapping file"):
        check_parameter("kpi_export", "data/raw/clients/acme/calls.csv", None, "-p")


@pytest.mark.parametrize(
    "client", ["", "..", "../etc", "a/b", "a\\b", "Acme", "acme_bank", "-acme", "a" * 42, "é"]
)
def test_client_ids_must_be_lowercase_slugs(client):
    with pytest.raises(ConfigError, match="lowercase slug"):
        check_client_id(client)


@pytest.mark.parametrize("client", ["acme", "acme-bank-2", "a" * 41, "house"])
def test_client_ids_that_are_slugs_pass(client):
    assert check_client_id(client) == client


def test_unknown_client_lists_the_known_ones(root):
    with pytest.raises(ConfigError, match="known: house, example-client"):
        load_client("nobody")


def test_two_clients_may_not_share_a_kpi_export(root):
    write(root, "acme", "display_name: Acme\nkpi_export: data/raw/clients/demo\n")
    with pytest.raises(ConfigError, match="must be its own"):
        load_clients()


def test_plan_layers_defaults_config_and_command_line_and_routes_kpi_export(root, monkeypatch):
    write(
        root,
        "acme",
        "display_name: Acme\nreports: [market_size, sourcing_models]\n"
        "parameters: {market_size: {geography: India, base_year: 2024}}\n"
        "kpi_export: data/raw/clients/acme\n",
    )
    acme = load_client("acme")
    plan = plan_client(acme, {"base_year": 2026}, {"client": "acme", "run_id": "r1"})
    assert list(plan) == ["market_size", "sourcing_models"]
    assert plan["market_size"] == {"geography": "India", "base_year": 2026}
    # the sourcing report declares client, kpi_export and staffing (it can size the export)
    assert plan["sourcing_models"] == {
        "client": "acme", "kpi_export": str(root / "data" / "raw" / "clients" / "acme"),
        "staffing": {}}
    # a notebook declaring kpi_export gets this client's export, and only this client's
    declared = {"kpi_export": {"default": "None"}, "client": {"default": "''"}}
    monkeypatch.setattr("analysis.pipeline.parameters.declared_parameters", lambda path: declared)
    routed = plan_client(acme, {}, {"client": "acme", "run_id": "r1"}, ["market_size"])
    house = plan_client(load_client("house"), {}, {"client": "house"}, ["market_size"])
    assert routed["market_size"] == {
        "geography": "India",
        "base_year": 2024,
        "client": "acme",
        "kpi_export": str(root / "data" / "raw" / "clients" / "acme"),
    }
    assert house["market_size"] == {"client": "house"}


def test_command_line_parameters_are_checked_too(root):
    house = load_client("house")
    with pytest.raises(ConfigError, match="command line -p.base_year"):
        plan_client(house, {"base_year": 3000}, {})
    with pytest.raises(ConfigError, match="'base_yaer'.*allowed: .*base_year"):
        plan_client(house, {"base_yaer": 2025}, {})


def test_rules_cover_every_parameter_of_the_registered_notebooks():
    """A new notebook parameter without a rule is still type-checked against its default;
    this keeps the explicit ranges in step with the notebooks that exist today."""
    from analysis.pipeline.parameters import declared_parameters

    declared = set()
    for spec in REPORTS.values():
        declared |= set(declared_parameters(spec.notebook_path()))
    assert declared - set(config.PARAMETER_RULES) - set(config.AUTO_PARAMETERS) == set()


def test_every_report_that_sizes_the_export_gets_the_same_staffing_settings(root):
    """One set of staffing settings per client: the KPI and sourcing reports cannot disagree."""
    example = load_client("example-client")
    assert example.config.parameters["sourcing_models"]["workload_fte"] == "from_export"
    # (the vendor report's inputs are checked against data this copy has not got: left out)
    plan = plan_client(example, {}, {"client": "example-client", "run_id": "r1"},
                       ["sourcing_models", "kpi_benchmarks"])
    settings = example.config.staffing.model_dump(exclude_defaults=True)
    assert plan["sourcing_models"]["staffing"] == plan["kpi_benchmarks"]["staffing"] == settings
    assert plan["sourcing_models"]["kpi_export"] == plan["kpi_benchmarks"]["kpi_export"]


def test_every_tco_assumption_has_bounds():
    from analysis.pipeline.config import ASSUMPTION_BOUNDS
    from analysis.research.tco import ASSUMPTION_SPECS

    assert set(ASSUMPTION_BOUNDS) == {spec.name for spec in ASSUMPTION_SPECS}


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("assumption_overrides", {"home_attrition_pct": -5000}, "home_attrition_pct"),
        ("assumption_overrides", {"loaded_multiplier": 0}, "loaded_multiplier"),
        ("assumption_overrides", {"no_such": 1.0}, "unknown TCO assumption"),
        ("weights", {"cost": float("inf")}, "weights.cost"),
        ("multi_shore", {"India": 0.5, "Philippines": 0.4}, "sum to 1"),
        # P4-P04: a repeated location crashed the sourcing notebook after the plan accepted it.
        ("candidate_locations", ["India", "India"], "India more than once"),
        ("candidate_locations", [], "names no location"),  # P5-P07
        # P4-C06: the -p route refuses implausible planning settings by the same rule.
        ("hours_per_week", 0.5, "0.5 h is below the plausible minimum of 20 h"),
        ("hours_per_week", 79, "79 h is above the plausible maximum of 60 h"),
        ("weeks_per_year", 1, "1 weeks is below the plausible minimum of 40 weeks"),
    ],
)
def test_physical_parameters_are_bounded(name, value, message):
    from analysis.pipeline.config import check_parameter

    with pytest.raises(ConfigError, match=message):
        check_parameter(name, value, None, "cfg")


VENDOR = """display_name: Acme
reports: [vendor_lifecycle]
selection: {weights: {quality: 0.6, price: 0.4}}
transition: {start: 2026-01-05, waves: 1, nesting_weeks: 2, kt_experts: 2, travel_usd: 0}
sla: {monthly_fee_usd: 1000, at_risk_pct: 10, kpis: {service_level: {target: 80, weight: 1}}}
"""


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("price: 0.4", "price: -0.4", ["selection.weights", "'price' must be a finite number at or "
                                   "above 0"]),
    ("price: 0.4", "price: 0.3", ["selection.weights", "weights must sum to 1 (they sum to 0.9)"]),
    ("price: 0.4", "price: .nan", ["selection.weights", "'price' must be a finite number"]),
    ("waves: 1", "waves: 1, go_live: 2025-12-01",
     ["transition.go_live", "go_live 2025-12-01 is not after transition.start 2026-01-05"]),
    # P7-C25: every date a config types is plausible (the export timestamps' lower bound)
    ("start: 2026-01-05", "start: 1900-01-01",
     ["transition.start", "1900-01-01 is before 1990-01-01 (a mistyped year?"]),
    ("waves: 1", "waves: 1, go_live: 2206-01-05",
     ["transition.go_live", "2206-01-05 is after 2040 (a mistyped year?"]),
    ("start: 2026-01-05", "start: 0001-01-05", ["transition.start", "0001-01-05 is before"]),
    ("service_level:", "service_levle:", ["sla.kpis", "unknown KPI 'service_levle'"]),
    ("at_risk_pct: 10", "at_risk_pct: 0", ["sla.at_risk_pct", "greater than 0"]),
    ("weight: 1}", "weight: 1.5}", ["sla.kpis.service_level.weight", "less than or equal to 1"]),
    ("weight: 1}", "weight: 0.5}",  # H12: shares of the at-risk amount sum to 1
     ["sla.kpis", "KPI weights are shares of the at-risk amount and must sum to 1 (they sum "
      "to 0.5: 0.5)"]),
    ("weight: 1}}", "weight: 0.9}, fcr: {target: 70, weight: 0.6}}",
     ["sla.kpis", "must sum to 1 (they sum to 1.5: 0.9 + 0.6)"]),
    # P5-C12: a target the KPI's unit cannot take, for every unit with a bound.
    ("target: 80,", "target: 150,", ["sla.kpis", "kpis.service_level.target: 150 percent is "
                                      "impossible for service_level (a percentage is between "
                                      "0 and 100)"]),
    ("target: 80,", "target: -1,", ["kpis.service_level.target: -1 percent is impossible"]),
    ("service_level: {target: 80,", "asa_seconds: {target: 0, comparison: at_most,",
     ["kpis.asa_seconds.target: 0 seconds is impossible for asa_seconds (a duration in "
      "seconds is above 0)"]),
    ("service_level: {target: 80,", "resolve_median_hours: {target: -4,",
     ["kpis.resolve_median_hours.target: -4 hours is impossible"]),
    ("kt_experts: 2", "kt_expert: 2", ["transition.kt_expert", "unknown key",
                                       "allowed: start, go_live"]),
    # P9-C03: every year-month a config types obeys the date rule, named by its key
    ("at_risk_pct: 10", "at_risk_pct: 10, last_month: 2041-01",
     ["sla.last_month", "2041-01 is after 2040 (a mistyped year?"]),
    ("at_risk_pct: 10", "at_risk_pct: 10, first_month: 1025-05",
     ["sla.first_month", "1025-05 is before 1990-01-01 (a mistyped year?"]),
    ("at_risk_pct: 10", "at_risk_pct: 10, first_month: 2025-13",
     ["sla.first_month", "should match pattern"]),
    # P9-M11: a yes/no value where a number is wanted is refused, never read as 1 or 0
    ("waves: 1", "waves: true", ["transition.waves", "true is a yes/no value, not a number"]),
    ("at_risk_pct: 10", "at_risk_pct: 10, earn_back_months: yes",
     ["sla.earn_back_months", "true is a yes/no value"]),
    ("price: 0.4", "price: false", ["selection.weights", "price: false is a yes/no value"]),
])
def test_bad_vendor_blocks_are_refused_naming_file_and_key(root, old, new, expected):
    assert old in VENDOR
    message = error_of(root, VENDOR.replace(old, new))
    for part in expected:
        assert part in message


def test_engine_is_duckdb_by_default_spark_on_request_and_nothing_else():
    from analysis.pipeline.config import ClientConfig

    assert ClientConfig(display_name="A").engine == "duckdb"
    assert ClientConfig(display_name="A", engine="spark").engine == "spark"
    with pytest.raises(ValueError, match="engine"):
        ClientConfig(display_name="A", engine="hadoop")
