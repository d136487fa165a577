"""Project hygiene: conda env in step with pyproject, notebooks committed clean and well-formed."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return {r.replace(" ", "") for r in reqs}


def test_environment_yml_matches_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_reqs = {r.replace(" ", "") for r in pip_section if not r.startswith("-e")}
    assert conda_reqs == _pyproject_requirements()


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean_and_parametrized(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), (
        f"{path.name} has outputs: strip them before committing"
    )
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), (
        f"{path.name}: the first code cell must be tagged 'parameters'"
    )
    assert nb["metadata"]["kernelspec"]["name"] == "bpo-research"
    assert nb["metadata"]["kernelspec"]["language"] == "python"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_parses_every_parameter(path: Path):
    """papermill silently drops a parameter line it cannot parse; a config could then not set it."""
    from analysis.pipeline.parameters import declared_parameters

    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assigned = {
        line.split("=", 1)[0].strip()
        for line in "".join(cell["source"]).splitlines()
        if "=" in line and not line.lstrip().startswith("#") and not line.startswith(" ")
    }
    assert assigned == set(declared_parameters(path))
