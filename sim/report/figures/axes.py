"""Axis helpers shared by the figures: calendar-year x axes and legend rows."""

from __future__ import annotations

SHORT_LABELS = 6  # at most this many year labels on a narrow panel (10-pt '23 is 0.25 in)


def year_axis(ax, years: tuple[int, int], short: bool = False) -> None:
    """X in decimal years: gridlines at year boundaries, each year's label centred on it.

    ``short`` writes '23 instead of 2023, for narrow panels, and labels every
    second (third...) year when more than SHORT_LABELS years would crowd them.
    """
    first, last = years
    ax.set_xlim(first, last + 1)
    ax.set_xticks(range(first, last + 2))
    ax.set_xticklabels([])
    step = -(-(last - first + 1) // SHORT_LABELS) if short else 1
    labels = [
        (f"'{y % 100:02d}" if short else str(y)) if (y - first) % step == 0 else ""
        for y in range(first, last + 1)
    ]
    ax.set_xticks([y + 0.5 for y in range(first, last + 1)], labels, minor=True)
    ax.tick_params(axis="x", which="minor", length=0)
    ax.tick_params(axis="x", which="major", length=4)


def legend_axes(fig, spec, handles: list, ncols: int):
    """Add an axes holding only a legend, so the layout engine keeps room for it.

    Columns are dropped until the legend fits the figure's width, so a narrow
    figure never cuts a legend off at its edges.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import blended_transform_factory

    ax = fig.add_subplot(spec)
    ax.set_axis_off()
    renderer = FigureCanvasAgg(fig).get_renderer()
    room = fig.bbox.width * 0.97
    # centred on the figure, not on the axes (which the layout shifts by the tick labels)
    anchor = blended_transform_factory(fig.transFigure, ax.transAxes)
    for columns in range(max(ncols, 1), 0, -1):
        legend = ax.legend(
            handles=handles,
            loc="center",
            ncols=columns,
            frameon=False,
            handlelength=2.2,
            columnspacing=1.4,
            bbox_to_anchor=(0.5, 0.5),
            bbox_transform=anchor,
        )
        if legend.get_window_extent(renderer).width <= room:
            break
    return ax
