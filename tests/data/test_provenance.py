"""analysis.data.provenance: the evidence-strength phrase every report shows (computed by hand)."""

from __future__ import annotations

import pandas as pd

from analysis.data import provenance

SOURCES = pd.DataFrame({
    "source_id": ["gv-2023", "gv-2025", "relay-of-gv", "body", "blog", "stats-site", "undated"],
    "year": [2023, 2025, 2026, 2024, 2021, pd.NA, pd.NA],
    "reliability_tier": ["relayed", "relayed", "aggregator", "primary", "unattributed",
                         "aggregator", "relayed"],
})


def test_phrase_counts_groups_once_with_years_and_tiers():
    groups = {"gv-2023": "grand-view", "gv-2025": "grand-view", "relay-of-gv": "grand-view"}
    evidence = provenance.evidence_strength(
        ["gv-2023", "gv-2025", "relay-of-gv", "body", "blog"], SOURCES, groups)
    assert evidence.n_sources == 3  # one Grand View group, the body, the blog
    # the group takes its best tier (relayed), not the relay's aggregator rating
    assert evidence.tiers == (("primary", 1), ("relayed", 1), ("unattributed", 1))
    assert evidence.phrase() == "3 sources, 2021–2026, 1 primary, 1 relayed, 1 unattributed"
    assert not evidence.single


def test_one_source_is_flagged_and_undated_says_so():
    evidence = provenance.evidence_strength(["undated"], SOURCES)
    assert evidence.single
    assert evidence.phrase() == "1 source, undated, 1 relayed (single source)"
    # two pages relaying one report are still one source
    relayed = provenance.evidence_strength(["gv-2023", "relay-of-gv"], SOURCES,
                                           {"gv-2023": "g", "relay-of-gv": ["g"]})
    assert relayed.single and relayed.years() == "2023–2026"


def test_no_source_gives_no_phrase_and_unknown_ids_are_not_dropped():
    assert provenance.evidence_strength([], SOURCES).phrase() == ""
    evidence = provenance.evidence_strength(["typo-id", "body"], SOURCES)
    assert evidence.n_sources == 2
    assert ("unknown", 1) in evidence.tiers
    # sources without a publication year are counted, not hidden behind the dated ones
    assert provenance.evidence_strength(["body", "undated"], SOURCES).years() == "2024, 1 undated"


def test_evidence_of_rows_uses_the_evidence_group_column():
    rows = pd.DataFrame({"source_id": ["gv-2023", "gv-2025", "body", "body"],
                         "evidence_group": ["grand-view", "grand-view", pd.NA, pd.NA]})
    assert provenance.evidence_groups(rows) == {
        "body": ["body"], "gv-2023": ["grand-view"], "gv-2025": ["grand-view"]}
    assert provenance.evidence_of(rows, SOURCES).n_sources == 2
    # a source id in two groups (its own figure and a relayed one) counts both groups
    rows = pd.DataFrame({"source_id": ["blog", "blog", "gv-2023"],
                         "evidence_group": [pd.NA, "grand-view", "grand-view"]})
    assert provenance.evidence_of(rows, SOURCES).n_sources == 2


def test_fewer_sources_than_a_figure_needs_is_flagged_thin():
    two = provenance.evidence_strength(["body", "blog"], SOURCES)
    assert two.phrase() == "2 sources, 2021–2024, 1 primary, 1 unattributed"
    assert two.phrase(3) == ("2 sources, 2021–2024, 1 primary, 1 unattributed "
                             "(thin: fewer than 3 independent sources)")
    three = provenance.evidence_strength(["body", "blog", "undated"], SOURCES)
    assert "thin" not in three.phrase(3)
    # one source keeps its own flag whatever the threshold
    assert provenance.evidence_strength(["body"], SOURCES).phrase(3).endswith("(single source)")
