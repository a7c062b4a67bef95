"""Loop unrolling with register renaming, and multiple accumulators.

``unroll(code, loop, k)`` puts k copies of the body in one loop region run count // k times (the
count % k leftover iterations follow as a region of the original body). Copies written with the
same registers would be chained by anti and output dependences -- copy 2 cannot write r1 before
copy 1 has read it -- so each copy but the last writes its own registers, taken from those the
code never touches; the last copy writes the source's registers, so after the loop every
register holds what the source leaves there. A register whose only reader is its own writer
(``fma r0, r1, r2, r0``: an accumulator, ``mul r5, r5, r6``) is a chain either way and keeps its
name. The 16 r registers must hold every copy: when they cannot,
:class:`~vtpu_lib.errors.ScheduleError` names the values each copy would have to hold. p (8) and
m (4) registers are renamed while free ones last, else kept as written: still correct, but then a
copy's loads wait for the previous copy's uses of that pointer.

``accumulators=a`` (a divides k) splits each additive recurrence ``acc = acc + x`` (``add``,
``sub acc, acc, x``, ``fma acc, a, b, acc``) into a partial sums: copy c adds into sum c mod a,
the extra sums start at -0.0 (the identity of IEEE addition: -0.0 + x is x for every x, +0.0
included) and are added into acc after the loop. **This reassociates the floating-point sum**:
(x0 + x2) + (x1 + x3) is not (((x0 + x1) + x2) + x3) in general, so ``validate`` reports the
difference and a run on arbitrary data may end with other bits. On exactly representable data --
small integers and dyadic fractions, as every kernel of ``vtpu_lib.kernels`` uses -- every
partial sum is exact, and the bits are identical.
"""

from __future__ import annotations

from dataclasses import replace

from ..config import MachineConfig
from ..errors import ScheduleError
from ..isa import Imm, Instr, Reg
from ..program import SIW, Loop, Program, SentronCode
from .regions import code_lines, free_registers, splice

ACCUMULATING = {"add": (1, 2), "sub": (1,), "fma": (3,)}   # op -> operand positions that may hold acc


def _body(code: SentronCode, loop: Loop) -> tuple:
    return code.siws[loop.start:loop.start + loop.body]


def accumulators_of(body) -> dict[Reg, int]:
    """r registers the body only ever updates as ``acc = acc + x`` -> the position of acc in that op."""
    writes: dict[Reg, list] = {}
    reads: dict[Reg, int] = {}
    for siw in body:
        for instr in siw.ops():
            for r in instr.writes():
                writes.setdefault(r, []).append(instr)
            for r in instr.reads():
                reads[r] = reads.get(r, 0) + 1
    out = {}
    for reg, ws in writes.items():
        if reg.file != "r" or len(ws) != 1 or reads.get(reg) != 1:
            continue
        instr = ws[0]
        for pos in ACCUMULATING.get(instr.op, ()):
            if instr.args[pos] == reg:
                out[reg] = pos
    return out


def _chains(body) -> set[Reg]:
    """Registers written once and read only by their own writer: renaming them buys nothing."""
    writers: dict[Reg, list] = {}
    readers: dict[Reg, list] = {}
    for siw in body:
        for instr in siw.ops():
            for r in instr.writes():
                writers.setdefault(r, []).append(instr)
            for r in instr.reads():
                readers.setdefault(r, []).append(instr)
    return {r for r, ws in writers.items()
            if len(ws) == 1 and readers.get(r) and all(x is ws[0] for x in readers[r])}


def _copy(body, c: int, k: int, names: dict, accs: dict, acc_regs: list, mode: str, slot_order: str) -> list:
    """Copy c of the body: writes of renamed registers go to names[reg][c]; a read sees this copy's
    register once the copy wrote it, else the previous copy's (copy -1 is the last: the source's)."""
    defined: set = set()
    out = []
    for siw in body:
        slots, pending = [None, None, None], []
        for name in slot_order:
            slot = "DSC".index(name)
            instr = siw.slots[slot]
            if instr is None:
                continue
            args = list(instr.args)
            for pos, (arg, spec) in enumerate(zip(args, instr.spec.operands)):
                if not isinstance(arg, Reg):
                    continue
                if arg in accs:
                    args[pos] = acc_regs[c % len(acc_regs)][arg]
                elif arg in names:
                    args[pos] = names[arg][c if spec.writes or arg in defined else (c - 1) % k]
            slots[slot] = Instr(instr.op, tuple(args))
            pending += [r for r in instr.writes() if r in names]
            if mode == "sequential":
                defined.update(pending)
        defined.update(pending)
        out.append(SIW(*slots))
    return out


def unroll(code: SentronCode, loop: Loop, k: int, config: MachineConfig | str = "seed", accumulators: int = 1,
           mode: str = "vliw", slot_order: str = "DSC") -> SentronCode:
    """``loop`` of ``code`` unrolled by ``k`` (see the module doc). ``config`` is accepted for
    symmetry with the other passes: unrolling does not depend on latencies."""
    _check_factors(code, k, accumulators)
    if loop not in code.loops:
        raise ScheduleError(f"{loop!r} is not one of this code's loop regions {list(code.loops)}", sentron=code.name)
    if any(o != loop and loop.start <= o.start and o.end <= loop.end for o in code.loops):
        raise ScheduleError(f"{loop!r} holds other loops: unroll innermost loops", sentron=code.name,
                            hint="code.innermost_loops() lists them")
    piece = _unrolled(code, loop, k, accumulators, mode, slot_order)
    return code if piece is None else splice(code, [piece])


def _check_factors(code: SentronCode, k, accumulators) -> None:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ScheduleError(f"unroll factor {k!r} must be a whole number >= 1", sentron=code.name)
    if isinstance(accumulators, bool) or not isinstance(accumulators, int) or accumulators < 1 or k % accumulators:
        raise ScheduleError(f"accumulators = {accumulators!r} must be a whole number that divides k = {k}",
                            sentron=code.name, hint="copy c of the body adds into partial sum c mod accumulators")


def _unrolled(code: SentronCode, loop: Loop, k: int, accumulators: int, mode: str, slot_order: str):
    """The stretch replacing ``loop`` (a ``splice`` piece), or None when there is nothing to unroll.
    Scratch registers come from those the whole code never touches, so every loop may reuse them:
    a renamed copy or partial sum is always written before it is read."""
    full, rest = divmod(loop.count, k)
    if k == 1 or full == 0:
        return None
    body = _body(code, loop)
    accs = accumulators_of(body) if accumulators > 1 else {}
    pools = {f: free_registers(code, f) for f in "rpm"}
    written = renamed_registers(code, loop, k, accumulators)
    _check_pressure(code, loop, k, accumulators, written, accs, pools, body)
    names = {}
    for reg in written:
        fresh = [pools[reg.file].pop(0) for _ in range(k - 1)]
        names[reg] = fresh + [reg]
    acc_regs = [{a: a for a in accs}] + [{a: pools["r"].pop(0) for a in accs} for _ in range(accumulators - 1)]
    all_lines = code_lines(code)
    line = all_lines[loop.start]
    init = [SIW(Instr("mov", (part[a], Imm(-0.0)))) for part in acc_regs[1:] for a in accs]
    unrolled = [siw for c in range(k) for siw in _copy(body, c, k, names, accs, acc_regs, mode, slot_order)]
    reduce = [SIW(Instr("add", (a, a, part[a]))) for part in acc_regs[1:] for a in accs]
    siws = init + unrolled * full + reduce + list(body) * rest
    body_lines = all_lines[loop.start:loop.start + loop.body]
    lines = [line] * len(init) + body_lines * (k * full) + [line] * len(reduce) + body_lines * rest
    loops = [Loop(len(init), k * loop.body, full)]
    if rest:
        loops.append(Loop(len(init) + len(unrolled) * full + len(reduce), loop.body, rest))
    return (loop.start, loop.end, siws, lines, loops)


def renamed_registers(code: SentronCode, loop: Loop, k: int, accumulators: int = 1) -> list[Reg]:
    """The registers unrolling ``loop`` by ``k`` gives each copy its own name for: those the body
    writes, except accumulators (split instead, when ``accumulators`` > 1) and chains (written
    once, read only by their writer); p and m ones only while free registers last."""
    body = _body(code, loop)
    keep = _chains(body) | set(accumulators_of(body) if accumulators > 1 else ())
    written = list(dict.fromkeys(r for siw in body for i in siw.ops() for r in i.writes() if r not in keep))
    return _fit_pointers(written, k, {f: free_registers(code, f) for f in "pm"})


def _fit_pointers(written: list, k: int, pools: dict) -> list:
    """The registers to rename: every r register; p and m registers while free ones last (one kept
    as written chains the copies through its anti dependences, which is slower but correct)."""
    out, left = [], {f: len(pools[f]) for f in "pm"}
    for reg in written:
        if reg.file in left:
            if left[reg.file] < k - 1:
                continue
            left[reg.file] -= k - 1
        out.append(reg)
    return out


def _check_pressure(code, loop, k, accumulators, written, accs, pools, body) -> None:
    for file in "rpm":
        mine = [r for r in written if r.file == file]
        need = (k - 1) * len(mine) + (accumulators - 1) * len(accs) * (file == "r")
        if need <= len(pools[file]):
            continue
        makers = {r: next(str(i) for s in body for i in s.ops() if r in i.writes()) for r in mine}
        values = ", ".join(f"{r} (`{makers[r]}`)" for r in mine)
        extra = f" and {accumulators - 1} more partial sum(s) of {len(accs)} accumulator(s)" if accs and file == "r" else ""
        free = ", ".join(map(str, pools[file])) or "none"
        raise ScheduleError(
            f"unrolling {loop!r} by {k} needs {need} free {file} registers -- {k - 1} more copies of the "
            f"value(s) each copy defines: {values}{extra} -- but only {len(pools[file])} are free ({free})",
            sentron=code.name, hint=f"unroll by less (the {file} registers hold at most "
                                    f"{1 + len(pools[file]) // max(len(mine), 1)} copies), or free registers")


def unroll_program(program: Program, k: int, config: MachineConfig | str = "seed", accumulators: int = 1,
                   mode: str = "vliw", slot_order: str = "DSC") -> Program:
    """Every innermost loop of every sentron unrolled by ``k``; an outer loop stays a loop region
    (its copies are unrolled alike)."""
    codes = []
    for code in program.sentrons:
        _check_factors(code, k, accumulators)
        pieces = [_unrolled(code, loop, k, accumulators, mode, slot_order) for loop in code.innermost_loops()]
        pieces = [p for p in pieces if p is not None]
        codes.append(splice(code, pieces) if pieces else code)
    return replace(program, sentrons=tuple(codes))


__all__ = ["unroll", "unroll_program", "renamed_registers", "accumulators_of", "ACCUMULATING"]
