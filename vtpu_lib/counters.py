"""Counters: every number the notebooks report about a run, derived from the event log alone.

:func:`count` makes one pass over the log's records (``Trace.counters`` calls it). Ops are
filled slots of issued SIWs -- a NOP is never an op; *useful* ops are the ops whose effect bit
is set (a prefetch of a page already present did nothing). Cycles run from a sentron's start
to the cycle its last result lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from .isa import StallReason
from .machine.events import K_ISSUE, K_PPT, K_RECV, K_SEND, K_STALL, PPT_OUTCOMES, REASONS

PIPE_NAMES = ("D", "S", "C")


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
    cores: int = 1           # cores whose slots are counted (threads of one core share its pipes)

    @property
    def ops_per_cycle(self) -> float:
        return self.ops / self.cycles if self.cycles else 0.0

    @property
    def useful_ops_per_cycle(self) -> float:
        return self.useful_ops / self.cycles if self.cycles else 0.0

    @property
    def utilization(self) -> float:
        """Fraction of the slots that held an op: 3 per core per cycle."""
        return self.ops / (3 * self.cycles * self.cores) if self.cycles else 0.0

    @property
    def pipe_utilization(self) -> dict:
        """Per pipe: ops / (cycles x cores), the fraction of that pipe's slots that held an op."""
        slots = self.cycles * self.cores
        return {p: (n / slots if slots else 0.0) for p, n in self.ops_by_pipe.items()}

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

    def __repr__(self) -> str:
        return (f"Counters(cycles={self.cycles:,}, SIWs={self.siws:,}, ops={self.ops:,}, useful={self.useful_ops:,}, "
                f"ops/cycle={self.ops_per_cycle:.2f}, stalls={sum(self.stalls.values()):,}, "
                f"PPT hit rate={self.ppt.hit_rate:.3f})")


def _filled(siw) -> int:
    """Bit mask of a SIW's filled slots (D=1, S=2, C=4)."""
    return sum(1 << i for i, op in enumerate(siw.slots) if op is not None)


def count(columns, log, codes, infos, only: int | None) -> Counters:
    """One pass over ``columns`` (cycle, sentron index, code, arg) of ``log``; ``codes`` are the
    sentrons' SentronCode by index; ``only`` a sentron index to count, or None for everything."""
    starts = [s.start_cycle for s in infos if s.start_cycle is not None]
    ends = [s.retire_cycle for s in infos if s.retire_cycle is not None]
    cycles = (max(ends) - min(starts)) if starts and ends else 0
    filled_by_mask = [0] * 8    # issue records by (filled slots mask)
    useful_bits = [0] * 3
    stalls = [0] * len(REASONS)
    outcomes = [0] * len(PPT_OUTCOMES)
    used = late = sent = received = 0
    masks: dict[int, int] = {}  # id(SIW) -> filled mask (SIWs of repeated lines are shared)
    for _, sidx, code, arg in columns:
        if only is not None and sidx != only:
            continue
        k = code & 7
        if k == K_ISSUE:
            siw = codes[sidx].siws[arg]
            filled = masks.get(id(siw))
            if filled is None:
                filled = masks[id(siw)] = _filled(siw)
            filled_by_mask[filled] += 1
            effect = (code >> 3) & filled
            if effect:
                for i in range(3):
                    useful_bits[i] += effect >> i & 1
        elif k == K_STALL:
            stalls[code >> 3] += 1
        elif k == K_PPT:
            p = code >> 3
            outcomes[p >> 3 & 7] += 1
            late += p >> 6 & 1
            used += p >> 7 & 1
        elif k == K_SEND:
            sent += 1
        elif k == K_RECV:
            received += 1
    siws = sum(filled_by_mask)
    ops = {p: sum(n for mask, n in enumerate(filled_by_mask) if mask >> i & 1) for i, p in enumerate(PIPE_NAMES)}
    nops = {p: siws - ops[p] for p in PIPE_NAMES}
    useful = dict(zip(PIPE_NAMES, useful_bits))
    o = dict(zip(PPT_OUTCOMES, outcomes))
    misses = o["compulsory"] + o["capacity"] + o["conflict"]
    accesses = o["hit"] + misses
    ppt = PPTStats(accesses, o["hit"], misses, o["hit"] / accesses if accesses else 0.0, o["compulsory"],
                   o["capacity"], o["conflict"], o["installed"] + o["present"], o["installed"], used, late)
    cores = len({s.core for s in infos}) or 1
    return Counters(cycles, siws, sum(ops.values()), sum(useful.values()), ops, useful, nops,
                    {str(r): n for r, n in zip(StallReason, stalls)}, ppt, sent, received, cores)


__all__ = ["Counters", "PPTStats", "count", "PIPE_NAMES"]
