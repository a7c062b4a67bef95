"""Which memory cells a sentron shares with the others -- the only ones whose order against
sends, receives and barriers another sentron can see.

Every address is known statically (``graph.resolve_addresses``), so a program-level pass can
work out, per sentron, the cells the *other* sentrons scatter to (a gather of one may see their
store, so it keeps its place among the sync ops) and the cells they gather or scatter (a scatter
to one keeps its place too). Every other gather and scatter is private and may move across a
send or recv like any op. A sentron scheduled on its own, outside :func:`sharing`, is treated as
if it shared every cell: the conservative rule. A sentron whose partners touch an address the
analysis cannot resolve shares everything too.

Program-level passes (``pack``, ``pipeline``, ``program_bounds``, ``validate``) run inside
``with sharing(program):`` so every dependence graph and symbolic run below them agrees.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..program import Program
from .graph import resolve_addresses


@dataclass(frozen=True, slots=True)
class Shared:
    """The cells other sentrons write (``writes``) and touch at all (``touches``)."""
    writes: frozenset
    touches: frozenset

    def orders_load(self, addr) -> bool:
        return addr is None or addr in self.writes

    def orders_store(self, addr) -> bool:
        return addr is None or addr in self.touches


_CURRENT: ContextVar[dict | None] = ContextVar("vtpu_sharing", default=None)


def shared_cells(program: Program, mode: str = "vliw", slot_order: str = "DSC") -> dict:
    """Per sentron name: its :class:`Shared` cells, or None (it shares every cell)."""
    loads, stores, unknown = {}, {}, set()
    for code in program.sentrons:
        rows = resolve_addresses(code, mode, slot_order)
        ld, st = set(), set()
        for siw, row in zip(code.siws, rows):
            for instr, addr in zip(siw.slots, row):
                if instr is None or instr.op not in ("gather", "scatter"):
                    continue
                if addr is None:
                    unknown.add(code.name)
                (ld if instr.op == "gather" else st).add(addr)
        loads[code.name], stores[code.name] = ld, st
    out = {}
    for code in program.sentrons:
        others = [s.name for s in program.sentrons if s.name != code.name]
        if any(o in unknown for o in others):
            out[code.name] = None
            continue
        writes = frozenset().union(*(stores[o] for o in others))
        out[code.name] = Shared(writes, writes.union(*(loads[o] for o in others)))
    return out


@contextmanager
def sharing(program: Program, mode: str = "vliw", slot_order: str = "DSC"):
    """Within the block, dependence graphs and symbolic runs of ``program``'s sentrons know which
    cells are private (see the module doc)."""
    token = _CURRENT.set(shared_cells(program, mode, slot_order))
    try:
        yield
    finally:
        _CURRENT.reset(token)


def shared_for(name: str) -> Shared | None:
    """The cells sentron ``name`` shares in the current :func:`sharing` block (None: all of them)."""
    table = _CURRENT.get()
    return None if table is None else table.get(name)


__all__ = ["Shared", "shared_cells", "sharing", "shared_for"]
