"""Checkers for the exercises of notebook 04 (the S-pipe)."""

from __future__ import annotations

from .. import ppt_study as _ppt_study
from ...config import REALISTIC as _REALISTIC_04
from ...errors import VtpuError
from ...trace import Trace
from ._base import (
    CheckPassed,
    ExerciseFailed,
    _call,
    _expect_r,
    _fail,
    _judge,
    _ok,
    _program,
)

__all__ = ["EXERCISE_4_1_SCROLLS", "EXERCISE_4_1_GEOMETRY", "EXERCISE_4_2_BUDGET", "EXERCISE_4_3_N",
           "EXERCISE_4_3_SHARE", "exercise_4_1", "exercise_4_2", "exercise_4_3"]

EXERCISE_4_1_SCROLLS = (1, 3, 5, 1, 3, 5, 2, 4, 2, 4, 1, 2)   # gathers of n.1.1, in this order
EXERCISE_4_1_GEOMETRY = {"sets": 2, "ways": 2}
EXERCISE_4_2_BUDGET = {"entries": 8, "page_scrolls": 64, "hit_rate": 0.90}
EXERCISE_4_3_N = 32                                            # elements the stream loop sums
EXERCISE_4_3_SHARE = 0.05        # 4.3's goal: at most 5 % of the loop's cold ppt-miss stall cycles


def _run_cold_04(name: str, program, cells, config, **geometry) -> Trace:
    try:
        return _ppt_study.run_cold(program, cells, config, **geometry)
    except VtpuError as e:
        raise ExerciseFailed(f"exercise {name}: the run failed:\n{e}") from None


def exercise_4_1(predict, reveal: bool = False) -> CheckPassed:
    """Predict the hit rate and the 3C miss split of a gather pattern on a 2-set x 2-way PPT.
    ``reveal=True`` shows the measurement, access by access, even when the prediction is wrong."""
    name = "4.1"
    got = _call(name, predict)
    keys = ("hit_rate", "compulsory", "capacity", "conflict")
    if not isinstance(got, dict) or set(got) != set(keys):
        _fail(name, f"return a dict with exactly the keys {keys}, got {got!r}")
    try:
        rate = float(got["hit_rate"])
    except (TypeError, ValueError):
        _fail(name, f"hit_rate should be a number between 0 and 1, got {got['hit_rate']!r}")
    if not all(isinstance(got[k], int) and not isinstance(got[k], bool) for k in keys[1:]):
        _fail(name, f"the miss counts should be whole numbers, got {dict((k, got[k]) for k in keys[1:])}")
    outcomes = _ppt_study.classify(_ppt_study.scrolls(*EXERCISE_4_1_SCROLLS), **EXERCISE_4_1_GEOMETRY)
    n, hits = len(outcomes), outcomes.count("hit")
    measured = {"hit_rate": hits / n, **{k: outcomes.count(k) for k in keys[1:]}}
    walk = "  ".join(f"{s}:{o}" for s, o in zip(EXERCISE_4_1_SCROLLS, outcomes))
    sets = EXERCISE_4_1_GEOMETRY["sets"]
    where = {kind: sorted({s % sets for s, o in zip(EXERCISE_4_1_SCROLLS, outcomes) if o == kind})
             for kind in ("hit",) + keys[1:]}
    def look(kind: str) -> str:
        return "look at set " + " and set ".join(f"{s} ({'odd' if s else 'even'} scrolls)" for s in where[kind])
    rule_3c = ("a re-miss is capacity if a fully associative LRU PPT of the same 4 entries would also have "
               "missed (4 other pages touched since the last use), conflict if it would have hit")
    _judge(name, [
        ("hit rate", rate, f"{measured['hit_rate']:.3f} ({hits}/{n})", abs(rate - measured["hit_rate"]) <= 0.005,
         "walk the pattern one gather at a time: the set is the scroll mod 2 (odd scrolls share one set), "
         f"and each set keeps only its 2 most recently used pages; for the hits, {look('hit')}"),
        ("compulsory count", got["compulsory"], measured["compulsory"], got["compulsory"] == measured["compulsory"],
         "compulsory = the first touch of a page: count the distinct scrolls"),
        ("capacity count", got["capacity"], measured["capacity"], got["capacity"] == measured["capacity"],
         (rule_3c, f"for the capacity misses, {look('capacity')}")),
        ("conflict count", got["conflict"], measured["conflict"], got["conflict"] == measured["conflict"],
         (rule_3c, f"for the conflict misses, {look('conflict')}")),
    ], reveal, detail=f"access by access (scroll:outcome): {walk}", answer=predict)
    return _ok(name, f"hit rate {measured['hit_rate']:.3f} ({hits}/{n}); misses: {measured['compulsory']} compulsory, "
                     f"{measured['capacity']} capacity, {measured['conflict']} conflict",
               measured)


def exercise_4_2(choose_geometry) -> CheckPassed:
    """Choose a PPT geometry and page size within the budget that gets the three-stream loop to >= 90 %."""
    name = "4.2"
    got = _call(name, choose_geometry)
    keys = ("ppt_sets", "ppt_ways", "page_scrolls")
    if not isinstance(got, dict) or set(got) != set(keys):
        _fail(name, f"return a dict with exactly the keys {keys}, got {got!r}")
    if not all(isinstance(got[k], int) and not isinstance(got[k], bool) and got[k] >= 1 for k in keys):
        _fail(name, f"sets, ways and page_scrolls must be whole numbers >= 1, got {got!r}")
    budget = EXERCISE_4_2_BUDGET
    entries = got["ppt_sets"] * got["ppt_ways"]
    if entries > budget["entries"]:
        _fail(name, f"{got['ppt_sets']} sets x {got['ppt_ways']} ways = {entries} entries, over the budget "
                    f"of {budget['entries']}", hint="a bigger PPT costs area and power; make the pages work harder")
    if got["page_scrolls"] > budget["page_scrolls"]:
        _fail(name, f"page_scrolls = {got['page_scrolls']} is over the budget of {budget['page_scrolls']}")
    trace = _run_cold_04(name, _ppt_study.streams_program(), None, "seed", **got)
    p = trace.counters().ppt
    if p.hit_rate < budget["hit_rate"]:
        if p.capacity + p.conflict > p.compulsory:
            hint = ("most misses are pages evicting each other: with these coordinates the set is the page "
                    "number mod the number of sets, so a[i], b[i] and c[i] always land in the same set -- "
                    "that set needs a way for each stream")
        else:
            hint = ("most misses are first touches: each stream misses once per page, i.e. once every B/s "
                    "gathers for pages of B scrolls and a stride of s = 2 scrolls -- use bigger pages")
        _fail(name, f"hit rate {p.hit_rate:.1%} ({p.hits}/{p.accesses}), below {budget['hit_rate']:.0%}; misses: "
                    f"{p.compulsory} compulsory, {p.capacity} capacity, {p.conflict} conflict", hint=hint)
    sets = f"{got['ppt_sets']} set{'s' if got['ppt_sets'] != 1 else ''}"
    return _ok(name, f"{sets} x {got['ppt_ways']} ways, pages of {got['page_scrolls']} scrolls: hit rate "
                     f"{p.hit_rate:.1%} ({p.hits}/{p.accesses}), {p.compulsory} compulsory misses, "
                     f"{p.capacity + p.conflict} evictions that cost a miss",
               {"hit_rate": p.hit_rate, "compulsory": p.compulsory, "capacity": p.capacity, "conflict": p.conflict})


def exercise_4_3(make_program) -> CheckPassed:
    """Add prefetches to the stream loop: at most 5 % of its ppt-miss stall cycles under ``realistic``."""
    name = "4.3"
    prog = _program(name, _call(name, make_program))
    if prog.preload:
        _fail(name, "the program has .mem lines; they write through the PPT and would warm it for you",
              hint="remove them: the checker fills x[0..31] in memory itself, behind the PPT's back")
    n = EXERCISE_4_3_N
    base = _ppt_study.prefetch_study(n, [None])[0]
    trace = _run_cold_04(name, prog, _ppt_study.stream_cells(n), "realistic")
    _expect_r(name, trace, "r0", base.result)
    c = trace.counters()
    p, stalls = c.ppt, c.stalls["ppt-miss"]
    limit = int(base.ppt_miss_stalls * EXERCISE_4_3_SHARE)
    if p.prefetches == 0:
        _fail(name, "the program has no prefetch ops", hint="prefetch pX installs pX's page without waiting")
    if stalls > limit:
        if p.late_hits:
            fill = _REALISTIC_04.ppt_miss_penalty_cycles + _REALISTIC_04.latency_cycles["gather"]
            hint = (f"{p.late_hits} gathers found their page still on its way: a page takes {fill} cycles to "
                    "arrive and an iteration about 4, so prefetch further ahead")
        else:
            hint = (f"{p.misses} gathers still missed: the elements before your prefetch distance are never "
                    "prefetched -- prefetch them before the loop, or start the prefetch pointer closer")
        _fail(name, f"{stalls} ppt-miss stall cycles; the goal is at most {limit} ({EXERCISE_4_3_SHARE:.0%} of the "
                    f"{base.ppt_miss_stalls} the loop stalls without prefetches)", hint=hint)
    accuracy = p.prefetch_used / p.prefetch_installs if p.prefetch_installs else 0.0
    coverage = p.prefetch_used / (p.prefetch_used + p.misses) if p.prefetch_used + p.misses else 0.0
    return _ok(name, f"ppt-miss stalls {base.ppt_miss_stalls} -> {stalls} cycles, {base.cycles} -> {c.cycles} cycles; "
                     f"accuracy {accuracy:.0%}, coverage {coverage:.0%}, {p.late_hits} late",
               {"cycles": c.cycles, "ppt_miss_stalls": stalls, "baseline_stalls": base.ppt_miss_stalls,
                "accuracy": accuracy, "coverage": coverage, "late_hits": p.late_hits})
