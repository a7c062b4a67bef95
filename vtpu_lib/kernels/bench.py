"""The kernel benchmark: every kernel, naive and optimized, against its bound, on the machine.

For each kernel and preset the naive form (one op per SIW) and every optimization the library
has -- list scheduling (``pack``), software pipelining (``pipeline``), each after the prefetch
pass or the rotating-pointer prefetch too -- run from a *cold* PPT (the ``.mem`` preload would otherwise leave every page
translated; see ``Machine.flush_ppt``). A candidate counts only if the validator proves it
computes what the naive form computes and its run leaves the kernel's expected memory; the
fastest one is the row's "optimized" program.

The bound is the source's *dataflow* bound (``program_bounds(..., dataflow=True)``): it holds for
every form the library makes (they only add ops), so ``pct_of_bound = 100 * bound / cycles`` never
exceeds 100 -- the row records whether that held. Ops per cycle count the naive form's useful ops
(the work; ops a transformation adds, such as prefetches, are overhead), per core:
``useful_ops / (cycles * cores)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import get_config
from ..errors import VtpuInternalError
from ..machine import run
from ..program import Program
from ..schedule import pack, program_bounds, validate
from ..schedule.compare import differences
from . import Kernel, all_kernels


def run_cold(program: Program, config="seed", mode: str = "vliw"):
    """Run ``program`` with its memory preloaded but the PPT empty (a cold start)."""
    return run(program, config, mode=mode, cold=True)


def _candidates(program: Program, config) -> list[tuple[str, Program]]:
    """(method, program) for every optimization available, the naive form first."""
    out = [("naive", program), ("pack", pack(program, config))]
    try:
        from ..schedule.modulo import pipeline
        out.append(("pipeline", pipeline(program, config)))
    except ImportError:  # pragma: no cover - the modulo scheduler ships with the library
        pipeline = None
    cfg = get_config(config)
    if cfg.ppt_miss_penalty_cycles == 0 and not any(cfg.tier_latency_cycles.values()):
        return out      # misses cost nothing here (seed): a prefetch could only add ops
    try:
        from ..schedule.prefetch import prefetch_pass
    except ImportError:  # pragma: no cover
        return out
    from ..schedule.rotate import rotate_prefetch
    fetched = prefetch_pass(program, config)[0]
    both = rotate_prefetch(fetched, config, stores_only=True)[0]    # ... and the scatters' pages too
    seen = [program]
    for name, fetched in (("prefetch", fetched), ("prefetch + stores", both),
                          ("rotate", rotate_prefetch(program, config)[0])):
        if fetched not in seen:        # a pass that changed nothing, or what another pass made: skip
            seen.append(fetched)
            out.append((f"{name} + pack", pack(fetched, config)))
            if pipeline is not None:
                out.append((f"{name} + pipeline", pipeline(fetched, config)))
    return out


def sentron_hit_rate(trace) -> float:
    """Hits / accesses of the sentrons' own gathers and scatters (the host's preload excluded)."""
    hits = accesses = 0
    for s in trace.sentrons:
        p = trace.counters(s.name).ppt
        hits, accesses = hits + p.hits, accesses + p.accesses
    return hits / accesses if accesses else 1.0


@dataclass(frozen=True, slots=True)
class KernelRow:
    """One kernel under one preset: naive vs optimized vs the bound."""
    kernel: str
    config: str
    method: str
    naive_cycles: int
    packed_cycles: int
    bound_cycles: int
    limited_by: str
    cores: int
    useful_ops: int
    naive_useful_ops_per_cycle: float
    useful_ops_per_cycle: float
    mix: float
    naive_ppt_hit_rate: float
    ppt_hit_rate: float
    valid: bool
    bound_holds: bool

    @property
    def pct_of_bound(self) -> float:
        return 100.0 * self.bound_cycles / self.packed_cycles if self.packed_cycles else 100.0

    @property
    def speedup(self) -> float:
        return self.naive_cycles / self.packed_cycles if self.packed_cycles else 1.0

    def as_dict(self) -> dict:
        return {**asdict(self), "pct_of_bound": self.pct_of_bound, "speedup": self.speedup}

    def __repr__(self) -> str:
        return (f"KernelRow({self.kernel}, {self.config}: {self.naive_cycles} -> {self.packed_cycles} cycles by "
                f"{self.method}, bound {self.bound_cycles} ({self.pct_of_bound:.0f} %), "
                f"{self.useful_ops_per_cycle:.2f} useful ops/cycle/core, PPT {100 * self.ppt_hit_rate:.0f} %)")


def _ops_per_core(work: int, trace, cores: int) -> float:
    """The source's useful ops (the work; a prefetch the pass added is overhead) per cycle per core."""
    c = trace.counters()
    return work / (c.cycles * cores) if c.cycles else 0.0


def measure(k: Kernel, config="seed") -> KernelRow:
    """Run every candidate form of kernel ``k``; the row of the fastest valid one."""
    cfg = get_config(config)
    bounds = program_bounds(k.program, cfg, dataflow=True, cold=True)
    naive = run_cold(k.program, cfg)
    if k.check(naive):
        raise VtpuInternalError(f"kernel {k.name}: the naive form does not compute its expected values")
    best = None
    for method, prog in _candidates(k.program, cfg):
        verdict = validate(k.program, prog)
        if not verdict.ok:
            continue
        trace = naive if method == "naive" else run_cold(prog, cfg)
        if k.check(trace) or differences(naive, trace, ignore=verdict.scratch):
            continue
        if best is None or trace.counters().cycles < best[2].counters().cycles:
            best = (method, prog, trace)
    method, prog, trace = best
    cycles = trace.counters().cycles
    return KernelRow(k.name, cfg.name, method, naive.counters().cycles, cycles, bounds.bound_cycles,
                     bounds.limited_by, bounds.cores, naive.counters().useful_ops,
                     _ops_per_core(naive.counters().useful_ops, naive, bounds.cores),
                     _ops_per_core(naive.counters().useful_ops, trace, bounds.cores),
                     min(b.mix for b in bounds.sentrons.values()), sentron_hit_rate(naive), sentron_hit_rate(trace),
                     True, cycles >= bounds.bound_cycles)


def kernel_table(configs=("seed", "realistic"), kernels=None, progress=None) -> list[KernelRow]:
    """Every kernel (or the given ones) under every preset. ``progress`` wraps the work list (tqdm)."""
    work = [(k, c) for k in (kernels or all_kernels()) for c in configs]
    return [measure(k, c) for k, c in (progress(work) if progress else work)]


def table_text(rows: list[KernelRow]) -> str:
    head = ("kernel", "preset", "naive", "optimized", "by", "bound", "% of bound", "ops/cyc naive", "ops/cyc opt",
            "mix", "PPT naive", "PPT opt")
    body = [(r.kernel, r.config, str(r.naive_cycles), str(r.packed_cycles), r.method, str(r.bound_cycles),
             f"{r.pct_of_bound:.1f}", f"{r.naive_useful_ops_per_cycle:.2f}", f"{r.useful_ops_per_cycle:.2f}",
             f"{r.mix:.2f}", f"{100 * r.naive_ppt_hit_rate:.1f} %", f"{100 * r.ppt_hit_rate:.1f} %") for r in rows]
    widths = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    line = lambda cells: "  ".join(c.rjust(w) if i > 1 and i != 4 else c.ljust(w)
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(b) for b in body])


__all__ = ["KernelRow", "measure", "kernel_table", "table_text", "run_cold", "sentron_hit_rate"]
