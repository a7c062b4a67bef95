"""What a REPL session holds, and how a typed SIW runs on the active sentron.

:class:`State` is plain data: the :class:`~vtpu_lib.machine.Machine` (memory, PPT, message network
and the sentrons with their registers), the active sentron's id, the
:class:`~vtpu_lib.stepper.Stepper` of a loaded program, and the record of the SIWs typed so far.
Undo keeps whole copies of it (``copy.deepcopy``, what ``Machine.fork`` does), so any command
can be taken back, a ``load`` or a ``spawn`` as well as an ``add``.

A typed op (``add r1 r0 r0``, ``siw ...``) is a one-SIW program run by :func:`run_siw` on a
machine of its own that *shares* the session's memory, PPT and network and starts at the
session's cycle, with the active sentron's registers copied in and back out. So its ops/cycle
is measured by the library's counters -- 1 op in 3 cycles is 0.33 for a ``mul`` under the
realistic preset -- and cycles, PPT state and messages carry on from command to command.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, replace

from ..counters import Counters, PPTStats
from ..machine import Machine
from ..program import SIW, SentronCode
from ..stepper import Stepper

SIW_MAX_CYCLES = 10_000   # one SIW: far more than a gather miss or a message from the far side


@dataclass(eq=False)
class State:
    machine: Machine
    active: int                          # id of the active sentron
    stepper: Stepper | None = None       # while a loaded program is being stepped (its .machine is machine)
    program: str | None = None           # the file or example it came from
    runs: list = field(default_factory=list)       # Counters of every typed SIW
    timeline: list = field(default_factory=list)   # their timeline lines, cycle by cycle

    def __deepcopy__(self, memo):
        """A copy for undo; a stepper's stopping error is shared (an exception is not copied)."""
        if self.stepper is not None and self.stepper.error is not None:
            memo[id(self.stepper.error)] = self.stepper.error
        new = State.__new__(State)
        for name, value in vars(self).items():
            setattr(new, name, copy.deepcopy(value, memo))
        return new

    @property
    def sentron(self):
        return self.machine.sentron(self.active)


def new_machine(config, mode: str, seed: int) -> tuple[Machine, int]:
    """A machine with one sentron, ``s0`` (id 0) at the origin 1.1.1/1.1.1/1.1.1.1.1, as asi starts."""
    m = Machine(config, mode=mode, seed=seed)
    m.add_sentron(SentronCode(name="s0", id=0), start=False, source="repl")
    return m, 0


def run_siw(state: State, siw: SIW):
    """Run ``siw`` as a one-SIW program on the active sentron's registers; returns its Trace."""
    base, sid = state.machine, state.active
    m = Machine(base.config, mode=base.mode, slot_order=base.slot_order, seed=base.seed,
                max_cycles=SIW_MAX_CYCLES)
    m.memory, m.ppt, m.network = base.memory, base.ppt, base.network   # shared, not copied
    m.log.messages = base.log.messages   # the log finds message seq n at entry n-1: one list, like the network
    m.cycle = base.cycle
    for s in base.sentrons.values():   # every sentron, so a send or recv can name any of them
        code = SentronCode(name=s.name, id=s.id, home=s.home, core=s.core, thread=s.thread,
                           siws=(siw,) if s.id == sid else ())
        m.add_sentron(code, start=False, regs=s.registers(), source="repl")
    me, mine = m.sentron(sid), base.sentron(sid)
    me.temperature = mine.temperature
    m.start(sid)
    trace = m.run()
    for name, value in me.registers().items():
        base.set_register(sid, name, value)
    mine.temperature = me.temperature
    base.cycle = m.cycle
    lines = trace.timeline(sid)   # '     7 | add r1, r0, r0 | - | -': add who issued it
    state.runs.append(trace.counters())
    state.timeline.extend(f"{line[:6]} {me.name:>8} {line[7:]}" for line in lines.splitlines())
    return trace


def summed(counters: list[Counters]) -> Counters:
    """The counters of several runs added up (ops/cycle of the sum, not the mean of the ratios)."""
    first = counters[0]
    total = replace(first, ops_by_pipe=dict(first.ops_by_pipe), useful_by_pipe=dict(first.useful_by_pipe),
                    nops_by_pipe=dict(first.nops_by_pipe), stalls=dict(first.stalls))
    for c in counters[1:]:
        for key in ("ops_by_pipe", "useful_by_pipe", "nops_by_pipe", "stalls"):
            mine = getattr(total, key)
            for k, v in getattr(c, key).items():
                mine[k] = mine.get(k, 0) + v
        total = replace(total, cycles=total.cycles + c.cycles, siws=total.siws + c.siws, ops=total.ops + c.ops,
                        useful_ops=total.useful_ops + c.useful_ops, ppt=ppt_sum([total.ppt, c.ppt]),
                        messages_sent=total.messages_sent + c.messages_sent,
                        messages_received=total.messages_received + c.messages_received)
    return total


def ppt_sum(stats: list[PPTStats]) -> PPTStats:
    fields = PPTStats.__dataclass_fields__
    sums = {k: sum(getattr(s, k) for s in stats) for k in fields if k != "hit_rate"}
    return PPTStats(**sums, hit_rate=sums["hits"] / sums["accesses"] if sums["accesses"] else 0.0)


def ppt_totals(state: State) -> PPTStats:
    """Every PPT access of the session: the host's and a loaded program's (the machine's event
    log) plus every typed SIW's."""
    return ppt_sum([state.machine.trace().counters().ppt] + [c.ppt for c in state.runs])


def fmt(v) -> str:
    """A register or memory value as a learner reads it: 10 for 10.0, 2.5, -0.0, inf, nan;
    coordinates in full (the short forms are only for typing); messages as (a, b)."""
    if isinstance(v, float):
        whole = v.is_integer() and abs(v) < 1e15 and not (v == 0.0 and math.copysign(1.0, v) < 0)
        return str(int(v)) if whole else repr(v)
    if isinstance(v, tuple) and not hasattr(v, "short"):
        return "(" + ", ".join(fmt(x) for x in v) + ")"
    return str(v)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


__all__ = ["State", "new_machine", "run_siw", "summed", "ppt_sum", "ppt_totals", "fmt", "plural", "SIW_MAX_CYCLES"]
