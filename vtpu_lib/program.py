"""Programs as immutable data: SIWs, sentron sections and the memory preload.

A :class:`Program` is what the assembler (or :class:`~vtpu_lib.build.ProgramBuilder`) produces
and the disassembler prints; nothing ever changes it, so machines, forks and snapshots share it.
Source line numbers ride along (excluded from equality) so run-time errors can point back into
the file. Floats compare by their bits, so a program holding nan equals its own reassembly.
:meth:`Program.check` validates a hand-built program against the op table.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .coord import ORIGIN, Coord
from .errors import ProgramError
from .isa import MSG_LANES, OPS, PIPES, REG_FILES, Imm, Instr, Reg, float_bits


@dataclass(frozen=True, slots=True)
class SIW:
    """A Sentron Instruction Word: one op (or None for a NOP) per pipe."""
    d: Instr | None = None
    s: Instr | None = None
    c: Instr | None = None

    @property
    def slots(self) -> tuple:
        return (self.d, self.s, self.c)

    def ops(self) -> list[Instr]:
        return [op for op in self.slots if op is not None]

    def __str__(self) -> str:
        return " | ".join(str(op) if op is not None else "-" for op in self.slots)

    def __deepcopy__(self, memo):
        return self


class Loop(NamedTuple):
    """A loop region of a sentron's SIWs (a ``.repeat`` block, kept after unrolling): the SIWs
    ``start .. start + body*count - 1`` are ``count`` copies of the ``body`` SIWs from ``start``."""
    start: int
    body: int
    count: int

    @property
    def end(self) -> int:
        return self.start + self.body * self.count

    def __repr__(self) -> str:
        return f"Loop(start={self.start}, body={self.body}, count={self.count})"


def repeat_loops(at: int, body_len: int, inner: Sequence, count: int) -> list:
    """The loop regions a ``.repeat count`` of ``body_len`` SIWs adds when it lands at SIW ``at``:
    its own (if it has a body) and every copy of the loops inside its body (``inner``, relative to it)."""
    if body_len == 0 or count == 0:
        return []
    out = [Loop(at, body_len, count)]
    for k in range(count):
        out.extend(Loop(at + k * body_len + l.start, l.body, l.count) for l in inner)
    return out


class Lines(Sequence):
    """Source line numbers of a sentron's SIWs: a read-only sequence of ints kept in 4 bytes each
    (a 5M-SIW program would otherwise spend 8 bytes a SIW on pointers to them)."""

    __slots__ = ("_a",)

    def __init__(self, values=()):
        self._a = array("i", values)

    def __len__(self) -> int:
        return len(self._a)

    def __getitem__(self, i):
        return tuple(self._a[i]) if isinstance(i, slice) else self._a[i]

    def __iter__(self):
        return iter(self._a)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(other) == len(self) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def __add__(self, other) -> tuple:
        return tuple(self) + tuple(other)

    def __mul__(self, n: int) -> tuple:
        return tuple(self) * n

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (Lines, (list(self._a),))

    def __repr__(self) -> str:
        head = ", ".join(map(str, self._a[:6]))
        return f"Lines([{head}{', ...' if len(self) > 6 else ''}], {len(self):,} lines)"


def _value_key(value):
    """A register or memory value in a form that compares by bits (nan == nan, -0 != +0)."""
    if isinstance(value, float):
        return ("f", float_bits(value))
    if isinstance(value, tuple) and not isinstance(value, Coord):
        return tuple(_value_key(v) for v in value)
    return value


@dataclass(frozen=True, slots=True, eq=False)
class SentronCode:
    """One sentron's section of a program: identity, placement, initial registers, SIWs."""
    name: str = "main"
    id: int = 0
    home: Coord = ORIGIN
    core: int | None = None   # None: a core of its own (core = id)
    thread: int = 0
    init: tuple[tuple[Reg, object], ...] = ()  # (.set) initial register values
    siws: tuple[SIW, ...] = ()
    lines: Lines = field(default=())  # source line of each SIW (not compared)
    loops: tuple[Loop, ...] = ()      # .repeat regions, outer before inner (not compared)

    def __post_init__(self):
        if not isinstance(self.lines, Lines):
            object.__setattr__(self, "lines", Lines(self.lines))
        if not isinstance(self.loops, tuple):
            object.__setattr__(self, "loops", tuple(self.loops))

    def innermost_loops(self) -> list[Loop]:
        """The loop regions that hold no other loop region, in program order."""
        return [l for l in self.loops
                if not any(o != l and l.start <= o.start and o.end <= l.end for o in self.loops)]

    def _key(self) -> tuple:
        init = tuple((reg, _value_key(v)) for reg, v in self.init)
        return (self.name, self.id, self.home, self.core, self.thread, init, self.siws)

    def __eq__(self, other) -> bool:
        return isinstance(other, SentronCode) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __deepcopy__(self, memo):
        return self

    def op_count(self) -> int:
        return sum(len(s.ops()) for s in self.siws)

    def __repr__(self) -> str:
        loops = f", {len(self.loops)} loop(s)" if self.loops else ""
        return (f"SentronCode({self.name!r}, id={self.id}, home={self.home.short()}, "
                f"{len(self.siws):,} SIWs, {len(self.init)} .set{loops})")


@dataclass(frozen=True, slots=True, eq=False)
class Program:
    """Everything a file says: sentron sections and memory cells to preload (``.mem``)."""
    sentrons: tuple[SentronCode, ...]
    preload: tuple[tuple[Coord, float], ...] = ()
    source: str = field(default="<program>")  # the file it came from (not compared)

    def _key(self) -> tuple:
        return (self.sentrons, tuple((c, _value_key(v)) for c, v in self.preload))

    def __eq__(self, other) -> bool:
        return isinstance(other, Program) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __deepcopy__(self, memo):
        return self

    @property
    def siws(self) -> tuple[SIW, ...]:
        """The SIWs of a single-sentron program."""
        if len(self.sentrons) != 1:
            raise ProgramError(f"this program has {len(self.sentrons)} sentrons, so it has no single list "
                               "of SIWs", hint="use program.sentron(name).siws")
        return self.sentrons[0].siws

    def sentron(self, name: str) -> SentronCode:
        for s in self.sentrons:
            if s.name == name:
                return s
        raise ProgramError(f"no sentron named {name!r}", hint=f"the sentrons are {[s.name for s in self.sentrons]}")

    def check(self) -> "Program":
        """Validate a (hand-built) program against the op table; returns it, or raises ProgramError."""
        check_program(self)
        return self

    def __str__(self) -> str:
        from .asm import disassemble
        return disassemble(self)

    def __repr__(self) -> str:
        siws = sum(len(s.siws) for s in self.sentrons)
        names = ", ".join(s.name for s in self.sentrons[:4]) + (", ..." if len(self.sentrons) > 4 else "")
        return (f"Program({self.source!r}: {len(self.sentrons)} sentron(s) [{names}], {siws:,} SIWs, "
                f"{len(self.preload)} .mem cell(s))")


def siw_line(siw: SIW, widths=(18, 18, 0)) -> str:
    """A SIW formatted in aligned columns, as the disassembler and timelines print it."""
    cells = [str(op) if op is not None else "-" for op in siw.slots]
    return " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


# -- Program.check ---------------------------------------------------------------------------------

def _check_reg(reg, files: str, where: dict) -> None:
    if not isinstance(reg, Reg) or reg.file not in files or not isinstance(reg.index, int) \
            or isinstance(reg.index, bool) or not 0 <= reg.index < REG_FILES[reg.file]:
        wanted = " or ".join(f"{f}0-{f}{REG_FILES[f] - 1}" for f in files)
        raise ProgramError(f"expected a register {wanted}, got {reg!r}", **where)


def _check_operand(kind: str, value, where: dict) -> None:
    if kind in ("r", "p", "m"):
        return _check_reg(value, kind, where)
    if kind == "rm":
        return _check_reg(value, "rm", where)
    if kind == "ri":
        if isinstance(value, Imm) and isinstance(value.value, float):
            return None
        if not isinstance(value, Reg):
            raise ProgramError(f"expected a register r0-r15 or an immediate Imm(float), got {value!r}", **where)
        return _check_reg(value, "r", where)
    if kind == "imm":
        if isinstance(value, Imm) and isinstance(value.value, float):
            return None
        raise ProgramError(f"expected an immediate Imm(float), got {value!r}", **where)
    whole = isinstance(value, int) and not isinstance(value, bool)
    if kind == "int" and whole:
        return None
    if kind == "dim" and whole and 0 <= value <= 10:
        return None
    if kind in ("sentron", "src") and ((whole and value >= 0) or isinstance(value, str)):
        return None
    raise ProgramError(f"operand {value!r} does not fit kind {kind!r}", **where)


def _check_instr(instr, pipe, where: dict) -> None:
    if not isinstance(instr, Instr) or instr.op not in OPS:
        raise ProgramError(f"expected an Instr of a known op, got {instr!r}", **where,
                           hint=f"ops: {', '.join(OPS)}")
    spec = OPS[instr.op]
    if spec.pipe != pipe:
        raise ProgramError(f"'{instr.op}' is a {spec.pipe}-pipe op in the {pipe} slot", **where,
                           hint=f"slots are D | S | C: put it in the {spec.pipe} slot")
    lo = spec.min_operands or spec.max_operands
    if not isinstance(instr.args, tuple) or not lo <= len(instr.args) <= spec.max_operands:
        raise ProgramError(f"'{instr.op}' takes {lo}..{spec.max_operands} operands, got {instr.args!r}",
                           **where, hint="usage: " + instr.op + " " + ", ".join(o.name for o in spec.operands))
    for operand, value in zip(spec.operands, instr.args):
        _check_operand(operand.kind, value, where)


def _check_siw(siw, where: dict) -> None:
    if not isinstance(siw, SIW):
        raise ProgramError(f"expected a SIW, got {type(siw).__name__}", **where)
    written = set()
    for pipe, instr in zip(PIPES, siw.slots):
        if instr is None:
            continue
        _check_instr(instr, pipe, {**where, "slot": str(pipe)})
        for reg in instr.writes():
            if reg in written:
                raise ProgramError(f"{reg} is written by two slots of one SIW", **where, slot=str(pipe))
            written.add(reg)


def _check_init(code: SentronCode) -> None:
    for reg, value in code.init:
        where = {"sentron": code.name}
        _check_reg(reg, "rpm", where)
        ok = {"r": lambda v: isinstance(v, float),
              "p": lambda v: isinstance(v, Coord),
              "m": lambda v: isinstance(v, tuple) and len(v) <= MSG_LANES and all(isinstance(x, float) for x in v)}
        if not ok[reg.file](value):
            raise ProgramError(f".set {reg} {value!r}: {reg.file} registers hold "
                               + {"r": "a float", "p": "a Coord", "m": f"a tuple of up to {MSG_LANES} floats"}[reg.file],
                               **where)


def _check_loops(code: SentronCode) -> None:
    n = len(code.siws)
    for loop in code.loops:
        where = {"sentron": code.name}
        if not isinstance(loop, Loop) or any(isinstance(v, bool) or not isinstance(v, int) for v in loop) \
                or loop.start < 0 or loop.body < 1 or loop.count < 1 or loop.end > n:
            raise ProgramError(f"loop region {loop!r} does not fit the sentron's {n} SIWs", **where)
        first = code.siws[loop.start:loop.start + loop.body]
        for k in range(1, loop.count):
            copy = code.siws[loop.start + k * loop.body:loop.start + (k + 1) * loop.body]
            if copy != first:
                raise ProgramError(f"loop region {loop!r}: copy {k + 1} differs from the body", **where,
                                   pc=loop.start + k * loop.body)
    open_: list[Loop] = []   # regions nest or are disjoint: a sweep with a stack of the open ones
    for loop in sorted(code.loops, key=lambda l: (l.start, -l.end)):
        while open_ and open_[-1].end <= loop.start:
            open_.pop()
        if open_ and loop.end > open_[-1].end:
            raise ProgramError(f"loop regions {open_[-1]!r} and {loop!r} overlap without nesting",
                               sentron=code.name)
        open_.append(loop)


def check_program(program: Program) -> None:
    if not isinstance(program, Program) or not isinstance(program.sentrons, tuple):
        raise ProgramError(f"expected a Program with a tuple of SentronCode, got {program!r}")
    names, ids = set(), set()
    for code in program.sentrons:
        if not isinstance(code, SentronCode):
            raise ProgramError(f"expected a SentronCode, got {type(code).__name__}")
        where = {"sentron": code.name}
        if not isinstance(code.name, str) or not code.name or code.name in names:
            raise ProgramError(f"sentron names must be distinct non-empty strings, got {code.name!r}", **where)
        if not isinstance(code.id, int) or isinstance(code.id, bool) or code.id < 0 or code.id in ids:
            raise ProgramError(f"sentron ids must be distinct whole numbers >= 0, got {code.id!r}", **where)
        if not isinstance(code.home, Coord):
            raise ProgramError(f"home must be a Coord, got {code.home!r}", **where)
        names.add(code.name)
        ids.add(code.id)
        _check_init(code)
        _check_loops(code)
        seen: set[int] = set()   # SIW objects shared by repeated lines are checked once
        for pc, siw in enumerate(code.siws):
            if id(siw) not in seen:
                _check_siw(siw, {"sentron": code.name, "pc": pc})
                seen.add(id(siw))
    for coord, value in program.preload:
        if not isinstance(coord, Coord) or not isinstance(value, float):
            raise ProgramError(f"preload entries are (Coord, float), got ({coord!r}, {value!r})")


__all__ = ["SIW", "SentronCode", "Program", "Lines", "Loop", "repeat_loops", "siw_line", "check_program"]
