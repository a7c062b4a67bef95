"""Prefetching: find the gathers that stream through memory and ask for their pages ahead of them.

p registers are only set by ``.set`` and ``index``, so every gather's coordinate is known before
the run (``graph.resolve_addresses``). A **stream** is a gather register whose coordinates, across
the iterations of a loop region (or along straight-line code), advance by one constant stride along
one dimension (:func:`find_streams`). :func:`prefetch_pass` gives each a free p register as its
prefetch pointer: per element a ``cprefetch`` (C pipe, leaving the S pipe to the gathers;
``pipe="S"``: ``prefetch``) asks for the page ``distance`` elements ahead, and the pointer's own
``index`` re-aims it *from the gathers' register* (``index p7, p0, scroll, #4``), so a scheduler
running after the pass cannot race it ahead of the walk it serves. A warm-up before the loop asks
for the first ``distance`` elements. ``distance`` defaults to ceil(miss cycles / II): II is the loop
body's resource bound after insertion (the most ops of one pipe per iteration), the miss cycles are
the page walk + tier latency, plus the SIWs the prefetch trails its gather by (0 when it shares the
gather's SIW, the usual C-pipe case). SIWs are laid out for ``vliw`` issue (a prefetch beside its
pointer's index reads the old pointer); prefetches have no value effect, so the output validates
against its source and leaves the same registers and memory but the pointers (scratch).

Kernels must be honest about the PPT: ``.mem`` preloads are host writes *through* the PPT, so a
preloaded array that fits (<= 64 x 4 = 256 pages on ``realistic``) is translated already and hits
without any prefetch. The tests' and notebooks' kernels stream over at least twice the capacity
(512 elements): LRU over a cyclic footprint larger than the PPT keeps nothing, so without the pass
every gather is a capacity miss. :func:`prefetch_report` counts the sentrons' accesses, not the host's.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from ..config import MachineConfig, get_config
from ..coord import DIM_MAX, DIM_NAMES, Coord, tier
from ..errors import CoordError, ScheduleError
from ..isa import Instr, Reg
from ..ppt import PPT
from ..program import SIW, Loop, Program, SentronCode
from .graph import resolve_addresses
# the measuring half lives in prefetch_study.py (it imports this module lazily)
from .prefetch_study import distance_sweep, prefetch_report, random_gather_kernel, random_gather_study


@dataclass(frozen=True, slots=True)
class Stream:
    """Gathers through one p register whose coordinates advance by ``stride`` along ``dim``."""
    sentron: str
    register: str        # the gathers' address register, e.g. "p0"
    dim: int
    stride: int          # per element, along dim
    start: Coord         # the first element
    count: int           # elements gathered
    per_iteration: int   # gathers per loop iteration (straight-line code: one iteration holding all)
    loop: Loop | None    # the loop region, or None for straight-line code
    offsets: tuple       # the gathers' SIWs: offsets in the loop body, or pcs in straight-line code

    def element(self, k: int) -> Coord:
        return self.start.moved(self.dim, k * self.stride)

    def __repr__(self) -> str:
        where = repr(self.loop) if self.loop else f"straight-line SIWs {self.offsets[0]}..{self.offsets[-1]}"
        return (f"Stream({self.sentron}.{self.register}: {self.count} x {self.stride:+d} {DIM_NAMES[self.dim]} "
                f"from {self.start.short()}, {self.per_iteration}/iteration, {where})")


@dataclass(frozen=True, slots=True)
class Prefetch:
    """How one stream is prefetched."""
    stream: Stream
    register: str      # the prefetch pointer, e.g. "p7"
    distance: int      # elements ahead of the gathers (by default capped so the pages in flight fit a set)
    ii: int            # cycles per iteration the default distance assumes (straight-line: the whole stream)
    miss_cycles: int   # page walk + tier latency of the stream's worst element
    lag: int           # SIWs the prefetch trails its gather by (-1: a SIW ahead of it)
    warmup: int        # elements prefetched before the loop (or the first gather)


@dataclass(frozen=True, slots=True)
class PrefetchPlan:
    config: str
    op: str                # "cprefetch" (C pipe) or "prefetch" (S pipe)
    prefetches: tuple      # one Prefetch per stream

    @property
    def streams(self) -> tuple:
        return tuple(p.stream for p in self.prefetches)

    @property
    def registers(self) -> tuple:
        """The pointers as ``"sentron.pN"``: scratch, for ``differences(..., ignore=plan.registers)``."""
        return tuple(f"{p.stream.sentron}.{p.register}" for p in self.prefetches)

    @property
    def distance(self) -> int | None:
        return max((p.distance for p in self.prefetches), default=None)

    def __repr__(self) -> str:
        rows = "; ".join(f"{p.stream.sentron}.{p.stream.register} -> {p.register} {p.distance} ahead "
                         f"(II {p.ii}, miss {p.miss_cycles}, lag {p.lag})" for p in self.prefetches)
        return f"PrefetchPlan({self.config}, {self.op}: {rows or 'no streams'})"


# -- finding streams ------------------------------------------------------------------------------

def _progression(seq) -> tuple | None:
    """(dim, stride) if ``seq`` (>= 2 coordinates) advances by one constant step along one dim."""
    if len(seq) < 2 or any(c is None for c in seq):
        return None
    a = seq[0]
    dims = [d for d in range(len(a)) if seq[1][d] != a[d]]
    if len(dims) != 1:
        return None
    dim, stride = dims[0], seq[1][dims[0]] - a[dims[0]]
    ok = all(c[dim] == a[dim] + k * stride and c[:dim] == a[:dim] and c[dim + 1:] == a[dim + 1:]
             for k, c in enumerate(seq))
    return (dim, stride) if ok else None


def _gathers(code: SentronCode, lo: int, hi: int) -> dict:
    """register name -> pcs of the gathers in SIWs lo..hi-1."""
    out: dict[str, list[int]] = {}
    for pc in range(lo, hi):
        s = code.siws[pc].s
        if s is not None and s.op == "gather":
            out.setdefault(str(s.args[1]), []).append(pc)
    return out


def find_streams(code: SentronCode) -> list[Stream]:
    """The streaming gathers of one sentron's code, loop regions first. A loop region inside
    another is seen through the outermost one (its iterations are the outer body's)."""
    addrs = resolve_addresses(code)
    tops = sorted(l for l in code.loops if not any(o != l and o.start <= l.start and l.end <= o.end
                                                    for o in code.loops))
    out, at, segments = [], 0, []
    for l in tops:
        segments.append((at, l.start))
        at = l.end
        for reg, pcs in _gathers(code, l.start, l.start + l.body).items():
            seq = [addrs[pc + k * l.body][1] for k in range(l.count) for pc in pcs]
            if found := _progression(seq):
                out.append(Stream(code.name, reg, *found, seq[0], len(seq), len(pcs), l,
                                  tuple(pc - l.start for pc in pcs)))
    for lo, hi in segments + [(at, len(code.siws))]:
        for reg, pcs in _gathers(code, lo, hi).items():
            seq = [addrs[pc][1] for pc in pcs]
            if found := _progression(seq):
                out.append(Stream(code.name, reg, *found, seq[0], len(seq), len(seq), None, tuple(pcs)))
    return out


# -- the pass -------------------------------------------------------------------------------------

def _free_p(code: SentronCode, need: int) -> list[Reg]:
    """``need`` p registers the code never touches (highest first); a ScheduleError names the live ones."""
    users = {r.index: ".set" for r, _ in code.init if r.file == "p"}
    for instr in (i for siw in code.siws for i in siw.ops()):
        for r in instr.reads() + instr.writes():
            if r.file == "p":
                users.setdefault(r.index, f"`{instr}`")
    free = [Reg("p", i) for i in range(7, -1, -1) if i not in users]
    if len(free) < need:
        raise ScheduleError(f"{need} stream(s) need a free p register each for a prefetch pointer, {len(free)} "
                            f"free: the code uses " + ", ".join(f"p{i} ({users[i]})" for i in sorted(users)),
                            sentron=code.name, hint="free a p register, or prefetch fewer streams")
    return free[:need]


def _walk(code: SentronCode, reg: int) -> list:
    """The value of p``reg`` before each SIW (and after the last), walked as the machine will."""
    p: list = [Coord()] * 8
    for r, v in code.init:
        if r.file == "p":
            p[r.index] = v
    out = [p[reg]]
    for s in (siw.s for siw in code.siws):
        if s is not None and s.op == "index":
            dst, src, dim, k = s.args
            try:
                p[dst.index] = None if p[src.index] is None else p[src.index].moved(dim, k)
            except CoordError:
                p[dst.index] = None      # the run faults here; the pass does not aim from it
        out.append(p[reg])
    return out


def _aim(st: Stream, ptr: Reg, target: int, at: Coord | None, name: str) -> Instr:
    """``index ptr, pG, dim, #k`` pointing ``ptr`` at element ``target`` from pG's value ``at``."""
    want = st.start[st.dim] + target * st.stride
    if not 0 <= want <= DIM_MAX:
        raise ScheduleError(f"a prefetch pointer {target - st.count + 1} element(s) past the end of {st!r} "
                            f"would leave 0..{DIM_MAX} along {DIM_NAMES[st.dim]}", sentron=name,
                            hint="pass a smaller distance=, or place the array away from the edge")
    if at is None or at[:st.dim] != st.start[:st.dim] or at[st.dim + 1:] != st.start[st.dim + 1:]:
        raise ScheduleError(f"cannot aim a prefetch pointer from {st.register} = {at} at {st!r}",
                            sentron=name, hint="walk the gathers' register along one dimension only")
    return Instr("index", (ptr, Reg("p", int(st.register[1:])), st.dim, want - at[st.dim]))


def _fits(st: Stream, d: int, cfg: MachineConfig) -> bool:
    """Do the pages in flight (the one gathered, the one before it, ``d`` prefetched) fit the PPT's
    ways? A stride along an outer dimension puts every element in one set (2048 = 0 mod 64 sets)."""
    ppt = PPT(cfg.ppt_sets, cfg.ppt_ways, cfg.page_scrolls)
    load = Counter(ppt.set_of(ppt.page_of(st.element(k))) for k in range(min(d + 2, st.count)))
    return max(load.values()) <= cfg.ppt_ways


def _free(rows: list, lo: int, hi: int, slot: int) -> int | None:
    return next((k for k in range(lo, hi) if rows[k][slot] is None), None)


class _Rewrite:
    """One sentron's code as rows ``[D, S, C, line, origin]`` (origin: the old pc, or the offset in
    a loop body; None for a new SIW); prefetches go in stream by stream, then :meth:`rebuild`."""

    def __init__(self, code: SentronCode, op: str):
        self.code, self.op, self.slot = code, op, (2 if op == "cprefetch" else 1)
        self.lines = list(code.lines) + [0] * (len(code.siws) - len(code.lines))
        self.straight = [[*siw.slots, self.lines[pc], pc] for pc, siw in enumerate(code.siws)]
        self.before: dict[int, list] = {}    # old pc -> warm-up rows emitted before it
        self.bodies: dict[Loop, list] = {}   # transformed loop -> its body rows
        self.pos: dict[int, dict] = {}

    def rows(self, loop: Loop | None) -> list:
        if loop is not None and loop not in self.bodies:
            self.bodies[loop] = [[*self.code.siws[loop.start + o].slots, self.lines[loop.start + o], o]
                                 for o in range(loop.body)]
        return self.straight if loop is None else self.bodies[loop]

    def ii(self, rows: list, elements: int) -> int:
        """The busiest pipe's ops in ``rows`` once ``elements`` prefetches and indexes are in."""
        extra = [0, elements, 0]
        extra[self.slot] += elements
        return max(1, *(sum(r[k] is not None for r in rows) + extra[k] for k in range(3)))

    def window(self, rows: list, st: Stream, j: int) -> tuple[int, int]:
        """Rows from the stream's j-th gather up to its next one (or the end of the rows)."""
        pos = self.pos.get(id(rows))
        if pos is None:            # where each old SIW's row is; recomputed after an insertion
            pos = self.pos[id(rows)] = {r[4]: k for k, r in enumerate(rows) if r[4] is not None}
        return pos[st.offsets[j]], pos[st.offsets[j + 1]] if j + 1 < len(st.offsets) else len(rows)

    def insert(self, rows: list, at: int, line: int) -> None:
        rows.insert(at, [None, None, None, line, None])
        self.pos.pop(id(rows), None)

    def place(self, rows: list, lo: int, hi: int, pf: Instr, aim) -> None:
        """``pf`` in a free slot of rows lo..hi-1 (else a new SIW just before the gather, leading
        it), then ``aim(origin)``'s index in a free S slot from there on (else a new SIW)."""
        i = _free(rows, lo, hi, self.slot)
        if i is None:
            self.insert(rows, lo, rows[lo][3])
            i, hi = lo, hi + 1
        rows[i][self.slot] = pf
        if aim is not None:
            j = _free(rows, i if self.slot == 2 else i + 1, hi, 1)   # beside a cprefetch: it reads first
            if j is None:
                j = max(hi, i + 1)
                self.insert(rows, j, rows[i][3])
            rows[j][1] = aim(next((rows[k][4] for k in range(j, -1, -1) if rows[k][4] is not None), -1))

    def warmup(self, at: int, pf: Instr, aims: list, n: int) -> None:
        """Before old pc ``at``: prefetch elements 0..n-1 (``aims[w]`` points at element w; an aim
        past them leaves the pointer where the code's first prefetch takes it)."""
        line, out = self.lines[at], self.before.setdefault(at, [])
        pf_row = [None, pf, None, line, None] if self.slot == 1 else [None, None, pf, line, None]
        for w, ix in enumerate(aims):
            if self.slot == 2:                       # index w beside the prefetch of w - 1
                out.append([None, ix, pf if w else None, line, None])
            else:
                out += [list(pf_row)] * bool(w) + [[None, ix, None, line, None]]
        if len(aims) == n and n:
            out.append(list(pf_row))

    def stream(self, st: Stream, ptr: Reg, ii: int, cfg: MachineConfig, distance) -> Prefetch:
        loop, n, name = st.loop, st.count, self.code.name
        rows, walk = self.rows(loop), _walk(self.code, int(st.register[1:]))
        lo, hi = self.window(rows, st, 0)
        lag = -1 if (free := _free(rows, lo, hi, self.slot)) is None else free - lo
        miss = cfg.ppt_miss_penalty_cycles + max(cfg.tier_latency_cycles[tier(self.code.home, st.element(k))]
                                                 for k in (0, n - 1))
        d = max(1, math.ceil((miss + lag) * st.per_iteration / ii)) if distance is None else distance
        while distance is None and d > 1 and not _fits(st, d, cfg):
            d -= 1
        pf, at, warm = Instr(self.op, (ptr,)), (loop.start if loop else st.offsets[0]), min(d, n)
        base, body, iters = (loop.start, loop.body, (0, loop.count - 1)) if loop else (0, 0, (0,))

        def aim(e: int):        # the index aiming the pointer at element e, placed after old SIW o
            def at_origin(o: int) -> Instr:
                first, *last = (_aim(st, ptr, e + k * st.per_iteration, walk[base + k * body + o + 1],
                                     name) for k in iters)
                if last and last[0] != first:
                    raise ScheduleError(f"{st.register} does not advance with {st!r} in every iteration",
                                        sentron=name)
                return first
            return None if loop is None and e == n else at_origin

        self.warmup(at, pf, [_aim(st, ptr, w, walk[at], name) for w in range(warm)]
                    + ([_aim(st, ptr, d, walk[at], name)] if loop or d < n else []), warm)
        for j in range(st.per_iteration if loop else max(0, n - d)):
            self.place(rows, *self.window(rows, st, j), pf, aim(d + j + 1))   # asks for d + j, aims at the next
        return Prefetch(st, str(ptr), d, ii, miss, lag, warm)

    def rebuild(self) -> SentronCode:
        """The new code: rows in order, warm-ups before their loops, loop regions re-measured."""
        code, out, starts, skip = self.code, [], {}, -1
        first, own = {}, {}      # old pc -> its first new SIW, counting / not counting a warm-up before it
        loops = {l.start: l for l in self.bodies}
        for row in self.straight:
            o = row[4]
            if o is not None and o < skip:
                continue                             # inside a transformed loop: emitted from its body
            if o is not None:
                first[o] = len(out)
                out += [(SIW(*r[:3]), r[3]) for r in self.before.get(o, ())]
                own[o] = len(out)                    # a region starting here starts after the warm-up
                if o in loops:
                    l = loops[o]
                    starts[l], skip = len(out), l.end
                    body = [(r, _siw(r, None if r[4] is None else code.siws[o + r[4]])) for r in self.bodies[l]]
                    for k in range(l.count):
                        for r, siw in body:
                            if r[4] is not None:
                                own.setdefault(o + k * l.body + r[4], len(out))
                                first.setdefault(o + k * l.body + r[4], len(out))
                            out.append((siw, r[3]))
                    continue
            out.append((_siw(row, None if o is None else code.siws[o]), row[3]))
        first[len(code.siws)] = len(out)
        siws = tuple(s for s, _ in out)
        moved = {l: (starts[l], len(b)) for l, b in self.bodies.items()}
        return replace(code, siws=siws, lines=tuple(line for _, line in out),
                       loops=_loops(code.loops, siws, first, own, moved))


def _siw(row, old: SIW | None) -> SIW:
    return old if old is not None and old.slots == tuple(row[:3]) else SIW(*row[:3])


def _loops(loops, siws: tuple, first: dict, own: dict, moved: dict) -> tuple:
    """The loop regions of the new code (``moved``: transformed loop -> new start, body); a region
    around a transformed one whose copies now differ becomes straight-line."""
    out = []
    for l in loops:
        total = first[l.end] - own[l.start]
        start, body = moved.get(l, (own[l.start], total // l.count))
        copy = siws[start:start + body]
        if l in moved or (body * l.count == total and copy and
                          all(siws[start + k * body:start + (k + 1) * body] == copy for k in range(l.count))):
            out.append(Loop(start, body, l.count))
    return tuple(out)


def _sentron_pass(code: SentronCode, cfg: MachineConfig, distance, ii, op: str):
    streams = find_streams(code)
    if not streams:
        return code, []
    rw, cycles = _Rewrite(code, op), {}
    for st in streams:   # II after insertion, before any is placed; straight-line: over the stream's SIWs
        rows = rw.rows(st.loop) if st.loop else [r for r in rw.straight if st.offsets[0] <= r[4] <= st.offsets[-1]]
        cycles[st] = ii or rw.ii(rows, sum(s.per_iteration for s in streams if s.loop == st.loop) if st.loop
                                 else st.count)
    plan = [rw.stream(st, ptr, cycles[st], cfg, distance) for st, ptr in zip(streams, _free_p(code, len(streams)))]
    return rw.rebuild(), plan


def prefetch_pass(code_or_program, config: MachineConfig | str = "realistic", *, distance: int | None = None,
                  ii: int | None = None, pipe: str = "C"):
    """``(new code or program, PrefetchPlan)``: every stream prefetched ``distance`` elements ahead
    (see the module doc); ``ii`` overrides the cycles per iteration the default distance assumes."""
    if pipe not in ("C", "S"):
        raise ScheduleError(f"pipe = {pipe!r}: prefetches go in the C pipe (cprefetch) or the S pipe (prefetch)",
                            hint='pipe="C" keeps the S pipe for the gathers')
    for name, v, lo in (("distance", distance, 0), ("ii", ii, 1)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < lo):
            raise ScheduleError(f"{name} = {v!r} must be a whole number >= {lo} (or None for the default)")
    cfg, op = get_config(config), "cprefetch" if pipe == "C" else "prefetch"
    single = isinstance(code_or_program, SentronCode)
    program = Program((code_or_program,)) if single else code_or_program
    done = [_sentron_pass(code, cfg, distance, ii, op) for code in program.sentrons]
    out = replace(program, sentrons=tuple(code for code, _ in done)).check()
    plan = PrefetchPlan(cfg.name, op, tuple(p for _, plans in done for p in plans))
    return (out.sentrons[0] if single else out), plan


__all__ = ["Stream", "Prefetch", "PrefetchPlan", "find_streams", "prefetch_pass", "prefetch_report",
           "distance_sweep", "random_gather_kernel", "random_gather_study"]
