"""Run a scenario end to end: load, simulate every quota level, write the run directory."""

from __future__ import annotations

import contextlib
import numbers
import os
import reprlib
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sim.experiments.explain.measure import ExplainOptions, blocks, measure
from sim.experiments.explain.runs import with_effects
from sim.model.budget import check_disk_fits, check_run_fits, spill_bytes
from sim.model.ensemble import Blocking, EnsembleResult, SimulateOptions, simulate, split
from sim.model.parallel import default_workers
from sim.results.atomic import output_directory
from sim.results.effects import Effects
from sim.results.run_dir import manifest, write_run
from sim.scenario import Scenario, ScenarioError, load
from sim.scenario.convert import quota_level
from sim.scenario.settings import RunSettings, resolve
from sim.scenario.shipped import DEFAULT, existing_scenario

DEFAULT_BLOCKING = Blocking()  # blocks sized to the memory budget, spilled to TMPDIR
DEFAULT_SCENARIO = Path(DEFAULT)
MAX_REPLICATIONS = 10_000_000  # as chipsim run --reps and --explain-reps
MAX_SEED = 2**63 - 1  # as chipsim run --seed
LEVEL_EXPECTED = 'expected "announced" or a share in [0, 1]'


@dataclass
class Run:
    """A finished run: the scenario, its result and where it was written."""

    scenario: Scenario
    result: EnsembleResult
    out_dir: Path | None
    info: dict
    effects: Effects | None = None


def default_out_dir(scenario: Scenario) -> Path:
    """outputs/<scenario name>/."""
    return Path("outputs") / scenario.name


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """How :func:`execute` runs a scenario file; None: the scenario's own setting.

    ``replications``, ``seed`` and ``levels`` unset are the scenario's
    (:func:`sim.scenario.settings.resolve`). ``out_dir`` defaults to
    outputs/<scenario name>/, replaced only with ``force``; ``write=False``
    writes nothing. ``workers`` processes share the replication blocks
    (default: one per CPU, at most one per block; see
    :func:`sim.model.parallel.default_workers`); ``blocking`` sizes the blocks
    (see :class:`sim.model.ensemble.Blocking`); the outputs depend on neither.
    ``explain`` measures the counterfactual effects too, on the run's seed and
    levels (None, or 0 replications: not).
    """

    replications: int | None = None
    seed: int | None = None
    levels: list[str] | tuple[str, ...] | None = None
    out_dir: str | Path | None = None
    force: bool = False
    write: bool = True
    workers: int | None = None
    explain: ExplainOptions | None = None
    blocking: Blocking = DEFAULT_BLOCKING


def execute(scenario_file: str | Path, options: RunOptions = RunOptions()) -> Run:
    """Run ``scenario_file`` as ``options`` say; write its run directory unless told not to.

    An existing output directory is replaced only with ``options.force``; bad
    options raise ScenarioError before any work.
    """
    started = time.perf_counter()
    replications = count(options.replications, "replications", 1, MAX_REPLICATIONS)
    seed = count(options.seed, "seed", 0, MAX_SEED)
    levels = quota_levels(options.levels or None, "levels")  # none (or empty): the scenario's
    scenario = load(scenario_file)
    settings = resolve(scenario, replications, seed, levels)  # the defaults, once
    blocking, explain = planned(scenario, settings, options)  # checked before any work
    target = Path(options.out_dir) if options.out_dir else default_out_dir(scenario)
    reps, chosen = settings.replications, list(settings.levels)
    # The output is claimed (checked, locked) before the simulation starts.
    with (
        output_directory(target, options.force)
        if options.write
        else contextlib.nullcontext() as claim
    ):
        result = simulate(
            scenario,
            reps,
            settings.seed,
            chosen,
            SimulateOptions(narrow=options.write, blocking=blocking),
        )
        effects = measure(scenario, explain) if explain is not None else None
        info = manifest(
            scenario, str(scenario_file), settings.seed, reps, chosen, time.perf_counter() - started
        )
        if explain is not None:
            info = with_effects(info, explain)
        if options.write:
            write_run(target, result, info, options.force, claim, effects)
    return Run(scenario, result, target if options.write else None, info, effects)


def planned(
    scenario: Scenario, settings: RunSettings, options: RunOptions
) -> tuple[Blocking, ExplainOptions | None]:
    """Return the run's blocking (with its workers) and explanation, refusing one too large."""
    reps, levels = settings.replications, len(settings.levels)
    workers = options.workers
    if workers is None:
        workers = default_workers(len(split(scenario, reps, levels, 0, options.blocking)))
    check_blocked_run(scenario, (reps, levels, workers), options.blocking)
    explain = options.explain
    if explain is None or explain.replications <= 0:
        return replace(options.blocking, workers=workers), None
    explain = replace(explain, seed=settings.seed, levels=settings.levels)
    check_run_fits(scenario, explain.replications * blocks(explain), levels)
    return replace(options.blocking, workers=workers), explain


def check_blocked_run(scenario: Scenario, size: tuple[int, int, int], blocking: Blocking) -> None:
    """Refuse (ScenarioError) a run of (replications, levels, workers) too large for memory or disk.

    The check uses the blocks the run will simulate (:func:`sim.model.ensemble.split`).
    A run of several blocks spills its summary rows to ``blocking.folder``
    (default: the temporary directory): every row's values up to the exact
    limit, a block's at a time above it (see :mod:`sim.model.merge`).
    """
    reps, levels, workers = size
    exact = reps <= blocking.exact_limit
    blocks = split(scenario, reps, levels, 0, replace(blocking, workers=workers))
    check_run_fits(scenario, reps, levels, min(workers, len(blocks)), exact, blocks[0].count)
    if len(blocks) > 1 or not exact:
        folder = blocking.folder or tempfile.gettempdir()
        check_disk_fits(
            spill_bytes(scenario, reps, levels, exact, workers),
            folder,
            f"a run of {reps:,} replications at {levels} quota level(s)",
            "use fewer --reps (or quota levels), or set TMPDIR to a larger disk",
        )


# Checks of a run's arguments: sim.run (sim.interfaces.api) and execute refuse bad ones with the
# ScenarioError the CLI's option types give, before any work.


def shown(value) -> str:
    """Return ``value`` as a message quotes it: a bounded repr, on one line."""
    if (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and int(value).bit_length() >= 128
    ):
        return f"an integer of {int(value).bit_length():,} bits"
    try:
        return reprlib.repr(value)
    except Exception:  # any object's __repr__ may fail (a huge int in a list, a broken one)
        return f"a {type(value).__name__}"


def typed(value) -> str:
    """Return ``value`` as a message quotes it, after its type (``float 1.5``; ``None``)."""
    return "None" if value is None else f"{type(value).__name__} {shown(value)}"


def count(value, key: str, low: int, high: int) -> int | None:
    """``value`` as an int in [low, high] (None stays None); bool, float or text: ScenarioError."""
    if value is None:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise ScenarioError(
            f"expected an integer from {low:,} to {high:,}, got {typed(value)}", key
        )
    number = int(value)  # a numpy integer too
    if not low <= number <= high:
        raise ScenarioError(
            f"expected an integer from {low:,} to {high:,}, got {shown(number)}", key
        )
    return number


def quota_level_text(value, key: str = "--quota") -> str:
    """One quota level as chipsim writes it: "announced" or a share in [0, 1] ("0.7").

    The one normalisation of a level given on the command line (``--quota``,
    ``--level``: :class:`sim.interfaces.cli.options.QuotaLevel`) or to :func:`sim.run`:
    text or a number (not a bool), a share rounded to six decimals, NaN and
    infinities refused with a ScenarioError naming ``key``.
    """
    if not isinstance(value, str | numbers.Real) or isinstance(value, bool):
        raise ScenarioError(f"{LEVEL_EXPECTED}, got {typed(value)}", key)
    try:
        return quota_level(value, key)
    except ScenarioError:
        raise ScenarioError(f"{LEVEL_EXPECTED}, got {shown(value)}", key) from None


def quota_levels(value, key: str = "quota") -> list[str] | None:
    """Quota levels from a level or a list (or tuple) of them, normalised, duplicates removed.

    None stays None (the scenario's own levels); an empty list is refused.
    """
    if value is None:
        return None
    if isinstance(value, list | tuple):
        if not value:
            raise ScenarioError(
                f"{LEVEL_EXPECTED}, or a non-empty list of them, got {shown(value)}", key
            )
        return list(
            dict.fromkeys(quota_level_text(item, f"{key}[{i}]") for i, item in enumerate(value))
        )
    if isinstance(value, str | numbers.Real) and not isinstance(value, bool):
        return [quota_level_text(value, key)]
    raise ScenarioError(f"{LEVEL_EXPECTED}, or a list of them, got {typed(value)}", key)


def scenario_path(value, key: str = "scenario") -> Path:
    """Return the regular file ``value`` names, else raise ScenarioError.

    A path that exists wins; otherwise a shipped scenario's name (``baseline``,
    ``baseline.toml``, ``scenarios/baseline.toml``) is the shipped file
    (:func:`sim.scenario.shipped.find_scenario`). A missing file's message
    lists the shipped scenarios.
    """
    if not isinstance(value, str | os.PathLike):
        raise ScenarioError(
            f"expected the path of a scenario file (str or os.PathLike), got {typed(value)}", key
        )
    text = os.fspath(value)
    if not isinstance(text, str):
        raise ScenarioError(f"expected a path given as text, got {typed(text)}", key)
    if not text or "\x00" in text:
        raise ScenarioError(
            "expected the path of a scenario file, got "
            f"{shown(text)}{' (a NUL byte)' if text else ''}",
            key,
        )
    return existing_scenario(text)


def check_arguments(scenario, reps, seed, quota, explain_reps) -> tuple:
    """Return ``sim.run``'s arguments checked and normalised, or raise ScenarioError.

    ``scenario``: an existing file; ``reps``: 1..10,000,000 (None: the
    scenario's); ``seed``: 0..2**63-1 (None: the scenario's); ``quota``: see
    :func:`quota_levels`; ``explain_reps``: 0..10,000,000 (None: the default).
    """
    return (
        scenario_path(scenario),
        count(reps, "reps", 1, MAX_REPLICATIONS),
        count(seed, "seed", 0, MAX_SEED),
        quota_levels(quota),
        count(explain_reps, "explain_reps", 0, MAX_REPLICATIONS),
    )
