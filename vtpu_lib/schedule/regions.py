"""Pieces of a sentron's code: segments between loops, free registers, and splicing new SIWs in.

The loop passes (``unroll``, ``modulo``) replace one stretch of SIWs with another and must keep
every other loop region right: regions after it move, regions around it (an outer ``.repeat``)
grow -- and stay regions only while their copies are still identical, as ``Program.check``
demands. :func:`splice` does that once for all of them. :func:`subgraph` cuts a stretch out of a
sentron's dependence graph (addresses resolved in place), and :func:`predicted_cycles` is the
in-order, scoreboarded timing the machine will show when no PPT miss and no message wait
intervenes (so, under ``seed``, exactly what a run measures).
"""

from __future__ import annotations

from dataclasses import replace

from ..config import MachineConfig
from ..isa import REG_FILES, Reg
from ..machine.state import flat
from ..program import SIW, Loop, SentronCode
from .graph import DepGraph, dependence_graph
from .listsched import Schedule, list_schedule, source_schedule


def code_lines(code: SentronCode) -> list[int]:
    """The source line of every SIW (0 where the code carries none)."""
    return list(code.lines) if len(code.lines) == len(code.siws) else [0] * len(code.siws)


def touched(code: SentronCode) -> set[int]:
    """Flat indices of every register the code sets (``.set``), reads or writes."""
    out = {flat(reg) for reg, _ in code.init}
    for siw in dict.fromkeys(code.siws):
        for instr in siw.ops():
            out.update(flat(r) for r in instr.reads())
            out.update(flat(r) for r in instr.writes())
    return out


def free_registers(code: SentronCode, file: str) -> list[Reg]:
    """The registers of ``file`` the code never touches: a pass may use them as scratch (the
    validator reports them as such)."""
    used = touched(code)
    return [Reg(file, i) for i in range(REG_FILES[file]) if flat(Reg(file, i)) not in used]


def subgraph(graph: DepGraph, start: int, end: int) -> DepGraph:
    """The part of a sentron's graph for its SIWs ``start .. end - 1`` (pcs relative to ``start``),
    with the addresses the whole code resolved; dependences leaving the stretch are dropped (in-order
    issue keeps them: the stretch runs after what precedes it)."""
    code = graph.code
    inside = [op for op in graph.ops if start <= op.pc < end]
    base = inside[0].index if inside else 0
    ops = tuple(replace(op, index=op.index - base, pc=op.pc - start) for op in inside)
    hi = base + len(ops)
    deps = tuple(replace(d, src=d.src - base, dst=d.dst - base) for d in graph.deps
                 if base <= d.src < hi and base <= d.dst < hi)
    piece = replace(code, siws=code.siws[start:end], lines=tuple(code_lines(code)[start:end]), loops=())
    return DepGraph(piece, ops, deps, graph.mode)


def best_schedule(graph: DepGraph) -> Schedule:
    """The list schedule, or the source order when that is no slower (as ``pack_code``)."""
    listed, source = list_schedule(graph), source_schedule(graph)
    return listed if (listed.cycles, listed.siw_count) <= (source.cycles, source.siw_count) else source


def predicted_cycles(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
                     slot_order: str = "DSC") -> int:
    """Cycles from the first issue to the last result landing, issuing the SIWs in order as soon as
    the scoreboard allows (no PPT misses, no message or barrier waits)."""
    return source_schedule(dependence_graph(code, config, mode, slot_order)).cycles


def splice(code: SentronCode, pieces) -> SentronCode:
    """``code`` with stretches replaced: ``pieces`` are ``(start, end, siws, lines, loops)`` with
    ``loops`` relative to the new stretch. Regions inside a replaced stretch go; regions after
    move; regions around stretches are kept when their copies are still identical."""
    pieces = sorted(pieces, key=lambda p: p[0])
    siws, lines, loops = [], [], []
    old_lines = code_lines(code)
    pc = 0
    for start, end, new, new_lines, new_loops in pieces:
        siws += code.siws[pc:start]
        lines += old_lines[pc:start]
        loops += [Loop(len(siws) + l.start, l.body, l.count) for l in new_loops]
        siws += new
        lines += new_lines
        pc = end
    siws += code.siws[pc:]
    lines += old_lines[pc:]

    def new_pc(old: int) -> int:
        shift = 0
        for start, end, new, _, _ in pieces:
            if old >= end:
                shift += len(new) - (end - start)
            elif old > start:
                return -1                         # inside a replaced stretch
        return old + shift

    for l in code.loops:
        if any(s <= l.start and l.end <= e for s, e, *_ in pieces):
            continue                              # replaced
        a, b = new_pc(l.start), new_pc(l.end)
        if a < 0 or b < 0 or (b - a) % l.count:
            continue
        body = (b - a) // l.count
        first = siws[a:a + body]
        if body and all(siws[a + k * body:a + (k + 1) * body] == first for k in range(1, l.count)):
            loops.append(Loop(a, body, l.count))
    loops.sort(key=lambda l: (l.start, -l.end))
    return replace(code, siws=tuple(siws), lines=tuple(lines), loops=tuple(loops))


def rows_to_code(rows, row_lines) -> tuple[list[SIW], list[int]]:
    """Cycle rows ``[d, s, c]`` to SIWs, empty cycles dropped (the scoreboard waits by itself);
    returns the SIWs and their lines."""
    siws, lines = [], []
    for row, line in zip(rows, row_lines):
        if any(x is not None for x in row):
            siws.append(SIW(*row))
            lines.append(line)
    return siws, lines


__all__ = ["code_lines", "touched", "free_registers", "subgraph", "best_schedule", "predicted_cycles", "splice",
           "rows_to_code"]
