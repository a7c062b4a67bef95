"""PPT experiments for notebook 04 (the S pipe): build programs, drive a PPT or a Machine, return data.

Everything here is a pure function of its arguments (randomness comes from an explicit seed)
and returns plain records; the notebook narrates and plots them. Three kinds of experiment:

* **runs of real programs** on a :class:`~vtpu_lib.machine.Machine` -- the original's Alice/Bob
  scenario (:func:`alice_bob_trace`), gather walks (:func:`gather_program`, :func:`classify`),
  strided sweeps (:func:`stride_sweep`) and a prefetching stream (:func:`prefetch_study`);
* **the PPT driven directly** (:func:`simulate_ppt`), for sweeps of thousands of accesses over
  many geometries (:func:`hit_rate_vs_capacity`, :func:`cyclic_vs_capacity`); a test checks it
  classifies exactly like the gather programs do on the machine;
* **views of one run** for plots that must show the whole run: cumulative stall cycles
  (:func:`stall_curve`, :func:`ahead_from`) and how a footprint loads the PPT's sets (:func:`set_load`);
* the **models** the measurements are drawn against: ``min(1, C/F)`` for random accesses over a
  footprint of F pages in C entries, ``min(1, s/B)`` misses for a stride of s scrolls over pages
  of B scrolls, and ``1 - distinct/accesses`` for a cold PPT that never evicts.

"Cold" runs write memory behind the PPT's back (``machine.memory``), so the PPT starts empty;
``.mem`` lines and host accesses go through the PPT (docs/decisions.md) and would warm it.
The programs notebook 04 prints and learners edit (:func:`gather_program`, :func:`strided_program`,
:func:`streams_program`, :func:`prefetch_program`) are text; a program that is only run is built
as data (:class:`~vtpu_lib.build.ProgramBuilder`).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ..asm import assemble
from ..build import ProgramBuilder, op
from ..config import MachineConfig, get_config
from ..coord import DIM_MAX, DIM_NAMES, Coord, tier
from ..errors import ConfigError
from ..isa import EventKind
from ..machine import Machine
from ..ppt import PPT
from ..program import Program
from ..trace import Trace

__all__ = ["run_cold", "Translation", "translations", "alice_bob_trace", "alice_bob_original", "ReuseSummary",
           "reuse_summary", "gather_program", "classify", "THREE_C_PATTERNS", "scrolls", "Tally", "simulate_ppt",
           "random_footprint", "hit_rate_vs_capacity", "cyclic_vs_capacity", "strided_program", "StridePoint",
           "stride_sweep", "streams_program", "stream_cells", "prefetch_program", "PrefetchPoint", "prefetch_study",
           "GatherTiming", "gather_timing", "stall_curve", "ahead_from", "moving_hit_rate", "SetLoad",
           "set_load"]


def run_cold(program: Program | str, cells: dict | None = None, config: MachineConfig | str = "seed",
             **overrides) -> Trace:
    """Run ``program`` on a fresh machine whose memory holds ``cells`` but whose PPT is empty.

    ``overrides`` change the preset, e.g. ``ppt_sets=2, ppt_ways=1, page_scrolls=8``.
    """
    config = get_config(config)
    m = Machine(config.replace(**overrides) if overrides else config, max_cycles=200_000)
    for c, v in (cells or {}).items():
        m.memory.write(Coord.parse(c), v)  # behind the PPT's back: no translation installed
    m.load(assemble(program) if isinstance(program, str) else program)
    return m.run()


# -- 1. the original's Alice/Bob run, translation by translation ----------------------------------

@dataclass(frozen=True, slots=True)
class Translation:
    """One PPT event: who asked, for which coordinate, and what happened."""
    n: int          # 1-based position in the run
    cycle: int
    who: str        # 'host' or the sentron's name
    kind: str       # host-write, host-read, gather, scatter (demand lookups) or prefetch
    coord: Coord
    outcome: str    # 'hit', 'compulsory', 'capacity', 'conflict'; a prefetch: 'installed' or 'present'
    late: bool = False        # a hit on a page a prefetch was still bringing in
    prefetched: bool = False  # the first demand use of a prefetched page

    @property
    def hit(self) -> bool:
        return self.outcome == "hit"


def translations(trace: Trace, include_host: bool = True, include_prefetch: bool = False) -> list[Translation]:
    """The demand PPT lookups of a run in order (and the prefetches, if asked: they are not lookups)."""
    names = {s.id: s.name for s in trace.sentrons}
    out = []
    for e in trace.events(EventKind.PPT):
        a = e.info  # a PPTAccess
        if (a.op != "prefetch" or include_prefetch) and (e.sentron >= 0 or include_host):
            out.append(Translation(len(out) + 1, e.cycle, names.get(e.sentron, "host"), a.op, a.coord, a.outcome,
                                   a.late, a.prefetched))
    return out


def alice_bob_trace(repeats: int = 1, config: MachineConfig | str = "seed") -> Trace:
    """The original's scenario (:func:`vtpu_lib.course.scenarios.alice_bob_host_copy`): the host seeds
    memory (``.mem``, through the PPT), Alice runs her SIWs ``repeats`` times, the host copies her
    42 from 4.1.1 into Bob's r0, Bob runs, and the host reads his 84 from 5.1.1. ``repeats=1`` is
    the original run (11 translations)."""
    from .scenarios import alice_bob_host_copy
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"repeats = {repeats!r}: Alice runs her SIWs a whole number >= 1 of times",
                          hint="repeats=1 is the original run")
    return alice_bob_host_copy(config, alice_repeats=repeats).trace()


def alice_bob_original() -> list[Translation]:
    """The 11 translations of the original's Alice/Bob run: 6 hits, 5 compulsory misses."""
    return translations(alice_bob_trace(1))


@dataclass(frozen=True, slots=True)
class ReuseSummary:
    accesses: int
    distinct: int       # distinct pages touched: the compulsory misses of a cold PPT
    hits: int
    compulsory: int
    capacity: int
    conflict: int

    @property
    def hit_rate(self) -> float:
        return self.hits / self.accesses if self.accesses else 0.0

    @property
    def cold_start_rate(self) -> float:
        """1 - distinct/accesses: the hit rate of a cold PPT that never evicts."""
        return 1 - self.distinct / self.accesses if self.accesses else 0.0


def reuse_summary(trans: list[Translation], page_scrolls: int = 1) -> ReuseSummary:
    pages = {PPT(page_scrolls=page_scrolls).page_of(t.coord) for t in trans}
    count = {k: sum(t.outcome == k for t in trans) for k in ("hit", "compulsory", "capacity", "conflict")}
    return ReuseSummary(len(trans), len(pages), count["hit"], count["compulsory"], count["capacity"],
                        count["conflict"])


# -- 2. gather programs and the 3C split --------------------------------------------------------------

def gather_program(coords, *, consume: bool = True, name: str = "walk") -> str:
    """Program text that gathers ``coords`` in order (memory values do not matter to the PPT).

    Up to 8 distinct coordinates get a p register each; more are reached by walking p0 with
    ``index`` ops. Gathers rotate over r1..r8; with ``consume`` an ``add r0, r0, rK`` two SIWs
    after each gather makes a miss visible as ``ppt-miss`` stalls under ``realistic``.
    """
    coords = [Coord.parse(c) for c in coords]
    if not coords:
        raise ConfigError("gather_program needs at least one coordinate to gather",
                          hint="e.g. gather_program(scrolls(1, 2, 1))")
    distinct = list(dict.fromkeys(coords))
    head = [f"# {len(coords)} gathers over {len(distinct)} coordinates", f".sentron {name} id=0"]
    s_ops = []
    if len(distinct) <= 8:
        reg = {c: f"p{i}" for i, c in enumerate(distinct)}
        head += [f".set {reg[c]} {c.short()}" for c in distinct]
        s_ops = [("gather", reg[c]) for c in coords]
    else:
        head.append(f".set p0 {coords[0].short()}")
        here = coords[0]
        for c in coords:
            s_ops += [("index", f"index p0, p0, {DIM_NAMES[d]}, #{c[d] - here[d]}")
                      for d in range(11) if c[d] != here[d]]
            s_ops.append(("gather", "p0"))
            here = c
    rows = [["-", "-"] for _ in range(len(s_ops) + (2 if consume else 0))]
    k = 0
    for j, (kind, text) in enumerate(s_ops):
        if kind == "gather":
            r = f"r{1 + k % 8}"
            rows[j][1] = f"gather {r}, {text}"
            if consume:
                rows[j + 2][0] = f"add r0, r0, {r}"
            k += 1
        else:
            rows[j][1] = text
    rows = [r for r in rows if r != ["-", "-"]]  # the SIW after an index walk's last gather
    return "\n".join(head + [f"{d:<14} | {s:<22} | -" for d, s in rows]) + "\n"


def classify(coords, *, sets: int, ways: int, page_scrolls: int = 1) -> list[str]:
    """Outcome of each gather of ``coords`` on a cold PPT of the given geometry (run on a Machine)."""
    trace = run_cold(gather_program(coords, consume=False), None, "seed",
                     ppt_sets=sets, ppt_ways=ways, page_scrolls=page_scrolls)
    return [outcome for _, _, _, outcome in trace.ppt_series()]


# The 3C classes, each produced on purpose (scrolls 1..4 of section 1; for these coordinates
# set = scroll mod sets). name -> (scrolls, sets, ways, expected outcomes)
THREE_C_PATTERNS = {
    "compulsory": ((1, 2, 3, 4), 4, 1, ("compulsory",) * 4),
    "capacity": ((1, 2, 3, 1, 2, 3), 1, 2, ("compulsory",) * 3 + ("capacity",) * 3),
    "conflict": ((1, 3, 1, 3), 2, 1, ("compulsory",) * 2 + ("conflict",) * 2),
    "all three": ((1, 3, 1, 2, 3), 2, 1, ("compulsory", "compulsory", "conflict", "compulsory", "capacity")),
}


def scrolls(*ns: int, section: int = 1) -> list[Coord]:
    """Coordinates ``n.section.1`` for each n: cells along one section's scrolls."""
    return [Coord((n, section) + (1,) * 9) for n in ns]


# -- 3. the PPT driven directly: capacity sweeps -------------------------------------------------

@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of one experiment's measured accesses."""
    capacity_pages: int
    sets: int
    ways: int
    accesses: int
    hits: int
    compulsory: int
    capacity: int
    conflict: int
    model: float        # the model's hit rate for this point

    @property
    def hit_rate(self) -> float:
        return self.hits / self.accesses if self.accesses else 0.0


def simulate_ppt(coords, *, sets: int, ways: int, page_scrolls: int = 1, warmup: int = 0,
                 model: float = float("nan")) -> Tally:
    """Feed ``coords`` to a cold PPT; the first ``warmup`` accesses fill it and are not counted."""
    ppt = PPT(sets, ways, page_scrolls)
    n = {"hit": 0, "compulsory": 0, "capacity": 0, "conflict": 0}
    for i, c in enumerate(coords):
        outcome = ppt.access(ppt.page_of(c), i, 0).outcome
        if i >= warmup:
            n[outcome] += 1
    return Tally(sets * ways, sets, ways, max(0, len(coords) - warmup), n["hit"], n["compulsory"],
                 n["capacity"], n["conflict"], model)


def _whole(name: str, value, lo: int, hi: int | None = None, hint: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < lo or (hi is not None and value > hi):
        limit = f"{lo:,}..{hi:,}" if hi is not None else f">= {lo:,}"
        raise ConfigError(f"{name} = {value!r} must be a whole number {limit}", hint=hint)
    return value


def random_footprint(footprint: int, rng: random.Random, sections: int = 8) -> list[Coord]:
    """``footprint`` distinct cells scattered over ``sections`` sections of 2048 scrolls (sorted)."""
    sections = _whole("sections", sections, 1, DIM_MAX)
    most = (DIM_MAX + 1) * sections  # distinct (scroll, section) pairs: the pages of 1 scroll there are
    _whole("footprint", footprint, 1, most,
           hint=f"{sections} section(s) of {DIM_MAX + 1} scrolls hold {most:,} distinct pages; "
                "pass more sections or a smaller footprint")
    pages: set[Coord] = set()
    while len(pages) < footprint:
        pages.add(Coord((rng.randrange(2048), 1 + rng.randrange(sections)) + (1,) * 9))
    return sorted(pages)


def _geometry(capacity: int, ways: int | None) -> tuple[int, int]:
    _whole("capacity", capacity, 1, hint="a capacity is the number of PPT entries (pages), e.g. [4, 8, 16]")
    if ways is None:
        return 1, capacity  # fully associative: one set holding every entry
    _whole("ways", ways, 1, hint="ways=None is fully associative; ways=1 direct-mapped")
    if capacity % ways:
        raise ConfigError(f"capacity {capacity} is not a multiple of {ways} ways",
                          hint=f"with {ways} ways use capacities {ways}, {2 * ways}, {4 * ways}, ...")
    return capacity // ways, ways


def hit_rate_vs_capacity(footprint: int, capacities, accesses: int, seed: int, *, ways: int | None = None,
                         warmup: int | None = None) -> list[Tally]:
    """Uniform random accesses over ``footprint`` scattered pages, one PPT per capacity C.

    ``ways=None``: fully associative (1 set x C ways); else C/ways sets of ``ways`` ways. The same
    seeded sequence feeds every PPT; the first ``warmup`` accesses (default a quarter) are not
    counted. Model: min(1, C/F) -- in steady state a random page is present with probability C/F.
    """
    rng = random.Random(seed)
    pages = random_footprint(footprint, rng)
    seq = [pages[rng.randrange(footprint)] for _ in range(accesses)]
    warmup = accesses // 4 if warmup is None else warmup
    return [simulate_ppt(seq, sets=s, ways=w, warmup=warmup, model=min(1.0, c / footprint))
            for c in capacities for s, w in [_geometry(c, ways)]]


def cyclic_vs_capacity(footprint: int, capacities, passes: int = 4, *, ways: int | None = None) -> list[Tally]:
    """Sweep scrolls 1..F of section 1 ``passes`` times; the first pass is warm-up.

    True LRU on a cyclic sweep: below C = F every access evicts the page needed next (0 hits);
    from C = F on, every access after the first pass hits. Model field: min(1, C/F) for reference.
    """
    _whole("footprint", footprint, 1, DIM_MAX, hint=f"the sweep walks scrolls 1..F of one section: F <= {DIM_MAX}")
    _whole("passes", passes, 2, hint="the first pass only warms the PPT up: sweep at least twice")
    seq = scrolls(*range(1, footprint + 1)) * passes
    return [simulate_ppt(seq, sets=s, ways=w, warmup=footprint, model=min(1.0, c / footprint))
            for c in capacities for s, w in [_geometry(c, ways)]]


# -- 4. strided sweeps against min(1, s/B) ------------------------------------------------------------

def strided_program(stride: int, accesses: int, start: int = 0) -> str:
    """Gather scrolls start, start+s, start+2s, ... of section 1: p0 walks by ``index``."""
    _whole("accesses", accesses, 1)
    last = start + stride * (accesses - 1)
    if not 0 <= start <= last <= DIM_MAX:
        raise ConfigError(f"{accesses} accesses of stride {stride} from scroll {start} reach scroll {last}, "
                          f"outside 0..{DIM_MAX}", hint="use fewer accesses or a smaller stride")
    lines = [f"# {accesses} gathers with a stride of {stride} scrolls", f".set p0 {start}.1.1"]
    if accesses > 1:
        lines += [f".repeat {accesses - 1}",
                  f"-              | {'gather r1, p0':<26} | -",
                  f"-              | {f'index p0, p0, scroll, #{stride}':<26} | -",
                  ".end"]
    lines.append(f"-              | {'gather r1, p0':<26} | -")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class StridePoint:
    stride: int
    page_scrolls: int
    accesses: int
    misses: int
    model: float        # min(1, s/B)

    @property
    def miss_rate(self) -> float:
        return self.misses / self.accesses


def stride_sweep(strides, page_scrolls: int, *, min_span: int | None = None) -> list[StridePoint]:
    """A cold sequential sweep per stride s over pages of B = ``page_scrolls`` scrolls (on a Machine).

    Each sweep covers a whole number of lcm(s, B) scrolls from scroll 0 (at least ``min_span``,
    default 16 pages and 16 accesses), so a page of B scrolls holds exactly B/s accesses when
    s <= B: the miss rate is then exactly s/B, and 1 when s > B (every access is a new page).
    """
    _whole("page_scrolls", page_scrolls, 1, hint="a page holds at least one scroll")
    out = []
    for s in strides:
        _whole("stride", s, 1, hint="a stride is how many scrolls apart consecutive gathers are, e.g. [1, 2, 4]")
        step = math.lcm(s, page_scrolls)
        least = 16 * max(s, page_scrolls) if min_span is None else min_span
        span = step * max(1, -(-least // step))
        n = span // s
        trace = run_cold(strided_program(s, n), None, "seed", page_scrolls=page_scrolls)
        misses = sum(not hit for _, hit, _, _ in trace.ppt_series())
        out.append(StridePoint(s, page_scrolls, n, misses, min(1.0, s / page_scrolls)))
    return out


def streams_program(streams: int = 3, stride: int = 2, n: int = 64) -> str:
    """``streams`` arrays (sections 1, 2, ...) read side by side with a stride: the loop of
    exercise 4.2. Iteration i gathers a[s*i], b[s*i], ... and adds them up."""
    _whole("streams", streams, 1, 8, hint="each stream walks a p register of its own: p0..p7")
    lines = [f"# {streams} arrays read side by side, stride {stride} scrolls, {n} iterations"]
    lines += [f".set p{k} 0.{k + 1}.1" for k in range(streams)]
    lines.append(f".repeat {n}")
    lines += [f"{'-':<14} | {f'gather r{k + 1}, p{k}':<24} | -" for k in range(streams)]
    lines += [f"add r0, r0, r{k + 1} | index p{k}, p{k}, scroll, #{stride} | -" for k in range(streams)]
    lines.append(".end")
    return "\n".join(lines) + "\n"


# -- 5. prefetching a stream ----------------------------------------------------------------------------

def stream_cells(n: int) -> dict[Coord, float]:
    """x[i] = i + 1 at scroll i + 1 of section 1, for i < n (sum n(n+1)/2)."""
    return {Coord((i + 1, 1) + (1,) * 9): float(i + 1) for i in range(n)}


def prefetch_program(n: int, distance: int | None) -> str:
    """Sum x[0..n-1] (see :func:`stream_cells`), 4 SIWs per element; with ``distance`` d the loop
    prefetches x[i+d] while it gathers x[i]. ``distance=None``: the same loop without prefetches
    (the prefetch's SIW stays, empty, so both versions have the same schedule)."""
    pre = distance is not None
    lines = [f"# sum of {n} elements, " + (f"prefetching {distance} ahead" if pre else "no prefetch"),
             ".set p0 1.1.1              # x[i]"]
    if pre:
        lines.append(f".set p1 {1 + distance}.1.1              # x[i + {distance}]")
    lines += [f".repeat {n}",
              f"-              | {'prefetch p1' if pre else '-':<24} | -",
              "-              | gather r1, p0            | -",
              "-              | index p0, p0, scroll, #1 | -",
              f"add r0, r0, r1 | {'index p1, p1, scroll, #1' if pre else '-':<24} | -",
              ".end"]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class PrefetchPoint:
    distance: int | None
    cycles: int
    ppt_miss_stalls: int
    misses: int           # demand misses
    prefetches: int
    installs: int
    used: int             # installed pages later hit by a demand access
    late: int             # demand hits that still waited for a prefetch in flight
    result: float

    @property
    def accuracy(self) -> float:
        """Fraction of installed pages that were used."""
        return self.used / self.installs if self.installs else 0.0

    @property
    def coverage(self) -> float:
        """Fraction of would-be misses that a prefetch turned into hits."""
        return self.used / (self.used + self.misses) if self.used + self.misses else 0.0

    @property
    def lateness(self) -> float:
        """Fraction of used prefetches that arrived after the gather asked for them."""
        return self.late / self.used if self.used else 0.0


def prefetch_study(n: int, distances, config: MachineConfig | str = "realistic") -> list[PrefetchPoint]:
    """Run :func:`prefetch_program` cold for each distance (``None``: no prefetch)."""
    out = []
    for d in distances:
        trace = run_cold(prefetch_program(n, d), stream_cells(n), config)
        c = trace.counters()
        p = c.ppt
        out.append(PrefetchPoint(d, c.cycles, c.stalls["ppt-miss"], p.misses, p.prefetches, p.prefetch_installs,
                                 p.prefetch_used, p.late_hits, trace.registers["r0"]))
    return out


# -- 6. what one gather costs ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class GatherTiming:
    coord: Coord
    tier: str
    outcome: str
    latency_cycles: int   # gather issue -> its consumer issues
    stalls: dict


def gather_timing(coord, *, warm: bool, config: MachineConfig | str = "realistic") -> GatherTiming:
    """Gather ``coord`` from a sentron at the origin and add the value: how long the add waits.
    ``warm``: the host wrote the cell first (through the PPT), so the gather hits."""
    coord = Coord.parse(coord)
    m = Machine(config)
    if warm:
        m.host_write(coord, 21.0)
    else:
        m.memory.write(coord, 21.0)
    b = ProgramBuilder("gather_timing.siw").set("p0", coord)
    b.siw(s=op("gather", "r1", "p0"))
    b.siw(op("add", "r2", "r1", "r1"))
    m.load(b.build())
    trace = m.run()
    issued = {e.pc: e.cycle for e in trace.events(EventKind.ISSUE)}
    c = trace.counters(0)
    outcome = trace.ppt_series()[0][3]
    return GatherTiming(coord, tier(trace.sentrons[0].home, coord), outcome, issued[1] - issued[0],
                        {k: v for k, v in c.stalls.items() if v})


# -- 7. views of one whole run, for the plots ------------------------------------------------------------

def stall_curve(trace: Trace, reason: str = "ppt-miss", sentron: int | str | None = None) -> list[int]:
    """Stall cycles of ``reason`` so far, at the end of each cycle of the run: entry ``t`` counts
    the stalls in cycles 0..t. The list has one entry per cycle (``counters().cycles``), so
    curves of runs of different length share a cycle axis and each ends where its run ends."""
    cycles = trace.counters(sentron).cycles
    per_cycle = [0] * cycles
    for e in trace.events(EventKind.STALL, sentron):
        if str(e.info) == reason and e.cycle < cycles:
            per_cycle[e.cycle] += 1
    out, total = [], 0
    for n in per_cycle:
        total += n
        out.append(total)
    return out


def ahead_from(better: list[int], worse: list[int]) -> int | None:
    """The first cycle from which ``better`` stays strictly below ``worse`` to the end of both
    curves (a curve that has ended keeps its last value), or None if it never gets there."""
    n = max(len(better), len(worse))
    if n == 0:
        return None
    pad = lambda c: list(c) + [c[-1] if c else 0] * (n - len(c))
    b, w = pad(better), pad(worse)
    start = None
    for t in range(n):
        if b[t] < w[t]:
            start = t if start is None else start
        else:
            start = None
    return start


def moving_hit_rate(series, window: int) -> list[float]:
    """The hit rate over the last ``window`` demand accesses (fewer at the start), one value per
    access of ``Trace.ppt_series()``: the moving average ``viz.ppt_hit_rate`` draws."""
    _whole("window", window, 1, hint="a window counts accesses, e.g. 16")
    hits = [1 if hit else 0 for _, hit, *_ in series]
    out, total = [], 0
    for i, h in enumerate(hits):
        total += h - (hits[i - window] if i >= window else 0)
        out.append(total / min(i + 1, window))
    return out


@dataclass(frozen=True, slots=True)
class SetLoad:
    """How hard one PPT set is pressed: the footprint pages that map to it, and its accesses."""
    set: int
    pages: int          # distinct footprint pages whose set this is
    ways: int           # pages the set can hold
    accesses: int
    hits: int
    compulsory: int
    capacity: int
    conflict: int

    @property
    def overbooked(self) -> bool:
        return self.pages > self.ways

    @property
    def re_misses(self) -> int:
        """Misses of pages seen before (capacity + conflict): what a bigger set would have saved."""
        return self.capacity + self.conflict


def set_load(footprint, series, *, sets: int, ways: int, page_scrolls: int = 1) -> list[SetLoad]:
    """Per set of a ``sets`` x ``ways`` PPT: how many of ``footprint``'s pages map to it and how
    its demand accesses (``Trace.ppt_series()``) turned out. A set with more pages than ways
    must evict pages the program still uses."""
    ppt = PPT(sets, ways, page_scrolls)
    set_of = lambda c: ppt.set_of(ppt.page_of(Coord.parse(c)))
    pages = [0] * sets
    for page in {ppt.page_of(Coord.parse(c)) for c in footprint}:
        pages[ppt.set_of(page)] += 1
    n = [{"hit": 0, "compulsory": 0, "capacity": 0, "conflict": 0} for _ in range(sets)]
    for _, _, coord, outcome in series:
        n[set_of(coord)][outcome] += 1
    return [SetLoad(s, pages[s], ways, sum(n[s].values()), n[s]["hit"], n[s]["compulsory"], n[s]["capacity"],
                    n[s]["conflict"]) for s in range(sets)]
