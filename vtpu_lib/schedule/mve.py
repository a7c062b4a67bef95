"""Modulo variable expansion (Lam 1988): registers for an overlapped loop, and its code.

In a modulo schedule iteration k starts at k*II, so a value whose lifetime (issue to last read)
exceeds II is still needed when the next iteration writes it again. Lam's answer: give such a
value q = ceil(lifetime / II) registers used in rotation and unroll the kernel by u = max q, so
that the register names repeat with the kernel (each q is rounded up to a divisor of u).

Which copy iteration k writes is chosen so that the *last* iteration writes the source's own
register: after the loop every register holds what the source leaves there. A value the loop
carries in (``acc``, a pointer) is read by iteration 0 from the copy "iteration -1" would have
written; when that is not the source's register, one ``mov`` (r) or ``index ..., 0, 0`` (p) before
its first read puts it there, in a free slot of the prologue when there is one.

:func:`emit` lays every op of every iteration at cycle k*II + t (the prologue, the kernel, the
epilogue are just where fewer than SC iterations overlap), drops empty cycles (the scoreboard
waits by itself) and marks the steady state -- u*II cycles repeated -- as a loop region.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..isa import Imm, Instr, Reg
from ..program import Loop
from .loops import LoopGraph, lifetimes
from .regions import free_registers

PIPE_SLOT = {"D": 0, "S": 1, "C": 2}


@dataclass(frozen=True, slots=True)
class Allocation:
    """Registers of every value: ``regs[j]`` (copy 0 first) for the op j that writes one."""
    regs: dict          # op -> tuple of Reg
    final: dict         # op -> True when it is the body's last write of its register
    unroll: int         # u: kernel copies
    producers: tuple    # per op, per read operand position: (producer op, distance) or None
    lifetimes: dict

    def copy(self, j: int, k: int, n: int) -> Reg:
        """The register iteration k (may be -1) of ``n`` uses for op j's value."""
        regs = self.regs[j]
        q = len(regs)
        return regs[(n - 1 - k) % q if self.final[j] else k % q]


def producers(graph: LoopGraph) -> tuple:
    """For each op and each register operand it reads: the op whose value it reads and at which
    distance (0: this iteration, 1: the previous one), or None for a value from outside the loop."""
    seq = graph.mode == "sequential"
    last_def: dict = {}
    for op in graph.ops:
        for r in op.instr.writes():
            last_def[r] = op.index
    out = []
    for op in graph.ops:
        row = {}
        for pos, (arg, spec) in enumerate(zip(op.instr.args, op.instr.spec.operands)):
            if not isinstance(arg, Reg) or spec.writes:
                continue
            earlier = [o.index for o in graph.ops[:op.index]
                       if arg in o.instr.writes() and (seq or o.pc < op.pc)]
            if earlier:
                row[pos] = (earlier[-1], 0)
            elif arg in last_def:
                row[pos] = (last_def[arg], 1)
        out.append(row)
    return tuple(out)


def allocate(graph: LoopGraph, times, ii: int, renamed: bool, scratch=None):
    """Registers for every value (see the module doc), or None when they do not fit.
    ``scratch``: per file, the registers free to use (default: those the code never touches)."""
    writers = {op.index: op.instr.writes()[0] for op in graph.ops if op.instr.writes()}
    final = {}
    for j, reg in writers.items():
        final[j] = all(reg not in o.instr.writes() for o in graph.ops[j + 1:])
    spans = lifetimes(graph, times, ii)
    if not renamed:
        return Allocation({j: (r,) for j, r in writers.items()}, final, 1, producers(graph), spans)
    need = {j: -(-spans[j] // ii) for j in writers}
    u = max(need.values(), default=1)
    pools = {f: list(scratch[f]) if scratch else free_registers(graph.code, f) for f in "rpm"}
    regs = {}
    for j, reg in writers.items():
        q = next(d for d in range(need[j], u + 1) if u % d == 0)
        fresh = q - 1 if final[j] else q
        pool = pools[reg.file]
        if len(pool) < fresh:
            return None
        regs[j] = ((reg,) if final[j] else ()) + tuple(pool[:fresh])
        del pool[:fresh]
    alloc = Allocation(regs, final, u, producers(graph), spans)
    if any(r.file == "m" for r, _ in carried_copies(alloc, graph)):
        return None           # a message register cannot be copied by one op
    return alloc


def carried_copies(alloc: Allocation, graph: LoopGraph) -> list:
    """(register the loop starts with, copy iteration 0 reads) pairs that need a copy op."""
    n = graph.loop.count
    out = []
    for j, regs in alloc.regs.items():
        if alloc.final[j] and any(p == (j, 1) for row in alloc.producers for p in row.values()):
            target = alloc.copy(j, -1, n)
            if target != regs[0]:
                out.append((regs[0], target))
    return out


def _instr(op, alloc: Allocation, k: int, n: int) -> Instr:
    args = list(op.instr.args)
    for pos, (arg, spec) in enumerate(zip(args, op.instr.spec.operands)):
        if not isinstance(arg, Reg):
            continue
        if spec.writes:
            args[pos] = alloc.copy(op.index, k, n)
        elif pos in alloc.producers[op.index]:
            j, d = alloc.producers[op.index][pos]
            args[pos] = alloc.copy(j, k - d, n)
    return Instr(op.instr.op, tuple(args))


def _copy_instr(src: Reg, dst: Reg) -> tuple[int, Instr]:
    if src.file == "r":
        return 0, Instr("mov", (dst, src))
    return 1, Instr("index", (dst, src, 0, 0))


def emit(graph: LoopGraph, times, ii: int, alloc: Allocation, latency_of) -> tuple[list, list, list]:
    """The pipelined loop: rows of [d, s, c] per cycle (front rows for copies that found no slot
    first), their lines, and the kernel's loop region over the rows' SIWs (empty rows dropped)."""
    n, u = graph.loop.count, alloc.unroll
    stages = max(times) // ii + 1
    span = (n - 1) * ii + max(times) + 1
    rows = [[None, None, None] for _ in range(span)]
    lines = [0] * span
    cache: dict = {}
    for k in range(n):
        for op in graph.ops:
            key = (op.index, k % u, k == n - 1)
            if key not in cache:
                cache[key] = _instr(op, alloc, k, n)
            c = k * ii + times[op.index]
            rows[c][PIPE_SLOT[op.pipe]] = cache[key]
            lines[c] = op.line if not lines[c] or (op.line and op.line < lines[c]) else lines[c]
    kernels = (n - stages + 1) // u
    kernel_start = (stages - 1) * ii if kernels >= 1 else span
    front = _place_copies(graph, times, ii, alloc, rows, kernel_start, latency_of)
    rows = front + rows
    lines = [graph.ops[0].line] * len(front) + lines
    loops = []
    if kernels >= 1:
        start = len(front) + kernel_start
        before = sum(any(r) for r in rows[:start])
        body = sum(any(r) for r in rows[start:start + u * ii])
        loops.append(Loop(before, body, kernels))
    return rows, lines, loops


def _place_copies(graph, times, ii, alloc, rows, kernel_start, latency_of) -> list:
    """Put each carried-in copy in a free slot before its first read (and before the kernel and
    the first overwrite of its source); returns extra rows to put first for those that fit nowhere."""
    n = graph.loop.count
    front: list = []
    for src, dst in carried_copies(alloc, graph):
        j = next(j for j, regs in alloc.regs.items() if regs[0] == src and alloc.final[j])
        reads = [times[op.index] for op in graph.ops for p in alloc.producers[op.index].values() if p == (j, 1)]
        first_write = times[j] + ((n - 1) % len(alloc.regs[j])) * ii
        limit = min(min(reads), first_write, kernel_start)
        slot, instr = _copy_instr(src, dst)
        lat = latency_of(instr)
        free = [c for c in range(limit) if rows[c][slot] is None]
        good = [c for c in free if c + lat <= min(reads)]
        if good or free:
            rows[(good or free)[-1]][slot] = instr
            continue
        row = next((r for r in front if r[slot] is None), None)
        if row is None:
            row = [None, None, None]
            front.append(row)
        row[slot] = instr
    return front


__all__ = ["Allocation", "producers", "allocate", "carried_copies", "emit", "PIPE_SLOT"]
