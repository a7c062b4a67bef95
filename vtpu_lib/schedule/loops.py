"""Loops as graphs with iteration distances, and the bounds of software pipelining.

A ``.repeat`` block stays a loop region of the code (``SentronCode.loops``): ``count`` identical
copies of a ``body`` of SIWs. :func:`loop_graph` turns one into the graph a modulo scheduler
needs: the body's ops (iteration 0) and the dependences between them annotated with a
*distance* -- ``LoopDep(j -> j', distance d)`` says op j' of iteration k + d depends on op j of
iteration k. It is read off the flat dependence graph of the unrolled SIWs (see ``graph.py`` for
the delay rules), edge by edge, so memory distances come out exact: every iteration's coordinates
are resolved, and a scatter to x[i] read back two iterations later is distance 2, not "maybe".

The bounds on the initiation interval II (cycles between the starts of consecutive iterations):

* **ResMII** = max(N_D, N_S, N_C) of the body: one unit per pipe, so N_p ops of pipe p need N_p
  cycles per iteration.
* **RecMII**: the smallest II with no positive cycle when an edge weighs ``delay - II*distance``
  -- i.e. the largest ceil(delay / distance) over the recurrences, as LLVM's MachinePipeliner
  computes it. ``fma r0, r1, r2, r0`` is a recurrence of delay 4 (its latency under
  ``realistic``) and distance 1: RecMII 4.
* **MII** = max(ResMII, RecMII): Rau's iterative modulo scheduler starts its search there.
* **register lower bound** = ceil(sum of value lifetimes / II): at any cycle of the steady state
  that many values are live on average, so at least that many registers hold them (MaxLive).

What a run can never beat, for n iterations (``loop_lower_bound``): every pipe p issues its
n*N_p ops one per cycle, so T >= n*ResMII; and along a recurrence of delay D and distance d, op x
of iteration k + d cannot issue before D cycles after op x of iteration k, so
T >= floor((n-1)/d)*D + 1. With d = 1 (every register recurrence) that is (n-1)*RecMII + 1.
The recurrence part holds for every program computing the same expressions (``validate``):
splitting an accumulator reassociates, and escapes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..config import MachineConfig, get_config
from ..errors import ScheduleError, VtpuInternalError
from ..isa import Reg
from ..program import Loop, SentronCode
from .graph import MEMORY_ORDER, TIMING_KINDS, SchedOp, dependence_graph

REGISTER_KINDS = ("anti", "output")   # what renaming removes; true, memory and order deps stay


@dataclass(frozen=True, slots=True)
class LoopDep:
    """Op ``dst`` of iteration k + ``distance`` issues >= ``delay`` cycles after op ``src`` of iteration k."""
    src: int
    dst: int
    kind: str
    delay: int
    distance: int
    on: str

    def weight(self, ii: int) -> int:
        return self.delay - ii * self.distance

    def __repr__(self) -> str:
        return f"LoopDep({self.src} -> {self.dst} {self.kind} on {self.on}, delay {self.delay}, distance {self.distance})"


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A dependence cycle through the body: its ops in order, total delay and distance."""
    ops: tuple
    delay: int
    distance: int
    text: str

    @property
    def bound(self) -> int:
        """ceil(delay / distance): the II below which this recurrence cannot keep up."""
        return -(-self.delay // self.distance)

    def __repr__(self) -> str:
        return f"Recurrence({self.text}: delay {self.delay} / distance {self.distance} -> {self.bound})"


@dataclass(frozen=True, slots=True, eq=False)
class LoopGraph:
    """One loop region's body ops (iteration 0) and its dependences with distances."""
    code: SentronCode
    loop: Loop
    ops: tuple            # SchedOp, index = position in the body
    deps: tuple           # LoopDep
    config: MachineConfig
    mode: str

    def edges(self, renamed: bool = True, timing: bool = True) -> list:
        """The dependences a schedule must keep: all of them, or -- when every value gets its own
        registers (modulo variable expansion) -- all but register anti and output dependences.
        ``timing=False`` (for bounds) also leaves out prefetch distances, which the machine does not
        enforce, and the order of gathers and scatters among sync ops (private cells may move)."""
        return [d for d in self.deps if not (renamed and d.kind in REGISTER_KINDS)
                and (timing or (d.kind not in TIMING_KINDS and d.on != MEMORY_ORDER))]

    def __repr__(self) -> str:
        carried = sum(d.distance > 0 for d in self.deps)
        return (f"LoopGraph({self.code.name}: {self.loop!r}, {len(self.ops)} ops, {len(self.deps)} deps, "
                f"{carried} loop-carried)")


def loop_graph(code: SentronCode, loop: Loop, config: MachineConfig | str = "seed", mode: str = "vliw",
               slot_order: str = "DSC") -> LoopGraph:
    """The body of ``loop`` with every dependence between its iterations (see the module doc)."""
    if not isinstance(loop, Loop) or loop.start < 0 or loop.body < 1 or loop.count < 1 or loop.end > len(code.siws):
        raise ScheduleError(f"{loop!r} is not a loop region of this code ({len(code.siws)} SIWs)", sentron=code.name,
                            hint="take one from code.loops or code.innermost_loops()")
    body = code.siws[loop.start:loop.start + loop.body]
    if any(code.siws[loop.start + k * loop.body:loop.start + (k + 1) * loop.body] != body for k in range(loop.count)):
        raise ScheduleError(f"{loop!r}: its {loop.count} copies of the body are not all the same SIWs",
                            sentron=code.name, hint="take one from code.loops or code.innermost_loops()")
    prefix = replace(code, siws=code.siws[:loop.end], lines=tuple(code.lines[:loop.end]), loops=())
    flat_graph = dependence_graph(prefix, config, mode, slot_order)
    inside = [op for op in flat_graph.ops if op.pc >= loop.start]
    if not inside:
        raise ScheduleError(f"{loop!r} has no ops to schedule", sentron=code.name)
    first, per = inside[0].index, len(inside) // loop.count
    ops = tuple(replace(op, index=j) for j, op in enumerate(inside[:per]))
    best: dict = {}
    for d in flat_graph.deps:
        if d.src < first or d.dst < first:
            continue
        (ks, js), (kd, jd) = divmod(d.src - first, per), divmod(d.dst - first, per)
        key = (js, jd, d.kind, kd - ks)
        if key not in best or best[key].delay < d.delay:
            best[key] = LoopDep(js, jd, d.kind, d.delay, kd - ks, d.on)
    deps = tuple(sorted(best.values(), key=lambda d: (d.src, d.dst, d.distance, d.kind)))
    return LoopGraph(code, loop, ops, deps, get_config(config), mode)


def res_mii(graph: LoopGraph) -> int:
    """max(N_D, N_S, N_C) of the body: each pipe issues one op a cycle."""
    return max(sum(op.pipe == p for op in graph.ops) for p in "DSC")


def positive_cycle(n: int, edges, ii: int):
    """A cycle of positive weight (delay - ii*distance) among ``n`` ops, as a list of edges, or None
    (Bellman-Ford for longest paths from a virtual source joined to every op)."""
    dist, pred = [0] * n, [None] * n
    changed = None
    for _ in range(n + 1):
        changed = None
        for e in edges:
            w = dist[e.src] + e.weight(ii)
            if w > dist[e.dst]:
                dist[e.dst], pred[e.dst], changed = w, e, e.dst
        if changed is None:
            return None
    v = changed
    for _ in range(n):
        v = pred[v].src
    cycle, u = [], v
    while True:
        e = pred[u]
        cycle.append(e)
        u = e.src
        if u == v:
            return cycle[::-1]


def rec_mii(graph: LoopGraph, renamed: bool = True, timing: bool = True) -> tuple[int, Recurrence | None]:
    """The smallest II with no positive cycle, and the recurrence that sets it (0, None: none).
    ``renamed``, ``timing``: which dependences count (see ``LoopGraph.edges``)."""
    edges, n = graph.edges(renamed, timing), len(graph.ops)
    ii, worst = 0, None
    while (cycle := positive_cycle(n, edges, ii)) is not None:
        delay, distance = sum(e.delay for e in cycle), sum(e.distance for e in cycle)
        if distance <= 0:   # pragma: no cover - one iteration's ops form no positive cycle
            raise VtpuInternalError(f"a dependence cycle inside one iteration: {cycle}")
        ii, worst = -(-delay // distance), cycle
    if worst is None:
        return 0, None
    ops = tuple(e.src for e in worst)
    text = " -> ".join(f"`{graph.ops[i].instr}`" for i in ops + ops[:1])
    return ii, Recurrence(ops, sum(e.delay for e in worst), sum(e.distance for e in worst), text)


def mii(graph: LoopGraph, renamed: bool = True) -> int:
    """max(ResMII, RecMII, 1): the first II worth trying."""
    return max(res_mii(graph), rec_mii(graph, renamed)[0], 1)


def loop_lower_bound(graph: LoopGraph, n: int | None = None) -> int:
    """Cycles no run of ``n`` iterations (default: the loop's count) can beat: max(n*ResMII,
    floor((n-1)/d)*D + 1) for the recurrence (delay D, distance d) that sets RecMII (module doc)."""
    n = graph.loop.count if n is None else n
    _, rec = rec_mii(graph, timing=False)     # a bound: only what the machine enforces
    recurrence = (n - 1) // rec.distance * rec.delay + 1 if rec is not None else 0
    return max(n * res_mii(graph), recurrence)


def producers(graph: LoopGraph) -> tuple:
    """For each op, per register operand it reads: (the op whose value it reads, distance) --
    distance 0: written earlier in this iteration, 1: the previous iteration's last write (for
    iteration 0: what the loop starts with) -- or nothing for a value the loop never writes."""
    seq = graph.mode == "sequential"
    last_def: dict = {}
    for op in graph.ops:
        for r in op.instr.writes():
            last_def[r] = op.index
    out = []
    for op in graph.ops:
        row = {}
        for pos, (arg, spec) in enumerate(zip(op.instr.args, op.instr.spec.operands)):
            if not isinstance(arg, Reg) or spec.writes:
                continue
            earlier = [o.index for o in graph.ops[:op.index] if arg in o.instr.writes() and (seq or o.pc < op.pc)]
            if earlier:
                row[pos] = (earlier[-1], 0)
            elif arg in last_def:
                row[pos] = (last_def[arg], 1)
        out.append(row)
    return tuple(out)


def value_uses(graph: LoopGraph) -> dict[int, list]:
    """Per op that writes a register: the (reader, distance) pairs reading that value. A distance-1
    read by iteration 0 reads what the loop starts with, held where the value would be."""
    uses: dict[int, list] = {op.index: [] for op in graph.ops if op.writes}
    for reader, row in enumerate(producers(graph)):
        for j, d in row.values():
            uses[j].append((reader, d))
    return uses


def lifetimes(graph: LoopGraph, times, ii: int) -> dict[int, int]:
    """Cycles each value needs its register, from its issue to its last read (a value nobody reads
    still needs it until it lands). ``sequential`` mode adds a cycle: there, a write in the same
    SIW as the last read could run first."""
    strict = graph.mode == "sequential"
    out = {}
    for j, readers in value_uses(graph).items():
        last = max((times[r] + d * ii for r, d in readers), default=times[j])
        out[j] = max(graph.ops[j].latency, last - times[j] + strict)
    return out


def register_lower_bound(schedule) -> dict[str, int]:
    """ceil(sum of lifetimes / II) per register file ('r', 'p', 'm') of a modulo schedule's values."""
    spans = lifetimes(schedule.graph, schedule.times, schedule.ii)
    total: dict[str, int] = {}
    for j, span in spans.items():
        file = _file(schedule.graph.ops[j])
        total[file] = total.get(file, 0) + span
    return {f: math.ceil(s / schedule.ii) for f, s in sorted(total.items())}


def _file(op: SchedOp) -> str:
    return op.instr.writes()[0].file


__all__ = ["LoopDep", "Recurrence", "LoopGraph", "loop_graph", "res_mii", "rec_mii", "mii", "positive_cycle",
           "loop_lower_bound", "producers", "value_uses", "lifetimes", "register_lower_bound", "REGISTER_KINDS"]
