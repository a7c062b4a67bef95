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

``assemble(disassemble(p)) == p`` for every program ``p``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .coord import _is_uint, DIM_NAMES, Coord
from .errors import AsmError, CoordError
from .isa import MSG_LANES, NOP, OPS, PIPES, REG_FILES, Imm, Instr, Pipe, Reg
from .program import SIW, Program, SentronCode, siw_line

_REG = re.compile(r"^([a-z]+)(\d+)$")
_NONFINITE = re.compile(r"(?:inf|nan)(?![A-Za-z0-9_])")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_UNROLLED_SIWS = 5_000_000  # a .repeat typo (1000000000) must not eat the machine's memory


@dataclass
class _Token:
    text: str
    col: int  # 1-based column in the source line


@dataclass
class _Section:
    name: str
    line: int
    id: int | None = None
    home: Coord | None = None
    core: int | None = None
    thread: int = 0


class _Assembler:
    def __init__(self, text: str, file: str):
        self.file, self.lines = file, text.splitlines()
        self.preload: dict[Coord, float] = {}
        self.sections: list[dict] = []
        self.cur: dict | None = None
        self.repeat: list[tuple[int, int, list]] = []  # (count, line, body lines)

    # -- errors ----------------------------------------------------------------------------
    def error(self, lineno: int, col: int, message: str, hint: str | None = None) -> AsmError:
        src = self.lines[lineno - 1] if 0 < lineno <= len(self.lines) else ""
        return AsmError(message, file=self.file, line=lineno, col=max(col, 1), source_line=src, hint=hint)

    # -- driver ------------------------------------------------------------------------------
    def run(self) -> Program:
        for lineno, raw in enumerate(self.lines, 1):
            code, col0 = _strip_comment(raw)
            if not code.strip():
                continue
            col = col0 + len(code) - len(code.lstrip())
            stripped = code.strip()
            if stripped.startswith("."):
                self.directive(lineno, col, stripped)
            else:
                self.emit(lineno, self.siw(lineno, code))
        if self.repeat:
            raise self.error(self.repeat[-1][1], 1, ".repeat without a matching .end",
                             hint="close every .repeat N block with a line '.end'")
        if self.cur is None:
            self.section(1, _Section("main", 1), implicit=True)
        return self.build()

    def emit(self, lineno: int, siw: SIW) -> None:
        if self.repeat:
            self.repeat[-1][2].append((lineno, siw))
        else:
            if self.cur is None:
                self.section(lineno, _Section("main", lineno), implicit=True)
            self.cur["siws"].append(siw)
            self.cur["lines"].append(lineno)
            if len(self.cur["siws"]) > _MAX_UNROLLED_SIWS:
                raise self.error(lineno, 1, f"program unrolls to more than {_MAX_UNROLLED_SIWS:,} SIWs",
                                 hint="check the counts of your .repeat blocks")

    def section(self, lineno: int, sec: _Section, implicit: bool = False) -> None:
        if any(s["sec"].name == sec.name for s in self.sections):
            raise self.error(lineno, 1, f"sentron {sec.name!r} is defined twice")
        self.cur = {"sec": sec, "init": {}, "siws": [], "lines": [], "implicit": implicit}
        self.sections.append(self.cur)

    def build(self) -> Program:
        out, ids = [], set()
        for i, s in enumerate(self.sections):
            sec = s["sec"]
            sid = i if sec.id is None else sec.id
            if sid in ids:
                raise self.error(sec.line, 1, f"sentron id {sid} is used twice")
            ids.add(sid)
            out.append(SentronCode(name=sec.name, id=sid, home=sec.home or Coord(), core=sec.core,
                                   thread=sec.thread, init=tuple(s["init"].items()),
                                   siws=tuple(s["siws"]), lines=tuple(s["lines"])))
        return Program(tuple(out), tuple(self.preload.items()), source=self.file)

    # -- directives ----------------------------------------------------------------------------
    def directive(self, lineno: int, col: int, text: str) -> None:
        toks = _tokens(text, col)
        name, args = toks[0].text, toks[1:]
        if name == ".repeat":
            if len(args) != 1 or not _is_uint(args[0].text) or int(args[0].text) < 1:
                raise self.error(lineno, (args[0].col if args else col), ".repeat needs a count >= 1",
                                 hint="e.g. '.repeat 4' ... '.end'")
            self.repeat.append((int(args[0].text), lineno, []))
        elif name == ".end":
            if not self.repeat:
                raise self.error(lineno, col, ".end without a .repeat")
            count, start, body = self.repeat.pop()
            done = len(self.repeat[-1][2]) if self.repeat else len(self.cur["siws"]) if self.cur else 0
            if done + count * len(body) > _MAX_UNROLLED_SIWS:
                raise self.error(start, col, f".repeat {count} of {len(body)} SIW(s) unrolls past "
                                 f"{_MAX_UNROLLED_SIWS:,} SIWs", hint="check the counts of your .repeat blocks")
            for _ in range(count if body else 0):
                for ln, siw in body:
                    self.emit(ln, siw)
        elif self.repeat:
            raise self.error(lineno, col, f"{name} cannot appear inside a .repeat block",
                             hint="only SIW lines can be repeated")
        elif name == ".sentron":
            self.sentron_directive(lineno, col, args)
        elif name == ".home":
            self.need_section(lineno)
            self.expect_args(lineno, col, name, args, 1, ".home 1.1.1/1.1.1/1.1.1.1.1")
            self.cur["sec"].home = self.coord(lineno, args[0])
        elif name == ".set":
            self.need_section(lineno)
            self.expect_args(lineno, col, name, args, 2, ".set p0 1.1.1   or   .set r1 3.5")
            reg = self.register(lineno, args[0], "rpm")
            if reg.file == "p":
                value = self.coord(lineno, args[1])
            elif reg.file == "r":
                value = self.number(lineno, args[1], hash_ok=True)
            else:
                lanes = args[1].text.split(";")
                if len(lanes) > MSG_LANES:
                    raise self.error(lineno, args[1].col, f"a message register holds at most {MSG_LANES} "
                                     f"values, got {len(lanes)}", hint="e.g. '.set m0 1.0;2.0;3.0;4.0'")
                value = tuple(self.number(lineno, _Token(t, args[1].col)) for t in lanes)
            self.cur["init"][reg] = value
        elif name == ".mem":
            self.expect_args(lineno, col, name, args, 2, ".mem 1.1.1 3.0")
            self.preload[self.coord(lineno, args[0])] = self.number(lineno, args[1], hash_ok=True)
        else:
            known = [".sentron", ".home", ".set", ".mem", ".repeat", ".end"]
            raise self.error(lineno, col, f"unknown directive {name!r}{_did_you_mean(name, known)}",
                             hint="directives: " + ", ".join(known))

    def need_section(self, lineno: int) -> None:
        if self.cur is None:
            self.section(lineno, _Section("main", lineno), implicit=True)

    def sentron_directive(self, lineno: int, col: int, args: list[_Token]) -> None:
        if not args or not _NAME.match(args[0].text):
            raise self.error(lineno, args[0].col if args else col, ".sentron needs a name",
                             hint="e.g. '.sentron alice id=0 home=1.1.1'")
        if self.cur is not None and self.cur["implicit"] and not self.cur["siws"] and not self.cur["init"]:
            self.sections.clear()  # an implicit, still empty 'main' section is replaced
        sec = _Section(args[0].text, lineno)
        for tok in args[1:]:
            key, eq, value = tok.text.partition("=")
            if not eq or key not in ("id", "home", "core", "thread"):
                raise self.error(lineno, tok.col, f"unknown .sentron option {tok.text!r}",
                                 hint="options: id=N home=COORD core=N thread=N")
            if key == "home":
                sec.home = self.coord(lineno, _Token(value, tok.col + 5))
            else:
                if not _is_uint(value):
                    raise self.error(lineno, tok.col + len(key) + 1, f"{key} must be a whole number >= 0")
                setattr(sec, key, int(value))
        self.section(lineno, sec)

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
            if instr is not None:
                for reg in instr.writes():
                    if reg in writes:
                        raise self.error(lineno, col + len(text) - len(text.lstrip()),
                                         f"{reg} is written by both the {writes[reg]} and the {pipe} slot",
                                         hint="a SIW may write each register once; use another register")
                    writes[reg] = pipe
        return SIW(*slots)

    def instr(self, lineno: int, pipe: Pipe, text: str, col: int) -> Instr | None:
        toks = _tokens(text, col)
        if not toks:
            raise self.error(lineno, col, f"the {pipe} slot is empty", hint="write '-' for a NOP")
        op = toks[0].text.lower()
        if op in (NOP, "nop"):
            if len(toks) > 1:
                raise self.error(lineno, toks[1].col, "a NOP takes no operands")
            return None
        spec = OPS.get(op)
        if spec is None:
            raise self.error(lineno, toks[0].col, f"unknown op {toks[0].text!r}{_did_you_mean(op, OPS)}",
                             hint=f"{pipe}-pipe ops: {', '.join(n for n, s in OPS.items() if s.pipe == pipe)}")
        if spec.pipe != pipe:
            article = "an" if spec.pipe == Pipe.S else "a"
            raise self.error(lineno, toks[0].col,
                             f"'{op}' is {article} {spec.pipe}-pipe op; it cannot go in the {pipe} slot",
                             hint=f"slots are D | S | C: move it to the {spec.pipe} slot")
        args = toks[1:]
        lo = spec.min_operands or spec.max_operands
        if not lo <= len(args) <= spec.max_operands:
            want = f"{lo}" if lo == spec.max_operands else f"{lo} to {spec.max_operands}"
            usage = f"{op} " + ", ".join(o.name for o in spec.operands)
            at = args[spec.max_operands].col if len(args) > spec.max_operands else toks[-1].col + len(toks[-1].text)
            raise self.error(lineno, at, f"'{op}' takes {want} operands, got {len(args)}", hint=f"usage: {usage}")
        values = tuple(self.operand(lineno, o.kind, tok) for o, tok in zip(spec.operands, args))
        return Instr(op, values)

    def operand(self, lineno: int, kind: str, tok: _Token):
        t = tok.text
        if kind in ("r", "p", "m", "rm"):
            return self.register(lineno, tok, "rm" if kind == "rm" else kind)
        if kind == "ri":
            return Imm(self.number(lineno, tok, hash_ok=True)) if t.startswith("#") else self.register(lineno, tok, "r")
        if kind == "imm":
            if not t.startswith("#"):
                raise self.error(lineno, tok.col, f"expected an immediate like '#1.5', got {t!r}")
            return Imm(self.number(lineno, tok, hash_ok=True))
        if kind == "int":
            body = t[1:] if t.startswith("#") else t
            if not re.fullmatch(r"-?[0-9]{1,18}", body):
                raise self.error(lineno, tok.col, f"expected a whole number, got {t!r}")
            return int(body)
        if kind == "dim":
            if t in DIM_NAMES:
                return DIM_NAMES.index(t)
            if not _is_uint(t) or int(t) >= len(DIM_NAMES):
                raise self.error(lineno, tok.col, f"dimension {t!r} is not 0..10 or a dimension name"
                                 f"{_did_you_mean(t, DIM_NAMES)}", hint="dims: " + ", ".join(DIM_NAMES))
            return int(t)
        if kind in ("sentron", "src"):
            if kind == "src" and t == "any":
                return "any"
            if _is_uint(t):
                return int(t)
            if _NAME.match(t):
                return t
            raise self.error(lineno, tok.col, f"expected a sentron id or name{' or any' if kind == 'src' else ''}, got {t!r}")
        raise AssertionError(f"operand kind {kind!r} missing from the assembler")

    def register(self, lineno: int, tok: _Token, files: str) -> Reg:
        files = "rm" if files == "rm" else files
        m = _REG.match(tok.text)
        allowed = [f"{f}{i}" for f in files for i in range(REG_FILES[f])]
        wanted = " or ".join(f"{f}0-{f}{REG_FILES[f] - 1}" for f in files)
        if not m or m.group(1) not in REG_FILES:
            raise self.error(lineno, tok.col, f"expected a register ({wanted}), got {tok.text!r}"
                             f"{_did_you_mean(tok.text, allowed)}")
        f, i = m.group(1), int(m.group(2))
        if f not in files:
            raise self.error(lineno, tok.col, f"expected {wanted} here, got {tok.text!r}",
                             hint="r: general (float), p: phext coordinate, m: message registers")
        if i >= REG_FILES[f]:
            raise self.error(lineno, tok.col, f"register {tok.text} out of range ({f}0-{f}{REG_FILES[f] - 1})",
                             hint=f"the sentron has {REG_FILES[f]} {f} registers")
        return Reg(f, i)

    def number(self, lineno: int, tok: _Token, hash_ok: bool = False) -> float:
        t = tok.text[1:] if hash_ok and tok.text.startswith("#") else tok.text
        try:
            return float(t)
        except ValueError:
            raise self.error(lineno, tok.col, f"expected a number, got {tok.text!r}") from None

    def coord(self, lineno: int, tok: _Token) -> Coord:
        try:
            return Coord.parse(tok.text)
        except CoordError as e:
            raise self.error(lineno, tok.col, f"bad coordinate: {e.message}",
                             hint=e.hint or "write a.b.c/d.e.f/g.h.i.j.k (scroll first), each 0..2047") from None


def _strip_comment(line: str) -> tuple[str, int]:
    """Cut a '#' comment; '#' directly followed by a digit, '-', '+', '.' or by inf/nan is an immediate."""
    for i, ch in enumerate(line):
        if ch == "#" and not (i + 1 < len(line) and line[i + 1] in "0123456789-+.") \
                and not _NONFINITE.match(line, i + 1):
            return line[:i], 1
    return line, 1


def _tokens(text: str, col: int) -> list[_Token]:
    """Split on spaces and commas, remembering 1-based columns."""
    return [_Token(m.group(), col + m.start()) for m in re.finditer(r"[^\s,]+", text)]


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{close[0]}'?)" if close else ""


def assemble(text: str, file: str = "<program>") -> Program:
    """Text -> :class:`Program`. Raises :class:`AsmError` (never anything else) on bad input."""
    if not isinstance(text, str):
        raise AsmError(f"expected program text (str), got {type(text).__name__}", file=file)
    return _Assembler(text, file).run()


def assemble_file(path) -> Program:
    import os
    with open(path, encoding="utf-8") as f:
        return assemble(f.read(), file=os.fspath(path))


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
        out.extend(siw_line(siw) for siw in s.siws)
    return "\n".join(out) + "\n"
