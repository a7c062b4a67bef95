"""The commands that run SIWs: one per op of the op table, ``siw D | S | C``, and a loaded
program's ``load``, ``run``, ``step``, ``back``, ``trace``, ``timeline``.

An op command (``add r1 r0 r0``, ``mov r0 10``, ``gather r0 p0``) checks each argument with the
assembler's parsers, writes the op into its pipe's slot of one SIW and assembles that line, so
every rule of a ``.siw`` file holds here too; then :func:`~vtpu_lib.repl.state.run_siw` runs it
and the answer reports what changed and the ops/cycle the counters measured.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace

from .. import programs
from ..asm import assemble, assemble_file
from ..asm_lines import clip, did_you_mean
from ..errors import AsmError
from ..isa import OPS, PIPES, Imm
from ..stepper import Stepper
from .args import Args, ReplError, one_line
from .state import State, fmt, plural, run_siw, summed

STEP_MAX_CYCLES = 100_000        # a loaded program's run limit (the longest shipped one needs 16)
TIMELINE_LINES = 200             # `timeline` shows at most this many lines unless asked for more
_REGISTER_WORD = re.compile(r"[A-Za-z]+[0-9]*")
_NUMBER_WORDS = {"inf", "nan", "infinity"}
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_+\-]+")


# -- one op, one SIW ---------------------------------------------------------------------------

def _operand_text(a: Args, i: int, operand) -> str:
    """Argument ``i`` as the assembler writes it, checked here first so the message names it."""
    kind, what = operand.kind, operand.name
    if kind in ("r", "p", "m", "rm"):
        return str(a.reg(i, kind, what))
    word = a.word(i, what)
    if kind == "ri" and _REGISTER_WORD.fullmatch(word) and word.lower() not in _NUMBER_WORDS:
        return str(a.reg(i, "r", what))
    if kind in ("ri", "imm"):
        return str(Imm(a.number(i, what)))  # '10' and '#10' alike; repr-exact for 2.5, -0.0, inf
    if not _PLAIN_WORD.fullmatch(word):     # a '|' or '#' would change the SIW line itself
        raise ReplError(f"{a.command.name} {what}: unexpected {clip(word)}", hint=a.usage())
    return word                             # ints, dims, sentron names: the assembler checks them


def op_siw_text(op: str, a: Args) -> str:
    spec = OPS[op]
    lo = spec.min_operands or spec.max_operands
    operands = [_operand_text(a, i, o) for i, o in enumerate(spec.operands) if i < max(lo, len(a))]
    slots = ["-", "-", "-"]
    slots[PIPES.index(spec.pipe)] = op + (" " + ", ".join(operands) if operands else "")
    return " | ".join(slots)


def one_siw(text: str, who: str, usage: str = "siw D | S | C, e.g. siw add r1, r0, r0 | gather r2, p0 | -"):
    """The SIW of one line of SIW text, or a ReplError saying what the assembler found."""
    if text.lstrip().startswith("."):
        raise ReplError(f"{who}: directives such as {clip(text.split()[0])} belong in a program file",
                        hint="siw takes one SIW 'D | S | C'; put directives in a .siw file and `load` it")
    try:
        program = assemble(text, file=who)
    except AsmError as e:
        where = f" column {e.col}" if who == "siw" else ""
        message = e.message.removeprefix(f"'{who}' ")   # 'bar: count must be >= 1', not "bar: 'bar' count"
        raise ReplError(f"{who}{where}: {message}", hint=e.hint or f"usage: {usage}") from None
    siws = program.sentrons[0].siws
    if len(siws) != 1:
        raise ReplError(f"{who}: expected one SIW, found none", hint="e.g. siw add r1, r0, r0 | gather r2, p0 | -")
    return siws[0]


def describe(state: State, trace, siw) -> str:
    """What a typed SIW did (registers written, memory, messages) and its measured ops/cycle."""
    regs, names = state.sentron.registers(), {s.id: s.name for s in trace.sentrons}
    parts = [f"{reg} = {fmt(regs[str(reg)])}" for op in siw.ops() for reg in op.writes()]
    for e in trace.events(("ppt", "send", "recv")):
        x = e.info
        if e.kind == "send":
            parts.append(f"sent {fmt(x.values)} to {names[x.dst]} (arrives in cycle {x.arrive_cycle})")
        elif e.kind == "recv":
            parts.append(f"received from {names[x.src]}")
        elif x.op == "scatter":
            parts.append(f"memory {x.coord} = {fmt(state.machine.memory.read(x.coord))} (PPT {x.outcome})")
        elif x.op == "gather":
            parts.append(f"from {x.coord} (PPT {x.outcome})")
        else:
            parts.append(f"prefetch {x.coord}: {x.outcome}")
    if any(op.op == "temp" for op in siw.ops()):
        parts.append(f"receive temperature = {fmt(state.sentron.temperature)}")
    c = trace.counters(state.active)
    measured = f"{plural(c.ops, 'op')} in {plural(c.cycles, 'cycle')}: {c.ops_per_cycle:.2f} ops/cycle"
    if c.useful_ops != c.ops:
        measured += f", {c.useful_ops} useful"
    stalls = [f"{n} {reason}" for reason, n in c.stalls.items() if n]
    if stalls:
        measured += "; stalled " + ", ".join(stalls)
    return "; ".join(parts) + f"  ({measured})" if parts else measured


def op_command(op: str):
    """The command of one op: parse, assemble, run, describe."""
    def run(sess, a: Args) -> str:
        siw = one_siw(op_siw_text(op, a), op, a.usage().removeprefix("usage: "))
        return describe(sess.state, run_siw(sess.state, siw), siw)
    run.__name__ = f"cmd_{op}"
    run.__doc__ = OPS[op].summary
    return run


def cmd_siw(sess, a: Args) -> str:
    siw = one_siw(a.text("SIW"), "siw")
    trace = run_siw(sess.state, siw)
    return f"{siw}\n" + describe(sess.state, trace, siw)


# -- a loaded program ---------------------------------------------------------------------------

def read_program(arg: str):
    """A ``.siw`` file, or a shipped example by name (``alice``, ``alice.siw``)."""
    if not os.path.exists(arg):
        name = arg[:-4] if arg.endswith(".siw") else arg
        if name in programs.names():
            return programs.load(name), f"{name}.siw"
        raise ReplError(f"load: no file or example {clip(arg)}{did_you_mean(name, programs.names())}",
                        hint=f"give a .siw path, or an example: {', '.join(programs.names())}")
    try:
        return assemble_file(arg), arg
    except AsmError as e:
        raise ReplError(f"{e.file}:{e.line}:{e.col}: {e.message}" if e.line else f"{e.file}: {e.message}",
                        hint=e.hint or f"give a .siw file, or an example: {', '.join(programs.names())}") from None


def cmd_load(sess, a: Args) -> str:
    program, name = read_program(a.text("FILE"))
    stepper = Stepper(program, sess.config, mode=sess.mode, seed=sess.seed, max_cycles=STEP_MAX_CYCLES)
    first = program.sentrons[0].id
    sess.state = State(stepper.machine, first, stepper, program=name)
    who = ", ".join(f"{s.name} (id {s.id})" for s in program.sentrons)
    siws = sum(len(s.siws) for s in program.sentrons)
    return (f"loaded {name}: {plural(len(program.sentrons), 'sentron')} [{who}], {plural(siws, 'SIW')}, "
            f"{plural(len(program.preload), '.mem cell')}; a fresh machine at cycle 0\n"
            "step / run [N] / back move it; reg, preg, status, timeline look at it")


def _stepper(sess) -> Stepper:
    st = sess.state.stepper
    if st is None:
        raise ReplError("no program is being stepped",
                        hint=f"load FILE first (or an example: {', '.join(programs.names())})")
    return st


def _view(sess, st: Stepper) -> str:
    out, _, _ = st.render().partition("\n  the run stopped here:")
    if st.error is not None and st.done:
        out += "\n  the run stopped here: " + one_line(st.error)
    if st.done and st.error is None:
        out += "\n" + st.machine.trace().counters().summary()
    return out


def cmd_run(sess, a: Args) -> str:
    st = _stepper(sess)
    n = a.count(0, 0, STEP_MAX_CYCLES, "N")
    st.goto(st.cycle + n if n else st.max_cycles)
    return _view(sess, st)


def cmd_step(sess, a: Args) -> str:
    st = _stepper(sess)
    before = st.cycle
    st.goto(before + a.count(0, 1, STEP_MAX_CYCLES))
    note = "" if st.cycle > before else "\n(the program has finished: `back` steps back, `undo` undoes)"
    return _view(sess, st) + note


def cmd_back(sess, a: Args) -> str:
    st = _stepper(sess)
    if st.cycle == 0:
        raise ReplError("already at cycle 0", hint="step or run moves forward")
    st.goto(max(0, st.cycle - a.count(0, 1, STEP_MAX_CYCLES)))
    return _view(sess, st)


def cmd_trace(sess, a: Args) -> str:
    state, out = sess.state, []
    trace = state.machine.trace()
    c = trace.counters()
    if c.siws or state.stepper is not None:
        if any(s.state != "retired" for s in trace.sentrons):   # the counters' cycles end at the last retire
            last = max((e.cycle for e in trace.events(("issue", "stall"))), default=-1)
            c = replace(c, cycles=last + 1 - min(s.start_cycle or 0 for s in trace.sentrons))
            head = f"program {state.program}, not finished: the counters of cycles 0..{last} so far"
        else:
            head = f"program {state.program}:"
        out.append(f"{head}\n{c.summary()}")
    if state.runs:
        out.append(f"typed SIWs ({len(state.runs)} one-SIW runs):\n{summed(state.runs).summary()}")
    return "\n".join(out) or "nothing has run yet (type an op such as `mov r0 10`, or `load alice` and `run`)"


def cmd_timeline(sess, a: Args) -> str:
    state = sess.state
    lines = state.machine.trace().timeline().splitlines() + state.timeline
    if not lines:
        return "nothing has run yet (the timeline shows one line per cycle: the SIW issued, or why it stalled)"
    n = a.count(0, TIMELINE_LINES, 10**7)
    head = [f"... {len(lines) - n:,} earlier line(s); `timeline N` shows the last N"] if len(lines) > n else []
    return "\n".join(head + lines[-n:])


__all__ = ["op_command", "op_siw_text", "one_siw", "describe", "cmd_siw", "read_program", "cmd_load", "cmd_run",
           "cmd_step", "cmd_back", "cmd_trace", "cmd_timeline", "STEP_MAX_CYCLES"]
