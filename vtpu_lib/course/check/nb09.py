"""Checkers for the exercises of notebook 09 (pipelining, prefetch and SMT)."""

from __future__ import annotations

from ...build import ProgramBuilder
from ...errors import VtpuError
from ...kernels import Kernel, kernel
from ...program import Program
from ..pipelining import challenge_result, formula_distance, prefetch_point
from ._base import CheckPassed, ExerciseFailed, ExerciseIncomplete, _call, _fail, _names_used, _ok, _program

__all__ = ["CheckPassed", "ExerciseFailed", "ExerciseIncomplete", "CHALLENGE_9_1", "SEEDS_9_1", "GOAL_9_1_PCT", "CONFIG_9_1", "PPT_SIZES_9_2", "STALL_GOAL_9_2",
           "challenge_kernel", "exercise_9_1", "exercise_9_2"]

CHALLENGE_9_1 = ("hp_add", {"n": 64})   # x[i] = x[i] + s over 64 elements: the kernel of the challenge
SEEDS_9_1 = (3, 4)                       # the kernel's own inputs, then a second filling (other x, other s)
GOAL_9_1_PCT = 90.0                      # % of the bound; the library's best (rotating pointers + pipeline) makes ~88
CONFIG_9_1 = "realistic"                 # run from a cold PPT, as the benchmark table runs
PPT_SIZES_9_2 = ((4, 4), (6, 4))         # 9.2: PPTs of 16 and 24 pages (sets, ways)
STALL_GOAL_9_2 = 25                      # 9.2: ppt-miss stall cycles a distance may leave (the warm-up's own)


# the library's optimizers: the challenge is to write the program, so an answer that calls one is refused
_SCHEDULERS = ("pack", "pack_code", "list_schedule", "pipeline", "pipeline_code", "modulo_schedule", "unroll",
               "unroll_program", "prefetch_pass", "rotate_prefetch", "optimize", "pack_report", "measure",
               "kernel_table", "pipelined")


def challenge_kernel(seed: int | None = None) -> Kernel:
    """The kernel of exercise 9.1, with its own inputs (``seed=None``) or another filling."""
    name, sizes = CHALLENGE_9_1
    return kernel(name, **sizes) if seed is None else kernel(name, **sizes, seed=seed)


def _as_program(name: str, got) -> Program:
    if isinstance(got, ProgramBuilder):
        got = got.build()
    if isinstance(got, Program):
        return got
    return _program(name, got)


def _slow_hint(res, n: int) -> str:
    """What to look at, from where the cycles of a correct but slow run went."""
    miss, dep = res.stalls.get("ppt-miss", 0), res.stalls.get("dependence", 0)
    if res.s_ops > res.bound_cycles + n // 8:
        return (f"the S pipe issues one op per cycle and your program has {res.s_ops} S ops: gather, scatter and "
                f"one index per element ({3 * n}) are the floor. A prefetch pointer of its own costs an index per "
                "element; a cprefetch (C pipe) through the pointer you will gather from costs none")
    if miss > res.cycles // 10:
        return (f"{miss} of the {res.cycles} cycles are ppt-miss stalls: the PPT starts cold, and a page arrives "
                "12 cycles after a prefetch asks for it. Ask early enough -- and keep each pointer where it is "
                "until its gather has used it")
    if dep > res.cycles // 10:
        return (f"{dep} cycles are dependence stalls: overlap the iterations, so that the S pipe gathers the next "
                "elements while earlier ones are added and scattered")
    return "find the cycles in which the S pipe is idle (trace.slot_rows()) and fill them"


def exercise_9_1(make_program) -> CheckPassed:
    """The fastest-kernel challenge: a program (text, Program or ProgramBuilder; one sentron) that
    computes x[i] = x[i] + s for the 64 cells of kernel('hp_add') from a cold PPT under realistic in
    at least GOAL_9_1_PCT % of the bound. The checker supplies the inputs: the kernel's .mem cells
    replace the program's, and s is set in r2. An answer that calls the library's optimizers is refused."""
    name = "9.1"
    used = _names_used(make_program, _SCHEDULERS)
    if used:
        _fail(name, f"your function calls {', '.join(used)}: the challenge is to write the program yourself",
              hint="the library's passes are the baseline to beat; build the SIWs (text or ProgramBuilder)")
    prog = _as_program(name, _call(name, make_program))
    if len(prog.sentrons) != 1:
        _fail(name, f"write one sentron (the bound is one core's), found {len(prog.sentrons)}")
    n = CHALLENGE_9_1[1]["n"]
    results = []
    for i, seed in enumerate(SEEDS_9_1):
        try:
            res = challenge_result(prog, challenge_kernel(seed), CONFIG_9_1)
        except VtpuError as e:
            _fail(name, f"your program failed while running:\n{e}")
        if res.wrong:
            more = f" (and {len(res.wrong) - 2} more)" if len(res.wrong) > 2 else ""
            when = "with the second filling of the inputs (other x, other s): " if i else ""
            _fail(name, when + "wrong results: " + "; ".join(res.wrong[:2]) + more,
                  hint="every x[i] (scrolls 1-64 of section 1) must end as x[i] + r2; read s from r2 and each x[i] "
                       "from memory -- the checker fills both, twice" if i else
                       "gather x[i], add r2, scatter to the same cell; one element per cell, none left out")
        results.append(res)
    res = results[0]
    if res.pct_of_bound < GOAL_9_1_PCT:
        most = int(res.bound_cycles * 100 // GOAL_9_1_PCT)
        _fail(name, f"right results, in {res.cycles} cycles: {res.pct_of_bound:.1f} % of the bound "
                    f"({res.bound_cycles} cycles); the goal is {GOAL_9_1_PCT:g} % (at most {most} cycles)",
              hint=_slow_hint(res, n))
    return _ok(name, f"right results on both fillings, {res.cycles} cycles from a cold PPT: "
                     f"{res.pct_of_bound:.1f} % of the bound ({res.bound_cycles} cycles)",
               {"cycles": res.cycles, "bound_cycles": res.bound_cycles, "pct_of_bound": res.pct_of_bound})


def _distance(name: str, got, pages: int) -> int:
    if isinstance(got, bool) or not isinstance(got, int) or got < 0:
        _fail(name, f"longest_distance({pages}) returned {got!r}: return a whole number of elements >= 0")
    return got


def exercise_9_2(longest_distance) -> CheckPassed:
    """``longest_distance(ppt_pages)``: the longest prefetch distance that still leaves at most
    STALL_GOAL_9_2 ppt-miss stall cycles on notebook 09's hp_add stream, for a PPT of that many
    pages; checked on PPTs of 16 and 24 pages (the second so that one number cannot pass)."""
    name = "9.2"
    shortest = formula_distance().distance
    measured = {}
    for i, (sets, ways) in enumerate(PPT_SIZES_9_2):
        pages = sets * ways
        d = _distance(name, _call(name, longest_distance, pages), pages)
        try:
            here, beyond = prefetch_point(d, (sets, ways)), prefetch_point(d + 1, (sets, ways))
        except VtpuError as e:
            _fail(name, f"distance {d} cannot be prefetched:\n{e}")
        when = f"with {pages} pages ({sets} sets x {ways} ways)"
        if here.ppt_miss_stall_cycles > STALL_GOAL_9_2:
            late = d < shortest
            _fail(name, f"{when}: distance {d} leaves {here.ppt_miss_stall_cycles} ppt-miss stall cycles, "
                        f"more than {STALL_GOAL_9_2}",
                  hint="too short: the pages arrive after their gathers need them" if late else
                       "the prefetched pages are evicted before their gathers reach them: count the pages the "
                       "PPT must hold at once, remembering that LRU keeps the most recently *used* ones")
        if beyond.ppt_miss_stall_cycles <= STALL_GOAL_9_2:
            _fail(name, f"{when}: distance {d} works, but it is not the longest that does",
                  hint="a prefetched page survives until the PPT's LRU order evicts it: how many other pages "
                       "are touched between its prefetch and its gather?")
        measured[pages] = (d, here.ppt_miss_stall_cycles, beyond.ppt_miss_stall_cycles)
    text = "; ".join(f"{p} pages: distance {d} ({s} stall cycles; {d + 1} gives {b})"
                     for p, (d, s, b) in measured.items())
    return _ok(name, text, {p: d for p, (d, _, _) in measured.items()})
