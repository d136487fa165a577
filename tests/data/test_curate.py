"""Curation: reproducible byte for byte, nothing dropped silently, and the parsing rules hold."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from analysis.data import curate, curation_rules
from analysis.errors import CurationError
from analysis.paths import raw_dir, shared_research_dir

UPSTREAM = shared_research_dir()
needs_upstream = pytest.mark.skipif(
    not (UPSTREAM / "market_sources.csv").is_file(),
    reason=f"upstream research folder {UPSTREAM} is absent (it sits beside the repo in CI)",
)
OUTPUTS = (
    "sources", "market_estimates", "kpi_benchmarks", "location_costs", "exchange_rates",
    "workforce_planning", "excluded_rows",
)  # fmt: skip


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


def _origin_rows(rows: list[dict[str, str]], prefix: str) -> list[dict[str, str]]:
    id_column = next(iter(rows[0]))
    pattern = re.compile(rf"^{re.escape(prefix)}\d{{4}}$")
    return [row for row in rows if pattern.match(row[id_column])]


@needs_upstream
@pytest.mark.parametrize(
    ("upstream", "prefix", "table", "value_columns", "curated_columns"),
    [
        (f"{pre}market_sources.csv", f"MKT-{a}", "market_estimates", ("value", "cagr_pct"),
         ("value", "value_low", "value_high", "cagr_pct", "cagr_pct_high"))
        for pre, a in (("", ""), ("additions/", "A"))
    ] + [
        (f"{pre}kpi_benchmarks.csv", f"KPI-{a}", "kpi_benchmarks", ("value",), ("value",))
        for pre, a in (("", ""), ("additions/", "A"))
    ] + [
        (f"{pre}location_costs.csv", f"LOC-{a}", "location_costs",
         ("value", "value_low", "value_high"), ("value", "value_low", "value_high"))
        for pre, a in (("", ""), ("additions/", "A"))
    ],
)  # fmt: skip
def test_nothing_dropped_and_every_number_carried(
    curated: Path, upstream: str, prefix: str, table: str, value_columns: tuple,
    curated_columns: tuple,
) -> None:
    source = _rows(UPSTREAM / upstream)
    rows = _origin_rows(_rows(curated / f"{table}.csv"), prefix)
    excluded = [r for r in _rows(curated / "excluded_rows.csv") if r["upstream_file"] == upstream]
    assert len(rows) + len(excluded) == len(source)
    assert all(int(r["upstream_line"]) == int(r["upstream_row"]) + 1 for r in excluded)
    excluded_rows = {int(r["upstream_row"]) for r in excluded}
    carried = {float(r[c]) for r in rows for c in curated_columns if r[c]}
    for index, row in enumerate(source, start=1):
        if index in excluded_rows:
            continue
        for column in value_columns:
            text, _ = curate.number_note(row[column])
            if row.get("unit") == "min:sec":
                text = curate.parse_min_sec(text)
            for part in curate.split_value(text, upstream):
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
    assert {tier[a] for a in tier if "(via " in a and "not named" not in a} == {"relayed"}
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
    # a min:sec handle time is curated in seconds: still the handle-time definition
    aht = dict(base, kpi="average_handle_time")
    assert curate.kpi_series(dict(aht, unit="seconds")) == "aht_handle"
    assert curate.kpi_series(dict(aht, unit="minutes")) == "aht_handle"
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
                if r["upstream_file"] == "additions/workforce.csv"]
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
# ---------------------------------------------------------------------------- second round
def test_min_sec_is_minutes_and_seconds_not_decimal_minutes() -> None:
    assert curate.parse_min_sec("9:13") == "553"
    assert curate.parse_min_sec("1:36") == "96"
    with pytest.raises(CurationError, match="min:sec"):
        curate.parse_min_sec("9.13")
    with pytest.raises(CurationError, match="min:sec"):
        curate.parse_min_sec("9:75")


def test_number_with_qualifier_and_new_market_units() -> None:
    assert curate.number_note("10 (about)") == ("10", "about")
    assert curate.number_note("3 (over)") == ("3", "over")
    assert curate.number_note("7.5") == ("7.5", "")
    assert curate.parse_market_unit("USD 億 (100 million)") == ("usd_100_million", "", "")
    assert curate.parse_market_unit("EUR million (more than)") == ("eur_million", "", "more_than")
    assert curate.parse_market_unit("GBP billion") == ("gbp_billion", "", "")
    assert curate.parse_market_unit("USD billion (roughly)") == ("usd_billion", "", "approx")
    assert curate.parse_market_unit("through 2030") == ("", "", "")


def _market_row(**overrides: str) -> dict[str, str]:
    row = {
        "publisher": "Example Research", "report_or_page": "page", "metric": "market_size",
        "geography": "Japan", "segment": "Total BPO", "year": "2022", "value": "4兆7,021億",
        "unit": "JPY (円)", "cagr_pct": "", "forecast_period": "", "is_forecast": "false",
        "url": "https://example.org/a", "note": "",
    }  # fmt: skip
    return {**row, **overrides}


def test_cjk_mixed_unit_figure_is_excluded_with_file_line_and_reason() -> None:
    origin = curate.Origin("additions/market_sources.csv", "MKT-A")
    rows, excluded = curate.curate_market([_market_row()], curate.SourceRegistry(), origin)
    assert rows == []
    assert excluded[0]["upstream_file"] == "additions/market_sources.csv"
    assert excluded[0]["upstream_line"] == "2"
    assert "CJK numerals" in excluded[0]["reason"]


def test_unknown_unit_names_file_and_line() -> None:
    origin = curate.Origin("additions/market_sources.csv", "MKT-A")
    row = _market_row(value="5", unit="furlongs")
    with pytest.raises(CurationError, match=r"additions/market_sources.csv line 2: .*furlongs"):
        curate.curate_market([row], curate.SourceRegistry(), origin)


def test_additions_ids_follow_their_own_prefix() -> None:
    origin = curate.Origin("additions/market_sources.csv", "MKT-A")
    rows, _ = curate.curate_market([_market_row(value="5", unit="USD billion")],
                                   curate.SourceRegistry(), origin)
    assert rows[0]["estimate_id"] == "MKT-A0001"


def test_erratum_guard_stops_on_a_shifted_row(monkeypatch: pytest.MonkeyPatch) -> None:
    origin = curate.Origin("x.csv", "MKT-X")
    guard = curation_rules.Erratum("why", {"value": "99"}, curated={"qualifier": "over"})
    monkeypatch.setitem(curation_rules.ERRATA, ("x.csv", 2), guard)
    with pytest.raises(CurationError, match="x.csv line 2: erratum expects value='99'"):
        curate.curate_market([_market_row(value="5", unit="USD billion")],
                             curate.SourceRegistry(), origin)


def _by_id(path: Path, key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in _rows(path)}


@needs_upstream
def test_errata_applied_in_curated_data(curated: Path) -> None:
    kpi = _by_id(curated / "kpi_benchmarks.csv", "benchmark_id")
    # "fewer than 60 %": an upper bound with a qualifier, never a typical value (line 327)
    assert (kpi["KPI-0326"]["statistic"], kpi["KPI-0326"]["qualifier"]) == ("upper_bound",
                                                                            "less_than")
    assert kpi["KPI-0326"]["curation_note"]
    assert kpi["KPI-0075"]["year"] == "2022"  # SQM 38 %: dated 2022
    assert kpi["KPI-0434"]["region"] == "Global"  # Dimension Data, not ContactCentreLink
    sources = _by_id(curated / "sources.csv", "source_id")
    assert sources[kpi["KPI-0434"]["source_id"]]["publisher"].startswith("Dimension Data")
    loc = _by_id(curated / "location_costs.csv", "location_id")
    assert loc["LOC-0414"]["country"] == "Africa & Middle East (region)"  # regional range
    assert "LOC-0413" not in loc  # 0.67 for "two-thirds": excluded, with the reason
    assert loc["LOC-0312"]["year"] == "2021"
    excluded = {(r["upstream_file"], r["upstream_line"]): r["reason"]
                for r in _rows(curated / "excluded_rows.csv")}
    assert "two-thirds" in excluded[("location_costs.csv", "414")]
    # min:sec parsed as minutes and seconds: CCMA 9:13 = 553 s
    aht = next(r for r in kpi.values() if r["value_as_stated"] == "9:13")
    assert (aht["value"], aht["unit"], aht["series"]) == ("553", "seconds", "aht_handle")


@needs_upstream
def test_same_year_figures_are_estimates_not_forecasts(curated: Path) -> None:
    market = _by_id(curated / "market_estimates.csv", "estimate_id")
    sources = _by_id(curated / "sources.csv", "source_id")
    # lines the additions README lists (Gartner 2006, NASSCOM Feb 2025 FY25, IBPAP Oct 2024)
    for line in (34, 35, 36, 37, 74, 75, 76, 77, 101, 102):
        assert market[f"MKT-{line - 1:04d}"]["is_forecast"] == "false", line
    for row in market.values():
        published = sources[row["source_id"]]["year"]
        if row["is_forecast"] == "true" and row["year"] and published:
            assert int(row["year"]) > int(published), row["estimate_id"]


@needs_upstream
def test_rows_that_are_not_independent_share_one_evidence_group(curated: Path) -> None:
    loc = _by_id(curated / "location_costs.csv", "location_id")
    piton = {loc[f"LOC-A{n:04d}"]["evidence_group"] for n in (10, 11, 12)}
    assert len(piton) == 1
    india = {loc[f"LOC-A{n:04d}"]["evidence_group"] for n in (104, 108)}
    assert len(india) == 1
    assert loc["LOC-0001"]["evidence_group"] == loc["LOC-0001"]["source_id"]


@needs_upstream
def test_exchange_rates_direction_and_basis(curated: Path) -> None:
    rates = _rows(curated / "exchange_rates.csv")
    by = {(r["currency"], r["year"]): r for r in rates}
    assert by[("INR", "2023")]["quote"] == "local_per_usd"
    assert by[("GBP", "2023")]["quote"] == "usd_per_local"  # Fed G.5A: USD per pound
    assert by[("KES", "2019")]["usable"] == "false"
    assert by[("JMD", "2019")]["basis"] == "end_of_period"


@pytest.mark.parametrize(("attribution", "title", "url", "expected"), [
    ("Everest Group (via Philstar, Mar 2024)", "", "https://x.ph/a", ("2024", "attribution")),
    ("Mordor Intelligence", "BPO market (updated Jan 2026)", "https://m.com/r",
     ("2026", "title")),
    ("Some blog", "", "https://blog.example.com/2022/05/30/42-stats/", ("2022", "url_date")),
    ("Some blog", "", "https://example.com/blog/2024/06/b_retain", ("2024", "url_date")),
    # the attribution wins over the URL; a year without a month, or a month 13, is no date
    ("Report 2019 (via News)", "", "https://n.com/2020/01/x", ("2019", "attribution")),
    ("Some page", "", "https://example.com/bpo-2030/forecast", ("", "")),
    ("Some page", "", "https://example.com/2030/13/x", ("", "")),
    ("Some page", "", "https://example.com/reports/2024", ("", "")),
    ("ContactBabel 2015/16 report", "", "https://example.com/x", ("", "")),
])
def test_source_year_and_what_established_it(attribution: str, title: str, url: str,
                                             expected: tuple[str, str]) -> None:
    assert curate.source_year(attribution, title, url) == expected
