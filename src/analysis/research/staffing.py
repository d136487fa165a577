"""Staffing: from offered contacts, handle times and a service-level target to agents and FTE.

Pure functions, in three parts:

* **Queueing models** for one interval (any of them vectorised over many intervals):
  *Erlang C* (M/M/n, callers wait forever) through the Erlang B recursion
  ``B(k) = A·B(k-1) / (k + A·B(k-1))``: no factorials or powers, so it stays exact for
  thousands of agents; *Erlang A* (M/M/n+M, exponential patience) as a birth-death chain solved
  numerically (see :func:`erlang_a`: why not the Palm/Garnett closed forms); *chat* as Erlang C
  on the handle time divided by the concurrency; *email/back office* as workload over the hours
  the turnaround target allows.
* **Required agents** for a target (e.g. 80 % answered within 20 s) with an occupancy cap: the
  smallest whole number of agents meeting both, or a :class:`StaffingError` naming the client,
  queue and interval when no finite staffing (within ``max_agents``) does.
* **FTE**: agents on the phones become scheduled agents through shrinkage (``/(1 - s)``) and
  paid FTE through the paid-hours basis the sourcing report states
  (:class:`analysis.research.sourcing.HoursBasis`).

The interval profile (:func:`interval_profile`) is read from a client's canonical interactions
with DuckDB: per queue, weekday and time of day, the mean offered contacts per interval over the
weeks in the export, the handle time, and the patience measured from abandoned contacts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import NoQueueToSizeError, StaffingError
from analysis.research.kpis.conventions import Conventions
from analysis.research.kpis.engine import TableSource, parquet_path, run_grouped
from analysis.research.sourcing import HoursBasis
from analysis.research.tco import Assumption

MODELS = ("erlang_c", "erlang_a")
BACKOFFICE_CHANNELS = ("email",)
"""Channels sized as deferred work to a turnaround target, not as a real-time queue."""
DEFAULT_MAX_AGENTS = 10_000
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# --------------------------------------------------------------------------- where and targets


@dataclass(frozen=True)
class Where:
    """Which client, queue and interval a figure (or an error) is about."""

    client: str = "-"
    queue: str = "-"
    interval: str = "-"

    def __str__(self) -> str:
        return f"client {self.client!r}, queue {self.queue!r}, interval {self.interval}"


@dataclass(frozen=True)
class Target:
    """A service-level target: ``service_level_pct`` of contacts answered within
    ``threshold_seconds``, with agents busy at most ``occupancy_cap_pct`` of the time."""

    service_level_pct: float = 80.0
    threshold_seconds: float = 20.0
    occupancy_cap_pct: float = 100.0

    def check(self, where: Where) -> None:
        """``StaffingError`` naming ``where`` when a target is out of range."""
        if not 0 < self.service_level_pct < 100:
            extra = (" (100 % within a finite threshold needs infinitely many agents)"
                     if self.service_level_pct == 100 else "")
            raise StaffingError(f"{where}: service-level target {self.service_level_pct!r} % is "
                                f"out of range: it must be above 0 and below 100{extra}")
        if not self.threshold_seconds > 0:
            raise StaffingError(f"{where}: service-level threshold {self.threshold_seconds!r} s "
                                "is out of range: it must be above 0 seconds")
        if not 0 < self.occupancy_cap_pct <= 100:
            raise StaffingError(f"{where}: occupancy cap {self.occupancy_cap_pct!r} % is out of "
                                "range: it must be above 0 and at most 100")

    def label(self) -> str:
        return f"{self.service_level_pct:g}/{self.threshold_seconds:g}"


def check_shrinkage(shrinkage_pct: float, where: Where) -> float:
    """Shrinkage as a fraction; ``StaffingError`` unless 0 <= shrinkage < 100 %."""
    if shrinkage_pct is None or not 0 <= shrinkage_pct < 100:
        raise StaffingError(f"{where}: shrinkage {shrinkage_pct!r} % is out of range: it must be "
                            "at least 0 and below 100 (at 100 % no scheduled hour is productive)")
    return shrinkage_pct / 100.0


def _check_workload(arrivals: np.ndarray, aht: np.ndarray, where: Sequence[Where]) -> None:
    for i in range(len(arrivals)):
        if not np.isfinite(arrivals[i]) or arrivals[i] <= 0:
            raise StaffingError(f"{where[i]}: no arrivals ({float(arrivals[i]):g} offered): the "
                                "model sizes intervals with demand; leave closed intervals out")
        if np.isnan(aht[i]):
            # Said in words, never as a numpy repr (P9-E01: 'np.float64(nan) s'): a queue
            # whose only contacts are abandons has no handle time to size it with.
            raise StaffingError(f"{where[i]}: no answered contact has a handle time, so there is "
                                "no average handle time to size the queue with (a queue whose "
                                "contacts were all abandoned, or a blank handle-time column)")
        if not np.isfinite(aht[i]) or aht[i] <= 0:
            raise StaffingError(f"{where[i]}: handle time is {float(aht[i]):g} s: average "
                                "handle time must be above 0")


# --------------------------------------------------------------------------- Erlang C


def erlang_b(agents: int, traffic: float) -> float:
    """Erlang B blocking probability by the stable recursion (``traffic`` in erlangs)."""
    b = 1.0
    for k in range(1, int(agents) + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(agents: int, traffic: float) -> float:
    """Probability an arriving contact waits (M/M/n); 1 when ``traffic >= agents``."""
    if traffic >= agents:
        return 1.0
    b = erlang_b(agents, traffic)
    return agents * b / (agents - traffic * (1.0 - b))


def service_level(agents: int, traffic: float, aht_seconds: float,
                  threshold_seconds: float) -> float:
    """Erlang C share of contacts answered within ``threshold_seconds`` (0-1)."""
    if traffic >= agents:
        return 0.0
    wait = erlang_c(agents, traffic)
    return 1.0 - wait * math.exp(-(agents - traffic) * threshold_seconds / aht_seconds)


def asa(agents: int, traffic: float, aht_seconds: float) -> float:
    """Erlang C average speed of answer in seconds (infinite when overloaded)."""
    if traffic >= agents:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float:
    """Share of agent time busy (0-1) when every contact is served."""
    return min(traffic / agents, 1.0) if agents > 0 else math.nan


def required_agents_erlang_c(
    arrivals: Sequence[float] | np.ndarray,
    aht_seconds: Sequence[float] | np.ndarray,
    interval_seconds: float,
    target: Target,
    where: Sequence[Where] | None = None,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> pd.DataFrame:
    """Smallest agents per interval meeting ``target`` under Erlang C (vectorised).

    Columns: ``traffic_erlangs``, ``agents``, ``service_level`` (%), ``asa_seconds``,
    ``occupancy`` (%), ``wait_probability``. One Erlang B recursion runs for all intervals at
    once, agent by agent, until every interval meets the target.
    """
    lam = np.asarray(arrivals, dtype=float)
    aht = np.asarray(aht_seconds, dtype=float)
    places = list(where) if where is not None else [Where(interval=str(i)) for i in range(len(lam))]
    target.check(places[0] if places else Where())
    _check_workload(lam, aht, places)
    traffic = lam * aht / interval_seconds
    goal, cap = target.service_level_pct / 100, target.occupancy_cap_pct / 100
    agents = np.zeros(len(lam), dtype=np.int64)
    found = np.zeros(len(lam), dtype=bool)
    wait = np.ones(len(lam))
    b = np.ones(len(lam))
    for n in range(1, max_agents + 1):
        b = traffic * b / (n + traffic * b)
        stable = traffic < n
        c = np.where(stable, n * b / np.where(stable, n - traffic * (1 - b), 1.0), 1.0)
        sl = np.where(stable, 1 - c * np.exp(-(n - traffic) * target.threshold_seconds / aht), 0)
        ok = ~found & stable & (sl >= goal) & (traffic / n <= cap + 1e-12)
        agents[ok], wait[ok] = n, c[ok]
        found |= ok
        if found.all():
            break
    if not found.all():
        i = int(np.flatnonzero(~found)[0])
        raise StaffingError(
            f"{places[i]}: no finite staffing meets {target.label()} with occupancy at most "
            f"{target.occupancy_cap_pct:g} %: {lam[i]:,.1f} contacts × {aht[i]:,.0f} s is "
            f"{traffic[i]:,.1f} erlangs, beyond the search limit of {max_agents:,} agents")
    n = agents.astype(float)
    return pd.DataFrame({
        "traffic_erlangs": traffic,
        "agents": agents,
        "service_level": 100 * (1 - wait * np.exp(-(n - traffic) * target.threshold_seconds
                                                   / aht)),
        "asa_seconds": wait * aht / (n - traffic),
        "occupancy": 100 * traffic / n,
        "wait_probability": wait,
    })


# --------------------------------------------------------------------------- Erlang A


@dataclass(frozen=True)
class ErlangA:
    """Erlang A measures for one interval (shares 0-1, times in seconds)."""

    agents: int
    service_level: float
    """Share of *offered* contacts answered within the threshold."""
    abandonment: float
    wait_probability: float
    asa_seconds: float
    occupancy: float


def erlang_a(agents: int, arrivals: float, aht_seconds: float, patience_seconds: float,
             interval_seconds: float, threshold_seconds: float) -> ErlangA:
    """M/M/n+M (Palm's Erlang A) by its birth-death chain, solved numerically.

    Why not the closed forms (Palm; Garnett, Mandelbaum & Reiman 2002): they go through
    incomplete gamma functions of ``n·μ/θ`` and ``λ/θ``, which overflow or cancel for the large
    ratios a patient caller gives, and would add scipy for one function. The chain is exact to
    a truncation we control: the stationary probabilities are built in log space
    (``π(k) ∝ A^k/k!`` up to ``n``, then times ``λ/(nμ + jθ)`` per waiting caller ``j``) and
    cut where the tail is below 1e-13. The service level is the probability that an arrival
    (who sees the stationary state) reaches an agent within the threshold before its own
    patience runs out: a tagged caller with ``j`` ahead moves forward at rate ``nμ + jθ`` and
    leaves at rate ``θ``; that absorbing chain is solved by uniformisation (a Poisson-weighted
    sum of matrix-free steps, all terms positive, so nothing cancels).
    """
    lam = arrivals / interval_seconds
    mu, theta = 1.0 / aht_seconds, 1.0 / patience_seconds
    n = int(agents)
    a = lam / mu
    # log of unnormalised π(k), k = 0..n, then the queue part k = n + j.
    k = np.arange(n + 1)
    log_low = k * math.log(a) - np.array([math.lgamma(x + 1) for x in k]) if a > 0 else \
        np.where(k == 0, 0.0, -np.inf)
    ratios, log_q, j = [], log_low[-1], 0
    while True:
        j += 1
        log_q += math.log(lam / (n * mu + j * theta))
        ratios.append(log_q)
        if (log_q - log_low.max() < -30 and n * mu + j * theta > lam) or j > 200_000:
            break
    log_all = np.concatenate([log_low, np.array(ratios)])
    top = log_all.max()
    pi = np.exp(log_all - top)
    pi /= pi.sum()
    queue = pi[n:]  # arrival finds j = 0, 1, ... callers waiting (all n agents busy)
    waiting = np.arange(len(queue))
    abandon = theta * float((waiting * queue).sum()) / lam if lam > 0 else 0.0
    # Uniformised tagged-caller chain: state j callers ahead; absorbed answered / abandoned.
    ahead = n * mu + waiting * theta
    rate = float(ahead.max() + theta)
    mass = queue.copy()
    steps = rate * threshold_seconds
    m_max = int(steps + 10 * math.sqrt(steps) + 20)
    answered_by, cum, weight = 0.0, 0.0, math.exp(-steps)
    poisson_cdf = 0.0
    for m in range(m_max + 1):
        poisson_cdf += weight
        # P(answered by t) = Σ_m Pois(m) · answered mass after m steps
        answered_by += weight * cum
        cum += mass[0] * ahead[0] / rate
        stay = mass * (1 - (ahead + theta) / rate)
        stay[:-1] += mass[1:] * ahead[1:] / rate
        mass = stay
        weight *= steps / (m + 1)
    answered_by += (1 - poisson_cdf) * cum
    immediate = float(pi[:n].sum())
    wait_p = 1.0 - immediate
    served = 1.0 - abandon
    mean_wait_queue = float((waiting * queue).sum()) / lam if lam > 0 else 0.0
    return ErlangA(
        agents=n,
        service_level=immediate + answered_by,
        abandonment=abandon,
        wait_probability=wait_p,
        # Little: mean time in queue of all arrivals; ASA counts the answered ones' waits only
        # approximately (abandoners' waits are in the mean too), stated as such in reports.
        asa_seconds=mean_wait_queue,
        occupancy=min(a * served / n, 1.0) if n else math.nan,
    )


def required_agents_erlang_a(
    arrivals: float, aht_seconds: float, patience_seconds: float, interval_seconds: float,
    target: Target, where: Where | None = None, max_agents: int = DEFAULT_MAX_AGENTS,
) -> ErlangA:
    """Smallest agents meeting ``target`` under Erlang A (bisection: the service level rises
    with agents); ``StaffingError`` when none up to ``max_agents`` does."""
    place = where or Where()
    target.check(place)
    _check_workload(np.array([arrivals]), np.array([aht_seconds]), [place])
    if not patience_seconds > 0 or not math.isfinite(patience_seconds):
        raise StaffingError(f"{place}: patience {patience_seconds!r} s must be above 0 "
                            "(no abandoned contacts to measure it from: use Erlang C)")
    goal, cap = target.service_level_pct / 100, target.occupancy_cap_pct / 100

    def meets(n: int) -> tuple[bool, ErlangA]:
        m = erlang_a(n, arrivals, aht_seconds, patience_seconds, interval_seconds,
                     target.threshold_seconds)
        return m.service_level >= goal - 1e-12 and m.occupancy <= cap + 1e-12, m

    hi = 1
    while not meets(hi)[0]:
        if hi >= max_agents:
            raise StaffingError(
                f"{place}: no finite staffing meets {target.label()} with occupancy at most "
                f"{target.occupancy_cap_pct:g} % under Erlang A within {max_agents:,} agents")
        hi = min(hi * 2, max_agents)
    lo = hi // 2  # meets(lo) is False (or lo == 0)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(mid)[0]:
            hi = mid
        else:
            lo = mid
    return meets(hi)[1]


# --------------------------------------------------------------------------- chat, back office


def chat_handle_seconds(aht_seconds: float, concurrency: float, where: Where | None = None
                        ) -> float:
    """Agent time per chat when an agent runs ``concurrency`` chats at once (stated model:
    a chat occupies ``1/concurrency`` of an agent for its whole handle time)."""
    if not concurrency >= 1:
        raise StaffingError(f"{where or Where()}: chat concurrency {concurrency!r} must be at "
                            "least 1")
    return aht_seconds / concurrency


def backoffice_agents(volume: float, aht_seconds: float, turnaround_hours: float,
                      occupancy_cap_pct: float, where: Where | None = None) -> float:
    """Agents to clear ``volume`` items of ``aht_seconds`` each within ``turnaround_hours``.

    Stated model: the work arriving in one turnaround window is done within it, agents
    productive ``occupancy_cap_pct`` of the time; ``volume`` is the items in one window.
    """
    place = where or Where()
    if not volume > 0:
        raise StaffingError(f"{place}: no arrivals ({volume!r} items)")
    if not aht_seconds > 0:
        raise StaffingError(f"{place}: handle time {aht_seconds!r} s must be above 0")
    if not turnaround_hours > 0:
        raise StaffingError(f"{place}: turnaround target {turnaround_hours!r} h must be above 0")
    if not 0 < occupancy_cap_pct <= 100:
        raise StaffingError(f"{place}: occupancy cap {occupancy_cap_pct!r} % is out of range")
    return volume * aht_seconds / (turnaround_hours * 3600 * occupancy_cap_pct / 100)


# --------------------------------------------------------------------------- shrinkage and FTE


def scheduled_agents(agents: np.ndarray | pd.Series | float, shrinkage_pct: float,
                     where: Where | None = None) -> np.ndarray | pd.Series | float:
    """Agents to schedule so that ``agents`` are available after shrinkage."""
    return agents / (1.0 - check_shrinkage(shrinkage_pct, where or Where()))


def paid_fte(scheduled_hours_per_week: float, hours: HoursBasis | None = None) -> float:
    """Full-time equivalents for the scheduled hours of an average week (paid-hours basis)."""
    return scheduled_hours_per_week / (hours or HoursBasis()).hours_per_week


# --------------------------------------------------------------------------- cited defaults

POINT_STATISTICS = ("mean", "median", "typical", "target")


@dataclass(frozen=True)
class DefaultSpec:
    """Which curated rows of ``workforce_planning`` give a planning default, and how."""

    name: str
    parameter: str
    unit: str
    description: str
    industry: str | None = "all"
    cap: bool = False
    """A cap (occupancy): each source's figure is the top of what it states, not its middle."""


DEFAULT_SPECS: tuple[DefaultSpec, ...] = (
    DefaultSpec("shrinkage_pct", "shrinkage", "% of scheduled time",
                "shrinkage: paid time not available for contacts (breaks, training, meetings, "
                "absence)"),
    DefaultSpec("occupancy_cap_pct", "occupancy", "% of agent time",
                "occupancy cap: highest share of time agents are kept busy", cap=True),
    DefaultSpec("chat_concurrency", "chat_concurrency", "chats per agent",
                "chat concurrency: chats one agent handles at once", industry=None),
)


def _source_figure(rows: pd.DataFrame, cap: bool) -> float:
    """One source's figure: its stated point value, else the middle (or, for a cap, the top)
    of its stated range."""
    if cap:
        return float(rows.loc[rows["statistic"].isin(("range_high", "target")), "value"].max())
    points = rows.loc[rows["statistic"].isin(POINT_STATISTICS), "value"]
    if len(points):
        return float(points.median())
    low = rows.loc[rows["statistic"] == "range_low", "value"]
    high = rows.loc[rows["statistic"] == "range_high", "value"]
    return float((low.min() + high.max()) / 2)


def planning_defaults(workforce: pd.DataFrame) -> dict[str, Assumption]:
    """Shrinkage, occupancy cap and chat concurrency from the cited rows.

    Base = median over independent sources (rows the curation marks ``counts_for_default``) of
    each source's figure; low/high = the lowest and highest value those rows state.
    """
    out = {}
    for spec in DEFAULT_SPECS:
        rows = workforce[(workforce["parameter"] == spec.parameter)
                         & workforce["counts_for_default"].fillna(False).astype(bool)]
        if spec.industry is not None:
            rows = rows[rows["industry"] == spec.industry]
        figures = [_source_figure(group, spec.cap) for _, group in rows.groupby("source_id")]
        figures = [f for f in figures if np.isfinite(f)]
        if not figures:
            raise StaffingError(f"no cited rows for planning default {spec.name!r} (parameter "
                                f"{spec.parameter!r}); check data/raw/workforce_planning.csv")
        out[spec.name] = Assumption(
            name=spec.name, low=float(rows["value"].min()), base=float(np.median(figures)),
            high=float(rows["value"].max()), unit=spec.unit,
            source_ids=";".join(sorted(rows["source_id"].unique())),
            description=f"{spec.description} (median of {len(figures)} independent sources)")
    return out


# --------------------------------------------------------------------------- the export


def _slot_label(weekday: int, slot: object) -> str:
    return f"{WEEKDAYS[weekday - 1]} {str(slot)[:5]}"


def _weekday_counts(first: pd.Timestamp, last: pd.Timestamp) -> dict[int, int]:
    days = pd.date_range(first.normalize(), last.normalize(), freq="D")
    counts = pd.Series(days.day_of_week + 1).value_counts()
    return {int(k): int(v) for k, v in counts.items()}


def interval_profile(
    interactions: TableSource | None = None,
    intervals: TableSource | None = None,
    interval_minutes: int = 30,
    client: str = "-",
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """The planning profile of an export: one row per queue × weekday × interval of the day.

    ``offered``: mean contacts offered in that interval over the weeks of the export (a weekday
    the export covers but with no contact in the slot counts as zero); ``aht_seconds``: handle
    time of the answered contacts in that slot (phantoms excluded as ``conventions`` says),
    falling back to the queue's slot across weekdays when none was answered,
    else to the queue's handle time over all its intervals (``aht_from`` says which); a queue
    with no answered contact at all keeps no handle time (see :func:`split_sizeable`);
    ``patience_seconds``: per queue, total waiting time over abandoned contacts (the maximum-
    likelihood estimate for exponential patience, answered waits counted as censored). Read
    from ``interactions`` with DuckDB; else from an ``intervals`` (interval aggregates) table,
    which gives no patience. Daily totals only: ``StaffingError``.
    """
    conv = conventions or Conventions()
    if interval_minutes not in (15, 30, 60):
        raise StaffingError(f"client {client!r}: interval length {interval_minutes!r} min must "
                            "be 15, 30 or 60")
    if interactions is not None:
        frame, span = _profile_from_interactions(interactions, interval_minutes, conv)
    elif intervals is not None:
        frame, span = _profile_from_intervals(intervals, interval_minutes, client)
    else:
        raise StaffingError(f"client {client!r}: the export has neither interactions nor "
                            "interval aggregates: the model needs intraday arrivals")
    if frame.empty:
        raise StaffingError(f"client {client!r}, queue '-', interval '-': no arrivals in the "
                            "export")
    weeks = _weekday_counts(*span)
    frame["days"] = frame["weekday"].map(weeks).astype(float)
    frame["offered"] = frame["offered_total"] / frame["days"]
    frame["aht_seconds"] = frame["handle_total"] / frame["handled"]
    pooled = frame.groupby(["queue", "slot"])[["handle_total", "handled"]].transform("sum")
    fallback = frame["aht_seconds"].isna() & (pooled["handled"] > 0)
    frame.loc[fallback, "aht_seconds"] = (pooled["handle_total"] / pooled["handled"])[fallback]
    # An interval whose slot was never answered on any weekday (a short-abandon at 07:00) takes
    # the queue's own handle time: its contacts are demand, and leaving them unsized would
    # understaff the interval. A queue with no handle time at all stays NaN (split_sizeable).
    whole = frame.groupby(["queue", "channel"])[["handle_total", "handled"]].transform("sum")
    queue_wide = frame["aht_seconds"].isna() & (whole["handled"] > 0)
    frame.loc[queue_wide, "aht_seconds"] = (whole["handle_total"] / whole["handled"])[queue_wide]
    frame["aht_from"] = np.select([fallback, queue_wide],
                                  ["same slot, all weekdays", "queue, all intervals"], "own slot")
    by_queue = frame.groupby("queue")[["abandoned", "wait_total"]].transform("sum")
    frame["patience_seconds"] = (by_queue["wait_total"] / by_queue["abandoned"]).where(
        by_queue["abandoned"] > 0)
    frame["interval"] = [_slot_label(w, s) for w, s in zip(frame["weekday"], frame["slot"],
                                                             strict=True)]
    quiet = frame["offered_total"] <= 0
    if quiet.all():
        raise StaffingError(f"client {client!r}: no arrivals in any interval of any queue")
    for queue, rows in frame.groupby("queue"):
        if (rows["offered_total"] <= 0).all():
            raise StaffingError(f"client {client!r}, queue {queue!r}, interval '-': no arrivals "
                                "in any interval of this queue")
    frame.attrs.update(first_day=span[0], last_day=span[1], interval_minutes=interval_minutes,
                       client=client, quiet_intervals=int(quiet.sum()))
    keep = ["queue", "channel", "weekday", "slot", "interval", "days", "offered", "aht_seconds",
            "aht_from", "patience_seconds", "abandoned", "offered_total"]
    return frame[keep].sort_values(["queue", "weekday", "slot"], ignore_index=True)


def _profile_from_interactions(table: TableSource, minutes: int, conv: Conventions
                               ) -> tuple[pd.DataFrame, tuple[pd.Timestamp, pd.Timestamp]]:
    bucket = f"time_bucket(INTERVAL '{minutes} minutes', arrived_at)"
    handled = (f"outcome = 'answered' AND handle_seconds IS NOT NULL AND handle_seconds > "
               f"{conv.phantom_seconds}")
    select = f"""
        count(*) AS offered_total,
        count(*) FILTER ({handled}) AS handled,
        coalesce(sum(handle_seconds) FILTER ({handled}), 0) AS handle_total,
        count(*) FILTER (outcome <> 'answered') AS abandoned,
        sum(wait_seconds) AS wait_total,
        min(arrived_at) AS first_at, max(arrived_at) AS last_at
    """
    groups = [("queue", "queue"), ("channel", "channel"), ("isodow(arrived_at)", "weekday"),
              (f"CAST({bucket} AS TIME)", "slot")]
    frame = run_grouped(select, f"read_parquet('{parquet_path(table)}')", groups)
    if frame.empty:
        return frame, (pd.NaT, pd.NaT)
    span = (pd.Timestamp(frame.pop("first_at").min()), pd.Timestamp(frame.pop("last_at").max()))
    return frame, span


def _profile_from_intervals(table: TableSource, minutes: int, client: str
                            ) -> tuple[pd.DataFrame, tuple[pd.Timestamp, pd.Timestamp]]:
    source = f"read_parquet('{parquet_path(table)}')"
    lengths = run_grouped("count(*) AS n", source, [("interval_minutes", "interval_minutes"),
                                                   ("queue", "queue")])
    if lengths.empty:
        return pd.DataFrame(), (pd.NaT, pd.NaT)
    finest = int(lengths["interval_minutes"].min())
    if finest >= 1440:
        queues = ", ".join(repr(q) for q in sorted(lengths["queue"].unique()))
        raise StaffingError(
            f"client {client!r}, queue {queues}, interval 'daily totals': the export has only "
            "daily totals; the model needs intraday arrivals (15, 30 or 60-minute intervals). No "
            "cited peak-hour factor is in data/raw to spread a day, so nothing is assumed: "
            "add an interval report or contact-level export")
    if finest > minutes or minutes % finest:
        raise StaffingError(f"client {client!r}: the export's intervals are {finest} min; "
                            f"{minutes}-minute planning intervals cannot be built from them")
    bucket = f"time_bucket(INTERVAL '{minutes} minutes', interval_start)"
    select = """
        sum(offered) AS offered_total,
        sum(answered) FILTER (aht_seconds IS NOT NULL) AS handled,
        coalesce(sum(aht_seconds * answered) FILTER (aht_seconds IS NOT NULL), 0)
            AS handle_total,
        sum(coalesce(abandoned, offered - answered)) AS abandoned,
        CAST(NULL AS DOUBLE) AS wait_total,
        min(interval_start) AS first_at, max(interval_start) AS last_at
    """
    groups = [("queue", "queue"), ("channel", "channel"), ("isodow(interval_start)", "weekday"),
              (f"CAST({bucket} AS TIME)", "slot")]
    frame = run_grouped(select, source, groups)
    span = (pd.Timestamp(frame.pop("first_at").min()), pd.Timestamp(frame.pop("last_at").max()))
    frame["handled"] = frame["handled"].fillna(0)
    return frame, span


# --------------------------------------------------------------------------- sizing a profile


@dataclass(frozen=True)
class Plan:
    """The planning assumptions of one sizing run (each stated in the report)."""

    target: Target = Target()
    shrinkage_pct: float = 30.0
    chat_concurrency: float = 1.0
    model: str = "erlang_c"
    interval_minutes: int = 30
    volume_factor: float = 1.0
    aht_factor: float = 1.0
    max_agents: int = DEFAULT_MAX_AGENTS
    turnaround_hours: float | None = None
    """Email/back-office target: work is done within this many hours of arriving."""


NO_HANDLE_TIME = "no answered contact has a handle time"
"""Why a queue is left out of the sizing (said in the report and in the refusal)."""


@dataclass(frozen=True)
class ProfileSplit:
    """An interval profile split into the queues the model can size and those it cannot."""

    sizeable: pd.DataFrame
    """The profile rows of every queue with a handle time (the same columns as the profile)."""
    left_out: pd.DataFrame
    """One row per queue and channel left out: ``queue``, ``channel``, ``contacts`` (offered
    in the whole export), ``abandoned``, ``intervals`` (weekday intervals with contacts) and
    ``reason``."""

    def require_sizeable(self, client: str = "-") -> pd.DataFrame:
        """The sizeable rows; ``NoQueueToSizeError`` (one line, every queue named) if none."""
        if len(self.sizeable):
            return self.sizeable
        # The reason first and at most 3 queues named: a build line is cut at 300 characters.
        raise NoQueueToSizeError(
            f"client {client!r}: no queue can be sized, {NO_HANDLE_TIME} in any queue "
            f"(the export needs answered contacts' handle times): "
            f"{describe_left_out(self.left_out, most=3)}", left_out=self.left_out)


def describe_left_out(left_out: pd.DataFrame, most: int | None = None) -> str:
    """Queues left out in words, e.g. "queue 'Sales' (chat: 1 contact, 1 abandoned)"; with
    ``most``, the queues with the most contacts first and "and N more" after that many."""
    def one(row: pd.Series) -> str:
        contacts, abandoned = int(row["contacts"]), int(row["abandoned"])
        return (f"queue {row['queue']!r} ({row['channel']}: {contacts:,} "
                f"contact{'' if contacts == 1 else 's'}, {abandoned:,} abandoned)")
    rows = left_out
    if most is not None and len(rows) > most:
        rows = rows.sort_values("contacts", ascending=False, kind="stable").head(most)
    more = len(left_out) - len(rows)
    return ", ".join(one(row) for _, row in rows.iterrows()) + (f" and {more:,} more"
                                                               if more else "")


def split_sizeable(profile: pd.DataFrame) -> ProfileSplit:
    """Split a profile (:func:`interval_profile`) into the queues that can be sized and those
    that cannot: a queue (and channel) whose contacts include none answered with a handle time,
    e.g. a queue whose only contacts are short abandons. One rule for every caller: the views
    size what they can and say what they left out; :func:`size_profile` still refuses a row
    without a handle time (``StaffingError``) for a caller that asks for it directly."""
    key = ["queue", "channel"]
    busy = profile["offered_total"] > 0
    missing = (busy & profile["aht_seconds"].isna()).groupby(
        [profile[k] for k in key]).transform("any")
    out = profile[missing]
    left_out = (out.assign(busy=busy[missing]).groupby(key, sort=True)
                .agg(contacts=("offered_total", "sum"), abandoned=("abandoned", "sum"),
                     intervals=("busy", "sum")).reset_index())
    for column in ("contacts", "abandoned", "intervals"):
        left_out[column] = left_out[column].astype("int64")
    left_out["reason"] = NO_HANDLE_TIME
    sizeable = profile[~missing].reset_index(drop=True)
    sizeable.attrs = dict(profile.attrs)
    return ProfileSplit(sizeable=sizeable, left_out=left_out)


def _size_backoffice(out: pd.DataFrame, rows: np.ndarray, plan: Plan, client: str
                     ) -> np.ndarray:
    """Agents per email interval: the work that arrived over the last turnaround window (same
    queue and day), done within that window at the occupancy cap (``backoffice_agents``)."""
    first = out.iloc[rows[0]]
    if plan.turnaround_hours is None:
        raise StaffingError(f"{Where(client, first['queue'], first['interval'])}: an email "
                            "queue is sized to a turnaround target; set staffing "
                            "turnaround_hours for this client")
    width = max(1, round(plan.turnaround_hours * 60 / plan.interval_minutes))
    part = out.iloc[rows]
    window = (part.sort_values("slot").groupby(["queue", "weekday"])["offered"]
              .transform(lambda x: x.rolling(width, min_periods=1).sum())).loc[part.index]
    agents = []
    for (_, row), volume in zip(part.iterrows(), window, strict=True):
        where = Where(client, row["queue"], row["interval"])
        # The window's work is spread over the window: each interval in it needs these agents.
        need = backoffice_agents(float(volume), float(row["aht_seconds"]),
                                 float(plan.turnaround_hours), plan.target.occupancy_cap_pct,
                                 where)
        agents.append(math.ceil(need - 1e-9))
    return np.asarray(agents, dtype=np.int64)


def size_profile(profile: pd.DataFrame, plan: Plan, client: str = "-") -> pd.DataFrame:
    """Required, scheduled agents and the expected service per row of an interval profile.

    Rows with no arrivals (a slot open on some weekdays only) need no agents. Chat rows use the
    handle time divided by the concurrency; email rows are deferred work sized to
    ``plan.turnaround_hours`` (no service level or ASA). ``plan.model`` ``erlang_a`` uses each
    queue's measured patience (a queue without abandoned contacts falls back to Erlang C, marked in
    ``model``).
    """
    if plan.model not in MODELS:
        raise StaffingError(f"client {client!r}: staffing model {plan.model!r} is not one of "
                            f"{', '.join(MODELS)}")
    where0 = Where(client)
    plan.target.check(where0)
    shrink = check_shrinkage(plan.shrinkage_pct, where0)
    out = profile.copy()
    out["offered"] = out["offered"] * plan.volume_factor
    out["aht_seconds"] = out["aht_seconds"] * plan.aht_factor
    is_chat = out["channel"].eq("chat").to_numpy()
    concurrency = np.where(is_chat, plan.chat_concurrency, 1.0)
    if (concurrency < 1).any():
        raise StaffingError(f"{where0}: chat concurrency {plan.chat_concurrency!r} must be >= 1")
    out["agent_seconds_per_contact"] = out["aht_seconds"] / concurrency
    busy = out["offered"].to_numpy() > 0
    where = [Where(client, q, i) for q, i in zip(out["queue"], out["interval"], strict=True)]
    seconds = plan.interval_minutes * 60.0
    cols = {c: np.full(len(out), np.nan) for c in ("service_level", "asa_seconds", "occupancy",
                                                   "abandonment")}
    agents = np.zeros(len(out), dtype=np.int64)
    model = np.full(len(out), "closed", dtype=object)
    deferred = out["channel"].isin(BACKOFFICE_CHANNELS).to_numpy()
    email_rows = np.flatnonzero(busy & deferred)
    if len(email_rows):
        agents[email_rows] = _size_backoffice(out, email_rows, plan, client)
        model[email_rows] = "turnaround"
    idx = np.flatnonzero(busy & ~deferred)
    patience = out["patience_seconds"].to_numpy(dtype=float)
    use_a = (np.isfinite(patience) & (patience > 0)) if plan.model == "erlang_a" else \
        np.zeros(len(out), dtype=bool)
    c_rows = idx[~use_a[idx]]
    if len(c_rows):
        sized = required_agents_erlang_c(
            out["offered"].to_numpy()[c_rows], out["agent_seconds_per_contact"].to_numpy()[c_rows],
            seconds, plan.target, [where[i] for i in c_rows], plan.max_agents)
        agents[c_rows] = sized["agents"].to_numpy()
        for c in ("service_level", "asa_seconds", "occupancy"):
            cols[c][c_rows] = sized[c].to_numpy()
        cols["abandonment"][c_rows] = 0.0
        model[c_rows] = "erlang_c"
    for i in idx[use_a[idx]]:
        m = required_agents_erlang_a(
            float(out["offered"].iat[i]), float(out["agent_seconds_per_contact"].iat[i]),
            float(patience[i]), seconds, plan.target, where[i], plan.max_agents)
        agents[i] = m.agents
        cols["service_level"][i] = 100 * m.service_level
        cols["asa_seconds"][i] = m.asa_seconds
        cols["occupancy"][i] = 100 * m.occupancy
        cols["abandonment"][i] = 100 * m.abandonment
        model[i] = "erlang_a"
    out["agents"] = agents
    for c, values in cols.items():
        out[c] = values
    out["model"] = model.astype(str)
    out["scheduled_agents"] = out["agents"] / (1.0 - shrink)
    out.attrs = {**profile.attrs, "plan": plan}
    return out


def fte_summary(sized: pd.DataFrame, hours: HoursBasis | None = None) -> dict[str, object]:
    """Scheduled hours and paid FTE of a sized profile (one average week), by weekday and month.

    ``paid_fte`` = scheduled agent-hours of the average week ÷ paid hours per week; the monthly
    figure is the same FTE over ``hours.hours_per_month`` paid hours. By weekday: agent-hours on
    the phones and scheduled, the peak interval, and 8-hour-shift equivalents (paid hours a
    day). ``by_queue``: the same FTE split by queue.
    """
    basis = hours or HoursBasis()
    plan: Plan = sized.attrs["plan"]
    slot_hours = plan.interval_minutes / 60.0
    frame = sized.assign(productive_hours=sized["agents"] * slot_hours,
                         scheduled_hours=sized["scheduled_agents"] * slot_hours)
    week_hours = float(frame["scheduled_hours"].sum())
    fte = paid_fte(week_hours, basis)
    daily = frame.groupby("weekday").agg(
        offered=("offered", "sum"), productive_hours=("productive_hours", "sum"),
        scheduled_hours=("scheduled_hours", "sum")).reset_index()
    peaks = frame.groupby(["weekday", "slot"])["agents"].sum().groupby("weekday").max()
    daily["peak_agents"] = daily["weekday"].map(peaks)
    daily["shifts"] = daily["scheduled_hours"] / basis.hours_per_day
    daily["day"] = daily["weekday"].map(lambda w: WEEKDAYS[w - 1])
    by_queue = frame.groupby(["queue", "channel"]).agg(
        offered_per_week=("offered", "sum"), productive_hours=("productive_hours", "sum"),
        scheduled_hours=("scheduled_hours", "sum")).reset_index()
    by_queue["paid_fte"] = by_queue["scheduled_hours"] / basis.hours_per_week
    return {
        "paid_fte": fte,
        "scheduled_hours_per_week": week_hours,
        "productive_hours_per_week": float(frame["productive_hours"].sum()),
        "scheduled_hours_per_month": fte * basis.hours_per_month,
        "offered_per_week": float(frame["offered"].sum()),
        "daily": daily,
        "by_queue": by_queue,
    }


def sensitivity_scenarios(
    base: Plan,
    steps: Sequence[float] = (-20, -10, 10, 20),
    targets: Sequence[tuple[float, float]] = ((70, 20), (80, 20), (90, 10)),
) -> list[tuple[str, str, Plan]]:
    """(group, label, plan) for the base, volume and handle time ± ``steps`` %, other targets."""
    from dataclasses import replace

    out = [("base", f"base ({base.target.label()})", base)]
    for pct in steps:
        out.append(("volume", f"volume {pct:+g} %", replace(base, volume_factor=1 + pct / 100)))
    for pct in steps:
        out.append(("handle time", f"handle time {pct:+g} %",
                    replace(base, aht_factor=1 + pct / 100)))
    for sl, secs in targets:
        target = replace(base.target, service_level_pct=float(sl), threshold_seconds=float(secs))
        out.append(("target", f"target {sl:g}/{secs:g}", replace(base, target=target)))
    return out


def sensitivity(profile: pd.DataFrame, base: Plan, hours: HoursBasis | None = None,
                client: str = "-") -> pd.DataFrame:
    """Paid FTE under each scenario of :func:`sensitivity_scenarios` (and its change vs base)."""
    rows = []
    for group, label, plan in sensitivity_scenarios(base):
        summary = fte_summary(size_profile(profile, plan, client), hours)
        rows.append({"group": group, "scenario": label, "paid_fte": summary["paid_fte"],
                     "volume_factor": plan.volume_factor, "aht_factor": plan.aht_factor,
                     "target": plan.target.label()})
    frame = pd.DataFrame(rows)
    base_fte = float(frame.loc[0, "paid_fte"])
    frame["fte_change_pct"] = (frame["paid_fte"] / base_fte - 1) * 100
    return frame


def staffed_profile(intervals: TableSource, interval_minutes: int = 30) -> pd.DataFrame:
    """Agents the export itself staffed: per queue × weekday × slot, the mean staffed agents
    (``staffed_seconds`` ÷ interval length, averaged over the weeks of the export)."""
    seconds = interval_minutes * 60
    bucket = f"time_bucket(INTERVAL '{interval_minutes} minutes', interval_start)"
    groups = [("queue", "queue"), ("isodow(interval_start)", "weekday"),
              (f"CAST({bucket} AS TIME)", "slot")]
    frame = run_grouped("sum(staffed_seconds) AS staffed_seconds, min(interval_start) AS a, "
                        "max(interval_start) AS b", f"read_parquet('{parquet_path(intervals)}')",
                        groups)
    if frame.empty:
        return frame.assign(staffed_agents=[])
    weeks = _weekday_counts(pd.Timestamp(frame["a"].min()), pd.Timestamp(frame["b"].max()))
    frame["staffed_agents"] = frame["staffed_seconds"] / seconds / frame["weekday"].map(weeks)
    return frame.drop(columns=["a", "b"])


def compare_with_staffed(sized: pd.DataFrame, staffed: pd.DataFrame) -> pd.DataFrame:
    """Per queue: the model's agent-hours a week on the phones against the export's own staffed
    agent-hours, and their ratio (how near the model lands to what the operation staffed)."""
    hours = sized.attrs["plan"].interval_minutes / 60
    model = sized.groupby("queue")["agents"].sum() * hours
    own = staffed.groupby("queue")["staffed_agents"].sum() * hours
    frame = pd.DataFrame({"model_agent_hours": model, "staffed_agent_hours": own}).dropna()
    total = frame.sum()
    frame.loc["all queues"] = total
    frame["ratio"] = frame["model_agent_hours"] / frame["staffed_agent_hours"]
    return frame.reset_index(names="queue")
