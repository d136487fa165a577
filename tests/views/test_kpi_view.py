"""The KPI report assembler: export resolution, example-data flags, tiers, segments, verdicts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis import paths
from analysis.data.client_exports import load_folder
from analysis.errors import ConfigError
from analysis.research.kpis import REFERENCE_KPIS, Conventions, benchmark_bands, pick_band
from analysis.research.kpis.benchmarks import MIN_BAND_SOURCES, UNSPECIFIED
from analysis.views import kpi_view, tables

INTERACTIONS = """id,start,wait,handle,result,fcr,csat
1,2025-03-03 09:00:00,10,300,ANS,Y,5
2,2025-03-03 09:05:00,30,200,ANS,N,3
3,2025-03-04 10:00:00,40,,ABN,,
4,2025-03-04 10:02:00,2,,ABN,,
"""

MAPPING = """kind: interactions
client: {client}
file: {file}
columns:
  interaction_id: id
  arrived_at: {{source: start, format: "%Y-%m-%d %H:%M:%S"}}
  wait_seconds: wait
  handle_seconds: handle
  outcome: {{source: result, values: {{ANS: answered, ABN: abandoned}}}}
  resolved: {{source: fcr, true_values: ["Y"], false_values: ["N"]}}
  csat: csat
constants:
  channel: voice
  queue: Main
  csat_scale: 5
"""


def write_export(root: Path, client: str, file: str = "calls.csv",
                 body: str = INTERACTIONS) -> Path:
    folder = root / "data" / "raw" / "clients" / client
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_text(body, encoding="utf-8")
    (folder / "interactions.yaml").write_text(MAPPING.format(client=client, file=file),
                                              encoding="utf-8")
    return folder


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    (tmp_path / "config" / "clients").mkdir(parents=True)
    return tmp_path


BENCH = pd.DataFrame([
    {"source_id": s, "kpi": "average_speed_of_answer", "series": "asa_queue_inclusive",
     "unit": "seconds", "direction": "lower_is_better", "channel": "voice", "industry": "all",
     "region": "unspecified", "statistic": "mean", "value": v, "year": 2024}
    for s, v in (("good", 20.0), ("weak", 60.0), ("nobody", 100.0))
])
SOURCES = pd.DataFrame({"source_id": ["good", "weak"], "publisher": ["Good Co", "Weak Co"],
                        "title": ["t1", "t2"], "year": [2024, 2023],
                        "url": ["https://a", "https://b"],
                        "reliability_tier": ["primary", "aggregator"]})


def test_benchmarks_at_tier_drops_lower_tiers_and_unknown_sources() -> None:
    kept = kpi_view.benchmarks_at_tier(BENCH, SOURCES, "relayed")
    assert list(kept["source_id"]) == ["good"]
    assert set(kpi_view.benchmarks_at_tier(BENCH, SOURCES, "aggregator")["source_id"]) == {
        "good", "weak", "nobody"}  # a source missing from the table counts as unattributed
    with pytest.raises(ValueError, match="unknown reliability tier"):
        kpi_view.benchmarks_at_tier(BENCH, SOURCES, "gold")


def test_view_positions_a_small_export_and_cites_only_kept_sources(root: Path) -> None:
    write_export(root, "acme")
    view = kpi_view.build_kpi_view("acme", benchmarks=BENCH, sources=SOURCES)
    # Answered waits 10 and 30 s → ASA 20 s; 2 of 4 abandoned; 1 of 4 within 20 s of offered.
    assert view.summary["asa_seconds"] == pytest.approx(20.0)
    assert view.summary["abandonment_rate"] == pytest.approx(50.0)
    assert view.summary["service_level"] == pytest.approx(25.0)
    asa = view.positions.set_index("kpi").loc["asa_seconds"]
    assert asa["median"] == pytest.approx(20.0) and asa["n_sources"] == 1
    assert list(view.sources["source_id"]) == ["good"]
    assert view.example_notice is None and view.tickets is None
    assert list(view.daily["day"].astype(str)) == ["2025-03-03", "2025-03-04"]
    assert view.trend("asa_seconds")["value"].tolist() == pytest.approx([20.0, float("nan")],
                                                                       nan_ok=True)


def test_conventions_change_the_figures_and_the_text(root: Path) -> None:
    write_export(root, "acme")
    view = kpi_view.build_kpi_view("acme", service_level_convention="answered",
                                   abandonment_convention="queued", benchmarks=BENCH,
                                   sources=SOURCES)
    assert view.summary["service_level"] == pytest.approx(50.0)  # 1 of 2 answered
    assert view.summary["abandonment_rate"] == pytest.approx(100 / 3)  # 2 s abandon is short
    assert "over answered contacts only" in view.conventions_text


def test_example_data_is_detected_from_file_names_or_readme(root: Path) -> None:
    folder = write_export(root, "sample", file="EXAMPLE_calls.csv")
    view = kpi_view.build_kpi_view("sample", benchmarks=BENCH, sources=SOURCES)
    assert view.example_notice is not None and "EXAMPLE_calls.csv" in view.example_notice
    plain = write_export(root, "plain")
    (plain / "README.md").write_text("# plain: SYNTHETIC test export\n", encoding="utf-8")
    notice = kpi_view.example_notice(plain, load_folder(plain))
    assert notice is not None and "SYNTHETIC" in notice
    (plain / "README.md").write_text("# Acme contact export, March\n", encoding="utf-8")
    assert kpi_view.example_notice(plain, load_folder(plain)) is None
    assert folder.is_dir()


def test_resolve_export(root: Path) -> None:
    folder = write_export(root, "acme")
    assert kpi_view.resolve_export("acme") == folder
    assert kpi_view.resolve_export("whoever", kpi_export=str(folder)) == folder
    assert kpi_view.resolve_export("whoever", kpi_export="data/raw/clients/acme") == folder
    (root / "config" / "clients" / "house.yaml").write_text("display_name: House\n")
    assert kpi_view.resolve_export("house").name == kpi_view.DEMO_CLIENT
    with pytest.raises(ConfigError, match="exports present: acme"):
        kpi_view.resolve_export("acmee")
    with pytest.raises(ConfigError, match="not found"):
        kpi_view.resolve_export("acme", kpi_export="data/raw/clients/nope")


def test_unknown_channel_or_convention_is_a_config_error(root: Path) -> None:
    write_export(root, "acme")
    with pytest.raises(ConfigError, match="channels present: voice"):
        kpi_view.build_kpi_view("acme", channel="chat", benchmarks=BENCH, sources=SOURCES)
    with pytest.raises(ConfigError, match="unknown KPI convention"):
        kpi_view.build_kpi_view("acme", service_level_convention="handled", benchmarks=BENCH,
                                sources=SOURCES)


def test_segment_bands_keep_other_definitions_apart() -> None:
    ring = BENCH.assign(series="asa_ring_only", value=5.0)
    bands = benchmark_bands(pd.concat([BENCH, ring]))
    shown = kpi_view.segment_bands(bands, ("asa_seconds",), Conventions(), "voice",
                                   None, None)
    assert list(shown["series"]) == ["asa_queue_inclusive", "asa_ring_only"]
    assert list(shown["compared"]) == [True, False]
    assert "never compared" in shown["definition"].iloc[1]
    assert kpi_view.in_segment(bands, "chat", None, None).empty


@pytest.mark.parametrize(("row", "expected"), [
    ({"band": "no benchmark", "direction": "lower_is_better", "better_than_median": None},
     "no benchmark"),
    ({"band": "within target band", "direction": "target", "better_than_median": None},
     "strength"),
    ({"band": "below target band", "direction": "target", "better_than_median": None}, "gap"),
    ({"band": "second quartile", "direction": "lower_is_better", "better_than_median": True},
     "strength"),
    ({"band": "worse half of the range", "direction": "higher_is_better",
      "better_than_median": False}, "gap"),
])
def test_verdict(row: dict, expected: str) -> None:
    assert kpi_view._verdict(pd.Series(row)) == expected


def test_demo_view_is_labelled_and_complete() -> None:
    if not (paths.raw_dir() / "clients" / "demo").is_dir():
        pytest.skip("demo export not present")
    view = kpi_view.build_kpi_view()
    assert view.example_notice is not None
    assert view.tickets is not None and view.ticket_channel == "email"
    assert {"strength", "gap"} <= set(view.positions["verdict"])
    assert set(view.by_channel["channel"]) == {"voice", "chat"}
    assert view.positions["n_sources"].dropna().ge(1).all()


def test_bands_carry_their_evidence_strength() -> None:
    bench = pd.concat([BENCH, BENCH.iloc[[0]].assign(value=24.0)], ignore_index=True)
    bands = kpi_view.with_evidence(benchmark_bands(bench), bench, SOURCES)
    band = bands.iloc[0]
    # three sources (two figures of "good" are one source); "nobody" is not in sources.csv
    assert band["n_sources"] == 3
    assert band["evidence"] == ("3 sources, 2023–2024, 1 undated, 1 primary, 1 aggregator, "
                                "1 unknown")
    assert band["source_ids"] == "good;nobody;weak"
    single = kpi_view.with_evidence(benchmark_bands(BENCH.iloc[[0]]), BENCH.iloc[[0]], SOURCES)
    assert single.iloc[0]["evidence"].endswith("(single source)")


def test_report_shows_the_band_the_client_is_placed_on() -> None:
    """One band per series, the one ``pick_band`` chooses: a one-source UK band is not shown
    beside (or instead of) the three-source general band, and the placed band is the shown one."""
    uk = BENCH.iloc[[0]].assign(source_id="uk", region="United Kingdom", value=90.0)
    bench = pd.concat([BENCH, uk], ignore_index=True)
    bands = kpi_view.with_evidence(benchmark_bands(bench, region="United Kingdom"), bench,
                                   SOURCES)
    shown = kpi_view.segment_bands(bands, ("asa_seconds",), Conventions(), "voice", None,
                                   "United Kingdom")
    assert len(shown) == 1 and shown.iloc[0]["region"] == "all"
    assert shown.iloc[0]["n_sources"] == 3 and "thin" not in shown.iloc[0]["evidence"]
    placed = kpi_view.place(pd.Series({"asa_seconds": 30.0}), ("asa_seconds",), bands,
                            Conventions(), "voice", None, "United Kingdom")
    assert placed.iloc[0]["median"] == shown.iloc[0]["median"] == 60.0
    # two sources only: still shown (the best there is) and flagged as thin
    two = kpi_view.with_evidence(benchmark_bands(BENCH.iloc[:2]), BENCH.iloc[:2], SOURCES)
    assert two.iloc[0]["evidence"].endswith("(thin: fewer than 3 independent sources)")


def test_industry_splits_list_each_industry_once_with_its_evidence() -> None:
    retail = [BENCH.iloc[0].to_dict() | {"source_id": s, "industry": "retail", "value": v}
              for s, v in (("good", 30.0), ("weak", 50.0))]
    health = BENCH.iloc[0].to_dict() | {"source_id": "good", "industry": "healthcare",
                                       "value": 70.0, "region": "United Kingdom"}
    bench = pd.concat([BENCH, pd.DataFrame([*retail, health])], ignore_index=True)
    bands = kpi_view.with_evidence(benchmark_bands(bench), bench, SOURCES)
    splits = kpi_view.industry_splits(bands, ("asa_seconds",), Conventions(), "voice", None)
    # the UK healthcare figure is not in a client's no-region segment; general bands are no split
    assert list(splits["industry"]) == ["retail"]
    assert splits.iloc[0]["n_sources"] == 2 and splits.iloc[0]["median"] == 40.0
    assert splits.iloc[0]["evidence"].endswith("(thin: fewer than 3 independent sources)")
    uk = kpi_view.industry_splits(bands, ("asa_seconds",), Conventions(), "voice",
                                  "United Kingdom")
    assert list(uk["industry"]) == ["retail", "healthcare"]  # most sources first


def test_house_view_shows_attrition_and_cost_per_contact_as_reference_bands() -> None:
    """The house KPI report (notebook defaults: demo export, voice, no industry or region)
    shows a band for each reference KPI: the one ``pick_band`` chooses from the curated data,
    with its evidence phrase, words where the client value would be, its sources cited and its
    industry splits listed."""
    if not (paths.raw_dir() / "clients" / "demo").is_dir():
        pytest.skip("demo export not present")
    from analysis.data import catalog

    view = kpi_view.build_kpi_view()
    shown = view.reference_bands()
    assert list(shown["client_kpi"]) == list(REFERENCE_KPIS)
    benchmarks, sources = catalog.load("kpi_benchmarks"), catalog.load("sources")
    kept = kpi_view.benchmarks_at_tier(benchmarks, sources, "relayed")
    bands = benchmark_bands(kept)
    for _, band in shown.iterrows():
        ref = REFERENCE_KPIS[band["client_kpi"]]
        expected = pick_band(bands, ref.benchmark_kpi, ref.benchmark_series, channel="voice")
        assert expected is not None
        assert (band["unit"], band["median"], band["n_sources"]) == (
            expected["unit"], expected["median"], expected["n_sources"])
        assert band["n_sources"] >= MIN_BAND_SOURCES
        assert band["evidence"].startswith(f"{band['n_sources']} sources")
        assert "thin" not in band["evidence"] and "single" not in band["evidence"]
        assert set(band["source_ids"].split(";")) <= set(view.sources["source_id"])
    table = view.benchmark_tables().compared.set_index("KPI")
    for ref in REFERENCE_KPIS.values():
        assert table.loc[ref.label, "Client"] == ref.not_measured
        assert table.loc[ref.label, "Evidence"]
    html = tables.kpi_benchmark_table(view.benchmark_tables().compared).to_html()
    assert "not measured: the export records contacts" in html
    # industry splits: every industry sources narrow attrition to, for voice with no region
    every = kpi_view.with_evidence(bands, kept, sources)
    attrition = REFERENCE_KPIS["agent_attrition"]
    named = every[(every["kpi"] == attrition.benchmark_kpi)
                  & (every["series"] == attrition.benchmark_series)
                  & every["channel"].isin(["voice", "all"])
                  & ~every["industry"].str.lower().isin(UNSPECIFIED)
                  & every["region"].str.lower().isin(UNSPECIFIED)]
    splits = view.industry_splits[view.industry_splits["client_kpi"] == "agent_attrition"]
    assert set(splits["industry"]) == set(named["industry"])
    figures = {f["name"]: f for f in view.key_figures()}
    assert figures["benchmark_agent_attrition_median"]["source_ids"] == sorted(
        shown.iloc[0]["source_ids"].split(";"))


def test_reference_band_row_says_why_the_client_has_no_value() -> None:
    bench = BENCH.assign(kpi="cost_per_contact", series="cost_per_contact",
                         unit="usd_per_contact")
    bands = kpi_view.with_evidence(benchmark_bands(bench), bench, SOURCES)
    shown = kpi_view.segment_bands(bands, ("cost_per_contact",), Conventions(), "voice", None,
                                   None)
    result = kpi_view.benchmark_tables(shown, pd.DataFrame())
    row = result.compared.iloc[0]
    assert (row["KPI"], row["Unit"], row["Median"]) == ("Cost per contact", "USD per contact",
                                                        60.0)
    assert row["Client"] == REFERENCE_KPIS["cost_per_contact"].not_measured
    assert not result.missing
