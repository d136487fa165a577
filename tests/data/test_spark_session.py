"""Where the Spark session connects, and why it cannot start: no Spark needed to test this."""

from __future__ import annotations

import pytest

from analysis.data import spark_session as module


def test_master_from_the_environment_else_local(monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("pyspark", reason="pyspark not installed (the [spark] extra)")
    monkeypatch.delenv("BPO_SPARK_MASTER", raising=False)
    assert module.spark_master() == "local[2]"
    monkeypatch.setenv("BPO_SPARK_MASTER", "spark://10.0.0.5:7077")
    assert module.spark_master() == "spark://10.0.0.5:7077"


def test_missing_java_is_named_unless_spark_connect_runs_it(monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("pyspark", reason="pyspark not installed (the [spark] extra)")
    monkeypatch.setattr(module.shutil, "which", lambda _name: None)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    assert "java is not on PATH" in module.unavailable_reason()
    monkeypatch.setenv("SPARK_REMOTE", "sc://localhost:15002")
    assert module.unavailable_reason() is None


def test_a_session_that_cannot_start_is_one_clear_error(monkeypatch: pytest.MonkeyPatch):
    from analysis.errors import ConfigError

    monkeypatch.setattr(module, "_session", None)
    monkeypatch.setattr(module, "unavailable_reason", lambda: "java is not on PATH")
    with pytest.raises(ConfigError, match="engine: spark cannot start: java is not on PATH"):
        module.spark_session()
