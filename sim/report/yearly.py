"""The report's sections on year, region and unmet demand, assembled from their parts.

* the share by year at every quota level, with why it moves (first section);
* the share by region (segment) and year, each region's quota and what limits it;
* the unmet-demand story.
"""

from __future__ import annotations

from functools import partial

from sim.report.changes import jump_reading, year_change_reading
from sim.report.data import RunData, RunDirError, Summary
from sim.report.document import FigureBlock, Section, TextBlock
from sim.report.figures.regions import region_shares, unmet_chart
from sim.report.levels import reference_level as reference
from sim.report.regions import (
    limits_table,
    quotas_table,
    regions_reading,
    regions_table,
    segments,
    share_by_year_table,
)
from sim.report.unmet import has_unmet, unmet_reading, unmet_story, unmet_table

WHY_KEY = "share-changes"
UNMET_KEY = "unmet-story"  # the text below the unmet table


def run_summary(data: RunData) -> Summary:
    """Return the run's summary.csv (a run's sections are built only when it has one)."""
    if data.summary is None:
        raise RunDirError("holds no summary.csv", file=str(data.path))
    return data.summary


def ordered(levels: list[str]) -> list[str]:
    """Return the levels with the reference first (figures draw its band and quota)."""
    first = reference(levels)
    return [first, *(lv for lv in levels if lv != first)]


def year_section(data: RunData, levels: list[str], years: list[str]) -> Section:
    """Build the national share by year per level, then why it moves (its jump, last year)."""
    summary, scenario = run_summary(data), data.scenario()
    blocks: list = [share_by_year_table(summary, levels, years, data.manifest.get("replications"))]
    level = reference(levels)
    why = [jump_reading(summary, scenario, level)]
    if len(years) > 1:
        why.append(year_change_reading(summary, scenario, level, years[-2], years[-1]))
    why = [w for w in why if w]
    if why:
        blocks.append(TextBlock(WHY_KEY, "Why the share moves", " ".join(why)))
    return Section(
        "by-year",
        "Domestic share by year",
        blocks,
        intro=(
            "The answer year by year: the national domestic share of AI chips delivered, at "
            "each quota level; the regions follow below."
        ),
    )


def region_section(
    data: RunData, levels: list[str], years: list[str], source: str
) -> Section | None:
    """Build the share by region and year (figure, table), each quota and what limits it."""
    summary, levels = run_summary(data), ordered(levels)
    found = segments(summary)
    if not found:
        return None
    blocks: list = [
        FigureBlock(
            "regions",
            "Domestic share by region and year",
            partial(region_shares, summary, levels, found, years, source),
            regions_reading(summary, levels, years),
            "Small multiples, one per region: the domestic share of chips by year, a "
            "line per quota level, the first level's 90% band and its quota",
        ),
        regions_table(summary, levels, years, data.manifest.get("replications")),
    ]
    quotas = quotas_table(summary, levels, years)
    if quotas is not None:
        blocks.append(quotas)
    blocks.append(limits_table(summary, levels, years[-1], data.scenario(), data.effects))
    return Section(
        "by-region",
        "Region by region",
        blocks,
        intro=(
            "Each buyer segment is a region or a kind of buyer: Beijing, Shanghai, Guiyang, "
            "other major cities, state-funded datacentres and private hyperscalers."
        ),
    )


def unmet_section(
    data: RunData, levels: list[str], years: list[str], source: str
) -> Section | None:
    """How much demand goes unmet each year, where it goes and what waits (None without data)."""
    summary, levels = run_summary(data), ordered(levels)
    if not has_unmet(summary):
        return None
    return Section(
        "unmet-demand",
        "Unmet demand",
        [
            FigureBlock(
                "unmet",
                "How much demand goes unmet",
                partial(unmet_chart, summary, levels, years, source),
                unmet_reading(summary, levels, years),
                "Bars: unmet demand served offshore and abandoned as shares of demand, by "
                "year; lines: orders waiting, and the unmet share at every quota level",
            ),
            unmet_table(summary, reference(levels), years),
            TextBlock(
                UNMET_KEY,
                f"Where {years[-1]}'s unmet demand goes",
                unmet_story(summary, levels, years),
            ),
        ],
    )
