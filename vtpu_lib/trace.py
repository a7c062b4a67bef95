"""The immutable record of a run, and every counter derived from it.

A :class:`Trace` holds the machine's single event log plus the programs and final state.
:meth:`Trace.counters` derives cycles, ops, ops/cycle, useful ops/cycle, utilization,
stalls by reason and PPT statistics -- there is no other source of these numbers.
Event tuples are ``(cycle, sentron_id, kind, a, b)`` with kinds:

=========  ================================  ==========================================
kind       a                                 b
=========  ================================  ==========================================
start      --                                --
issue      pc of the SIW                     effect mask (D=1, S=2, C=4: ops that did work)
stall      pc of the SIW                     reason: dependence, ppt-miss, recv-wait, ...
ppt        gather/scatter/prefetch/host-*    (coord, outcome, late, first use of a prefetch)
send       receiver id                       (arrival cycle, values, message number)
recv       sender id                         (values, message number)
retire     pc (= number of SIWs)             --
=========  ================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .coord import Coord
from .execute import STALL_REASONS
from .program import SentronCode, siw_line

PIPE_NAMES = ("D", "S", "C")


@dataclass(frozen=True, slots=True)
class SentronInfo:
    id: int
    name: str
    home: Coord
    core: int
    thread: int
    code: SentronCode
    start_cycle: int | None
    retire_cycle: int | None
    state: str
    registers: dict

    @property
    def label(self) -> str:
        return f"{self.name} (id {self.id})"


@dataclass(frozen=True, slots=True)
class MessageRecord:
    """One message's life, from the event log."""
    seq: int
    src: int
    dst: int
    sent_cycle: int
    arrive_cycle: int
    recv_cycle: int | None   # None: never received
    values: tuple


@dataclass(frozen=True, slots=True)
class PPTStats:
    accesses: int
    hits: int
    misses: int
    hit_rate: float
    compulsory: int
    capacity: int
    conflict: int
    prefetches: int          # prefetch ops issued
    prefetch_installs: int   # ... that brought a page in (the rest found it present)
    prefetch_used: int       # installs later hit by a demand access (accuracy = used / installs)
    late_hits: int           # demand hits on a page a prefetch was still bringing in


@dataclass(frozen=True, slots=True)
class Counters:
    cycles: int
    siws: int
    ops: int
    useful_ops: int
    ops_by_pipe: dict
    useful_by_pipe: dict
    nops_by_pipe: dict
    stalls: dict             # stall cycles by reason
    ppt: PPTStats
    messages_sent: int
    messages_received: int

    @property
    def ops_per_cycle(self) -> float:
        return self.ops / self.cycles if self.cycles else 0.0

    @property
    def useful_ops_per_cycle(self) -> float:
        return self.useful_ops / self.cycles if self.cycles else 0.0

    @property
    def utilization(self) -> float:
        """Fraction of the 3 slots per cycle that held an op."""
        return self.ops / (3 * self.cycles) if self.cycles else 0.0

    @property
    def pipe_utilization(self) -> dict:
        return {p: (n / self.cycles if self.cycles else 0.0) for p, n in self.ops_by_pipe.items()}

    def as_dict(self) -> dict:
        p = self.ppt
        return {
            "cycles": self.cycles, "siws": self.siws, "ops": self.ops, "useful_ops": self.useful_ops,
            "ops_per_cycle": self.ops_per_cycle, "useful_ops_per_cycle": self.useful_ops_per_cycle,
            "utilization": self.utilization, "pipe_utilization": self.pipe_utilization,
            "ops_by_pipe": dict(self.ops_by_pipe), "useful_ops_by_pipe": dict(self.useful_by_pipe),
            "nops_by_pipe": dict(self.nops_by_pipe), "stall_cycles": dict(self.stalls),
            "ppt": {"accesses": p.accesses, "hits": p.hits, "misses": p.misses, "hit_rate": p.hit_rate,
                    "compulsory": p.compulsory, "capacity": p.capacity, "conflict": p.conflict,
                    "prefetches": p.prefetches, "prefetch_installs": p.prefetch_installs,
                    "prefetch_used": p.prefetch_used, "late_hits": p.late_hits},
            "messages_sent": self.messages_sent, "messages_received": self.messages_received,
        }

    def summary(self) -> str:
        """A few readable lines (what the CLI prints)."""
        pipes = "  ".join(f"{k}={v}" for k, v in self.ops_by_pipe.items())
        stalls = "  ".join(f"{k}={v}" for k, v in self.stalls.items() if v) or "none"
        p = self.ppt
        return (f"cycles {self.cycles}  SIWs {self.siws}  ops {self.ops} ({pipes})  useful ops {self.useful_ops}\n"
                f"ops/cycle {self.ops_per_cycle:.2f}  useful ops/cycle {self.useful_ops_per_cycle:.2f}  "
                f"utilization {100 * self.utilization:.1f}%\n"
                f"stall cycles: {stalls}\n"
                + (f"PPT: {p.hits} hits / {p.accesses} accesses = {100 * p.hit_rate:.1f}%  "
                   f"(misses: {p.compulsory} compulsory, {p.capacity} capacity, {p.conflict} conflict)"
                   if p.accesses else "PPT: no accesses"))


@dataclass(frozen=True)
class Trace:
    events: tuple
    sentrons: tuple[SentronInfo, ...]
    memory: dict = field(repr=False)
    config_name: str = "seed"
    mode: str = "vliw"
    cycle: int = 0
    recorded: bool = True   # False: Machine(record=False) kept no event log

    @classmethod
    def from_machine(cls, m) -> "Trace":
        infos = tuple(SentronInfo(s.id, s.name, s.home, s.core, s.thread, s.code, s.start_cycle,
                                  s.retire_cycle, s.state, s.registers())
                      for s in m.sentrons.values())
        return cls(tuple(m.events), infos, m.memory.cells(), m.config.name, m.mode, m.cycle, m.record)

    def info(self, who: int | str) -> SentronInfo:
        for s in self.sentrons:
            if who in (s.id, s.name):
                return s
        raise KeyError(f"no sentron {who!r} in this trace")

    @property
    def registers(self) -> dict:
        """Final registers of a single-sentron run."""
        assert len(self.sentrons) == 1, "use trace.info(name).registers"
        return self.sentrons[0].registers

    def counters(self, sentron: int | str | None = None) -> Counters:
        """Counters for one sentron, or for the whole machine (including host PPT accesses)."""
        if not self.recorded:
            from .errors import VtpuError
            raise VtpuError("this run kept no event log (Machine(record=False)), so nothing can be counted",
                            hint="run with record=True (the default) to get counters")
        only = None if sentron is None else self.info(sentron).id
        infos = self.sentrons if only is None else (self.info(only),)
        codes = {s.id: s.code for s in self.sentrons}
        starts = [s.start_cycle for s in infos if s.start_cycle is not None]
        ends = [s.retire_cycle for s in infos if s.retire_cycle is not None]
        cycles = (max(ends) - min(starts)) if starts and ends else 0
        ops = dict.fromkeys(PIPE_NAMES, 0)
        useful = dict.fromkeys(PIPE_NAMES, 0)
        nops = dict.fromkeys(PIPE_NAMES, 0)
        stalls = dict.fromkeys(STALL_REASONS, 0)
        ppt = {"hit": 0, "compulsory": 0, "capacity": 0, "conflict": 0, "installed": 0, "present": 0}
        used = late = sent = received = siws = 0
        for t, sid, kind, a, b in self.events:
            if only is not None and sid != only:
                continue
            if kind == "issue":
                siws += 1
                for i, (p, op) in enumerate(zip(PIPE_NAMES, codes[sid].siws[a].slots)):
                    if op is None:
                        nops[p] += 1
                    else:
                        ops[p] += 1
                        useful[p] += (b >> i) & 1
            elif kind == "stall":
                stalls[b] += 1
            elif kind == "ppt":
                ppt[b[1]] += 1
                used += b[3]
                late += b[2]
            elif kind == "send":
                sent += 1
            elif kind == "recv":
                received += 1
        misses = ppt["compulsory"] + ppt["capacity"] + ppt["conflict"]
        accesses = ppt["hit"] + misses
        stats = PPTStats(accesses, ppt["hit"], misses, ppt["hit"] / accesses if accesses else 0.0,
                         ppt["compulsory"], ppt["capacity"], ppt["conflict"],
                         ppt["installed"] + ppt["present"], ppt["installed"], used, late)
        return Counters(cycles, siws, sum(ops.values()), sum(useful.values()), ops, useful, nops,
                        stalls, stats, sent, received)

    # -- views -------------------------------------------------------------------------------
    def timeline(self, sentron: int | str | None = None, first: int = 0, last: int | None = None) -> str:
        """One line per cycle (and sentron): the SIW issued, or the stall and its reason."""
        codes = {s.id: s for s in self.sentrons}
        only = None if sentron is None else self.info(sentron).id
        many = len(self.sentrons) > 1 and only is None
        lines = []
        for t, sid, kind, a, b in self.events:
            if kind not in ("issue", "stall") or (only is not None and sid != only):
                continue
            if t < first or (last is not None and t > last):
                continue
            who = f"{codes[sid].name:>8} " if many else ""
            if kind == "issue":
                lines.append(f"{t:6d} {who}| {siw_line(codes[sid].code.siws[a])}")
            else:
                lines.append(f"{t:6d} {who}| stall: {b:<13} (waiting to issue SIW {a}: "
                             f"{siw_line(codes[sid].code.siws[a], (0, 0, 0))})")
        return "\n".join(lines)

    def messages(self) -> list[MessageRecord]:
        """Every message sent, matched with the cycle it was received (if it was)."""
        received = {b[1]: t for t, _, kind, _, b in self.events if kind == "recv"}
        return [MessageRecord(b[2], sid, a, t, b[0], received.get(b[2]), b[1])
                for t, sid, kind, a, b in self.events if kind == "send"]

    def ppt_series(self, sentron: int | str | None = None, include_host: bool = False) -> list[tuple]:
        """Demand PPT accesses in order: ``(cycle, hit, coord, outcome)`` (data for the hit-rate plot)."""
        only = None if sentron is None else self.info(sentron).id
        out = []
        for t, sid, kind, a, b in self.events:
            if kind != "ppt" or a == "prefetch" or (sid < 0 and not include_host):
                continue
            if only is None or sid == only:
                out.append((t, b[1] == "hit", b[0], b[1]))
        return out

    def slot_rows(self, sentron: int | str | None = None) -> list[tuple]:
        """Per cycle of one sentron: ``(cycle, None, [(pipe, op text, status) x3])`` for an
        issued SIW (status 'work', 'no-effect' or 'nop'), or ``(cycle, reason, [])`` for a stall.
        The data behind the slot timeline picture (``viz.slot_timeline``)."""
        info = self.sentrons[0] if sentron is None else self.info(sentron)
        rows = []
        for t, sid, kind, a, b in self.events:
            if sid != info.id:
                continue
            if kind == "issue":
                cells = []
                for i, (p, op) in enumerate(zip(PIPE_NAMES, info.code.siws[a].slots)):
                    status = "nop" if op is None else ("work" if (b >> i) & 1 else "no-effect")
                    cells.append((p, "-" if op is None else str(op), status))
                rows.append((t, None, cells))
            elif kind == "stall":
                rows.append((t, b, []))
        return rows

    def to_json_dict(self) -> dict:
        """The CLI's --json object."""
        out = {"config": self.config_name, "mode": self.mode, **self.counters().as_dict()}
        if len(self.sentrons) == 1:
            regs = self.sentrons[0].registers
            out["registers"] = {k: v for k, v in regs.items() if k.startswith("r")}
        out["sentrons"] = [{"id": s.id, "name": s.name, "home": str(s.home), "core": s.core,
                            "thread": s.thread, "state": s.state,
                            "registers": {k: v for k, v in s.registers.items() if k.startswith("r")},
                            **self.counters(s.id).as_dict()} for s in self.sentrons]
        out["memory"] = [{"coord": str(c), "value": v} for c, v in self.memory.items()]
        return out
