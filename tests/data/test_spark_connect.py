"""engine: spark through Spark Connect (``SPARK_REMOTE``): parse, validation and KPIs.

A Spark Connect client has no RDDs and no SparkContext, so code that works on a classic session
can fail there (the error path's line numbering did: ``rdd is not implemented``). This test
starts a Spark Connect server in a child process (pyspark's own local server, on a free port,
its own JVM) and runs the project's Spark route as a client of it, through
``SPARK_REMOTE=sc://localhost:<port>``: the demo export parses to the DuckDB route's rows, the
GX suite passes on it, its KPIs equal DuckDB's, and a bad value is named with its line.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.data.client_exports import read_mapping
from analysis.data.client_exports.mapping import export_file
from analysis.data.client_exports.parse import parse_export
from analysis.research.kpis import interaction_kpis

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "data" / "raw" / "clients" / "demo" / "interactions.yaml"

SERVER = textwrap.dedent("""
    import os, sys, time
    from pyspark.sql.connect.session import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # the server's Python workers: this venv
    # pyspark's own local Spark Connect server (a classic session with the Connect plugin).
    SparkSession._start_connect_server("local[2]", {
        "spark.connect.grpc.binding.port": sys.argv[1], "spark.ui.enabled": "false"})
    while True:
        time.sleep(60)
""")

CLIENT = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path

    out = Path(sys.argv[1])
    from analysis.data.client_exports.mapping import export_file, read_mapping
    from analysis.data.client_exports.schema import CANONICAL_SCHEMAS
    from analysis.data.client_exports.spark_parse import parse_export_spark
    from analysis.data.spark_session import spark_session
    from analysis.data.validation.runner import _outcome
    from analysis.data.validation.spark_tables import judge_spark_table
    from analysis.errors import DataValidationError
    from analysis.research.kpis import interaction_kpis

    said = {"session": type(spark_session()).__module__}
    mapping_path = Path(sys.argv[2])
    mapping = read_mapping(mapping_path)
    table = out / "spark.parquet"
    said["rows"] = parse_export_spark(export_file(mapping, mapping_path), mapping, table).rows
    _rows, findings = judge_spark_table(str(table), CANONICAL_SCHEMAS["interactions"],
                                        "demo/interactions", "demo_interactions", _outcome)
    said["findings"] = [f"{f.rule} {f.column}" for f in findings]
    interaction_kpis(table, by=["queue"], engine="spark").to_parquet(out / "kpis.parquet")
    try:
        parse_export_spark(out / "bad.csv", read_mapping(out / "bad.yaml"), out / "bad.parquet")
        said["bad"] = "parsed"
    except DataValidationError as error:
        said["bad"] = str(error)
    (out / "said.json").write_text(json.dumps(said), encoding="utf-8")
""")


def _wait_for(port: int, server: subprocess.Popen, log: Path, seconds: float = 300) -> None:
    """Until the server accepts connections on ``port`` (its JVM takes a while to start)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("the Connect server stopped: "
                                 + log.read_text(encoding="utf-8", errors="replace")[-3000:])
        with socket.socket() as probe:
            if probe.connect_ex(("localhost", port)) == 0:
                return
        time.sleep(1)
    raise AssertionError(f"no Connect server on port {port} after {seconds:g} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return probe.getsockname()[1]


def test_spark_connect_parses_validates_and_names_a_bad_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analysis.data.spark_session import unavailable_reason

    reason = unavailable_reason()
    if reason is None:
        try:
            from pyspark.sql.connect.utils import check_dependencies

            check_dependencies(__name__)
        except ImportError as error:
            reason = f"the Spark Connect client is not installed ({error})"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Spark Connect test cannot run under CI=true: {reason}", pytrace=False)
        pytest.skip(f"Spark Connect test skipped: {reason}")
    monkeypatch.setenv("BPO_ROOT", str(tmp_path / "root"))
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    mapping = read_mapping(MAPPING)
    source = export_file(mapping, MAPPING)
    # The bad export: the demo's first 30 lines, one Wait value broken on physical line 12.
    lines = gzip.decompress(source.read_bytes()).decode("utf-8").splitlines()[:30]
    fields = lines[11].split(";")
    wait = mapping.spec("wait_seconds").sources[0]
    fields[lines[1].split(";").index(wait)] = "0:0x:46"
    lines[11] = ";".join(fields)
    (tmp_path / "bad.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(MAPPING.read_text(encoding="utf-8").replace(
        source.name, "bad.csv"), encoding="utf-8")

    port = _free_port()
    env = {**os.environ, "SPARK_CONNECT_AUTHENTICATE_TOKEN": secrets.token_hex(16)}
    log = tmp_path / "server.log"
    with log.open("w", encoding="utf-8") as sink:  # a file: a full pipe would stall the JVM
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env,
                                  stdout=sink, stderr=sink, start_new_session=True)
    try:
        _wait_for(port, server, log)
        done = subprocess.run([sys.executable, "-c", CLIENT, str(tmp_path), str(MAPPING)],
                              env={**env, "SPARK_REMOTE": f"sc://localhost:{port}"},
                              capture_output=True, text=True, timeout=600)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads((tmp_path / "said.json").read_text(encoding="utf-8"))

    assert said["session"].startswith("pyspark.sql.connect")  # a Connect client, not classic
    duck = parse_export(source, mapping, tmp_path / "duckdb.parquet")
    assert said["rows"] == duck.rows
    names = [c for c in pd.read_parquet(tmp_path / "duckdb.parquet").columns
             if c != "source_line"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "duckdb.parquet", columns=names),
                                  pd.read_parquet(tmp_path / "spark.parquet", columns=names),
                                  check_exact=True)
    assert said["findings"] == []
    pd.testing.assert_frame_equal(
        interaction_kpis(tmp_path / "duckdb.parquet", by=["queue"]),
        pd.read_parquet(tmp_path / "kpis.parquet"), check_exact=False, rtol=1e-12)
    assert said["bad"].startswith(f"{tmp_path / 'bad.csv'}: line 12, column '{wait}' (→ "
                                  "wait_seconds): value '0:0x:46' is not a H:MM:SS duration")
