"""Small measurements for the tour of the machine in notebooks 00-02.

* :func:`useful_bounds` -- the mix and dependence bounds counting only the ops that did work
  (notebook 01 draws them over the useful ops/cycle bar);
* :func:`tier_probes` -- one cold gather per dimension from a home: what a PPT miss costs by
  locality tier (notebook 02);
* :func:`message_cycles` -- how long one message travels between two homes (notebook 02).

Each runs the machine or reads a run's counters; nothing here is drawn (that is ``viz``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..asm import assemble
from ..bounds import Bounds
from ..config import MachineConfig
from ..coord import DIM_NAMES, Coord, tier
from ..counters import Counters
from ..machine import run


def useful_bounds(bounds: Bounds, counters: Counters) -> Bounds:
    """``bounds`` of a straight-line program, recounted over the ops that did work in its run.

    An op that did nothing (a prefetch of a page already present) writes no register, so it is
    on no dependence chain: the critical path stays, only the op counts shrink. Compare them
    with useful ops/cycle; ``bounds`` itself bounds ops/cycle (every op)."""
    return Bounds(counters.useful_ops, dict(counters.useful_by_pipe), bounds.critical_path_cycles, bounds.peak)


@dataclass(frozen=True, slots=True)
class TierProbe:
    dim: int          # the dimension in which the cell differs from the home
    name: str         # its name (scroll ... cluster)
    cell: Coord
    tier: str         # L1, L2, L3, DRAM or remote
    cycles: int       # the probe's whole run: the gather until its value is readable


def tier_probes(home: Coord | str = "1.1.1", config: MachineConfig | str = "realistic") -> list[TierProbe]:
    """For each of the 11 dimensions, run one ``gather`` from ``home`` of the cell one step away
    in that dimension, with a cold PPT (nothing preloaded), and count the run's cycles."""
    home = Coord.parse(home) if isinstance(home, str) else home
    out = []
    for d, name in enumerate(DIM_NAMES):
        cell = home.moved(d, 1)
        probe = assemble(f".sentron probe home={home}\n.set p0 {cell}\n- | gather r1, p0 | -\n", file="probe.siw")
        out.append(TierProbe(d, name, cell, tier(home, cell), run(probe, config).counters().cycles))
    return out


def message_cycles(src: Coord | str, dst: Coord | str, config: MachineConfig | str = "realistic") -> int:
    """Cycles from the ``send`` of one message until it can be received, between a sender at
    home ``src`` and a receiver at home ``dst`` (measured from a run, not from the formula)."""
    text = (f".sentron a id=0 home={src}\n.set r0 1\n- | - | pack m0, r0\n- | - | send m0, b\n"
            f".sentron b id=1 home={dst}\n- | - | recv r1, a\n")
    (msg,) = run(assemble(text, file="message.siw"), config).messages()
    return msg.arrive_cycle - msg.sent_cycle


__all__ = ["useful_bounds", "TierProbe", "tier_probes", "message_cycles"]
