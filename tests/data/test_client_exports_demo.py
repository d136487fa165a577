"""The demo client generator: deterministic, labelled as synthetic, and loadable end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from analysis.data.client_exports import load_client, load_export
from analysis.data.client_exports.demo import write_demo
from analysis.research.kpis import interaction_kpis, ticket_kpis


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_two_runs_are_byte_identical_and_seed_matters(tmp_path: Path) -> None:
    write_demo(tmp_path / "a", days=3, volume_scale=0.2)
    write_demo(tmp_path / "b", days=3, volume_scale=0.2)
    write_demo(tmp_path / "c", days=3, volume_scale=0.2, seed=7)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_demo_is_labelled_and_loads_through_its_mappings(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))
    files = write_demo(tmp_path / "demo", days=7, volume_scale=0.3)
    assert all("EXAMPLE" in p.name for p in files if p.name.endswith(".gz"))
    assert "SYNTHETIC EXAMPLE DATA" in (tmp_path / "demo" / "README.md").read_text()
    calls = load_export(tmp_path / "demo" / "interactions.yaml")
    intervals = load_export(tmp_path / "demo" / "intervals.yaml")
    tickets = load_export(tmp_path / "demo" / "tickets.yaml")
    kpis = interaction_kpis(calls, by=["channel"], staffed=intervals)
    assert set(kpis["channel"]) == {"voice", "chat"}
    assert kpis["offered"].sum() == calls.rows
    # A simulated queue: some abandons, skewed handle times, bounded occupancy.
    assert (kpis["abandonment_rate"] > 0).all()
    assert (kpis["handle_p90_seconds"] > 1.5 * kpis["handle_median_seconds"]).all()
    assert kpis["occupancy"].between(20, 100).all()
    assert ticket_kpis(tickets)["tickets"].iloc[0] > 0


def test_committed_demo_meets_the_brief() -> None:
    """The committed demo export has ≥ 50k contacts over 90 days (read from its README)."""
    from analysis import paths

    readme = (paths.raw_dir() / "clients" / "demo" / "README.md").read_text()
    assert "90 days" in readme
    rows = int(readme.split("| one row per contact | ")[1].split(" |")[0].replace(",", ""))
    assert rows >= 50_000


def test_load_client_finds_every_mapping(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    write_demo(tmp_path / "data" / "raw" / "clients" / "acme", days=2, volume_scale=0.2)
    tables = load_client("acme")
    assert set(tables) == {"interactions", "interval_aggregates", "ticket_events"}
    assert all(t.client == "demo" for t in tables.values())  # the demo mappings name it
