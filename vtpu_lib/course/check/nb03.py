"""Checkers for the exercises of notebook 03 (the D-pipe)."""

from __future__ import annotations

from ...program import Program
from ._base import (
    CheckPassed,
    _call,
    _expect_r,
    _fail,
    _ok,
    _preset,
    _program,
    _run,
)

__all__ = ["PRODUCT_VALUES", "exercise_3_1", "exercise_3_2"]

PRODUCT_VALUES = (1.5, 2.0, 0.5, 4.0, 3.0, 1.0, 2.5, 2.0)  # r1..r8 in exercise 3.1


def _with_values(program: Program, values) -> Program:
    """r1, r2, ... of the program's (first) sentron preset to ``values``, for the learner."""
    return _preset(program, {program.sentrons[0].name: {f"r{i + 1}": v for i, v in enumerate(values)}})


def exercise_3_1(make_program) -> CheckPassed:
    """The product of r1..r8 into r0 in at most 12 cycles under `realistic`."""
    name = "3.1"
    prog = _with_values(_program(name, _call(name, make_program)), PRODUCT_VALUES)
    t = _run(name, prog, "realistic")
    want = 1.0
    for v in PRODUCT_VALUES:
        want *= v
    _expect_r(name, t, "r0", want)
    c = t.counters()
    if c.cycles > 12:
        _fail(name, f"r0 is right, but the run takes {c.cycles} cycles under realistic; the goal is 12 "
                    f"({c.stalls['dependence']} cycles stalled on dependences)",
              hint="multiply independent pairs first, then pairs of products: a tree is only 3 multiplies deep")
    return _ok(name, f"r0 = {want!r} in {c.cycles} cycles ({c.stalls['dependence']} dependence stalls)",
               {"cycles": c.cycles, "stalls": c.stalls["dependence"]})


def exercise_3_2(make_program) -> CheckPassed:
    """The dot product of r1..r8 (pairs r1*r2, r3*r4, ...) into r0 in at most 10 cycles, realistic."""
    name = "3.2"
    from ...programs import ORIGINAL_PAIRS
    prog = _with_values(_program(name, _call(name, make_program)), [v for pair in ORIGINAL_PAIRS for v in pair])
    if any(siw.s is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the values are already in r1..r8: use only the D pipe (no gathers)")
    t = _run(name, prog, "realistic")
    _expect_r(name, t, "r0", 140.0)
    c = t.counters()
    if c.cycles > 10:
        _fail(name, f"r0 = 140.0, but in {c.cycles} cycles; the goal is 10",
              hint="one accumulator makes a chain of fma latencies; use two (or more) and add them at the end")
    return _ok(name, f"r0 = 140.0 in {c.cycles} cycles with {c.ops} ops (one fma chain takes 16)",
               {"cycles": c.cycles, "ops": c.ops})
