"""Where the Spark session connects, and why it cannot start: no Spark needed to test this."""

from __future__ import annotations

import os
import re
import subprocess
import sys

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
    from pyspark.sql.connect import utils

    monkeypatch.setattr(utils, "check_dependencies", lambda _name: None)  # Connect installed
    assert module.unavailable_reason() is None


def test_spark_remote_without_the_connect_client_names_the_setting_and_the_fix(
        monkeypatch: pytest.MonkeyPatch):
    """P3-S09: SPARK_REMOTE without grpcio was a PySparkImportError traceback."""
    pytest.importorskip("pyspark", reason="pyspark not installed (the [spark] extra)")
    monkeypatch.setitem(sys.modules, "grpc", None)  # import grpc -> ImportError, as uninstalled
    monkeypatch.setenv("SPARK_REMOTE", "sc://127.0.0.1:9")
    reason = module.unavailable_reason()
    assert reason is not None and "SPARK_REMOTE='sc://127.0.0.1:9' is set" in reason
    assert "pip install -e '.[spark]'" in reason and "\n" not in reason


def test_a_bad_master_is_one_line_naming_bpo_spark_master(tmp_path):
    """P3-S08: 'local[abc]' was a Py4J/Java traceback; P8-X08: 'local[0]' was blamed on the
    mapping. Its own process, as bpo runs it: the setting is refused before any JVM starts."""
    code = ("from analysis.data.spark_session import spark_session\n"
            "from analysis.errors import ConfigError\n"
            "try:\n    spark_session()\nexcept ConfigError as e:\n    print('ERR', e)\n")
    env = {**os.environ, "BPO_SPARK_MASTER": "local[abc]", "BPO_ROOT": str(tmp_path)}
    env.pop("SPARK_REMOTE", None)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=300, check=False)
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("ERR")]
    assert line.startswith("ERR environment setting BPO_SPARK_MASTER='local[abc]' is not "
                           "valid: expected local, local[N] (N >= 1 threads)"), line
    assert "Traceback" not in result.stdout + result.stderr


def test_a_session_that_cannot_start_is_one_clear_error(monkeypatch: pytest.MonkeyPatch):
    from analysis.errors import ConfigError

    monkeypatch.setattr(module, "_session", None)
    monkeypatch.setattr(module, "unavailable_reason", lambda: "java is not on PATH")
    with pytest.raises(ConfigError, match="engine: spark cannot start: java is not on PATH"):
        module.spark_session()


@pytest.mark.parametrize("master", ["local[abc]", "local[2", "locall", "local[]", "local[0]"])
def test_a_malformed_spark_master_from_spark_submit_is_refused_before_the_jvm_starts(
        monkeypatch, master):
    """spark.master (spark-submit --master) is not an environment setting: the same rule
    (settings.is_spark_master) is applied when the session starts."""
    pytest.importorskip("pyspark", reason="pyspark not installed (the [spark] extra)")
    from analysis.errors import ConfigError

    monkeypatch.setattr(module, "_session", None)
    monkeypatch.setattr(module, "unavailable_reason", lambda: None)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.delenv("BPO_SPARK_MASTER", raising=False)
    monkeypatch.setattr(module, "spark_master", lambda: master)
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    with pytest.raises(ConfigError, match=r"from spark.master .*use local\[N\]"):
        module.spark_session()


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("BPO_SPARK_DRIVER_MEMORY", "lots", "BPO_SPARK_DRIVER_MEMORY='lots' is not valid"),
    ("BPO_SPARK_DRIVER_MEMORY", "-2g", "BPO_SPARK_DRIVER_MEMORY='-2g' is not valid"),
    ("BPO_SPARK_DRIVER_MEMORY", "0", "BPO_SPARK_DRIVER_MEMORY='0' is not valid"),
    ("BPO_SPARK_SHUFFLE_PARTITIONS", "many", "BPO_SPARK_SHUFFLE_PARTITIONS='many' is not"),
    ("BPO_SPARK_SHUFFLE_PARTITIONS", "0", "BPO_SPARK_SHUFFLE_PARTITIONS='0' is not"),
])
def test_a_bad_driver_setting_is_named_not_blamed_on_the_master(monkeypatch, variable, value,
                                                                says):
    """P5-S04: BPO_SPARK_DRIVER_MEMORY=lots was reported as master 'local[2]' failing."""
    from analysis.errors import ConfigError

    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(says)) as caught:
        module.local_settings()
    assert "master" not in str(caught.value)


@pytest.mark.parametrize("memory", ["2g", "512m", "1024M", "1gb", "4096m"])
def test_well_formed_driver_memory_passes(monkeypatch, memory):
    monkeypatch.setenv("BPO_SPARK_DRIVER_MEMORY", memory)
    monkeypatch.delenv("BPO_SPARK_SHUFFLE_PARTITIONS", raising=False)
    assert module.local_settings() == (memory, "8")


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_spark_remote_is_named_before_pyspark_is_imported(monkeypatch, tmp_path, blank):
    """P6-D09: pyspark took SPARK_REMOTE= as Spark Connect and failed on import (traceback)."""
    from analysis.data.client_exports import read_mapping
    from analysis.data.client_exports.spark_parse import parse_export_spark
    from analysis.errors import ConfigError

    monkeypatch.setenv("SPARK_REMOTE", blank)
    assert "SPARK_REMOTE is set but empty" in (module.unavailable_reason() or "")
    (tmp_path / "m.yaml").write_text("kind: interactions\nfile: c.csv\ncolumns: {queue: Q}\n",
                                     encoding="utf-8")
    with pytest.raises(ConfigError, match="engine: spark cannot start: SPARK_REMOTE is set but"):
        parse_export_spark(tmp_path / "c.csv", read_mapping(tmp_path / "m.yaml"),
                           tmp_path / "o.parquet")
