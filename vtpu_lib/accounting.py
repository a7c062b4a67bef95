"""Where every slot of a run goes: each one charged to an op or to the reason it was lost.

A core offers three slots a cycle, one per pipe, so a run of ``cycles`` cycles on ``cores``
cores has 3 x cycles x cores slots. :func:`slot_account` reads the event log (through
``Trace.events``) and charges every slot to exactly one of:

* an **op** of that pipe: a filled slot of an issued SIW;
* **empty** (per pipe): the core issued, but no SIW it issued had an op for this pipe;
* a **stall** reason: the core issued nothing, and all three slots go to the reason the
  waiting SIW recorded (``dependence``, ``ppt-miss``, ``recv-wait``, ``barrier-wait``,
  ``pipe-busy``);
* **drain**: nothing is left to issue, the last results are still landing (the cycles between
  a sentron's last issue and its retire, which ``Counters.cycles`` includes);
* **idle** (machine-wide accounts only): a core none of whose sentrons has started yet or is
  still running, while sentrons on other cores are.

Hence ``ops + empty + stalls + drain + idle == 3 x cycles x cores`` (checked on every account),
and with **packing efficiency** = ops / (3 x issue cycles) and **stall efficiency** = issue
cycles / (cycles x cores)::

    ops/cycle = 3 x cores x packing efficiency x stall efficiency

which is ``3 x packing x stall`` for one sentron. Packing loses the empty slots of the cycles
that issued; stalls, drain and idle lose whole cycles.

**SMT** (several sentrons on one core). A machine-wide account counts per *core*-cycle: the
core's three slots hold the ops of every SIW its threads issued that cycle, and the cycle is an
*issue cycle* if any thread issued (so ``issue_cycles`` < ``siws`` when threads co-issue). In a
core-cycle where no thread issued, the three slots go to the reason of the thread that had
issue priority that cycle (the first of the core's threads the log shows stalling; a thread
still running beats one that is draining). ``pipe-busy`` therefore never appears machine-wide:
a thread is refused a pipe only when another thread of its core issued. The empty slots of such
cycles that the refused SIW had an op for are counted apart in ``contended`` (a part of
``empty``, never more). A one-sentron account (``sentron=``) sees that sentron as if it had the
core alone: its SIWs, its stalls (``pipe-busy`` included, 3 slots each), its drain.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .errors import VtpuInternalError
from .isa import EventKind, StallReason

PIPES = ("D", "S", "C")
REASONS = tuple(str(r) for r in StallReason)
_KINDS = (EventKind.START, EventKind.ISSUE, EventKind.STALL, EventKind.RETIRE)


@dataclass(frozen=True, slots=True)
class SlotAccount:
    """Every slot of a run (or of one sentron), by where it went; counts are slots, not cycles."""
    sentron: str | None       # the sentron's name, or None for the whole machine
    cycles: int
    cores: int                # 1 for a sentron's account
    siws: int                 # SIWs issued
    issue_cycles: int         # core-cycles in which at least one SIW issued (== siws without SMT)
    ops: dict                 # pipe -> ops (filled slots of issued SIWs)
    useful_ops: int           # ops that changed state (a part of ops)
    empty: dict               # pipe -> slots of issue cycles with no op for that pipe
    stalls: dict              # reason -> slots (3 per core-cycle that issued nothing)
    drain: int                # slots of cycles in which results were still landing
    idle: int                 # slots of cores with no sentron running
    contended: int = 0        # SMT: empty slots a thread refused pipe-busy had an op for (a part of empty)

    def __post_init__(self):
        total = sum(self.ops.values()) + sum(self.empty.values()) + sum(self.stalls.values()) + self.drain + self.idle
        if total != self.slots or not 0 <= self.contended <= sum(self.empty.values()):
            raise VtpuInternalError(f"slot account does not add up: {total} charged of {self.slots} slots "
                                    f"({self.cycles} cycles x {self.cores} cores x 3)")

    # -- totals --------------------------------------------------------------------------------
    @property
    def slots(self) -> int:
        return 3 * self.cycles * self.cores

    @property
    def op_count(self) -> int:
        return sum(self.ops.values())

    @property
    def empty_slots(self) -> int:
        return sum(self.empty.values())

    @property
    def stall_slots(self) -> int:
        return sum(self.stalls.values())

    @property
    def lost(self) -> int:
        """Slots that held no op."""
        return self.slots - self.op_count

    # -- the factorization -------------------------------------------------------------------
    def exact(self) -> dict:
        """The ratios as Fractions: ``ops_per_cycle == 3 * cores * packing * stall`` holds exactly."""
        issued = 3 * self.issue_cycles
        return {"packing_efficiency": Fraction(self.op_count, issued) if issued else Fraction(0),
                "stall_efficiency": (Fraction(self.issue_cycles, self.cycles * self.cores)
                                     if self.cycles else Fraction(0)),
                "ops_per_cycle": Fraction(self.op_count, self.cycles) if self.cycles else Fraction(0)}

    @property
    def packing_efficiency(self) -> float:
        """ops / (3 x issue cycles): how full the SIWs that issued were."""
        return float(self.exact()["packing_efficiency"])

    @property
    def stall_efficiency(self) -> float:
        """issue cycles / (cycles x cores): the share of cycles in which something issued."""
        return float(self.exact()["stall_efficiency"])

    @property
    def ops_per_cycle(self) -> float:
        """ops / cycles, as ``Counters.ops_per_cycle``: 3 x cores x packing x stall efficiency."""
        return float(self.exact()["ops_per_cycle"])

    @property
    def utilization(self) -> float:
        """ops / slots (``Counters.utilization``)."""
        return self.op_count / self.slots if self.slots else 0.0

    def categories(self) -> dict:
        """Slots by category, in a fixed order: 'D op', 'S op', 'C op', 'no D op', 'no S op',
        'no C op', then the stall reasons, 'drain' and 'idle' (the data behind the bar charts)."""
        out = {f"{p} op": self.ops[p] for p in PIPES}
        out.update({f"no {p} op": self.empty[p] for p in PIPES})
        out.update({r: self.stalls[r] for r in REASONS})
        out.update(drain=self.drain, idle=self.idle)
        return out

    def as_dict(self) -> dict:
        return {"sentron": self.sentron, "cycles": self.cycles, "cores": self.cores, "slots": self.slots,
                "siws": self.siws, "issue_cycles": self.issue_cycles, "ops": self.op_count,
                "ops_by_pipe": dict(self.ops), "useful_ops": self.useful_ops, "empty": dict(self.empty),
                "stalls": dict(self.stalls), "drain": self.drain, "idle": self.idle, "contended": self.contended,
                "packing_efficiency": self.packing_efficiency, "stall_efficiency": self.stall_efficiency,
                "ops_per_cycle": self.ops_per_cycle, "utilization": self.utilization}

    def __repr__(self) -> str:
        who = self.sentron or "machine"
        stalls = ", ".join(f"{r} {n}" for r, n in self.stalls.items() if n) or "none"
        pipes = lambda d: ", ".join(f"{p} {d[p]}" for p in PIPES)  # noqa: E731
        extra = f", idle {self.idle}" if self.idle else ""
        extra += f" ({self.contended} contended)" if self.contended else ""
        return (f"SlotAccount({who}: {self.cycles} cycles x {self.cores} core(s) x 3 = {self.slots} slots: "
                f"ops {self.op_count} ({pipes(self.ops)}), empty {self.empty_slots} ({pipes(self.empty)}), "
                f"stalls {self.stall_slots} ({stalls}), drain {self.drain}{extra}; packing "
                f"{self.packing_efficiency:.3f} x stall {self.stall_efficiency:.3f} -> "
                f"{self.ops_per_cycle:.2f} ops/cycle)")


def _filled(siw) -> int:
    return sum(1 << i for i, op in enumerate(siw.slots) if op is not None)


def slot_account(trace, sentron: int | str | None = None) -> SlotAccount:
    """Charge every slot of ``trace`` (or of one ``sentron``: a name or id) to an op or a reason;
    see the module doc for the categories and for how SMT threads count."""
    infos = trace.sentrons if sentron is None else (trace.info(sentron),)
    core_of = {s.id: (s.core if sentron is None else 0) for s in infos}
    codes = {s.id: s.code for s in infos}
    start, retire, last_issue = {}, {}, {}
    issued: dict[tuple, int] = {}        # (core, cycle) -> pipes used by the SIWs issued there
    first_stall: dict[tuple, str] = {}   # (core, cycle) -> the first stall reason the log shows
    refused: dict[tuple, int] = {}       # (core, cycle) -> pipes of the SIWs refused pipe-busy there
    ops, useful, siws = [0, 0, 0], 0, 0
    for e in trace.events(_KINDS, sentron=sentron):
        key = (core_of[e.sentron], e.cycle)
        if e.kind == EventKind.ISSUE:
            mask = _filled(codes[e.sentron].siws[e.pc])
            issued[key] = issued.get(key, 0) | mask
            siws += 1
            last_issue[e.sentron] = e.cycle
            for i in range(3):
                ops[i] += mask >> i & 1
                useful += (e.info & mask) >> i & 1
        elif e.kind == EventKind.STALL:
            first_stall.setdefault(key, str(e.info))
            if e.info == StallReason.PIPE_BUSY:
                refused[key] = refused.get(key, 0) | _filled(codes[e.sentron].siws[e.pc])
        elif e.kind == EventKind.START:
            start[e.sentron] = e.cycle
        else:
            retire[e.sentron] = e.cycle
    end = {sid: retire.get(sid, trace.cycle) for sid in start}
    t0, t1 = min(start.values(), default=0), max(end.values(), default=0)
    empty, contended = [0, 0, 0], 0
    for key, mask in issued.items():
        for i in range(3):
            empty[i] += 1 - (mask >> i & 1)
        contended += bin(refused.get(key, 0) & ~mask & 7).count("1")
    stalls = dict.fromkeys(REASONS, 0)
    for key, reason in first_stall.items():
        if key not in issued:
            stalls[reason] += 3
    cores = sorted(set(core_of.values()))
    drain = 3 * _drain_cycles(start, retire, last_issue, core_of, issued, first_stall, t1)
    active = len(issued) + sum(1 for key in first_stall if key not in issued)
    idle = 3 * (t1 - t0) * len(cores) - 3 * active - drain
    return SlotAccount(None if sentron is None else infos[0].name, t1 - t0, len(cores), siws, len(issued),
                       dict(zip(PIPES, ops)), useful, dict(zip(PIPES, empty)), stalls, drain, idle, contended)


def _drain_cycles(start, retire, last_issue, core_of, issued, first_stall, t1) -> int:
    """Core-cycles in which no thread of the core issued or stalled but one still had results
    landing (from after its last issue to its retire)."""
    draining: set[tuple] = set()
    for sid, done in retire.items():
        core = core_of[sid]
        for t in range(last_issue.get(sid, start[sid] - 1) + 1, min(done, t1)):
            if (core, t) not in issued and (core, t) not in first_stall:
                draining.add((core, t))
    return len(draining)


__all__ = ["SlotAccount", "slot_account", "PIPES", "REASONS"]
