"""The :class:`Kernel` record and the check of a run's memory against its expected results.

A kernel's ``expected`` values are computed from its seeded inputs in plain Python (exact
rational arithmetic with :class:`fractions.Fraction`, converted to float64 at the end), never by
running the machine. Every input is a small integer or a dyadic fraction, so every partial sum
and product the machine forms is exact in float64 in any order: a correct program -- naive,
packed, unrolled with several accumulators or modulo scheduled -- must leave the expected bits
exactly, and :meth:`Kernel.check` compares bits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from ..bounds import Bounds, bounds
from ..coord import Coord
from ..errors import ConfigError, VtpuError
from ..isa import float_bits
from ..program import Program

BALANCED_MIX = 2.5   # a kernel is balanced when every sentron's mix bound reaches this


@dataclass(frozen=True, slots=True)
class Kernel:
    """A benchmark kernel: its naive program (one op per SIW, loops kept as loop regions), the
    cells holding its results and their independently computed values."""
    name: str              # 'dot', 'saxpy', ... (the registry's key)
    title: str             # 'dot product, 64 elements'
    program: Program       # the naive form
    outputs: tuple         # Coords the kernel writes that hold its results
    expected: Mapping      # Coord -> float, from the inputs in plain Python (not from a run)
    streaming: bool        # its gathers walk memory once, in order (a prefetch target)
    balanced: bool         # every sentron's mix bound N / max(N_D, N_S, N_C) >= 2.5
    description: str       # two sentences for the benchmark table and notebooks

    def check(self, memory_or_trace) -> list[str]:
        """[] when every output holds exactly (by bits) its expected value, else one line per
        wrong cell. Takes a Trace, a Machine, a Memory or a dict of cells."""
        read, written = _reader(memory_or_trace)
        wrong = []
        for c in self.outputs:
            want, got = self.expected[c], read(c)
            if float_bits(got) != float_bits(want):
                note = "" if written(c) else " (never written)"
                wrong.append(f"{self.name}: {c.short()} holds {got!r}, expected {want!r}{note}")
        return wrong

    def bounds(self, config="seed") -> dict[str, Bounds]:
        """Per-sentron bounds (``vtpu_lib.bounds.bounds``): ops by pipe, mix, critical path."""
        return {code.name: bounds(code, config) for code in self.program.sentrons}

    def mix(self) -> dict[str, float]:
        """Per-sentron mix bound N / max(N_D, N_S, N_C)."""
        return {name: b.mix for name, b in self.bounds().items()}

    def __repr__(self) -> str:
        ops = sum(code.op_count() for code in self.program.sentrons)
        traits = ", ".join(["streaming" if self.streaming else "not streaming",
                            "balanced" if self.balanced else "not balanced"])
        return (f"Kernel({self.name!r}, {self.title!r}: {len(self.program.sentrons)} sentron(s), {ops:,} ops, "
                f"{len(self.outputs)} output(s), {traits})")


def _reader(source):
    """(read(coord) -> float, written(coord) -> bool) for a Trace, Machine, Memory or dict."""
    cells = getattr(source, "memory", source)   # Trace.memory is a dict, Machine.memory a Memory
    if isinstance(cells, Mapping):
        return (lambda c: float(cells.get(c, 0.0))), (lambda c: c in cells)
    if hasattr(cells, "read") and hasattr(cells, "cells"):
        present = cells.cells()
        return cells.read, (lambda c: c in present)
    raise VtpuError(f"check() takes a Trace, a Machine, a Memory or a dict of cells, not {type(source).__name__}",
                    hint="e.g. k.check(run(k.program, 'seed'))")


def make_kernel(name: str, title: str, program: Program, expected: dict, *, streaming: bool,
                description: str) -> Kernel:
    """A Kernel whose outputs are the expected cells (in order) and whose ``balanced`` flag is
    measured from the program, not declared."""
    exp = {c: float(v) for c, v in expected.items()}   # Fraction -> float64 (exact: dyadic inputs)
    for c, v in expected.items():
        if isinstance(v, Fraction) and Fraction(exp[c]) != v:
            raise ConfigError(f"{name}: the expected value at {c.short()} ({v}) is not exact in float64",
                              hint="use smaller sizes: the inputs are chosen so every result is exact")
    balanced = all(bounds(code).mix >= BALANCED_MIX for code in program.sentrons)
    return Kernel(name, title, program, tuple(exp), MappingProxyType(exp), streaming, balanced, description)


def whole(name: str, value, lo: int, hi: int) -> int:
    """A size parameter: a whole number in lo..hi, else a ConfigError naming it and the range."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{name} = {value!r} must be a whole number in {lo}..{hi}",
                          hint="coordinates are 0..2047 per dimension, and the program keeps every value exact")
    return value


def cell(*dims: int) -> Coord:
    """The coordinate with the given innermost dims (scroll first); the rest are 1."""
    return Coord(tuple(dims) + (1,) * (11 - len(dims)))


__all__ = ["Kernel", "BALANCED_MIX", "make_kernel", "whole", "cell"]
