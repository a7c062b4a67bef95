"""Upper bounds on ops/cycle, to draw beside what a run achieved.

* peak: 3 -- one op per pipe per cycle.
* mix bound: N / max(N_D, N_S, N_C) -- each pipe issues at most one op per cycle, so the
  busiest pipe needs at least that many cycles.
* dependence bound: N / critical path -- no schedule finishes before its longest chain of
  register dependences (each op waiting for its sources' latencies). Memory dependences
  through the same cell are not tracked (addresses live in p registers); it is a bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import MachineConfig, get_config
from .program import SentronCode
from .machine.state import flat


@dataclass(frozen=True, slots=True)
class Bounds:
    ops: int
    ops_by_pipe: dict
    critical_path_cycles: int
    peak: float = 3.0

    @property
    def mix(self) -> float:
        busiest = max(self.ops_by_pipe.values())
        return self.ops / busiest if busiest else 0.0

    @property
    def dependence(self) -> float:
        return self.ops / self.critical_path_cycles if self.critical_path_cycles else 0.0

    @property
    def best(self) -> float:
        """The tightest of the three bounds."""
        return min(self.peak, self.mix, self.dependence)


def bounds(code: SentronCode, config: MachineConfig | str = "seed") -> Bounds:
    """Bounds for one sentron's code, in either mode. A slot that reads what an earlier slot of
    the same SIW writes sees the old value (vliw) or the new one at once (sequential); either way
    the SIW cannot issue before that register's previous value has landed (the scoreboard waits
    on destinations too), so every slot's reads are timed against the values before the SIW."""
    lat = get_config(config).latency_cycles
    finish: dict[int, int] = {}   # register -> cycle its latest value is ready
    per_pipe = {"D": 0, "S": 0, "C": 0}
    path = 0
    for siw in code.siws:
        before = dict(finish) if len(siw.ops()) > 1 else finish
        for pipe, op in zip("DSC", siw.slots):
            if op is None:
                continue
            per_pipe[pipe] += 1
            start = max((before.get(flat(r), 0) for r in op.reads()), default=0)
            done = start + lat[op.spec.latency_key]
            for r in op.writes():
                finish[flat(r)] = done
            path = max(path, done)
    return Bounds(sum(per_pipe.values()), per_pipe, path)


__all__ = ["Bounds", "bounds"]
