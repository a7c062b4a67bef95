"""Programs as immutable data: SIWs, sentron sections and the memory preload.

A :class:`Program` is what the assembler produces and the disassembler prints; the
simulator never changes it. Source line numbers ride along (excluded from equality) so
run-time errors can point back into the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .coord import ORIGIN, Coord
from .isa import PIPES, Instr, Reg


@dataclass(frozen=True, slots=True)
class SIW:
    """A Sentron Instruction Word: one op (or None for a NOP) per pipe."""
    d: Instr | None = None
    s: Instr | None = None
    c: Instr | None = None

    @property
    def slots(self) -> tuple:
        return (self.d, self.s, self.c)

    def ops(self) -> list[Instr]:
        return [op for op in self.slots if op is not None]

    def __str__(self) -> str:
        return " | ".join(str(op) if op is not None else "-" for op in self.slots)


@dataclass(frozen=True, slots=True)
class SentronCode:
    """One sentron's section of a program: identity, placement, initial registers, SIWs."""
    name: str = "main"
    id: int = 0
    home: Coord = ORIGIN
    core: int | None = None   # None: a core of its own (core = id)
    thread: int = 0
    init: tuple[tuple[Reg, object], ...] = ()  # (.set) initial register values
    siws: tuple[SIW, ...] = ()
    lines: tuple[int, ...] = field(default=(), compare=False)  # source line of each SIW

    def op_count(self) -> int:
        return sum(len(s.ops()) for s in self.siws)


@dataclass(frozen=True, slots=True)
class Program:
    """Everything a file says: sentron sections and memory cells to preload (``.mem``)."""
    sentrons: tuple[SentronCode, ...]
    preload: tuple[tuple[Coord, float], ...] = ()
    source: str = field(default="<program>", compare=False)

    @property
    def siws(self) -> tuple[SIW, ...]:
        """The SIWs of a single-sentron program."""
        assert len(self.sentrons) == 1, "use .sentrons[i].siws for multi-sentron programs"
        return self.sentrons[0].siws

    def sentron(self, name: str) -> SentronCode:
        for s in self.sentrons:
            if s.name == name:
                return s
        raise KeyError(f"no sentron named {name!r}; have {[s.name for s in self.sentrons]}")

    def __str__(self) -> str:
        from .asm import disassemble
        return disassemble(self)


def siw_line(siw: SIW, widths=(18, 18, 0)) -> str:
    """A SIW formatted in aligned columns, as the disassembler and timelines print it."""
    cells = [str(op) if op is not None else "-" for op in siw.slots]
    return " | ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


__all__ = ["SIW", "SentronCode", "Program", "siw_line", "PIPES"]
