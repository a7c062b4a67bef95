"""Checkers for the exercises of notebook 08 (packing)."""

from __future__ import annotations

import dataclasses

from ...asm import assemble
from ...coord import Coord
from ...errors import VtpuError
from ...schedule import dependence_graph, resolve_addresses, validate
from ...schedule.compare import differences
from ..packing import hand_program
from ._base import CheckPassed, ExerciseFailed, ExerciseIncomplete, _call, _fail, _judge, _names_used, _ok, _run  # noqa: F401
# (the outcome types too: the notebook imports this module as `check`)

__all__ = ["PROGRAM_8_1", "SECOND_MEMORY_8_1", "GOAL_8_1_CYCLES", "PACKER_8_1_CYCLES", "PROGRAM_8_2",
           "exercise_8_1", "exercise_8_2"]

# 8.1: four cells rewritten in place. Every gather ties at the same height under seed, so the packer
# takes them in program order and its S pipe idles twice; 8 S ops make the bound 8 cycles.
PROGRAM_8_1 = """\
.mem 1.1.1 3
.mem 2.1.1 5
.mem 3.1.1 2
.mem 4.1.1 7
.set p0 1.1.1
.set p1 2.1.1
.set p2 3.1.1
.set p3 4.1.1
- | gather r1, p0 | -
- | gather r2, p1 | -
- | gather r3, p2 | -
- | gather r4, p3 | -
fma r5, r4, r2, r3 | - | -
mul r6, r4, r1 | - | -
mul r7, r3, r5 | - | -
add r8, r1, r4 | - | -
mul r9, r8, r2 | - | -
- | scatter p3, r9 | -
- | scatter p2, r8 | -
- | scatter p1, r7 | -
- | scatter p0, r6 | -
"""
SECOND_MEMORY_8_1 = (-2.0, 0.5, 6.0, -3.0)   # a second filling of 1.1.1 .. 4.1.1
GOAL_8_1_CYCLES = 8                          # code_bounds(PROGRAM_8_1, "seed").bound_cycles
PACKER_8_1_CYCLES = 10                       # pack_code(PROGRAM_8_1, "seed").cycles

# 8.2: a value goes through memory -- p3 and p4 reach the same cell by different index steps.
PROGRAM_8_2 = """\
.mem 1.1.1 3
.mem 2.1.1 4
.set p0 1.1.1
.set p1 2.1.1
.set p2 1.2.1
- | gather r1, p0 | -
- | gather r2, p1 | -
mul r3, r1, r2 | - | -
- | index p3, p2, section, #1 | -
- | scatter p3, r3 | -
- | index p4, p0, section, #2 | -
- | gather r4, p4 | -
add r5, r4, r1 | - | -
fma r6, r5, r5, r2 | - | -
- | scatter p2, r6 | -
"""
_MEASURING = ("dependence_graph", "critical_path", "critical_chain", "earliest", "heights", "code_bounds",
              "graph_bounds", "bounds", "pack", "pack_code", "list_schedule", "list_steps", "source_schedule",
              "run", "Machine", "measure")


def _source_8_1():
    return assemble(PROGRAM_8_1, file="exercise_8_1_source.siw")


def _with_memory(program, values):
    cells = [Coord.parse(f"{i + 1}.1.1") for i in range(len(values))]
    preload = dict(program.preload)
    preload.update(zip(cells, map(float, values)))
    return dataclasses.replace(program, preload=tuple(preload.items()))


def _rows_8_1(name: str, text):
    if not isinstance(text, str):
        _fail(name, f"expected the SIW rows as text (a str), got {type(text).__name__}")
    try:
        given = assemble(text, file="exercise_8_1.siw")
    except VtpuError as e:
        _fail(name, f"your rows do not assemble:\n{e}")
    if given.preload or len(given.sentrons) != 1 or given.sentrons[0].init:
        _fail(name, "give only the SIW rows (D | S | C): the .mem and .set lines stay those of PROGRAM_8_1",
              hint="leave out .mem, .set and .sentron lines")
    return hand_program(_source_8_1(), text, file="exercise_8_1.siw")


def _cell_accesses(code) -> dict:
    """Per coordinate: the gathers and scatters of it, in program order, as (SIW, op)."""
    out: dict = {}
    for pc, row in enumerate(resolve_addresses(code)):
        op = code.siws[pc].s
        if op is not None and op.op in ("gather", "scatter") and row[1] is not None:
            out.setdefault(row[1], []).append((pc, op))
    return out


def _memory_order(source, hand) -> str | None:
    """Where ``hand`` gathers and scatters a cell in another order than ``source`` does (a memory
    dependence broken), in words; None when every cell sees the same order."""
    want, got = _cell_accesses(source), _cell_accesses(hand)
    for cell, accesses in got.items():
        kinds, expected = [op.op for _, op in accesses], [op.op for _, op in want.get(cell, [])]
        i = next((i for i, (a, b) in enumerate(zip(kinds, expected)) if a != b), None)
        if i is None or i + 1 >= len(accesses):
            continue
        (pc, first), (pc2, then) = accesses[i], accesses[i + 1]
        verb = "stores to" if first.op == "scatter" else "reads"
        return (f"`{first}` (your SIW {pc}) {verb} {cell.short()} before `{then}` (your SIW {pc2}) "
                f"{'reads' if then.op == 'gather' else 'stores to'} it; the program does it the other way "
                f"round: memory dependence broken")
    return None


def exercise_8_1(pack_by_hand) -> CheckPassed:
    """Pack PROGRAM_8_1 by hand into SIWs that compute the same (the validator), leave the same
    memory (two fillings, run under seed) and take the bound's 8 cycles; the packer takes 10."""
    name = "8.1"
    source = _source_8_1()
    hand = _rows_8_1(name, _call(name, pack_by_hand))
    verdict = validate(source, hand)
    if not verdict.ok:
        _fail(name, f"your SIWs do not compute what the program computes:\n"
                    f"{_memory_order(source.sentrons[0], hand.sentrons[0]) or verdict.problems[0]}",
              hint="a SIW reads its registers before any of its ops writes: an op that needs a result goes "
                   "in a later SIW than the op that makes it, and a scatter after the gather of its cell")
    runs = []
    for label, values in (("", None), ("with other numbers in memory: ", SECOND_MEMORY_8_1)):
        src, out = (source, hand) if values is None else (_with_memory(source, values), _with_memory(hand, values))
        ref, ran = _run(name, src), _run(name, out)
        wrong = differences(ref, ran, ignore=verdict.scratch)
        if wrong:
            _fail(name, f"{label}your program leaves {'; '.join(wrong[:3])}")
        runs.append(ran)
    cycles = runs[0].counters().cycles
    if cycles > GOAL_8_1_CYCLES:
        _fail(name, f"valid and the same memory, in {cycles} cycles under seed; the goal is the bound, "
                    f"{GOAL_8_1_CYCLES} cycles (the packer takes {PACKER_8_1_CYCLES})",
              hint="8 S ops in 8 cycles: the S pipe must issue in every cycle, so the first scatter goes in "
                   "cycle 4, and its value must be ready by then. Which two gathers make a value soonest?")
    return _ok(name, f"valid, the same memory on two fillings, {cycles} cycles = the bound "
                     f"(the packer took {PACKER_8_1_CYCLES})",
               {"cycles": cycles, "bound_cycles": GOAL_8_1_CYCLES, "packer_cycles": PACKER_8_1_CYCLES})


def exercise_8_2(predict, reveal: bool = False) -> CheckPassed:
    """Predict the critical path of PROGRAM_8_2 under seed and under realistic (in cycles), from the
    program text, without measuring. ``reveal=True`` shows the measured values."""
    name = "8.2"
    used = _names_used(predict, _MEASURING)
    if used:
        _fail(name, f"your function calls {', '.join(used)}: the exercise is to predict from the program "
                    "text, before measuring",
              hint="follow the values from gather to scatter, and the latencies of the preset")
    got = _call(name, predict)
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(name, "return (critical path under seed, critical path under realistic), two whole numbers of cycles")
    code = assemble(PROGRAM_8_2, file="exercise_8_2.siw").sentrons[0]
    seed, real = (dependence_graph(code, cfg).critical_path() for cfg in ("seed", "realistic"))
    alias = ("p3 and p4 name cells by different steps: work out both coordinates; a gather of a cell "
             "after a scatter to it waits for the scatter")
    _judge(name, [("critical path under seed", got[0], seed, got[0] == seed,
                   ("under seed every op takes 1 cycle: count the ops of the longest chain", alias)),
                  ("critical path under realistic", got[1], real, got[1] == real,
                   ("under realistic gather 2, mul 3, fma 4, add, index and scatter 1 (a gather after a "
                    "scatter to its cell: 1)", alias))],
           reveal, answer=predict)
    chain = [str(op.instr) for op in dependence_graph(code, "realistic").critical_chain()]
    return _ok(name, f"critical path {seed} cycles under seed, {real} under realistic: {' -> '.join(chain)}",
               {"seed": seed, "realistic": real})
