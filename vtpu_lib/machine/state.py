"""One sentron's architectural state during a run: registers, scoreboard, program counter.

Registers live in one flat list ``regs``: r0-r15 at 0..15 (float64), p0-p7 at 16..23
(coordinates), m0-m3 at 24..27 (messages: tuples of up to 4 floats). The
:class:`Scoreboard` holds, per register, the first cycle it may be read (``ready``) and the
stall reason a reader records while it waits (``why``: dependence, or ppt-miss behind a
gather that missed). Everything here is plain data; the run loop (``reference.py``) changes it.
"""

from __future__ import annotations

import copy

from ..coord import Coord
from ..errors import SimError
from ..isa import MSG_LANES, REG_FILES, Reg, StallReason
from .events import K_ISSUE

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


REG_NAMES = tuple(reg_name(i) for i in range(NREGS))
REG_INDEX = {name: i for i, name in enumerate(REG_NAMES)}


def register_value(name: str, value, *, cycle: int = 0):
    """A value for register ``name`` checked and converted (float, Coord, or a message tuple)."""
    if name not in REG_INDEX:
        raise SimError(f"unknown register {name!r}", cycle=cycle, hint="registers are r0-r15, p0-p7, m0-m3")
    file = name[0]
    try:
        if file == "p":
            return Coord.parse(value)
        if file == "m":
            if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) > MSG_LANES:
                raise TypeError
            return tuple(_number(v) for v in value)
        return _number(value)
    except (TypeError, ValueError, OverflowError):
        want = {"r": "a number", "p": "a coordinate like '1.1.1'",
                "m": f"a sequence of up to {MSG_LANES} numbers"}[file]
        raise SimError(f"cannot set {name} to {value!r}: it holds {want}", cycle=cycle) from None


def _number(v) -> float:
    if isinstance(v, (bool, str, bytes)) or not isinstance(v, (int, float)) and not hasattr(v, "__float__"):
        raise TypeError
    return float(v)


class Scoreboard:
    """Per register: the first cycle it may be read, and why a reader waits until then."""
    __slots__ = ("ready", "why")

    def __deepcopy__(self, memo):
        new = Scoreboard()
        new.restore(self.snapshot())
        return new

    def __init__(self):
        self.ready: list[int] = [0] * NREGS
        self.why: list[StallReason] = [StallReason.DEPENDENCE] * NREGS

    def snapshot(self) -> tuple:
        return (list(self.ready), list(self.why))

    def restore(self, snap: tuple) -> None:
        self.ready[:], self.why[:] = snap


class SentronState:
    """The mutable state of one sentron during a run (the run returns an immutable Trace)."""

    __slots__ = ("code", "decoded", "n_siws", "index", "issue_key", "id", "name", "home", "core", "thread",
                 "regs", "board", "ready", "why", "pc", "state", "temperature", "start_cycle", "retire_cycle",
                 "wait_for", "source")

    def __init__(self, code, decoded: tuple, index: int, core: int, source: str = "<program>"):
        self.code = code              # the SentronCode (immutable, shared)
        self.decoded = decoded        # its decoded SIWs (immutable, shared by forks)
        self.n_siws = len(decoded)
        self.index = index            # position in the machine: the event log's sentron column
        self.issue_key = index << 16 | K_ISSUE  # this sentron's issue record, less cycle and mask (events.py)
        self.id, self.name, self.home = code.id, code.name, code.home
        self.core, self.thread = core, code.thread
        self.regs: list = [0.0] * REG_FILES["r"] + [Coord()] * REG_FILES["p"] + [()] * REG_FILES["m"]
        for reg, value in code.init:
            self.regs[flat(reg)] = tuple(value) if reg.file == "m" else value
        self.board = Scoreboard()
        self.ready, self.why = self.board.ready, self.board.why   # the run loop's shortcuts to them
        self.pc = 0
        self.state = DORMANT
        self.temperature = 0.0
        self.start_cycle: int | None = None
        self.retire_cycle: int | None = None
        self.wait_for: str = ""   # what a waiting sentron waits for (for deadlock reports)
        self.source = source      # file name for error messages

    @property
    def label(self) -> str:
        return f"{self.name} (id {self.id})"

    def registers(self) -> dict[str, object]:
        """Architectural registers by name (r as floats, p as Coords, m as tuples)."""
        return dict(zip(REG_NAMES, self.regs))

    def snapshot(self) -> tuple:
        return (list(self.regs), self.board.snapshot(), self.pc, self.state, self.temperature,
                self.start_cycle, self.retire_cycle, self.wait_for)

    def restore(self, snap: tuple) -> None:
        regs, board, self.pc, self.state, self.temperature, self.start_cycle, self.retire_cycle, \
            self.wait_for = snap
        self.regs[:] = regs
        self.board.restore(board)

    def __deepcopy__(self, memo):
        """A fork's copy: its own registers and scoreboard; the code and decoded SIWs are shared."""
        new = SentronState.__new__(SentronState)
        for name in SentronState.__slots__:
            value = getattr(self, name)
            setattr(new, name, value if name in ("code", "decoded") else copy.deepcopy(value, memo))
        new.ready, new.why = new.board.ready, new.board.why
        return new

    def __repr__(self) -> str:
        return f"<sentron {self.label} {self.state} pc={self.pc}/{len(self.code.siws)}>"


__all__ = ["SentronState", "Scoreboard", "flat", "reg_name", "REG_NAMES", "REG_INDEX", "register_value",
           "NREGS", "DORMANT", "RUNNING", "WAITING", "RETIRED"]
