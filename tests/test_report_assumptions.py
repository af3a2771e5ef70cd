"""sim.report.assumptions: how the assumptions table writes a value or a distribution."""

from __future__ import annotations

from sim.core.calendar import parse_month
from sim.report.assumptions import value_range
from sim.scenario.dist import Dist


def test_locations_are_written_like_values_and_shape_parameters_plain():
    months = tuple(float(parse_month(m)) for m in ("2026-03", "2026-09", "2027-06"))
    dated = value_range(Dist("triangular", months, is_date=True))
    assert dated == ("triangular(2026-03, 2026-09, 2027-06)", "2026-03 – 2027-06")
    text, _ = value_range(Dist("beta", (2.0, 5.0, 0.25, 12_500.0)))
    assert text == "beta(a=2, b=5, 0.25, 12\u202f500)"
    text, band = value_range(Dist("lognormal", (40.0, 0.3)))
    assert text.startswith("lognormal(40, sigma=0.3)") and band.startswith("1-99% band ")
