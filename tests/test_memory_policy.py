"""sim.experiments.memory_policy: the allocator is changed in one place, never by the model.

Only that module names glibc's allocator settings (``mallopt``,
``malloc_trim``, ``MALLOC_*``), so building a Model leaves the allocator
alone; and it changes nothing outside a Dask worker's environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOME = ROOT / "sim" / "experiments" / "memory_policy.py"


ALLOCATOR = ("mallopt", "malloc_trim", "MALLOC_")  # glibc's knobs, by any route


def test_only_the_memory_policy_touches_the_c_allocator():
    touching = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "sim").rglob("*.py"))
        if any(word in p.read_text(encoding="utf-8") for word in ALLOCATOR)
    ]
    assert touching == [str(HOME.relative_to(ROOT))]


def restored(env: dict) -> str:
    """What ``restore_malloc()`` returns in a fresh process with ``env``."""
    code = "from sim.experiments.memory_policy import restore_malloc; print(restore_malloc())"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_allocator_is_left_alone_outside_a_dask_worker():
    assert restored({}) == "False"
    if sys.platform.startswith("linux"):
        assert restored({"MALLOC_TRIM_THRESHOLD_": "65536"}) == "True"
