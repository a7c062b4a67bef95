"""The reference interpreter: a readable, cycle-by-cycle model of sentrons on cores.

Each cycle every live sentron is offered one SIW issue, in rotating priority among the
threads of a core. A SIW issues only if its source registers are ready (the scoreboard),
its blocking C op (recv, bar) can complete and its pipes are free on its core; otherwise
the sentron stalls that cycle and the reason goes into the event log. Everything the
notebooks count is derived from that one log (see ``trace.py``).

Intra-SIW semantics: ``vliw`` (default) reads all three slots' sources at the start of the
cycle and lands their writes at its end; ``sequential`` runs the slots in order (D, S, C by
default, or ``slot_order``), each seeing the previous slot's writes, like microvtpu.py.
"""

from __future__ import annotations

import gc
import random

from .config import MachineConfig, get_config
from .coord import _is_uint, Coord, tier
from .errors import ConfigError, DeadlockError, RunLimitError, SimError
from .execute import (DEP, MISS, PIPE_BUSY, TIMED, VALUE,
                      Fault, compile_siw)
from .memory import Memory
from .messages import MessageNetwork
from .ppt import PPT
from .program import Program, SentronCode, siw_line
from .sentron import DORMANT, RETIRED, RUNNING, WAITING, SentronState, flat

DEFAULT_MAX_CYCLES = 2_000_000  # generous: the longest notebook program needs < 1% of it
HOST = -1  # the 'sentron id' of host-side memory accesses in the event log
_ISSUED = 8  # beyond the D=1, S=2, C=4 pipe bits


class Machine(MessageNetwork):
    """Sentrons, memory, PPT and message network; ``run()`` returns an immutable Trace."""

    def __init__(self, config: MachineConfig | str = "seed", *, mode: str = "vliw",
                 slot_order: str = "DSC", seed: int = 0, max_cycles: int = DEFAULT_MAX_CYCLES,
                 record: bool = True):
        self.config = get_config(config)
        if mode not in ("vliw", "sequential"):
            raise ConfigError(f"unknown mode {mode!r}", hint="choose 'vliw' or 'sequential'")
        if sorted(slot_order) != ["C", "D", "S"]:
            raise ConfigError(f"slot_order {slot_order!r} must be an ordering of 'DSC'")
        if slot_order != "DSC" and mode != "sequential":
            raise ConfigError("slot_order only applies in 'sequential' mode (vliw slots are simultaneous)")
        self.mode, self.slot_order, self.seed, self.max_cycles = mode, slot_order, seed, max_cycles
        self.memory = Memory()
        c = self.config
        self.ppt = PPT(c.ppt_sets, c.ppt_ways, c.page_scrolls)
        self._free_misses = c.ppt_miss_penalty_cycles == 0 and not any(c.tier_latency_cycles.values())
        self.sentrons: dict[int, SentronState] = {}
        self.names: dict[str, int] = {}
        self.cycle = 0
        # THE event log: (cycle, sentron id, kind, a, b). record=False keeps only final state
        # (for speed measurements); counters then cannot be derived.
        self.record = record
        self.events: list[tuple] = [] if record else _NullLog()
        self.rng = random.Random(seed)
        self.barriers: dict[int, dict] = {}
        self._msg_seq = 0

    # -- loading ---------------------------------------------------------------------------------
    def load(self, program: Program, *, start: bool = True, regs: dict | None = None) -> list[SentronState]:
        """Add a program's sentrons (and preload its memory through the PPT, as the host would)."""
        for coord, value in program.preload:
            self.host_write(coord, value)
        return [self.add_sentron(code, start=start, regs=regs, source=program.source)
                for code in program.sentrons]

    def add_sentron(self, code: SentronCode, *, start: bool = True, regs: dict | None = None,
                    source: str = "<program>") -> SentronState:
        if code.id in self.sentrons:
            raise SimError(f"a sentron with id {code.id} is already loaded ({self.sentrons[code.id].label})",
                           cycle=self.cycle, hint="give each .sentron a distinct id=")
        if code.name in self.names:
            raise SimError(f"a sentron named {code.name!r} is already loaded", cycle=self.cycle)
        s = SentronState(code, core=code.id if code.core is None else code.core)
        s.source = source  # the file its SIWs came from, for error messages
        s.compiled = [compile_siw(siw, s, self, self.slot_order) for siw in code.siws]
        self.sentrons[code.id] = s
        self.names[code.name] = code.id
        for name, value in (regs or {}).items():
            self.set_register(code.id, name, value)
        if start:
            self.start(code.id)
        return s

    def set_register(self, who: int | str, name: str, value) -> None:
        """Set a register from the host (as the original's host code did for Bob's r0)."""
        s = self.sentron(who)
        i = _flat_name(name)
        s.regs[i] = Coord.parse(value) if name[0] == "p" else (tuple(value) if name[0] == "m" else float(value))

    def start(self, who: int | str) -> None:
        """Wake a dormant sentron: it begins issuing in the next cycle the machine runs."""
        s = self.sentron(who)
        if s.state != DORMANT:
            raise SimError(f"sentron {s.label} is {s.state}, not dormant", cycle=self.cycle)
        s.state, s.start_cycle = RUNNING, self.cycle
        self.events.append((self.cycle, s.id, "start", None, None))
        if not s.compiled:  # an empty program retires at once
            s.state, s.retire_cycle = RETIRED, self.cycle
            self.events.append((self.cycle, s.id, "retire", 0, None))

    def sentron(self, who: int | str) -> SentronState:
        sid = self.names.get(who, who)
        if sid not in self.sentrons:
            raise SimError(f"no sentron {who!r}", cycle=self.cycle,
                           hint=f"loaded: {', '.join(s.label for s in self.sentrons.values()) or 'none'}")
        return self.sentrons[sid]

    # -- host access (counted in the PPT like the original's host code) --------------------------------
    def host_write(self, coord: Coord | str, value: float) -> None:
        coord = Coord.parse(coord)
        self._ppt(HOST, "host-write", coord, self.cycle)
        self.memory.write(coord, value)

    def host_read(self, coord: Coord | str) -> float:
        coord = Coord.parse(coord)
        self._ppt(HOST, "host-read", coord, self.cycle)
        return self.memory.read(coord)

    def save_memory(self, path) -> None:
        self.memory.save(path)

    def load_memory(self, path) -> None:
        self.memory.load(path)

    # -- the sparse pipe's side of the machine ------------------------------------------------
    def _ppt(self, sid: int, kind: str, coord: Coord, t: int, fill: int = 0):
        acc = self.ppt.access(self.ppt.page_of(coord), t, fill)
        self.events.append((t, sid, "ppt", kind, (coord, acc.outcome, acc.late, acc.prefetched)))
        return acc

    def _miss_cycles(self, s: SentronState, coord: Coord) -> int:
        c = self.config
        if self._free_misses:  # the seed preset: memory is always ready
            return 0
        return c.ppt_miss_penalty_cycles + c.tier_latency_cycles[tier(s.home, coord)]

    def gather(self, s: SentronState, coord: Coord, t: int):
        lat = self.config.latency_cycles["gather"]
        acc = self._ppt(s.id, "gather", coord, t, self._miss_cycles(s, coord))
        ready = acc.ready_cycle + lat
        return self.memory.read(coord), ready, (MISS if ready > t + lat else DEP)

    def scatter(self, s: SentronState, coord: Coord, value: float, t: int) -> bool:
        self._ppt(s.id, "scatter", coord, t, self._miss_cycles(s, coord))
        self.memory.write(coord, value)  # posted: the sentron does not wait for a store miss
        return True

    def prefetch(self, s: SentronState, coord: Coord, t: int) -> bool:
        installed = self.ppt.prefetch(self.ppt.page_of(coord), t, self._miss_cycles(s, coord))
        self.events.append((t, s.id, "ppt", "prefetch", (coord, "installed" if installed else "present", False, False)))
        return installed

    # -- the run loop -------------------------------------------------------------------------
    def run(self, max_cycles: int | None = None, *, until: int | None = None):
        """Run until every started sentron retires; returns the :class:`Trace` so far.

        ``until``: stop cleanly before cycle ``until`` (for stepping); the run can be resumed.
        """
        # The event log is a long list of small tuples: the cyclic garbage collector would walk
        # it again and again while it grows. Nothing in a run makes reference cycles, so pause it.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._run(max_cycles, until)
        finally:
            if enabled:
                gc.enable()

    def _run(self, max_cycles: int | None, until: int | None):
        limit = self.cycle + (self.max_cycles if max_cycles is None else max_cycles)
        live = [s for s in self.sentrons.values() if s.state in (RUNNING, WAITING)]
        end = t = self.cycle
        step = self._step
        while live:
            # Sentrons grouped by core; threads of one core share its D, S and C pipes.
            groups: dict[int, list] = {}
            for s in live:
                groups.setdefault(s.core, []).append(s)
            cores = list(groups.values())
            changed = False
            while not changed:  # cycles until a sentron retires (then regroup)
                if until is not None and t >= until:
                    self.cycle = t
                    return self.trace()
                if t >= limit:
                    self._run_limit(live, t)
                issued = False
                for core in cores:
                    if len(core) == 1:
                        s = core[0]
                        if step(s, t, 0):
                            issued = True
                            changed = changed or s.state == RETIRED
                        continue
                    taken, n = 0, len(core)
                    for k in range(n):  # rotating priority between the threads of a core
                        s = core[(t + k) % n]
                        used = step(s, t, taken)
                        if used:
                            issued, taken = True, taken | used
                            changed = changed or s.state == RETIRED
                t += 1
                if not issued:
                    self._check_deadlock(live, t)
            for s in live:
                if s.state == RETIRED:
                    end = max(end, s.retire_cycle)
            live = [s for s in live if s.state != RETIRED]
        self.cycle = max(t, end)
        return self.trace()

    def _step(self, s: SentronState, t: int, taken: int) -> int:
        """Offer sentron ``s`` cycle ``t``; returns 0 if it stalled, else the mask of the pipes
        it used plus ``_ISSUED`` (so that a SIW of three NOPs still counts as issued)."""
        cs = s.compiled[s.pc]
        ready, events = s.ready, self.events
        # the scoreboard: every source must have landed, and no older write to a destination
        # may still be pending (write-after-write); the stall takes that register's reason
        for i in cs.waits:
            if ready[i] > t:
                events.append((t, s.id, "stall", s.pc, s.why[i]))
                return 0
        R, why = s.regs, s.why
        mask = 0
        try:
            if cs.block is not None and not cs.block(t):
                s.state = WAITING
                events.append((t, s.id, "stall", s.pc, cs.block_reason))
                return 0
            if cs.pipes & taken:
                events.append((t, s.id, "stall", s.pc, PIPE_BUSY))
                return 0
            s.state = RUNNING
            # Execute the slots. vliw: all reads happen before any write lands, so writes are
            # held back (pending) when a later slot reads an earlier slot's destination;
            # sequential: each slot's write is visible to the next slot at once.
            pending = [] if cs.buffered else None
            for kind, fn, dst, lat, bit in cs.slots:
                if kind == VALUE:
                    value = fn()
                    ready[dst] = t + lat
                    why[dst] = DEP
                elif kind == TIMED:
                    value, ready[dst], why[dst] = fn(t)
                else:
                    if fn(t):
                        mask |= bit
                    continue
                mask |= bit
                if pending is None:
                    R[dst] = value
                else:
                    pending.append((dst, value))
        except Fault as f:
            raise SimError(f.message, cycle=t, sentron=s.label, pc=s.pc,
                           instr=self._where(s, s.pc), hint=f.hint) from None
        if pending:
            for dst, value in pending:
                R[dst] = value
        events.append((t, s.id, "issue", s.pc, mask))
        s.pc += 1
        if s.pc == len(s.compiled):
            s.state = RETIRED
            s.retire_cycle = max([t + 1] + ready)  # when its last result lands
            events.append((s.retire_cycle, s.id, "retire", s.pc, None))
        return cs.pipes | _ISSUED

    # -- errors --------------------------------------------------------------------------------
    def _where(self, s: SentronState, pc: int) -> str:
        code = s.code
        line = f"{code.lines[pc]}: " if pc < len(code.lines) else ""
        return f"{s.source}:{line}{siw_line(code.siws[pc])}"

    def _run_limit(self, live, t: int):
        s = live[0]
        raise RunLimitError(f"run limit reached (max_cycles) "
                            f"with {len(live)} sentron(s) still live", cycle=t, sentron=s.label,
                            pc=s.pc, instr=self._where(s, min(s.pc, len(s.code.siws) - 1)),
                            hint="raise max_cycles (Machine(max_cycles=...) or run(max_cycles=...)) "
                                 "if the program is meant to run this long")

    def _check_deadlock(self, live, t: int) -> None:
        if any(s.state != WAITING for s in live):
            return
        if any(m.arrive_cycle >= t for x in self.sentrons.values() for m in x.inbox):
            return  # a message is still in flight
        if any(b["open_at"] is not None for b in self.barriers.values()):
            return
        report = "; ".join(f"{s.label} waits for {s.wait_for} at SIW {s.pc}" for s in live)
        s = live[0]
        raise DeadlockError(f"deadlock: every live sentron is waiting and nothing is in flight: {report}",
                            cycle=t - 1, sentron=s.label, pc=s.pc, instr=self._where(s, s.pc),
                            hint="a recv needs a matching send; a barrier needs `count` sentrons to reach it")

    def trace(self):
        from .trace import Trace
        return Trace.from_machine(self)

    # -- snapshots (for stepping backwards: restore, never run ops in reverse) ----------------
    def snapshot(self) -> dict:
        """Everything a run mutates, copied; :meth:`restore` puts it back."""
        import copy
        return {
            "cycle": self.cycle, "events": len(self.events), "rng": self.rng.getstate(),
            "memory": dict(self.memory._cells), "ppt": copy.deepcopy(self.ppt),
            "barriers": copy.deepcopy(self.barriers), "msg_seq": self._msg_seq,
            "sentrons": {sid: (list(s.regs), list(s.ready), list(s.why), s.pc, s.state, s.temperature,
                               copy.deepcopy(s.inbox), s.start_cycle, s.retire_cycle, s.wait_for)
                         for sid, s in self.sentrons.items()},
        }

    def restore(self, snap: dict, *, truncate_events: bool = True) -> None:
        """Put back a :meth:`snapshot`. ``truncate_events=False`` keeps later events in the log
        (a stepper that moves back and forth over a run it has already made)."""
        self.cycle = snap["cycle"]
        if truncate_events:
            del self.events[snap["events"]:]
        self.rng.setstate(snap["rng"])
        self.memory._cells = dict(snap["memory"])
        import copy
        self.ppt = copy.deepcopy(snap["ppt"])
        self.barriers = copy.deepcopy(snap["barriers"])
        self._msg_seq = snap["msg_seq"]
        for sid, (regs, ready, why, pc, state, temp, inbox, start, retire, wait) in snap["sentrons"].items():
            s = self.sentrons[sid]
            s.regs[:], s.ready[:], s.why[:] = regs, ready, why  # in place: compiled SIWs hold these lists
            s.pc, s.state, s.temperature, s.inbox = pc, state, temp, copy.deepcopy(inbox)
            s.start_cycle, s.retire_cycle, s.wait_for = start, retire, wait


class _NullLog(list):
    """An event log that records nothing (``Machine(record=False)``)."""

    def append(self, item) -> None:
        pass


def _flat_name(name: str) -> int:
    from .isa import REG_FILES, Reg
    f, i = name[0], name[1:]
    if f not in REG_FILES or not _is_uint(i) or int(i) >= REG_FILES[f]:
        raise SimError(f"unknown register {name!r}", cycle=0, hint="r0-r15, p0-p7, m0-m3")
    return flat(Reg(f, int(i)))


def run(program: Program | str, config: MachineConfig | str = "seed", *, mode: str = "vliw",
        slot_order: str = "DSC", seed: int = 0, max_cycles: int = DEFAULT_MAX_CYCLES):
    """Assemble (if text), load and run a program on a fresh machine; returns the Trace."""
    if isinstance(program, str):
        from .asm import assemble
        program = assemble(program)
    m = Machine(config, mode=mode, slot_order=slot_order, seed=seed, max_cycles=max_cycles)
    m.load(program)
    return m.run()
