"""Checkers for the exercises of notebook 03 (the D pipe)."""

from __future__ import annotations

import math

from ...program import Program
from ...programs import ORIGINAL_PAIRS, dot_product
from ._base import (
    CheckPassed,
    _call,
    _expect_r,
    _fail,
    _ok,
    _override,
    _program,
    _run,
    _stall_cycles,
)

__all__ = ["PRODUCT_VALUES", "SECOND_VALUES_3_1", "SECOND_PAIRS_3_2", "GOAL_3_1_CYCLES", "GOAL_3_2_CYCLES",
           "exercise_3_1", "exercise_3_2"]

PRODUCT_VALUES = (1.5, 2.0, 0.5, 4.0, 3.0, 1.0, 2.5, 2.0)     # r1..r8 in exercise 3.1 (as in notebook 03)
SECOND_VALUES_3_1 = (2.0, 0.5, 3.0, 1.5, 4.0, 2.5, 0.5, 2.0)  # a second filling: no hard-coded results
SECOND_PAIRS_3_2 = ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (7.0, 8.0))  # 3.2's second filling: 100.0
GOAL_3_1_CYCLES = 14  # 7 mul + 7 add = 14 ops: one issue every cycle, no stall
GOAL_3_2_CYCLES = 8   # notebook 03's two accumulators take 10; 7 is the minimum


def _with_values(program: Program, values) -> Program:
    """r1, r2, ... of the program's (first) sentron set to ``values`` (over its own .set lines)."""
    return _override(program, {program.sentrons[0].name: {f"r{i + 1}": v for i, v in enumerate(values)}})


def exercise_3_1(make_program) -> CheckPassed:
    """The product of r1..r8 into r0 and their sum into r15, in at most 14 cycles under `realistic`."""
    name = "3.1"
    prog = _program(name, _call(name, make_program))
    runs = []
    for values in (PRODUCT_VALUES, SECOND_VALUES_3_1):
        t = _run(name, _with_values(prog, values), "realistic")
        when = "" if values is PRODUCT_VALUES else f"with r1..r8 = {values}: "
        _expect_r(name, t, "r0", math.prod(values), when=when)
        _expect_r(name, t, "r15", sum(values), when=when)
        runs.append(t)
    t = runs[0]
    c = t.counters()
    if c.cycles > GOAL_3_1_CYCLES:
        stalls = _stall_cycles(t)
        _fail(name, f"r0 and r15 are right, but the run takes {c.cycles} cycles under realistic; the goal is "
                    f"{GOAL_3_1_CYCLES}: {c.ops} ops issued and {len(stalls)} cycles stalled"
                    + (f" (cycles {', '.join(map(str, stalls))})" if stalls else ""),
              hint="the adds of the sum wait for nothing the multiplies compute: put them in the cycles "
                   "where the product tree stalls" if stalls else
                   f"without stalls the run takes one cycle per op plus the last op's latency: use "
                   f"{GOAL_3_1_CYCLES} ops and end with an add, whose result lands a cycle later")
    return _ok(name, f"r0 = {math.prod(PRODUCT_VALUES)!r} and r15 = {sum(PRODUCT_VALUES)!r} in {c.cycles} cycles, "
                     f"{c.stalls['dependence']} dependence stalls: the adds filled the tree's waits",
               {"cycles": c.cycles, "stalls": c.stalls["dependence"]})


def exercise_3_2(make_program) -> CheckPassed:
    """The dot product of r1..r8 (pairs r1*r2, r3*r4, ...) into r0 in at most 8 cycles, realistic."""
    name = "3.2"
    prog = _program(name, _call(name, make_program))
    if any(siw.s is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the values are already in r1..r8: use only the D pipe (no gathers)")
    cycles = []
    for pairs in (ORIGINAL_PAIRS, SECOND_PAIRS_3_2):
        t = _run(name, _with_values(prog, [v for pair in pairs for v in pair]), "realistic")
        when = "" if pairs is ORIGINAL_PAIRS else f"with other pairs {pairs}: "
        _expect_r(name, t, "r0", sum(a * b for a, b in pairs), when=when)
        cycles.append(t.counters())
    c = cycles[0]
    if c.cycles > GOAL_3_2_CYCLES:
        _fail(name, f"r0 = 140.0, but in {c.cycles} cycles; the goal is at most {GOAL_3_2_CYCLES} "
                    f"({c.stalls['dependence']} cycles stalled on dependences)",
              hint="an fma waits for the accumulator it adds to; four independent multiplies wait for "
                   "nothing -- start them all first, and add the products as they land")
    chain = _run(name, _program(name, dot_product(version="baseline")), "realistic").counters()
    return _ok(name, f"r0 = 140.0 in {c.cycles} cycles with {c.ops} ops (one fma chain takes {chain.cycles})",
               {"cycles": c.cycles, "ops": c.ops})
