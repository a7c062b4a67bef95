"""The dependences through memory, across sentrons and through the PPT (``graph``'s module doc
says what each kind means): memory-true/anti/output between gathers and scatters of one cell,
the order of sync ops and of shared cells among them, and prefetch distances.
"""

from __future__ import annotations

from ..config import MachineConfig
from ..coord import Coord, tier
from .graph import MEMORY_ORDER, Dep, SchedOp, page_key


def prefetch_deps(ops, deps, cfg: MachineConfig, home: Coord) -> None:
    """A prefetch -> the readers of the next gather of its page: that gather's value lands no
    sooner than the fill (page walk + tier) plus its latency after the prefetch. The gather itself
    may issue earlier -- the machine holds only the ops that need its value."""
    readers: dict = {}
    for d in deps:
        if d.kind == "true" and ops[d.src].is_load:
            readers.setdefault(d.src, []).append(d.dst)
    pending: dict = {}
    for op in ops:
        if op.addr is None:
            continue
        page = page_key(op.addr, cfg.page_scrolls)
        if op.instr.op in ("prefetch", "cprefetch"):
            pending[page] = op
        elif op.is_load and page in pending:
            fill = cfg.ppt_miss_penalty_cycles + cfg.tier_latency_cycles[tier(home, op.addr)]
            if fill:
                deps.extend(Dep(pending[page].index, r, "prefetch", fill + op.latency, op.addr.short())
                            for r in readers.get(op.index, ()))
            del pending[page]


def memory_deps(ops, deps, shared=None) -> None:
    """Memory dependences, and the order of shared gathers/scatters against sync ops (``shared``:
    a ``sharing.Shared``, or None when every cell may be shared)."""
    last_store: dict = {}            # coordinate -> the last scatter to it
    loads: dict = {}                 # coordinate -> gathers since that scatter
    unknown: list[SchedOp] = []      # memory ops whose address could not be resolved: alias everything
    since_sync: list[SchedOp] = []   # gathers and scatters since the last sync op
    last_sync = None
    for op in ops:
        if op.is_sync:
            if last_sync is not None:
                deps.append(Dep(last_sync.index, op.index, "order", 1, "program order"))
            for m in since_sync:
                deps.append(Dep(m.index, op.index, "order", int(m.pc != op.pc), MEMORY_ORDER))
                if m.pc == op.pc:   # the source ran them in one SIW: they stay in one SIW (a unit)
                    deps.append(Dep(op.index, m.index, "order", 0, MEMORY_ORDER))
            last_sync, since_sync = op, []
            continue
        if not (op.is_load or op.is_store):
            continue
        ordered = shared is None or (shared.orders_load(op.addr) if op.is_load else shared.orders_store(op.addr))
        if ordered:   # a cell another sentron may see: it keeps its place among the sync ops
            if last_sync is not None:
                deps.append(Dep(last_sync.index, op.index, "order", int(last_sync.pc != op.pc), MEMORY_ORDER))
            since_sync.append(op)
        if op.addr is None:
            deps.extend(Dep(m.index, op.index, "memory-output", 1, "an unknown address")
                        for m in unknown + list(last_store.values()) + [g for gs in loads.values() for g in gs])
            unknown.append(op)
            continue
        key = op.addr.short()
        deps.extend(Dep(m.index, op.index, "memory-output", 1, "an unknown address") for m in unknown)
        w = last_store.get(op.addr)
        if op.is_load:
            if w is not None:
                deps.append(Dep(w.index, op.index, "memory-true", 1, key))
            loads.setdefault(op.addr, []).append(op)
        else:
            deps.extend(Dep(g.index, op.index, "memory-anti", 1, key) for g in loads.get(op.addr, ()))
            if w is not None:
                deps.append(Dep(w.index, op.index, "memory-output", 1, key))
            last_store[op.addr], loads[op.addr] = op, []


__all__ = ["memory_deps", "prefetch_deps"]
