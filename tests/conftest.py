"""Test suite set-up: the tests mirror the package's layers (``data/``, ``research/``,
``views/``, ``pipeline/``); cross-cutting tests (CLI, packaging, layering, browser) sit here.

``helpers.py`` is shared by every folder, so this folder goes on ``sys.path`` whatever import
mode pytest runs in.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the Spark session runs on one xdist worker (one JVM per run)."""
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("spark"))
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session of the test run (local[2] unless the environment says).

    Without pyspark or java the Spark tests skip and say why, except under ``CI=true``, where
    they fail: CI must run them (``.ci/run`` installs what they need).
    """
    from analysis.data.spark_session import (
        spark_session,
        stop_spark_session,
        unavailable_reason,
    )

    reason = unavailable_reason()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark engine tests cannot run under CI=true: {reason}", pytrace=False)
        pytest.skip(f"Spark engine tests skipped: {reason}")
    session = spark_session()
    yield session
    stop_spark_session()
