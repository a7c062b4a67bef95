"""Checkers for the exercises of notebook 01 (the Python insight)."""

from __future__ import annotations

from ._base import (
    CheckPassed,
    _call,
    _expect_r,
    _fail,
    _ok,
    _program,
    _run,
)

__all__ = ["exercise_1_1", "exercise_1_2"]


def exercise_1_1(make_program) -> CheckPassed:
    """Fix the slot-order trap: the optimized dot product, correct in every mode and order."""
    name = "1.1"
    prog = _program(name, _call(name, make_program))
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
    c = _run(name, prog).counters()
    if c.cycles > 10:
        _fail(name, f"correct in every order, but {c.cycles} cycles; the original took 10",
              hint="keep the packing: multiply element i-1 while gathering element i")
    return _ok(name, f"r0 = 140.0 in every slot order, {c.cycles} cycles, "
                     f"{c.useful_ops_per_cycle:.2f} useful ops/cycle",
               {"r0": results, "cycles": c.cycles})


def exercise_1_2(answer) -> CheckPassed:
    """Drop the no-op hints: predict ops/cycle and useful ops/cycle, then measure."""
    name = "1.2"
    got = _call(name, answer)
    if not (isinstance(got, tuple) and len(got) == 3):
        _fail(name, "return (program_text, predicted_ops_per_cycle, predicted_useful_ops_per_cycle)")
    text, ops_pred, useful_pred = got
    prog = _program(name, text)
    if any(siw.c is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the program still has ops in the C slot; remove the cprefetch hints")
    t = _run(name, prog)
    _expect_r(name, t, "r0", 140.0)
    c = t.counters()
    for label, pred, real in [("ops/cycle", ops_pred, c.ops_per_cycle),
                              ("useful ops/cycle", useful_pred, c.useful_ops_per_cycle)]:
        if abs(float(pred) - real) > 0.005:
            _fail(name, f"you predicted {label} {float(pred):.2f}, the run measured {real:.2f}",
                  hint="ops/cycle = ops / cycles; count the filled slots and the SIWs")
    return _ok(name, f"predicted and measured {c.ops_per_cycle:.2f} ops/cycle = {c.useful_ops_per_cycle:.2f} useful: "
                     "the hints added ops, not work",
               {"ops_per_cycle": c.ops_per_cycle, "useful_ops_per_cycle": c.useful_ops_per_cycle})
