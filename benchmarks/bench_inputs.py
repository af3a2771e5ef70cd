"""Time how fast bad inputs are refused (the hardening goals, printed, never asserted).

* a scenario with a 200,000-part dotted key (tomllib alone is quadratic in the parts);
* arrays nested 5,000 deep;
* a sweep grid of 30,000 points holding one refused value (checked by its corners).

Usage: ``python benchmarks/bench_inputs.py``
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from sim.experiments import design
from sim.scenario import ScenarioError, load

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
LICENCE = "imports.h20.licence"


def refused_in(seconds_of) -> float:
    """Seconds until ``seconds_of()`` raises ScenarioError (it must)."""
    started = time.perf_counter()
    try:
        seconds_of()
    except ScenarioError:
        return time.perf_counter() - started
    raise SystemExit("expected a refusal")


def main() -> None:
    """Print each refusal's time."""
    head = f"extends = {json.dumps(str(BASELINE))}\n"
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.toml"
        key.write_text(head + ".".join(["a"] * 200_000) + " = 1\n")
        deep = Path(tmp) / "deep.toml"
        deep.write_text(head + "x = " + "[" * 5000 + "]" * 5000 + "\n")
        print(f"200,000-part dotted key refused in {refused_in(lambda: load(key)):.3f} s")
        print(f"arrays 5,000 deep refused in      {refused_in(lambda: load(deep)):.3f} s")
    scenario = load(BASELINE)
    values = tuple(f"{i / 3000:.6f}" for i in range(2999)) + ("5",)
    demand = tuple(str(100_000 * i) for i in range(1, 11))

    def build():
        sets = design.parse_sets(scenario, [(LICENCE, values), ("demand.base", demand)])
        design.build(scenario, sets, "grid", 1, 1)

    grid = refused_in(build)
    print(f"30,000-point grid with a licence share of 5 refused in {grid:.3f} s")


if __name__ == "__main__":
    main()
