"""Checkers for the exercises of notebook 07 (measuring)."""

from __future__ import annotations

import dataclasses

from ...accounting import slot_account
from ...asm import assemble
from ...coord import Coord
from ...schedule import dependence_graph
from ._base import CheckPassed, _call, _fail, _judge, _ok, _program, _run

__all__ = ["PROGRAM_7_1", "PARTS_7_1", "MIX_7_2", "SHARE_7_2", "INPUTS_7_2", "SECOND_INPUTS_7_2",
           "exercise_7_1", "exercise_7_2"]

PROGRAM_7_1 = """\
.mem 2.1.1 5
.set p0 2.1.1
.set p1 3.1.1            # never written
.set r7 0.5
mul r1, r7, r7 | gather r2, p0 | -
add r3, r1, r2 | gather r4, p1 | -
fma r5, r4, r7, r3 | - | pack m0, r3
mul r6, r5, r5 | scatter p0, r5 | -
"""
PARTS_7_1 = ("cycles", "empty", "dependence", "ppt-miss", "drain")   # 7.1: cycles, then slots
MIX_7_2 = {"D": 12, "S": 12, "C": 6}      # 7.2: ops per pipe; mix bound 30 / 12 = 2.5
SHARE_7_2 = 0.90                          # ... of which the run must reach this share under realistic
INPUTS_7_2 = (3.0, -1.5, 2.0, 0.5, 7.0, 4.0, -2.5, 1.25)     # x1..x8 at scroll 1..8 of section 1
SECOND_INPUTS_7_2 = (-6.0, 2.5, 0.75, -3.0, 1.5, -0.25, 5.0, 9.0)


def exercise_7_1(predict, reveal: bool = False) -> CheckPassed:
    """Predict, for PROGRAM_7_1 under realistic, its cycles and the slots its run loses to empty
    pipes, dependence stalls, ppt-miss stalls and drain. ``reveal=True`` shows the measurement
    even when the prediction is wrong."""
    name = "7.1"
    got = _call(name, predict)
    if not isinstance(got, dict) or set(got) != set(PARTS_7_1):
        _fail(name, f"return a dict with exactly the keys {PARTS_7_1}, got {got!r}")
    if not all(isinstance(got[k], int) and not isinstance(got[k], bool) for k in PARTS_7_1):
        _fail(name, f"give whole numbers (cycles, then slots), got {got!r}")
    trace = _run(name, assemble(PROGRAM_7_1, file="exercise_7_1.siw"), "realistic")
    a = slot_account(trace)
    measured = {"cycles": a.cycles, "empty": a.empty_slots, "dependence": a.stalls["dependence"],
                "ppt-miss": a.stalls["ppt-miss"], "drain": a.drain}
    stall_rule = ("a stalled cycle loses all 3 slots; its reason is the reason stored with the register the SIW "
                  "waits for: ppt-miss while a gather that missed has not landed, dependence for any other result")
    hints = {"cycles": "a sentron's cycles run until its last result lands: add the last op's latency",
             "empty": "count the NOPs of the SIWs that issue (a stall cycle is charged to its reason, not here)",
             "dependence": (stall_rule, "mul lands 3 cycles after it issues, fma 4, a gather that hits 2"),
             "ppt-miss": (stall_rule, "a gather of a cell nobody wrote misses: 2 + 12 (page walk) + 0 (L1 tier) "
                                      "cycles; it issues with the SIW it is in"),
             "drain": "after the last SIW issues, each cycle until its last result lands is drain: 3 slots each"}
    _judge(name, [(k if k == "cycles" else f"{k} slots", got[k], measured[k], got[k] == measured[k], hints[k])
                  for k in PARTS_7_1],
           reveal, detail=f"the timeline:\n{trace.timeline()}", answer=predict)
    return _ok(name, f"{a.cycles} cycles = {a.slots} slots: {a.op_count} ops, {a.empty_slots} empty, "
                     f"{a.stalls['dependence']} dependence, {a.stalls['ppt-miss']} ppt-miss, {a.drain} drain",
               measured)


def _with_inputs(program, values):
    cells = tuple((Coord.parse(f"{i + 1}.1.1"), float(v)) for i, v in enumerate(values))
    return dataclasses.replace(program, preload=cells)


def _dead_ops(code, outputs: set) -> list:
    """Ops whose result never reaches a scatter to an output cell: follow true register and memory
    dependences back from the last scatter of each output cell."""
    graph = dependence_graph(code, "realistic")
    last = {}
    for o in graph.ops:
        if o.is_store and o.addr in outputs:
            last[o.addr] = o.index
    live, todo = set(), list(last.values())
    while todo:
        i = todo.pop()
        if i not in live:
            live.add(i)
            todo += [d.src for d in graph.preds[i] if d.kind in ("true", "memory-true")]
    return [o for o in graph.ops if o.index not in live]


def exercise_7_2(make_program) -> CheckPassed:
    """One sentron with exactly MIX_7_2 ops per pipe, every op's result reaching a scattered
    cell of section 2 that depends on the inputs, at >= SHARE_7_2 of its mix bound under realistic."""
    name = "7.2"
    prog = _program(name, _call(name, make_program))
    if len(prog.sentrons) != 1:
        _fail(name, f"write one sentron, found {len(prog.sentrons)}")
    if prog.preload:
        _fail(name, f"leave out the .mem lines ({len(prog.preload)} found): the checker puts x1..x8 at "
                    "scroll 1..8 of section 1 (1.1.1 .. 8.1.1), twice, with different numbers")
    code = prog.sentrons[0]
    counts = {p: sum(1 for siw in code.siws if siw.slots["DSC".index(p)] is not None) for p in "DSC"}
    if counts != MIX_7_2:
        _fail(name, f"the program has {counts['D']} D, {counts['S']} S and {counts['C']} C ops; the exercise asks for "
                    f"exactly {MIX_7_2['D']}, {MIX_7_2['S']} and {MIX_7_2['C']}",
              hint="the mix is given: choose which ops, not how many")
    first = _run(name, _with_inputs(prog, INPUTS_7_2), "realistic")
    second = _run(name, _with_inputs(prog, SECOND_INPUTS_7_2), "realistic")
    outputs = {c for c in set(first.memory) | set(second.memory) if c[1] == 2}
    if not outputs:
        _fail(name, "nothing was scattered to section 2 (x.2.1): that is where the results go")
    dead = _dead_ops(code, outputs)
    if dead:
        shown = ", ".join(o.where() for o in dead[:3]) + (f" and {len(dead) - 3} more" if len(dead) > 3 else "")
        _fail(name, f"{len(dead)} op(s) do work that reaches no result in section 2: {shown}",
              hint="every op must feed, through registers or memory, the last scatter of a section-2 cell; an op "
                   "whose result is overwritten or never read is filler, however busy it keeps a pipe")
    same = sorted(c.short() for c in outputs if first.memory.get(c) == second.memory.get(c))
    if same:
        _fail(name, f"the results at {', '.join(same)} do not change when the inputs do",
              hint="compute every result from the cells x1..x8 (gather them), not from constants alone")
    a = slot_account(first)
    mix = sum(MIX_7_2.values()) / max(MIX_7_2.values())
    share = a.ops_per_cycle / mix
    if share < SHARE_7_2:
        lost = ", ".join(f"{k} {v}" for k, v in a.categories().items() if v and k not in ("D op", "S op", "C op"))
        _fail(name, f"{a.ops_per_cycle:.2f} ops/cycle in {a.cycles} cycles is {100 * share:.0f}% of the mix bound "
                    f"{mix:.1f}; the goal is {100 * SHARE_7_2:.0f}% (at most {int(a.op_count / (SHARE_7_2 * mix))} "
                    f"cycles). The {a.lost} lost slots: {lost}",
              hint="keep the D and S pipes busy in every cycle: start with ops whose inputs are ready (.set "
                   "registers), hide each latency behind independent ops, and end on ops with a short latency")
    return _ok(name, f"{a.ops_per_cycle:.2f} ops/cycle in {a.cycles} cycles = {100 * share:.0f}% of the mix bound "
                     f"{mix:.1f} (packing {a.packing_efficiency:.2f} x stall {a.stall_efficiency:.2f}); "
                     f"{len(outputs)} results, every op live",
               {"cycles": a.cycles, "ops_per_cycle": a.ops_per_cycle, "share": share, "outputs": len(outputs)})
