"""Measuring prefetches: the report of a run, a distance sweep, and random gathers against C/F.

Split from ``prefetch.py`` (the pass); ``prefetch`` re-exports these names.
"""

from __future__ import annotations

import random

from ..config import MachineConfig, get_config
from ..coord import DIM_MAX, Coord
from ..errors import ConfigError
from ..program import Program


def prefetch_report(trace, sentron: int | str | None = None) -> dict:
    """The sentrons' own PPT accesses (not the host's ``.mem`` preload), from the trace's counters:
    hit rate, accuracy = used / installs, coverage = used / (used + demand misses left), lateness =
    late hits / used; with cycles and ppt-miss stall cycles."""
    p = [trace.counters(w).ppt for w in ([sentron] if sentron is not None else [s.id for s in trace.sentrons])]
    t = {k: sum(getattr(x, k) for x in p) for k in ("accesses", "hits", "misses", "prefetches",
                                                    "prefetch_installs", "prefetch_used", "late_hits")}
    c, used = trace.counters(sentron), t["prefetch_used"]
    return {"cycles": c.cycles, "ppt_miss_stall_cycles": c.stalls["ppt-miss"], **t,
            "hit_rate": t["hits"] / t["accesses"] if t["accesses"] else 0.0,
            "accuracy": used / t["prefetch_installs"] if t["prefetch_installs"] else 0.0,
            "coverage": used / (used + t["misses"]) if used + t["misses"] else 0.0,
            "lateness": t["late_hits"] / used if used else 0.0}


def _run(program: Program, config):
    from ..machine import run
    return run(program, config)


def distance_sweep(kernel_program: Program, config: MachineConfig | str = "realistic", distances=(1, 2, 4, 8),
                   *, schedule=None) -> list[dict]:
    """A :func:`prefetch_report` and the ``distance`` per distance (``None``: the kernel without the
    pass); ``schedule`` (e.g. ``lambda p: pack(p, "realistic")``) runs after the pass."""
    out = []
    for d in distances:
        from .prefetch import prefetch_pass
        prog = kernel_program if d is None else prefetch_pass(kernel_program, config, distance=d)[0]
        out.append({"distance": d, **prefetch_report(_run(schedule(prog) if schedule else prog, config))})
    return out


def random_gather_kernel(footprint: int, accesses: int, seed: int = 0) -> Program:
    """A sum of ``accesses`` seeded-random gathers over ``footprint`` consecutive scrolls (a page
    each at 1 scroll a page, spread evenly over the PPT's sets), every one preloaded."""
    from ..build import ProgramBuilder, op
    if isinstance(footprint, bool) or not isinstance(footprint, int) or not 1 <= footprint <= DIM_MAX + 1:
        raise ConfigError(f"footprint = {footprint!r} pages must be 1..{DIM_MAX + 1} (the scrolls of a section)")
    rng, b = random.Random(seed), ProgramBuilder(f"random_gathers_{footprint}")
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
    """Per footprint F: the measured hit rate of random gathers beside min(1, C/F), C the PPT's
    capacity: an LRU PPT holds C of the F pages and a random page is among them with probability
    C/F. The preload leaves it holding C of them already, so no first touches blur the line. The
    pass finds no stream: nothing strides. (Every address here is static, so a pass aiming each
    prefetch on its own could still hide them; a loop cannot -- its body is the same every
    iteration -- and hardware, which learns addresses only as it runs, cannot either.)"""
    cfg = get_config(config)
    out = []
    for f in footprints:
        prog = random_gather_kernel(f, accesses, seed)
        r = prefetch_report(_run(prog, cfg))
        out.append({"footprint": f, "capacity": cfg.ppt_capacity_pages, "accesses": r["accesses"], "hits": r["hits"],
                    "hit_rate": r["hit_rate"], "model": min(1.0, cfg.ppt_capacity_pages / f),
                    "streams": len(_streams(prog))})
    return out


def _streams(program: Program) -> list:
    from .prefetch import find_streams
    return find_streams(program.sentrons[0])


__all__ = ["prefetch_report", "distance_sweep", "random_gather_kernel", "random_gather_study"]
