"""Curation: reproducible byte for byte, nothing dropped silently, and the parsing rules hold."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analysis.data import curate
from analysis.paths import raw_dir, shared_research_dir

UPSTREAM = shared_research_dir()
needs_upstream = pytest.mark.skipif(
    not (UPSTREAM / "market_sources.csv").is_file(),
    reason=f"upstream research folder {UPSTREAM} is absent (it sits beside the repo in CI)",
)
OUTPUTS = ("sources", "market_estimates", "kpi_benchmarks", "location_costs", "workforce_planning",
           "excluded_rows")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def curated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (UPSTREAM / "market_sources.csv").is_file():
        pytest.skip(f"upstream research folder {UPSTREAM} is absent")
    dest = tmp_path_factory.mktemp("raw")
    curate.curate(UPSTREAM, dest)
    return dest


@needs_upstream
@pytest.mark.parametrize("name", OUTPUTS)
def test_rerun_is_byte_identical_to_committed(curated: Path, name: str) -> None:
    committed = raw_dir() / f"{name}.csv"
    assert committed.read_bytes() == (curated / f"{name}.csv").read_bytes(), (
        f"{committed} differs from a fresh curation: run `make curate` and commit"
    )


@needs_upstream
@pytest.mark.parametrize(
    ("upstream", "table", "value_columns", "curated_columns"),
    [
        ("market_sources.csv", "market_estimates", ("value", "cagr_pct"),
         ("value", "value_low", "value_high", "cagr_pct", "cagr_pct_high")),
        ("kpi_benchmarks.csv", "kpi_benchmarks", ("value",), ("value",)),
        ("location_costs.csv", "location_costs", ("value", "value_low", "value_high"),
         ("value", "value_low", "value_high")),
    ],
)  # fmt: skip
def test_nothing_dropped_and_every_number_carried(
    curated: Path, upstream: str, table: str, value_columns: tuple, curated_columns: tuple
) -> None:
    source = _rows(UPSTREAM / upstream)
    rows = _rows(curated / f"{table}.csv")
    excluded = [r for r in _rows(curated / "excluded_rows.csv") if r["upstream_file"] == upstream]
    assert len(rows) + len(excluded) == len(source)
    carried = {float(r[c]) for r in rows for c in curated_columns if r[c]}
    for row in source:
        for column in value_columns:
            for part in curate.split_value(row[column], upstream):
                if part:
                    assert float(part) in carried, f"{upstream} {column}={row[column]} lost"


@pytest.mark.parametrize(
    ("raw", "publisher", "relayed_by", "tier"),
    [
        ("[LOW RELIABILITY aggregator] Gitnux", "Gitnux", "", "aggregator"),
        ("WifiTalents (statistics compilation; source not named)", "WifiTalents", "", "aggregator"),
        ("Market.us Scoop (statistics compilation)", "Market.us Scoop", "", "aggregator"),
        ("Mordor Intelligence", "Mordor Intelligence", "", "primary"),
        ("Gartner (via Computerwoche, 2006)", "Gartner", "Computerwoche", "relayed"),
        ("IBPAP (via Philstar, Mar 2024)", "IBPAP", "Philstar", "relayed"),
        ("Kayako (citing Sprinklr)", "Sprinklr", "Kayako", "relayed"),
        ("Cadel (attributing to APQC)", "APQC", "Cadel", "relayed"),
        ("Unattributed (Hecttor.ai blog, 2025)", "Unattributed", "Hecttor.ai blog", "unattributed"),
        ("Callzent (unattributed projection)", "Callzent", "", "unattributed"),
        ("Everest Group (press release Oct 2015)", "Everest Group", "", "primary"),
        ("Call Centre Helper / NewVoiceMedia survey", "Call Centre Helper / NewVoiceMedia survey",
         "", "primary"),
        ("Stealth Agents (citing Salesforce State of Service 2025)",
         "Salesforce State of Service 2025", "Stealth Agents", "relayed"),
    ],
)  # fmt: skip
def test_parse_attribution(raw: str, publisher: str, relayed_by: str, tier: str) -> None:
    assert curate.parse_attribution(raw) == curate.Attribution(publisher, relayed_by, tier)


@needs_upstream
def test_tiers_in_curated_sources(curated: Path) -> None:
    sources = _rows(curated / "sources.csv")
    tier = {r["attribution"]: r["reliability_tier"] for r in sources}
    assert {tier[a] for a in tier if "Gitnux" in a} == {"aggregator"}
    assert {tier[a] for a in tier if "(via " in a and "source not named" not in a} == {"relayed"}
    assert tier["Mordor Intelligence"] == "primary"
    assert {r["reliability_tier"] for r in sources} == {
        "primary", "relayed", "unattributed", "aggregator"
    }  # fmt: skip


def test_split_value_ranges() -> None:
    assert curate.split_value("122-154", "t") == ("", "122", "154")
    assert curate.split_value("436.37", "t") == ("436.37", "", "")
    assert curate.split_value("", "t") == ("", "", "")
    with pytest.raises(curate.CurationError, match="not a number"):
        curate.split_value("about 5", "t")


@pytest.mark.parametrize(
    ("period", "year", "expected"),
    [
        ("2026-2031", "2026", ("2026", "2031")),
        ("2018-2019 (YoY)", "2019", ("2018", "2019")),
        ("through 2031", "2031", ("", "2031")),
        ("to 2010", "2010", ("", "2010")),
        ("since 2003", "2008", ("2003", "2008")),
        ("near-term (from 2007)", "2007", ("2007", "")),
        ("", "2020", ("", "")),
    ],
)
def test_parse_cagr_period(period: str, year: str, expected: tuple[str, str]) -> None:
    assert curate.parse_cagr_period(period, year) == expected


@needs_upstream
def test_market_rows_ranges_cagr_and_restatements(curated: Path) -> None:
    rows = _rows(curated / "market_estimates.csv")
    by_id = {r["estimate_id"]: r for r in rows}
    potential = next(r for r in rows if r["segment_as_stated"] == "Total BPO (potential market)")
    assert (potential["value"], potential["value_low"], potential["value_high"]) == (
        "", "122", "154"
    )  # fmt: skip
    assert potential["definition"] == "potential_market"
    ranged = next(r for r in rows if r["cagr_pct_high"])
    assert (ranged["cagr_pct"], ranged["cagr_pct_high"]) == ("7", "12")
    restated = {r["value"]: by_id[r["superseded_by"]]["value"] for r in rows if r["superseded_by"]}
    assert restated == {"253.9": "268.8", "29": "32.5"}
    mckinsey = [r for r in rows if r["segment_as_stated"] == "Total BPO (McKinsey)"]
    assert {r["definition"] for r in mckinsey} == {"third_party"}


def test_classify_segment_prefixes_and_unknown() -> None:
    assert curate.classify_segment("Service: Customer care") == ("service", "Customer services")
    assert curate.classify_segment("Region: North America") == ("region", "North America")
    assert curate.classify_segment("KPO (offshoring)") == ("sub_market", "KPO")
    with pytest.raises(curate.CurationError, match="not classified"):
        curate.classify_segment("Something new")


def test_kpi_series_keeps_definitions_apart() -> None:
    base = {"region": "unspecified", "publisher": "X", "industry": "all"}
    asa = dict(base, kpi="average_speed_of_answer", unit="seconds")
    assert curate.kpi_series(asa) == "asa_queue_inclusive"
    ring = dict(asa, region="unspecified (Talkdesk customers; ring time only, excl. queue)")
    assert curate.kpi_series(ring) == "asa_ring_only"
    half = dict(base, kpi="agent_attrition_voluntary", unit="percent_per_half_year")
    assert curate.kpi_series(half) == "attrition_voluntary_half_year"
    vendor = dict(base, kpi="cost_per_agent_hour", unit="USD_per_hour", industry="premium_vendor")
    assert curate.kpi_series(vendor) == "price_per_agent_hour"
    assert curate.split_region("global (Zendesk customers)") == ("Global", "Zendesk customers")


def test_location_units_and_roles() -> None:
    wage = curate.parse_location_unit("EUR/month gross")
    assert (wage.unit, wage.currency, wage.pay_period, wage.pay_basis) == (
        "eur_per_month", "EUR", "month", "gross"
    )  # fmt: skip
    assert curate.parse_location_unit("%/year (up to)").qualifier == "up_to"
    assert curate.parse_location_unit("EF EPI score (old 0-100 scale)").unit == "ef_epi_score_100"
    assert curate.role_label("BPO sector (Assocham study, Dec 2010-Apr 2011)") == "BPO sector"


def test_missing_upstream_raises_curation_error(tmp_path: Path) -> None:
    with pytest.raises(curate.CurationError, match="market_sources.csv"):
        curate.curate(tmp_path, tmp_path / "out")
    assert curate.main(["--source", str(tmp_path), "--dest", str(tmp_path / "out")]) == 1


@needs_upstream
def test_workforce_rows_all_carried_and_notes_not_copied(curated: Path) -> None:
    source = _rows(UPSTREAM / "additions" / "workforce.csv")
    rows = _rows(curated / "workforce_planning.csv")
    excluded = [r for r in _rows(curated / "excluded_rows.csv")
                if r["upstream_file"] == "workforce.csv"]
    assert len(rows) + len(excluded) == len(source)
    assert {float(r["value"]) for r in rows} == {float(r["value"]) for r in source}
    text = (curated / "workforce_planning.csv").read_text(encoding="utf-8")
    assert "Vendor guide" not in text and "forum post" not in text.lower()
    jones = next(r for r in rows if r["source_id"] == "jones-the-net")
    assert (jones["calls_per_interval"], jones["aht_seconds"], jones["target_seconds"]) == (
        "250", "330", "30")


def test_workforce_judgement_rules() -> None:
    forum = {"url": "https://nukey.xyz/tools/shrinkage-deep", "statistic": "typical"}
    opinion = {"url": "https://www.crazyegg.com/blog/call-center-shrinkage/",
               "statistic": "target"}
    same_page = {**opinion, "statistic": "range_low"}
    assert curate.workforce_judgement(forum) == "unsourced_tool"
    assert curate.workforce_judgement(opinion) == "opinion"
    assert curate.workforce_judgement(same_page) == "independent"
    assert curate.note_inputs("component=annual_leave; typical 8-12%", "x")["component"] == (
        "annual_leave")
