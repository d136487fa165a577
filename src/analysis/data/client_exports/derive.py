"""Fill canonical interaction fields a source leaves out but implies.

Exports give different subsets: some give timestamps, some durations, some both. Only gaps are
filled; a value the source gives is never overwritten.
"""

from __future__ import annotations

import pandas as pd


def _seconds(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds().astype("float64")


def _fill(frame: pd.DataFrame, column: str, values: pd.Series) -> None:
    frame[column] = frame[column].fillna(values.astype(frame[column].dtype))


def derive_interactions(frame: pd.DataFrame, mapped: set[str]) -> pd.DataFrame:
    """Derive outcome, wait, answer time, handle time and end time from what is present."""
    out = frame.copy()
    if "outcome" not in mapped:
        answered = out["answered_at"].notna() | out["handle_seconds"].notna()
        out["outcome"] = answered.map({True: "answered", False: "abandoned"}).astype("str")
    is_answered = out["outcome"].eq("answered")
    _fill(out, "wait_seconds", _seconds(out["answered_at"] - out["arrived_at"]))
    _fill(out, "wait_seconds",
          _seconds(out["ended_at"] - out["arrived_at"]).where(~is_answered))
    wait = pd.to_timedelta(out["wait_seconds"], unit="s")
    _fill(out, "answered_at", (out["arrived_at"] + wait).where(is_answered))
    parts = out[["talk_seconds", "hold_seconds", "wrap_seconds"]]
    # Hold and wrap are often absent from an export; talk alone then is the handle time.
    summed = parts.fillna(0).sum(axis=1).where(out["talk_seconds"].notna())
    _fill(out, "handle_seconds", summed.where(is_answered))
    _fill(out, "handle_seconds", _seconds(out["ended_at"] - out["answered_at"]))
    handle = pd.to_timedelta(out["handle_seconds"], unit="s")
    _fill(out, "ended_at", out["answered_at"] + handle)
    _fill(out, "ended_at", (out["arrived_at"] + wait).where(~is_answered))
    return out
