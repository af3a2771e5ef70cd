"""Scenario discovery over a finished sweep: where in the inputs a target fails.

Reads points.csv (inputs) and results.parquet (outputs), marks each point
where the target is missed (or met), and runs PRIM with covering: the first
box, then a second among the points the first leaves out, and so on.

Choosing a box (the stated rule): on each trajectory step, limits whose
quasi-p value exceeds 0.05 are dropped (``prim.significant``); the chosen
step is the one whose significant box has the most coverage among those with
density at least ``min_density`` (default: halfway from the base rate of the
points searched to 1), else the best F1 of coverage and density. ``--box N``
picks step N of the first trajectory instead. A box whose density does not
beat the base rate by a one-sided binomial test at 5% is reported with a
warning (the first) or ends the covering (later ones). Each restriction's
stability is EMA's resampling test. Extra-trees feature scores are reported
beside the boxes. ``execute`` is the whole command; ``findings`` tells the
result in words and writes discover.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.core.calendar import parse_month
from sim.experiments import features, findings, prim, targets
from sim.experiments.discovered import DiscoverOptions, Discovery, Found, Inputs
from sim.experiments.execution import ExperimentError
from sim.experiments.progress import QUIET, Display, Progress
from sim.experiments.targets import Target
from sim.model.rng import Streams
from sim.results.atomic import write_text
from sim.results.readers import check_sweep_manifest, read_csv_rows, read_manifest, read_results
from sim.results.reading import DamagedFile
from sim.scenario.convert import did_you_mean

MIN_CASES = 5  # covering stops when fewer cases of interest are left uncovered
STREAM = "experiments.discover"  # resampling and feature-scoring stream: never a parameter path


class DiscoverError(ExperimentError, ValueError):
    """A bad RUN_DIR, target, quota level or region."""


def read_inputs(run_dir: str | Path) -> Inputs:
    """Read points.csv as numbers, using the manifest's parameter kinds."""
    run_dir = Path(run_dir)
    if not (run_dir / "manifest.json").is_file():
        raise DiscoverError(
            f"{run_dir}: not a finished sweep (no manifest.json); run "
            "`chipsim sweep` (or finish it with --resume) first"
        )
    manifest = read_manifest(run_dir)
    if manifest.get("kind") != "sweep":
        raise DiscoverError(f"{run_dir}: manifest.json is not a sweep's")
    check_sweep_manifest(run_dir / "manifest.json", manifest)  # bounded, checked reads
    params = manifest["parameters"]
    keep = [p for p in params if p["kind"] != "text"]
    rows = read_csv_rows(run_dir / "points.csv", tuple(p["path"] for p in keep))
    x = np.array(
        [
            [_cell(row[p["path"]], p["kind"], run_dir, n) for p in keep]
            for n, row in enumerate(rows, 2)
        ],
        dtype=float,
    ).reshape(len(rows), len(keep))
    shares = [bool(p.get("share")) for p in keep]
    return Inputs(
        [p["path"] for p in keep],
        [p["kind"] for p in keep],
        shares,
        x,
        [p["path"] for p in params if p["kind"] == "text"],
        int(manifest.get("seed", 0)),
    )


def _cell(text: str, kind: str, run_dir: Path, line: int) -> float:
    """One points.csv cell as a number; DamagedFile naming the line when it is not one."""
    try:
        return _number(text, kind)
    except ValueError:
        raise DamagedFile(
            run_dir / "points.csv", f"line {line}: expected a {kind} value, got {text[:40]!r}"
        ) from None


def _number(text: str, kind: str) -> float:
    if kind == "date":
        return float(parse_month(text))
    if kind == "bool":
        return 1.0 if text == "true" else 0.0
    return float(text)


def read_outputs(
    run_dir: str | Path, target: Target, quota: str, region: str, points: int
) -> np.ndarray:
    """Read the target's statistic at every point (NaN where undefined)."""
    import pyarrow.compute as pc

    path = Path(run_dir) / "results.parquet"
    table = read_results(run_dir, ["point", "quota", "metric", "region", "period", target.stat])
    for column, value in (
        ("metric", target.metric),
        ("period", target.period),
        ("quota", quota),
        ("region", region),
    ):
        known = set(pc.unique(table[column]).to_pylist())
        if value not in known:
            hint = (
                "; a sweep keeps only national values per year unless run with --keep all"
                if column in ("region", "period")
                else ""
            )
            raise DiscoverError(
                f"{path}: no {column} {value!r}" + did_you_mean(value, known) + hint
            )
        table = table.filter(pc.equal(table[column], value))
    out = np.full(points, np.nan)
    values = table[target.stat].to_numpy(zero_copy_only=False).astype(float)
    index = table["point"].to_numpy(zero_copy_only=False)
    if table["point"].null_count or len(index) and not (0 <= index.min() <= index.max() < points):
        raise DamagedFile(path, f"column 'point' does not match points.csv ({points} points)")
    out[index] = np.where(np.isfinite(values), values, np.nan)
    return out


def discover(
    inputs: Inputs,
    cases: np.ndarray,
    boxes: int = 2,
    min_density: float | None = None,
    step: int | None = None,
    shown: bool = False,
) -> list[Found]:
    """PRIM with covering: up to ``boxes`` boxes, each over the points still uncovered.

    ``step`` picks the first box's trajectory step instead of the rule (module
    docstring); an out-of-range step raises DiscoverError. ``shown``: progress
    of each box's PRIM runs on stderr (a long wait: the resampling reruns PRIM).
    """
    x = inputs.x
    found: list[Found] = []
    rng = Streams(inputs.seed).generator(STREAM)
    left = np.ones(len(cases), dtype=bool)
    while len(found) < boxes and cases[left].sum() >= MIN_CASES and not cases[left].all():
        search = prim.Search.of(x, cases, left)
        display = Display(
            label=f"discover (box {len(found) + 1})", unit="PRIM runs", interval=5.0, delay=QUIET
        )
        progress = Progress(1 + prim.RESAMPLES, display, enabled=shown)
        try:
            item = find(search, min_density, step if not found else None, rng, progress)
        finally:
            progress.close()
        if item is None or (found and not item.beats_base):
            break  # nothing restricted, or no better than chance: covering has run out
        found.append(item)
        left &= ~item.box.inside(x)
    return found


def find(
    search: prim.Search,
    min_density: float | None,
    step: int | None,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> Found | None:
    """One box: trajectory, significant box of each step, the chosen one and its tests.

    ``progress`` counts the PRIM runs: the trajectory, then each resample's.
    """
    steps = prim.trajectory(search)
    if progress is not None:
        progress.update(1)
    if step is not None and not 0 <= step < len(steps):
        raise DiscoverError(f"--box {step}: the trajectory has steps 0 to {len(steps) - 1}")
    reported = [prim.significant(search, s) for s in steps]
    index = step if step is not None else rule(search, [b for b, _ in reported], min_density)
    chosen, dropped = reported[index]
    if not chosen.restricted(search):
        if step is not None:
            raise DiscoverError(
                f"--box {step}: every limit of that step has a quasi-p value "
                f"above {prim.SIGNIFICANCE:g}, so it is no box; choose a later "
                "step of the trajectory"
            )
        return None

    def pick(sub: prim.Search, sub_steps: list[prim.Box]) -> prim.Box:
        """Report the rule's box on a resampled subset."""
        boxes = [prim.significant(sub, s)[0] for s in sub_steps]
        if progress is not None:
            progress.update(1)
        return boxes[rule(sub, boxes, min_density)]

    return Found(
        chosen,
        index,
        steps,
        prim.quasi_p(search, chosen),
        dropped,
        prim.stability(search, chosen, rng, pick),
        float(search.y.mean()),
        prim.base_rate_p(search, chosen),
    )


def rule(search: prim.Search, boxes: list[prim.Box], min_density: float | None) -> int:
    """Pick the stated rule's step: most coverage at the density threshold, else best F1."""
    base = float(search.y.mean())
    wanted = min_density if min_density is not None else base + (1 - base) / 2
    return prim.choose(boxes, wanted)


def feature_scores(inputs: Inputs, cases: np.ndarray) -> np.ndarray | None:
    """Extra-trees scores of the inputs for the cases (None when every point is alike)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # out-of-bag estimates on small sweeps
        return features.scores(inputs.x, cases, inputs.seed)


def execute(options: DiscoverOptions) -> Discovery:
    """Read the sweep, mark the points, find the boxes, write discover.csv (DiscoverError)."""
    target = targets.parse(options.target)
    inputs = read_inputs(options.run_dir)
    outputs = read_outputs(options.run_dir, target, options.quota, options.region, len(inputs.x))
    if not inputs.paths:
        raise DiscoverError(
            f"{options.run_dir}: the sweep varies no numeric parameter to discover over"
        )
    defined = ~np.isnan(outputs)
    met = target.met(outputs)
    cases = ((~met if options.find == "missed" else met) & defined)[defined]
    inputs.x = inputs.x[defined]
    found = discover(
        inputs, cases, options.boxes, options.min_density, options.box, options.progress
    )
    scores = feature_scores(inputs, cases)
    out = Path(options.run_dir) / "discover.csv"
    done = Discovery(target, options, inputs, cases, found, scores, int((~defined).sum()), out)
    write_text(out, findings.csv_text(done))
    return done
