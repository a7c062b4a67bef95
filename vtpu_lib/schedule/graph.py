"""The dependence graph of one sentron's code: what must happen before what, and by how many cycles.

Every op of the code becomes a :class:`SchedOp` (program order, pipe, latency, the flat registers
it reads and writes, and -- for gather, scatter and prefetch -- the coordinate it touches). p
registers are only ever set by ``.set`` and ``index`` in straight-line code, so every address is
known before the program runs: :func:`resolve_addresses` walks the code once and finds them.

A :class:`Dep` ``u -> v`` says v may issue no earlier than ``delay`` cycles after u:

* ``true`` (read after write): v reads what u writes. The delay is u's latency (in ``sequential``
  mode 0 when u's slot runs before v's in one SIW: the value is forwarded).
* ``anti`` (write after read): v overwrites what u reads. Delay 0 in ``vliw`` mode (a SIW reads
  every register before any write lands); in ``sequential`` mode 0 only if u's slot runs first.
* ``output`` (write after write): the scoreboard holds v until u's value has landed: u's latency.
* ``memory-true`` / ``memory-anti`` / ``memory-output``: the same three through one memory cell
  (a scatter and a gather of the same coordinate); delay 1 -- S-pipe ops never share a SIW.
* ``prefetch`` (timing, not correctness): the value of a gather of a page a prefetch brings in
  lands no sooner than the fill (miss penalty + tier latency) plus its latency after the prefetch,
  so the gather's readers wait that long -- the machine would stall them anyway. Bounds leave these out (``TIMING_KINDS``): the machine does not enforce them.
* ``order``: effects other sentrons can see keep their order (for gathers and scatters: of cells
  other sentrons share, when a program-level pass says which -- ``schedule.sharing``). Sends, receives, barriers, beacons
  and temperature changes stay in program order (delay 1: one C slot), and no gather or scatter
  moves across one of them, nor into or out of its SIW (delay 1; a gather or scatter the source
  put in the SIW of one stays there): a SIW with a blocking recv or bar runs its gather and
  scatter only when it is released.

Only the nearest edges are kept (the last writer, the readers since it), so the graph stays
linear in the program and every ordering the program needs follows transitively.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

from ..config import MachineConfig, get_config
from ..coord import Coord, tier
from ..errors import CoordError, ScheduleError, VtpuInternalError
from ..isa import PIPES, Instr, Pipe, REG_FILES
from ..machine.state import flat, reg_name
from ..program import SentronCode

MEMORY_OPS = ("gather", "scatter", "prefetch", "cprefetch")
SYNC_OPS = ("send", "recv", "bar", "beacon", "temp")
DEP_KINDS = ("true", "anti", "output", "memory-true", "memory-anti", "memory-output", "order", "prefetch")
TIMING_KINDS = ("prefetch",)
MEMORY_ORDER = "memory order"  # ``Dep.on`` of a gather/scatter kept in place among sync ops (bounds drop these:
                               # which cells are shared depends on the whole program)   # what a good schedule keeps but the machine does not enforce: never in a bound
MAX_SCHEDULE_OPS = 200_000   # the scheduler is Python: beyond this, schedule kernels, not whole runs
_P0 = REG_FILES["r"]         # flat index of p0


@dataclass(frozen=True, slots=True)
class SchedOp:
    """One op of the source: its place there, and what the scheduler needs to move it."""
    index: int           # position in program order (SIW by SIW, slots in execution order)
    instr: Instr
    pipe: Pipe
    pc: int              # source SIW
    line: int            # source line (0 when unknown)
    latency: int
    reads: tuple         # flat registers read
    writes: tuple        # flat registers written
    addr: Coord | None   # the coordinate a gather/scatter/prefetch touches (None: not one, or unknown)

    @property
    def is_load(self) -> bool:
        return self.instr.op == "gather"

    @property
    def is_store(self) -> bool:
        return self.instr.op == "scatter"

    @property
    def is_sync(self) -> bool:
        return self.instr.op in SYNC_OPS

    def where(self) -> str:
        line = f", line {self.line}" if self.line else ""
        return f"`{self.instr}` (SIW {self.pc} {self.pipe}{line})"

    def __repr__(self) -> str:
        addr = f" @{self.addr.short()}" if self.addr is not None else ""
        return f"SchedOp({self.index}: {self.instr}{addr}, {self.pipe}, latency {self.latency})"


@dataclass(frozen=True, slots=True)
class Dep:
    src: int
    dst: int
    kind: str
    delay: int
    on: str      # the register or coordinate the dependence goes through

    def __repr__(self) -> str:
        return f"Dep({self.src} -> {self.dst} {self.kind} on {self.on}, delay {self.delay})"


def resolve_addresses(code: SentronCode, mode: str = "vliw", slot_order: str = "DSC") -> list:
    """For each (pc, slot) of the code, the coordinate its memory op touches (None if none or unknown).
    Walks the p registers the way the machine will: ``.set`` values, then every ``index``."""
    p = [Coord() for _ in range(REG_FILES["p"])]
    for reg, value in code.init:
        if reg.file == "p":
            p[reg.index] = value
    out = []
    for siw in code.siws:
        row, pending = [None, None, None], []
        for name in slot_order:
            slot = "DSC".index(name)
            instr = siw.slots[slot]
            if instr is None:
                continue
            if instr.op in MEMORY_OPS:
                row[slot] = p[(instr.args[1] if instr.op == "gather" else instr.args[0]).index]
            elif instr.op == "index":
                dst, src, dim, k = instr.args
                try:
                    value = p[src.index].moved(dim, k) if p[src.index] is not None else None
                except CoordError:
                    value = None     # the run will fault here; the scheduler treats it as unknown
                if mode == "sequential":
                    p[dst.index] = value
                else:
                    pending.append((dst.index, value))
        for i, value in pending:
            p[i] = value
        out.append(row)
    return out


def sched_ops(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
              slot_order: str = "DSC", warm: frozenset | None = None) -> list[SchedOp]:
    """The code's ops in program order (see :class:`SchedOp`). With ``warm`` (the pages translated
    before the run, e.g. by the ``.mem`` preload) a gather that is the first touch of any other
    page pays the PPT miss too -- a compulsory miss in any order; for the scheduler, never a bound."""
    cfg = get_config(config)
    lat = cfg.latency_cycles
    addrs = resolve_addresses(code, mode, slot_order)
    touched = set(warm) if warm is not None else None
    out = []
    regs: dict = {}    # id(instr) -> (reads, writes): a .repeat body's ops are the same objects
    for pc, siw in enumerate(code.siws):
        line = code.lines[pc] if pc < len(code.lines) else 0
        for name in slot_order:
            slot = "DSC".index(name)
            instr = siw.slots[slot]
            if instr is None:
                continue
            latency = lat[instr.spec.latency_key]
            addr = addrs[pc][slot]
            if touched is not None and addr is not None and instr.op in MEMORY_OPS:
                page = page_key(addr, cfg.page_scrolls)
                if instr.op == "gather" and page not in touched:
                    latency += cfg.ppt_miss_penalty_cycles + cfg.tier_latency_cycles[tier(code.home, addr)]
                touched.add(page)
            rw = regs.get(id(instr))
            if rw is None:
                rw = regs[id(instr)] = (tuple(dict.fromkeys(flat(r) for r in instr.reads())),
                                        tuple(flat(r) for r in instr.writes()), instr)
            out.append(SchedOp(len(out), instr, PIPES[slot], pc, line, latency, rw[0], rw[1], addr))
            if len(out) > MAX_SCHEDULE_OPS:
                raise ScheduleError(f"sentron {code.name} has more than {MAX_SCHEDULE_OPS:,} ops to schedule",
                                    hint="schedule the kernel (a loop body and a few iterations), not a whole run")
    return out


def page_key(coord: Coord, page_scrolls: int):
    """The PPT's page key of a coordinate (as ``PPT.page_of``)."""
    return coord if page_scrolls == 1 else (coord[0] // page_scrolls,) + tuple(coord[1:])


class DepGraph:
    """The ops of one sentron's code and the dependences between them (see the module doc).

    ``units`` are what a scheduler places: single ops, except the ops of a ``vliw`` SIW that swap
    registers (``add r1, r2, #0 | ... | unpack r2, ...`` reading each other's destinations), which
    must stay in one SIW. ``order`` lists the units in a topological order (``graphlib``)."""

    def __init__(self, code: SentronCode, ops: tuple, deps: tuple, mode: str):
        self.code, self.ops, self.deps, self.mode = code, ops, deps, mode
        self.preds: list[list[Dep]] = [[] for _ in ops]
        self.succs: list[list[Dep]] = [[] for _ in ops]
        for d in deps:
            self.preds[d.dst].append(d)
            self.succs[d.src].append(d)
        self.unit_of, self.units = _units(ops, deps)
        if all(d.src < d.dst for d in deps):   # the usual case: program order is a topological order
            self.order = list(range(len(self.units)))
            return
        sorter = graphlib.TopologicalSorter({u: () for u in range(len(self.units))})
        for d in deps:
            if self.unit_of[d.src] != self.unit_of[d.dst]:
                sorter.add(self.unit_of[d.dst], self.unit_of[d.src])
        try:
            self.order = list(sorter.static_order())
        except graphlib.CycleError as e:  # pragma: no cover - units absorb every cycle
            raise VtpuInternalError(f"dependence cycle between units {e.args[1]}") from None

    def earliest(self) -> list[int]:
        """The first cycle each op could issue with unlimited pipes."""
        t = [0] * len(self.ops)
        for u in self.order:
            members = self.units[u]
            start = max((t[d.src] + d.delay for i in members for d in self.preds[i]
                         if self.unit_of[d.src] != u), default=0)
            for i in members:
                t[i] = start
        return t

    def critical_path(self) -> int:
        """Cycles from the first issue until the last result lands, with unlimited pipes."""
        return max((t + op.latency for t, op in zip(self.earliest(), self.ops)), default=0)

    def heights(self) -> list[int]:
        """Per op: the longest delay path from its issue to the last result landing (list-scheduling priority)."""
        h = [op.latency for op in self.ops]
        for u in reversed(self.order):
            members = self.units[u]
            top = max(max((d.delay + h[d.dst] for i in members for d in self.succs[i]
                            if self.unit_of[d.dst] != u), default=0), max(h[i] for i in members))
            for i in members:
                h[i] = top
        return h

    def critical_chain(self) -> list[SchedOp]:
        """One longest chain of dependent ops (to print beside the critical-path bound)."""
        t = self.earliest()
        end = max(range(len(self.ops)), key=lambda i: t[i] + self.ops[i].latency, default=None)
        chain = []
        while end is not None:
            chain.append(self.ops[end])
            tight = [d.src for d in self.preds[end] if t[d.src] + d.delay == t[end] and d.src != end
                     and self.unit_of[d.src] != self.unit_of[end]]
            end = tight[0] if tight else None
        return chain[::-1]

    def __repr__(self) -> str:
        kinds = {k: sum(d.kind == k for d in self.deps) for k in DEP_KINDS}
        shown = ", ".join(f"{k} {n}" for k, n in kinds.items() if n)
        return f"DepGraph({self.code.name}: {len(self.ops)} ops, {len(self.deps)} deps: {shown or 'none'})"


def _units(ops, deps) -> tuple[list[int], list[tuple[int, ...]]]:
    """Group the ops of one SIW that depend on each other both ways (a register swap in vliw mode)."""
    unit_of = list(range(len(ops)))
    back = [d for d in deps if d.src > d.dst]      # only same-SIW anti dependences point backwards
    for pc in sorted({ops[d.src].pc for d in back}):
        members = [op.index for op in ops if op.pc == pc]
        inner = {(d.src, d.dst) for d in deps if d.src in members and d.dst in members}
        reach = {(a, b) for a, b in inner}
        for k in members:                           # transitive closure of at most 3 ops
            reach |= {(a, b) for a in members for b in members if (a, k) in reach and (k, b) in reach}
        for a in members:
            for b in members:
                if (a, b) in reach and (b, a) in reach:
                    unit_of[b] = unit_of[a] = min(unit_of[a], unit_of[b])
    groups: dict[int, list[int]] = {}
    for i, u in enumerate(unit_of):
        groups.setdefault(u, []).append(i)
    units = [tuple(g) for _, g in sorted(groups.items())]
    index = {g[0]: n for n, g in enumerate(units)}
    return [index[unit_of[i]] for i in range(len(ops))], units


def _order(slot_order: str):
    pos = {Pipe(name): i for i, name in enumerate(slot_order)}
    return lambda op: pos[op.pipe]


def dependence_graph(code: SentronCode, config: MachineConfig | str = "seed", mode: str = "vliw",
                     slot_order: str = "DSC", warm: frozenset | None = None) -> DepGraph:
    """The dependence graph of one sentron's code under ``config``'s latencies (see the module doc;
    ``warm``: see :func:`sched_ops`)."""
    from .memdeps import memory_deps, prefetch_deps
    from .sharing import shared_for
    ops = sched_ops(code, config, mode, slot_order, warm)
    deps: list[Dep] = []
    _register_deps(ops, deps, mode, _order(slot_order))
    memory_deps(ops, deps, shared_for(code.name))
    prefetch_deps(ops, deps, get_config(config), code.home)
    return DepGraph(code, tuple(ops), tuple(deps), mode)


def _register_deps(ops, deps, mode: str, slot) -> None:
    last_write: dict[int, SchedOp] = {}
    readers: dict[int, list[SchedOp]] = {}
    seq = mode == "sequential"
    for pc_ops in _by_siw(ops):
        for op in pc_ops:                       # reads: against the values before this SIW (vliw)
            for r in op.reads:
                w = last_write.get(r)
                if w is not None and (w.pc != op.pc or seq):
                    forwarded = seq and w.pc == op.pc
                    deps.append(Dep(w.index, op.index, "true", 0 if forwarded else w.latency, reg_name(r)))
                readers.setdefault(r, []).append(op)
            if seq:
                _writes(op, last_write, readers, deps, seq, slot)
        if not seq:
            for op in pc_ops:
                _writes(op, last_write, readers, deps, seq, slot)


def _writes(op, last_write, readers, deps, seq: bool, slot) -> None:
    for r in op.writes:
        for u in readers.get(r, ()):   # each reader once: an op's reads are distinct
            if u.index != op.index:
                same = u.pc == op.pc
                delay = 0 if not seq or (same and slot(u) < slot(op)) else 1
                deps.append(Dep(u.index, op.index, "anti", delay, reg_name(r)))
        w = last_write.get(r)
        if w is not None:
            deps.append(Dep(w.index, op.index, "output", w.latency, reg_name(r)))
        last_write[r] = op
        readers[r] = []


def _by_siw(ops):
    group, pc = [], None
    for op in ops:
        if op.pc != pc and group:
            yield group
            group = []
        pc = op.pc
        group.append(op)
    if group:
        yield group


__all__ = ["SchedOp", "Dep", "DepGraph", "dependence_graph", "sched_ops", "resolve_addresses",
           "MEMORY_OPS", "SYNC_OPS", "DEP_KINDS", "TIMING_KINDS", "MEMORY_ORDER", "MAX_SCHEDULE_OPS"]
