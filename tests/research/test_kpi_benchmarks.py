"""Benchmark bands (quartiles vs consensus, series never pooled) and direction-aware positions."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import paths
from analysis.research.kpis import (
    REFERENCE_KPIS,
    Conventions,
    benchmark_bands,
    client_positions,
    convert,
    pick_band,
    position,
)
from analysis.research.kpis.benchmarks import MIN_BAND_SOURCES


def fig(source: str, kpi: str, series: str, statistic: str, value: float, *,
        unit: str = "seconds", direction: str = "lower_is_better", channel: str = "voice",
        industry: str = "all", region: str = "unspecified") -> dict:
    return {"source_id": source, "kpi": kpi, "series": series, "unit": unit,
            "direction": direction, "channel": channel, "industry": industry, "region": region,
            "statistic": statistic, "value": value, "year": 2024}


TABLE = pd.DataFrame([
    # ASA: two definitions that must stay apart.
    fig("s1", "average_speed_of_answer", "asa_queue_inclusive", "mean", 30),
    fig("s2", "average_speed_of_answer", "asa_queue_inclusive", "mean", 50),
    fig("s2", "average_speed_of_answer", "asa_queue_inclusive", "typical", 40),
    fig("s3", "average_speed_of_answer", "asa_queue_inclusive", "range_low", 20),
    fig("s3", "average_speed_of_answer", "asa_queue_inclusive", "range_high", 60),
    fig("s4", "average_speed_of_answer", "asa_ring_only", "mean", 5),
    # AHT with quartiles and a best-performer threshold, in minutes.
    fig("a1", "average_handle_time", "aht_handle", "p25", 5, unit="minutes"),
    fig("a1", "average_handle_time", "aht_handle", "median", 6, unit="minutes"),
    fig("a1", "average_handle_time", "aht_handle", "p75", 8, unit="minutes"),
    fig("a2", "average_handle_time", "aht_handle", "top_quartile", 4, unit="minutes"),
    fig("a3", "average_handle_time", "aht_handle", "mean", 9, unit="minutes",
        industry="healthcare"),
    # FCR: higher is better, consensus only.
    fig("f1", "first_contact_resolution", "first_contact_resolution:percent", "mean", 70,
        unit="percent", direction="higher_is_better"),
    fig("f2", "first_contact_resolution", "first_contact_resolution:percent", "mean", 80,
        unit="percent", direction="higher_is_better"),
    fig("f3", "first_contact_resolution", "first_contact_resolution:percent", "top_quartile",
        86, unit="percent", direction="higher_is_better"),
    # Occupancy: a target band.
    fig("o1", "occupancy", "occupancy:percent", "target", 75, unit="percent",
        direction="target"),
    fig("o2", "occupancy", "occupancy:percent", "target", 85, unit="percent",
        direction="target"),
])


@pytest.fixture
def bands() -> pd.DataFrame:
    return benchmark_bands(TABLE)


def test_series_are_never_pooled(bands: pd.DataFrame) -> None:
    asa = bands[bands["kpi"] == "average_speed_of_answer"].set_index("series")
    assert set(asa.index) == {"asa_queue_inclusive", "asa_ring_only"}
    queue = asa.loc["asa_queue_inclusive"]
    # Consensus: median of per-source medians (s1 30, s2 median(50, 40) = 45) → 37.5.
    assert queue["basis"] == "consensus" and queue["median"] == pytest.approx(37.5)
    assert (queue["low"], queue["high"], queue["n_sources"]) == (20, 60, 3)
    assert asa.loc["asa_ring_only", "median"] == 5


def test_quartile_band_and_best_performer(bands: pd.DataFrame) -> None:
    aht = pick_band(bands, "average_handle_time", channel="voice")
    assert aht is not None and aht["basis"] == "quartiles" and aht["industry"] == "all"
    assert (aht["p25"], aht["median"], aht["p75"], aht["best_performer"]) == (5, 6, 8, 4)
    # one healthcare source (a3) against two general ones: the better-supported band wins
    thin = pick_band(bands, "average_handle_time", channel="voice", industry="healthcare")
    assert thin is not None and thin["industry"] == "all" and thin["n_sources"] == 2
    assert pick_band(bands, "average_handle_time", channel="chat") is None


def _aht(source: str, value: float, **segment: str) -> dict:
    return fig(source, "average_handle_time", "aht_handle", "mean", value, unit="minutes",
               **segment)


def test_one_series_in_two_time_units_is_one_band_in_the_series_unit() -> None:
    # a min:sec handle time is curated in seconds; an ASA may be stated in minutes
    rows = [_aht("m1", 6), _aht("m2", 8),
            fig("s1", "average_handle_time", "aht_handle", "mean", 553, unit="seconds"),
            fig("q1", "average_speed_of_answer", "asa_queue_inclusive", "mean", 30),
            fig("q2", "average_speed_of_answer", "asa_queue_inclusive", "mean", 1.5,
                unit="minutes")]
    bands = benchmark_bands(pd.DataFrame(rows))
    aht = bands[bands["kpi"] == "average_handle_time"]
    assert len(aht) == 1 and aht.iloc[0]["unit"] == "minutes"
    assert aht.iloc[0]["n_sources"] == 3
    assert aht.iloc[0]["high"] == pytest.approx(553 / 60)
    asa = bands[bands["kpi"] == "average_speed_of_answer"].iloc[0]
    assert (asa["unit"], asa["n_sources"], asa["high"]) == ("seconds", 2, 90.0)


def test_pick_band_prefers_the_most_specific_band_with_three_sources() -> None:
    rows = [_aht(f"g{i}", 6 + i) for i in range(5)]  # five general sources
    rows += [_aht(f"h{i}", 9 + i, industry="healthcare") for i in range(3)]
    bands = benchmark_bands(pd.DataFrame(rows))
    band = pick_band(bands, "average_handle_time", channel="voice", industry="healthcare")
    assert band is not None and band["industry"] == "healthcare" and band["n_sources"] == 3
    # with two healthcare sources the five-source general band is the better-supported match
    two = benchmark_bands(pd.DataFrame(rows[:-1]))
    band = pick_band(two, "average_handle_time", channel="voice", industry="healthcare")
    assert band is not None and band["industry"] == "all" and band["n_sources"] == 5
    # a threshold of 2 makes the two-source healthcare band good enough again
    band = pick_band(two, "average_handle_time", channel="voice", industry="healthcare",
                     min_sources=2)
    assert band is not None and band["industry"] == "healthcare"


def test_unnarrowed_regions_form_one_band() -> None:
    """'Global', 'unspecified' and blank all mean "not narrowed to a region": one band."""
    rows = pd.DataFrame([_aht("s1", 6, region="Global"), _aht("s2", 7, region="unspecified"),
                         _aht("s3", 8, region=""), _aht("s4", 5, region="United Kingdom")])
    bands = benchmark_bands(rows)
    assert sorted(bands["region"]) == ["United Kingdom", "all"]
    band = pick_band(bands, "average_handle_time", channel="voice")
    assert band is not None and band["n_sources"] == 3 and band["median"] == 7
    # a UK client gets the general band: it has 3 sources, the UK band only 1
    uk = pick_band(bands, "average_handle_time", channel="voice", region="United Kingdom")
    assert uk is not None and uk["region"] == "all"


@pytest.mark.parametrize(
    ("minutes", "expected", "quartile"),
    [(3.5, "best performer", None), (4.5, "top quartile", 1), (5.5, "second quartile", 2),
     (7, "third quartile", 3), (9, "bottom quartile", 4)],
)
def test_position_lower_is_better_quartiles(bands: pd.DataFrame, minutes: float, expected: str,
                                            quartile: int | None) -> None:
    band = pick_band(bands, "average_handle_time", channel="voice")
    placed = position(minutes, band, "lower_is_better", "AHT")
    assert placed.band == expected
    if quartile is not None:
        assert placed.quartile == quartile
    assert placed.gap_to_median == pytest.approx(minutes - 6)
    assert placed.better_than_median == (minutes < 6)
    assert "AHT" in placed.label and "median (6 minutes)" in placed.label


@pytest.mark.parametrize(
    ("value", "expected", "better"),
    [(90, "best performer", True), (82, "better than the published range", True),
     (76, "better half of the range", True), (72, "worse half of the range", False),
     (60, "worse than the published range", False)],
)
def test_position_higher_is_better_consensus(bands: pd.DataFrame, value: float, expected: str,
                                             better: bool) -> None:
    band = pick_band(bands, "first_contact_resolution", channel="voice")
    placed = position(value, band, "higher_is_better", "FCR")
    assert placed.band == expected and placed.better_than_median is better
    assert placed.gap_to_best == pytest.approx(value - 86)
    assert "pp" in placed.label  # percentage-point gaps, not percent


@pytest.mark.parametrize(("value", "expected"), [(70, "below target band"),
                                                 (80, "within target band"),
                                                 (90, "above target band")])
def test_position_target_band(bands: pd.DataFrame, value: float, expected: str) -> None:
    band = pick_band(bands, "occupancy", channel="voice")
    assert position(value, band, "target", "Occupancy").band == expected


def test_no_band_says_so() -> None:
    placed = position(12.0, None, "lower_is_better", "ASA")
    assert placed.band == "no benchmark" and "no comparable benchmark" in placed.label


def test_convert_units() -> None:
    assert convert(90, "seconds", "minutes") == 1.5
    assert convert(2, "hours", "minutes") == 120
    assert convert(85, "percent", "percent_good_ratings") == 85


def test_client_positions_convert_units_and_pick_series(bands: pd.DataFrame) -> None:
    client = pd.Series({"aht_seconds": 330.0, "asa_seconds": 45.0, "fcr": 75.0,
                        "occupancy": 80.0, "offered": 1000})
    table = client_positions(client, bands, Conventions(), channel="voice").set_index("kpi")
    assert table.loc["aht_seconds", "client_value"] == pytest.approx(5.5)  # minutes
    assert table.loc["aht_seconds", "band"] == "second quartile"
    assert table.loc["asa_seconds", "series"] == "asa_queue_inclusive"
    assert table.loc["asa_seconds", "median"] == pytest.approx(37.5)
    assert table.loc["occupancy", "band"] == "within target band"
    assert "offered" not in table.index


def test_rows_of_one_evidence_group_count_as_one_source() -> None:
    import pandas as pd

    from analysis.research.kpis import benchmarks as bm

    rows = pd.DataFrame({
        "kpi": "abandonment_rate", "series": "abandonment_rate:percent", "unit": "percent",
        "direction": "lower_is_better", "channel": "voice", "industry": "all",
        "region": "Global", "statistic": "mean", "value": [5.0, 5.0, 9.0],
        "source_id": ["a", "b", "c"], "evidence_group": ["g", "g", "c"],
        "year": pd.array([2020, 2021, 2022], dtype="Int64"),
    })  # fmt: skip
    band = bm.benchmark_bands(rows).iloc[0]
    assert band["n_sources"] == 2  # a and b are one report relayed twice
    assert band["median"] == 7.0  # the group's figure counts once, not twice


def test_a_gap_of_exactly_one_unit_is_worded_in_the_singular(bands: pd.DataFrame) -> None:
    band = pick_band(bands, "average_handle_time", channel="voice")  # median 6 minutes
    assert "1 minute worse than the median" in position(7, band, "lower_is_better", "AHT",
                                                        unit="minutes").label
    assert "2 minutes worse" in position(8, band, "lower_is_better", "AHT", unit="minutes").label


def test_a_source_stating_only_a_range_is_a_source_of_the_band_not_of_its_median() -> None:
    band = benchmark_bands(TABLE, kpis=["average_speed_of_answer"])
    queue = band[band["series"] == "asa_queue_inclusive"].iloc[0]
    # s3 states only a range (20-60): one of the 3 sources, not one of the 2 behind the median
    # (s1 30 and s2 45, the median of its 50 and 40)
    assert (queue["n_sources"], queue["n_median_sources"], queue["median"]) == (3, 2, 37.5)


def _general_voice_rows(raw: pd.DataFrame, kpi: str, series: str) -> pd.DataFrame:
    """Straight from the CSV, without the package's band code: the rows of one definition for
    voice with no industry or region narrowing, from a source rated relayed or better."""
    general = ("all", "unspecified", "global", "")
    tiers = pd.read_csv(paths.raw_dir() / "sources.csv", dtype=str).set_index(
        "source_id")["reliability_tier"]
    return raw[(raw["kpi"] == kpi) & (raw["series"] == series) & (raw["channel"] == "voice")
               & raw["industry"].fillna("").str.lower().isin(general)
               & raw["region"].fillna("").str.lower().isin(general)
               & raw["value"].notna()
               & raw["source_id"].map(tiers).isin(["primary", "relayed"])]


@pytest.mark.parametrize("key", sorted(REFERENCE_KPIS))
def test_attrition_and_cost_per_contact_bands_rest_on_three_curated_sources(key: str) -> None:
    """Issue 16's target for the reference KPIs, on the committed data: the band ``pick_band``
    chooses for a voice client with no industry or region has as many independent sources as
    the CSV holds for that definition (evidence groups counted once), and at least 3."""
    from analysis.data import catalog

    ref = REFERENCE_KPIS[key]
    raw = pd.read_csv(paths.raw_dir() / "kpi_benchmarks.csv", dtype={"value": float},
                      keep_default_na=True)
    rows = _general_voice_rows(raw, ref.benchmark_kpi, ref.benchmark_series)
    per_unit = rows.groupby("unit").apply(
        lambda r: r["evidence_group"].fillna(r["source_id"]).nunique())
    assert len(per_unit), f"no general voice rows for {key} in data/raw/kpi_benchmarks.csv"
    unit, expected = per_unit.idxmax(), int(per_unit.max())

    sources = catalog.load("sources")
    benchmarks = catalog.load("kpi_benchmarks")
    tier = benchmarks["source_id"].map(sources.set_index("source_id")["reliability_tier"])
    kept = benchmarks[tier.isin(["primary", "relayed"])]
    band = pick_band(benchmark_bands(kept, kpis=[ref.benchmark_kpi], channel="voice"),
                     ref.benchmark_kpi, ref.benchmark_series, channel="voice")
    assert band is not None
    assert (band["unit"], int(band["n_sources"])) == (unit, expected)
    assert expected >= MIN_BAND_SOURCES
    assert band["direction"] == ref.direction
