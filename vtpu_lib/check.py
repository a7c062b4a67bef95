"""Checkers for the exercises: ``check.exercise_3_1(student_fn)`` in an exercise cell.

A checker calls the learner's function, runs what it returns on the simulator and either
prints what was measured (and returns it) or raises:

* :class:`ExerciseIncomplete` -- the function still raises ``NotImplementedError``;
* :class:`ExerciseFailed` -- it runs but misses the goal; the message says by how much and
  what to look at.

The unit tests run every checker on the reference solutions in ``solutions/``.
"""

from __future__ import annotations

from .asm import assemble
from .errors import VtpuError
from .program import Program
from .sim import Machine
from .trace import Trace


class ExerciseIncomplete(VtpuError):
    """The exercise has not been attempted yet."""


class ExerciseFailed(VtpuError):
    """The answer runs but does not meet the exercise's goal."""


def _call(name: str, fn, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseIncomplete(
            f"exercise {name}: not done yet -- replace `raise NotImplementedError` in the cell above "
            "with your answer, run that cell, then run this one again",
            hint="the notebook's text above the exercise says what to aim for") from None
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your answer raised an error:\n{e}") from None


def _program(name: str, text) -> Program:
    if not isinstance(text, str):
        raise ExerciseFailed(f"exercise {name}: expected the program as text (a str), got {type(text).__name__}")
    try:
        return assemble(text, file=f"exercise_{name}.siw")
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program does not assemble:\n{e}") from None


def _run(name: str, program: Program, config="seed", **kw) -> Trace:
    try:
        m = Machine(config, max_cycles=100_000, **kw)
        m.load(program)
        return m.run()
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: your program failed while running:\n{e}") from None


def _fail(name: str, message: str, hint: str | None = None):
    raise ExerciseFailed(f"exercise {name}: {message}", hint=hint)


def _ok(name: str, message: str) -> None:
    print(f"exercise {name} passed: {message}")


def _expect_r(name: str, trace: Trace, reg: str, want: float, sentron=None) -> None:
    regs = trace.info(sentron).registers if sentron is not None else trace.sentrons[0].registers
    got = regs[reg]
    if got != want:
        _fail(name, f"{reg} = {got!r} at the end, expected {want!r}")


# -- 01 the Python insight ---------------------------------------------------------------------

def exercise_1_1(make_program) -> dict:
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
    _ok(name, f"r0 = 140.0 in every slot order, {c.cycles} cycles, {c.useful_ops_per_cycle:.2f} useful ops/cycle")
    return {"r0": results, "cycles": c.cycles}


def exercise_1_2(answer) -> dict:
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
    _ok(name, f"predicted and measured {c.ops_per_cycle:.2f} ops/cycle = {c.useful_ops_per_cycle:.2f} useful: "
              "the hints added ops, not work")
    return {"ops_per_cycle": c.ops_per_cycle, "useful_ops_per_cycle": c.useful_ops_per_cycle}


# -- 03 D-pipe ---------------------------------------------------------------------------------

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
    from .programs import ORIGINAL_PAIRS, dot_product
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


# -- 05 C-pipe ---------------------------------------------------------------------------------

def _sent_and_received(trace: Trace) -> tuple[int, int]:
    c = trace.counters()
    return c.messages_sent, c.messages_received


def exercise_5_1(make_program) -> dict:
    """Sentron a sends (r1, r2) = (6, 7) in ONE message; b unpacks, multiplies into r0 and
    stores it at 7.1.1."""
    name = "5.1"
    text = _call(name, make_program)
    t = _run(name, _program(name, text))
    names = {s.name for s in t.sentrons}
    if not {"a", "b"} <= names:
        _fail(name, f"the program needs sentrons named a and b, found {sorted(names)}",
              hint="start each section with '.sentron a id=0' / '.sentron b id=1'")
    a = t.info("a").registers
    if (a["r1"], a["r2"]) != (6.0, 7.0):
        _fail(name, f"a's r1, r2 should hold 6 and 7 (use .set), found {a['r1']!r}, {a['r2']!r}")
    _expect_r(name, t, "r0", 42.0, sentron="b")
    cell = t.memory.get(_coord("7.1.1"))
    if cell != 42.0:
        _fail(name, f"memory at 7.1.1 holds {cell!r}, expected 42.0", hint="b must scatter r0 to 7.1.1")
    sends = [e for e in t.events if e[2] == "send" and e[1] == t.info("a").id]
    if len(sends) != 1 or len(sends[0][4][1]) < 2:
        _fail(name, f"a should send exactly one message carrying both values; it sent {len(sends)} "
                    f"message(s) with {[len(e[4][1]) for e in sends]} lane(s)",
              hint="pack m0, r1, r2 then send m0, b")
    if not any(siw.c is not None and siw.c.op == "unpack" for siw in t.info("b").code.siws):
        _fail(name, "b should take the values out of the message with unpack")
    c = t.counters("b")
    _ok(name, f"b computed 42.0 from one 2-lane message; b waited {c.stalls['recv-wait']} cycle(s) in recv")
    return {"b_cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]}


def _coord(text: str):
    from .coord import Coord
    return Coord.parse(text)


def exercise_5_2(fix_program) -> dict:
    """Fix the deadlock: a and b swap r1 values; each ends with the other's r1 in r5."""
    name = "5.2"
    text = _call(name, fix_program)
    prog = _program(name, text)
    try:
        m = Machine("seed", max_cycles=10_000)
        m.load(prog)
        t = m.run()
    except VtpuError as e:
        _fail(name, f"the exchange still does not complete:\n{e}",
              hint="if both sentrons start with recv, each waits for the other forever: let one send first")
    a, b = t.info("a").registers, t.info("b").registers
    if (a["r5"], b["r5"]) != (b["r1"], a["r1"]) or a["r1"] == b["r1"]:
        _fail(name, f"after the swap a.r5 should be b.r1 ({b['r1']!r}) and b.r5 should be a.r1 ({a['r1']!r}); "
                    f"found a.r5 = {a['r5']!r}, b.r5 = {b['r5']!r}")
    c = t.counters()
    _ok(name, f"swapped in {c.cycles} cycles with {c.messages_sent} messages, "
              f"{c.stalls['recv-wait']} cycles of recv-wait in total")
    return {"cycles": c.cycles, "recv_wait": c.stalls["recv-wait"]}
