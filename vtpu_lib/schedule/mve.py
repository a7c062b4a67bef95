"""Modulo variable expansion (Lam 1988): registers for an overlapped loop, and its code.

In a modulo schedule iteration k starts at k*II, so a value whose lifetime (issue to last read)
exceeds II is still needed when the next iteration writes it again. Lam's answer: give such a
value q = ceil(lifetime / II) registers used in rotation and unroll the kernel by u = max q, so
that the register names repeat with the kernel (each q is rounded up to a divisor of u).

Which copy iteration k writes is chosen so that the *last* iteration writes the source's own
register: after the loop every register holds what the source leaves there. A value the loop
carries (``acc``, a pointer) must also *start* in the source's register, where the code before the
loop left it: iteration k then writes copy (k + 1) mod q, and when the last one does not land in
copy 0 (n mod q != 0) one ``mov`` (r) or ``index ..., 0, 0`` (p) after its last write moves it
there, in a free slot of the epilogue when there is one. (A copy *before* the loop would do too,
but it would copy the loop's inputs, which the source never computes itself.)

:func:`emit` lays every op of every iteration at cycle k*II + t (the prologue, the kernel, the
epilogue are just where fewer than SC iterations overlap), drops empty cycles (the scoreboard
waits by itself) and marks the steady state -- u*II cycles repeated -- as a loop region.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..isa import Instr, Reg
from ..program import Loop
from .loops import LoopGraph, lifetimes, producers
from .regions import free_registers

PIPE_SLOT = {"D": 0, "S": 1, "C": 2}


@dataclass(frozen=True, slots=True)
class Allocation:
    """Registers of every value: ``regs[j]`` (copy 0 first) for the op j that writes one."""
    regs: dict          # op -> tuple of Reg
    phase: dict         # op -> "last" (iteration n-1 writes copy 0), "first" (iteration -1 does), "any"
    unroll: int         # u: kernel copies
    producers: tuple    # per op, per read operand position: (producer op, distance)
    lifetimes: dict
    count: int          # n, the iterations the registers were chosen for

    def copy(self, j: int, k: int) -> Reg:
        """The register iteration k (-1: before the loop) uses for op j's value."""
        regs = self.regs[j]
        q, n = len(regs), self.count
        return regs[{"last": (n - 1 - k) % q, "first": (k + 1) % q, "any": k % q}[self.phase[j]]]

    def __repr__(self) -> str:
        values = ", ".join(f"{j}: {'/'.join(map(str, regs))}" + (" (starts in copy 0)" if self.phase[j] == "first" else "")
                           for j, regs in self.regs.items())
        return f"Allocation(kernel x{self.unroll}, n={self.count}: {values})"

    def fixups(self) -> list:
        """(op, copy holding the last iteration's value, source register) where they differ."""
        out = []
        for j, regs in self.regs.items():
            if self.phase[j] == "first" and self.copy(j, self.count - 1) != regs[0]:
                out.append((j, self.copy(j, self.count - 1), regs[0]))
        return out


def allocate(graph: LoopGraph, times, ii: int, renamed: bool, scratch=None):
    """Registers for every value (see the module doc), or None when they do not fit.
    ``scratch``: per file, the registers free to use (default: those the code never touches)."""
    n = graph.loop.count
    writers = {op.index: op.instr.writes()[0] for op in graph.ops if op.instr.writes()}
    uses = producers(graph)
    carried = {j for row in uses for j, d in row.values() if d == 1}
    final = {j: all(reg not in o.instr.writes() for o in graph.ops[j + 1:]) for j, reg in writers.items()}
    spans = lifetimes(graph, times, ii)
    if not renamed:
        phase = {j: "last" for j in writers}
        return Allocation({j: (r,) for j, r in writers.items()}, phase, 1, uses, spans, n)
    need = {j: -(-spans[j] // ii) for j in writers}
    u = max(need.values(), default=1)
    pools = {f: list(scratch[f]) if scratch else free_registers(graph.code, f) for f in "rpm"}
    regs, phase = {}, {}
    for j, reg in writers.items():
        q = next(d for d in range(need[j], u + 1) if u % d == 0)
        fresh = q - 1 if final[j] else q
        pool = pools[reg.file]
        if len(pool) < fresh:
            return None
        regs[j] = ((reg,) if final[j] else ()) + tuple(pool[:fresh])
        del pool[:fresh]
        phase[j] = "any" if not final[j] else "first" if j in carried and n % q else "last"
        if phase[j] == "first" and reg.file == "m":
            return None       # a message register cannot be moved by one op
    return Allocation(regs, phase, u, uses, spans, n)


def _instr(op, alloc: Allocation, k: int) -> Instr:
    args = list(op.instr.args)
    for pos, (arg, spec) in enumerate(zip(args, op.instr.spec.operands)):
        if not isinstance(arg, Reg):
            continue
        if spec.writes:
            args[pos] = alloc.copy(op.index, k)
        elif pos in alloc.producers[op.index]:
            j, d = alloc.producers[op.index][pos]
            args[pos] = alloc.copy(j, k - d)
    return Instr(op.instr.op, tuple(args))


def _move(src: Reg, dst: Reg) -> tuple[int, Instr]:
    """The slot and op that copy one register to another."""
    if src.file == "r":
        return 0, Instr("mov", (dst, src))
    return 1, Instr("index", (dst, src, 0, 0))


def emit(graph: LoopGraph, times, ii: int, alloc: Allocation, latency_of) -> tuple[list, list, list, int]:
    """The pipelined loop: rows of [d, s, c] per cycle, their lines, the kernel's loop region over
    the rows' SIWs (empty rows dropped), and the cycle the last fix-up's value lands (0: none)."""
    n, u = graph.loop.count, alloc.unroll
    stages = max(times) // ii + 1
    span = (n - 1) * ii + max(times) + 1
    rows = [[None, None, None] for _ in range(span)]
    lines = [0] * span
    cache: dict = {}
    for k in range(n):
        for op in graph.ops:
            key = (op.index, k % u)       # the names repeat with the kernel
            if key not in cache:
                cache[key] = _instr(op, alloc, k)
            c = k * ii + times[op.index]
            rows[c][PIPE_SLOT[op.pipe]] = cache[key]
            lines[c] = op.line if not lines[c] or (op.line and op.line < lines[c]) else lines[c]
    kernels = (n - stages + 1) // u
    kernel_end = (stages - 1 + kernels * u) * ii if kernels >= 1 else 0
    landed = _place_fixups(graph, times, ii, alloc, rows, lines, kernel_end, latency_of)
    loops = []
    if kernels >= 1:
        start = (stages - 1) * ii
        before = sum(any(r) for r in rows[:start])
        body = sum(any(r) for r in rows[start:start + u * ii])
        loops.append(Loop(before, body, kernels))
    return rows, lines, loops, landed


def _place_fixups(graph, times, ii, alloc: Allocation, rows, lines, kernel_end, latency_of) -> int:
    """Move each carried value's last copy home: after its last write and after the last read of what
    its home register held, outside the kernel, in a free slot (else in a new row at the end)."""
    n, strict = graph.loop.count, graph.mode == "sequential"
    landed = 0
    for j, src, dst in alloc.fixups():
        q = len(alloc.regs[j])
        slot, instr = _move(src, dst)
        last_write = times[j] + (n - 1) * ii
        home = max((k for k in range(-1, n) if alloc.copy(j, k) == dst), default=-1)
        done = times[j] + home * ii + alloc.lifetimes[j] + strict   # the home copy's value is dead by then
        low = max(last_write + 1, done, kernel_end)
        ready = max(low, last_write + graph.ops[j].latency)
        free = [c for c in range(low, len(rows)) if rows[c][slot] is None]
        c = next((c for c in free if c >= ready), free[0] if free else None)
        if c is None:
            c = max(len(rows), ready)
            while len(rows) <= c:
                rows.append([None, None, None])
                lines.append(graph.ops[j].line)
        rows[c][slot] = instr
        landed = max(landed, max(c, ready) + latency_of(instr))
    return landed


__all__ = ["Allocation", "allocate", "emit", "PIPE_SLOT"]
