"""List scheduling: pack a program's ops into as few cycles as its dependences allow.

The classic cycle-by-cycle list scheduler (Graham 1966; the one in every VLIW compiler's back
end): in each cycle, of the ops whose predecessors are placed and whose delays have elapsed,
take them highest first -- the *height* is the longest delay path from an op to the end of the
program -- into the free slot of their pipe. An op's pipe is its slot, so a SIW holds at most one
op of each pipe. Cycles in which nothing can issue are not written out: the machine's scoreboard
waits there by itself, so the packed program has no empty SIWs and the same timing.

List scheduling is a heuristic: Graham's bound says it is within ``2 - 1/m`` of optimal for ``m``
identical units, and a longer latency or one more unit can make its schedule *longer* (an
anomaly). :func:`pack_code` therefore keeps the source's own order when that is no worse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..config import MachineConfig, get_config
from ..isa import PIPE_BIT
from ..program import SIW, Program, SentronCode
from .graph import DepGraph, page_key, dependence_graph


@dataclass(frozen=True, slots=True)
class Schedule:
    """Where every op of a :class:`DepGraph` goes: ``cycle[i]`` for op ``i`` (its slot is its pipe)."""
    graph: DepGraph
    cycle: tuple
    method: str   # "list" or "source order"

    @property
    def cycles(self) -> int:
        """Predicted cycles from the first issue to the last result landing (no PPT misses, no waits)."""
        return max((c + op.latency for c, op in zip(self.cycle, self.graph.ops)), default=0)

    @property
    def siw_count(self) -> int:
        return len(set(self.cycle))

    def code(self) -> SentronCode:
        """The scheduled sentron code: one SIW per non-empty cycle, slots by pipe."""
        rows: dict[int, list] = {}
        for op, c in zip(self.graph.ops, self.cycle):
            rows.setdefault(c, [None, None, None, 0])[("D", "S", "C").index(op.pipe)] = op.instr
            line = rows[c][3]
            rows[c][3] = op.line if not line or (op.line and op.line < line) else line
        ordered = [rows[c] for c in sorted(rows)]
        src = self.graph.code
        return replace(src, siws=tuple(SIW(*r[:3]) for r in ordered), lines=tuple(r[3] for r in ordered), loops=())

    def __repr__(self) -> str:
        return (f"Schedule({self.graph.code.name}: {len(self.graph.ops)} ops in {self.siw_count} SIWs, "
                f"{self.cycles} cycles predicted, {self.method})")


def source_schedule(graph: DepGraph) -> Schedule:
    """The source's own SIWs, in order, each issued as early as in-order issue and the delays allow."""
    t = [0] * len(graph.ops)
    members: dict[int, list[int]] = {}
    for op in graph.ops:
        members.setdefault(op.pc, []).append(op.index)
    last = -1
    for pc in sorted(members):
        inside = set(members[pc])
        start = max([last + 1] + [t[d.src] + d.delay for i in inside for d in graph.preds[i] if d.src not in inside])
        for i in inside:
            t[i] = start
        last = start
    return Schedule(graph, tuple(t), "source order")


def list_schedule(graph: DepGraph) -> Schedule:
    """Greedy cycle-by-cycle list schedule, highest op first (ties: program order)."""
    n_units = len(graph.units)
    height = graph.heights()
    unit_pipes = [sum(PIPE_BIT[graph.ops[i].pipe] for i in members) for members in graph.units]
    unit_height = [max(height[i] for i in members) for members in graph.units]
    waiting = [0] * n_units                 # unplaced predecessor units
    preds_of = [[] for _ in range(n_units)]  # (pred unit, delay)
    succs_of = [[] for _ in range(n_units)]
    for d in graph.deps:
        a, b = graph.unit_of[d.src], graph.unit_of[d.dst]
        if a != b:
            preds_of[b].append((a, d.delay))
            succs_of[a].append(b)
    for b in range(n_units):
        waiting[b] = len(preds_of[b])
    at = [-1] * n_units
    ready = [u for u in range(n_units) if waiting[u] == 0]
    placed, t = 0, 0
    while placed < n_units:
        used = 0
        progress = True
        while progress:          # delay-0 successors of this cycle's ops may join it
            progress = False
            for u in sorted((u for u in ready if _earliest(u, preds_of, at) <= t),
                            key=lambda u: (-unit_height[u], graph.units[u][0])):
                if unit_pipes[u] & used:
                    continue
                used |= unit_pipes[u]
                at[u] = t
                placed += 1
                ready.remove(u)
                for v in succs_of[u]:
                    waiting[v] -= 1
                    if waiting[v] == 0:
                        ready.append(v)
                        progress = True
        t += 1
    cycle = [0] * len(graph.ops)
    for u, members in enumerate(graph.units):
        for i in members:
            cycle[i] = at[u]
    return Schedule(graph, tuple(cycle), "list")


def _earliest(u: int, preds_of, at) -> int:
    return max((at[p] + delay for p, delay in preds_of[u]), default=0)


def pack_code(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
              slot_order: str = "DSC", warm: frozenset | None = None) -> Schedule:
    """The best schedule of one sentron's code: the list schedule, unless the source's own order
    takes fewer predicted cycles (list scheduling can lose: see the module doc); ties go to fewer SIWs.
    ``warm``: the pages translated before the run (gathers of others pay a first-touch miss)."""
    graph = dependence_graph(code, config, mode, slot_order, warm)
    listed, source = list_schedule(graph), source_schedule(graph)
    return listed if (listed.cycles, listed.siw_count) <= (source.cycles, source.siw_count) else source


def pack(program: Program, config: MachineConfig | str = "seed", mode: str = "vliw",
         slot_order: str = "DSC") -> Program:
    """Every sentron of ``program`` list-scheduled into SIWs (results unchanged: see ``validate``).

    The schedule's timing model knows latencies and first-touch misses but not every PPT effect
    (eviction, other sentrons' traffic), so the packed program is run against the source on the
    machine and the source is kept when it is faster: ``pack`` never makes a program slower."""
    from .sharing import sharing
    cfg = get_config(config)
    warm = frozenset(page_key(c, cfg.page_scrolls) for c, _ in program.preload)
    with sharing(program, mode, slot_order):
        codes = tuple(pack_code(code, cfg, mode, slot_order, warm).code() for code in program.sentrons)
    packed = replace(program, sentrons=codes)
    return packed if _cycles(packed, cfg, mode, slot_order) <= _cycles(program, cfg, mode, slot_order) else program


def _cycles(program: Program, config, mode: str, slot_order: str) -> int:
    from ..machine import run
    from ..errors import SimError
    try:
        return run(program, config, mode=mode, slot_order=slot_order).counters().cycles
    except SimError:      # a program that faults or deadlocks: its packed form is not judged by time
        return 0


__all__ = ["Schedule", "list_schedule", "source_schedule", "pack_code", "pack"]
