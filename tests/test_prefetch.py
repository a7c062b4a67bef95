"""The prefetch pass: streams found from static addresses, > 95 % PPT hits on streaming kernels
under ``realistic``, results unchanged, and random gathers left at capacity / footprint.

The streaming kernels preload their arrays with ``.mem`` -- host writes *through* the PPT -- so an
array must be longer than the PPT holds (64 x 4 = 256 pages) for the kernel to miss at all; they
stream over 512 elements (twice the capacity: LRU keeps none of a cyclic footprint that large).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from vtpu_lib.build import ProgramBuilder, op
from vtpu_lib.config import REALISTIC
from vtpu_lib.errors import ScheduleError
from vtpu_lib.machine import run
from vtpu_lib.schedule import pack, validate
from vtpu_lib.schedule.compare import differences
from vtpu_lib.schedule.prefetch import (distance_sweep, find_streams, prefetch_pass, prefetch_report,
                                        random_gather_study)

N = 512   # elements: twice the PPT's 256 pages


def sum_kernel(n: int = N, *, dim: str = "scroll", start: str = "0.1.1", preload: bool = True):
    """r0 = x[0] + ... + x[n-1], one op per SIW, as a .repeat loop."""
    b = ProgramBuilder("sum")
    if preload:
        for i in range(n):
            b.mem(f"{i}.1.1", float(i))
    b.set("p0", start)
    with b.repeat(n):
        b.siw(s=op("gather", "r1", "p0"))
        b.siw(s=op("index", "p0", "p0", dim, 1))
        b.siw(op("add", "r0", "r0", "r1"))
    return b.build()


def dot_kernel(n: int = N // 2):
    """r0 = x . y with x at section 1 and y at section 2 (2n pages, two streams)."""
    b = ProgramBuilder("dot")
    for i in range(n):
        b.mem(f"{i}.1.1", float(i))
        b.mem(f"{i}.2.1", 0.5 * i)
    b.set("p0", "0.1.1").set("p1", "0.2.1")
    with b.repeat(n):
        b.siw(s=op("gather", "r1", "p0"))
        b.siw(s=op("gather", "r2", "p1"))
        b.siw(s=op("index", "p0", "p0", "scroll", 1))
        b.siw(s=op("index", "p1", "p1", "scroll", 1))
        b.siw(op("fma", "r0", "r1", "r2", "r0"))
    return b.build()


def report(program):
    return prefetch_report(run(program, "realistic"))


@pytest.fixture(scope="module")
def summed():
    src = sum_kernel()
    out, plan = prefetch_pass(src, "realistic")
    return src, out, plan, run(src, "realistic"), run(out, "realistic")


def test_a_preloaded_array_that_fits_the_ppt_hits_without_any_prefetch():
    assert report(sum_kernel(128))["hit_rate"] == 1.0     # why the kernels here stream over 512


def test_streaming_sum_misses_every_gather_without_the_pass(summed):
    src, _, _, before, _ = summed
    r = prefetch_report(before)
    assert r["accesses"] == N and r["hit_rate"] == 0.0
    assert before.counters("main").ppt.capacity == N      # every preloaded translation was evicted


def test_prefetch_pass_lifts_the_streaming_sum_above_95_percent_hits(summed):
    r = prefetch_report(summed[4])
    assert r["hit_rate"] > 0.95
    assert r["coverage"] > 0.95 and r["accuracy"] > 0.95  # the last few ask past the end: accuracy < 1


def test_prefetched_sum_validates_and_leaves_identical_results(summed):
    src, out, plan, before, after = summed
    v = validate(src, out)
    assert v.ok, v.problems
    assert list(v.scratch) == list(plan.registers) == ["main.p7"]
    assert differences(before, after, ignore=plan.registers) == []
    assert after.registers["r0"] == sum(range(N))


def test_prefetched_sum_is_faster_in_cycles(summed):
    assert summed[4].counters().cycles < summed[3].counters().cycles


def test_the_loop_stays_a_loop_region_after_a_warm_up(summed):
    src, out, plan, _, _ = summed
    (loop,) = out.sentrons[0].loops
    assert loop.count == N and loop.body >= src.sentrons[0].loops[0].body
    assert loop.start == plan.prefetches[0].warmup + 1          # warm-up: an index, then prefetch + index each
    body = out.sentrons[0].siws[loop.start:loop.start + loop.body]
    assert sum(1 for siw in body if siw.c is not None and siw.c.op == "cprefetch") == 1


def test_default_distance_is_ceil_of_miss_cycles_over_ii(summed):
    (p,) = summed[2].prefetches
    assert (p.miss_cycles, p.ii, p.lag) == (REALISTIC.ppt_miss_penalty_cycles, 3, 0)   # D 1, S 2 + 1, C 1
    assert p.distance == -(-p.miss_cycles // p.ii) == 4


def test_short_distances_are_late_and_the_default_is_not(summed):
    late = {d: report(prefetch_pass(sum_kernel(), distance=d)[0]) for d in (0, 1)}
    assert late[0]["prefetch_installs"] == 0        # asks for the page its gather just walked
    # at distance 1 a late gather stalls its add, which gives the next prefetch time: every other is late
    assert late[1]["lateness"] >= 0.5 and late[1]["ppt_miss_stall_cycles"] > 1000
    r = prefetch_report(summed[4])
    # only the first element is late: the warm-up asks for it four SIWs before its gather
    assert r["late_hits"] <= 1 and r["ppt_miss_stall_cycles"] <= REALISTIC.ppt_miss_penalty_cycles


def test_dot_product_gets_a_pointer_per_stream():
    src = dot_kernel()
    out, plan = prefetch_pass(src)
    assert [s.register for s in plan.streams] == ["p0", "p1"] and plan.registers == ("main.p7", "main.p6")
    assert [p.ii for p in plan.prefetches] == [6, 6] and plan.distance == 2
    before, after = run(src, "realistic"), run(out, "realistic")
    assert prefetch_report(before)["hit_rate"] == 0.0 and prefetch_report(after)["hit_rate"] > 0.95
    assert differences(before, after, ignore=plan.registers) == [] and validate(src, out).ok
    assert after.counters().cycles < before.counters().cycles


def test_s_pipe_prefetch_takes_a_gather_slot_and_runs_further_ahead():
    out, plan = prefetch_pass(sum_kernel(), pipe="S")
    (p,) = plan.prefetches
    assert plan.op == "prefetch" and (p.ii, p.lag, p.distance) == (4, 2, 4)   # ceil((12 + 2) / 4)
    assert report(out)["hit_rate"] > 0.95 and validate(sum_kernel(), out).ok


def test_packing_after_the_pass_keeps_results_and_hits():
    src = sum_kernel()
    out, _ = prefetch_pass(src)
    packed = pack(out, "realistic")
    assert validate(src, packed).ok
    r, base = report(packed), report(pack(src, "realistic"))
    assert r["hit_rate"] > 0.95 and r["cycles"] < base["cycles"]


def test_find_streams_in_a_loop_and_in_straight_line_code():
    (s,) = find_streams(sum_kernel(8).sentrons[0])
    assert (s.register, s.dim, s.stride, s.count, s.per_iteration) == ("p0", 0, 1, 8, 1) and s.loop is not None
    b = ProgramBuilder("flat").set("p0", "5.1.1")
    for _ in range(6):
        b.siw(s=op("gather", "r1", "p0")).siw(s=op("index", "p0", "p0", "section", 2))
    (s,) = find_streams(b.build().sentrons[0])
    assert (s.dim, s.stride, s.count, s.loop) == (1, 2, 6, None)
    assert "6 x +2 section from 5.1.1" in repr(s)


def test_random_gathers_are_not_streams_and_stay_at_capacity_over_footprint():
    rows = random_gather_study("realistic", (128, 512, 1024), accesses=2048, seed=0)
    assert [r["streams"] for r in rows] == [0, 0, 0]
    assert rows[0]["hit_rate"] == 1.0                   # the footprint fits
    for r in rows[1:]:
        assert r["model"] == r["capacity"] / r["footprint"]
        assert abs(r["hit_rate"] - r["model"]) < 0.04, r


def test_distance_sweep_reports_every_distance():
    rows = distance_sweep(sum_kernel(), "realistic", [None, 1, 4, 16])
    assert [r["distance"] for r in rows] == [None, 1, 4, 16]
    assert rows[0]["hit_rate"] == 0.0 and all(r["hit_rate"] > 0.95 for r in rows[1:])
    stalls = [r["ppt_miss_stall_cycles"] for r in rows]
    assert stalls[0] > stalls[1] > stalls[2] >= stalls[3]
    assert rows[3]["accuracy"] < rows[2]["accuracy"]   # further ahead, more asked for past the end


def test_report_counts_the_sentrons_not_the_host_preload(summed):
    trace = summed[4]
    assert trace.counters().ppt.accesses == 2 * N         # the whole machine: N host writes too
    assert prefetch_report(trace)["accesses"] == N


def test_a_stride_along_an_outer_dimension_caps_the_distance_at_the_ways():
    src = sum_kernel(300, dim="book", preload=False)      # every element in PPT set 0 (2048 = 0 mod 64)
    out, plan = prefetch_pass(src)
    assert plan.distance == REALISTIC.ppt_ways - 2
    assert report(out)["hit_rate"] > 0.95
    assert report(prefetch_pass(src, distance=4)[0])["hit_rate"] < 0.05    # evicted before use


def test_no_free_p_register_is_a_schedule_error_naming_the_live_ones():
    b = ProgramBuilder("full")
    for i in range(8):
        b.set(f"p{i}", f"{i}.1.1")
    with b.repeat(4):
        for i in range(8):
            b.siw(s=op("gather", f"r{i}", f"p{i}"))
        for i in range(8):
            b.siw(s=op("index", f"p{i}", f"p{i}", "section", 1))
    with pytest.raises(ScheduleError) as e:
        prefetch_pass(b.build())
    assert "0 free" in e.value.message and all(f"p{i} (" in e.value.message for i in range(8))
    assert e.value.sentron == "main"


def test_a_pointer_past_the_edge_of_a_dimension_is_a_schedule_error():
    with pytest.raises(ScheduleError, match="past the end"):
        prefetch_pass(sum_kernel(512, start="1536.1.1", preload=False))


@pytest.mark.parametrize("kw", [{"pipe": "D"}, {"distance": -1}, {"ii": 0}, {"distance": 2.0}])
def test_bad_arguments_are_schedule_errors(kw):
    with pytest.raises(ScheduleError):
        prefetch_pass(sum_kernel(8), **kw)


def test_plan_repr_reads_as_data(summed):
    assert repr(summed[2]) == "PrefetchPlan(realistic, cprefetch: main.p0 -> p7 4 ahead (II 3, miss 12, lag 0))"


@st.composite
def kernels(draw):
    """A loop, a loop in a loop, or straight-line code gathering 1-2 streams (strides +-1..3 along
    scroll or section, 1-2 gathers each per iteration) between filler D/C ops."""
    b = ProgramBuilder("gen")
    n_streams, per, count = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(2, 12))
    dims = [draw(st.sampled_from(["scroll", "section"])) for _ in range(n_streams)]
    strides = [draw(st.sampled_from([-3, -2, -1, 1, 2, 3])) for _ in range(n_streams)]
    for k in range(n_streams):
        b.set(f"p{k}", f"{1000 + 10 * k}.{1000 + 10 * k}.1")
    for i in range(3):
        b.set(f"r{8 + i}", float(i + 1))

    def body():
        for j in range(per):
            for k in range(n_streams):
                c = draw(st.sampled_from([None, op("pack", "m0", "r8")]))   # a C slot taken, or not
                b.siw(s=op("gather", f"r{k * 2 + j}", f"p{k}"), c=c)
                if draw(st.booleans()):
                    b.siw(op(draw(st.sampled_from(["add", "mul"])), "r6", f"r{k * 2 + j}", "r6"))
                b.siw(s=op("index", f"p{k}", f"p{k}", dims[k], strides[k]))
            b.siw(op("add", "r7", "r7", f"r{j}"))
    shape = draw(st.sampled_from(["loop", "nested", "straight"]))
    if shape == "straight":
        for _ in range(count):
            body()
    elif shape == "loop":
        with b.repeat(count):
            body()
    else:
        with b.repeat(draw(st.integers(1, 3))):
            with b.repeat(count):
                body()
            b.siw(op("add", "r10", "r10", "r1"))
    return b.build()


@settings(max_examples=40, deadline=None)
@given(kernels(), st.sampled_from(["C", "S"]), st.sampled_from([None, 1, 2, 5]))
def test_prefetched_programs_validate_and_leave_identical_results(src, pipe, distance):
    out, plan = prefetch_pass(src, "realistic", pipe=pipe, distance=distance)
    assert len(plan.streams) >= 1
    v = validate(src, out)
    assert v.ok, v.problems
    assert differences(run(src, "realistic"), run(out, "realistic"), ignore=plan.registers) == []
