"""sim.model.clock: a month's phases happen in order, driven by events alone."""

from __future__ import annotations

from small import World

from sim.model.clock import PHASES


def test_phases_follow_each_other_whatever_order_the_actors_started_in():
    world = World(months=2)
    log: list = []

    def actor(name, waits, reports):
        while True:
            month = yield world.clock.next_month()
            if waits:
                yield month.after(waits)
            log.append((month.t, name))
            month.done(reports)

    world.clock.join("produced", "recorded", "delivered")
    # started last-phase first: only the phase events can put them in order
    processes = [
        actor("record", "delivered", "recorded"),
        actor("deliver", "produced", "delivered"),
        actor("produce", None, "produced"),
    ]
    world.run(*processes)
    assert log == [
        (0, "produce"),
        (0, "deliver"),
        (0, "record"),
        (1, "produce"),
        (1, "deliver"),
        (1, "record"),
    ]


def test_a_phase_waits_for_every_actor_that_joined_it():
    world = World(months=1)
    log: list = []

    def producer(name):
        month = yield world.clock.next_month()
        log.append(name)
        month.done("produced")

    def consumer():
        month = yield world.clock.next_month()
        yield month.after("produced")
        log.append("consumer")
        month.done("recorded")

    world.clock.join("produced")
    world.clock.join("produced")
    world.clock.join("recorded")
    world.run(consumer(), producer("a"), producer("b"))
    assert log == ["a", "b", "consumer"]


def test_a_phase_nobody_joined_is_done_with_the_phase_before_it():
    world = World(months=3)
    months: list = []

    def recorder():
        while True:
            month = yield world.clock.next_month()
            yield month.after("delivered")  # nobody reports 'delivered': it follows 'begun'
            months.append(month.t)
            month.done("recorded")

    world.clock.join("recorded")
    world.run(recorder())
    assert months == [0, 1, 2]


def test_months_advance_one_time_unit_each():
    world = World(months=5)
    starts: list = []

    def watcher():
        while True:
            month = yield world.clock.next_month()
            starts.append((month.t, world.env.now))

    world.run(watcher())
    assert starts == [(t, t) for t in range(5)]
    assert PHASES[0] == "begun" and PHASES[-1] == "recorded"


def test_joining_a_phase_a_month_does_not_have_is_refused():
    import pytest

    world = World(months=1)
    with pytest.raises(ValueError, match="unknown phases \\['redirect'\\]"):
        world.clock.join("ordered", "redirect")


def test_more_reports_than_actors_joined_is_an_error_not_a_silent_early_phase():
    """A process that reports a phase it never joined would let the phase fire before it."""

    world = World(months=1)
    errors: list = []

    def stray():
        month = yield world.clock.next_month()
        try:
            month.done("delivered")  # nobody joined 'delivered'
        except RuntimeError as err:
            errors.append(str(err))
        month.done("recorded")

    world.clock.join("recorded")
    world.run(stray())
    assert errors == ["phase 'delivered' reported by more actors than joined it"]


def test_an_actor_that_stops_reporting_stalls_the_run_and_check_names_phase_and_month():
    """Without the check SimPy just runs out of events: the run would end early, silently."""
    import pytest

    world = World(months=6)

    def supplier(stop_at):
        while True:
            month = yield world.clock.next_month()
            if month.t == stop_at:  # stops reporting from this month on
                return
            month.done("delivered")

    def recorder():
        while True:
            month = yield world.clock.next_month()
            yield month.after("delivered")
            month.done("recorded")

    for phases in (("delivered",), ("delivered",), ("recorded",)):
        world.clock.join(*phases)
    world.run(supplier(stop_at=3), supplier(stop_at=None), recorder())
    assert not world.clock.finished and world.clock.completed == 3
    month, phase = world.clock.stall()
    assert (month.t, phase) == (3, "delivered")
    with pytest.raises(RuntimeError) as err:
        world.clock.check(world.cal.label)
    print(err.value)
    assert str(err.value) == (
        "the simulation stalled in 2025-04 (month 4 of 6): "
        "phase 'delivered' still waits for 1 of 2 actors"
    )


def test_a_normal_run_completes_every_month_and_checks_clean():
    world = World(months=4)

    def recorder():
        while True:
            month = yield world.clock.next_month()
            month.done("recorded")

    world.clock.join("recorded")
    world.run(recorder())
    assert world.clock.finished and world.clock.completed == 4
    assert world.clock.stall() is None
    world.clock.check(world.cal.label)  # does not raise


def test_a_model_whose_actor_stalls_raises_instead_of_returning_part_of_the_calendar():
    from pathlib import Path

    import pytest

    from sim.model.model import Model
    from sim.scenario import load

    model = Model(load(Path(__file__).with_name("tiny.toml")), 2)
    model.clock.join("capacity")  # one more actor that never reports: the market waits on it
    with pytest.raises(
        RuntimeError,
        match=r"stalled in 2025-01 \(month 1 of 12\): "
        r"phase 'capacity' still waits for 1 of 2 actors",
    ):
        model.run()


def test_a_clock_that_never_ran_says_so():
    import pytest

    world = World(months=3)
    assert world.clock.stall() is None
    with pytest.raises(RuntimeError, match="stalled before its first month: the clock never ran"):
        world.clock.check(world.cal.label)


def test_a_month_all_of_whose_phases_are_done_waits_for_nothing():
    world = World(months=1)

    def recorder():
        month = yield world.clock.next_month()
        world.last = month
        month.done("recorded")

    world.clock.join("recorded")
    world.run(recorder())
    assert world.last.waiting() is None
