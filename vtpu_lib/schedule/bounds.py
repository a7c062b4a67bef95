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

In ops per cycle: peak 3, the mix bound N / max(N_D, N_S, N_C), and N / bound_cycles. Every one of
these is a true lower bound on cycles (an upper bound on ops/cycle): tests run programs and
their schedules and check that no run beats it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import MachineConfig
from ..program import SentronCode
from .graph import DepGraph, dependence_graph


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
                slot_order: str = "DSC") -> CodeBounds:
    """The bounds of one sentron's code under ``config``'s latencies (see the module doc)."""
    return graph_bounds(dependence_graph(code, config, mode, slot_order))


__all__ = ["CodeBounds", "code_bounds", "graph_bounds"]
