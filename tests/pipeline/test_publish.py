"""publish.py: sortable run ids, client ids, the atomic latest swap, and refusal to publish junk."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from analysis.errors import BuildError, ConfigError
from analysis.pipeline.publish import (
    check_client_id,
    create_staging,
    new_run_id,
    point_latest,
    publish_run,
    write_run_index,
)


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    return tmp_path


def test_run_ids_sort_in_time_order():
    times = [
        datetime(2025, 1, 1, 9, 0, 0, 5_000, tzinfo=UTC),
        datetime(2025, 1, 1, 9, 0, 0, 900_000, tzinfo=UTC),
        datetime(2025, 1, 1, 9, 0, 1, 0, tzinfo=UTC),
        datetime(2025, 12, 31, 23, 59, 59, 0, tzinfo=UTC),
    ]
    ids = [new_run_id(t) for t in times]
    assert ids == sorted(ids)
    assert ids[0].startswith("20250101-090000-005")


@pytest.mark.parametrize("client", ["", "../x", "Acme", "a/b", "a" * 65])
def test_client_ids_must_be_safe_folder_names(client):
    with pytest.raises(ConfigError):
        check_client_id(client)


def test_latest_swap_replaces_the_link_in_place(tmp_path):
    for run_id in ("20250101-000000-0001", "20250102-000000-0001"):
        (tmp_path / run_id).mkdir()
        point_latest(tmp_path, run_id)
        assert os.readlink(tmp_path / "latest") == run_id
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "20250101-000000-0001",
        "20250102-000000-0001",
        "latest",
    ]


def test_staging_without_manifest_is_not_published(root):
    stage = create_staging("20250101-000000-0001")
    with pytest.raises(BuildError, match="run.json"):
        publish_run(stage, "house")
    assert not (root / "reports").exists()
    with pytest.raises(BuildError, match="already exists"):
        create_staging("20250101-000000-0001")


def test_index_pages_escape_names_from_config(root):
    run_id = "20250101-000000-0001"
    stage = create_staging(run_id)
    evil = "<script>alert(1)</script>"
    manifest = {
        "run_id": run_id,
        "client": "acme",
        "client_name": evil,
        "created_utc": "2025-01-01T00:00:00+00:00",
        "date": "1 January 2025",
        "data_vintage": "2025",
        "parameters": {"geography": evil},
        "reports": [{"name": "r", "title": evil, "file": "r.html"}],
    }
    write_run_index(stage, manifest)
    published = publish_run(stage, "acme")
    for page in (published / "index.html", root / "reports" / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert evil not in text and "&lt;script&gt;" in text


@pytest.mark.parametrize(
    ("accent", "expected"), [("#0b6e4f", "--accent: #0b6e4f"), ("red;}x{", "--accent: #1f4e79")]
)
def test_run_index_uses_the_client_accent_only_if_it_is_a_hex_colour(tmp_path, accent, expected):
    manifest = {"run_id": "r", "client_name": "c", "accent": accent, "reports": []}
    page = write_run_index(tmp_path, manifest).read_text(encoding="utf-8")
    assert expected in page and "red;}" not in page
