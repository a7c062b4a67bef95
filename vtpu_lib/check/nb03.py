"""Checkers for the exercises of notebook 03 (the D-pipe)."""

from __future__ import annotations

from ._base import (
    _call,
    _expect_r,
    _fail,
    _ok,
    _program,
    _run,
)

PRODUCT_VALUES = (1.5, 2.0, 0.5, 4.0, 3.0, 1.0, 2.5, 2.0)  # r1..r8 in exercise 3.1


def _product_setup() -> str:
    return "".join(f".set r{i + 1} {v!r}\n" for i, v in enumerate(PRODUCT_VALUES))


def exercise_3_1(make_program) -> dict:
    """The product of r1..r8 into r0 in at most 12 cycles under `realistic`."""
    name = "3.1"
    text = _call(name, make_program)
    t = _run(name, _program(name, _product_setup() + text), "realistic")  # r1..r8 preset for the learner
    want = 1.0
    for v in PRODUCT_VALUES:
        want *= v
    _expect_r(name, t, "r0", want)
    c = t.counters()
    if c.cycles > 12:
        _fail(name, f"r0 is right, but the run takes {c.cycles} cycles under realistic; the goal is 12 "
                    f"({c.stalls['dependence']} cycles stalled on dependences)",
              hint="multiply independent pairs first, then pairs of products: a tree is only 3 multiplies deep")
    _ok(name, f"r0 = {want!r} in {c.cycles} cycles ({c.stalls['dependence']} dependence stalls)")
    return {"cycles": c.cycles, "stalls": c.stalls["dependence"]}


def exercise_3_2(make_program) -> dict:
    """The dot product of r1..r8 (pairs r1*r2, r3*r4, ...) into r0 in at most 10 cycles, realistic."""
    name = "3.2"
    from ..programs import ORIGINAL_PAIRS, dot_product
    base = dot_product(ORIGINAL_PAIRS, "baseline")
    setup = "".join(line + "\n" for line in base.splitlines() if line.startswith(".set"))
    text = _call(name, make_program)
    prog = _program(name, setup + text)
    if any(siw.s is not None for s in prog.sentrons for siw in s.siws):
        _fail(name, "the values are already in r1..r8: use only the D pipe (no gathers)")
    t = _run(name, prog, "realistic")
    _expect_r(name, t, "r0", 140.0)
    c = t.counters()
    if c.cycles > 10:
        _fail(name, f"r0 = 140.0, but in {c.cycles} cycles; the goal is 10",
              hint="one accumulator makes a chain of fma latencies; use two (or more) and add them at the end")
    _ok(name, f"r0 = 140.0 in {c.cycles} cycles with {c.ops} ops (one fma chain takes 16)")
    return {"cycles": c.cycles, "ops": c.ops}
