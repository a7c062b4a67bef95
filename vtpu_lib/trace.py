"""The immutable record of a run, and every counter derived from it.

A :class:`Trace` holds the machine's single event log (``machine/events.py``: typed
:class:`Event` records stored in compact columns) plus the programs and final state.
:meth:`Trace.counters` derives cycles, ops, ops/cycle, useful ops/cycle, utilization, stalls by
reason and PPT statistics -- there is no other source of these numbers. Read the log with
:meth:`Trace.events` (``trace.events("ppt")``, ``trace.events(sentron="bob")``); nothing
outside this module and the log itself looks at how it is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice

from .coord import Coord
from .errors import VtpuError
from .isa import EventKind
from .machine.events import HOST, HOST_INDEX, K_ISSUE, K_STALL, KINDS, REASONS, Event, LogView, Message, PPTAccess
from .counters import PIPE_NAMES, Counters, PPTStats, count
from .program import SentronCode, siw_line



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




@dataclass(frozen=True, eq=False)
class Trace:
    log: LogView = field(repr=False)
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
        return cls(m.log.share(), infos, m.memory.cells(), m.config.name, m.mode, m.cycle, m.record)

    def __repr__(self) -> str:
        head = f"Trace({self.config_name}, {self.mode}: {len(self.sentrons)} sentron(s), cycle {self.cycle:,}, "
        if not self.recorded:
            return head + "no event log)"
        c = self.counters()
        return head + (f"{self.log.n:,} events; {c.siws:,} SIWs, {c.ops:,} ops, "
                       f"{c.ops_per_cycle:.2f} ops/cycle, {c.useful_ops_per_cycle:.2f} useful ops/cycle)")

    @property
    def event_count(self) -> int:
        return self.log.n

    def info(self, who: int | str) -> SentronInfo:
        for s in self.sentrons:
            if who in (s.id, s.name):
                return s
        raise VtpuError(f"no sentron {who!r} in this trace", hint=f"sentrons: {[s.name for s in self.sentrons]}")

    @property
    def registers(self) -> dict:
        """Final registers of a single-sentron run."""
        if len(self.sentrons) != 1:
            raise VtpuError(f"this run has {len(self.sentrons)} sentrons", hint="use trace.info(name).registers")
        return self.sentrons[0].registers

    # -- the event log ---------------------------------------------------------------------------
    def _need_log(self) -> None:
        if not self.recorded:
            raise VtpuError("this run kept no event log (Machine(record=False)), so nothing can be counted",
                            hint="run with record=True (the default) to get counters")

    def _index_of(self, sentron) -> int | None:
        if sentron is None:
            return None
        if sentron in (HOST, "host"):
            return HOST_INDEX
        return self.log.ids.index(self.info(sentron).id)

    def events(self, kind=None, sentron: int | str | None = None):
        """The log's :class:`Event` records in order; ``kind``: an EventKind (or its name) or a
        tuple of them; ``sentron``: an id or name (or -1 / 'host' for host accesses)."""
        self._need_log()
        kinds = None if kind is None else {KINDS.index(_kind(k)) for k in ((kind,) if isinstance(kind, str) else kind)}
        only = self._index_of(sentron)
        log, ev = self.log, self.log.ev
        for i in range(self.log.n):
            v = ev[i]
            if (kinds is None or v & 7 in kinds) and (only is None or v >> 16 & 0xFFFF == only):
                yield log.decode(i)

    def _columns(self):
        """(cycle, sentron index, code, arg) per record."""
        log = self.log
        return ((v >> 32, v >> 16 & 0xFFFF, v & 0xFFFF, a) for v, a in islice(zip(log.ev, log.arg), self.log.n))

    def counters(self, sentron: int | str | None = None) -> Counters:
        """Counters for one sentron, or for the whole machine (including host PPT accesses)."""
        self._need_log()
        only = self._index_of(sentron)
        infos = self.sentrons if only is None else (self.info(sentron),)
        return count(self._columns(), self.log, [s.code for s in self.sentrons], infos, only)

    # -- views -------------------------------------------------------------------------------
    def _steps(self, only):
        """(cycle, sentron index, issued?, pc, mask or reason) for issue and stall records."""
        for t, sidx, code, arg in self._columns():
            k = code & 7
            if (k == K_ISSUE or k == K_STALL) and (only is None or sidx == only):
                yield t, sidx, k == K_ISSUE, arg, (code >> 3 if k == K_ISSUE else REASONS[code >> 3])

    def timeline(self, sentron: int | str | None = None, first: int = 0, last: int | None = None) -> str:
        """One line per cycle (and sentron): the SIW issued, or the stall and its reason."""
        self._need_log()
        only = self._index_of(sentron)
        many = len(self.sentrons) > 1 and only is None
        lines = []
        for t, sidx, issued, pc, detail in self._steps(only):
            if t < first or (last is not None and t > last):
                continue
            s = self.sentrons[sidx]
            who = f"{s.name:>8} " if many else ""
            if issued:
                lines.append(f"{t:6d} {who}| {siw_line(s.code.siws[pc])}")
            else:
                lines.append(f"{t:6d} {who}| stall: {detail:<13} (waiting to issue SIW {pc}: "
                             f"{siw_line(s.code.siws[pc], (0, 0, 0))})")
        return "\n".join(lines)

    def messages(self) -> list[MessageRecord]:
        """Every message sent, matched with the cycle it was received (if it was)."""
        self._need_log()
        received = {e.info.seq: e.cycle for e in self.events(EventKind.RECV)}
        return [MessageRecord(m.seq, m.src, m.dst, m.sent_cycle, m.arrive_cycle, received.get(m.seq), m.values)
                for m in (e.info for e in self.events(EventKind.SEND))]

    def unreceived_messages(self) -> list[MessageRecord]:
        """Messages sent but never taken by a recv (the run ended with them in an inbox)."""
        return [m for m in self.messages() if m.recv_cycle is None]

    def ppt_series(self, sentron: int | str | None = None, include_host: bool = False) -> list[tuple]:
        """Demand PPT accesses in order: ``(cycle, hit, coord, outcome)`` (data for the hit-rate plot)."""
        out = []
        for e in self.events(EventKind.PPT, sentron):
            if e.info.op == "prefetch" or (e.sentron == HOST and not include_host):
                continue
            out.append((e.cycle, e.info.outcome == "hit", e.info.coord, e.info.outcome))
        return out

    def slot_rows(self, sentron: int | str | None = None) -> list[tuple]:
        """Per cycle of one sentron: ``(cycle, None, [(pipe, op text, status) x3])`` for an
        issued SIW (status 'work', 'no-effect' or 'nop'), or ``(cycle, reason, [])`` for a stall.
        The data behind the slot timeline picture (``viz.slot_timeline``)."""
        self._need_log()
        info = self.sentrons[0] if sentron is None else self.info(sentron)
        rows = []
        for t, _, issued, pc, detail in self._steps(self.log.ids.index(info.id)):
            if issued:
                cells = []
                for i, (p, op) in enumerate(zip(PIPE_NAMES, info.code.siws[pc].slots)):
                    status = "nop" if op is None else ("work" if (detail >> i) & 1 else "no-effect")
                    cells.append((p, "-" if op is None else str(op), status))
                rows.append((t, None, cells))
            else:
                rows.append((t, str(detail), []))
        return rows

    def to_perfetto(self, path=None) -> dict:
        """This run as a Chrome trace-event document for ui.perfetto.dev or chrome://tracing (one
        process per sentron, a track per pipe and one for stalls, messages as arrows); written to
        ``path`` atomically if given. See :mod:`vtpu_lib.perfetto` for what is where."""
        from .perfetto import to_perfetto   # perfetto.py reads Traces: import it only when asked

        return to_perfetto(self, path)

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
        out["unreceived_messages"] = [{"seq": m.seq, "src": m.src, "dst": m.dst, "sent_cycle": m.sent_cycle,
                                       "values": list(m.values)} for m in self.unreceived_messages()]
        return out


def _kind(k) -> EventKind:
    try:
        return EventKind(k)
    except ValueError:
        raise VtpuError(f"no event kind {k!r}", hint=f"kinds: {', '.join(EventKind)}") from None


__all__ = ["Trace", "Counters", "SentronInfo", "MessageRecord", "PPTStats", "Event", "EventKind", "PPTAccess",
           "Message", "PIPE_NAMES"]
