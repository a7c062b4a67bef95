"""Packing by hand and by the list scheduler, for notebook 08 (packing).

* :func:`hand_program` -- a learner's SIW rows grafted onto a source program (same ``.mem``,
  ``.set``, sentron): the program a by-hand schedule is;
* :func:`measure` -- a transformed program judged against its source: the validator's verdict,
  the measured cycles, any difference in registers and memory, the bound (:class:`Packed`);
* :func:`list_steps` -- the list scheduler written out cycle by cycle (what was ready, with what
  priority, what issued), with a pluggable priority; with the default (heights) it places every
  op where ``vtpu_lib.schedule.list_schedule`` does, which a test checks;
* :func:`schedule_rows` -- a :class:`~vtpu_lib.schedule.Schedule` as a table, a row per cycle;
* :func:`guarantee` -- the worst case of any list schedule, CP + N_D + N_S + N_C (Graham's argument);
* :func:`unroll_point` / :func:`unroll_sweep` -- a kernel's loop unrolled by k
  (``vtpu_lib.schedule.unroll``), packed, run and checked, with its bounds and the r registers it
  needs (:func:`registers_needed`; past 16 the unroller refuses, and the point keeps its words);
* pictures (``packing_plots``): ``draw_graph``, ``plot_unroll``, ``plot_registers``, and the
  ``UnrollExplorer`` slider, a thin wrapper over :func:`unroll_point`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..asm import assemble
from ..config import MachineConfig
from ..errors import ScheduleError
from ..isa import PIPE_BIT, REG_FILES, Reg
from ..kernels import Kernel
from ..machine import run
from ..machine.state import flat
from ..program import Loop, Program, SentronCode
from ..schedule import DepGraph, Schedule, code_bounds, pack_code, validate
from ..schedule.compare import differences
from ..schedule.regions import touched
from ..schedule.unroll import accumulators_of, renamed_registers, unroll

__all__ = ["Packed", "Step", "UnrollPoint", "hand_program", "measure", "list_steps", "schedule_rows", "guarantee",
           "op_text", "registers_needed", "unroll_point", "unroll_sweep", "draw_graph", "plot_unroll",
           "plot_registers", "UnrollExplorer"]


def hand_program(source: Program, rows: str, file: str = "by_hand.siw") -> Program:
    """``source`` with its (first) sentron's SIWs replaced by ``rows`` (SIW lines, ``D | S | C``):
    the same memory preload, ``.set`` values and identity, so the two can be compared."""
    siws = assemble(rows, file=file).sentrons[0]
    code = dataclasses.replace(source.sentrons[0], siws=siws.siws, lines=siws.lines, loops=())
    return dataclasses.replace(source, sentrons=(code,) + source.sentrons[1:])


@dataclass(frozen=True, slots=True)
class Packed:
    """A transformed program measured against its source (one sentron)."""
    label: str
    valid: bool
    problems: tuple      # the validator's words when it is not valid
    wrong: tuple         # registers and memory cells the run leaves differently from the source's run
    cycles: int          # measured
    source_cycles: int   # the source, measured
    siws: int
    ops: int
    bound_cycles: int    # code_bounds(source).bound_cycles: no schedule of the source is shorter

    @property
    def ops_per_cycle(self) -> float:
        return self.ops / self.cycles if self.cycles else 0.0

    @property
    def pct_of_bound(self) -> float:
        return 100.0 * self.bound_cycles / self.cycles if self.cycles else 0.0

    def __repr__(self) -> str:
        verdict = "valid" if self.valid else "INVALID"
        return (f"Packed({self.label}: {verdict}, {self.cycles} cycles (source {self.source_cycles}, bound "
                f"{self.bound_cycles}), {self.siws} SIWs, {self.ops_per_cycle:.2f} ops/cycle)")


def measure(source: Program, output: Program, config: MachineConfig | str = "realistic",
            label: str = "packed") -> Packed:
    """Validate ``output`` against ``source``, run both under ``config`` and compare what they leave."""
    verdict = validate(source, output)
    ran, ref = run(output, config), run(source, config)
    wrong = tuple(differences(ref, ran, ignore=verdict.scratch))
    code = output.sentrons[0]
    return Packed(label, verdict.ok, verdict.problems, wrong, ran.counters().cycles, ref.counters().cycles,
                  len(code.siws), code.op_count(), code_bounds(source.sentrons[0], config).bound_cycles)


def op_text(graph: DepGraph, i: int) -> str:
    return str(graph.ops[i].instr)


@dataclass(frozen=True, slots=True)
class Step:
    """One cycle of a list schedule: the ops ready then (best first, with their priority) and
    the ops issued; an op is *ready* when its predecessors have issued and their delays passed."""
    cycle: int
    ready: tuple     # ((op index, priority), ...) best first
    issued: tuple    # op indices, in the order they were taken

    def text(self, graph: DepGraph) -> str:
        ready = ", ".join(f"{op_text(graph, i)} ({p})" for i, p in self.ready) or "nothing"
        took = ", ".join(f"{graph.ops[i].pipe}: {op_text(graph, i)}" for i in self.issued) or "nothing (wait)"
        return f"cycle {self.cycle:>2}  ready: {ready}\n          issue: {took}"


def list_steps(graph: DepGraph, priority=None) -> tuple[Schedule, list[Step]]:
    """The cycle-by-cycle list scheduler (see ``vtpu_lib.schedule.listsched``), recording each cycle.

    ``priority``: one number per op, higher first (default: ``graph.heights()``); ties go to
    program order. Ops that must share a SIW (``graph.units``) are placed together."""
    prio = list(graph.heights() if priority is None else priority)
    units, unit_of = graph.units, graph.unit_of
    preds = [[] for _ in units]
    for d in graph.deps:
        if unit_of[d.src] != unit_of[d.dst]:
            preds[unit_of[d.dst]].append((unit_of[d.src], d.delay))
    pipes = [sum(PIPE_BIT[graph.ops[i].pipe] for i in m) for m in units]
    key = [(-max(prio[i] for i in m), m[0]) for m in units]
    at: list = [None] * len(units)
    steps, t = [], 0
    while None in at:
        ready_seen, issued, used, progress = {}, [], 0, True
        while progress:                 # an op a delay-0 dependence frees may join this cycle
            progress = False
            ready = [u for u in range(len(units)) if at[u] is None
                     and all(at[p] is not None and at[p] + d <= t for p, d in preds[u])]
            for u in sorted(ready, key=key.__getitem__):
                ready_seen.setdefault(u, None)
                if pipes[u] & used:
                    continue
                used |= pipes[u]
                at[u] = t
                issued.append(u)
                progress = True
        shown = sorted(ready_seen, key=key.__getitem__)
        steps.append(Step(t, tuple((units[u][0], -key[u][0]) for u in shown),
                          tuple(i for u in issued for i in units[u])))
        t += 1
    cycle = [0] * len(graph.ops)
    for u, members in enumerate(units):
        for i in members:
            cycle[i] = at[u]
    return Schedule(graph, tuple(cycle), "list" if priority is None else "list, own priority"), steps


def schedule_rows(schedule: Schedule) -> list[str]:
    """The schedule as a table, one row per cycle from the first issue to the last, with cycles
    in which nothing issues shown as waits (the packed program has no SIW for them)."""
    graph, cells = schedule.graph, {}
    for i, c in enumerate(schedule.cycle):
        cells.setdefault(c, {})[str(graph.ops[i].pipe)] = op_text(graph, i)
    rows = [f"{'cycle':>5} | {'D':<18} | {'S':<18} | C"]
    for c in range(max(cells, default=-1) + 1):
        row = cells.get(c)
        if row is None:
            rows.append(f"{c:>5} | {'(wait)':<18} | {'':<18} |")
        else:
            rows.append(f"{c:>5} | {row.get('D', '-'):<18} | {row.get('S', '-'):<18} | {row.get('C', '-')}")
    return rows


def guarantee(graph: DepGraph) -> int:
    """Cycles no list schedule of ``graph`` can exceed: CP + N_D + N_S + N_C.

    Graham's argument: follow the op that finishes last back through the predecessor that freed
    it last. In every cycle before it issues, that op is either still waiting out a latency on the
    chain (at most CP cycles in all) or ready and refused a slot because its pipe was taken by
    another op (at most N_P such cycles per pipe P, each used once)."""
    return graph.critical_path() + len(graph.ops)


# -- loops: unrolling, measured --------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class UnrollPoint:
    """A kernel's loop unrolled by ``k``, packed and run (``cycles`` None past the register wall)."""
    k: int
    accumulators: int
    registers: int       # r registers the unrolled code needs (the machine has 16)
    error: str | None    # the unroller's ScheduleError, in its words, when they do not fit
    ops: int
    cycles: int | None   # measured run of the packed, unrolled program
    bound_cycles: int | None
    mix: float | None          # N / max(N_D, N_S, N_C)
    dependence: float | None   # N / critical path of the unrolled code
    correct: bool | None       # the run leaves the kernel's expected outputs, bit for bit
    valid: bool | None         # the validator finds the same expressions as the source computes

    @property
    def fits(self) -> bool:
        return self.error is None

    @property
    def ops_per_cycle(self) -> float | None:
        return self.ops / self.cycles if self.cycles else None

    def text(self) -> str:
        regs = f"{self.registers} r registers"
        if not self.fits:
            return f"k = {self.k}: needs {regs}, more than the 16 there are\n{self.error}"
        return (f"k = {self.k}: {self.ops} ops in {self.cycles} cycles = {self.ops_per_cycle:.2f} ops/cycle "
                f"(bound {self.bound_cycles} cycles; mix {self.mix:.2f}, dependence {self.dependence:.2f}); "
                f"{regs}; results {'right' if self.correct else 'WRONG'}")


def registers_needed(code: SentronCode, loop: Loop, k: int, accumulators: int = 1) -> int:
    """The r registers ``code`` needs once ``loop`` is unrolled by ``k`` (the unroller's rule, see
    ``vtpu_lib.schedule.unroll``): those it touches, plus k - 1 more copies of every r value the
    body defines (accumulators and chains keep their names) and a - 1 more partial sums per accumulator."""
    used = touched(code)
    have = sum(1 for i in range(REG_FILES["r"]) if flat(Reg("r", i)) in used)
    if k == 1 or loop.count // k == 0:
        return have
    body = code.siws[loop.start:loop.start + loop.body]
    accs = accumulators_of(body) if accumulators > 1 else {}
    renamed = renamed_registers(code, loop, k, accumulators)     # the unroller's own rule
    return have + (k - 1) * sum(r.file == "r" for r in renamed) + (accumulators - 1) * len(accs)


def unroll_point(kern: Kernel, k: int, config: MachineConfig | str = "realistic", accumulators: int = 1) -> UnrollPoint:
    """``kern``'s first innermost loop unrolled by ``k`` (``vtpu_lib.schedule.unroll``), then
    packed (``pack_code``), run under ``config`` and checked; past the register wall, the
    unroller's ScheduleError is kept as the point's ``error``."""
    code = kern.program.sentrons[0]
    loop = code.innermost_loops()[0]
    need = registers_needed(code, loop, k, accumulators)
    try:
        unrolled = unroll(code, loop, k, config, accumulators=accumulators)
    except ScheduleError as e:
        return UnrollPoint(k, accumulators, need, e.render(),
                           code.op_count(), None, None, None, None, None, None)
    packed = dataclasses.replace(kern.program, sentrons=(pack_code(unrolled, config).code(),)
                                 + kern.program.sentrons[1:])
    bounds = code_bounds(unrolled, config)
    trace = run(packed, config)
    return UnrollPoint(k, accumulators, need, None, bounds.ops, trace.counters().cycles, bounds.bound_cycles,
                       bounds.mix, bounds.ops / bounds.critical_path, kern.check(trace) == [],
                       validate(kern.program, packed).ok)


def unroll_sweep(kern: Kernel, ks=range(1, 7), config: MachineConfig | str = "realistic",
                 accumulators: int = 1) -> list[UnrollPoint]:
    return [unroll_point(kern, k, config, accumulators) for k in ks]
