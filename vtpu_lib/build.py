"""Programs as data: :class:`ProgramBuilder` makes the same :class:`~vtpu_lib.program.Program`
the assembler makes from text, without writing text.

Each call mirrors one line of the SIW text format (see ``vtpu_lib.asm``), in the same order::

    from vtpu_lib.build import ProgramBuilder, op

    b = ProgramBuilder("alice_bob.siw")
    b.mem("1.1.1", 3)                                   # .mem 1.1.1 3
    b.sentron("alice", id=0, home="1.1.1")              # .sentron alice id=0 home=1.1.1
    b.set("p0", "1.1.1")                                # .set p0 1.1.1
    with b.repeat(2):                                   # .repeat 2
        b.siw(s=op("gather", "r0", "p0"))               # - | gather r0, p0 | -
    b.siw(op("mul", "r3", "r0", "r0"), op("pack", "m0", "r3"))  # mul r3, r0, r0 | - | pack m0, r3
    program = b.build()

An op's operands are checked against the op table (``vtpu_lib.isa.OPS``): registers as
``"r3"`` or ``Reg("r", 3)``, immediates as numbers, dimensions as ``0..10`` or a name,
sentrons as an id or a name. Ops given by position go to their pipe's slot; ``d=``, ``s=``,
``c=`` name the slot and must match the op's pipe. Mistakes raise
:class:`~vtpu_lib.errors.ProgramError` naming the sentron, the SIW and the slot.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

from .coord import DIM_NAMES, ORIGIN, Coord
from .errors import ProgramError
from .isa import MSG_LANES, OPS, PIPES, REG_FILES, Imm, Instr, Reg
from .program import SIW, Loop, Program, SentronCode, repeat_loops

__all__ = ["ProgramBuilder", "op", "reg"]

_REG = re.compile(r"^([a-z])(\d{1,3})$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def reg(value, files: str = "rpm") -> Reg:
    """``"r3"`` or ``Reg("r", 3)`` -> a checked :class:`~vtpu_lib.isa.Reg` of one of ``files``."""
    wanted = " or ".join(f"{f}0-{f}{REG_FILES[f] - 1}" for f in files)
    m = _REG.match(value) if isinstance(value, str) else None
    if m:
        value = Reg(m.group(1), int(m.group(2)))
    if not isinstance(value, Reg) or value.file not in REG_FILES:
        raise ProgramError(f"expected a register ({wanted}), got {value!r}",
                           hint="write registers as 'r3', 'p0', 'm1' or Reg('r', 3)")
    if value.file not in files:
        raise ProgramError(f"expected {wanted} here, got {value}",
                           hint="r: general (float), p: phext coordinate, m: message registers")
    if not 0 <= value.index < REG_FILES[value.file]:
        raise ProgramError(f"register {value} out of range ({value.file}0-{value.file}{REG_FILES[value.file] - 1})",
                           hint=f"the sentron has {REG_FILES[value.file]} {value.file} registers")
    return value


def _number(value, what: str) -> float:
    if isinstance(value, Imm):
        value = value.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProgramError(f"expected a number for {what}, got {value!r}")
    return float(value)


def _whole(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProgramError(f"expected a whole number for {what}, got {value!r}")
    return value


def _operand(kind: str, name: str, value):
    """One operand converted to what the assembler stores for that kind (see ``isa.Operand``)."""
    if kind in ("r", "p", "m", "rm"):
        return reg(value, kind)
    if kind == "ri":
        return reg(value, "r") if isinstance(value, (str, Reg)) else Imm(_number(value, name))
    if kind == "imm":
        return Imm(_number(value, name))
    if kind == "int":
        return _whole(value, name)
    if kind == "dim":
        if value in DIM_NAMES:
            return DIM_NAMES.index(value)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(DIM_NAMES):
            raise ProgramError(f"dimension {value!r} is not 0..10 or a dimension name",
                               hint="dims: " + ", ".join(DIM_NAMES))
        return value
    if kind in ("sentron", "src"):
        if kind == "src" and value == "any":
            return "any"
        if (isinstance(value, int) and not isinstance(value, bool) and value >= 0) or \
                (isinstance(value, str) and _NAME.match(value)):
            return value
        raise ProgramError(f"expected a sentron id or name{' or any' if kind == 'src' else ''}, got {value!r}")
    raise ProgramError(f"operand kind {kind!r} is not known to the builder")


def op(name: str, *operands) -> Instr:
    """One op, its operands checked against ``OPS[name]``: ``op("fma", "r0", "r1", "r2", "r0")``."""
    spec = OPS.get(name)
    if spec is None:
        raise ProgramError(f"unknown op {name!r}", hint="ops: " + ", ".join(OPS))
    lo = spec.min_operands or spec.max_operands
    if not lo <= len(operands) <= spec.max_operands:
        want = f"{lo}" if lo == spec.max_operands else f"{lo} to {spec.max_operands}"
        raise ProgramError(f"'{name}' takes {want} operands, got {len(operands)}",
                           hint=f"usage: {name} " + ", ".join(o.name for o in spec.operands))
    try:
        args = tuple(_operand(o.kind, o.name, v) for o, v in zip(spec.operands, operands))
    except ProgramError as e:
        raise ProgramError(f"{name}: {e.message}", hint=e.hint) from None
    return Instr(spec.name, args)


class ProgramBuilder:
    """Builds a :class:`Program` call by call; every call returns the builder (see the module doc)."""

    def __init__(self, source: str = "<built>"):
        self.source = source
        self._preload: dict[Coord, float] = {}
        self._sentrons: list[dict] = []
        self._bodies: list[list[SIW]] = []  # open repeat blocks, innermost last
        self._body_loops: list[list[Loop]] = []  # loop regions inside each open block

    # -- directives ----------------------------------------------------------------------------
    def mem(self, coord, value) -> ProgramBuilder:
        """``.mem``: preload one memory cell (written through the PPT, as the host would)."""
        self._preload[Coord.parse(coord)] = _number(value, ".mem")
        return self

    def sentron(self, name: str, *, id: int | None = None, home=None, core: int | None = None,
                thread: int = 0) -> ProgramBuilder:
        """``.sentron``: start a sentron's section; ``id`` defaults to its position."""
        if self._bodies:
            raise ProgramError("a sentron cannot start inside a repeat block", hint="close the repeat first")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ProgramError(f"sentron name {name!r} is not a name", hint="e.g. 'alice' or 's3'")
        for key, value in (("id", id), ("core", core), ("thread", thread)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise ProgramError(f"sentron {name}: {key} must be a whole number >= 0, got {value!r}")
        if self._sentrons and self._sentrons[-1]["implicit"] and not self._sentrons[-1]["siws"] \
                and not self._sentrons[-1]["init"]:
            self._sentrons.pop()  # an implicit, still empty 'main' is replaced, as in the text format
        if any(s["name"] == name for s in self._sentrons):
            raise ProgramError(f"sentron {name!r} is defined twice")
        self._sentrons.append({"name": name, "id": id, "home": ORIGIN if home is None else Coord.parse(home),
                               "core": core, "thread": thread, "init": {}, "siws": [], "loops": [], "implicit": False})
        return self

    def set(self, register, value) -> ProgramBuilder:
        """``.set``: an initial register value -- a number (r), a coordinate (p), up to 4 numbers (m)."""
        r = reg(register)
        if r.file == "p":
            value = Coord.parse(value)
        elif r.file == "r":
            value = _number(value, f".set {r}")
        else:
            lanes = (value,) if isinstance(value, (int, float)) else tuple(value)
            if not 1 <= len(lanes) <= MSG_LANES:
                raise ProgramError(f"a message register holds 1 to {MSG_LANES} values, got {len(lanes)}")
            value = tuple(_number(v, f".set {r}") for v in lanes)
        self._current()["init"][r] = value
        return self

    # -- SIWs ------------------------------------------------------------------------------------------
    def siw(self, *ops: Instr, d: Instr | None = None, s: Instr | None = None,
            c: Instr | None = None) -> ProgramBuilder:
        """One SIW: ops by position go to their pipe's slot; ``d=``, ``s=``, ``c=`` name the slot."""
        sec = self._current()
        where = {"sentron": sec["name"], "pc": len(sec["siws"]) + sum(map(len, self._bodies))}
        slots = {"D": d, "S": s, "C": c}
        for instr in (*ops, d, s, c):
            if instr is not None and not (isinstance(instr, Instr) and instr.op in OPS):
                raise ProgramError(f"expected an op made with op(...), got {instr!r}",
                                   hint="e.g. b.siw(op('add', 'r1', 'r1', 'r2'))", **where)
        for pipe in PIPES:
            spec = OPS[slots[pipe].op] if slots[pipe] is not None else None
            if spec is not None and spec.pipe != pipe:
                article = "an" if spec.pipe == "S" else "a"
                raise ProgramError(f"'{spec.name}' is {article} {spec.pipe}-pipe op; it cannot go in the {pipe} slot",
                                   slot=pipe, hint=f"slots are D | S | C: move it to the {spec.pipe} slot", **where)
        for instr in ops:
            pipe = OPS[instr.op].pipe
            if slots[pipe] is not None:
                raise ProgramError(f"two {pipe}-pipe ops in one SIW: {slots[pipe]} and {instr}", slot=pipe,
                                   hint="a SIW holds one op per pipe; put the second in the next SIW", **where)
            slots[pipe] = instr
        writes: dict[Reg, str] = {}
        for pipe, instr in slots.items():
            if instr is None:
                continue
            slots[pipe] = instr = op(instr.op, *instr.args)  # re-check a hand-made Instr
            for r in instr.writes():
                if r in writes:
                    raise ProgramError(f"{r} is written by both the {writes[r]} and the {pipe} slot", slot=pipe,
                                       hint="a SIW may write each register once; use another register", **where)
                writes[r] = pipe
        (self._bodies[-1] if self._bodies else sec["siws"]).append(SIW(slots["D"], slots["S"], slots["C"]))
        return self

    @contextmanager
    def repeat(self, n: int):
        """``.repeat n`` ... ``.end``: the SIWs added in the block, ``n`` times (the same SIW objects)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ProgramError(f"repeat needs a count >= 0, got {n!r}")
        self._current()
        self._bodies.append([])
        self._body_loops.append([])
        try:
            yield self
        finally:
            body, inner = self._bodies.pop(), self._body_loops.pop()
        target = self._bodies[-1] if self._bodies else self._current()["siws"]
        loops = self._body_loops[-1] if self._body_loops else self._current()["loops"]
        loops += repeat_loops(len(target), len(body), inner, n)
        target.extend(body * n)

    # -- result ----------------------------------------------------------------------------------------
    def build(self) -> Program:
        """The immutable :class:`Program`; the builder can go on growing afterwards."""
        if self._bodies:
            raise ProgramError("build() inside a repeat block", hint="close every repeat first")
        ids: set[int] = set()
        out = []
        for i, sec in enumerate(self._sentrons or [self._implicit()]):
            sid = i if sec["id"] is None else sec["id"]
            if sid in ids:
                raise ProgramError(f"sentron id {sid} is used twice", sentron=sec["name"])
            ids.add(sid)
            out.append(SentronCode(name=sec["name"], id=sid, home=sec["home"], core=sec["core"],
                                   thread=sec["thread"], init=tuple(sec["init"].items()), siws=tuple(sec["siws"]),
                                   loops=tuple(sec["loops"])))
        return Program(tuple(out), tuple(self._preload.items()), source=self.source).check()

    def _implicit(self) -> dict:
        return {"name": "main", "id": None, "home": ORIGIN, "core": None, "thread": 0, "init": {}, "siws": [],
                "loops": [], "implicit": True}

    def _current(self) -> dict:
        if not self._sentrons:
            self._sentrons.append(self._implicit())  # like the text format: one sentron needs no .sentron
        return self._sentrons[-1]
