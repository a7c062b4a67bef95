"""Checkers for the exercises of notebook 01 (the Python insight)."""

from __future__ import annotations

import dataclasses

from ...coord import Coord
from ...programs import ORIGINAL_PAIRS, dot_product
from ._base import (
    CheckPassed,
    _call,
    _fail,
    _judge,
    _ok,
    _program,
    _run,
)

__all__ = ["PROGRAM_1_2", "SECOND_PAIRS", "exercise_1_1", "exercise_1_2"]

# a second filling of memory for 1.1: a program must gather a and b, not hold them in registers
SECOND_PAIRS = ((1.0, 2.0), (3.0, 4.0), (5.0, 6.0), (7.0, 8.0))   # dot product 100.0
# 1.2 predicts the optimized schedule for three pairs, which notebook 01 does not run
PROGRAM_1_2 = dot_product(ORIGINAL_PAIRS[:3], version="optimized")


def _cells(pairs) -> dict:
    """Memory of notebook 01's dot product: a[i] at i+1.1.1, b[i] at i+1.2.1."""
    out = {}
    for i, (a, b) in enumerate(pairs):
        out[Coord.parse(f"{i + 1}.1.1")] = float(a)
        out[Coord.parse(f"{i + 1}.2.1")] = float(b)
    return out


def exercise_1_1(make_program) -> CheckPassed:
    """Fix the slot-order trap: the optimized dot product, correct in every mode and order."""
    name = "1.1"
    prog = _program(name, _call(name, make_program))
    first = _cells(ORIGINAL_PAIRS)
    if {c for c, _ in prog.preload} != set(first):
        _fail(name, "the program must start from notebook 01's memory: keep the .mem lines of HEADER "
                    "(a[i] at i.1.1, b[i] at i.2.1) and no others",
              hint="start the program text with HEADER, as the exercise says")
    results = {}
    for mode, order in [("vliw", "DSC"), ("sequential", "DSC"), ("sequential", "SDC"),
                        ("sequential", "CSD"), ("sequential", "SCD")]:
        t = _run(name, prog, mode=mode, slot_order=order)
        r0 = t.sentrons[0].registers["r0"]
        results[f"{mode} {order}"] = r0
        if r0 != 140.0:
            _fail(name, f"under {mode} mode with slot order {order} r0 = {r0!r}, not 140.0",
                  hint="a slot must not overwrite a register another slot of the same SIW reads: "
                       "gather the next pair into different registers")
    second = _cells(SECOND_PAIRS)
    refilled = dataclasses.replace(prog, preload=tuple((c, second[c]) for c, _ in prog.preload))
    want = sum(a * b for a, b in SECOND_PAIRS)
    got = _run(name, refilled).sentrons[0].registers["r0"]
    if got != want:
        _fail(name, f"with other numbers in memory ({', '.join(f'{a:g}·{b:g}' for a, b in SECOND_PAIRS)}) "
                    f"r0 = {got!r}, expected {want!r}",
              hint="the program must gather a[i] and b[i] from memory, not hold them in registers")
    c = _run(name, prog).counters()
    if c.cycles > 10:
        _fail(name, f"correct in every order, but {c.cycles} cycles; the original took 10",
              hint="keep the packing: multiply element i-1 while gathering element i")
    return _ok(name, f"r0 = 140.0 in every slot order, {c.cycles} cycles, "
                     f"{c.useful_ops_per_cycle:.2f} useful ops/cycle",
               {"r0": results, "cycles": c.cycles})


def exercise_1_2(predict, reveal: bool = False) -> CheckPassed:
    """Predict cycles, ops and useful ops of PROGRAM_1_2 under `seed`, then measure.
    ``reveal=True`` shows the measurement even when the prediction is wrong."""
    name = "1.2"
    got = _call(name, predict)
    if not (isinstance(got, tuple) and len(got) == 3
            and all(isinstance(x, int) and not isinstance(x, bool) for x in got)):
        _fail(name, f"return three whole numbers (cycles, ops, useful_ops), got {got!r}")
    c = _run(name, _program(name, PROGRAM_1_2)).counters()
    measured = (c.cycles, c.ops, c.useful_ops)
    hints = ("under seed every op takes one cycle and nothing stalls: each SIW is one cycle",
             "every slot that is not '-' holds an op, whether or not it does any work",
             "an op is useful only if it changed the machine's state: where did the .mem lines put "
             "the pages the cprefetch hints ask for?")
    _judge(name, [(label, p, m, p == m, h) for label, p, m, h in
                  zip(("cycle count", "op count", "useful op count"), got, measured, hints)], reveal,
           answer=predict)
    four = _run(name, _program(name, dot_product(ORIGINAL_PAIRS, version="optimized"))).counters()
    return _ok(name, f"{c.cycles} cycles, {c.ops} ops, {c.useful_ops} useful: {c.ops_per_cycle:.2f} ops/cycle, "
                     f"{c.useful_ops_per_cycle:.2f} useful ops/cycle (four pairs: {four.ops_per_cycle:.2f} and "
                     f"{four.useful_ops_per_cycle:.2f}): the SIWs that only gather at the start and only compute at "
                     "the end weigh more in a shorter loop",
               {"cycles": c.cycles, "ops": c.ops, "useful_ops": c.useful_ops,
                "ops_per_cycle": c.ops_per_cycle, "useful_ops_per_cycle": c.useful_ops_per_cycle})
