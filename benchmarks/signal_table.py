"""SIGTERM and SIGINT at random times against run, sweep and report: what each leaves behind.

    python benchmarks/signal_table.py                    # 10 trials per command and signal
    python benchmarks/signal_table.py --trials 4 --commands sweep --verbose

Not a timed benchmark: a table of outcomes (about 10-15 minutes on 2 cores for the
default 60 trials). Each trial starts ``chipsim COMMAND`` in a fresh directory and its own
process group, waits a random time (seeded; uniform over the time an undisturbed run of
the command takes, start-up included), and sends the signal, alternately

* to the whole process group, as Ctrl-C at a terminal, ``timeout`` and systemd do
  (worker processes get the signal too), and
* to the chipsim process alone, as ``kill PID`` does.

It then records, per trial: the exit status; the last line on stderr (and whether a
traceback appeared); chipsim's handler was installed when the signal came (``handled``:
/proc/PID/status lists SIGTERM as caught); the processes of the command still alive
20 s after it ended (then killed); the output's lock file left; hidden partial output
left (staging directories, temporary files) and the output's state (absent, complete,
resumable, partial); and for a sweep whether ``--resume`` then finishes it with the
bytes of an undisturbed sweep. Linux only (processes are found through /proc).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from hardening_processes import survivors  # noqa: E402  (finds a command's processes via /proc)

BASELINE = str(ROOT / "scenarios" / "baseline.toml")
CEILING = "vendors.huawei.products.ascend_910c.yield_curve.ceiling"
RUN = [
    "run",
    BASELINE,
    "--reps",
    "400",
    "--quota",
    "announced",
    "--quota",
    "0.5",
    "--quota",
    "0.9",
    "--workers",
    "2",
    "--explain-reps",
    "40",
    "--out",
    "out",
]
SWEEP = [
    "sweep",
    BASELINE,
    "--set",
    f"{CEILING}=0.45,0.65",
    "--sample",
    "lhs",
    "--n",
    "3",
    "--param",
    "memory.*",
    "--reps",
    "8",
    "--seed",
    "5",
    "--quota",
    "announced",
    "--batch",
    "1",
    "--workers",
    "2",
    "--out",
    "out",
]  # 6 one-point batches, a pool of 2
REPORT = ["report", "run"]  # writes run/report.html
COMMANDS = ("run", "sweep", "report")
SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGINT": signal.SIGINT}
PATIENCE = 20.0  # seconds a command's processes get to exit after it ended
DEADLINE = 180.0  # seconds a signalled command gets to end before it counts as hung
HIDDEN = re.compile(r"\..+\.(staging|tmp)|\..+\.(new|old)-\d+")  # staging, temporary


@dataclass
class Trial:
    """One signalled command and what it left behind."""

    command: str
    signal: str
    to: str  # "group" or "process"
    delay: float
    handled: bool = False
    status: int | str = ""
    message: str = ""
    traceback: bool = False
    left: list[int] = field(default_factory=list)
    lock: bool = False
    partial: list[str] = field(default_factory=list)
    output: str = ""  # absent, complete, resumable or partial
    resumed: str = "n/a"  # sweep: yes / no (--resume finished it with the reference bytes)
    notes: str = ""  # stderr of an unexpected outcome, for --verbose


def environment(tag: str) -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT), "CHIPSIM_TEST_TAG": tag}


def default_sigint() -> None:
    """In the child: Ctrl-C as at a terminal, even if this script's SIGINT is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str], workdir: Path, log: Path, tag: str) -> subprocess.Popen:
    """Start ``chipsim ARGS`` in ``workdir``, its own process group, stderr to ``log``."""
    with open(log, "wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "sim", *args],
            cwd=workdir,
            env=environment(tag),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=default_sigint,
        )


def catches_sigterm(pid: int) -> bool:
    """Whether the process has a handler for SIGTERM (its SigCgt mask in /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except (OSError, ValueError):
        pass
    return False


def digest(directory: Path) -> dict[str, str]:
    return {
        n: hashlib.sha256((directory / n).read_bytes()).hexdigest()
        for n in ("points.csv", "results.parquet")
    }


class Bench:
    """Inputs and references shared by the trials: a run to report on, reference timings."""

    def __init__(self, scratch: Path):
        self.scratch = scratch
        self.seconds: dict[str, float] = {}
        self.sweep_digest: dict[str, str] = {}
        self.run_dir = scratch / "prepared-run"

    def args(self, command: str) -> list[str]:
        return {"run": RUN, "sweep": SWEEP, "report": REPORT}[command]

    def prepare(self, command: str, workdir: Path) -> None:
        workdir.mkdir(parents=True)
        if command == "report":
            shutil.copytree(self.run_dir, workdir / "run")

    def reference(self, command: str) -> float:
        """Time an undisturbed run of ``command`` (made once); keep what trials compare to."""
        if command in self.seconds:
            return self.seconds[command]
        if command == "report" and not self.run_dir.exists():
            self.reference("run")
            shutil.copytree(self.scratch / "reference-run" / "out", self.run_dir)
        workdir = self.scratch / f"reference-{command}"
        self.prepare(command, workdir)
        began = time.monotonic()
        process = start(
            self.args(command), workdir, self.scratch / f"{command}.log", uuid.uuid4().hex
        )
        if process.wait() != 0:
            raise SystemExit(
                f"chipsim {command} failed undisturbed: "
                + (self.scratch / f"{command}.log").read_text()
            )
        self.seconds[command] = time.monotonic() - began
        if command == "sweep":
            self.sweep_digest = digest(workdir / "out")
        return self.seconds[command]

    def trial(
        self,
        command: str,
        name: str,
        to: str,
        delay: float,
        workdir: Path,
        after_handlers: bool = False,
    ) -> Trial:
        """Signal ``chipsim COMMAND`` ``delay`` s after it started (or after it took over
        the signals, with ``after_handlers``) and record what it leaves."""
        self.prepare(command, workdir)
        tag, log = uuid.uuid4().hex, workdir.with_suffix(".log")
        record = Trial(command, name, to, delay)
        process = start(self.args(command), workdir, log, tag)
        if after_handlers:
            while not catches_sigterm(process.pid) and process.poll() is None:
                time.sleep(0.005)
        time.sleep(delay)
        if process.poll() is None:
            record.handled = catches_sigterm(process.pid)
            (os.killpg if to == "group" else os.kill)(process.pid, SIGNALS[name])
        try:
            record.status = process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            record.status = "hung"
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        record.left = survivors(tag, PATIENCE)
        text = log.read_text("utf-8", "replace")
        record.message = last_message(text)
        record.traceback = "Traceback" in text
        if record.traceback or record.status not in (0, 128 + SIGNALS[name]):
            record.notes = text[-3000:]
        self.inspect(record, workdir)
        return record

    def inspect(self, record: Trial, workdir: Path) -> None:
        """Lock, hidden leftovers and the output's state; resume a sweep."""
        places = [workdir, workdir / "run", workdir / "out", workdir / "out" / "batches"]
        entries = [p for place in places if place.is_dir() for p in place.iterdir()]
        record.lock = any(p.name.endswith(".lock") for p in entries)
        record.partial = sorted(
            str(p.relative_to(workdir)) for p in entries if HIDDEN.fullmatch(p.name)
        )
        out = workdir / "run" / "report.html" if record.command == "report" else workdir / "out"
        if not out.exists():
            record.output = "absent"
        elif record.command == "report":
            complete = out.read_bytes().rstrip().endswith(b"</html>")
            record.output = "complete" if complete else "partial"
        elif (out / "manifest.json").is_file():
            record.output = "complete" if complete_dir(out) else "partial"
        elif record.command == "sweep" and (out / "batches" / "settings.json").is_file():
            record.output = "resumable"
        else:
            record.output = "partial"
        if record.command == "sweep" and record.output == "resumable":
            log = workdir.with_suffix(".resume.log")
            status = start([*SWEEP, "--resume"], workdir, log, uuid.uuid4().hex).wait()
            if status != 0:
                record.resumed = f"no (status {status})"
                record.notes = log.read_text("utf-8", "replace")[-2000:]
            elif digest(out) != self.sweep_digest:
                record.resumed = "no (other bytes)"
            else:
                record.resumed = "yes"


def complete_dir(out: Path) -> bool:
    """A finished output directory: its manifest parses and lists every file there."""
    try:
        files = set(json.loads((out / "manifest.json").read_text("utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    present = {p.name for p in out.iterdir()} - {".chipsim-output", "report.html"}
    return present == files


def last_message(text: str) -> str:
    """The last line of stderr outside any traceback block.

    A traceback another process prints after chipsim's own last line (a
    worker's start-up race, which ``traceback`` records) does not hide it.
    """
    kept, inside = [], False
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            inside = True
        elif inside and line and not line[0].isspace():
            inside = False  # the exception line ends the block
        elif not inside and line.strip():
            kept.append(line.strip())
    return kept[-1] if kept else ""


def shown(message: str, workdir: Path) -> str:
    """A message with the trial's paths and numbers made generic, for the summary."""
    text = message.replace(str(workdir), "DIR")
    return re.sub(r"\d+", "N", text)


def summary(trials: list[Trial]) -> str:
    """The table: one row per command, signal and target."""
    legend: dict[str, str] = {}
    rows = []
    head = (
        "command",
        "signal",
        "to",
        "n",
        "handled",
        "status",
        "messages",
        "traceback",
        "procs left",
        "lock left",
        "partial left",
        "output",
        "resumed",
    )
    keys = sorted(
        {(t.command, t.signal, t.to) for t in trials},
        key=lambda k: (COMMANDS.index(k[0]), k[1], k[2]),
    )
    for key in keys:
        group = [t for t in trials if (t.command, t.signal, t.to) == key]
        messages = []
        for t in group:
            label = legend.setdefault(t.message or "(none)", f"m{len(legend) + 1}")
            if label not in messages:
                messages.append(label)
        rows.append(
            (
                *key,
                str(len(group)),
                str(sum(t.handled for t in group)),
                count(t.status for t in group),
                ",".join(messages),
                str(sum(t.traceback for t in group)),
                str(sum(len(t.left) for t in group)),
                str(sum(t.lock for t in group)),
                str(sum(bool(t.partial) for t in group)),
                count(t.output for t in group),
                count(t.resumed for t in group),
            )
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines += ["", "messages (last stderr line; paths as DIR, numbers as N):"]
    lines += [f"  {label}: {text}" for text, label in legend.items()]
    return "\n".join(lines)


def count(values) -> str:
    """``value(times)`` for each distinct value, most frequent first."""
    return " ".join(f"{v}({n})" for v, n in Counter(str(v) for v in values).most_common())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--trials",
        type=int,
        default=10,
        help="trials per command and signal (alternately group / process)",
    )
    parser.add_argument("--commands", nargs="+", choices=COMMANDS, default=list(COMMANDS))
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--verbose", action="store_true", help="print every trial")
    options = parser.parse_args()
    if not sys.platform.startswith("linux"):
        raise SystemExit("Linux only: processes are found through /proc")
    rng = random.Random(options.seed)
    trials = []
    with tempfile.TemporaryDirectory(prefix="chipsim-signals-") as scratch:
        bench = Bench(Path(scratch))
        for command in options.commands:
            seconds = bench.reference(command)
            print(f"{command}: {seconds:.1f} s undisturbed", file=sys.stderr, flush=True)
            for name in SIGNALS:
                for k in range(options.trials):
                    to = ("group", "process")[k % 2]
                    delay = rng.uniform(0.0, seconds)
                    workdir = Path(scratch) / f"{command}-{name}-{k}"
                    trial = bench.trial(command, name, to, delay, workdir)
                    trial.message = shown(trial.message, workdir)
                    trials.append(trial)
                    if options.verbose:
                        print(
                            f"  {command} {name} to {to} at {delay:.2f} s: status "
                            f"{trial.status}, handled {trial.handled}, left {trial.left}, "
                            f"lock {trial.lock}, partial {trial.partial}, {trial.output}, "
                            f"resumed {trial.resumed}: {trial.message}",
                            file=sys.stderr,
                            flush=True,
                        )
                        if trial.notes:
                            print(
                                "    | " + trial.notes.replace("\n", "\n    | "),
                                file=sys.stderr,
                                flush=True,
                            )
                    shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"seed {options.seed}, {options.trials} trials per command and signal, delays "
        "uniform over an undisturbed run's time (start-up included)\n"
    )
    print(summary(trials))


if __name__ == "__main__":
    main()
