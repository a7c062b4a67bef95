"""The vTPU idea in plain Python: one page, no dependencies (notebook 01).

This is a fresh, readable restatement of the original project's ``microvtpu.py``: a
sentron with 16 registers and a dict for memory, a SIW with three slots, and a dot
product three ways. It counts the way the original counted -- every filled slot is one
op, including C-slot "prefetch" tokens that do nothing -- so that notebook 01 can put
those numbers next to vtpu_lib's honest ones. Slots run one after another (D, then S,
then C, or any ``order`` you give), as in the original; vtpu_lib's default is ``vliw``.
"""

from __future__ import annotations

from typing import NamedTuple


class Sentron:
    """An execution context: like a thread, but it issues to three pipes at once."""

    def __init__(self):
        self.regs = [0.0] * 16   # r0..r15
        self.memory = {}         # coordinate -> value


class SIW(NamedTuple):
    """Sentron Instruction Word: up to one op per pipe; None is an empty slot."""
    d: tuple | None = None   # dense:  ('add'|'mul', dst, a, b)
    s: tuple | None = None   # sparse: ('gather', reg, coord) or ('scatter', reg, coord)
    c: tuple | None = None   # coordination: ('prefetch', coord) -- a token that does nothing


def execute_siw(sentron: Sentron, siw: SIW, order: str = "DSC") -> int:
    """Run one SIW in one cycle; return the number of filled slots (the original's 'ops')."""
    ops = 0
    for pipe in order:
        op = getattr(siw, pipe.lower())
        if op is None:
            continue
        ops += 1
        name = op[0]
        if name == "add":
            sentron.regs[op[1]] = sentron.regs[op[2]] + sentron.regs[op[3]]
        elif name == "mul":
            sentron.regs[op[1]] = sentron.regs[op[2]] * sentron.regs[op[3]]
        elif name == "gather":
            sentron.regs[op[1]] = sentron.memory.get(op[2], 0.0)
        elif name == "scatter":
            sentron.memory[op[2]] = sentron.regs[op[1]]
        # 'prefetch' in the C slot: counted, no effect -- exactly the original's bookkeeping
    return ops


def baseline_cpu(pairs) -> tuple[float, int, int]:
    """A scalar CPU: one fused multiply-add per cycle. Returns (result, cycles, ops)."""
    result, cycles = 0.0, 0
    for a, b in pairs:
        result += a * b
        cycles += 1
    return result, cycles, len(pairs)


def _load(pairs) -> Sentron:
    s = Sentron()
    for i, (a, b) in enumerate(pairs):
        s.memory[f"a{i}"], s.memory[f"b{i}"] = a, b
    return s


def _run(s: Sentron, program: list[SIW], order: str) -> tuple[float, int, int]:
    ops = sum(execute_siw(s, siw, order) for siw in program)
    return s.regs[0], len(program), ops  # one SIW per cycle


def naive_program(n: int) -> list[SIW]:
    """Gather a, gather b, multiply, accumulate: one op per SIW."""
    prog = []
    for i in range(n):
        prog += [SIW(s=("gather", 1, f"a{i}")), SIW(s=("gather", 2, f"b{i}")),
                 SIW(d=("mul", 3, 1, 2)), SIW(d=("add", 0, 0, 3))]
    return prog


def optimized_program(n: int) -> list[SIW]:
    """The original's 'fully packed' version: element i-1's mul/add ride with element i's gathers."""
    prog = []
    for i in range(n):
        prog.append(SIW(d=("mul", 3, 1, 2) if i else None, s=("gather", 1, f"a{i}"),
                        c=("prefetch", f"b{i + 1}") if i < n - 1 else None))
        prog.append(SIW(d=("add", 0, 0, 3) if i else None, s=("gather", 2, f"b{i}")))
    return prog + [SIW(d=("mul", 3, 1, 2)), SIW(d=("add", 0, 0, 3))]


def naive(pairs, order: str = "DSC") -> tuple[float, int, int]:
    return _run(_load(pairs), naive_program(len(pairs)), order)


def optimized(pairs, order: str = "DSC") -> tuple[float, int, int]:
    return _run(_load(pairs), optimized_program(len(pairs)), order)


__all__ = ["Sentron", "SIW", "execute_siw", "baseline_cpu", "naive_program", "optimized_program", "naive",
           "optimized"]
