"""The chat session: ONE machine for the whole conversation, so "memory stats" report what this
chat ran. :meth:`Chat.reply` is the pure core the terminal loop and the notebook widget both call:
a line in, text out, never an exception for anything a user types.
"""

from __future__ import annotations

import os
import platform
from collections import Counter

from ..cli_info import cpu_model
from .. import programs
from ..asm import disassemble
from ..config import PRESETS
from ..errors import VtpuError
from ..machine import Machine
from .intents import BY_NAME, INTENTS, route
from .runs import (RESULT_AT, show_vector, dot_program, dot_vectors, num, outputs, python_dot, relocate)
from .topics import explain

__all__ = ["Chat", "help_text"]

MAX_PROGRAM_LINES = 30   # longer programs are shown cut, with a count of the rest
_VERSIONS = ("baseline", "naive", "optimized")


def help_text() -> str:
    """Every intent with example lines (from the table :data:`~vtpu_lib.chat.intents.INTENTS`)."""
    lines = ["I understand plain words, in any case; you can say:"]
    lines += [f"  {i.name:<10} " + " | ".join(i.examples) for i in INTENTS]
    lines += ["'run inference' runs the attention pair (there is no trained model here to infer with).",
              "When a line asks for several things: help first, then a dot product with numbers, then",
              "statistics, then explain + a topic (it beats the topic's action: 'explain how attention works'",
              "explains, 'attention' runs it), then dot, attention, benchmark, demo, memory, status.",
              "Say 'explain chat' for the whole rule."]
    return "\n".join(lines)


def _error_line(e: VtpuError) -> str:
    return f"sorry: {e.message}" + (f" (hint: {e.hint})" if e.hint else "")


class Chat:
    """A conversation with one :class:`~vtpu_lib.machine.Machine`; ``reply(line) -> text``."""

    def __init__(self, config="seed", *, seed: int = 0):
        self.machine = Machine(config, seed=seed)
        self.history: list[str] = []   # what ran on the machine, in order

    def __repr__(self) -> str:
        m = self.machine
        return (f"Chat({m.config.name!r}: {len(self.history)} run(s), cycle {m.cycle:,}, "
                f"{len(m.sentrons)} sentron(s), {len(m.memory)} memory cell(s))")

    def reply(self, text: str) -> str:
        """The answer to one line. User mistakes come back as one 'sorry: ...' line, never raised."""
        try:
            r = route(text)
            return _HANDLERS[r.intent](self, r, text)
        except VtpuError as e:
            return _error_line(e)
        except Exception as e:  # noqa: BLE001 -- a bug of ours must not end the conversation
            return f"internal error ({type(e).__name__}: {e}); the chat goes on -- please report this line"

    # -- running on the session's machine ----------------------------------------------------------
    def run(self, program, what: str):
        """Load and run ``program`` (relocated to free ids/names) on the chat's machine; on any
        failure the machine is put back as it was. Returns (trace, the sentrons that ran)."""
        program = relocate(program, self.machine)
        before = self.machine.fork()
        try:
            self.machine.load(program)
            trace = self.machine.run()
        except BaseException:   # even Ctrl-C mid-run: never leave half-loaded sentrons behind
            self.machine = before
            raise
        self.history.append(what)
        return trace, program.sentrons

    def _runs_so_far(self) -> str:
        counts = Counter(self.history)
        return ", ".join(f"{k} x{n}" if n > 1 else k for k, n in counts.items()) or "none"

    def _examples(self) -> list[tuple]:
        rows = []
        for version in _VERSIONS:
            trace, codes = self.run(programs.load(f"microvtpu_{version}"), f"microvtpu_{version}")
            rows.append((version, trace.info(codes[0].id).registers["r0"], trace.counters(codes[0].id)))
        return rows

    # -- the answers -------------------------------------------------------------------------------
    def dot(self, text: str) -> str:
        a, b, default = dot_vectors(text)
        program = relocate(dot_program(a, b), self.machine)
        trace, codes = self.run(program, "dot product")
        sid = codes[0].id
        c, result, expect = trace.counters(sid), trace.info(sid).registers["r0"], python_dot(a, b)
        pu = c.pipe_utilization
        lines = [f"dot({show_vector(list(a))}, {show_vector(list(b))}) = {num(result)}"]
        if default:
            lines.append("(you gave no numbers, so I used the original's example; "
                         "say e.g. 'dot product of 1,2,3 and 4,5,6')")
        text_lines = disassemble(program).splitlines()
        cut = text_lines[:MAX_PROGRAM_LINES - 4] + [f"... ({len(text_lines) - MAX_PROGRAM_LINES + 4} more lines)"] \
            if len(text_lines) > MAX_PROGRAM_LINES else text_lines
        lines += ["the SIW program I ran (D | S | C):"] + [f"    {line}" for line in cut]
        lines.append(f"measured: {c.siws} SIWs, {c.ops} ops in {c.cycles} cycles = {c.ops_per_cycle:.2f} ops/cycle "
                     f"(useful {c.useful_ops_per_cycle:.2f}); pipes busy D {100 * pu['D']:.0f}%, "
                     f"S {100 * pu['S']:.0f}%, C {100 * pu['C']:.0f}% (the S pipe gathers and steps the pointers)")
        same = result == expect or (result != result and expect != expect)
        lines.append(f"result scattered to {RESULT_AT}; plain Python gives {num(expect)}"
                     + (" -- the same" if same else " -- THEY DIFFER, please report this"))
        return "\n".join(lines)

    def attention(self, note: str | None = None) -> str:
        program = programs.load("attention_pair")
        trace, codes = self.run(program, "attention")
        lines = []
        if note == "inference":
            lines.append("vtpu_lib has no trained model to run inference with; the inference step the original "
                         "advertised is its attention example, so here it is.")
        qkv = ", ".join(f"{num(v)} at {c.short()}" for c, v in program.preload)
        lines.append(f"attention: the bonded Alice/Bob pair (attention_pair.siw); q, k, v = {qkv}")
        for code in codes:
            c = trace.counters(code.id)
            wrote = ", ".join(f"{num(self.machine.memory.read(x))} to {x.short()}" for x in outputs(code))
            waits = ", ".join(f"{n} {k}" for k, n in c.stalls.items() if n)
            lines.append(f"  {trace.info(code.id).label}: wrote {wrote}; {c.siws} SIWs, {c.ops} ops in {c.cycles} "
                         f"cycles = {c.ops_per_cycle:.2f} ops/cycle" + (f" (stall cycles: {waits})" if waits else ""))
        return "\n".join(lines)

    def benchmark(self) -> str:
        rows = self._examples()
        pairs = ",".join(f"({num(a)},{num(b)})" for a, b in programs.ORIGINAL_PAIRS)
        lines = [f"benchmark: microvtpu's dot product of {pairs}, each version run on "
                 f"this chat's machine ({self.machine.config.name} preset)",
                 f"  {'version':<10} {'result':>7} {'cycles':>6} {'SIWs':>5} {'ops':>4} {'ops/cycle':>9} "
                 f"{'useful ops/cycle':>16}"]
        for version, result, c in rows:
            lines.append(f"  {version:<10} {num(result):>7} {c.cycles:>6} {c.siws:>5} {c.ops:>4} "
                         f"{c.ops_per_cycle:>9.2f} {c.useful_ops_per_cycle:>16.2f}")
        idle = rows[-1][2].ops - rows[-1][2].useful_ops
        lines.append(f"ops/cycle counts every filled slot, as the original did; useful ops/cycle only the ops that "
                     f"changed state ({idle} of the optimized version's ops did nothing). Peak: 3.00.")
        return "\n".join(lines)

    def demo(self) -> str:
        from ..course import micro   # the plain-Python model of notebook 01 (not imported by the core)
        pairs = programs.ORIGINAL_PAIRS
        model = {"baseline": micro.baseline_cpu(pairs), "naive": micro.naive(pairs),
                 "optimized": micro.optimized(pairs)}
        lines = ["demo: microvtpu's dot product in the plain-Python model (notebook 01) and in vtpu_lib, side by side",
                 f"  {'':<10} {'plain-Python model':^27} | {'vtpu_lib, this chat':^34}".rstrip(),
                 f"  {'version':<10} {'result':>7} {'cycles':>6} {'ops':>4} {'ops/cyc':>7} | {'result':>7} "
                 f"{'cycles':>6} {'ops':>4} {'ops/cyc':>7} {'useful':>6}"]
        for version, result, c in self._examples():
            r, cycles, ops = model[version]
            lines.append(f"  {version:<10} {num(r):>7} {cycles:>6} {ops:>4} {ops / cycles:>7.2f} | {num(result):>7} "
                         f"{c.cycles:>6} {c.ops:>4} {c.ops_per_cycle:>7.2f} {c.useful_ops_per_cycle:>6.2f}")
        sdc = micro.optimized(pairs, "SDC")[0]
        lines.append(f"the model counts its C-slot prefetch tokens as ops, and runs slots in order: its optimized "
                     f"program gives {num(model['optimized'][0])} in order D,S,C but {num(sdc)} in order S,D,C.")
        return "\n".join(lines)

    def memory(self) -> str:
        m = self.machine
        if not self.history:
            return ("nothing has run in this chat yet: memory is empty and the PPT has seen no accesses. "
                    "Try 'dot product of 1,2,3 and 4,5,6', then ask again.")
        c, cfg = m.trace().counters(), m.config
        p = c.ppt
        cells = list(m.memory.cells().items())
        shown = ", ".join(f"{k.short()} = {num(v)}" for k, v in cells[:8]) + (" ..." if len(cells) > 8 else "")
        resident = sum(len(s) for s in m.ppt.contents())
        return "\n".join([
            f"memory and PPT of this chat's machine after {len(self.history)} run(s): {self._runs_so_far()}",
            f"  memory: {len(cells)} cell(s): {shown}",
            f"  PPT ({cfg.ppt_sets} sets x {cfg.ppt_ways} ways = {cfg.ppt_capacity_pages} pages): {p.accesses} "
            f"accesses, {p.hits} hits, {p.misses} misses ({p.compulsory} compulsory, {p.capacity} capacity, "
            f"{p.conflict} conflict): hit rate {100 * p.hit_rate:.1f}%; {resident} page(s) resident",
            f"  machine: cycle {m.cycle}, {len(m.sentrons)} sentron(s), {c.ops} ops; messages {c.messages_sent} sent, "
            f"{c.messages_received} received"])

    def status(self) -> str:
        from .. import GLOSSARY, __version__
        try:
            import numpy
            np_version = numpy.__version__
        except ImportError:
            np_version = "not installed"
        m = self.machine
        lines = [f"I'm fine. vtpu_lib {__version__}, Python {platform.python_version()}, numpy {np_version}",
                 f"  this computer: {cpu_model()}, {os.cpu_count() or 'unknown'} core(s)"]
        lines += [f"  preset {n}: {GLOSSARY.get(f'{n} preset', 'a machine configuration')}" for n in PRESETS]
        lines.append(f"  this chat's machine: {m.config.name} preset, {m.mode} mode, cycle {m.cycle}, "
                     f"{len(m.sentrons)} sentron(s), {len(m.memory)} memory cell(s); runs: {self._runs_so_far()}")
        return "\n".join(lines)


def _unknown(chat: Chat, r, text) -> str:
    if r.note == "not text":
        return "sorry: I read text only (hint: type a sentence, e.g. 'help')"
    tips = " or ".join(f"'{BY_NAME[name].examples[0]}' ({name})" for name in r.suggestions)
    return f"I'm not sure what you mean. Closest: {tips}. Say 'help' for everything I can do."


_HANDLERS = {
    "empty": lambda chat, r, text: "",
    "quit": lambda chat, r, text: "Goodbye.",
    "help": lambda chat, r, text: help_text(),
    "explain": lambda chat, r, text: explain(r.topic),
    "dot": lambda chat, r, text: chat.dot(text),
    "attention": lambda chat, r, text: chat.attention(r.note),
    "benchmark": lambda chat, r, text: chat.benchmark(),
    "demo": lambda chat, r, text: chat.demo(),
    "memory": lambda chat, r, text: chat.memory(),
    "status": lambda chat, r, text: chat.status(),
    "unknown": _unknown,
}
