"""The one Spark session of a process, configured as ``../shared/notes/scale-routes.md`` Q2 found.

pyspark is an optional extra (``pip install -e '.[spark]'``); nothing here imports it at module
level, so ``import analysis`` works without it. Where the session connects is never typed in
code: Spark Connect when ``SPARK_REMOTE`` is set (``sc://host:15002``), else the master from
``BPO_SPARK_MASTER`` or ``spark.master`` (``spark-submit --master ...`` sets the latter), else
``local[2]``. Settings every engine-equality result depends on are set here, once:

- session time zone UTC, so a parsed wall-clock time is stored as written;
- ``spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS`` (Spark's default INT96 is not what
  DuckDB writes);
- driver memory in the builder (``BPO_SPARK_DRIVER_MEMORY``, default ``2g``): it must be set
  before the JVM starts; 2g sufficed for 10M rows in the notes.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from typing import Any

from analysis.errors import ConfigError, reraise_if_interrupted
from analysis.settings import is_spark_master, setting

DEFAULT_MASTER = "local[2]"
INSTALL_HINT = "install the extra: .venv/bin/pip install -e '.[spark]' (make setup does)"
CONNECT_HINT = ("install the extra, which includes it: .venv/bin/pip install -e '.[spark]' "
                "(make setup does), or unset SPARK_REMOTE to run Spark locally")


_lock = threading.Lock()
_session: Any = None


def unavailable_reason() -> str | None:
    """Why a local Spark session cannot start here (no pyspark, no java), or None if it can.

    With ``SPARK_REMOTE`` set only pyspark is needed: the JVM runs on the Connect server.
    """
    if "SPARK_REMOTE" in os.environ and not os.environ["SPARK_REMOTE"].strip():
        # pyspark takes a set-but-empty SPARK_REMOTE as Spark Connect and fails on import
        # (P6-D09: "cannot import name 'SQLContext'"): asked before anything imports pyspark.
        return ("SPARK_REMOTE is set but empty: unset it to run Spark here, or give the "
                "Spark Connect server (sc://host:15002)")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return f"pyspark is not installed ({INSTALL_HINT})"
    remote = os.environ.get("SPARK_REMOTE")
    if remote:
        try:
            from pyspark.sql.connect.utils import check_dependencies

            check_dependencies(__name__)
        except ImportError as error:
            missing = " ".join(str(error).split())[:160]
            return (f"SPARK_REMOTE={remote!r} is set but the Spark Connect client is not "
                    f"installed ({missing}): {CONNECT_HINT}")
        return None
    java_home = os.environ.get("JAVA_HOME")
    if not (shutil.which("java") or (java_home and os.path.isfile(f"{java_home}/bin/java"))):
        return "java is not on PATH and JAVA_HOME is not set (Spark needs Java 17)"
    return None


def spark_master() -> str:
    """Where a classic session runs: ``BPO_SPARK_MASTER``, ``spark.master``, else local[2].

    ``spark.master`` is what ``spark-submit --master`` (or ``spark-defaults.conf``) sets.
    """
    master = setting("BPO_SPARK_MASTER")
    if master:
        return master
    from pyspark import SparkConf

    return SparkConf().get("spark.master", DEFAULT_MASTER) or DEFAULT_MASTER


def spark_session() -> Any:
    """The process's Spark session, created on first use (``ConfigError`` when it cannot be).

    A session that ``spark-submit`` or a notebook already started is reused as it is.
    """
    global _session
    with _lock:
        if _session is not None and not _is_stopped(_session):
            return _session
        reason = unavailable_reason()
        if reason:
            raise ConfigError(f"engine: spark cannot start: {reason}")
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("bpo-research")
        remote = os.environ.get("SPARK_REMOTE")
        if remote:
            builder = builder.remote(remote)
        else:
            active = SparkSession.getActiveSession()
            if active is not None:
                _session = active
                _configure(active)
                return active
            master = spark_master()
            if master.startswith("local") and not is_spark_master(master):
                # Refused before the JVM starts, which would log a Java stack trace first.
                raise ConfigError(_start_failure(
                    ValueError(f"Could not parse Master URL: {master!r}"), None))
            if master.startswith("local"):
                # Local Python workers run this interpreter (the venv with this package), not
                # whatever python3 is first on PATH; a cluster's executors need their own.
                os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            memory, partitions = local_settings()
            builder = (
                builder.master(master)
                .config("spark.driver.memory", memory)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                # Small local jobs: the default 200 shuffle partitions cost more than they do.
                .config("spark.sql.shuffle.partitions", partitions)
            )
        builder = (builder.config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS"))
        try:
            session = builder.getOrCreate()
        except Exception as error:  # noqa: BLE001 - JVM and gRPC errors have no common base
            reraise_if_interrupted(error)
            raise ConfigError(_start_failure(error, remote)) from None
        _configure(session)
        _session = session
        return session


def local_settings() -> tuple[str, str]:
    """``BPO_SPARK_DRIVER_MEMORY`` and ``BPO_SPARK_SHUFFLE_PARTITIONS`` (or their defaults),
    checked (``settings``, the one rule per variable) before the JVM starts: a bad value used
    to surface as the master's fault, after a page of JVM output (P5-S04). ``ConfigError``
    names the variable, the value and the form.
    """
    return setting("BPO_SPARK_DRIVER_MEMORY"), str(setting("BPO_SPARK_SHUFFLE_PARTITIONS"))


def java_message(error: BaseException) -> str:
    """The one informative line of a Spark error: the innermost Java exception's message
    (a Py4J error holds the whole Java stack trace), cut to 200 characters."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    causes = [line for line in lines if "Exception:" in line or "Error:" in line]
    line = (causes[-1] if causes else lines[0] if lines else type(error).__name__)
    line = line.lstrip(": ")
    return line if len(line) <= 200 else line[:197] + "..."


def _start_failure(error: BaseException, remote: str | None) -> str:
    """One line: which setting made the session fail to start, and what to do."""
    why = java_message(error)
    if remote:
        return (f"engine: spark cannot connect to SPARK_REMOTE={remote!r}: {why}: start the "
                "Spark Connect server there, or unset SPARK_REMOTE to run Spark locally")
    master = spark_master()
    setting = ("BPO_SPARK_MASTER" if os.environ.get("BPO_SPARK_MASTER")
               else "spark.master (spark-submit --master or spark-defaults.conf)")
    return (f"engine: spark cannot start with master {master!r} from {setting}: {why}: use "
            f"local[N] (N cores), local[*], spark://host:7077 or yarn, or unset it for "
            f"{DEFAULT_MASTER}")


def _configure(session: Any) -> None:
    """Session settings results depend on, also applied to a session someone else started."""
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    if not os.environ.get("SPARK_REMOTE"):
        session.sparkContext.setLogLevel("ERROR")


def _is_stopped(session: Any) -> bool:
    try:
        context = getattr(session, "_sc", None)
        return context is not None and context._jsc is None
    except Exception:  # a Connect session has no SparkContext
        return False


def stop_spark_session() -> None:
    """Stop the session this module started (tests and benchmarks end with it)."""
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None
