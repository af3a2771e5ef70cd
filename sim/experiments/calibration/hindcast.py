"""The hindcast: the model's bands over 2023-2025 against the calibration targets.

``hindcast_data`` turns runs into plain panels (one per target); the figure
function takes those panels and returns a matplotlib Figure. Nothing here
calls pyplot, so nothing is shown or leaked.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.experiments.calibration.measure import QUARTER, band, values
from sim.experiments.calibration.posterior import Marginal
from sim.experiments.calibration.targets import Target
from sim.model.ensemble import EnsembleResult

YEARS = (2023, 2024, 2025)
MODEL = "#0072B2"  # Okabe-Ito blue
PRIOR = "#999999"
HIT, MISS = "#000000", "#D55E00"  # Okabe-Ito vermillion marks a target outside the band


@dataclass(frozen=True)
class Panel:
    """One metric: its periods, the model's (p05, p50, p95) per period, and its targets."""

    targets: tuple[Target, ...]
    periods: tuple[str, ...]
    bands: np.ndarray  # (periods, 3)
    prior_bands: np.ndarray | None = None

    @property
    def metric(self) -> str:
        """The metric expression shared by the panel's targets."""
        return self.targets[0].metric

    @property
    def is_share(self) -> bool:
        """True when the metric is a share or ratio (plotted in percent)."""
        first = self.targets[0]
        return bool(first.per) or first.terms[0].startswith("domestic_share")


def periods_for(target: Target, years: tuple[int, ...] = YEARS) -> tuple[str, ...]:
    """List the target's kind of period (years or quarters) across ``years``."""
    if QUARTER.match(target.period):
        return tuple(f"{y}Q{q}" for y in years for q in range(1, 5))
    return tuple(str(y) for y in years)


def bands_of(result: EnsembleResult, target: Target, periods: tuple[str, ...]) -> np.ndarray:
    """Model percentiles of the target's metric in each period, (periods, 3)."""
    return np.array([band(values(result, target, p)) for p in periods])


def hindcast_data(
    result: EnsembleResult,
    targets: list[Target],
    prior: EnsembleResult | None = None,
    years: tuple[int, ...] | None = None,
) -> list[Panel]:
    """One panel per metric and kind of period, from a run (and optionally the prior run).

    ``years`` default: 2023-2025, stretched to every target's year (a 2026 plan).
    """
    if years is None:
        span = [*YEARS, *(t.year for t in targets)]
        years = tuple(range(min(span), max(span) + 1))
    groups: dict[tuple[str, tuple[str, ...]], list[Target]] = {}
    for t in targets:
        groups.setdefault((t.metric, periods_for(t, years)), []).append(t)
    panels = []
    for (_, periods), members in groups.items():
        first = members[0]
        panels.append(
            Panel(
                tuple(members),
                periods,
                bands_of(result, first, periods),
                bands_of(prior, first, periods) if prior is not None else None,
            )
        )
    return panels


def axis_format(is_share: bool) -> FuncFormatter:
    """Percent for shares, k/M for counts."""

    def count(x, _pos):
        return f"{x / 1e6:.1f}M" if abs(x) >= 1e6 else f"{x / 1e3:.0f}k" if x else "0"

    return FuncFormatter((lambda x, _pos: f"{x:.0%}") if is_share else count)


def value_format() -> FuncFormatter:
    """k/M for large values, three significant digits otherwise."""

    def value(x, _pos):
        return (
            f"{x / 1e6:.1f}M"
            if abs(x) >= 1e6
            else f"{x / 1e3:.0f}k"
            if abs(x) >= 1e3
            else f"{x:.3g}"
        )

    return FuncFormatter(value)


def draw_target(ax, panel: Panel, t: Target) -> None:
    """Draw a target: figure as a dot, published range thick, accepted interval thin."""
    i = panel.periods.index(t.period)
    p05, _, p95 = panel.bands[i]
    colour = HIT if p05 <= t.high and p95 >= t.low else MISS
    ax.vlines(i, t.accept_low, t.accept_high, color=colour, lw=1, label="target, accepted")
    ax.vlines(i, t.low, t.high, color=colour, lw=4, alpha=0.6, label="target, published range")
    ax.plot([i], [t.value], "o", color=colour, ms=5, label="target figure")
    ax.annotate(
        t.name.split("_")[0],
        (i, t.value),
        textcoords="offset points",
        xytext=(5, 4),
        fontsize=7,
        color=colour,
    )


def draw_panel(ax, panel: Panel) -> None:
    """Bands as shaded areas with a median line, then every target of the panel."""
    x = np.arange(len(panel.periods))
    if panel.prior_bands is not None:
        ax.fill_between(
            x,
            panel.prior_bands[:, 0],
            panel.prior_bands[:, 2],
            color=PRIOR,
            alpha=0.25,
            lw=0,
            label="uncalibrated 90% band",
        )
    ax.fill_between(
        x,
        panel.bands[:, 0],
        panel.bands[:, 2],
        color=MODEL,
        alpha=0.3,
        lw=0,
        label="model 90% band",
    )
    ax.plot(x, panel.bands[:, 1], color=MODEL, lw=1.5, label="model median")
    for t in panel.targets:
        draw_target(ax, panel, t)
    step = 4 if len(x) > 6 else 1
    ax.set_xticks(x[::step], list(panel.periods)[::step])
    ax.yaxis.set_major_formatter(axis_format(panel.is_share))
    ax.set_title("\n".join(textwrap.wrap(panel.metric, 44)), fontsize=8.5, loc="left")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)


def draw_marginal(ax, m: Marginal) -> None:
    """One fitted parameter: prior, accepted draws and posterior as densities on shared bins."""
    prior = np.asarray(m.prior.ppf(np.linspace(0.0005, 0.9995, 4000)), dtype=float)
    samples = [prior] + [np.asarray(d, dtype=float) for d in (m.accepted, m.draws) if d is not None]
    low, high = np.quantile(np.concatenate(samples), [0.001, 0.999])
    bins = np.linspace(low, high, 31)
    ax.hist(prior, bins, density=True, color=PRIOR, alpha=0.35, label="prior")
    if m.accepted is not None and m.adjusted:
        ax.hist(
            m.accepted,
            bins,
            density=True,
            histtype="step",
            color=MODEL,
            ls="--",
            lw=1,
            label="accepted draws",
        )
    if m.draws is not None:
        ax.hist(
            m.draws,
            bins,
            weights=m.weights,
            density=True,
            color=MODEL,
            alpha=0.45,
            label="posterior (regression-adjusted)" if m.adjusted else "posterior",
        )
    ax.set_title("\n".join(textwrap.wrap(m.path, 44)), fontsize=8.5, loc="left")
    ax.set_yticks([])
    ax.tick_params(labelsize=8)
    share = m.prior.kind != "lognormal" and 0.0 <= m.prior.bounds[0] <= m.prior.bounds[1] <= 1.0
    ax.xaxis.set_major_formatter(axis_format(True) if share else value_format())


def hindcast_figure(
    panels: list[Panel],
    title: str = "Hindcast: model against targets",
    columns: int = 3,
    marginals: list[Marginal] | None = None,
) -> Figure:
    """Draw small multiples: one per metric, then one per fitted parameter.

    Targets inside the model's band are black, those outside vermillion; with
    ``marginals`` each fitted parameter's prior is drawn against its posterior.
    """
    marginals = list(marginals or [])
    rows, extra = max(1, -(-len(panels) // columns)), -(-len(marginals) // columns)
    fig = Figure(figsize=(3.6 * columns, 2.8 * rows + 2.2 * extra + 0.9), layout="constrained")
    grid = fig.add_gridspec(rows + extra, columns, height_ratios=[2.8] * rows + [2.2] * extra)
    axes = [fig.add_subplot(grid[i // columns, i % columns]) for i in range(rows * columns)]
    for ax, panel in zip(axes, panels, strict=False):
        draw_panel(ax, panel)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    handles = (
        dict(zip(*reversed(axes[0].get_legend_handles_labels()), strict=True)) if panels else {}
    )
    for i, m in enumerate(marginals):
        ax = fig.add_subplot(grid[rows + i // columns, i % columns])
        draw_marginal(ax, m)
        handles.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    if handles:
        fig.legend(
            handles.values(),
            handles.keys(),
            loc="outside lower center",
            ncols=min(len(handles), 4),
            fontsize=8,
            frameon=False,
        )
    fig.suptitle(
        title if not marginals else f"{title}; fitted parameters, prior against posterior",
        x=0.01,
        ha="left",
        fontsize=11,
        fontweight="bold",
    )
    return fig
