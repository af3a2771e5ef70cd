"""sim.report.readings: the sentences a report reads its numbers with."""

from __future__ import annotations

from sim.report.data import STATS, Summary
from sim.report.readings import headline


def share_rows(level: str, p05: float, p50: float, p95: float) -> dict:
    values = {"mean": p50, "p05": p05, "p25": p50, "p50": p50, "p75": p50, "p95": p95}
    return {
        "quota": level,
        "metric": "domestic_share_units",
        "region": "national",
        "period": "2027",
        **{s: values[s] for s in STATS},
    }


def test_the_headline_names_the_quota_level_and_gives_the_median_share_with_its_band():
    summary = Summary([share_rows("announced", 0.6, 0.7, 0.8), share_rows("0.9", 0.5, 0.55, 0.6)])
    assert headline(summary, "announced", "2027") == (
        "Under announced quotas the median domestic share of chips is 70% in 2027 "
        "(90% band 60%–80%)"
    )
    assert headline(summary, "0.9", "2027").startswith("Under a 90% quota the median ")
