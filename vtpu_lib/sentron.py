"""One sentron: its registers, its scoreboard and its program compiled for the run loop.

Registers live in one flat list ``regs``: r0-r15 at 0..15 (float64), p0-p7 at 16..23
(coordinates), m0-m3 at 24..27 (messages: tuples of up to 4 floats). ``ready[i]`` is the
first cycle register ``i`` may be read (the result latency scoreboard) and ``why[i]`` the
stall reason a reader records while it waits ('dependence' or 'ppt-miss').
"""

from __future__ import annotations

from dataclasses import dataclass

from .coord import Coord
from .isa import REG_FILES, Reg
from .program import SentronCode

R_BASE, P_BASE, M_BASE = 0, REG_FILES["r"], REG_FILES["r"] + REG_FILES["p"]
NREGS = M_BASE + REG_FILES["m"]
_BASE = {"r": R_BASE, "p": P_BASE, "m": M_BASE}

DORMANT, RUNNING, WAITING, RETIRED = "dormant", "running", "waiting", "retired"


def flat(reg: Reg) -> int:
    """Index of a register in the flat register file."""
    return _BASE[reg.file] + reg.index


def reg_name(i: int) -> str:
    if i < P_BASE:
        return f"r{i}"
    return f"p{i - P_BASE}" if i < M_BASE else f"m{i - M_BASE}"


@dataclass
class Message:
    src: int          # sender's sentron id
    src_home: Coord
    values: tuple     # up to 4 float64 lanes
    sent_cycle: int
    arrive_cycle: int  # first cycle a recv can take it
    seq: int          # global send order, for 'oldest' ties


class SentronState:
    """The mutable state of one sentron during a run (the run returns an immutable Trace)."""

    # slots: the run loop touches these attributes every cycle
    __slots__ = ("code", "id", "name", "home", "core", "thread", "regs", "ready", "why", "pc", "state",
                 "temperature", "inbox", "start_cycle", "retire_cycle", "wait_for", "compiled", "source")

    def __init__(self, code: SentronCode, core: int):
        self.code = code
        self.id, self.name, self.home = code.id, code.name, code.home
        self.core, self.thread = core, code.thread
        self.regs: list = [0.0] * REG_FILES["r"] + [Coord()] * REG_FILES["p"] + [()] * REG_FILES["m"]
        self.ready = [0] * NREGS
        self.why = ["dependence"] * NREGS
        for reg, value in code.init:
            self.regs[flat(reg)] = tuple(value) if reg.file == "m" else value
        self.pc = 0
        self.state = DORMANT
        self.temperature = 0.0
        self.inbox: list[Message] = []
        self.start_cycle: int | None = None
        self.retire_cycle: int | None = None
        self.wait_for: str = ""   # what a waiting sentron waits for (for deadlock reports)
        self.compiled: list = []  # filled by the machine (depends on mode and config)
        self.source = "<program>"  # file name for error messages

    @property
    def label(self) -> str:
        return f"{self.name} (id {self.id})"

    def registers(self) -> dict[str, object]:
        """Architectural registers by name (r as floats, p as Coords, m as tuples)."""
        return {reg_name(i): v for i, v in enumerate(self.regs)}

    def __repr__(self) -> str:
        return f"<sentron {self.label} {self.state} pc={self.pc}/{len(self.code.siws)}>"
