"""Checkers for the exercises of notebook 06 (bonding)."""

from __future__ import annotations

from ._base import (
    CheckPassed,
    _call,
    _fail,
    _ok,
    _preset,
    _program,
    _run,
)

__all__ = ["MAX_VALUES", "exercise_6_1", "exercise_6_2"]

MAX_VALUES = (3.0, 11.0, 7.0, 5.0)  # r1 of sentrons s0..s3 in exercise 6.1


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
    # give each sentron its value, as if a `.set r1` opened its section
    t = _run(name, _preset(prog, {n: {"r1": v} for n, v in zip(names, MAX_VALUES)}))
    want = max(MAX_VALUES)
    wrong = {s.name: s.registers["r2"] for s in t.sentrons if s.registers["r2"] != want}
    if wrong:
        _fail(name, f"every sentron should hold {want!r} in r2; these do not: {wrong}",
              hint="reduce with max up to one sentron, then send the result back to everyone")
    c = t.counters()
    return _ok(name, f"all four hold {want!r} after {c.cycles} cycles, {c.messages_sent} messages",
               {"cycles": c.cycles, "messages": c.messages_sent})


def exercise_6_2(choose) -> CheckPassed:
    """Choose a temperature so that the far sender (300, hamming 5) is taken in 10-20 % of
    1,000 runs; also predict the share of the nearest (100) within 5 points."""
    name = "6.2"
    got = _call(name, choose)
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(name, "return (temperature, predicted_share_of_100) with the share between 0 and 1")
    temperature, predicted = float(got[0]), float(got[1])
    from ..scenarios import temperature_choices
    counts = temperature_choices(temperature, runs=1000, seed=0)
    far, near = counts[300.0] / 1000, counts[100.0] / 1000
    if not 0.10 <= far <= 0.20:
        _fail(name, f"at T = {temperature:g} the far sender was taken in {100 * far:.1f}% of runs, not 10-20%",
              hint="P(choice) is proportional to exp(-distance / T): a higher T favours far senders more")
    if abs(predicted - near) > 0.05:
        _fail(name, f"you predicted {100 * predicted:.1f}% for the nearest sender; measured {100 * near:.1f}%",
              hint="compute exp(-d/T) for d = 0, 1, 5 and normalise")
    return _ok(name, f"T = {temperature:g}: far {100 * far:.1f}%, nearest {100 * near:.1f}% "
                     f"(you said {100 * predicted:.1f}%)",
               {"far": far, "near": near})
