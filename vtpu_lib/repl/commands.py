"""The command table: one row per command (name, aliases, usage, help, its function, whether it
changes the machine), from which ``help``, tab completion and "did you mean" are all derived.

Every function here is ``fn(session, args) -> str``: a pure step from a session and one line to
the text it prints. The op commands are generated from :data:`vtpu_lib.isa.OPS` (the D ops, the
S ops, the C ops), except ``sel``, which stays the original's alias of ``select`` -- the D op
``sel`` is typed as a whole SIW: ``siw sel r0, r1, r2, r3 | - | -``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..asm_lines import clip, did_you_mean
from ..coord import ORIGIN
from ..errors import PhextFileError
from ..isa import OPS, PIPES, REG_FILES
from ..program import SentronCode
from . import execution as ex
from .args import Args, ReplError, unknown_command
from .state import fmt, plural, ppt_totals

MAX_SENTRONS = 256   # typed ops re-create every sentron for their one-SIW run: keep it small
MAX_ID = 65_534


@dataclass(frozen=True)
class Command:
    name: str
    aliases: tuple[str, ...]
    usage: str
    help: str
    fn: Callable
    group: str
    max_args: int | None = 0        # None: any (the rest of the line is one argument)
    changes: bool = False           # undo can take it back
    detaches: bool = False          # changes the machine outside a loaded program's stepping
    example: str = ""
    completes: str = ""             # what tab completes for its arguments: rpm, commands, files, ...


# -- memory --------------------------------------------------------------------------------------

def _ppt_word(m, coord) -> str:
    return "hit" if m.ppt.page_of(coord) in m.ppt else "miss"


def cmd_write(sess, a: Args) -> str:
    coord, value = a.coord(0), a.number(1)
    m = sess.state.machine
    how = _ppt_word(m, coord)
    m.host_write(coord, value)
    return f"wrote {fmt(float(value))} to {coord} (PPT {how})"


def cmd_read(sess, a: Args) -> str:
    coord = a.coord(0)
    m = sess.state.machine
    how = _ppt_word(m, coord)
    return f"{coord} = {fmt(m.host_read(coord))} (PPT {how})"


def cmd_mem(sess, a: Args) -> str:
    cells = sess.state.machine.memory.cells()
    if not cells:
        return "(memory is empty: every cell reads 0)"
    lines = [f"{c} = {fmt(v)}" for c, v in sorted(cells.items())[:50]]
    return "\n".join(lines + ([f"... {len(cells) - 50:,} more"] if len(cells) > 50 else []))


def cmd_ppt(sess, a: Args) -> str:
    p, ppt = ppt_totals(sess.state), sess.state.machine.ppt
    pages = sum(len(s) for s in ppt.contents())
    return (f"hits: {p.hits}  misses: {p.misses}  rate: {100 * p.hit_rate:.1f}%  regions: {pages} page(s) in use "
            f"of {ppt.sets} sets x {ppt.ways} ways\n"
            f"misses: {p.compulsory} compulsory, {p.capacity} capacity, {p.conflict} conflict; "
            f"{plural(len(sess.state.machine.memory), 'memory cell')} written")


def cmd_save(sess, a: Args) -> str:
    path, m = a.text("FILE"), sess.state.machine
    try:
        m.save_memory(path)
    except OSError as e:
        raise PhextFileError(f"{path}: cannot write: {e.strerror or e}") from None
    return f"saved {plural(len(m.memory), 'memory cell')} to {path}"


def cmd_restore(sess, a: Args) -> str:
    path, m = a.text("FILE"), sess.state.machine
    m.load_memory(path)
    return f"restored {plural(len(m.memory), 'memory cell')} from {path}"


# -- registers -----------------------------------------------------------------------------------

def cmd_reg(sess, a: Args) -> str:
    regs = sess.state.sentron.registers()
    lines = [f"r{i:<2} = {fmt(regs[f'r{i}'])}" for i in range(REG_FILES["r"]) if regs[f"r{i}"] != 0.0
             or regs[f"r{i}"] != regs[f"r{i}"]]
    return "\n".join(lines) or "(all zero)"


def cmd_preg(sess, a: Args) -> str:
    regs = sess.state.sentron.registers()
    lines = [f"p{i} = {regs[f'p{i}']}" for i in range(REG_FILES["p"]) if regs[f"p{i}"] != ORIGIN]
    return "\n".join(lines) or f"(all at the origin {ORIGIN})"


def cmd_mreg(sess, a: Args) -> str:
    regs = sess.state.sentron.registers()
    lines = [f"m{i} = {fmt(regs[f'm{i}'])}" for i in range(REG_FILES["m"]) if regs[f"m{i}"] != ()]
    return "\n".join(lines) or "(all empty)"


def cmd_set(sess, a: Args) -> str:
    reg = a.reg(0, "rpm", "REG")
    value = a.value(1, reg)
    sess.state.machine.set_register(sess.state.active, str(reg), value)
    return f"{reg} = {fmt(sess.state.sentron.registers()[str(reg)])}"


# -- sentrons ------------------------------------------------------------------------------------

def cmd_spawn(sess, a: Args) -> str:
    sid, home = a.whole(0, 0, MAX_ID, "ID"), a.coord(1, "COORD")
    name = a.name(2) if a.has(2) else f"s{sid}"
    m = sess.state.machine
    if sid in m.sentrons:
        raise ReplError(f"spawn: sentron id {sid} is taken by {m.sentrons[sid].label}",
                        hint=f"ids in use: {', '.join(str(i) for i in sorted(m.sentrons))}; `status` lists them")
    if name in m.names:
        raise ReplError(f"spawn: the name {name!r} is taken by {m.sentron(name).label}",
                        hint="give a name as the third argument: spawn ID COORD NAME")
    if len(m.sentrons) >= MAX_SENTRONS:
        raise ReplError(f"spawn: a REPL session holds at most {MAX_SENTRONS} sentrons",
                        hint="write a program with .sentron sections and `load` it for more")
    m.add_sentron(SentronCode(name=name, id=sid, home=home), start=False, source="repl")
    return f"sentron {name} (id {sid}) at {home}; `select {sid}` makes it active"


def cmd_select(sess, a: Args) -> str:
    word, m = a.word(0, "ID or NAME"), sess.state.machine
    sid = int(word) if word.isascii() and word.isdigit() and len(word) < 7 else m.names.get(word)
    if sid not in m.sentrons:
        labels = ", ".join(s.label for s in m.sentrons.values())
        close = did_you_mean(word, list(m.names)) if word.isascii() else ""
        raise ReplError(f"select: no sentron {clip(word)}{close}",
                        hint=f"sentrons: {labels} (select takes an id or a name)")
    sess.state.active = sid
    s = m.sentrons[sid]
    return f"active: sentron {s.label} at {s.home}"


def cmd_status(sess, a: Args) -> str:
    state = sess.state
    m = state.machine
    lines = [f"{'→' if s.id == state.active else ' '} {s.label:<16} home {s.home}  core {s.core}  {s.state}"
             f"  SIW {s.pc}/{s.n_siws}" for s in m.sentrons.values()]
    p = ppt_totals(state)
    pages = sum(len(x) for x in m.ppt.contents())
    lines.append(f"  memory: {plural(len(m.memory), 'cell')}; PPT: {pages} page(s) in use, "
                 + (f"{p.hits}/{p.accesses} hits = {100 * p.hit_rate:.1f}%" if p.accesses else "no accesses yet"))
    where = f"program {state.program}" + (" (stepping)" if state.stepper else " (no longer stepped)") \
        if state.program else "typed SIWs"
    lines.append(f"  cycle {m.cycle:,}; {where}; preset {m.config.name}, mode {m.mode}")
    return "\n".join(lines)


# -- the session ---------------------------------------------------------------------------------

def cmd_help(sess, a: Args) -> str:
    if a.has(0):
        c = lookup(a.word(0, "CMD").lower())
        names = " | ".join((c.name,) + c.aliases)
        extra = "  (changes the machine: `undo` takes it back)" if c.changes else ""
        return f"{c.usage}\n  {c.help}{extra}\n  names: {names}" + (f"\n  e.g. {c.example}" if c.example else "")
    out = []
    for group in GROUPS:
        out.append(f"{group}:")
        rows = [c for c in COMMANDS if c.group == group]
        usages = [_named_usage(c) for c in rows]
        width = max(map(len, usages))
        out += [f"  {u:<{width}}  {c.help}" for u, c in zip(usages, rows)]
    out.append("coordinates: 1.1.1 means 1.1.1/1.1.1/1.1.1.1.1 (scroll first, missing dims 1, each 0..2047)")
    return "\n".join(out)


def _named_usage(c: Command) -> str:
    """``write|w COORD V``: the usage with every name of the command."""
    return "|".join((c.name,) + c.aliases) + c.usage[len(c.name):]


def cmd_quit(sess, a: Args) -> str:
    sess.done = True
    return "bye"


def cmd_undo(sess, a: Args) -> str:
    return sess.undo()


# -- the table -------------------------------------------------------------------------------------

def _op_rows() -> list[Command]:
    rows = []
    for pipe in PIPES:
        for name, spec in OPS.items():
            if spec.pipe != pipe or name == "sel":
                continue
            operands = " ".join(o.name for o in spec.operands)
            rows.append(Command(name, (), f"{name} {operands}", spec.summary, ex.op_command(name),
                                f"{pipe}-pipe ops (each a one-SIW program on the active sentron)",
                                spec.max_operands, True, True,
                                _EXAMPLES.get(name, ""), "ops"))
    return rows


_EXAMPLES = {"mov": "mov r0 10", "add": "add r1 r0 r0", "fma": "fma r3 r0 r1 r2", "gather": "gather r0 p0",
             "scatter": "scatter p0 r1", "send": "send m0 1", "recv": "recv r0 any", "pack": "pack m0 r0 r1",
             "index": "index p1 p0 scroll 1", "temp": "temp 0.5", "bar": "bar 0 1"}
_C = Command
COMMANDS: tuple[Command, ...] = (
    _C("write", ("w",), "write COORD V", "write V to memory through the PPT", cmd_write, "memory", 2, True, True,
       "write 1.1.1 42"),
    _C("read", (), "read COORD", "read a memory cell through the PPT (counted)", cmd_read, "memory", 1, True, True,
       "read 1.1.1"),
    _C("mem", (), "mem", "list the written memory cells (not through the PPT)", cmd_mem, "memory"),
    _C("ppt", (), "ppt", "PPT hits, misses, hit rate and pages in use", cmd_ppt, "memory"),
    _C("save", (), "save FILE", "save memory to a .phext file", cmd_save, "memory", None, example="save mem.phext",
       completes="files"),
    _C("restore", (), "restore FILE", "replace memory with a saved .phext file", cmd_restore, "memory", None,
       True, True, "restore mem.phext", "files"),
    _C("reg", (), "reg", "the non-zero r registers of the active sentron", cmd_reg, "registers"),
    _C("preg", (), "preg", "the p registers not at the origin", cmd_preg, "registers"),
    _C("mreg", (), "mreg", "the message registers that hold a message", cmd_mreg, "registers"),
    _C("set", (), "set REG VALUE", "set rN to a number, pN to a coordinate, mN to lanes a;b;c;d", cmd_set,
       "registers", 2, True, True, "set p0 2.1.1", "rpm"),
    *_op_rows(),
    _C("siw", (), "siw D | S | C", "run one whole SIW (the text format of a .siw line)", ex.cmd_siw,
       "one SIW", None, True, True, "siw mul r2, r0, r1 | gather r3, p0 | -", "ops"),
    _C("spawn", (), "spawn ID COORD [NAME]", "add a sentron (ids and names must be new)", cmd_spawn,
       "sentrons", 3, True, True, "spawn 1 2.1.1 bob"),
    _C("select", ("sel",), "select ID|NAME", "make a sentron the active one, by id or name (the D op sel: "
       "siw sel ...)", cmd_select, "sentrons", 1, example="select bob", completes="sentrons"),
    _C("status", ("st",), "status", "every sentron (→ the active one), memory, PPT hit rate", cmd_status,
       "sentrons"),
    _C("load", (), "load FILE", "load a .siw program or a shipped example on a fresh machine", ex.cmd_load,
       "programs", None, True, example="load alice", completes="programs"),
    _C("run", (), "run [N]", "run the loaded program N cycles, or to the end", ex.cmd_run, "programs", 1, True),
    _C("step", (), "step [N]", "one cycle (or N) forward, and what happened", ex.cmd_step, "programs", 1, True),
    _C("back", (), "back [N]", "one cycle (or N) back (restores a snapshot, replays)", ex.cmd_back, "programs", 1,
       True),
    _C("trace", (), "trace", "the counters: cycles, ops, ops/cycle, stalls, PPT", ex.cmd_trace, "programs"),
    _C("timeline", (), "timeline [N]", "one line per cycle: the SIW issued or the stall (last N lines)",
       ex.cmd_timeline, "programs", 1),
    _C("undo", (), "undo", "put the machine back as it was before the last change", cmd_undo, "session"),
    _C("help", ("h", "?"), "help [CMD]", "the commands, or one command", cmd_help, "session", 1,
       completes="commands"),
    _C("quit", ("exit", "q"), "quit", "leave (end of input does too)", cmd_quit, "session"),
)
GROUPS = tuple(dict.fromkeys(c.group for c in COMMANDS))
BY_NAME = {n: c for c in COMMANDS for n in (c.name,) + c.aliases}


def lookup(word: str) -> Command:
    c = BY_NAME.get(word)
    if c is None:
        raise unknown_command(word, BY_NAME)
    return c


__all__ = ["Command", "COMMANDS", "BY_NAME", "GROUPS", "lookup", "MAX_SENTRONS"]
