"""The form of every environment setting, checked before any command runs (settings.py)."""

from __future__ import annotations

import re

import pytest

from analysis.errors import ConfigError
from analysis.settings import check_environment, is_spark_master, setting


@pytest.mark.parametrize("master", [
    "local", "local[1]", "local[4]", "local[*]", "local[2,3]", "local-cluster[2,1,1024]",
    "spark://10.0.0.5:7077", "spark://a:7077,b:7077", "yarn", "k8s://https://k8s.example:443",
    "mesos://zk://host:2181/mesos",
])
def test_well_formed_spark_masters_pass(monkeypatch, master):
    monkeypatch.setenv("BPO_SPARK_MASTER", master)
    assert is_spark_master(master)
    assert setting("BPO_SPARK_MASTER") == master


@pytest.mark.parametrize("master", [
    "local[0]", "local[00]", "local[0,2]", "local[abc]", "local[]", "local[2", "locall",
    "spark://host", "spark:/host:7077", "Yarn", "yarn ", "k8s://", "http://host:7077",
    "local-cluster[0,1,1024]",
])
def test_malformed_spark_masters_are_refused_naming_the_setting(monkeypatch, master):
    """P8-X08: 'local[0]' passed the non-blank check and failed inside the JVM as a mapping
    problem (exit 1); now it is the setting, refused before any command (exit 2)."""
    monkeypatch.setenv("BPO_SPARK_MASTER", master)
    with pytest.raises(ConfigError, match=re.escape(
            f"environment setting BPO_SPARK_MASTER={master!r} is not valid: expected local, "
            "local[N] (N >= 1 threads)")):
        check_environment()


@pytest.mark.parametrize("remote", ["sc://localhost:15002", "sc://spark.internal",
                                    "sc://h:15002/;token=abc;use_ssl=true"])
def test_well_formed_spark_remotes_pass(monkeypatch, remote):
    monkeypatch.setenv("SPARK_REMOTE", remote)
    assert setting("SPARK_REMOTE") == remote


@pytest.mark.parametrize("remote", ["localhost:15002", "http://h:15002", "sc://", "sc://h:x",
                                    "spark://h:7077"])
def test_malformed_spark_remotes_are_refused_naming_the_setting(monkeypatch, remote):
    monkeypatch.setenv("SPARK_REMOTE", remote)
    with pytest.raises(ConfigError, match=re.escape(
            f"environment setting SPARK_REMOTE={remote!r} is not valid: expected a Spark "
            "Connect URL, sc://host:15002")):
        check_environment()


def test_a_blank_spark_remote_is_left_to_the_spark_engine(monkeypatch):
    """P8-R10 held: a DuckDB project never reads it; Spark names it when it starts (P6-D09)."""
    monkeypatch.setenv("SPARK_REMOTE", "   ")
    check_environment()
