"""sim.experiments.execution: the options that never change a result, and their refusals."""

from __future__ import annotations

import dataclasses

import pytest

from sim.experiments.execution import (
    Execution,
    ExperimentError,
    Interrupted,
    check_execution,
    quiet,
)


def test_defaults_write_to_the_default_place_with_progress():
    ex = Execution()
    assert (ex.out, ex.resume, ex.force, ex.workers, ex.progress) == (
        None,
        False,
        False,
        None,
        True,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        ex.resume = True


def test_resume_and_force_together_are_refused():
    with pytest.raises(ExperimentError, match="--resume .* --force"):
        check_execution(Execution(resume=True, force=True))
    check_execution(Execution(resume=True))
    check_execution(Execution(force=True))


def test_interrupted_is_a_keyboard_interrupt_and_quiet_says_nothing(capsys):
    assert issubclass(Interrupted, KeyboardInterrupt)
    assert quiet("anything") is None
    assert capsys.readouterr() == ("", "")
