"""Lower bounds on the cycles any schedule of a sentron's code can take, and what sets each.

With N ops, N_D, N_S, N_C of them per pipe, CP the critical path of the dependence graph
(first issue to last result landing, with unlimited pipes):

* ``resource`` = max(N_D, N_S, N_C): one op per pipe per cycle.
* ``t_lb`` = max(CP, N_D, N_S, N_C): the textbook bound.
* ``ramp``: a pipe's N_P ops need N_P distinct cycles, none before the earliest any of them can
  issue (``e``), and the last still needs the shortest remaining path (``h``: its latency and
  what depends on it): T >= min e + N_P - 1 + min h. It is never below N_P and often tighter
  (eight gathers feeding mul -> add cannot finish in 8 cycles).
* ``bound_cycles`` = max(t_lb, ramp): the bound every kernel is measured against.

``dataflow=True`` drops the dependences a transformation may legally remove -- anti and output
dependences on registers (renaming removes them) and the chains of ``index`` ops through p
registers (an unrolled loop may compute its addresses from one base) -- so the bound holds for
every program that computes the same expressions with at least the same ops per pipe: the
packed, unrolled, modulo-scheduled and prefetched forms of a kernel alike. It does not hold for
a reassociated sum (multiple accumulators change the expressions and shorten the chain).

In ops per cycle: peak 3, the mix bound N / max(N_D, N_S, N_C), and N / bound_cycles. Every one of
these is a true lower bound on cycles (an upper bound on ops/cycle): tests run programs and
their schedules and check that no run beats it.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

from ..config import MachineConfig, get_config
from ..coord import hamming, tier
from ..program import Program, SentronCode
from .graph import MEMORY_ORDER, TIMING_KINDS, DepGraph, dependence_graph


@dataclass(frozen=True, slots=True)
class CodeBounds:
    """The bounds of one sentron's code (see the module doc)."""
    ops: int
    ops_by_pipe: dict
    critical_path: int
    ramp: int
    ramp_pipe: str

    @property
    def resource(self) -> int:
        return max(self.ops_by_pipe.values(), default=0)

    @property
    def t_lb(self) -> int:
        return max(self.critical_path, self.resource)

    @property
    def bound_cycles(self) -> int:
        return max(self.t_lb, self.ramp)

    @property
    def limited_by(self) -> str:
        """What sets ``bound_cycles``: 'dependences', 'the D pipe', ..."""
        if self.bound_cycles == self.critical_path:
            return "dependences"
        busiest = max(self.ops_by_pipe, key=self.ops_by_pipe.get)
        return f"the {self.ramp_pipe if self.bound_cycles == self.ramp else busiest} pipe"

    @property
    def mix(self) -> float:
        """Ops/cycle no schedule can beat on this pipe mix: N / max(N_D, N_S, N_C)."""
        return self.ops / self.resource if self.resource else 0.0

    @property
    def ops_per_cycle(self) -> float:
        """Ops/cycle at the bound: N / bound_cycles."""
        return self.ops / self.bound_cycles if self.bound_cycles else 0.0

    def as_dict(self) -> dict:
        return {"ops": self.ops, "ops_by_pipe": dict(self.ops_by_pipe), "critical_path": self.critical_path,
                "resource": self.resource, "ramp": self.ramp, "t_lb": self.t_lb,
                "bound_cycles": self.bound_cycles, "limited_by": self.limited_by, "mix": self.mix,
                "ops_per_cycle": self.ops_per_cycle}

    def __repr__(self) -> str:
        pipes = " ".join(f"{p}{n}" for p, n in self.ops_by_pipe.items())
        return (f"CodeBounds({self.ops} ops ({pipes}), critical path {self.critical_path}, "
                f"bound {self.bound_cycles} cycles set by {self.limited_by}, mix {self.mix:.2f} ops/cycle)")


def graph_bounds(graph: DepGraph) -> CodeBounds:
    """The bounds of an already built dependence graph."""
    e, h = graph.earliest(), graph.heights()
    by_pipe = {"D": 0, "S": 0, "C": 0}
    lo, hi = {}, {}
    for op in graph.ops:
        p = str(op.pipe)
        by_pipe[p] += 1
        lo[p] = min(lo.get(p, e[op.index]), e[op.index])
        hi[p] = min(hi.get(p, h[op.index]), h[op.index])
    ramps = {p: lo[p] + by_pipe[p] - 1 + hi[p] for p in lo}
    pipe = max(ramps, key=ramps.get, default="D")
    return CodeBounds(len(graph.ops), by_pipe, graph.critical_path(), ramps.get(pipe, 0), pipe)


def code_bounds(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
                slot_order: str = "DSC", *, dataflow: bool = False) -> CodeBounds:
    """The bounds of one sentron's code under ``config``'s latencies (see the module doc)."""
    graph = enforced_graph(dependence_graph(code, config, mode, slot_order))
    return graph_bounds(dataflow_graph(graph) if dataflow else graph)


def dataflow_graph(graph: DepGraph) -> DepGraph:
    """``graph`` without the dependences renaming can remove (see the module doc)."""
    keep = tuple(d for d in graph.deps if d.kind not in ("anti", "output") and not
                 (d.kind == "true" and d.on.startswith("p")))
    return DepGraph(graph.code, graph.ops, keep, graph.mode)


def enforced_graph(graph: DepGraph) -> DepGraph:
    """``graph`` without timing dependences (prefetch distance: the machine does not enforce them)
    and without the order of gathers and scatters among sync ops (a program-level pass may know
    the cells are private): a bound may drop constraints, never add them."""
    keep = tuple(d for d in graph.deps if d.kind not in TIMING_KINDS and d.on != MEMORY_ORDER)
    return graph if len(keep) == len(graph.deps) else DepGraph(graph.code, graph.ops, keep, graph.mode)


__all__ = ["CodeBounds", "code_bounds", "graph_bounds", "dataflow_graph", "enforced_graph"]


# -- many sentrons: message chains and shared cores ---------------------------------------------------

@dataclass(frozen=True, slots=True)
class ProgramBounds:
    """Bounds of a whole program: each sentron's, the critical path through messages (a recv
    cannot issue before its message arrives: send cycle + send_base + hops x per_hop), and each
    core's busiest pipe (SMT threads of one core share its pipes)."""
    sentrons: dict            # name -> CodeBounds
    system_critical_path: int
    core_resource: int
    cores: int

    @property
    def ops(self) -> int:
        return sum(b.ops for b in self.sentrons.values())

    @property
    def bound_cycles(self) -> int:
        return max([self.system_critical_path, self.core_resource] + [b.bound_cycles for b in self.sentrons.values()])

    @property
    def limited_by(self) -> str:
        if len(self.sentrons) == 1:
            return next(iter(self.sentrons.values())).limited_by
        if self.bound_cycles == self.system_critical_path:
            return "dependences through messages"
        name, b = max(self.sentrons.items(), key=lambda kv: kv[1].bound_cycles)
        return f"sentron {name}: {b.limited_by}" if b.bound_cycles == self.bound_cycles else "a shared core"

    @property
    def ops_per_cycle_per_core(self) -> float:
        return self.ops / (self.bound_cycles * self.cores) if self.bound_cycles else 0.0

    def as_dict(self) -> dict:
        return {"bound_cycles": self.bound_cycles, "limited_by": self.limited_by, "ops": self.ops,
                "system_critical_path": self.system_critical_path, "core_resource": self.core_resource,
                "cores": self.cores, "ops_per_cycle_per_core": self.ops_per_cycle_per_core,
                "sentrons": {n: b.as_dict() for n, b in self.sentrons.items()}}

    def __repr__(self) -> str:
        return (f"ProgramBounds({len(self.sentrons)} sentron(s) on {self.cores} core(s): {self.ops} ops, bound "
                f"{self.bound_cycles} cycles set by {self.limited_by})")


def program_bounds(program: Program, config: MachineConfig | str = "seed", mode: str = "vliw",
                   slot_order: str = "DSC", *, dataflow: bool = False, cold: bool = False) -> ProgramBounds:
    """The bounds of every sentron of ``program`` and of the program as a whole (see ProgramBounds).
    ``cold``: the run starts with an empty PPT, so no gather's value can land before its page's
    fill time (miss penalty + tier latency, counted from cycle 0) plus the gather's latency."""
    from .sharing import sharing
    cfg = get_config(config)
    with sharing(program, mode, slot_order):
        graphs = {c.name: enforced_graph(dependence_graph(c, cfg, mode, slot_order)) for c in program.sentrons}
    if dataflow:
        graphs = {n: dataflow_graph(g) for n, g in graphs.items()}
    per = {n: graph_bounds(g) for n, g in graphs.items()}
    cores: dict = {}
    for c in program.sentrons:
        core = c.id if c.core is None else c.core
        for p, n in per[c.name].ops_by_pipe.items():
            cores.setdefault(core, {}).setdefault(p, 0)
            cores[core][p] += n
    core_resource = max((max(v.values()) for v in cores.values()), default=0)
    return ProgramBounds(per, _system_critical_path(program, graphs, cfg, cold), core_resource, len(cores) or 1)


def _system_critical_path(program: Program, graphs: dict, cfg: MachineConfig, cold: bool = False) -> int:
    """Longest path through every sentron's dependences plus send -> matching recv edges. Only
    receives that name their sender are matched (k-th send from A to B <-> k-th `recv A` of B);
    a sentron with a `recv any` gets no message edges (a bound may drop constraints, never add)."""
    codes = {c.name: c for c in program.sentrons}
    ids = {c.id: c.name for c in program.sentrons}
    node = {}          # (sentron, op index) -> global node
    preds: dict[int, list] = {}
    lat, release, queued = [], [], []
    for name, g in graphs.items():
        home = codes[name].home
        waits = pipe_queue(g)
        for op in g.ops:
            node[name, op.index] = len(lat)
            preds[len(lat)] = []
            lat.append(op.latency)
            queued.append(waits[op.index])
            fill = 0
            if cold and op.is_load and op.addr is not None:
                fill = cfg.ppt_miss_penalty_cycles + cfg.tier_latency_cycles[tier(home, op.addr)]
            release.append(fill)       # the earliest cycle the gather's page can be translated
        for d in g.deps:
            preds[node[name, d.dst]].append((node[name, d.src], d.delay + (d.kind == "true") * 10**9))
    sends: dict[tuple, list] = {}
    for name, g in graphs.items():
        for op in g.ops:
            if op.instr.op == "send":
                dest = op.instr.args[1]
                dest = ids.get(dest, dest) if isinstance(dest, int) else dest
                sends.setdefault((name, dest), []).append(op)
            elif op.instr.op == "beacon":
                for other in codes.values():
                    if other.name != name and hamming(other.home, codes[name].home) <= op.instr.args[1]:
                        sends.setdefault((name, other.name), []).append(op)
    for name, g in graphs.items():
        recvs = [op for op in g.ops if op.instr.op == "recv"]
        if any(op.instr.args[1] == "any" for op in recvs):
            continue
        taken: dict[str, int] = {}
        for op in recvs:
            src = op.instr.args[1]
            src = ids.get(src, src) if isinstance(src, int) else src
            k = taken.get(src, 0)
            taken[src] = k + 1
            matching = sends.get((src, name), [])
            if k < len(matching) and src in codes:
                hops = hamming(codes[src].home, codes[name].home)
                delay = cfg.send_base_cycles + cfg.send_cycles_per_hop * hops
                preds[node[name, op.index]].append((node[src, matching[k].index], delay))
    try:
        order = list(graphlib.TopologicalSorter({v: [u for u, _ in ps] for v, ps in preds.items()}).static_order())
    except graphlib.CycleError:
        return 0   # a program whose messages wait on each other in a circle (it deadlocks): no system bound
    t, ready = [0] * len(lat), [0] * len(lat)   # issue; and issue as seen by readers of the value
    for v in order:
        t[v] = max(max((_after(t, ready, u, delay) for u, delay in preds[v]), default=0), queued[v])
        ready[v] = max(t[v], release[v])
    return max((ready[v] + lat[v] for v in range(len(lat))), default=0)


def pipe_queue(graph: DepGraph) -> list[int]:
    """Per op, the first cycle it can issue because of the ops that must come before it on the
    sentron's own pipes: every ancestor in the graph issues no later than the op, and the ancestors
    of one pipe take distinct cycles from 0 -- so n ancestors on the op's own pipe put it at cycle
    n or later, n on another pipe at n - 1 or later (it may share the last one's SIW)."""
    masks = {p: 0 for p in "DSC"}
    for op in graph.ops:
        masks[str(op.pipe)] |= 1 << op.index
    anc = [0] * len(graph.ops)
    out = [0] * len(graph.ops)
    for u in graph.order:
        for i in graph.units[u]:
            a = 0
            for d in graph.preds[i]:
                if graph.unit_of[d.src] != u:
                    a |= anc[d.src] | 1 << d.src
            anc[i] = a
            own = str(graph.ops[i].pipe)
            out[i] = max((a & m).bit_count() - (p != own) for p, m in masks.items())
    return out


def _after(t, ready, u: int, delay: int) -> int:
    """The first issue cycle an edge from ``u`` allows: true edges (marked by +1e9) wait for u's value."""
    if delay >= 10**9:
        return ready[u] + delay - 10**9
    return t[u] + delay


__all__ += ["ProgramBounds", "program_bounds"]
