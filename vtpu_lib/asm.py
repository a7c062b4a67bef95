"""Assembler and disassembler for the text SIW format.

One SIW per line, three slots separated by ``|`` in the order D | S | C, ``-`` for an empty
slot, ``#`` starts a comment (except ``#3.5``, an immediate)::

    .mem 1.1.1 3                     # preload memory (through the PPT, as the host would)
    .sentron alice id=0 home=1.1.1   # start a sentron section (optional for one sentron)
    .set p0 1.1.1                    # initial register values
    .repeat 2                        # unroll the lines up to .end twice
    -              | gather r0, p0 | -
    .end
    mul r3, r0, r1 | -             | pack m0, r0, r1

``assemble(disassemble(p)) == p`` for every program ``p``. Lines, comments, tokens and
numbers are read by :mod:`vtpu_lib.asm_lines`. Any mistake raises :class:`AsmError` naming
file:line:col (the 1-based character column), never another exception.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .asm_lines import (TextError, Token, clip, code_of, did_you_mean, is_uint, parse_coord,
                        parse_number, parse_register, parse_value, parse_whole, shown_line,
                        split_lines, tokens)
from .coord import DIM_MAX, DIM_NAMES, NDIMS, ORIGIN, Coord
from .errors import AsmError, VtpuInternalError
from .isa import MSG_LANES, NOP, OPS, PIPES, Imm, Instr, Pipe
from .memory import read_regular_file
from .program import SIW, Program, SentronCode, repeat_loops, siw_line

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# All sentrons together, after unrolling every .repeat: a typo such as .repeat 1000000000 must
# fail at once instead of eating the machine's memory (5 million SIWs take ~80 MB).
MAX_UNROLLED_SIWS = 5_000_000
MAX_SOURCE_BYTES = 64 << 20  # 64 MiB of program text: ~2 million lines, far past any program
_DIRECTIVES = (".sentron", ".home", ".set", ".mem", ".repeat", ".end")

# What an operand's value must be for the machine to give it a meaning, checked at assembly so
# the mistake points at the text: (op, operand) -> (test, allowed values, why).
_OPERAND_RULES = {
    ("bar", "id"): (lambda v: v >= 0, ">= 0", "barriers are numbered 0, 1, 2, ..."),
    ("bar", "count"): (lambda v: v >= 1, ">= 1", "how many sentrons meet at the barrier, this one included"),
    ("unpack", "lane"): (lambda v: 0 <= v < MSG_LANES, f"0..{MSG_LANES - 1}",
                         f"a message register has {MSG_LANES} lanes"),
    ("index", "k"): (lambda v: -DIM_MAX <= v <= DIM_MAX, f"-{DIM_MAX}..{DIM_MAX}",
                     f"a dimension holds 0..{DIM_MAX}, so no move is larger"),
    ("beacon", "radius"): (lambda v: 0 <= v <= NDIMS, f"0..{NDIMS}",
                           f"two homes differ in 0..{NDIMS} dimensions (hamming distance)"),
    ("temp", "t"): (lambda v: v >= 0, ">= 0 (nan has no meaning)",
                    "#0 takes the nearest sender's message, larger spreads the choice, #inf is uniform"),
}


@dataclass(eq=False)
class _Section:
    name: str
    line: int
    implicit: bool = False  # the 'main' of a file without .sentron lines
    id: int | None = None
    home: Coord | None = None
    core: int | None = None
    thread: int = 0
    init: dict = field(default_factory=dict)
    siws: list = field(default_factory=list)
    lines: list = field(default_factory=list)  # source line of each SIW
    loops: list = field(default_factory=list)  # .repeat regions (program.Loop)


@dataclass(eq=False)
class _Repeat:
    count: int
    line: int
    col: int  # of the count
    siws: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    loops: list = field(default_factory=list)  # inner regions, relative to this body


class _Assembler:
    def __init__(self, text: str, file: str):
        self.file, self.lines = file, split_lines(text)
        self.preload: dict[Coord, float] = {}
        self.sections: dict[str, _Section] = {}  # by name, in file order
        self.cur: _Section | None = None
        self.repeat: list[_Repeat] = []  # open .repeat blocks, innermost last
        self.total = 0  # SIWs so far in every section and open .repeat body

    # -- errors ----------------------------------------------------------------------------
    def error(self, lineno: int, col: int, message: str, hint: str | None = None) -> AsmError:
        src = shown_line(self.lines[lineno - 1]) if 0 < lineno <= len(self.lines) else ""
        return AsmError(message, file=self.file, line=lineno, col=max(col, 1), source_line=src, hint=hint)

    def parse(self, lineno: int, tok: Token, parser, *args):
        """``parser(tok.text, *args)``, its TextError located at the token."""
        try:
            return parser(tok.text, *args)
        except TextError as e:
            raise self.error(lineno, tok.col + e.offset, e.message, e.hint) from None

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> Program:
        for lineno, raw in enumerate(self.lines, 1):
            code = self.parse(lineno, Token(raw, 1), code_of)
            stripped = code.strip(" \t")
            if not stripped:
                continue
            col = len(code) - len(code.lstrip(" \t")) + 1
            if stripped.startswith("."):
                self.directive(lineno, col, stripped)
            else:
                self.emit(lineno, self.siw(lineno, code))
        if self.repeat:
            raise self.error(self.repeat[-1].line, 1, ".repeat without a matching .end",
                             hint="close every .repeat N block with a line '.end'")
        self.current(1)
        return self.build()

    def current(self, lineno: int) -> _Section:
        """The section being assembled (an implicit 'main' before any .sentron line)."""
        if self.cur is None:
            self.section(lineno, _Section("main", lineno, implicit=True))
        return self.cur

    def emit(self, lineno: int, siw: SIW) -> None:
        target = self.repeat[-1] if self.repeat else self.current(lineno)
        target.siws.append(siw)
        target.lines.append(lineno)
        self.total += 1
        if self.total > MAX_UNROLLED_SIWS:
            raise self.error(lineno, 1, f"the program has more than {MAX_UNROLLED_SIWS:,} SIWs",
                             hint="split it into several programs")

    def section(self, lineno: int, sec: _Section) -> None:
        if sec.name in self.sections:
            raise self.error(lineno, 1, f"sentron {sec.name!r} is defined twice")
        self.sections[sec.name] = self.cur = sec

    def build(self) -> Program:
        out, ids = [], set()
        for i, sec in enumerate(self.sections.values()):
            sid = i if sec.id is None else sec.id
            if sid in ids:
                raise self.error(sec.line, 1, f"sentron id {sid} is used twice")
            ids.add(sid)
            out.append(SentronCode(name=sec.name, id=sid, home=sec.home or ORIGIN, core=sec.core,
                                   thread=sec.thread, init=tuple(sec.init.items()),
                                   siws=tuple(sec.siws), lines=tuple(sec.lines),
                                   loops=tuple(sec.loops)))
        return Program(tuple(out), tuple(self.preload.items()), source=self.file)

    # -- directives ----------------------------------------------------------------------------
    def directive(self, lineno: int, col: int, text: str) -> None:
        toks = tokens(text, col)
        name, args = toks[0].text, toks[1:]
        if name not in _DIRECTIVES:
            raise self.error(lineno, col, f"unknown directive {clip(name)}{did_you_mean(name, _DIRECTIVES)}",
                             hint="directives: " + ", ".join(_DIRECTIVES))
        if self.repeat and name not in (".repeat", ".end"):
            raise self.error(lineno, col, f"{name} cannot appear inside a .repeat block",
                             hint="only SIW lines can be repeated")
        getattr(self, "d_" + name[1:])(lineno, col, args)

    def d_repeat(self, lineno: int, col: int, args: list[Token]) -> None:
        if len(args) != 1 or not is_uint(args[0].text) or int(args[0].text) < 1:
            raise self.error(lineno, (args[0].col if args else col), ".repeat needs a count >= 1",
                             hint="e.g. '.repeat 4' ... '.end' (ASCII digits)")
        self.repeat.append(_Repeat(int(args[0].text), lineno, args[0].col))

    def d_end(self, lineno: int, col: int, args: list[Token]) -> None:
        """Unroll the innermost .repeat: list multiplication, so every copy is the same SIW
        object (and line-number int), and the total is checked before anything is built."""
        if not self.repeat:
            raise self.error(lineno, col, ".end without a .repeat")
        rep = self.repeat.pop()
        total = self.total + (rep.count - 1) * len(rep.siws)
        if total > MAX_UNROLLED_SIWS:
            raise self.error(rep.line, rep.col, f".repeat {rep.count:,} of {len(rep.siws):,} SIW(s) makes the "
                             f"program {total:,} SIWs (all sentrons), more than {MAX_UNROLLED_SIWS:,}",
                             hint="check the counts of your .repeat blocks (nested counts multiply)")
        target = self.repeat[-1] if self.repeat else self.current(rep.line)
        target.loops += repeat_loops(len(target.siws), len(rep.siws), rep.loops, rep.count)
        target.siws += rep.siws * rep.count
        target.lines += rep.lines * rep.count
        self.total = total

    def d_sentron(self, lineno: int, col: int, args: list[Token]) -> None:
        if not args or not _NAME.fullmatch(args[0].text):
            raise self.error(lineno, args[0].col if args else col, ".sentron needs a name",
                             hint="e.g. '.sentron alice id=0 home=1.1.1'")
        cur = self.cur
        if cur is not None and cur.implicit and not cur.siws and not cur.init:
            del self.sections[cur.name]  # an implicit, still empty 'main' section is replaced
        sec = _Section(args[0].text, lineno)
        for tok in args[1:]:
            key, eq, value = tok.text.partition("=")
            if not eq or key not in ("id", "home", "core", "thread"):
                raise self.error(lineno, tok.col, f"unknown .sentron option {clip(tok.text)}",
                                 hint="options: id=N home=COORD core=N thread=N")
            at = Token(value, tok.col + len(key) + 1)
            if key == "home":
                sec.home = self.parse(lineno, at, parse_coord)
            elif is_uint(value):
                setattr(sec, key, int(value))
            else:
                raise self.error(lineno, at.col, f"{key} must be a whole number >= 0",
                                 hint="ASCII digits, e.g. id=3")
        self.section(lineno, sec)

    def d_home(self, lineno: int, col: int, args: list[Token]) -> None:
        self.expect_args(lineno, col, ".home", args, 1, ".home 1.1.1/1.1.1/1.1.1.1.1")
        self.current(lineno).home = self.parse(lineno, args[0], parse_coord)

    def d_set(self, lineno: int, col: int, args: list[Token]) -> None:
        sec = self.current(lineno)
        self.expect_args(lineno, col, ".set", args, 2, ".set p0 1.1.1   or   .set r1 3.5")
        reg = self.parse(lineno, args[0], parse_register, "rpm")
        sec.init[reg] = self.parse(lineno, args[1], parse_value, reg.file)

    def d_mem(self, lineno: int, col: int, args: list[Token]) -> None:
        self.expect_args(lineno, col, ".mem", args, 2, ".mem 1.1.1 3.0")
        self.preload[self.parse(lineno, args[0], parse_coord)] = self.parse(lineno, args[1], parse_number, True)

    def expect_args(self, lineno, col, name, args, n, example) -> None:
        if len(args) != n:
            raise self.error(lineno, col, f"{name} takes {n} argument(s), got {len(args)}",
                             hint=f"e.g. '{example}'")

    # -- SIW lines ----------------------------------------------------------------------------
    def siw(self, lineno: int, code: str) -> SIW:
        fields, start = [], 0
        for part in code.split("|"):
            fields.append((part, start + 1))
            start += len(part) + 1
        if len(fields) != 3:
            raise self.error(lineno, 1, f"a SIW has 3 slots 'D | S | C', found {len(fields)}",
                             hint="write '-' for an empty slot, e.g. 'add r1, r2, r3 | - | -'")
        slots, writes = [], {}
        for pipe, (text, col) in zip(PIPES, fields):
            instr = self.instr(lineno, pipe, text, col)
            slots.append(instr)
            for reg in instr.writes() if instr is not None else ():
                if reg in writes:
                    raise self.error(lineno, col + len(text) - len(text.lstrip(" \t")),
                                     f"{reg} is written by both the {writes[reg]} and the {pipe} slot",
                                     hint="a SIW may write each register once; use another register")
                writes[reg] = pipe
        return SIW(*slots)

    def instr(self, lineno: int, pipe: Pipe, text: str, col: int) -> Instr | None:
        toks = tokens(text, col)
        if not toks:
            raise self.error(lineno, col, f"the {pipe} slot is empty", hint="write '-' for a NOP")
        op = toks[0].text.lower()
        if op in (NOP, "nop"):
            if len(toks) > 1:
                raise self.error(lineno, toks[1].col, "a NOP takes no operands")
            return None
        spec = self.op_spec(lineno, pipe, toks[0])
        args = toks[1:]
        lo = spec.min_operands or spec.max_operands
        if not lo <= len(args) <= spec.max_operands:
            want = f"{lo}" if lo == spec.max_operands else f"{lo} to {spec.max_operands}"
            usage = f"{op} " + ", ".join(o.name for o in spec.operands)
            at = args[spec.max_operands].col if len(args) > spec.max_operands else toks[-1].col + len(toks[-1].text)
            raise self.error(lineno, at, f"'{op}' takes {want} operands, got {len(args)}", hint=f"usage: {usage}")
        values = tuple(self.operand(lineno, op, o, tok) for o, tok in zip(spec.operands, args))
        return Instr(op, values)

    def op_spec(self, lineno: int, pipe: Pipe, tok: Token):
        op = tok.text.lower()
        spec = OPS.get(op)
        if spec is None:
            raise self.error(lineno, tok.col, f"unknown op {clip(tok.text)}{did_you_mean(op, OPS)}",
                             hint=f"{pipe}-pipe ops: {', '.join(n for n, s in OPS.items() if s.pipe == pipe)}")
        if spec.pipe != pipe:
            article = "an" if spec.pipe == Pipe.S else "a"
            raise self.error(lineno, tok.col,
                             f"'{op}' is {article} {spec.pipe}-pipe op; it cannot go in the {pipe} slot",
                             hint=f"slots are D | S | C: move it to the {spec.pipe} slot")
        return spec

    def operand(self, lineno: int, op: str, operand, tok: Token):
        kind, t = operand.kind, tok.text
        if kind in ("r", "p", "m", "rm"):
            return self.parse(lineno, tok, parse_register, kind)
        if kind == "ri" and not t.startswith("#"):
            return self.parse(lineno, tok, parse_register, "r")
        if kind in ("ri", "imm"):
            if not t.startswith("#"):
                raise self.error(lineno, tok.col, f"expected an immediate like '#1.5', got {clip(t)}")
            value = self.parse(lineno, tok, parse_number, True)
            return Imm(self.checked(lineno, op, operand, tok, value))
        if kind == "int":
            return self.checked(lineno, op, operand, tok, self.parse(lineno, tok, parse_whole))
        if kind == "dim":
            if t in DIM_NAMES:
                return DIM_NAMES.index(t)
            if not is_uint(t) or int(t) >= len(DIM_NAMES):
                raise self.error(lineno, tok.col, f"dimension {clip(t)} is not 0..10 or a dimension name"
                                 f"{did_you_mean(t, DIM_NAMES)}", hint="dims: " + ", ".join(DIM_NAMES))
            return int(t)
        if kind in ("sentron", "src"):
            if kind == "src" and t == "any":
                return "any"
            if is_uint(t):
                return int(t)
            if _NAME.fullmatch(t):
                return t
            raise self.error(lineno, tok.col, f"expected a sentron id or name{' or any' if kind == 'src' else ''}, "
                             f"got {clip(t)}")
        raise VtpuInternalError(f"operand kind {kind!r} missing from the assembler")

    def checked(self, lineno: int, op: str, operand, tok: Token, value):
        rule = _OPERAND_RULES.get((op, operand.name))
        if rule is not None and not rule[0](value):
            raise self.error(lineno, tok.col, f"'{op}' {operand.name} must be {rule[1]}, got {clip(tok.text)}",
                             hint=rule[2])
        return value


def assemble(text: str, file: str = "<program>") -> Program:
    """Text -> :class:`Program`. Raises :class:`AsmError` (never anything else) on bad input."""
    if not isinstance(text, str):
        raise AsmError(f"expected program text (str), got {type(text).__name__}", file=file)
    return _Assembler(text, file).run()


def read_source(path) -> str:
    """The text of a program file: a regular file of at most MAX_SOURCE_BYTES, in UTF-8."""
    name = os.fspath(path)
    try:
        return read_regular_file(name, MAX_SOURCE_BYTES).decode("utf-8")
    except OSError as e:
        raise AsmError(f"cannot read program: {e.strerror or e}", file=name, line=0) from None
    except UnicodeDecodeError as e:
        raise AsmError(f"cannot read program: not UTF-8 text (byte {e.start}: {e.reason})",
                       file=name, line=0) from None


def assemble_file(path) -> Program:
    return assemble(read_source(path), file=os.fspath(path))


def disassemble(program: Program) -> str:
    """Program -> canonical text; ``assemble(disassemble(p)) == p``."""
    out = [f".mem {c} {v!r}" for c, v in program.preload]
    for s in program.sentrons:
        opts = [f"id={s.id}", f"home={s.home}"]
        if s.core is not None:
            opts.append(f"core={s.core}")
        if s.thread:
            opts.append(f"thread={s.thread}")
        out.append(f".sentron {s.name} " + " ".join(opts))
        for reg, value in s.init:
            if reg.file == "m":
                value = ";".join(repr(float(v)) for v in value)
            elif reg.file == "r":
                value = repr(float(value))
            out.append(f".set {reg} {value}")
        out.extend(_siw_lines(s.siws, s.loops))
    return "\n".join(out) + "\n"


def _siw_lines(siws, loops) -> list[str]:
    """The SIWs as text, each loop region as one ``.repeat`` block of its first copy (one pass)."""
    order = sorted(loops, key=lambda l: (l.start, -l.end))
    out: list[str] = []

    def emit(lo: int, hi: int, i: int, indent: str) -> int:
        pc = lo
        while i < len(order) and order[i].start < hi:
            loop = order[i]
            out.extend(indent + siw_line(siw) for siw in siws[pc:loop.start])
            out.append(f"{indent}.repeat {loop.count}")
            i = emit(loop.start, loop.start + loop.body, i + 1, indent + "    ")
            out.append(f"{indent}.end")
            pc = loop.end
            while i < len(order) and order[i].start < pc:
                i += 1   # the loops inside the later copies
        out.extend(indent + siw_line(siw) for siw in siws[pc:hi])
        return i

    emit(0, len(siws), 0, "")
    return out


__all__ = ["MAX_UNROLLED_SIWS", "MAX_SOURCE_BYTES", "assemble", "read_source", "assemble_file", "disassemble"]
