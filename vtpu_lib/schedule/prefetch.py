"""Prefetching: find the gathers that stream through memory and fetch their pages ahead of them.

A gather that misses the PPT waits ``ppt_miss_penalty_cycles`` plus the tier latency (14 cycles on
``realistic``: 12 for the page walk, 0 for an L1 coordinate, + the hit's 2). p registers are only
ever set by ``.set`` and ``index``, so every gather's coordinate is known before the run
(``graph.resolve_addresses``). A **stream** is a gather register whose coordinates, across the
iterations of a loop region (or along straight-line code), advance by one constant stride along
one dimension (:func:`find_streams`). For each stream :func:`prefetch_pass` walks a second,
free p register ``distance`` elements ahead of it: a ``cprefetch`` (C pipe, so the S pipe stays
with the gathers; ``pipe="S"`` uses ``prefetch``) and an ``index`` per element, after a warm-up of
the first ``distance`` elements before the loop. ``distance`` defaults to ceil(miss cycles / II),
II being the loop body's resource bound after insertion (the most ops one pipe has per iteration):
a page asked for ``distance`` iterations early lands just as its gather comes. Prefetches have no
value effect, so the output validates against its source (``validate``) and leaves the same
registers and memory, except the pointer registers the plan names (scratch).

Kernels must be honest about the PPT: ``.mem`` preloads are host writes *through* the PPT, so a
preloaded array that fits (<= 64 x 4 = 256 pages on ``realistic``) is already translated and hits
without any prefetch. The kernels here and in the tests therefore stream over at least twice the
PPT's capacity (512 elements): every preloaded translation has been evicted by the time the stream
reaches it, and without the pass every gather is a capacity miss. :func:`prefetch_report` counts
the sentrons' accesses only (the host's preload is not the kernel's).

Random gathers are not streams: the pass leaves them alone, and their hit rate stays at what an
LRU PPT of C pages gives over a footprint of F pages, min(1, C/F) (:func:`random_gather_study`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from ..config import MachineConfig, get_config
from ..coord import DIM_MAX, DIM_NAMES, Coord, tier
from ..errors import ConfigError, CoordError, ScheduleError
from ..isa import Instr, Reg
from ..program import SIW, Loop, Program, SentronCode
from .graph import resolve_addresses


@dataclass(frozen=True, slots=True)
class Stream:
    """Gathers through one p register whose coordinates advance by ``stride`` along ``dim``."""
    sentron: str
    register: str        # the gathers' address register, e.g. "p0"
    dim: int
    stride: int          # per element, along dim
    start: Coord         # the first element's coordinate
    count: int           # elements gathered
    per_iteration: int   # gathers of the stream per loop iteration (1 in straight-line code)
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
    distance: int      # elements ahead of the gathers
    ii: int            # cycles per iteration (per element in straight-line code) the distance assumes
    miss_cycles: int   # page walk + tier latency of the stream's worst element
    warmup: int        # elements prefetched before the loop


@dataclass(frozen=True, slots=True)
class PrefetchPlan:
    config: str
    op: str                    # "cprefetch" (C pipe) or "prefetch" (S pipe)
    prefetches: tuple          # one Prefetch per stream

    @property
    def streams(self) -> tuple:
        return tuple(p.stream for p in self.prefetches)

    @property
    def registers(self) -> tuple:
        """The pointer registers as ``"sentron.pN"`` (scratch: pass to ``differences(ignore=...)``)."""
        return tuple(f"{p.stream.sentron}.{p.register}" for p in self.prefetches)

    @property
    def distance(self) -> int | None:
        return max((p.distance for p in self.prefetches), default=None)

    def __repr__(self) -> str:
        rows = "; ".join(f"{p.stream.sentron}.{p.stream.register} -> {p.register} {p.distance} ahead "
                         f"(II {p.ii}, miss {p.miss_cycles})" for p in self.prefetches)
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
    dim = dims[0]
    stride = seq[1][dim] - a[dim]
    for k, c in enumerate(seq):
        if c[dim] != a[dim] + k * stride or any(c[i] != a[i] for i in range(len(a)) if i != dim):
            return None
    return dim, stride


def _top_loops(code: SentronCode) -> list[Loop]:
    return sorted(l for l in code.loops if not any(o != l and o.start <= l.start and l.end <= o.end
                                                    for o in code.loops))


def _segments(code: SentronCode, tops) -> list[tuple[int, int]]:
    """The straight-line runs of SIWs between the top-level loop regions."""
    out, at = [], 0
    for l in tops:
        out.append((at, l.start))
        at = l.end
    return [s for s in out + [(at, len(code.siws))] if s[1] > s[0]]


def _gathers(code: SentronCode, lo: int, hi: int) -> dict:
    """register name -> pcs of the gathers in SIWs lo..hi-1."""
    out: dict[str, list[int]] = {}
    for pc in range(lo, hi):
        s = code.siws[pc].s
        if s is not None and s.op == "gather":
            out.setdefault(str(s.args[1]), []).append(pc)
    return out


def find_streams(code: SentronCode) -> list[Stream]:
    """The streaming gathers of one sentron's code (see the module doc), loops first."""
    addrs, tops = resolve_addresses(code), _top_loops(code)
    out = []
    for l in tops:
        for reg, pcs in _gathers(code, l.start, l.start + l.body).items():
            seq = [addrs[pc + k * l.body][1] for k in range(l.count) for pc in pcs]
            found = _progression(seq)
            if found:
                out.append(Stream(code.name, reg, *found, seq[0], len(seq), len(pcs), l,
                                  tuple(pc - l.start for pc in pcs)))
    for lo, hi in _segments(code, tops):
        for reg, pcs in _gathers(code, lo, hi).items():
            seq = [addrs[pc][1] for pc in pcs]
            found = _progression(seq)
            if found:
                out.append(Stream(code.name, reg, *found, seq[0], len(seq), 1, None, tuple(pcs)))
    return out


# -- the pass -------------------------------------------------------------------------------------

def _free_p(code: SentronCode, need: int) -> list[int]:
    """``need`` p registers the code never touches (highest first), or a ScheduleError naming the live ones."""
    users: dict[int, str] = {r.index: ".set" for r, _ in code.init if r.file == "p"}
    for siw in code.siws:
        for instr in siw.ops():
            for r in instr.reads() + instr.writes():
                if r.file == "p":
                    users.setdefault(r.index, f"`{instr}`")
    free = [i for i in range(7, -1, -1) if i not in users]
    if len(free) < need:
        live = ", ".join(f"p{i} ({users[i]})" for i in sorted(users))
        raise ScheduleError(f"{need} stream(s) need a free p register each for a prefetch pointer, "
                            f"{len(free)} free: the code uses {live}", sentron=code.name,
                            hint="free a p register (reuse one walk for two arrays), or prefetch fewer streams")
    return free[:need]


def _walk(code: SentronCode, reg: int) -> list:
    """The value of p``reg`` before each SIW (and after the last), walked as the machine will."""
    p: list = [Coord()] * 8
    for r, v in code.init:
        if r.file == "p":
            p[r.index] = v
    out = [p[reg]]
    for siw in code.siws:
        s = siw.s
        if s is not None and s.op == "index":
            dst, src, dim, k = s.args
            try:
                p[dst.index] = p[src.index].moved(dim, k) if p[src.index] is not None else None
            except CoordError:
                p[dst.index] = None      # the run faults here; the pass does not aim from it
        out.append(p[reg])
    return out


def _aim(st: Stream, ptr: Reg, target: int, at: Coord | None, name: str) -> Instr:
    """``index ptr, pG, dim, k`` that points ``ptr`` at element ``target`` from pG's value ``at``."""
    want = st.start[st.dim] + target * st.stride
    if not 0 <= want <= DIM_MAX:
        raise ScheduleError(f"a pointer {target - st.count + 1} element(s) past the end of {st!r} would leave "
                            f"0..{DIM_MAX} along {DIM_NAMES[st.dim]} (at {want})", sentron=name,
                            hint="pass a smaller distance=, or place the array away from the edge")
    if at is None or any(at[i] != st.start[i] for i in range(len(at)) if i != st.dim):
        raise ScheduleError(f"cannot aim a prefetch pointer from {st.register} ({at}) at {st!r}: "
                            f"{st.register} leaves the stream's line", sentron=name,
                            hint="walk the gathers' register along one dimension only")
    return Instr("index", (ptr, Reg("p", int(st.register[1:])), st.dim, want - at[st.dim]))


def _row(line: int, slots=(None, None, None), origin: int | None = None) -> list:
    return [*slots, line, origin]      # D, S, C; source line; the old SIW it came from (None: new)


def _place(rows: list, lo: int, hi: int, pf: Instr, pf_slot: int, same: bool, aim) -> None:
    """Put ``pf`` in a free slot of rows lo..hi-1 (or a new row at hi), then ``aim(row)``'s index
    in a free S slot after it: the pointer then holds the next prefetch's element."""
    line = rows[lo][3]
    i = next((k for k in range(lo, hi) if rows[k][pf_slot] is None), None)
    if i is None:
        rows.insert(hi, _row(line))
        i, hi = hi, hi + 1
    rows[i][pf_slot] = pf
    if aim is None:
        return
    first = i if same and pf_slot == 2 else i + 1   # one SIW only if the prefetch reads before index writes
    j = next((k for k in range(first, hi) if rows[k][1] is None), None)
    if j is None:
        j = max(hi, i + 1)
        rows.insert(j, _row(line))
    rows[j][1] = aim(next(rows[k][4] for k in range(j, -1, -1) if rows[k][4] is not None))


def _warmup(line: int, pf: Instr, aims: list, n: int, pf_slot: int, same: bool) -> list:
    """Rows prefetching elements 0..n-1, ``aims[w]`` pointing at element w; an aim beyond them
    leaves the pointer at the element the code's first prefetch takes."""
    out, pf_row = [], (None, pf, None) if pf_slot == 1 else (None, None, pf)
    for w, ix in enumerate(aims):
        if same and pf_slot == 2:      # index w and the prefetch of w - 1 share a SIW
            out.append(_row(line, (None, ix, pf if w else None)))
            continue
        if w:
            out.append(_row(line, pf_row))
        out.append(_row(line, (None, ix, None)))
    if len(aims) == n and n:
        out.append(_row(line, pf_row))
    return out


def _busiest(rows, extra: list) -> int:
    """Ops of the busiest pipe in ``rows`` plus ``extra`` (per pipe): the resource bound."""
    return max(1, *(sum(r[k] is not None for r in rows) + extra[k] for k in range(3)))


def _miss_cycles(st: Stream, home: Coord, cfg: MachineConfig) -> int:
    return cfg.ppt_miss_penalty_cycles + max(cfg.tier_latency_cycles[tier(home, st.element(k))]
                                             for k in (0, st.count - 1))


def _sentron_pass(code: SentronCode, cfg: MachineConfig, distance, ii, op: str, same: bool):
    streams = find_streams(code)
    if not streams:
        return code, []
    ptrs = [Reg("p", i) for i in _free_p(code, len(streams))]
    pf_slot = 2 if op == "cprefetch" else 1
    lines = list(code.lines) + [0] * (len(code.siws) - len(code.lines))
    straight = [_row(lines[pc], siw.slots, pc) for pc, siw in enumerate(code.siws)]
    before: dict[int, list] = {}     # old pc -> warm-up rows to emit before it
    bodies: dict[Loop, list] = {}    # transformed loop -> its new body rows (origin: offset in the body)
    plan, walks = [], {}
    groups: dict = {}
    for st, ptr in zip(streams, ptrs):
        groups.setdefault(st.loop, []).append((st, ptr))
    for loop, members in groups.items():
        if loop is not None:
            rows = bodies[loop] = [_row(lines[loop.start + o], code.siws[loop.start + o].slots, o)
                                   for o in range(loop.body)]
            extra = [0, 0, 0]
            for st, _ in members:
                extra[1] += st.per_iteration
                extra[pf_slot] += st.per_iteration
            cycles = ii or _busiest(rows, extra)
        for st, ptr in members:
            walk = walks.setdefault(st.register, _walk(code, int(st.register[1:])))
            n, u = st.count, st.per_iteration
            if loop is None:   # per element, over the SIWs the stream spans
                rows, extra = straight, [0, n, 0]
                extra[pf_slot] += n
                span = [r for r in rows if r[4] is not None and st.offsets[0] <= r[4] <= st.offsets[-1]]
                cycles = ii or math.ceil(_busiest(span, extra) / n)
            miss = _miss_cycles(st, code.home, cfg)
            d = max(1, math.ceil(miss * u / cycles)) if distance is None else distance
            pf = Instr(op, (ptr,))
            at = loop.start if loop else st.offsets[0]
            warm = min(d, n)
            aims = [_aim(st, ptr, w, walk[at], code.name) for w in range(warm + (d < n or loop is not None))]
            before.setdefault(at, []).extend(_warmup(lines[at], pf, aims, warm, pf_slot, same))
            plan.append(Prefetch(st, str(ptr), d, cycles, miss, warm))
            for j in range(u if loop else max(0, n - d)):
                pos = {r[4]: k for k, r in enumerate(rows) if r[4] is not None}
                nxt = st.offsets[j + 1] if j + 1 < len(st.offsets) else None
                hi = len(rows) if nxt is None else pos[nxt]
                if loop is None and d + j + 1 == n:
                    aim = None         # the stream's last element: nothing to aim at after it
                elif loop is None:
                    aim = (lambda e: lambda o: _aim(st, ptr, e, walk[o + 1], code.name))(d + j + 1)
                else:
                    aim = _loop_aim(st, ptr, loop, walk, d + j + 1, code.name)
                _place(rows, pos[st.offsets[j]], hi, pf, pf_slot, same, aim)
    return _rebuild(code, straight, before, bodies), plan


def _loop_aim(st, ptr, loop: Loop, walk, e: int, name: str):
    """The aim of a loop's pointer: the same index in every iteration (checked in the first and last)."""
    def aim(o: int) -> Instr:
        u = st.per_iteration
        first, last = (_aim(st, ptr, e + k * u, walk[loop.start + k * loop.body + o + 1], name)
                       for k in (0, loop.count - 1))
        if first != last:
            raise ScheduleError(f"{st.register} does not advance with {st!r} in every iteration", sentron=name)
        return first
    return aim


def _siw(row, old: SIW) -> SIW:
    return old if old is not None and old.slots == tuple(row[:3]) else SIW(*row[:3])


def _rebuild(code: SentronCode, straight, before, bodies) -> SentronCode:
    """The new code: rows in order, warm-ups before their loops, loop regions re-measured."""
    siws, lines, first = [], [], {}      # first[pc]: the first new SIW emitted for old pc
    skip = -1

    def emit(row, siw):
        siws.append(siw)
        lines.append(row[3])

    starts = {}
    for row in straight:
        pc = row[4]
        if pc is not None and pc < skip:
            continue                      # inside a transformed loop: emitted from its body
        if pc is not None:
            first[pc] = len(siws)
            for r in before.get(pc, ()):
                emit(r, SIW(*r[:3]))
            loop = next((l for l in bodies if l.start == pc), None)
            if loop is not None:
                starts[loop], skip = len(siws), loop.end
                body = [(r, _siw(r, code.siws[loop.start + r[4]] if r[4] is not None else None)) for r in bodies[loop]]
                for k in range(loop.count):
                    for r, siw in body:
                        if r[4] is not None:
                            first.setdefault(loop.start + k * loop.body + r[4], len(siws))
                        emit(r, siw)
                continue
        emit(row, _siw(row, code.siws[pc] if pc is not None else None))
    first[len(code.siws)] = len(siws)
    siws = tuple(siws)
    loops = []
    for l in code.loops:
        if l in starts:
            loops.append(Loop(starts[l], len(bodies[l]), l.count))
            continue
        total = first[l.end] - first[l.start]
        cand = Loop(first[l.start], total // l.count, l.count)
        body = siws[cand.start:cand.start + cand.body]
        if total % l.count == 0 and body and all(siws[cand.start + k * cand.body:cand.start + (k + 1) * cand.body]
                                                 == body for k in range(l.count)):
            loops.append(cand)   # else: a region around a transformed one, whose copies now differ
    return replace(code, siws=siws, lines=tuple(lines), loops=tuple(loops))


def prefetch_pass(code_or_program, config: MachineConfig | str = "realistic", *, distance: int | None = None,
                  ii: int | None = None, pipe: str = "C", mode: str = "vliw", slot_order: str = "DSC"):
    """``(new code or program, PrefetchPlan)``: every stream prefetched ``distance`` elements ahead
    (see the module doc). ``ii`` overrides the cycles per iteration the default distance assumes."""
    if pipe not in ("C", "S"):
        raise ScheduleError(f"pipe = {pipe!r}: prefetches go in the C pipe (cprefetch) or the S pipe (prefetch)",
                            hint='pipe="C" keeps the S pipe for the gathers')
    for name, v, lo in (("distance", distance, 0), ("ii", ii, 1)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < lo):
            raise ScheduleError(f"{name} = {v!r} must be a whole number >= {lo} (or None for the default)")
    cfg, op = get_config(config), "cprefetch" if pipe == "C" else "prefetch"
    same = mode == "vliw" or slot_order.index("C") < slot_order.index("S")   # cprefetch reads before index writes
    if isinstance(code_or_program, SentronCode):
        out, plan = _sentron_pass(code_or_program, cfg, distance, ii, op, same)
        Program((out,)).check()
        return out, PrefetchPlan(cfg.name, op, tuple(plan))
    codes, plans = [], []
    for code in code_or_program.sentrons:
        out, plan = _sentron_pass(code, cfg, distance, ii, op, same)
        codes.append(out)
        plans += plan
    return replace(code_or_program, sentrons=tuple(codes)).check(), PrefetchPlan(cfg.name, op, tuple(plans))


# -- measuring --------------------------------------------------------------------------------------

def prefetch_report(trace, sentron: int | str | None = None) -> dict:
    """Hit rate, accuracy (used / installs), coverage (used / (used + demand misses left)) and
    lateness (late hits / used) of the sentrons' own PPT accesses (the host's ``.mem`` preload is
    not counted), from the trace's counters."""
    who = [sentron] if sentron is not None else [s.id for s in trace.sentrons]
    p = [trace.counters(w).ppt for w in who]
    tot = {k: sum(getattr(x, k) for x in p) for k in ("accesses", "hits", "misses", "prefetches",
                                                      "prefetch_installs", "prefetch_used", "late_hits")}
    c = trace.counters(sentron)
    used, installs, misses = tot["prefetch_used"], tot["prefetch_installs"], tot["misses"]
    return {"cycles": c.cycles, "ppt_miss_stall_cycles": c.stalls["ppt-miss"], **tot,
            "hit_rate": tot["hits"] / tot["accesses"] if tot["accesses"] else 0.0,
            "accuracy": used / installs if installs else 0.0,
            "coverage": used / (used + misses) if used + misses else 0.0,
            "lateness": tot["late_hits"] / used if used else 0.0}


def _run(program: Program, config):
    from ..machine import Machine
    m = Machine(config)
    m.load(program)
    return m.run()


def distance_sweep(kernel_program: Program, config: MachineConfig | str = "realistic", distances=(1, 2, 4, 8),
                   *, schedule=None) -> list[dict]:
    """One :func:`prefetch_report` per distance (``None``: the kernel without the pass), plus
    ``distance``; ``schedule`` (e.g. ``lambda p: pack(p, config)``) runs after the pass."""
    out = []
    for d in distances:
        prog = kernel_program if d is None else prefetch_pass(kernel_program, config, distance=d)[0]
        out.append({"distance": d, **prefetch_report(_run(schedule(prog) if schedule else prog, config))})
    return out


def random_gather_kernel(footprint: int, accesses: int, seed: int = 0) -> Program:
    """A sum of ``accesses`` seeded-random gathers over ``footprint`` consecutive scrolls (one page
    each on a 1-scroll page; consecutive pages spread evenly over the PPT's sets), all preloaded."""
    from ..build import ProgramBuilder, op
    if isinstance(footprint, bool) or not isinstance(footprint, int) or not 1 <= footprint <= DIM_MAX + 1:
        raise ConfigError(f"footprint = {footprint!r} pages must be 1..{DIM_MAX + 1} (scrolls of one section)")
    rng = random.Random(seed)
    b = ProgramBuilder(f"random_gathers_{footprint}")
    for i in range(footprint):
        b.mem(Coord((i,) + (1,) * 10), float(i))
    at = rng.randrange(footprint)
    b.set("p0", Coord((at,) + (1,) * 10))
    for _ in range(accesses):
        nxt = rng.randrange(footprint)
        if nxt != at:
            b.siw(s=op("index", "p0", "p0", "scroll", nxt - at))
        b.siw(s=op("gather", "r1", "p0"))
        b.siw(op("add", "r0", "r0", "r1"))
        at = nxt
    return b.build()


def random_gather_study(config: MachineConfig | str = "realistic", footprints=(64, 128, 256, 512, 1024, 2048),
                        *, accesses: int = 2048, seed: int = 0) -> list[dict]:
    """Per footprint F: the measured hit rate of random gathers beside the line min(1, C/F) it
    should follow (C = PPT capacity). The preload leaves the PPT holding C of the F pages, as in
    steady state, so no first-touch misses blur the line; the pass finds no stream to prefetch."""
    cfg = get_config(config)
    out = []
    for f in footprints:
        prog = random_gather_kernel(f, accesses, seed)
        r = prefetch_report(_run(prog, cfg))
        out.append({"footprint": f, "capacity": cfg.ppt_capacity_pages, "accesses": r["accesses"],
                    "hits": r["hits"], "hit_rate": r["hit_rate"], "model": min(1.0, cfg.ppt_capacity_pages / f),
                    "streams": len(find_streams(prog.sentrons[0]))})
    return out


__all__ = ["Stream", "Prefetch", "PrefetchPlan", "find_streams", "prefetch_pass", "prefetch_report",
           "distance_sweep", "random_gather_kernel", "random_gather_study"]
