"""fingerprint: inputs resolved from the registry's globs, stable keys, and the diff's wording."""

from __future__ import annotations

import pytest

from analysis.pipeline.fingerprint import (
    describe_changes,
    file_digest,
    report_fingerprint,
    resolve_inputs,
)


@pytest.fixture
def raw(tmp_path, monkeypatch):
    monkeypatch.setenv("BPO_ROOT", str(tmp_path))
    raw = tmp_path / "data" / "raw"
    for name in ("a.csv", "b.csv", "clients/acme/x.csv", "clients/demo/y.csv"):
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_text(name)
    nb = tmp_path / "nb.ipynb"
    nb.write_text("{}")
    return raw


def test_globs_fill_client_and_take_the_first_alternative_that_matches(raw):
    names = lambda paths: sorted(str(p.relative_to(raw)) for p in paths)  # noqa: E731
    pattern = ("a.csv", "{kpi_export}|clients/{client}/**|clients/demo/**")
    assert names(resolve_inputs(pattern, {"client": "acme"})) == ["a.csv", "clients/acme/x.csv"]
    assert names(resolve_inputs(pattern, {"client": "house"})) == ["a.csv", "clients/demo/y.csv"]
    export = raw / "clients" / "acme"
    given = {"client": "house", "kpi_export": str(export)}
    assert names(resolve_inputs(pattern, given)) == ["a.csv", "clients/acme/x.csv"]


def test_key_moves_with_data_and_parameters_but_not_run_id(raw):
    nb = raw.parents[1] / "nb.ipynb"
    inputs = [raw / "a.csv"]
    base = report_fingerprint(nb, inputs, {"year": 2024, "run_id": "r1"})
    assert report_fingerprint(nb, inputs, {"year": 2024, "run_id": "r2"}).key == base.key
    assert report_fingerprint(nb, inputs, {"year": 2025, "run_id": "r1"}).key != base.key
    (raw / "a.csv").write_text("edited")
    edited = report_fingerprint(nb, inputs, {"year": 2024})
    assert edited.key != base.key
    assert edited.components["data"]["data/raw/a.csv"] == file_digest(raw / "a.csv")
    assert describe_changes(base.components, edited.components) == [
        "data changed: data/raw/a.csv"
    ]


def test_fingerprint_does_not_depend_on_where_the_project_lives(tmp_path, monkeypatch):
    # R01/R04: the same project copied elsewhere (or restored from a CI cache) fingerprints the
    # same, although the kpi_export parameter is an absolute path into each copy.
    keys = []
    for place in ("here", "copied/elsewhere"):
        root = tmp_path / place
        export = root / "data" / "raw" / "clients" / "demo"
        export.mkdir(parents=True)
        (export / "x.csv").write_text("calls\n1\n")
        (root / "nb.ipynb").write_text("{}")
        monkeypatch.setenv("BPO_ROOT", str(root))
        fingerprint = report_fingerprint(root / "nb.ipynb", [export / "x.csv"],
                                         {"kpi_export": str(export), "weights": [str(export)]})
        assert fingerprint.components["parameters"]["notebook"]["kpi_export"] == (
            "<project>/data/raw/clients/demo")
        keys.append(fingerprint.key)
    assert keys[0] == keys[1]


def test_describe_changes_names_each_kind_of_input():
    old = {"notebook": "1", "code": "c", "data": {"x": "1", "gone": "2"},
           "parameters": {"notebook": {"year": 2024}, "page": {}},
           "dependencies": {"pandas": "3.0"}}
    new = {"notebook": "2", "code": "d", "data": {"x": "1", "new": "3"},
           "parameters": {"notebook": {"year": 2025}, "page": {}},
           "dependencies": {"pandas": "3.1"}}
    assert describe_changes(old, new) == [
        "notebook edited",
        "package code changed",
        "data removed: gone",
        "data added: new",
        "parameter year: 2024 -> 2025",
        "dependency pandas: 3.0 -> 3.1",
    ]
    assert describe_changes(None, new) == ["first build (no previous fingerprint)"]
