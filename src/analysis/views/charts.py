"""The house chart style and the chart types every report shares (seaborn on matplotlib).

Every chart function records the frames it draws (``report_kit.record_table``, kind "chart"),
so the run's data pack holds the numbers behind each chart.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis.views.report_kit import record_table

#: The accent colour used for the consensus/base line; reports may override it per client.
ACCENT = "#1f4e79"
GREY = "#8a8f98"
TIER_PALETTE = {
    "primary": "#1f4e79",
    "relayed": "#4f9bd9",
    "unattributed": "#e0a030",
    "aggregator": "#c0504d",
}
SCENARIO_COLOURS = {"low": "#9bbad6", "base": ACCENT, "high": "#9bbad6"}


def apply_style() -> None:
    """One look for every chart: white grid, readable sizes, no chart junk."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.95)
    plt.rcParams.update({
        "figure.figsize": (9, 4.6),
        "figure.dpi": 110,
        "savefig.dpi": 110,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "axes.titlesize": 12,
        "axes.titlelocation": "left",
        "legend.frameon": False,
    })
    # Charts reach the page as PNG at twice the figure's dpi (220 dpi, shown at the same size),
    # so they stay sharp in print and in the PDF.
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except (ImportError, AttributeError, NameError):  # no IPython shell: plain matplotlib use
        pass


_Chart = TypeVar("_Chart", bound=Callable[..., Figure])


def records_data(chart: _Chart) -> _Chart:
    """Decorate a chart function: the DataFrames it is given are recorded under its title."""
    signature = inspect.signature(chart)

    @functools.wraps(chart)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        fig = chart(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        title = str(bound.arguments.get("title", chart.__name__))
        frames = {k: v for k, v in bound.arguments.items() if isinstance(v, pd.DataFrame)}
        for name, frame in frames.items():
            label = title if len(frames) == 1 else f"{title} ({name})"
            record_table(label, frame, kind="chart")
        return fig

    return wrapper  # type: ignore[return-value]


def _finish(fig: Figure) -> Figure:
    """Lay out and detach ``fig`` from pyplot: the notebook shows it once, with ``display``."""
    fig.tight_layout()
    plt.close(fig)
    return fig


def _usd_axis(ax: Axes, label: str = "USD billion") -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, never 2017.5
    ax.set_ylabel(label)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")


@records_data
def triangulation(
    points: pd.DataFrame, consensus: pd.DataFrame, title: str, excluded_tiers: set[str]
) -> Figure:
    """Every source's stated figures by year, coloured by tier, with the consensus band and line.

    ``points`` needs year, value_usd_bn, reliability_tier, is_forecast; ``consensus`` the output
    of :func:`analysis.research.market.consensus_estimate`. Excluded tiers are drawn hollow so
    the reader sees the spread the consensus ignores.
    """
    fig, ax = plt.subplots()
    for tier, colour in TIER_PALETTE.items():
        tier_rows = points[points["reliability_tier"] == tier]
        if tier_rows.empty:
            continue
        for forecast, marker in ((False, "o"), (True, "^")):
            sub = tier_rows[tier_rows["is_forecast"].astype(bool) == forecast]
            if sub.empty:
                continue
            hollow = tier in excluded_tiers
            ax.scatter(
                sub["year"].astype(int), sub["value_usd_bn"], marker=marker, s=38,
                facecolors="none" if hollow else colour, edgecolors=colour, linewidths=1.2,
                label=f"{tier}{' (excluded)' if hollow else ''}{' forecast' if forecast else ''}",
                zorder=3,
            )
    band = consensus.dropna(subset=["median_usd_bn"])
    ax.fill_between(band["year"], band["low_usd_bn"], band["high_usd_bn"], color=ACCENT,
                    alpha=0.12, label="consensus range", zorder=1)
    ax.plot(band["year"], band["median_usd_bn"], color=ACCENT, linewidth=2.2,
            label="consensus (median)", zorder=2)
    ax.set_title(title)
    ax.set_xlabel("year")
    _usd_axis(ax)
    ax.legend(loc="upper left", fontsize=8, ncols=2)
    return _finish(fig)


@records_data
def forecast_fan(history: pd.DataFrame, scenarios: pd.DataFrame, title: str) -> Figure:
    """Consensus history and the low/base/high scenario fan from the base year."""
    fig, ax = plt.subplots()
    hist = history.dropna(subset=["median_usd_bn"])
    ax.plot(hist["year"], hist["median_usd_bn"], color=GREY, linewidth=2, label="consensus")
    ax.fill_between(scenarios["year"], scenarios["low_usd_bn"], scenarios["high_usd_bn"],
                    color=ACCENT, alpha=0.15, label="low–high scenario")
    rates = scenarios.attrs.get("cagr_pct", {})
    for name in ("low", "base", "high"):
        style = "-" if name == "base" else "--"
        label = f"{name} ({rates[name]:.1f} % CAGR)" if name in rates else name
        ax.plot(scenarios["year"], scenarios[f"{name}_usd_bn"], style,
                color=SCENARIO_COLOURS[name], linewidth=2 if name == "base" else 1.3, label=label)
    ax.set_title(title)
    ax.set_xlabel("year")
    _usd_axis(ax)
    ax.legend(loc="upper left", fontsize=8)
    return _finish(fig)


def share_bars(shares: pd.DataFrame, title: str) -> Figure:
    """Median shares by segment with the low–high range between sources as whiskers."""
    return range_bars(shares, "segment", "share_pct", "low_pct", "high_pct",
                      "% of global BPO revenue (median of sources; whiskers: low–high)", title)


@records_data
def country_lines(series: pd.DataFrame, title: str, ylabel: str) -> Figure:
    """One line per country × segment over time; forecasts dashed."""
    fig, ax = plt.subplots()
    palette = sns.color_palette("tab10")
    for i, ((country, segment), rows) in enumerate(series.groupby(["geography", "segment"])):
        rows = rows.sort_values("year")
        colour = palette[i % len(palette)]
        actual = rows[~rows["is_forecast"].astype(bool)]
        ax.plot(actual["year"].astype(int), actual["value"], "-o", color=colour, markersize=4,
                label=f"{country}: {segment}")
        forecast = rows[rows["is_forecast"].astype(bool)]
        if not forecast.empty and not actual.empty:
            joined = pd.concat([actual.tail(1), forecast])
            ax.plot(joined["year"].astype(int), joined["value"], "--", color=colour, alpha=0.8)
    ax.set_title(title)
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", fontsize=8)
    return _finish(fig)


# --- Service categories and sourcing models (sourcing helper) ------------------------------------

RECOMMENDATION_COLOURS = {"outsource now": "#2e7d32", "pilot first": "#e0a030",
                          "keep in-house": "#c0504d"}
SHORE_COLOURS = {"onshore": GREY, "nearshore": "#4f9bd9", "offshore": ACCENT,
                 "unclassified": "#cccccc"}


@records_data
def fit_matrix(
    scored: pd.DataFrame, outsource_now: float, pilot_first: float, title: str
) -> Figure:
    """Processes placed by fit score (x) and value/complexity (y), coloured by recommendation.

    ``scored`` is the output of :func:`analysis.research.fit.score_processes` (best fit first);
    each point is labelled with its row number there, and the dashed lines are the
    recommendation thresholds.
    """
    fig, ax = plt.subplots(figsize=(9.5, 6.2))
    for recommendation, colour in RECOMMENDATION_COLOURS.items():
        rows = scored[scored["recommendation"] == recommendation]
        ax.scatter(rows["fit_score"], rows["value_complexity"], s=46, color=colour,
                   label=recommendation, zorder=3, edgecolors="white", linewidths=0.6)
    # Ratings are whole or half steps, so points pile up: label them with their row number in
    # the scored table (``#``) and stack labels of neighbouring points instead of overlapping.
    stacked: dict[tuple[int, float], int] = {}
    for number, (_, row) in enumerate(scored.iterrows(), start=1):
        key = (int(row["fit_score"] // 4), float(row["value_complexity"]))
        level = stacked.get(key, 0)
        stacked[key] = level + 1
        ax.annotate(str(number), (row["fit_score"], row["value_complexity"]), fontsize=7,
                    xytext=(3, 3 + 8 * level), textcoords="offset points", color="#333333")
    for cut in (pilot_first, outsource_now):
        ax.axvline(cut, color=GREY, linestyle="--", linewidth=1)
    ax.set_xlim(0, 105)
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel("outsourcing fit score (0–100)")
    ax.set_ylabel("value / complexity (1–5, mean of the two ratings)")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    return _finish(fig)


@records_data
def range_bars(
    frame: pd.DataFrame, label: str, median: str, low: str, high: str, xlabel: str, title: str
) -> Figure:
    """Horizontal bars of a median per row with the low–high range between sources as whiskers.

    Rows whose median is missing are left out (the table next to the chart lists them).
    """
    ordered = frame.dropna(subset=[median]).sort_values(median)
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(ordered), 1) + 1.4))
    ax.barh(ordered[label], ordered[median], color=ACCENT, alpha=0.85)
    ax.errorbar(ordered[median], ordered[label],
                xerr=[ordered[median] - ordered[low], ordered[high] - ordered[median]],
                fmt="none", ecolor="#333333", capsize=3, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    return _finish(fig)


@records_data
def location_rates(
    comparison: pd.DataFrame, column: str, home_country: str, xlabel: str, title: str
) -> Figure:
    """USD per hour by country (median, whiskers low–high), coloured by shore, home marked."""
    rows = comparison.dropna(subset=[f"{column}_median"]).sort_values(f"{column}_median")
    fig, ax = plt.subplots(figsize=(9, 0.42 * max(len(rows), 1) + 1.5))
    colours = rows["shore"].map(SHORE_COLOURS).fillna(GREY)
    ax.barh(rows["country"], rows[f"{column}_median"], color=colours)
    ax.errorbar(rows[f"{column}_median"], rows["country"],
                xerr=[rows[f"{column}_median"] - rows[f"{column}_low"],
                      rows[f"{column}_high"] - rows[f"{column}_median"]],
                fmt="none", ecolor="#333333", capsize=3, linewidth=1)
    home = rows[rows["country"] == home_country]
    if len(home):
        ax.axvline(float(home[f"{column}_median"].iloc[0]), color=GREY, linestyle="--",
                   linewidth=1)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for s, c in SHORE_COLOURS.items()
               if s in set(rows["shore"])]
    ax.legend(handles, [s for s in SHORE_COLOURS if s in set(rows["shore"])], fontsize=8,
              loc="lower right")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("")
    ax.set_title(title)
    return _finish(fig)


@records_data
def cumulative_costs(curves: pd.DataFrame, summary: pd.DataFrame, title: str) -> Figure:
    """Cumulative in-house cost against each location's cumulative outsourced cost by month.

    ``curves``/``summary`` come from :func:`analysis.research.tco.compare_locations`; a dot
    marks each location's break-even month.
    """
    fig, ax = plt.subplots()
    first = curves[curves["location"] == curves["location"].iloc[0]]
    ax.plot(first["month"], first["inhouse_cumulative"] / 1e6, color=GREY, linewidth=2.4,
            label="in-house (home)")
    palette = sns.color_palette("tab10")
    for i, (location, rows) in enumerate(curves.groupby("location", sort=False)):
        colour = palette[i % len(palette)]
        ax.plot(rows["month"], rows["outsourced_cumulative"] / 1e6, color=colour,
                linewidth=1.6, label=location)
        month = summary.set_index("location").loc[location, "break_even_month"]
        if pd.notna(month):
            point = rows[rows["month"] == int(month)]
            ax.scatter(point["month"], point["outsourced_cumulative"] / 1e6, color=colour, s=30,
                       zorder=4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("month of contract")
    ax.set_ylabel("cumulative cost, USD million")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8)
    return _finish(fig)


@records_data
def coverage_timeline(
    shifts: pd.DataFrame, client_hours: tuple[float, float], title: str
) -> Figure:
    """Each location's working window on the client's clock (0–24 h), client hours shaded.

    ``shifts`` has ``location``, ``start`` and ``end`` in client hours (one row per interval).
    """
    locations = list(dict.fromkeys(shifts["location"]))
    fig, ax = plt.subplots(figsize=(9, 0.5 * len(locations) + 1.4))
    ax.axvspan(*client_hours, color=ACCENT, alpha=0.08, label="client business hours")
    for _, row in shifts.iterrows():
        y = locations.index(row["location"])
        ax.barh(y, row["end"] - row["start"], left=row["start"], color=ACCENT, height=0.5)
    ax.set_yticks(range(len(locations)), locations)
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 3))
    ax.set_xlabel("hour of the day, client time")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    return _finish(fig)


# --- KPI benchmarks and client positioning (kpi notebook helper) ---------------------------------

BAND_RANGE = "#dfe6ee"
BAND_QUARTILES = "#b7c7d9"
BEST_MARK = "#2e7d32"


def _direction_hint(ax: Axes, direction: str) -> None:
    # Tells the reader which way is good, since lower is better for some KPIs.
    text = {"lower_is_better": "← better", "higher_is_better": "better →",
            "target": "target band shaded"}.get(direction, "")
    ax.text(1.0, 1.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
            color=GREY)


def _band_value(row: pd.Series, key: str) -> float | None:
    value = row.get(key)
    return None if value is None or pd.isna(value) else float(value)


@records_data
def kpi_bullets(positions: pd.DataFrame, title: str) -> Figure:
    """One bullet chart per KPI: the client value on its benchmark band.

    ``positions`` comes from :func:`analysis.views.kpi_view.build_kpi_view` (one row per KPI, values
    in the band's unit). Shading: low–high range light, p25–p75 darker, target band for target
    KPIs; a line marks the median, a green diamond the best-performer threshold, the dark bar
    the client.
    """
    rows = positions[positions["band"] != "no benchmark"].reset_index(drop=True)
    fig, axes = plt.subplots(max(len(rows), 1), 1, figsize=(9, 1.05 * max(len(rows), 1) + 0.8),
                             squeeze=False)
    for ax, (_, row) in zip(axes[:, 0], rows.iterrows(), strict=False):
        value = float(row["client_value"])
        marks = [value]
        low, high = _band_value(row, "low"), _band_value(row, "high")
        if row["direction"] == "target":
            low, high = _band_value(row, "target_low"), _band_value(row, "target_high")
        if low is not None and high is not None:
            ax.barh(0, high - low, left=low, height=0.8, color=BAND_RANGE, zorder=1)
            marks += [low, high]
        p25, p75 = _band_value(row, "p25"), _band_value(row, "p75")
        if p25 is not None and p75 is not None:
            ax.barh(0, p75 - p25, left=p25, height=0.8, color=BAND_QUARTILES, zorder=2)
            marks += [p25, p75]
        median, best = _band_value(row, "median"), _band_value(row, "best_performer")
        if median is not None:
            ax.vlines(median, -0.42, 0.42, color="#333333", linewidth=2, zorder=3)
            marks.append(median)
        if best is not None:
            ax.scatter([best], [0], marker="D", s=40, color=BEST_MARK, zorder=4)
            marks.append(best)
        ax.barh(0, value, height=0.28, color=ACCENT, zorder=5)
        span = max(marks) - min(0.0, min(marks))
        ax.set_xlim(min(0.0, min(marks)), max(marks) + 0.08 * (span or 1))
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        unit = str(row["unit"])
        ax.set_title(f"{row['label']} ({unit}): {row['band']}", fontsize=9, loc="left")
        _direction_hint(ax, str(row["direction"]))
        ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in (BAND_RANGE, BAND_QUARTILES,
                                                              ACCENT)]
    handles += [plt.Line2D([], [], color="#333333", linewidth=2),
                plt.Line2D([], [], marker="D", color=BEST_MARK, linestyle="")]
    fig.legend(handles, ["published range / target band", "p25–p75", "client", "median",
                         "best performer"], loc="lower center", ncols=5, fontsize=8)
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    plt.close(fig)
    return fig


@records_data
def kpi_trend(trend: pd.DataFrame, band: pd.Series | None, title: str, ylabel: str) -> Figure:
    """A client KPI over time (``period``, ``value``) with its benchmark band drawn behind it.

    ``band`` is the KPI's row of the positions table (same unit as ``value``): the low–high or
    target band is shaded, p25–p75 darker, the median dashed.
    """
    fig, ax = plt.subplots()
    if band is not None:
        direction = str(band.get("direction", ""))
        keys = ("target_low", "target_high") if direction == "target" else ("low", "high")
        low, high = _band_value(band, keys[0]), _band_value(band, keys[1])
        if low is not None and high is not None:
            label = "target band" if direction == "target" else "published range"
            ax.axhspan(low, high, color=BAND_RANGE, zorder=0, label=label)
        p25, p75 = _band_value(band, "p25"), _band_value(band, "p75")
        if p25 is not None and p75 is not None:
            ax.axhspan(p25, p75, color=BAND_QUARTILES, zorder=0, label="p25–p75")
        median = _band_value(band, "median")
        if median is not None:
            ax.axhline(median, color="#333333", linestyle="--", linewidth=1.2,
                       label="benchmark median")
        best = _band_value(band, "best_performer")
        if best is not None:
            ax.axhline(best, color=BEST_MARK, linestyle=":", linewidth=1.2,
                       label="best performer")
        _direction_hint(ax, direction)
    ax.plot(trend["period"], trend["value"], color=ACCENT, linewidth=1.8, marker="o",
            markersize=2.5, label="client", zorder=3)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("")
    fig.autofmt_xdate()
    ax.legend(loc="best", fontsize=8)
    return _finish(fig)


# --- staffing (sourcing and KPI notebooks) -----------------------------------------------------


@records_data
def staffing_curve(intraday: pd.DataFrame, title: str) -> Figure:
    """Offered contacts per interval (bars, left axis) against agents required on the phones and
    scheduled after shrinkage (lines, right axis). ``intraday`` from ``StaffingView.intraday``."""
    fig, ax = plt.subplots()
    x = range(len(intraday))
    ax.bar(x, intraday["offered"], color=BAND_RANGE, label="offered contacts")
    ax.set_ylabel("offered contacts per interval")
    right = ax.twinx()
    right.plot(x, intraday["agents"], color=ACCENT, linewidth=2.2, label="agents required")
    right.plot(x, intraday["scheduled"], color=ACCENT, linewidth=1.4, linestyle="--",
               label="scheduled (after shrinkage)")
    right.set_ylabel("agents")
    right.grid(False)
    step = max(1, len(intraday) // 12)
    ax.set_xticks(list(x)[::step], intraday["slot"].iloc[::step], rotation=0, fontsize=8)
    ax.set_xlabel("interval start")
    ax.set_title(title)
    handles = ax.get_legend_handles_labels()
    lines = right.get_legend_handles_labels()
    right.legend(handles[0] + lines[0], handles[1] + lines[1], loc="upper right", fontsize=8)
    return _finish(fig)


@records_data
def sensitivity_bars(frame: pd.DataFrame, title: str) -> Figure:
    """Paid FTE per scenario (one bar each, base highlighted), grouped by what moved."""
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(frame) + 1.4))
    colours = [ACCENT if g == "base" else "#9bbad6" for g in frame["group"]]
    y = range(len(frame))
    ax.barh(y, frame["paid_fte"], color=colours)
    for i, value in enumerate(frame["paid_fte"]):
        ax.text(value, i, f" {value:,.1f}", va="center", fontsize=8)
    ax.set_yticks(list(y), frame["scenario"])
    ax.invert_yaxis()
    ax.set_xlabel("paid FTE")
    ax.set_title(title)
    return _finish(fig)


@records_data
def first_share_bars(shares: pd.DataFrame, title: str) -> Figure:
    """How often each vendor ranks first under perturbed weights (``rank_first_shares``)."""
    fig, ax = plt.subplots(figsize=(9, 0.45 * len(shares) + 1.4))
    y = range(len(shares))
    ax.barh(y, shares["first_share"] * 100, color=ACCENT)
    for i, value in enumerate(shares["first_share"] * 100):
        ax.text(value, i, f" {value:.1f} %", va="center", fontsize=8)
    ax.set_yticks(list(y), shares["vendor"])
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    ax.set_xlabel("share of weight draws in which the vendor ranks first (%)")
    ax.set_title(title)
    return _finish(fig)


@records_data
def gantt(phases: pd.DataFrame, title: str) -> Figure:
    """Transition phases as horizontal bars on a date axis (``transition_plan`` phases)."""
    import matplotlib.dates as mdates

    fig, ax = plt.subplots(figsize=(9, 0.42 * len(phases) + 1.5))
    y = range(len(phases))
    starts = mdates.date2num(phases["start"])
    widths = mdates.date2num(phases["end"]) - starts
    colours = [GREY if w == 0 else ACCENT for w in phases["wave"]]
    ax.barh(list(y), widths, left=starts, color=colours, height=0.6)
    ax.set_yticks(list(y), phases["phase"], fontsize=8)
    ax.invert_yaxis()
    ax.xaxis_date()
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    ax.tick_params(axis="x", labelsize=8)
    first, last = phases["start"].min().year, phases["end"].max().year
    ax.set_xlabel(str(first) if first == last else f"{first}-{last}")
    ax.set_title(title)
    return _finish(fig)


@records_data
def fte_ramp(ramp: pd.DataFrame, title: str) -> Figure:
    """Weekly FTE in training, nesting and live at the provider, and still in-house."""
    fig, ax = plt.subplots()
    ax.stackplot(ramp["week"], ramp["training"], ramp["nesting"], ramp["live"],
                 labels=["provider: training", "provider: nesting", "provider: live"],
                 colors=["#c9d9ea", "#9bbad6", ACCENT], step="post")
    # Steps, not slopes: a wave moves from training to nesting to live on a given week.
    ax.plot(ramp["week"], ramp["inhouse"], color=GREY, linestyle="--", label="in-house team",
            drawstyle="steps-post")
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b %Y"))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_ylabel("FTE")
    ax.legend(loc="center left", fontsize=8)
    ax.set_title(title)
    return _finish(fig)


@records_data
def credit_trend(attained: pd.DataFrame, credits: pd.DataFrame, title: str) -> Figure:
    """Per KPI, attainment against target by month (left) and the service credits (right)."""
    kpis = list(dict.fromkeys(attained["kpi"]))
    fig, axes = plt.subplots(1, len(kpis) + 1, figsize=(3.0 * (len(kpis) + 1), 3.2))
    for ax, kpi in zip(axes, kpis, strict=False):
        rows = attained[attained["kpi"] == kpi]
        months = rows["month"].dt.strftime("%Y-%m")
        ax.plot(months, rows["value"], marker="o", color=ACCENT)
        ax.axhline(rows["target"].iloc[0], color="#c0504d", linestyle="--", linewidth=1)
        missed = ~rows["met"].astype(bool)
        ax.scatter(months[missed], rows.loc[missed, "value"], color="#c0504d", zorder=3)
        name = rows["label"].iloc[0] if "label" in rows else kpi.replace("_", " ")
        ax.set_title(f"{name} (target {rows['target'].iloc[0]:g})", fontsize=9)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    last = axes[-1]
    last.bar(credits["month"].dt.strftime("%Y-%m"), credits["credit_usd"], color="#c0504d")
    last.set_title("service credits (USD)", fontsize=9)
    last.tick_params(axis="x", labelrotation=45, labelsize=7)
    last.yaxis.set_major_formatter(lambda v, _pos: f"{v:,.0f}")
    fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=11)
    return _finish(fig)
