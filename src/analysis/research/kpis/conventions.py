"""Named KPI conventions: the choices operations make differently, each with a stated default.

Contact centres disagree on denominators. Every KPI result records the ``Conventions`` it was
computed with, and ``Conventions.describe()`` gives the sentence a report prints under a table.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class ServiceLevelBase(StrEnum):
    """What service level (answered within T seconds) is divided by."""

    OFFERED = "offered"
    """Default. Answered within T / all offered contacts: abandons count against the target."""
    ANSWERED = "answered"
    """Answered within T / answered contacts: abandons are ignored (flatters a busy queue)."""
    OFFERED_EXCLUDING_SHORT_ABANDONS = "offered_excluding_short_abandons"
    """Answered within T / (offered − short abandons): callers who hung up within the
    short-abandon cut (misdials, IVR drop-outs) are not held against the centre."""


class AbandonmentBase(StrEnum):
    """What abandonment rate is divided by."""

    OFFERED = "offered"
    """Default. All abandons (short ones included) / all offered contacts."""
    QUEUED = "queued"
    """Abandons after the short-abandon cut / (offered − short abandons)."""


class PhantomHandling(StrEnum):
    """What to do with phantom contacts: answered with a handle time ≤ ``phantom_seconds``."""

    EXCLUDE_FROM_HANDLE_TIME = "exclude_from_handle_time"
    """Default. Counted as offered and answered, left out of handle-time statistics."""
    EXCLUDE = "exclude"
    """Dropped entirely, as if never offered (when they are known system artefacts)."""
    KEEP = "keep"
    """Kept everywhere, zero-length handle times included."""


@dataclass(frozen=True)
class Conventions:
    """The conventions one KPI run uses. Defaults follow common ACD reporting (80/20 style)."""

    service_level: ServiceLevelBase = ServiceLevelBase.OFFERED
    abandonment: AbandonmentBase = AbandonmentBase.OFFERED
    phantom: PhantomHandling = PhantomHandling.EXCLUDE_FROM_HANDLE_TIME
    sl_threshold_seconds: float = 20.0
    """Service level counts contacts answered within this many seconds of queue time."""
    short_abandon_seconds: float = 5.0
    """Abandons with less queue time than this are short abandons (as are rows the export
    itself marks ``short_abandon``)."""
    phantom_seconds: float = 0.0
    """Answered contacts with a handle time at or below this are phantoms."""

    def __post_init__(self) -> None:
        # Accept plain strings (notebook parameters) as well as enum members.
        object.__setattr__(self, "service_level", ServiceLevelBase(self.service_level))
        object.__setattr__(self, "abandonment", AbandonmentBase(self.abandonment))
        object.__setattr__(self, "phantom", PhantomHandling(self.phantom))

    def as_dict(self) -> dict[str, str | float]:
        """Plain values, for result metadata and report tables."""
        return {k: (str(v) if isinstance(v, StrEnum) else v) for k, v in asdict(self).items()}

    def describe(self) -> str:
        """One sentence a report can print under its KPI tables."""
        sl = {
            ServiceLevelBase.OFFERED: "over all offered contacts",
            ServiceLevelBase.ANSWERED: "over answered contacts only",
            ServiceLevelBase.OFFERED_EXCLUDING_SHORT_ABANDONS:
                f"over offered contacts excluding abandons under {self.short_abandon_seconds:g} s",
        }[self.service_level]
        ab = {
            AbandonmentBase.OFFERED: "all abandons over offered contacts",
            AbandonmentBase.QUEUED:
                f"abandons after {self.short_abandon_seconds:g} s over offered contacts "
                "excluding short abandons",
        }[self.abandonment]
        ph = {
            PhantomHandling.EXCLUDE_FROM_HANDLE_TIME: "left out of handle time only",
            PhantomHandling.EXCLUDE: "dropped entirely",
            PhantomHandling.KEEP: "kept everywhere",
        }[self.phantom]
        return (
            f"Service level: answered within {self.sl_threshold_seconds:g} s, {sl}. "
            f"Abandonment: {ab}. Phantom contacts (answered, handle ≤ "
            f"{self.phantom_seconds:g} s): {ph}."
        )
