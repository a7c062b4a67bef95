"""Software pipelining: Rau's iterative modulo scheduling (MICRO-27, 1994).

A modulo schedule starts an iteration every II cycles and gives each body op one time t; op j of
iteration k issues at k*II + t_j. Resources repeat with period II, so the three pipes form a
*modulo reservation table* of II rows: an op of pipe p at time t takes row t mod II of column p.
Rau's algorithm, for II = MII, MII + 1, ...:

1. priority: the height of each op (longest path to the end, edges weighing delay - II*distance);
2. take the highest unscheduled op; its earliest start is fixed by its scheduled predecessors;
   try the II times from there for a free row; if none is free, take one anyway and *evict* the
   op holding it (and any successor whose dependence now breaks); evicted ops are rescheduled;
3. give up on this II after a budget of placements (``BUDGET_RATIO`` per op) and try II + 1.

The ops of one iteration span SC = floor(max t / II) + 1 *stages*: a prologue of SC - 1 stages
fills the pipeline, the kernel (one stage of SC iterations at once) repeats, an epilogue drains
it. n iterations take (n - 1)*II + L cycles, L the length of one iteration (first issue to last
result landing); the textbook counts whole stages, T(n) = (n + SC - 1)*II, which is the same
when the last stage is full and every latency is 1 (``seed``). The schedule first assumes every
value gets registers of its own (modulo variable expansion, ``mve.py``), which removes register
anti and output dependences; when the free registers do not suffice it keeps them instead.
:func:`pipeline` applies this to every innermost loop and list-schedules the code around them.

Notebook 09 draws ``reservation_table()`` and checks T(n) against measured runs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import MachineConfig, get_config
from ..errors import ScheduleError
from ..program import Loop, Program, SentronCode
from .graph import dependence_graph
from .loops import LoopGraph, Recurrence, loop_graph, rec_mii, res_mii
from .mve import PIPE_SLOT, Allocation, allocate, emit
from .regions import best_schedule, predicted_cycles, rows_to_code, splice, subgraph

BUDGET_RATIO = 6     # placements per op before Rau's scheduler gives up on an II


@dataclass(frozen=True, slots=True, eq=False)
class ModuloSchedule:
    """A loop's modulo schedule: ``times[j]`` of each body op, the II, and its registers."""
    graph: LoopGraph
    ii: int
    times: tuple
    allocation: Allocation
    renamed: bool        # values got registers of their own (else anti/output deps were kept)
    res_mii: int
    rec_mii: int
    recurrence: Recurrence | None

    @property
    def mii(self) -> int:
        return max(self.res_mii, self.rec_mii, 1)

    @property
    def stages(self) -> int:
        """SC: how many iterations overlap in the steady state."""
        return max(self.times) // self.ii + 1

    @property
    def length(self) -> int:
        """L: cycles from an iteration's first issue to its last result landing."""
        return max(t + op.latency for t, op in zip(self.times, self.graph.ops))

    @property
    def unroll(self) -> int:
        """u: kernel copies modulo variable expansion needs (the kernel is u*II cycles)."""
        return self.allocation.unroll

    def stage(self, j: int) -> int:
        return self.times[j] // self.ii

    def predicted_cycles(self) -> int:
        """(n - 1)*II + L -- or later when a carried value's last copy has to move home after the
        loop in a new row: what the n iterations take when nothing stalls (``seed`` runs show
        exactly this, unless an empty cycle was dropped and the scoreboard found the next SIW
        ready earlier)."""
        return max((self.graph.loop.count - 1) * self.ii + self.length, self._emitted()[3])

    def textbook_cycles(self, n: int | None = None) -> int:
        """(n + SC - 1)*II: the same in whole stages -- the cycles from the first issue to the last
        stage's end. It equals (n - 1)*II + L when the last stage is full and its results land in
        a cycle (every latency 1, as under ``seed``)."""
        n = self.graph.loop.count if n is None else n
        return (n + self.stages - 1) * self.ii

    def reservation_table(self) -> tuple:
        """Per row 0..II-1: ``{pipe: (op index, op text, stage)}`` -- the modulo reservation table."""
        table = [{} for _ in range(self.ii)]
        for op, t in zip(self.graph.ops, self.times):
            table[t % self.ii][str(op.pipe)] = (op.index, str(op.instr), t // self.ii)
        return tuple(table)

    def _emitted(self):
        config = self.graph.config
        latency = lambda instr: config.latency_cycles[instr.spec.latency_key]   # noqa: E731
        return emit(self.graph, self.times, self.ii, self.allocation, latency)

    def loop_siws(self) -> tuple[list, list, list]:
        """The pipelined loop alone: SIWs (prologue, kernel, epilogue), lines, kernel loop region."""
        rows, lines, loops, _ = self._emitted()
        siws, kept = rows_to_code(rows, lines)
        return siws, kept, loops

    def code(self) -> SentronCode:
        """The whole sentron's code with this loop pipelined (the kernel is a loop region)."""
        loop = self.graph.loop
        siws, lines, loops = self.loop_siws()
        return splice(self.graph.code, [(loop.start, loop.end, siws, lines, loops)])

    def __repr__(self) -> str:
        names = "renamed" if self.renamed else "registers as written"
        return (f"ModuloSchedule({self.graph.code.name}: II {self.ii} (ResMII {self.res_mii}, RecMII "
                f"{self.rec_mii}), SC {self.stages}, L {self.length}, kernel x{self.unroll}, {names})")


def _heights(graph: LoopGraph, edges, ii: int) -> list[int]:
    h = [op.latency for op in graph.ops]
    for _ in range(len(h)):
        changed = False
        for e in edges:
            v = e.weight(ii) + h[e.dst]
            if v > h[e.src]:
                h[e.src], changed = v, True
        if not changed:
            break
    return h


def iterative_schedule(graph: LoopGraph, edges, ii: int, budget_ratio: int = BUDGET_RATIO):
    """Rau's IterativeSchedule at one II: a time per op, or None when the budget runs out."""
    n = len(graph.ops)
    pipe = [PIPE_SLOT[op.pipe] for op in graph.ops]
    height = _heights(graph, edges, ii)
    rank = sorted(range(n), key=lambda i: (-height[i], i))
    preds = [[e for e in edges if e.dst == i and e.src != i] for i in range(n)]
    succs = [[e for e in edges if e.src == i and e.dst != i] for i in range(n)]
    time, last, mrt = [None] * n, [None] * n, {}
    todo = list(rank)
    for _ in range(budget_ratio * n):
        if not todo:
            return time
        i = todo.pop(0)
        est = max([0] + [time[e.src] + e.weight(ii) for e in preds[i] if time[e.src] is not None])
        t = next((c for c in range(est, est + ii) if (pipe[i], c % ii) not in mrt), None)
        if t is None:
            t = est if last[i] is None or est > last[i] else last[i] + 1
        victims = {mrt.get((pipe[i], t % ii))} - {None}
        victims |= {e.dst for e in succs[i] if time[e.dst] is not None and time[e.dst] < t + e.weight(ii)}
        for v in victims:
            del mrt[(pipe[v], time[v] % ii)]
            time[v] = None
            todo.append(v)
        todo.sort(key=rank.index)
        time[i], last[i] = t, t
        mrt[(pipe[i], t % ii)] = i
    return time if not todo else None


def modulo_schedule(code: SentronCode, loop: Loop, config: MachineConfig | str = "seed", mode: str = "vliw",
                    slot_order: str = "DSC") -> ModuloSchedule:
    """Modulo-schedule one loop region of ``code`` (see the module doc)."""
    config = get_config(config)
    graph = loop_graph(code, loop, config, mode, slot_order)
    res = res_mii(graph)
    rec, recurrence = rec_mii(graph, renamed=True)
    rec_kept, _ = rec_mii(graph, renamed=False)
    start = max(res, rec, 1)
    top = start + sum(op.latency for op in graph.ops) + max((d.delay for d in graph.deps), default=0)
    for ii in range(start, top + 1):
        for renamed in (True, False):
            if not renamed and ii < rec_kept:
                continue
            times = iterative_schedule(graph, graph.edges(renamed), ii)
            if times is None:
                continue
            low = min(times)
            times = tuple(t - low for t in times)
            alloc = allocate(graph, times, ii, renamed)
            if alloc is not None:
                return ModuloSchedule(graph, ii, times, alloc, renamed, res, rec, recurrence)
    raise ScheduleError(f"no modulo schedule of {loop!r} with II up to {top}", sentron=code.name,  # pragma: no cover
                        hint="list-schedule the loop instead (pack)")


def pipeline_code(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
                  slot_order: str = "DSC") -> SentronCode:
    """One sentron's code with every innermost loop modulo-scheduled (when that is faster than
    list-scheduling its unrolled SIWs) and the straight-line code between them list-scheduled.
    Returns ``code`` itself when the result would not be faster."""
    graph = dependence_graph(code, config, mode, slot_order)

    def packed(start: int, end: int) -> tuple:
        s = best_schedule(subgraph(graph, start, end)).code()
        return (start, end, list(s.siws), list(s.lines), [])

    pieces, pc = [], 0
    for loop in sorted(code.innermost_loops(), key=lambda l: l.start):
        if pc < loop.start:
            pieces.append(packed(pc, loop.start))
        flat = packed(loop.start, loop.end)
        if loop.count < 2:        # nothing to overlap
            pieces.append(flat)
            pc = loop.end
            continue
        try:
            siws, lines, loops = modulo_schedule(code, loop, config, mode, slot_order).loop_siws()
            mine = (loop.start, loop.end, siws, lines, loops)
            pieces.append(min((mine, flat), key=lambda p: _piece_cycles(code, p, config, mode, slot_order)))
        except ScheduleError:
            pieces.append(flat)
        pc = loop.end
    if pc < len(code.siws):
        pieces.append(packed(pc, len(code.siws)))
    out = splice(code, pieces)
    slower = predicted_cycles(out, config, mode, slot_order) > predicted_cycles(code, config, mode, slot_order)
    return code if slower else out


def _piece_cycles(code: SentronCode, piece, config, mode, slot_order) -> tuple:
    part = replace(code, siws=tuple(piece[2]), lines=tuple(piece[3]), loops=())
    return predicted_cycles(part, config, mode, slot_order), len(piece[2])


def pipeline(program: Program, config: MachineConfig | str = "seed", mode: str = "vliw",
             slot_order: str = "DSC") -> Program:
    """Every sentron of ``program`` with its innermost loops software-pipelined (results unchanged:
    see ``validate``)."""
    from .sharing import sharing
    with sharing(program, mode, slot_order):
        return replace(program, sentrons=tuple(pipeline_code(c, config, mode, slot_order) for c in program.sentrons))


__all__ = ["ModuloSchedule", "modulo_schedule", "iterative_schedule", "pipeline", "pipeline_code", "BUDGET_RATIO"]
