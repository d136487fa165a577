"""Catalog: typed loaders, unique keys, resolvable references, actionable errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.data import catalog
from analysis.errors import DataValidationError
from analysis.paths import raw_dir

NAMES = sorted(catalog.DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_load_returns_declared_columns_and_dtypes(name: str) -> None:
    spec = catalog.dataset(name)
    frame = catalog.load(name)
    assert list(frame.columns) == list(spec.columns)
    for column, dtype in spec.columns.items():
        assert frame[column].dtype == pd.api.types.pandas_dtype(dtype), column


@pytest.mark.parametrize("name", NAMES)
def test_keys_unique_required_present_and_vocabularies_closed(name: str) -> None:
    spec = catalog.dataset(name)
    frame = catalog.load(name)
    assert not frame.duplicated(list(spec.keys)).any()
    for column in spec.required:
        assert frame[column].notna().all(), column
    for column, allowed in spec.allowed.items():
        assert set(frame[column].dropna()) <= allowed, column


@pytest.mark.parametrize("name", NAMES)
def test_references_resolve(name: str) -> None:
    spec = catalog.dataset(name)
    frame = catalog.load(name)
    for column, target in spec.references.items():
        keys = set(catalog.load(target)[catalog.dataset(target).keys[0]])
        assert set(frame[column].dropna()) <= keys, f"{name}.{column} -> {target}"


def test_every_tier_is_present_in_sources() -> None:
    assert set(catalog.load("sources")["reliability_tier"]) == catalog.RELIABILITY_TIERS


def test_path_honours_bpo_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    assert catalog.path("sources") == tmp_path / "data" / "raw" / "sources.csv"


def test_missing_file_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    with pytest.raises(DataValidationError, match="market_estimates.csv"):
        catalog.load("market_estimates")


def test_missing_column_error_names_file_and_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(raw_dir() / "sources.csv", raw / "sources.csv")
    frame = pd.read_csv(raw / "sources.csv", dtype=str).drop(columns=["url"])
    frame.to_csv(raw / "sources.csv", index=False)
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    with pytest.raises(DataValidationError, match=r"sources\.csv.*'url'"):
        catalog.load("sources")


def test_unknown_dataset_lists_known_names() -> None:
    with pytest.raises(DataValidationError, match="market_estimates"):
        catalog.dataset("nope")
