"""The machine: a small facade over its units, and the reference run loop.

A :class:`Machine` composes plain units, each with declared state and its own snapshot:
``memory`` (:class:`~vtpu_lib.memory.Memory`), ``ppt`` (:class:`~vtpu_lib.ppt.PPT`),
``network`` (:class:`~vtpu_lib.machine.network.Network`: inboxes, barriers), one
:class:`~vtpu_lib.machine.state.SentronState` per sentron (registers and scoreboard), and the
event ``log`` (:class:`~vtpu_lib.machine.events.EventLog`). Programs are decoded once
(``decode.py``) into records every fork shares; ``reference.py`` is the loop that runs them.
"""

from __future__ import annotations

import gc

from ..config import MachineConfig, get_config
from ..coord import Coord
from ..errors import ConfigError, SimError
from ..program import Program, SentronCode
from .decode import check_mode, decode
from .events import HOST, HOST_INDEX, HOST_READ, HOST_WRITE, K_RETIRE, K_START, MAX_CYCLE, MAX_SENTRONS, EventLog, NullLog
from .handlers import ppt_access
from .network import Network
from .reference import advance
from .state import DORMANT, REG_INDEX, RETIRED, RUNNING, SentronState, register_value

DEFAULT_MAX_CYCLES = 2_000_000  # generous: the longest notebook program needs < 1% of it
MAX_CYCLES_LIMIT = 10**9        # the event log's cycle column holds 31 bits


def _max_cycles(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CYCLES_LIMIT:
        raise ConfigError(f"max_cycles = {value!r} must be a whole number of cycles in 1..{MAX_CYCLES_LIMIT:,}",
                          hint=f"the default is {DEFAULT_MAX_CYCLES:,}")
    return value


class Machine:
    """Sentrons, memory, PPT and message network; ``run()`` returns an immutable Trace."""

    def __init__(self, config: MachineConfig | str = "seed", *, mode: str = "vliw",
                 slot_order: str = "DSC", seed: int = 0, max_cycles: int = DEFAULT_MAX_CYCLES,
                 record: bool = True):
        from ..ppt import PPT
        from ..memory import Memory
        self.config = get_config(config)
        check_mode(mode, slot_order)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ConfigError(f"seed = {seed!r} must be a whole number")
        self.mode, self.slot_order, self.seed = mode, slot_order, seed
        self.max_cycles = _max_cycles(max_cycles)
        c = self.config
        self.memory = Memory()
        self.ppt = PPT(c.ppt_sets, c.ppt_ways, c.page_scrolls)
        self.network = Network(seed)
        self.record = record  # False: no event log (speed measurements); nothing can be counted
        self.log = EventLog() if record else NullLog()
        self.free_misses = c.ppt_miss_penalty_cycles == 0 and not any(c.tier_latency_cycles.values())
        self.sentrons: dict[int, SentronState] = {}
        self.names: dict[str, int] = {}
        self.homes: dict[int, Coord] = {}
        self.cycle = 0
        self.retiring: list[tuple] = []  # (cycle, sentron index, pc): retire records not yet due

    # -- loading ---------------------------------------------------------------------------------
    def load(self, program: Program, *, start: bool = True, regs: dict | None = None) -> list[SentronState]:
        """Add a program's sentrons (and preload its memory through the PPT, as the host would)."""
        Program.check(program)  # a ProgramError for anything malformed (or not a Program at all)
        for coord, value in program.preload:
            self.host_write(coord, value)
        return [self.add_sentron(code, start=start, regs=regs, source=program.source)
                for code in program.sentrons]

    def add_sentron(self, code: SentronCode, *, start: bool = True, regs: dict | None = None,
                    source: str = "<program>", decoded: tuple | None = None) -> SentronState:
        if code.id in self.sentrons:
            raise SimError(f"a sentron with id {code.id} is already loaded ({self.sentrons[code.id].label})",
                           cycle=self.cycle, hint="give each .sentron a distinct id=")
        if code.name in self.names:
            raise SimError(f"a sentron named {code.name!r} is already loaded", cycle=self.cycle)
        if len(self.sentrons) >= MAX_SENTRONS:
            raise SimError(f"a machine holds at most {MAX_SENTRONS:,} sentrons", cycle=self.cycle)
        decoded = decode(code, self.config, self.mode, self.slot_order) if decoded is None else decoded
        s = SentronState(code, tuple(decoded), len(self.sentrons), code.id if code.core is None else code.core, source)
        self.sentrons[code.id], self.names[code.name], self.homes[code.id] = s, code.id, code.home
        self.log.ids.append(code.id)
        self.network.attach(code.id)
        for name, value in (regs or {}).items():
            self.set_register(code.id, name, value)
        if start:
            self.start(code.id)
        return s

    def set_register(self, who: int | str, name: str, value) -> None:
        """Set a register from the host (as the original's host code did for Bob's r0)."""
        s = self.sentron(who)
        value = register_value(name, value, cycle=self.cycle)  # checks the name and the value
        s.regs[REG_INDEX[name]] = value

    def start(self, who: int | str) -> None:
        """Wake a dormant sentron: it begins issuing in the next cycle the machine runs."""
        s = self.sentron(who)
        if s.state != DORMANT:
            raise SimError(f"sentron {s.label} is {s.state}, not dormant", cycle=self.cycle)
        s.state, s.start_cycle = RUNNING, self.cycle
        self.log.add(self.cycle, s.index, K_START, 0)
        if not s.decoded:  # an empty program retires at once
            s.state, s.retire_cycle = RETIRED, self.cycle
            self.log.add(self.cycle, s.index, K_RETIRE, 0)

    def sentron(self, who: int | str) -> SentronState:
        sid = self.names.get(who, who) if isinstance(who, (int, str)) else None
        if sid not in self.sentrons:
            raise SimError(f"no sentron {who!r}", cycle=self.cycle,
                           hint=f"loaded: {', '.join(s.label for s in self.sentrons.values()) or 'none'}")
        return self.sentrons[sid]

    # -- host access (counted in the PPT like the original's host code) --------------------------------
    def host_write(self, coord: Coord | str, value: float) -> None:
        coord = Coord.parse(coord)
        try:
            value = register_value("r0", value, cycle=self.cycle)  # a cell holds what an r register does
        except SimError:
            raise SimError(f"cannot write {value!r} to memory cell {coord.short()}: a cell holds a number",
                           cycle=self.cycle) from None
        ppt_access(self, HOST_INDEX, HOST_WRITE, coord, self.cycle)
        self.memory.write(coord, value)

    def host_read(self, coord: Coord | str) -> float:
        coord = Coord.parse(coord)
        ppt_access(self, HOST_INDEX, HOST_READ, coord, self.cycle)
        return self.memory.read(coord)

    def flush_ppt(self) -> None:
        """Empty the PPT: a cold start, as if the memory had been written long before the run (a
        ``.mem`` preload goes through the PPT and leaves its pages translated)."""
        from ..ppt import PPT
        c = self.config
        self.ppt = PPT(c.ppt_sets, c.ppt_ways, c.page_scrolls)

    def save_memory(self, path) -> None:
        self.memory.save(path)

    def load_memory(self, path) -> None:
        self.memory.load(path)

    # -- running -------------------------------------------------------------------------------
    def advance(self, max_cycles: int | None = None, *, until: int | None = None) -> None:
        """Run without building a Trace (what stepping uses); see :meth:`run`."""
        if max_cycles is not None:
            _max_cycles(max_cycles)
        if until is not None and (isinstance(until, bool) or not isinstance(until, int)):
            raise ConfigError(f"until = {until!r} must be a whole cycle number")
        if self.cycle + (max_cycles or self.max_cycles) > MAX_CYCLE:
            raise ConfigError(f"the machine is at cycle {self.cycle:,}: another {max_cycles or self.max_cycles:,} "
                              f"cycles would pass the event log's limit of {MAX_CYCLE:,}")
        enabled = gc.isenabled()
        gc.disable()  # a run makes no reference cycles; the collector would only rescan the log's tables
        try:
            advance(self, max_cycles, until)
        finally:
            if enabled:
                gc.enable()

    def run(self, max_cycles: int | None = None, *, until: int | None = None):
        """Run until every started sentron retires; returns the :class:`~vtpu_lib.trace.Trace` so far.

        ``until``: stop cleanly before cycle ``until`` (for stepping); the run can be resumed.
        """
        self.advance(max_cycles, until=until)
        return self.trace()

    def trace(self):
        from ..trace import Trace
        return Trace.from_machine(self)

    # -- snapshots and forks (stepping back restores; ops never run in reverse) -------------------------
    def snapshot(self) -> dict:
        """Everything a run mutates, copied through each unit's own snapshot; :meth:`restore` puts it back."""
        return {"cycle": self.cycle, "log": self.log.mark(), "retiring": list(self.retiring),
                "memory": self.memory.snapshot(), "ppt": self.ppt.snapshot(), "network": self.network.snapshot(),
                "sentrons": {sid: s.snapshot() for sid, s in self.sentrons.items()}}

    def restore(self, snap: dict, *, truncate_events: bool = True) -> None:
        """Put back a :meth:`snapshot` (of this machine, with the same sentrons loaded)."""
        self.cycle, self.retiring = snap["cycle"], list(snap["retiring"])
        if truncate_events:
            self.log.truncate(snap["log"])
        self.memory.restore(snap["memory"])
        self.ppt.restore(snap["ppt"])
        self.network.restore(snap["network"])
        for sid, state in snap["sentrons"].items():
            self.sentrons[sid].restore(state)

    def fork(self) -> "Machine":
        """An independent copy: same program (decoded SIWs shared), own state and own event log."""
        import copy
        return copy.deepcopy(self)

    def __repr__(self) -> str:
        states = {}
        for s in self.sentrons.values():
            states[s.state] = states.get(s.state, 0) + 1
        return (f"Machine({self.config.name!r}, {self.mode}, cycle {self.cycle:,}, {len(self.sentrons)} sentron(s) "
                f"{dict(sorted(states.items()))}, {len(self.memory):,} memory cells, {len(self.log):,} events)")


def run(program: Program | str, config: MachineConfig | str = "seed", *, mode: str = "vliw",
        slot_order: str = "DSC", seed: int = 0, max_cycles: int = DEFAULT_MAX_CYCLES, cold: bool = False):
    """Assemble (if text), load and run a program on a fresh machine; returns the Trace.
    ``cold``: empty the PPT after the ``.mem`` preload (``Machine.flush_ppt``), as the benchmark runs."""
    if isinstance(program, str):
        from ..asm import assemble
        program = assemble(program)
    m = Machine(config, mode=mode, slot_order=slot_order, seed=seed, max_cycles=max_cycles)
    m.load(program)
    if cold:
        m.flush_ppt()
    return m.run()


__all__ = ["Machine", "run", "DEFAULT_MAX_CYCLES", "MAX_CYCLES_LIMIT", "HOST"]
