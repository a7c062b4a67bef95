"""Translation validation: does a transformed program compute exactly what its source computes?

Both programs are evaluated *symbolically*: a register holds an expression (``add(gather(1.1.1),
#2)``), not a number, so two programs agree exactly when every register the source writes ends
with the same expression, every memory cell it scatters to ends with the same expression, and
the effects other sentrons see (sends, receives, barriers, beacons, temperature) happen in the
same order with the same memory behind them. That is independent of timing -- the machine's
scoreboard only ever delays an op, it never changes what the op reads -- so it holds for every
latency and PPT configuration, and it needs no map from the output's ops back to the source's:
it checks a packed, unrolled, renamed or hand-written program alike. Floats are compared by
their bits, so a reassociated sum (multiple accumulators) is *not* the same expression.

When a program differs, :func:`validate` names the first op that computes something the source
never does and the dependence it broke: the value it should have read, and whose it got.
p registers hold coordinates, which are known statically (see ``graph.resolve_addresses``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..coord import Coord
from ..errors import CoordError, ScheduleError
from ..isa import MSG_LANES, REG_FILES, Imm, float_bits
from ..machine.state import NREGS, P_BASE, M_BASE, flat, reg_name
from ..program import Program, SentronCode
from .graph import SYNC_OPS

_R = REG_FILES["r"]


class Terms:
    """Hash-consed expressions: each distinct expression is one int; ``show`` prints it."""

    def __init__(self):
        self.ids: dict[tuple, int] = {}
        self.keys: list[tuple] = []

    def __call__(self, *key) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.keys)
            self.keys.append(key)
        return i

    def const(self, value: float) -> int:
        return self("c", float_bits(float(value)), float(value))

    def show(self, i: int, depth: int = 3) -> str:
        key = self.keys[i]
        head = key[0]
        if head == "c":
            return str(Imm(key[2]))
        if head == "init":
            return f"initial {key[1]}"
        if head == "mem":
            return f"memory[{key[1].short()}]" + (f" (epoch {key[2]})" if key[2] else "")
        if head == "recv":
            return f"recv #{key[1] + 1} lane {int(key[2]) if not isinstance(key[2], bool) else 0}"
        if depth == 0:
            return f"{head}(...)"
        return f"{head}({', '.join(self.show(a, depth - 1) for a in key[1:])})"


@dataclass
class SymState:
    """What a sentron's code leaves, symbolically, and which op produced each expression."""
    regs: list
    memory: dict                       # coordinate -> expression last scattered there
    syncs: list                        # (op name, operands, memory fingerprint) in program order
    producer: dict = field(default_factory=dict)   # expression -> (pc, op text, line, register) that first made it
    reads: list = field(default_factory=list)      # per op: (pc, slot, instr, line, operand exprs, result)
    written: set = field(default_factory=set)      # flat registers the code writes
    touched: set = field(default_factory=set)      # flat registers the code reads or writes


def symbolic_run(code: SentronCode, terms: Terms, mode: str = "vliw", slot_order: str = "DSC") -> SymState:
    """Evaluate ``code`` on expressions (see the module doc). Inside ``sharing(program)`` only the
    gathers and scatters of cells other sentrons share are tied to the sync ops around them."""
    from .sharing import shared_for
    shared = shared_for(code.name)
    regs: list = [terms("init", reg_name(i)) for i in range(P_BASE)] + [Coord()] * REG_FILES["p"] \
        + [()] * REG_FILES["m"]
    for reg, value in code.init:
        i = flat(reg)
        regs[i] = terms.const(value) if reg.file == "r" else (value if reg.file == "p"
                                                                  else tuple(terms.const(v) for v in value))
    st = SymState(regs, {}, [])
    fingerprint = [0, 0]   # memory's fingerprint, and the epoch a gather of this SIW reads in
    for pc, siw in enumerate(code.siws):
        line = code.lines[pc] if pc < len(code.lines) else 0
        pending, n_syncs, fp_start = [], len(st.syncs), fingerprint[0]
        # a gather reads after the syncs of earlier SIWs, or alongside the sync of its own SIW
        fingerprint[1] = 2 * n_syncs + (siw.c is not None and siw.c.op in SYNC_OPS)
        for name in slot_order:
            slot = "DSC".index(name)
            instr = siw.slots[slot]
            if instr is None:
                continue
            result = _eval(instr, regs, st, terms, fingerprint, shared)
            st.touched.update(flat(r) for r in instr.reads())
            for r in instr.writes():
                i = flat(r)
                st.written.add(i)
                st.touched.add(i)
                if mode == "sequential":
                    regs[i] = result
                else:
                    pending.append((i, result))
                for t in (result if isinstance(result, tuple) else (result,)):
                    if isinstance(t, int) and t not in st.producer:
                        st.producer[t] = (pc, str(instr), line, reg_name(i))
            operands = tuple(regs[flat(r)] for r in instr.reads()) if mode == "sequential" else None
            st.reads.append((pc, name, instr, line, operands, result))
        for i, value in pending:
            regs[i] = value
        if len(st.syncs) > n_syncs:   # what memory held before and after the SIW of a sync
            op, operands, _ = st.syncs[-1]
            st.syncs[-1] = (op, operands, (fp_start, fingerprint[0]))
    return st


def _addr(instr, regs):
    return regs[flat(instr.args[1] if instr.op == "gather" else instr.args[0])]


def _eval(instr, regs, st: SymState, terms: Terms, fp: list, shared=None):
    """The expression ``instr`` produces (or its effect on memory and the sync list)."""
    op, args = instr.op, instr.args
    if instr.spec.fn is not None:                               # dense arithmetic
        if op == "mov":
            return terms.const(args[1].value) if isinstance(args[1], Imm) else regs[flat(args[1])]
        return terms(op, *(regs[flat(a)] for a in args[1:]))
    if op == "gather":
        c = _addr(instr, regs)
        value = st.memory.get(c)
        if value is not None:
            return value
        return terms("mem", c, fp[1] if shared is None or shared.orders_load(c) else 0)
    if op == "scatter":
        c = _addr(instr, regs)
        old = st.memory.get(c)
        seen = shared is None or shared.orders_store(c)   # only stores others may see are fingerprinted
        if old is not None and seen:
            fp[0] -= hash((c, old))
        st.memory[c] = regs[flat(args[1])]
        if seen:
            fp[0] += hash((c, st.memory[c]))
        return None
    if op in ("prefetch", "cprefetch"):
        return None
    if op == "index":
        base = regs[flat(args[1])]
        if not isinstance(base, Coord):     # moved out of range earlier: the run faults there
            return terms("fault", len(st.reads))
        try:
            return base.moved(args[2], args[3])
        except CoordError:
            return terms("fault", len(st.reads))
    if op == "pack":
        return tuple(regs[flat(a)] for a in args[1:])
    if op == "unpack":
        msg, lane = regs[flat(args[1])], args[2]
        return msg[lane] if 0 <= lane < len(msg) else terms("fault", len(st.reads))
    if op in SYNC_OPS:
        k = len(st.syncs)
        if op in ("send", "beacon"):
            operands = (regs[flat(args[0])],) + tuple(args[1:])   # the message and where it goes
        elif op == "recv":
            operands = (args[1],)
        else:
            operands = tuple(args)
        st.syncs.append((op, operands, fp[0]))
        if op == "recv":   # into r: lane 0; into m: every lane (the machine faults on a missing one)
            if args[0].file == "r":
                return terms("recv", k, True)
            return tuple(terms("recv", k, lane) for lane in range(MSG_LANES))
        return None
    raise ScheduleError(f"the validator does not know op {op!r}")  # pragma: no cover - the op table is closed


@dataclass(frozen=True, slots=True)
class Validation:
    """The verdict on a transformed program: ``ok``, and if not, what broke, in words."""
    ok: bool
    problems: tuple
    scratch: tuple          # registers the output uses that the source never touches
    source_siws: int
    output_siws: int

    def raise_if_invalid(self) -> "Validation":
        if not self.ok:
            raise ScheduleError(self.problems[0], hint="the output must compute what its source computes; "
                                                       "see Validation.problems for every difference")
        return self

    def __repr__(self) -> str:
        verdict = "valid" if self.ok else f"INVALID ({len(self.problems)} problem(s): {self.problems[0]})"
        return f"Validation({verdict}, {self.source_siws} -> {self.output_siws} SIWs, scratch {list(self.scratch)})"


def validate(source: Program, output: Program, mode: str = "vliw", slot_order: str = "DSC") -> Validation:
    """Check that ``output`` computes exactly what ``source`` does (see the module doc)."""
    from .sharing import sharing
    with sharing(source, mode, slot_order):
        return _validate(source, output, mode, slot_order)


def _validate(source: Program, output: Program, mode: str, slot_order: str) -> Validation:
    problems, scratch = [], []
    if dict(source.preload) != dict(output.preload):
        problems.append("the .mem preload differs")
    names = [s.name for s in source.sentrons]
    if names != [s.name for s in output.sentrons]:
        problems.append(f"the sentrons differ: {names} vs {[s.name for s in output.sentrons]}")
    else:
        for a, b in zip(source.sentrons, output.sentrons):
            p, s = _compare(a, b, mode, slot_order)
            problems += p
            scratch += [f"{a.name}.{r}" for r in s]
    n_src = sum(len(s.siws) for s in source.sentrons)
    n_out = sum(len(s.siws) for s in output.sentrons)
    return Validation(not problems, tuple(problems), tuple(scratch), n_src, n_out)


def _compare(a: SentronCode, b: SentronCode, mode: str, slot_order: str) -> tuple[list, list]:
    where = f"sentron {a.name}: "
    if (a.id, a.home, a.core, a.thread) != (b.id, b.home, b.core, b.thread):
        return [where + "its id, home, core or thread differs"], []
    terms = Terms()
    src, out = symbolic_run(a, terms, mode, slot_order), symbolic_run(b, terms, mode, slot_order)
    problems = _first_divergence(src, out, terms, where)
    scratch = []
    for i in range(NREGS):
        if src.regs[i] != out.regs[i]:
            if i not in src.touched and not problems:
                scratch.append(reg_name(i))
            elif i in src.written or i in src.touched:
                problems.append(where + _final_register(i, src, out, terms))
    for c in sorted(set(src.memory) | set(out.memory)):
        if src.memory.get(c) != out.memory.get(c):
            problems.append(where + f"memory[{c.short()}] ends as {_show(out.memory.get(c), terms)}, "
                            f"the source leaves {_show(src.memory.get(c), terms)}")
    problems += _sync_problems(src, out, terms, where)
    return problems, scratch


def _show(t, terms: Terms) -> str:
    if t is None:
        return "nothing written"
    if isinstance(t, int):
        return terms.show(t)
    if isinstance(t, Coord):
        return t.short()
    return "(" + ", ".join(terms.show(x) for x in t) + ")"


def _final_register(i: int, src: SymState, out: SymState, terms: Terms) -> str:
    name = reg_name(i)
    want, got = src.regs[i], out.regs[i]
    who_w, who_g = src.producer.get(want), src.producer.get(got)
    text = f"{name} ends as {_show(got, terms)}, the source leaves {_show(want, terms)}"
    if who_w and who_g:
        text += (f": output dependence broken -- `{who_g[1]}` (line {who_g[2]}) must write {name} before "
                 f"`{who_w[1]}` (line {who_w[2]}), as in the source")
    return text


def _first_divergence(src: SymState, out: SymState, terms: Terms, where: str) -> list:
    """The first output op computing an expression the source never computes, and why."""
    known = set(src.producer)
    for pc, slot, instr, line, _, result in out.reads:
        if not isinstance(result, int) or result in known or terms.keys[result][0] in ("mem", "recv", "c", "init"):
            continue
        return [where + _blame(instr, pc, slot, line, result, src, terms)]
    return []


def _blame(instr, pc, slot, line, result, src: SymState, terms: Terms) -> str:
    got_args = terms.keys[result][1:]
    here = f"`{instr}` (output SIW {pc} {slot}{f', line {line}' if line else ''})"
    best, best_score = None, -1
    for s_pc, _, s_instr, _, _, s_result in src.reads:
        if s_instr.op != instr.op or not isinstance(s_result, int):
            continue
        want_args = terms.keys[s_result][1:]
        if len(want_args) != len(got_args):
            continue
        score = sum(x == y for x, y in zip(want_args, got_args)) + (s_instr == instr)
        if score > best_score:
            best, best_score = (s_instr, s_pc, want_args), score
    if best is not None:
        s_instr, s_pc, want_args = best
        for reg, want, got in zip(s_instr.reads(), want_args, got_args):
            if want != got:
                return _broken(here, reg, want, got, src, terms, s_pc)
    return f"{here} computes {terms.show(result)}, which the source never computes"


def _broken(here, reg, want, got, src: SymState, terms: Terms, reader_pc: int) -> str:
    """Which dependence an op that read the wrong value broke: it should have read ``want``."""
    p_want, p_got = src.producer.get(want), src.producer.get(got)
    name_w = f"`{p_want[1]}` (line {p_want[2]})" if p_want else terms.show(want)
    name_g = f"`{p_got[1]}` (line {p_got[2]})" if p_got else terms.show(got)
    if p_got and p_got[3] != str(reg):   # the value reached reg through memory: a gather saw a later store
        return (f"{here} reads {reg} loaded from memory that already holds {name_g}'s value: memory dependence "
                f"broken -- a gather moved after the scatter of the same cell (it needs {name_w})")
    if p_got and p_got[0] > reader_pc:
        return (f"{here} reads {reg} after {name_g} overwrote it: anti dependence broken -- it must read "
                f"{reg} before {name_g} writes it (it needs {name_w})")
    if p_want and p_want[1].startswith("scatter") or terms.keys[got][0] == "mem":
        return f"{here} reads memory before {name_w} stores it: memory dependence broken (it gets {name_g})"
    return (f"{here} reads {reg} before {name_w} writes it: true dependence broken -- it gets {name_g} "
            f"instead")


def _sync_problems(src: SymState, out: SymState, terms: Terms, where: str) -> list:
    if len(src.syncs) != len(out.syncs):
        return [where + f"{len(out.syncs)} send/recv/bar/beacon/temp ops, the source has {len(src.syncs)}"]
    for k, (x, y) in enumerate(zip(src.syncs, out.syncs)):
        if x[:2] != y[:2]:
            return [where + f"order broken: effect #{k + 1} is `{y[0]}` with {_show_ops(y[1], terms)}, "
                            f"the source's is `{x[0]}` with {_show_ops(x[1], terms)}"]
        if x[2] != y[2]:
            return [where + f"order broken: a gather or scatter moved across `{x[0]}` (effect #{k + 1}), "
                            "which other sentrons can see"]
    return []


def _show_ops(ops, terms: Terms) -> str:
    return ", ".join(_show(o, terms) if isinstance(o, tuple) else str(o) for o in ops)


__all__ = ["Terms", "SymState", "symbolic_run", "Validation", "validate"]
