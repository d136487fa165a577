"""Every ``BPO_*`` environment setting the package reads (and ``SPARK_REMOTE``), checked in one
place.

A setting is read through ``setting(name)``: a value that is not in its accepted form raises
``ConfigError`` naming the variable, its value and the form (never a library's traceback, and
never a failure blamed on an input file). ``check_environment()`` checks every one that is set;
``bpo`` calls it before any command runs, so a typo stops the run at once (exit 2).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.errors import ConfigError

_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE_RE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)\s*", re.IGNORECASE)
# The JVM's memory form (``-Xmx``): digits and an optional k/m/g/t suffix, ``2g``.
_JVM_SIZE_RE = re.compile(r"(\d+)([kmgt])?b?", re.IGNORECASE)  # Spark also reads 1gb
_JVM_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}

# DuckDB below this cap cannot hold one batch of a parse and fails with "Out of Memory" on
# every export (1KB: each good export reported unreadable, P5-R05). A stated floor, not a
# measured need: 64MB is a sixth of the 400MB default, and `bpo validate` passes on the demo
# exports at exactly 64MB (measured 2026-11-26); below it a parse may fail on any export.
MIN_DUCKDB_MEMORY = 64 * 10**6
# The Spark driver JVM needs a heap to start at all; Spark itself refuses less than 450 MiB
# of "system memory" (``spark.testing.reservedMemory`` x 1.5), so less cannot run.
MIN_SPARK_DRIVER_MEMORY = 450 * 2**20


def machine_memory() -> int:
    """This machine's physical memory in bytes."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def _at_most_machine_memory(size: int) -> None:
    # A cap above the machine's memory is no cap: the engine would run the machine out of
    # memory instead of spilling, and DuckDB refuses sizes past 2^64 bytes with a traceback
    # (P8-R05, 99999999TB).
    memory = machine_memory()
    if size > memory:
        raise ValueError(f"at most this machine's memory, {memory / 2**30:.1f} GiB (a larger "
                         "cap cannot be honoured)")


def _size_bytes(text: str) -> int | None:
    match = _SIZE_RE.fullmatch(text)
    if not match:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def _duckdb_memory(text: str) -> str:
    size = _size_bytes(text)
    if size is None:
        raise ValueError("a size with a unit, e.g. 400MB, 2GB or 1.5GiB")
    if size < MIN_DUCKDB_MEMORY:
        raise ValueError("at least 64MB (below it DuckDB cannot hold one batch of a parse)")
    _at_most_machine_memory(size)
    return text.strip()


def _jvm_memory(text: str) -> str:
    match = _JVM_SIZE_RE.fullmatch(text.strip())
    if not match:
        raise ValueError("a JVM memory size, e.g. 2g or 4096m")
    size = int(match.group(1)) * _JVM_UNITS[(match.group(2) or "").lower()]
    if size < MIN_SPARK_DRIVER_MEMORY:
        raise ValueError("at least 450m (Spark refuses to start a driver with less)")
    _at_most_machine_memory(size)
    return text.strip()


def _positive_int(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text) or int(text) < 1:
        raise ValueError("a whole number of at least 1")
    return int(text)


def _flag(text: str) -> bool:
    if text.strip() not in ("0", "1"):
        raise ValueError("0 or 1")
    return text.strip() == "1"


# Spark's master URL forms (SparkContext's own parser, org.apache.spark.SparkContext
# createTaskScheduler): local, local[N], local[*], local[N,F] (F retries), local-cluster[N,C,M],
# spark://host:port[,host:port...], yarn, k8s://..., mesos://... A local master with 0 threads
# is refused by Spark itself only after the JVM has started (P8-X08), so N >= 1 here.
_SPARK_MASTER_RE = re.compile(
    r"local"
    r"|local\[(?:[1-9]\d*|\*)(?:,[1-9]\d*)?\]"
    r"|local-cluster\[[1-9]\d*,[1-9]\d*,[1-9]\d*\]"
    r"|spark://[^\s/,:]+:\d{1,5}(?:,[^\s/,:]+:\d{1,5})*"
    r"|yarn"
    r"|k8s://\S+"
    r"|mesos://\S+"
)
SPARK_MASTER_FORM = ("local, local[N] (N >= 1 threads), local[*], local[N,F], "
                     "spark://host:port, yarn, k8s://... or mesos://...")
# Spark Connect's URL (pyspark.sql.connect ChannelBuilder): sc://host[:port][/;param=value...].
_SPARK_REMOTE_RE = re.compile(r"sc://[^\s/:;]+(?::\d{1,5})?(?:/(?:;[^\s;=]+=[^\s;]*)*)?")
SPARK_REMOTE_FORM = "a Spark Connect URL, sc://host:15002"


def is_spark_master(text: str) -> bool:
    """Whether ``text`` is a master URL Spark can start with (the one rule for
    ``BPO_SPARK_MASTER`` and for a ``spark.master`` set by spark-submit)."""
    return _SPARK_MASTER_RE.fullmatch(text) is not None


def _spark_master(text: str) -> str:
    if not is_spark_master(text):
        raise ValueError(SPARK_MASTER_FORM)
    return text


def _spark_remote(text: str) -> str | None:
    if not text.strip():
        # Blank: spark_session says "set but empty" if Spark is used (P6-D09); a DuckDB
        # project does not read it at all (P8-R10).
        return None
    if _SPARK_REMOTE_RE.fullmatch(text) is None:
        raise ValueError(SPARK_REMOTE_FORM)
    return text


def _non_blank(text: str) -> str:
    if not text.strip() or "\0" in text:
        raise ValueError("a non-empty text")
    return text


@dataclass(frozen=True)
class Setting:
    """One environment variable: its default (None: unset means "not used") and its form."""

    name: str
    default: str | None
    parse: Callable[[str], Any]
    form: str


SETTINGS = {s.name: s for s in (
    Setting("BPO_ROOT", None, _non_blank, "the project folder (absolute, or from the cwd)"),
    Setting("BPO_SHARED_RESEARCH", None, _non_blank, "the upstream research folder"),
    Setting("BPO_DUCKDB_MEMORY_LIMIT", "400MB", _duckdb_memory,
            "a size with a unit of at least 64MB, e.g. 400MB or 2GB"),
    Setting("BPO_KPI_PARTITION_ROWS", "40000000", _positive_int, "a whole number >= 1"),
    Setting("BPO_SPARK_MASTER", None, _spark_master, SPARK_MASTER_FORM),
    Setting("SPARK_REMOTE", None, _spark_remote, SPARK_REMOTE_FORM),
    Setting("BPO_SPARK_DRIVER_MEMORY", "2g", _jvm_memory,
            "a JVM memory size of at least 450m, e.g. 2g"),
    Setting("BPO_SPARK_SHUFFLE_PARTITIONS", "8", _positive_int, "a whole number >= 1"),
    Setting("BPO_VALIDATED_EXPORTS_ONLY", "0", _flag,
            "0 or 1 (bpo sets 1 for report kernels: they read validated exports only)"),
    Setting("BPO_SPARK_STAGING", None, _non_blank,
            "a folder or URI every Spark executor reaches"),
)}


def setting(name: str) -> Any:
    """The checked value of environment setting ``name`` (its default when unset or empty).

    ``ConfigError`` naming the variable, its value and the accepted form when it is malformed.
    """
    spec = SETTINGS[name]
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return None if spec.default is None else spec.parse(spec.default)
    try:
        return spec.parse(raw)
    except ValueError as error:
        raise _invalid(spec, raw, str(error)) from None


def _invalid(spec: Setting, raw: str, expected: str) -> ConfigError:
    shown = raw if len(raw) <= 120 else raw[:117] + "..."
    return ConfigError(
        f"environment setting {spec.name}={shown!r} is not valid: expected {expected} "
        f"(unset it for the default{f' {spec.default}' if spec.default else ''})"
    )


def _check_root() -> None:
    # Only here, once per command, not in every project_root() call: tests and tools point
    # BPO_ROOT at folders they are about to fill. A mistyped root must stop bpo before it
    # creates build/ or reports/ under it (P8-R03), or fails deep inside as "Not a directory"
    # (P8-R04), or reports every research table as missing (exit 1, as if the data were bad).
    raw = setting("BPO_ROOT")
    if raw is None:
        return
    root = Path(raw).resolve()
    if not root.exists():
        problem = f"{root} does not exist"
    elif not root.is_dir():
        problem = f"{root} is a file, not a folder"
    elif not (root / "data" / "raw").is_dir():
        problem = f"{root} has no data/raw folder"
    else:
        return
    raise _invalid(SETTINGS["BPO_ROOT"], raw,
                   f"an existing project folder holding data/raw, but {problem}")


def check_environment() -> None:
    """Check every setting that is set (``ConfigError`` on the first bad one), and that
    ``BPO_ROOT``, when set, is an existing project folder."""
    for name in SETTINGS:
        setting(name)
    _check_root()
