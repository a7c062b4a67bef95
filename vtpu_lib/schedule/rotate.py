"""Rotating pointers: prefetch a stream with no extra S-pipe op.

``prefetch_pass`` aims a second pointer ahead of each stream -- one more ``index`` per element on
the S pipe, which most streaming kernels already fill. This pass gets the pointer ahead for free.
A loop whose body steps a p register X by ``index X, X, dim, s`` after its last use of X is
unrolled by k, and copy j of the body uses its own pointer P_j (P_0 = X) stepped by ``k * s``
(a pointer only scattered through is kept and prefetched one element ahead after each step:
a scatter's miss never stalls, so distance 1 is enough to count it a hit):
right after that step P_j already holds the element copy j will gather k elements later, so a
``cprefetch P_j`` (C pipe) in the next SIW prefetches exactly k elements ahead. Before the loop
the pointers are set one element apart (k - 1 ``index`` ops, once) and the first k pages are
prefetched; iterations left over (count mod k) run afterwards in the original form, and X ends
where the source leaves it. The other pointers are scratch registers (the validator reports
them). r registers are not renamed -- the modulo scheduler's variable expansion does that.

k = ceil((miss cycles + 1) / II) + 1, II the busiest pipe's ops per element after the pass (one
element of margin: the prefetch follows its pointer's step, the gather may lead in its copy), capped by the
free p registers (k - 1 per stream) and by the PPT's ways; k = 1 still prefetches one element
ahead through X itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config import MachineConfig, get_config
from ..coord import tier
from ..errors import CoordError
from ..isa import Instr, Reg
from ..program import SIW, Loop, Program, SentronCode
from .graph import resolve_addresses
from .regions import code_lines, free_registers, splice


@dataclass(frozen=True, slots=True)
class Rotation:
    """One loop's rotation: its self-stepped pointers, the copies and the pointers each copy uses."""
    loop: Loop
    pointers: tuple     # (register, dim, stride, gathered) of each stream
    k: int              # copies = elements of prefetch distance
    registers: tuple    # per stream: the pointer of each copy, X first (X every time: prefetched in place)

    def __repr__(self) -> str:
        ptrs = ", ".join(f"{p[0]} -> {'/'.join(map(str, regs))}" for p, regs in zip(self.pointers, self.registers))
        return f"Rotation({self.loop!r}: k={self.k}, {ptrs})"


def _stepped_pointers(body) -> list:
    """p registers the body writes only by one ``index X, X, dim, s`` that follows every other use of
    X, and that a gather or scatter reads: (register, dim, stride, gathered)."""
    out = []
    steps: dict = {}
    for pos, siw in enumerate(body):
        for instr in siw.ops():
            for w in instr.writes():
                if w.file == "p":
                    ok = instr.op == "index" and instr.args[1] == w and w not in steps
                    steps[w] = (pos, instr) if ok else None
    for reg, step in steps.items():
        if step is None:
            continue
        pos, instr = step
        later = [i for siw in body[pos:] for i in siw.ops() if i is not instr and reg in i.reads()]
        used = [i for siw in body for i in siw.ops() if i.op in ("gather", "scatter") and reg in i.reads()]
        if not later and used:
            out.append((reg, instr.args[2], instr.args[3], any(i.op == "gather" for i in used)))
    return out


def _copy(body, renames: dict, steps: dict) -> list:
    """One copy of the body: pointers renamed, each step widened (``steps``: pointer -> factor), then
    a cprefetch through the stepped pointer."""
    out = []
    for siw in body:
        slots = []
        extra = []
        for instr in siw.slots:
            if instr is None:
                slots.append(None)
                continue
            args = tuple(renames.get(a, a) if isinstance(a, Reg) else a for a in instr.args)
            if instr.op == "index" and args[0] in steps and args[1] == args[0]:
                args = args[:3] + (instr.args[3] * steps[args[0]],)
                extra.append(SIW(c=Instr("cprefetch", (args[0],))))
            slots.append(Instr(instr.op, args))
        out.append(SIW(*slots))
        out += extra
    return out


def _miss_cycles(code: SentronCode, cfg: MachineConfig, loop: Loop) -> int:
    rows = resolve_addresses(code)
    worst = 0
    for pc in range(loop.start, loop.start + loop.body):
        for instr, addr in zip(code.siws[pc].slots, rows[pc]):
            if instr is not None and instr.op == "gather" and addr is not None:
                worst = max(worst, cfg.ppt_miss_penalty_cycles + cfg.tier_latency_cycles[tier(code.home, addr)])
    return worst


def _fits(code: SentronCode, loop: Loop, pointers, k: int) -> bool:
    """Every pointer stays inside 0..2047 to its last step (the run would fault otherwise)."""
    values = _pointer_values(code, loop.start)
    for reg, dim, s, gathered in pointers:
        try:
            values[reg].moved(dim, s * (loop.count + (k if gathered else 1)))
        except CoordError:
            return False
    return True


def _pointer_values(code: SentronCode, pc: int) -> dict:
    """The p registers' values just before SIW ``pc`` (statically: .set and index only)."""
    from ..coord import Coord
    regs = {Reg("p", i): Coord() for i in range(8)}
    for reg, value in code.init:
        if reg.file == "p":
            regs[reg] = value
    for siw in code.siws[:pc]:
        pending = []
        for instr in siw.ops():
            if instr.op == "index":
                try:
                    pending.append((instr.args[0], regs[instr.args[1]].moved(instr.args[2], instr.args[3])))
                except CoordError:
                    pending.append((instr.args[0], regs[instr.args[1]]))
        for reg, value in pending:
            regs[reg] = value
    return regs


def _plan(code: SentronCode, loop: Loop, cfg: MachineConfig, free: list, distance,
          stores_only: bool = False) -> Rotation | None:
    body = code.siws[loop.start:loop.start + loop.body]
    pointers = _stepped_pointers(body)
    if stores_only:
        pointers, distance = [p for p in pointers if not p[3]], 1
    if not pointers or loop.count < 2:
        return None
    per_pipe = {p: sum(1 for siw in body for i in siw.ops() if i.spec.pipe == p) for p in "DSC"}
    per_pipe["C"] += len(pointers)
    ii = max(per_pipe.values())
    # one element more than the fill needs: the prefetch trails its pointer's step by a cycle or so
    k = distance or max(1, math.ceil((_miss_cycles(code, cfg, loop) + 1) / ii) + 1)
    k = min(k, loop.count, 1 + len(free) // len(pointers), max(1, cfg.ppt_ways * cfg.ppt_sets // (2 * len(pointers))))
    while k > 1 and not _fits(code, loop, pointers, k):
        k -= 1
    if not _fits(code, loop, pointers, k):
        return None
    regs, it = [], iter(free)
    for reg, _, _, gathered in pointers:   # a pointer only scattered through is prefetched in place
        regs.append((reg,) + (tuple(next(it) for _ in range(k - 1)) if gathered else (reg,) * (k - 1)))
    return Rotation(loop, tuple(pointers), k, tuple(regs))


def _piece(code: SentronCode, rot: Rotation) -> tuple:
    loop, k = rot.loop, rot.k
    body = code.siws[loop.start:loop.start + loop.body]
    line = code_lines(code)[loop.start]
    pre = []
    for (reg, dim, s, gathered), regs in zip(rot.pointers, rot.registers):
        if gathered:
            pre += [SIW(s=Instr("index", (regs[j], regs[j - 1], dim, s))) for j in range(1, k)]
        pre += [SIW(c=Instr("cprefetch", (r,))) for r in (regs if gathered else regs[:1])]
    copies = []
    for j in range(k):
        renames = {p[0]: regs[j] for p, regs in zip(rot.pointers, rot.registers)}
        factors = {regs[j]: (k if p[3] else 1) for p, regs in zip(rot.pointers, rot.registers)}
        copies += _copy(body, renames, factors)
    trips, rest = divmod(loop.count, k)
    siws = pre + copies * trips + list(body) * rest
    loops = [Loop(len(pre), len(copies), trips)] + ([Loop(len(pre) + len(copies) * trips, len(body), rest)]
                                                   if rest else [])
    return (loop.start, loop.end, siws, [line] * len(siws), loops)


def rotate_prefetch(code_or_program, config: MachineConfig | str = "realistic", *, distance: int | None = None,
                    stores_only: bool = False):
    """Rotate the pointers of every innermost streaming loop and prefetch through them (see the
    module doc). Returns ``(code or program, [Rotation, ...])``; loops it cannot rotate are left.
    ``stores_only``: only prefetch the pointers scattered through, in place (after ``prefetch_pass``,
    which prefetches gathers only)."""
    cfg = get_config(config)
    if isinstance(code_or_program, Program):
        done = [rotate_prefetch(c, cfg, distance=distance, stores_only=stores_only) for c in code_or_program.sentrons]
        from dataclasses import replace
        return replace(code_or_program, sentrons=tuple(c for c, _ in done)), [r for _, rs in done for r in rs]
    code = code_or_program
    free = free_registers(code, "p")
    rotations = []
    for loop in code.innermost_loops():
        rot = _plan(code, loop, cfg, free, distance, stores_only)
        if rot is not None:      # loops are disjoint: each may reuse the same scratch pointers
            rotations.append(rot)
    if not rotations:
        return code, []
    return splice(code, [_piece(code, r) for r in rotations]), rotations


__all__ = ["Rotation", "rotate_prefetch"]
