"""Software pipelining, prefetch and SMT, measured: what notebook 09 computes.

* :func:`loop_schedule` -- the modulo schedule of a kernel's loop (``schedule.modulo``), and
  :func:`overlap` -- when each op of each iteration issues under it (the picture of the stages);
* :func:`t_of_n` -- the pipelined loop run for several n beside T(n) = (n + SC - 1) * II;
* :func:`prefetch_point` / :func:`prefetch_sweep` -- the prefetch pass at one distance (or
  many) on a streaming kernel from a cold PPT, for any PPT size (what the distance slider calls);
* :func:`fill` / :func:`challenge_result` -- a learner's program given a kernel's inputs (its
  ``.mem`` cells and the r registers its ``.set`` lines give), run cold, against the kernel's
  bound: the "fastest kernel" challenge (exercise 9.1) and the notebook's naive baseline.

The plots and the slider are in :mod:`vtpu_lib.course.pipelining_plots`. Nothing here is
cached on disk; kernels are rebuilt (in memory) per call, which takes milliseconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..config import MachineConfig, get_config
from ..errors import VtpuInternalError
from ..kernels import Kernel, kernel
from ..machine import run
from ..program import Program
from ..schedule import program_bounds
from ..schedule.modulo import ModuloSchedule, modulo_schedule
from ..schedule.prefetch import prefetch_pass, prefetch_report

__all__ = ["loop_schedule", "pipelined", "overlap", "TPoint", "t_of_n", "PPT_SIZES", "ppt_config",
           "PrefetchPoint", "prefetch_point", "prefetch_sweep", "formula_distance", "run_cold",
           "fill", "ChallengeResult", "challenge_result", "s_ops"]

# The prefetch study's PPTs, as (sets, ways): the default 64 x 4 = 256 pages, and a small one
# of 4 x 4 = 16 pages, on which a prefetch sent too far ahead is evicted before its gather.
PPT_SIZES = ((64, 4), (4, 4))


def loop_schedule(name: str = "hp_add", n: int = 16, config: MachineConfig | str = "realistic") -> ModuloSchedule:
    """The modulo schedule of kernel ``name``'s (first innermost) loop of ``n`` iterations."""
    code = kernel(name, n=n).program.sentrons[0]
    return modulo_schedule(code, code.innermost_loops()[0], config)


def pipelined(k: Kernel, ms: ModuloSchedule) -> Program:
    """Kernel ``k``'s program with its loop replaced by the modulo-scheduled prologue/kernel/epilogue."""
    return dataclasses.replace(k.program, sentrons=(ms.code(),) + k.program.sentrons[1:])


def overlap(ms: ModuloSchedule, iterations: int) -> list[tuple]:
    """``(iteration, op text, pipe, issue cycle, stage)`` for the first ``iterations``: op j of
    iteration k issues at k * II + t_j (what the prologue, kernel and epilogue spell out)."""
    return [(k, str(op.instr), str(op.pipe), k * ms.ii + t, t // ms.ii)
            for k in range(iterations) for op, t in zip(ms.graph.ops, ms.times)]


@dataclass(frozen=True, slots=True)
class TPoint:
    """One loop length n: the modulo schedule's II, SC and L, the measured cycles of the pipelined
    program and of the naive one, and the formulas."""
    n: int
    ii: int
    stages: int
    length: int
    measured: int
    naive: int

    @property
    def textbook(self) -> int:
        """(n + SC - 1) * II: SC - 1 stages to fill the pipeline, then one iteration every II cycles."""
        return (self.n + self.stages - 1) * self.ii

    @property
    def predicted(self) -> int:
        """(n - 1) * II + L: the last iteration starts at (n - 1) * II and takes L cycles."""
        return (self.n - 1) * self.ii + self.length


def t_of_n(name: str = "hp_add", ns=(2, 4, 8, 16, 32, 64), config: MachineConfig | str = "realistic",
           progress=None) -> list[TPoint]:
    """Kernel ``name`` at each loop length: naive and modulo-scheduled, both run (warm PPT: the
    ``.mem`` preload leaves its pages translated) and checked against the kernel's expected cells."""
    out = []
    for n in (progress(ns) if progress else ns):
        k = kernel(name, n=n)
        ms = loop_schedule(name, n, config)
        traces = [run(p, config) for p in (pipelined(k, ms), k.program)]
        for t in traces:
            if k.check(t):
                raise VtpuInternalError(f"{name}, n = {n}: the pipelined run left wrong results: {k.check(t)[0]}")
        out.append(TPoint(n, ms.ii, ms.stages, ms.length, *(t.counters().cycles for t in traces)))
    return out


# -- prefetch ---------------------------------------------------------------------------------

def ppt_config(ppt=PPT_SIZES[0], config: MachineConfig | str = "realistic") -> MachineConfig:
    """``config`` with a PPT of ``ppt = (sets, ways)``."""
    sets, ways = ppt
    return get_config(config).replace(ppt_sets=sets, ppt_ways=ways)


def run_cold(program: Program, config: MachineConfig | str = "realistic", max_cycles: int = 100_000):
    """Run with the memory preloaded and the PPT empty (``Machine.flush_ppt``), as the benchmark does."""
    return run(program, config, max_cycles=max_cycles, cold=True)


@dataclass(frozen=True, slots=True)
class PrefetchPoint:
    """One run of the prefetch study: a distance (None: no prefetch pass) on one PPT size."""
    distance: int | None
    ppt_pages: int
    cycles: int
    ppt_miss_stall_cycles: int
    hit_rate: float
    late_hits: int        # gathers that found their page still on its way (a prefetch sent too late)
    accuracy: float       # prefetched pages used / pages installed by prefetches
    correct: bool         # the run left the kernel's expected results

    def __repr__(self) -> str:
        d = "no prefetch" if self.distance is None else f"distance {self.distance}"
        return (f"PrefetchPoint({d}, {self.ppt_pages} pages: {self.cycles} cycles, {self.ppt_miss_stall_cycles} "
                f"ppt-miss stall cycles, hit rate {100 * self.hit_rate:.1f} %, {self.late_hits} late, "
                f"accuracy {100 * self.accuracy:.1f} %)")


def prefetch_point(distance: int | None, ppt=PPT_SIZES[0], *, name: str = "hp_add", n: int = 64,
                   config: MachineConfig | str = "realistic") -> PrefetchPoint:
    """Kernel ``name`` after the prefetch pass at ``distance`` (None: without it), run cold on a
    PPT of ``ppt = (sets, ways)``."""
    cfg, k = ppt_config(ppt, config), kernel(name, n=n)
    program = k.program if distance is None else prefetch_pass(k.program, cfg, distance=distance)[0]
    trace = run_cold(program, cfg)
    r = prefetch_report(trace)
    return PrefetchPoint(distance, cfg.ppt_capacity_pages, r["cycles"], r["ppt_miss_stall_cycles"], r["hit_rate"],
                         r["late_hits"], r["accuracy"], not k.check(trace))


def prefetch_sweep(distances=range(0, 25), ppt=PPT_SIZES[0], progress=None, **kw) -> list[PrefetchPoint]:
    """:func:`prefetch_point` at every distance (``progress`` wraps the list, e.g. tqdm)."""
    return [prefetch_point(d, ppt, **kw) for d in (progress(distances) if progress else distances)]


def formula_distance(ppt=PPT_SIZES[0], *, name: str = "hp_add", n: int = 64,
                     config: MachineConfig | str = "realistic"):
    """The pass's own choice for the kernel's stream: ``Prefetch`` with distance = ceil(miss / II)."""
    k = kernel(name, n=n)
    return prefetch_pass(k.program, ppt_config(ppt, config))[1].prefetches[0]


# -- the fastest-kernel challenge ---------------------------------------------------------------

def fill(program: Program, k: Kernel) -> Program:
    """``program`` (one sentron) given kernel ``k``'s inputs: ``k``'s ``.mem`` cells replace the
    program's own, and the r registers ``k``'s ``.set`` lines give (the scalars) are set over the
    program's own ``.set`` lines -- so a program holding another filling's values gives wrong results."""
    given = {reg: v for reg, v in k.program.sentrons[0].init if reg.file == "r"}
    code = program.sentrons[0]
    init = {**dict(code.init), **given}
    code = dataclasses.replace(code, init=tuple(init.items()))
    return dataclasses.replace(program, sentrons=(code,) + program.sentrons[1:], preload=k.program.preload)


def s_ops(program: Program) -> int:
    """S-pipe ops the program issues (every repetition of a loop counted)."""
    return sum(siw.s is not None for code in program.sentrons for siw in code.siws)


@dataclass(frozen=True, slots=True)
class ChallengeResult:
    """A program for kernel ``k`` run cold on one filling of its inputs, against the kernel's bound."""
    kernel: str
    config: str
    cycles: int
    bound_cycles: int
    wrong: tuple          # Kernel.check's lines: cells left with other values than expected
    stalls: dict          # stall cycles by reason
    s_ops: int

    @property
    def pct_of_bound(self) -> float:
        return 100.0 * self.bound_cycles / self.cycles if self.cycles else 0.0

    def __repr__(self) -> str:
        ok = "right results" if not self.wrong else f"{len(self.wrong)} wrong cell(s)"
        return (f"ChallengeResult({self.kernel}, {self.config}, cold PPT: {ok}, {self.cycles} cycles, bound "
                f"{self.bound_cycles}: {self.pct_of_bound:.1f} % of the bound)")


def challenge_result(program: Program, k: Kernel, config: MachineConfig | str = "realistic") -> ChallengeResult:
    """Run ``fill(program, k)`` from a cold PPT; the bound is the dataflow bound of ``k``'s own
    program (``program_bounds(..., dataflow=True)``), which no correct program beats."""
    cfg = get_config(config)
    trace = run_cold(fill(program, k), cfg)
    c = trace.counters()
    return ChallengeResult(k.name, cfg.name, c.cycles, program_bounds(k.program, cfg, dataflow=True).bound_cycles,
                           tuple(k.check(trace)), dict(c.stalls), s_ops(program))
