"""Checkers for the exercises of notebook 06 (bonding)."""

from __future__ import annotations

from ._base import (
    CheckPassed,
    _call,
    _fail,
    _judge,
    _ok,
    _override,
    _program,
    _run,
)

__all__ = ["MAX_VALUES", "SECOND_MAX_VALUES", "GOAL_6_1_CYCLES", "FAR_SHARE_6_2", "exercise_6_1", "exercise_6_2"]

MAX_VALUES = (3.0, 11.0, 7.0, 5.0)         # r1 of sentrons s0..s3 in exercise 6.1
SECOND_MAX_VALUES = (-2.0, 4.5, -8.0, 9.5)  # a second filling: the maximum sits elsewhere
GOAL_6_1_CYCLES = 9                        # seed; a reduce-to-s0-and-send-back takes 11
FAR_SHARE_6_2 = (0.11, 0.14)               # 6.2: share of 1,000 runs in which the far sender is taken
NEAR_TOLERANCE_6_2 = 0.03                  # 6.2: the prediction of the nearest sender's share, +- 3 points


def exercise_6_1(make_program) -> CheckPassed:
    """Four sentrons s0..s3 (r1 preset to MAX_VALUES): every one must end with the maximum of
    the four in r2, using messages only."""
    name = "6.1"
    text = _call(name, make_program)
    prog = _program(name, text)
    names = [s.name for s in prog.sentrons]
    if names[:4] != ["s0", "s1", "s2", "s3"] or len(names) != 4:
        _fail(name, f"expected four sentrons s0, s1, s2, s3 in that order, found {names}")
    if prog.preload or any(siw.s is not None and siw.s.op in ("gather", "scatter")
                           for s in prog.sentrons for siw in s.siws):
        _fail(name, "share the values with messages only (no .mem, gather or scatter)")
    runs = []
    for values in (MAX_VALUES, SECOND_MAX_VALUES):
        t = _run(name, _override(prog, {n: {"r1": v} for n, v in zip(names, values)}))
        want = max(values)
        wrong = {s.name: s.registers["r2"] for s in t.sentrons if s.registers["r2"] != want}
        if wrong:
            _fail(name, (f"with r1 = {values}: " if values is SECOND_MAX_VALUES else "") +
                  f"every sentron should hold {want!r} in r2; these do not: {wrong}",
                  hint="combine the values with max, and send the result back to every sentron that "
                       "does not have it")
        runs.append(t)
    t = runs[0]
    c = t.counters()
    if c.cycles > GOAL_6_1_CYCLES:
        _fail(name, f"all four hold {max(MAX_VALUES)!r}, but after {c.cycles} cycles; the goal is at most "
                    f"{GOAL_6_1_CYCLES} under seed",
              hint="a C pipe issues one op per cycle and a message takes a cycle to arrive: gathering every "
                   "value at one sentron and sending the result back (or climbing a tree and coming down "
                   "again) keeps the others waiting. Let the sentrons exchange values in pairs, so that all "
                   "of them combine at the same time")
    return _ok(name, f"all four hold {max(MAX_VALUES)!r} after {c.cycles} cycles, {c.messages_sent} messages",
               {"cycles": c.cycles, "messages": c.messages_sent})


def exercise_6_2(choose, reveal: bool = False) -> CheckPassed:
    """Choose a temperature so that the far sender (300, hamming 5) is taken in 11-14 % of
    1,000 runs; also predict the share of the nearest (100) within 3 points. ``reveal=True``
    shows the measured share of the nearest even when the prediction is wrong."""
    name = "6.2"
    got = _call(name, choose)
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(name, "return (temperature, predicted_share_of_100) with the share between 0 and 1")
    try:
        temperature, predicted = float(got[0]), float(got[1])
    except (TypeError, ValueError):
        _fail(name, f"return two numbers (temperature, predicted_share_of_100), got {got!r}")
    from ..scenarios import temperature_choices
    counts = temperature_choices(temperature, runs=1000, seed=0)
    far, near = counts[300.0] / 1000, counts[100.0] / 1000
    lo, hi = FAR_SHARE_6_2
    if not lo <= far <= hi:
        _fail(name, f"at T = {temperature:g} the far sender was taken in {100 * far:.1f}% of runs, "
                    f"not {100 * lo:.0f}-{100 * hi:.0f}%",
              hint="P(choice) is proportional to exp(-distance / T): a higher T favours far senders more")
    _judge(name, [("share of the nearest sender", f"{100 * predicted:.1f}%", f"{100 * near:.1f}%",
                   abs(predicted - near) <= NEAR_TOLERANCE_6_2,
                   f"compute exp(-d/T) for d = 0, 1, 5 and normalise; within {100 * NEAR_TOLERANCE_6_2:.0f} "
                   "points counts as right"),
                  ("temperature", f"{temperature:g}", f"({100 * far:.1f}% far)", True, "")], reveal,
           answer=choose)
    return _ok(name, f"T = {temperature:g}: far {100 * far:.1f}%, nearest {100 * near:.1f}% "
                     f"(you said {100 * predicted:.1f}%)",
               {"far": far, "near": near})
